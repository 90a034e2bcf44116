"""Speed of the browser playground (issue 4), recorded in RESULTS.md's web section.

Usage (from the project root):

    .venv/bin/python benchmarks/web.py [--quick] [--soak SECONDS] [--out benchmarks/RESULTS.md]
    .venv/bin/python benchmarks/web.py --fps [--seconds 10]   # (6) alone, its own section

A real uvicorn server (``create_app()``, in a child process so its memory can be read) listens
on a free port of 127.0.0.1; clients are the ``websockets`` package and Debian's headless
Chromium (Playwright). Nothing else is contacted; the script stops the server and the browser
itself. Measurements, each against its goal, beside Playground's anchors in headless Chromium on
this kind of machine (60 epochs/s at one epoch per animation frame, 116/s with the frame cap
lifted, 24 epochs/s on 6×8 where its 100×100 grid costs 24 ms a frame):

(1) epochs/s of ``Session.train_epoch`` in-process, no frames, on Playground's default network
    (circle, 2-4-2-1 tanh, batch 10, 250 training points, ``loss=half_mse&output=tanh``; the
    default ``Config()``'s head for reference): goal ≥ 3,000;
(2) epochs/s seen by a websocket client while every frame (heatmaps included) is streamed at
    speed 'max' (~60 frames/s), counted from the frames' ``epoch`` over a fixed wall time: goal
    ≥ 600 on the default, ≥ 240 on 6×8 (six hidden layers of 8);
(3) server work per frame: ``LiveSession._frame`` called directly (median, max): goal < 10 ms;
    and each panel's ``build`` the same way (the live ones — hidden space, gradients — are sent
    with frames, so the same goal; the probes every second, the player and the backprop stepper
    once per request);
(4) page draw time per frame in headless Chromium: the page's own ``draw()`` (``window.depthlens``)
    wrapped from outside with ``performance.now()`` (nothing is added to the page): goal < 8 ms;
    and the same for the two live panels the page opens by itself (hidden space, probes);
(5) 20 websocket sessions playing at speed 'max' at once for ``--soak`` seconds: the minimum
    frames/s over the tabs, the round-trip of ``config`` (a live learning-rate change, answered
    by ``state``) on the playing tabs and of ``step`` (answered by a frame) on a 21st, idle tab
    (goal < 200 ms), and the server's RSS sampled every few seconds (start, end, max, slope).

(6) ``--fps``: frames the page draws per second while training at speed 'max' in headless
    Chromium (``window.depthlens.drawn`` counted over ``--seconds``), for the default network and
    for the largest the page allows (10 hidden layers of 16, 2,352 edges), at 1280×800 and
    1920×1080: goal ≥ 55 on the default, ≥ 30 on 10×16. Beside it: the frames the server sent in
    the same time (the page cannot draw more), ``draw()``'s own time, and the renderer's CPU
    time per drawn frame from a Chromium trace (main thread, raster workers and compositor, by
    thread time: less sensitive to other load than frames per second).

Only the part of RESULTS.md between ``<!-- web:start -->`` and ``<!-- web:end -->`` is written
(appended at the end if the markers are missing); ``--fps`` writes its own ``web-fps`` section.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastapi
import numba
import numpy as np
import uvicorn
import websockets
from machine import (  # benchmarks/machine.py (this folder is on sys.path)
    machine_lines,
    write_section,
)
from websockets.asyncio.client import connect

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web.live import HISTORY_KEEP, LiveSession, _make
from depthlens.web.services import Services, default_panels

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PLAYGROUND = "loss=half_mse&output=tanh&epochs=0"
DEEP = "layers=8,8,8,8,8,8&loss=half_mse&output=tanh&epochs=0"
NETWORKS = (("default 2-4-2-1", PLAYGROUND), ("6×8", DEEP))
WIDEST = "layers=" + ",".join(["16"] * 10) + "&loss=half_mse&output=tanh&epochs=0"
FPS_NETWORKS = (("default 2-4-2-1", PLAYGROUND, 55.0), ("10×16", WIDEST, 30.0))
FPS_VIEWPORTS = ((1280, 800), (1920, 1080))
GOAL_TRAIN = 3000.0
GOAL_STREAM = {"default 2-4-2-1": 600.0, "6×8": 240.0}
GOAL_FRAME_MS = 10.0
GOAL_DRAW_MS = 8.0
GOAL_RTT_MS = 200.0
TABS = 20
_PREFIX = struct.Struct("<I")

SERVER = """
import sys, uvicorn
from depthlens.web.server import server_config
uvicorn.Server(server_config("127.0.0.1", int(sys.argv[1]))).run()
"""


@dataclass
class Row:
    what: str
    value: str
    goal: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Tab:
    """One websocket client: frames seen (time, epoch) and pending round-trips."""

    ws: Any
    frames: list[tuple[float, int]] = field(default_factory=list)
    waiting: dict[str, asyncio.Future[float]] = field(default_factory=dict)


# -- helpers ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def header_of(message: bytes) -> dict[str, Any]:
    """The JSON header of a binary frame (the arrays are left alone: cheap for the client)."""
    (n,) = _PREFIX.unpack_from(message, 0)
    return json.loads(message[_PREFIX.size:_PREFIX.size + n])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server() -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the playground server did not start") from None
            time.sleep(0.05)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def machine() -> list[str]:
    return machine_lines(f"numpy {np.__version__}, numba {numba.__version__}, fastapi "
                         f"{fastapi.__version__}, uvicorn {uvicorn.__version__}, websockets "
                         f"{websockets.__version__}")


def train_rate(query: str, seconds: float) -> float:
    """Epochs/s of Session.train_epoch (after a warm-up), no frames."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        s = Session(Config.from_query(query))
        for _ in range(20):
            s.train_epoch()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            s.train_epoch()
            n += 1
        return n / (time.perf_counter() - t0)


