"""Fairness of the playground server under heavy tabs and Lab races (issue #13 item 3),
recorded in RESULTS.md's ``web-fairness`` section.

Usage (from the project root):

    .venv/bin/python benchmarks/fairness.py [--seconds 60] [--out benchmarks/RESULTS.md]

A real server (``depthlens serve``'s uvicorn Config, in a child process: ``web.start_server``)
on a free port of 127.0.0.1; every client is in this process (``websockets`` and a plain
asyncio HTTP/1.1 client). For ``--seconds``:

- two *heavy tabs* send, one after another, the heaviest step the limits allow: 1,000 epochs
  of 10 hidden layers of 16 at batch size 1 on 5,000 points (minutes of work each, were it
  not cut after ``live.STEP_SECONDS``);
- ``LAB_CLIENTS`` = 20 further tabs each keep one Lab network race in flight
  (``POST /api/lab/network``: 4 × 16 gelu on spirals, the largest budget allowed), sent with
  the tab's session header, so they are 20 clients to the server's per-client queue; when one
  answers, its tab sends the next;
- a *third tab* on Playground's default network sends a one-epoch ``step`` every
  ``EVERY`` seconds and times the round trip to its frame (goal: max ≤ 200 ms);
- a static file (``/static/js/main.js``) is fetched every ``EVERY`` seconds and timed to its last
  byte (goal: max ≤ 100 ms).

The goals are the issue's. Lab answers are counted (and how many were stopped at their time
limit); the heavy tabs' steps too (each answers after at most ``STEP_SECONDS``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from machine import write_section  # benchmarks/machine.py (this folder is on sys.path)
from web import header_of, machine, start_server, stop_server  # benchmarks/web.py
from websockets.asyncio.client import connect

from depthlens.web.live import STEP_SECONDS

HERE = Path(__file__).resolve().parent
HEAVY = ("layers=16,16,16,16,16,16,16,16,16,16&n_samples=5000&batch_size=1&epochs=0"
         "&activation=tanh")
DEFAULT = "loss=half_mse&output=tanh&epochs=0"
LAB_RACE = {"dataset": "spirals", "layers": [16, 16, 16, 16], "activation": "gelu",
            "budget": 50_000, "seed": 0}
LAB_CLIENTS = 20
EVERY = 0.25
GOAL_STEP_MS = 200.0
GOAL_STATIC_MS = 100.0


async def open_tab(url: str, query: str) -> tuple[Any, str]:
    """A websocket tab on ``query``: (socket, its session id), after its first frame."""
    ws = await connect(url, max_size=16 * 2**20)
    session = ""
    while True:
        m = await ws.recv()
        if isinstance(m, str) and json.loads(m).get("type") == "hello":
            session = json.loads(m)["session"]
        if isinstance(m, bytes) and header_of(m)["kind"] == "thumbnails":
            break
    await ws.send(json.dumps({"type": "config", "query": query}))
    while not (isinstance(m := await ws.recv(), bytes) and header_of(m)["kind"] == "frame"):
        pass
    return ws, session


async def until_frame(ws: Any) -> dict[str, Any]:
    """The header of the next frame ``ws`` receives (other messages skipped)."""
    while True:
        m = await ws.recv()
        if isinstance(m, bytes):
            h = header_of(m)
            if h["kind"] == "frame":
                return h


async def http(port: int, method: str, path: str, body: bytes = b"",
               headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a new connection: (status, body), read to its last byte."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
            f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


async def heavy_tab(url: str, stop: asyncio.Event, steps: list[dict[str, Any]]) -> None:
    """Send the heaviest step, wait for its frame, again, until ``stop``."""
    ws, _ = await open_tab(url, HEAVY)
    while not stop.is_set():
        await ws.send(json.dumps({"type": "step", "unit": "epoch", "count": 1000}))
        steps.append((await until_frame(ws))["stepped"])
    await ws.close()


async def lab_client(url: str, port: int, stop: asyncio.Event,
                     answers: list[dict[str, Any]], sent: list[float]) -> None:
    """A tab keeping one Lab network race in flight with its session header."""
    ws, session = await open_tab(url, DEFAULT)
    body = json.dumps(LAB_RACE).encode()
    while not stop.is_set():
        began = time.perf_counter()
        sent.append(began)
        status, data = await http(port, "POST", "/api/lab/network", body, {
            "Content-Type": "application/json", "X-Depthlens-Session": session})
        answer = json.loads(data) if data else {}
        answers.append({"status": status, "seconds": time.perf_counter() - began,
                        "stopped": answer.get("stopped"), "epochs": answer.get("epochs")})
    await ws.close()


async def measure(port: int, seconds: float) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{port}/ws"
    stop = asyncio.Event()
    steps: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    sent: list[float] = []
    third, _ = await open_tab(url, DEFAULT)
    load = [asyncio.create_task(heavy_tab(url, stop, steps)) for _ in range(2)]
    load += [asyncio.create_task(lab_client(url, port, stop, answers, sent))
             for _ in range(LAB_CLIENTS)]
    await asyncio.sleep(3.0)  # the load under way
    step_rtt: list[float] = []
    static_rtt: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        await third.send(json.dumps({"type": "step", "unit": "epoch"}))
        await until_frame(third)
        step_rtt.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        status, data = await http(port, "GET", "/static/js/main.js")
        static_rtt.append(time.perf_counter() - t0)
        assert status == 200 and data, status
        await asyncio.sleep(EVERY)
    stop.set()
    in_flight = len(sent) - len(answers)
    await third.close()
    for task in load:  # the races still in flight are not waited for
        task.cancel()
    await asyncio.wait(load, timeout=30)
    return {"step": step_rtt, "static": static_rtt, "heavy": steps, "lab": answers,
            "sent": len(sent), "in_flight": in_flight}


def ms(xs: list[float]) -> str:
    return (f"median {statistics.median(xs) * 1e3:.1f} ms, p99 "
            f"{np.percentile(xs, 99) * 1e3:.1f} ms, max {max(xs) * 1e3:.1f} ms")


def secs(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.0f} s, max {max(xs):.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    header = machine()
    proc, port = start_server()
    try:
        r = asyncio.run(measure(port, args.seconds))
    finally:
        stop_server(proc)
    load = os.getloadavg()
    step_ok = max(r["step"]) * 1e3 <= GOAL_STEP_MS
    static_ok = max(r["static"]) * 1e3 <= GOAL_STATIC_MS
    lab = r["lab"]
    done = [a for a in lab if a["status"] == 200]
    cut = [a for a in done if a["stopped"]]
    heavy = r["heavy"]
    epoch_s = STEP_SECONDS / statistics.median([s["done"] for s in heavy]) if heavy else 0.0
    lines = [
        "## Fairness under heavy tabs and Lab races (`benchmarks/fairness.py`)", "",
        "Issue #13 item 3: while two tabs send the heaviest steps the limits allow and "
        f"{LAB_CLIENTS} Lab network races run, a third tab's `step` and a static file.", "",
        *header, f"- Load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        f"- Run: `benchmarks/fairness.py --seconds {args.seconds:g}`", "",
        "| measurement | value | goal | met |", "|---|---|---|---|",
        f"| third tab's `step` (1 epoch → frame), {len(r['step'])} requests | {ms(r['step'])} "
        f"| max ≤ {GOAL_STEP_MS:g} ms | {'met' if step_ok else '**not met**'} |",
        f"| static file `/static/js/main.js`, {len(r['static'])} requests | {ms(r['static'])} | "
        f"max ≤ {GOAL_STATIC_MS:g} ms | {'met' if static_ok else '**not met**'} |",
        f"| heavy tabs' steps answered | {len(heavy)} (epochs trained per step: median "
        f"{statistics.median([s['done'] for s in heavy]) if heavy else 0:g}; cut by time "
        f"{sum(s['cut'] == 'time' for s in heavy)}) | each answered | "
        f"{'met' if heavy else '**not met**'} |",
        f"| Lab network races | {r['sent']} sent, {len(done)} answered 200 ({len(cut)} "
        f"stopped at their time limit), {len(lab) - len(done)} refused (statuses "
        f"{sorted({a['status'] for a in lab})}), {r['in_flight']} in flight at the end; "
        f"answer time {secs([a['seconds'] for a in done]) if done else '–'} | every one "
        f"answered 200 | {'met' if done and len(done) == len(lab) else '**not met**'} |", "",
        "The heavy step is 1,000 epochs of a 10 × 16 tanh network at batch 1 on 5,000 points "
        f"(2,500 training points; {epoch_s:.2f} s an epoch here, from the epochs a step "
        f"trained in its {STEP_SECONDS:g} s): without its time limit and slices it would hold "
        f"a worker for {1000 * epoch_s / 60:.0f} minutes. The Lab races share one thread, a "
        f"slice each in turn, so with {LAB_CLIENTS} in flight each answers after about "
        f"{LAB_CLIENTS} times its own work: long by design, and no race holds up another "
        "tab (the page says \"racing…\" meanwhile).",
    ]
    write_section(args.out, "web-fairness", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