def frame_times(query: str, count: int) -> list[float]:
    """Seconds of LiveSession._frame, an epoch trained between two frames (not timed)."""
    from threadpoolctl import threadpool_limits

    async def nothing(_: Any) -> None:
        return None

    services = Services()
    with threadpool_limits(limits=1, user_api="blas"):
        live = LiveSession(nothing, nothing, services)
        s, view = _make(Config.from_query(query))
        for _ in range(5):
            live._frame(s, view)
        out = []
        for _ in range(count):
            s.train_epoch()
            t0 = time.perf_counter()
            live._frame(s, view)
            out.append(time.perf_counter() - t0)
    services.close()
    return out


PANEL_REQUESTS = (
    ("hidden space, last hidden layer, 2 units", {"type": "space", "stage": -1, "mode": "units"}),
    ("hidden space, last hidden layer, PCA", {"type": "space", "stage": -1, "mode": "pca"}),
    ("hidden space, layer 1, 3-D", {"type": "space", "stage": 1, "mode": "3d"}),
    ("gradients (live)", {"type": "gradients"}),
    ("probes (every 1 s)", {"type": "probes"}),
    ("five-operation player, layer 1 (once)", {"type": "operations", "layer": 0}),
    ("backprop stepper, one point (once)", {"type": "backprop", "index": 0}),
)
LIVE_PANELS = ("space", "gradients")


def panel_times(query: str, request: dict[str, Any], count: int) -> list[float]:
    """Seconds of one panel's ``build``, an epoch trained between two builds (not timed).
    A ``stage`` of −1 means the last hidden layer."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        s, view = _make(Config.from_query(query))
        request = dict(request)
        if request.get("stage") == -1:
            request["stage"] = len(s.config.layers)
        if request["type"] == "space" and request["mode"] in ("units", "3d"):
            width = s.sizes[request["stage"]]
            request["units"] = list(range(min(width, 3 if request["mode"] == "3d" else 2)))
            if len(request["units"]) < (3 if request["mode"] == "3d" else 2):
                request["mode"] = "pca"
                request.pop("units")
        panel = default_panels()[request["type"]]
        message = panel.model.model_validate(request)
        for _ in range(3):
            panel.build(s, view, message)
        out = []
        for _ in range(count):
            s.train_epoch()
            t0 = time.perf_counter()
            panel.build(s, view, message)
            out.append(time.perf_counter() - t0)
        return out


# -- (2) and (5): websocket clients -----------------------------------------------------------
PAGE_PANELS = ({"type": "space", "stage": 2, "mode": "pca"}, {"type": "probes"})
"""The live panels the page opens by itself on Playground's default network."""


async def open_tab(url: str, query: str, panels: bool = False) -> Tab:
    """A websocket client on ``query``; with ``panels`` it also subscribes to the live panels
    the page opens by itself (``PAGE_PANELS``), as a browser tab does."""
    ws = await connect(url, max_size=16 * 2**20)
    tab = Tab(ws)
    while True:  # hello, then the thumbnails
        m = await ws.recv()
        if isinstance(m, bytes) and header_of(m)["kind"] == "thumbnails":
            break
    await ws.send(json.dumps({"type": "config", "query": query}))
    while True:
        m = await ws.recv()
        if isinstance(m, bytes) and header_of(m)["kind"] == "frame":
            break
    if panels:
        for request in PAGE_PANELS:
            await ws.send(json.dumps(request))
    return tab


async def read_tab(tab: Tab) -> None:
    """Record every frame; resolve a pending round-trip on its answer."""
    loop = asyncio.get_running_loop()
    try:
        async for m in tab.ws:
            now = loop.time()
            if isinstance(m, bytes):
                h = header_of(m)
                if h["kind"] == "frame":
                    tab.frames.append((now, int(h["epoch"])))
                    fut = tab.waiting.pop("frame", None)
                    if fut is not None and not fut.done():
                        fut.set_result(now)
            else:
                kind = json.loads(m).get("type", "")
                fut = tab.waiting.pop(kind, None)
                if fut is not None and not fut.done():
                    fut.set_result(now)
    except websockets.ConnectionClosed:
        pass


async def round_trip(tab: Tab, message: dict[str, Any], answer: str) -> float:
    """Seconds from sending ``message`` to its ``answer`` (a text type or 'frame')."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[float] = loop.create_future()
    tab.waiting[answer] = fut
    t0 = loop.time()
    await tab.ws.send(json.dumps(message))
    return await asyncio.wait_for(fut, 10) - t0


async def play(tab: Tab) -> None:
    await tab.ws.send(json.dumps({"type": "speed", "epochs_per_frame": "max"}))
    await tab.ws.send(json.dumps({"type": "play"}))


def rate(frames: list[tuple[float, int]], t0: float, t1: float) -> tuple[float, float]:
    """(epochs/s, frames/s) of the frames received in [t0, t1]."""
    seen = [(t, e) for t, e in frames if t0 <= t <= t1]
    if len(seen) < 2:
        return 0.0, 0.0
    span = seen[-1][0] - seen[0][0]
    return (seen[-1][1] - seen[0][1]) / span, (len(seen) - 1) / span


async def stream_rate(url: str, query: str, seconds: float) -> tuple[float, float]:
    tab = await open_tab(url, query)
    reader = asyncio.create_task(read_tab(tab))
    await play(tab)
    loop = asyncio.get_running_loop()
    await asyncio.sleep(1.0)  # warm-up: the first chunks, the play loop's pace
    t0 = loop.time()
    await asyncio.sleep(seconds)
    out = rate(tab.frames, t0, loop.time())
    await tab.ws.close()
    await reader
    return out


async def soak(url: str, pid: int, seconds: float, every: float,
               panels: bool = False) -> dict[str, Any]:
    tabs = [await open_tab(url, PLAYGROUND, panels) for _ in range(TABS)]
    idle = await open_tab(url, PLAYGROUND, panels)
    readers = [asyncio.create_task(read_tab(t)) for t in [*tabs, idle]]
    for t in tabs:
        await play(t)
    loop = asyncio.get_running_loop()
    await asyncio.sleep(2.0)
    t0 = loop.time()
    memory = [(0.0, rss_mb(pid))]
    config_rtt: list[float] = []
    step_rtt: list[float] = []
    next_sample = t0 + every
    k = 0
    while (now := loop.time()) < t0 + seconds:
        tab = tabs[k % TABS]
        lr = 0.01 if k % 2 else 0.03
        config_rtt.append(await round_trip(
            tab, {"type": "config", "query": f"{PLAYGROUND}&lr={lr}"}, "state"))
        step_rtt.append(await round_trip(idle, {"type": "step", "unit": "epoch"}, "frame"))
        k += 1
        if now >= next_sample:
            memory.append((now - t0, rss_mb(pid)))
            next_sample += every
        await asyncio.sleep(0.5)
    t1 = loop.time()
    memory.append((t1 - t0, rss_mb(pid)))
    rates = [rate(t.frames, t0, t1) for t in tabs]
    for t in [*tabs, idle]:
        await t.ws.close()
    await asyncio.gather(*readers)
    ts, mb = np.array(memory).T
    slope = float(np.polyfit(ts, mb, 1)[0]) * 60 if len(ts) > 2 else float("nan")
    late = ts >= ts[-1] / 2
    slope_late = float(np.polyfit(ts[late], mb[late], 1)[0]) * 60 if late.sum() > 2 \
        else float("nan")
    last_epochs = [t.frames[-1][1] if t.frames else 0 for t in tabs]
    return {"fps": [r[1] for r in rates], "eps": [r[0] for r in rates],
            "config_rtt": config_rtt, "step_rtt": step_rtt, "memory": memory,
            "slope": slope, "slope_late": slope_late, "seconds": t1 - t0,
            "epochs": last_epochs}


# -- (4): the page in headless Chromium -------------------------------------------------------
WRAP = """() => {
  const d = window.depthlens;
  const draw = d.draw.bind(d);
  window.__bench = { draws: [], gaps: [], last: null, space: [], probes: [] };
  d.draw = () => {
    const t = performance.now();
    draw();
    window.__bench.draws.push(performance.now() - t);
  };
  // the live panels the page opens by itself: the hidden space and the separability bars
  for (const name of ["space", "probes"]) {
    const panel = d.panels.get(name); // the page's panels by name (main.js)
    const onPanel = panel.onPanel.bind(panel);
    panel.onPanel = (frame) => {
      const t = performance.now();
      onPanel(frame);
      window.__bench[name].push(performance.now() - t);
    };
  }
  const tick = (t) => {
    const b = window.__bench;
    if (b.last !== null) b.gaps.push(t - b.last);
    b.last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def page_draws(base: str, seconds: float) -> tuple[list[dict[str, Any]], str]:
    """Per network: draw times, rAF gaps and the epochs/s the page showed while playing."""
    from playwright.sync_api import sync_playwright

    out = []
    with tempfile.TemporaryDirectory(prefix="depthlens-bench-") as profile, \
            sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900})
        try:
            version = context.browser.version if context.browser else "?"
            for name, query in NETWORKS:
                page = context.new_page()
                page.goto(f"{base}#{query}")
                page.wait_for_function("() => window.depthlens && window.depthlens.drawn > 0 "
                                       "&& window.depthlens.state", timeout=20_000)
                page.evaluate("() => { window.depthlens.send({type: 'speed', "
                              "epochs_per_frame: 'max'}); window.depthlens.send({type: "
                              "'play'}); }")
                page.wait_for_timeout(1000)
                page.evaluate(WRAP)
                e0 = page.evaluate("() => [performance.now(), window.depthlens.drawnEpoch]")
                page.wait_for_timeout(seconds * 1000)
                e1 = page.evaluate("() => [performance.now(), window.depthlens.drawnEpoch]")
                bench = page.evaluate("() => window.__bench")
                page.evaluate("() => window.depthlens.send({type: 'pause'})")
                page.close()
                out.append({"name": name, "draws": bench["draws"], "gaps": bench["gaps"],
                            "space": bench["space"], "probes": bench["probes"],
                            "eps": (e1[1] - e0[1]) / ((e1[0] - e0[0]) / 1000)})
        finally:
            context.close()
    return out, version


# -- (6): frames drawn per second ---------------------------------------------------------------
DRAWS = """() => {
  const d = window.depthlens;
  const draw = d.draw.bind(d);
  window.__fps = [];
  d.draw = () => {
    const t = performance.now();
    draw();
    window.__fps.push(performance.now() - t);
  };
}"""
COUNTS = "() => [performance.now(), window.depthlens.drawn, window.depthlens.frames]"
TRACED = {"CrRendererMain": "RunTask", "ThreadPoolForegroundWorker": "RasterTask",
          "Compositor": "RunTask", "VizCompositorThread": "RunTask"}
"""The renderer's threads and the event that covers each one's work (summed by thread time)."""


def trace_cpu_ms(path: Path) -> float:
    """Thread-time milliseconds of the page's rendering work in a Chromium trace: every
    top-level task of the renderer's main thread, the raster workers and both compositors."""
    events = json.loads(path.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    total = 0
    for e in events:
        if e.get("ph") == "X" and TRACED.get(names.get((e["pid"], e["tid"]), "")) == e["name"]:
            total += e.get("tdur", e.get("dur", 0))
    return total / 1e3


def page_fps(base: str, seconds: float) -> tuple[list[dict[str, Any]], str]:
    """Per network and viewport: frames drawn and received per second while playing at
    'max', ``draw()`` times, and the renderer's CPU ms per drawn frame (a second, traced run
    of ``seconds`` / 2, so the trace's cost is not in the frame rate)."""
    from playwright.sync_api import sync_playwright

    out = []
    with tempfile.TemporaryDirectory(prefix="depthlens-fps-") as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for name, query, goal in FPS_NETWORKS:
                for width, height in FPS_VIEWPORTS:
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(f"{base}#{query}")
                    page.wait_for_function("() => window.depthlens && window.depthlens.drawn > 0",
                                           timeout=30_000)
                    page.evaluate("() => { window.depthlens.send({type: 'speed', "
                                  "epochs_per_frame: 'max'}); window.depthlens.send({type: "
                                  "'play'}); }")
                    page.wait_for_timeout(1500)  # warm-up: the play loop's pace, the JIT
                    page.evaluate(DRAWS)
                    t0, drawn0, got0 = page.evaluate(COUNTS)
                    page.wait_for_timeout(seconds * 1000)
                    t1, drawn1, got1 = page.evaluate(COUNTS)
                    draws = page.evaluate("() => window.__fps")
                    trace = Path(folder) / "trace.json"
                    browser.start_tracing(page=page, path=str(trace),
                                          categories=["toplevel", "cc", "viz",
                                                      "devtools.timeline",
                                                      "disabled-by-default-devtools.timeline"])
                    before = page.evaluate("() => window.depthlens.drawn")
                    page.wait_for_timeout(seconds * 500)
                    after = page.evaluate("() => window.depthlens.drawn")
                    browser.stop_tracing()
                    page.evaluate("() => window.depthlens.send({type: 'pause'})")
                    size = page.evaluate("() => getComputedStyle(document.getElementById("
                                         "'network')).getPropertyValue('--node')")
                    page.close()
                    span = (t1 - t0) / 1000
                    out.append({"name": name, "viewport": f"{width}×{height}", "goal": goal,
                                "fps": (drawn1 - drawn0) / span, "sent": (got1 - got0) / span,
                                "draws": draws, "node": size.strip(),
                                "cpu": trace_cpu_ms(trace) / max(after - before, 1)})
                    print(f"(6) {name} at {width}×{height}: {out[-1]['fps']:.1f} frames/s drawn, "
                          f"{out[-1]['sent']:.1f} sent", flush=True)
            version = browser.version
        finally:
            browser.close()
    return out, version


def fps_main(out: Path, seconds: float) -> None:
    """(6) alone: measure and write RESULTS.md's ``web-fps`` section."""
    header = machine()
    proc, port = start_server()
    try:
        pages, version = page_fps(f"http://127.0.0.1:{port}/", seconds)
    finally:
        stop_server(proc)
    header.append(f"- Chromium {version} (headless, `--disable-gpu`)")
    header.append(f"- Load average at the end {os.getloadavg()[0]:.2f} / "
                  f"{os.getloadavg()[1]:.2f} / {os.getloadavg()[2]:.2f}")
    header.append(f"- Run: `benchmarks/web.py --fps --seconds {seconds:g}`")
    lines = ["## Network diagram frame rate (`benchmarks/web.py --fps`)", "",
             "Frames the page draws per second while training at speed 'max' (issue #11 item 6).",
             "", *header, "",
             "| network, viewport | frames/s drawn | goal | met | frames/s sent | `draw()` | "
             "renderer CPU per drawn frame | node side |",
             "|---|---|---|---|---|---|---|---|"]
    for r in pages:
        d = r["draws"] or [float("nan")]
        lines.append(
            f"| {r['name']}, {r['viewport']} | {r['fps']:.1f} | ≥ {r['goal']:g} | "
            f"{'met' if r['fps'] >= r['goal'] else '**not met**'} | {r['sent']:.1f} | "
            f"median {statistics.median(d):.2f} ms, p95 {np.percentile(d, 95):.2f} ms | "
            f"{r['cpu']:.1f} ms | {r['node']} |")
    lines += ["", "The server (`depthlens serve`'s uvicorn Config, `server_config`, in a child "
              "process: on loopback frames are not deflated), Chromium and this "
              "script share the machine's cores. The page cannot draw more frames than the "
              "server sends: at speed 'max' each frame trains for `live.train_budget()` (the "
              "1/60 s less the frame's measured other work and a margin, at most 12 ms) and "
              "then builds the frame (every node's map; see (3) of the web section), so where "
              "*sent* is below the goal the server, not the page, is the limit. *Renderer CPU* "
              "is the thread time of the renderer's main thread, raster workers and "
              "compositors in a Chromium trace, over the frames drawn while tracing."]
    write_section(out, "web-fps", lines)
    print(f"wrote the web-fps section of {out}")


# -- report -----------------------------------------------------------------------------------
def soak_rows(s: dict[str, Any], tag: str, what: str, load: str) -> list[Row]:
    """The rows of one soak: frames/s per tab and the two round trips (``load`` qualifies
    the load in their names)."""
    fps = s["fps"]
    rows = [Row(f"{tag} {what}: frames/s per tab",
                f"min {min(fps):.1f}, median {statistics.median(fps):.1f}, max {max(fps):.1f}",
                "every tab gets frames", min(fps) > 0,
                f"epochs/s per tab min {min(s['eps']):,.0f}, total {sum(s['eps']):,.0f}")]
    for name, rtt in (("`config` (live lr change → `state`) on a playing tab", s["config_rtt"]),
                      ("`step` (1 epoch → frame) on a 21st, idle tab", s["step_rtt"])):
        rows.append(Row(f"{tag} round-trip of {name}, under the {TABS}-tab load{load}",
                        f"{ms(rtt)} ({len(rtt)} requests)", f"< {GOAL_RTT_MS:g} ms",
                        judge(max(rtt), GOAL_RTT_MS / 1e3, False),
                        f"judged on the max; p99 {np.percentile(rtt, 99) * 1e3:.1f} ms, "
                        f"{sum(r > GOAL_RTT_MS / 1e3 for r in rtt)} over the goal"))
    return rows


def judge(value: float, goal: float, above: bool) -> bool:
    return value >= goal if above else value < goal


def write(out: Path, header: list[str], rows: list[Row], notes: list[str]) -> None:
    lines = ["## Browser playground (`benchmarks/web.py`)", "",
             "Written by `benchmarks/web.py` (issue 4's speed figures; Playground's anchors in "
             "headless Chromium on this kind of machine: 60 epochs/s on its default network at "
             "one epoch per animation frame, 116/s with the frame cap lifted, 24 epochs/s on 6×8 "
             "where its 100×100 grid costs 24 ms a frame).", "", *header, "",
             "| measurement | value | goal | met | note |", "|---|---|---|---|---|"]
    for r in rows:
        mark = "" if r.met is None else ("met" if r.met else "**not met**")
        lines.append(f"| {r.what} | {r.value} | {r.goal} | {mark} | {r.note} |")
    lines += ["", *notes]
    write_section(out, "web", lines)
    print(f"wrote the web section of {out}")


def ms(xs: list[float], scale: float = 1e3) -> str:
    return f"median {statistics.median(xs) * scale:.2f} ms, max {max(xs) * scale:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (about a minute)")
    parser.add_argument("--soak", type=float, default=None,
                        help="seconds of the 20-tab soak (default 60; 20 with --quick)")
    parser.add_argument("--panel-soak", type=float, default=None,
                        help="seconds of the 20-tab run with the page's live panels open "
                             "(default 120; 20 with --quick)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--fps", action="store_true",
                        help="only (6): frames/s the page draws, default and 10×16 networks")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="seconds each frame-rate count of --fps lasts (default 10)")
    args = parser.parse_args()
    if args.fps:
        fps_main(args.out, args.seconds)
        return
    quick = args.quick
    window = 2.0 if quick else 5.0
    soak_s = args.soak if args.soak is not None else (20.0 if quick else 60.0)
    header = machine()
    rows: list[Row] = []
    notes: list[str] = []

    # (1)
    for label, query in (("`loss=half_mse&output=tanh` (Playground's head)", PLAYGROUND),
                         ("`Config()` default head", "epochs=0")):
        r = train_rate(query, 1.0 if quick else 3.0)
        rows.append(Row(f"(1) epochs/s, `Session.train_epoch` in-process, no frames, default "
                        f"2-4-2-1, {label}", f"{r:,.0f}", f"≥ {GOAL_TRAIN:,.0f}",
                        judge(r, GOAL_TRAIN, True), f"{r / 60:.0f}× Playground's 60/s"))
        print(rows[-1].what, rows[-1].value, flush=True)
    # (3)
    for name, query in NETWORKS:
        ts = frame_times(query, 60 if quick else 300)
        p95 = float(np.percentile(ts, 95))
        rows.append(Row(f"(3) server work per frame, `LiveSession._frame`, {name}", ms(ts),
                        f"< {GOAL_FRAME_MS:g} ms", judge(max(ts), GOAL_FRAME_MS / 1e3, False),
                        f"judged on the max; p95 {p95 * 1e3:.2f} ms; {len(ts)} frames"))
        print(rows[-1].what, rows[-1].value, flush=True)
        for what, request in PANEL_REQUESTS:
            ts = panel_times(query, request, 10 if quick else 40)
            live = request["type"] in LIVE_PANELS
            rows.append(Row(f"(3) panel `build`, {what}, {name}", ms(ts),
                            f"< {GOAL_FRAME_MS:g} ms" if live else "",
                            judge(max(ts), GOAL_FRAME_MS / 1e3, False) if live else None,
                            f"{len(ts)} builds" + ("; judged on the max" if live else
                                                   "; not per frame")))
            print(rows[-1].what, rows[-1].value, flush=True)

    proc, port = start_server()
    try:
        url, base = f"ws://127.0.0.1:{port}/ws", f"http://127.0.0.1:{port}/"
        # (2)
        for name, query in NETWORKS:
            eps, fps = asyncio.run(stream_rate(url, query, window))
            goal = GOAL_STREAM[name]
            anchor = 60 if name.startswith("default") else 24
            rows.append(Row(f"(2) epochs/s streamed, every frame, speed 'max', {name}",
                            f"{eps:,.0f} ({fps:.0f} frames/s)", f"≥ {goal:g}",
                            judge(eps, goal, True), f"{eps / anchor:.0f}× Playground's "
                            f"{anchor}/s; counted from the frames' epoch over {window:g} s"))
            print(rows[-1].what, rows[-1].value, flush=True)
        # (4)
        if shutil.which(CHROMIUM) is None:
            rows.append(Row("(4) page draw per frame", f"not measured: {CHROMIUM} missing",
                            f"< {GOAL_DRAW_MS:g} ms", False))
        else:
            pages, version = page_draws(base, window)
            header.append(f"- Chromium {version} (headless, `--disable-gpu`)")
            for p in pages:
                d, g = p["draws"], p["gaps"]
                if not d:
                    rows.append(Row(f"(4) page draw per frame, {p['name']}", "no draws seen",
                                    f"< {GOAL_DRAW_MS:g} ms", False))
                    print(rows[-1].what, rows[-1].value, flush=True)
                    continue
                rows.append(Row(
                    f"(4) page `draw()` per frame in headless Chromium, {p['name']}",
                    f"{ms(d, 1.0)} ({len(d)} draws)", f"< {GOAL_DRAW_MS:g} ms",
                    judge(statistics.median(d), GOAL_DRAW_MS, False),
                    f"judged on the median; p95 {np.percentile(d, 95):.2f} ms; animation-frame "
                    f"gap median {statistics.median(g):.1f} ms; page showed "
                    f"{p['eps']:,.0f} epochs/s"))
                print(rows[-1].what, rows[-1].value, flush=True)
                for panel, label in (("space", "hidden-space panel (live)"),
                                     ("probes", "separability bars (live)")):
                    t = p[panel]
                    if not t:
                        continue
                    rows.append(Row(
                        f"(4) page draw of the {label} per panel frame, {p['name']}",
                        f"{ms(t, 1.0)} ({len(t)} frames, {len(t) / window:.0f}/s)",
                        f"< {GOAL_DRAW_MS:g} ms", judge(statistics.median(t), GOAL_DRAW_MS, False),
                        "judged on the median; drawn as its frames arrive, apart from `draw()`"))
                    print(rows[-1].what, rows[-1].value, flush=True)
        # (5)
        every = 2.0 if quick else 5.0
        s = asyncio.run(soak(url, proc.pid, soak_s, every))
        rows += soak_rows(s, "(5)", f"{TABS} tabs playing at 'max' at once "
                          f"({os.cpu_count()} cores, {s['seconds']:.0f} s)", "")
        mem = s["memory"]
        mb = [m for _, m in mem]
        rows.append(Row(f"(5) server RSS over the soak ({len(mem)} samples every {every:g} s)",
                        f"start {mb[0]:.1f} MB, end {mb[-1]:.1f} MB, max {max(mb):.1f} MB, "
                        f"slope {s['slope']:+.2f} MB/min (second half {s['slope_late']:+.2f})",
                        "flat", abs(s["slope_late"]) < 2,
                        "flat = slope over the second half within ±2 MB/min; each session keeps "
                        f"up to {2 * HISTORY_KEEP:,} history rows by design (trimmed to "
                        f"{HISTORY_KEEP:,}), and a tab was at epoch "
                        f"{min(s['epochs']):,}–{max(s['epochs']):,} at the end"))
        for r in rows[-4:]:
            print(r.what, r.value, flush=True)
        # (5b) the same with the live panels every page opens (hidden space, probes)
        panel_s = args.panel_soak if args.panel_soak is not None else (20.0 if quick else 120.0)
        s = asyncio.run(soak(url, proc.pid, panel_s, every, panels=True))
        rows += soak_rows(s, "(5b)", f"{TABS} tabs playing at 'max' with the page's live "
                          f"panels open (hidden space, probes; {s['seconds']:.0f} s)",
                          " with panels")
        for r in rows[-3:]:
            print(r.what, r.value, flush=True)
    finally:
        stop_server(proc)

    load = os.getloadavg()
    header.append(f"- Load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    header.append(f"- Run: `benchmarks/web.py{' --quick' if quick else ''}"
                  f"{f' --soak {args.soak:g}' if args.soak is not None else ''}`")
    notes += [
        "The server is `create_app()` under uvicorn in a child process (BLAS on one thread, as "
        "it runs); the websocket clients (Python `websockets`, reading only each frame's JSON "
        "header) and Chromium run on the same 2 cores, so they take CPU from the server in (2), "
        "(4) and (5). Playground's head and endless play (`loss=half_mse&output=tanh&epochs=0`; "
        "the Config's default `epochs=200` would pause play) are used for (2)–(5); 6×8 is "
        "`layers=8,8,8,8,8,8`. At speed 'max' the server trains for at most 12 ms "
        "(`TRAIN_BUDGET`, less when the frame's other work needs the rest of the 1/60 s: "
        "`train_budget`) per frame at up to 60 frames/s. (4) wraps `window.depthlens.draw` "
        "from outside (the page is unchanged); the time spent decoding a frame before `draw` "
        "is not in it. The soak's tabs have no panel open (hidden space, probes, gradients); "
        "each open live panel adds its `build` time of (3) per send.",
    ]
    write(args.out, header, rows, notes)


if __name__ == "__main__":
    main()
