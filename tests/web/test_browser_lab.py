"""The Lab tab in a real browser (Debian's headless Chromium driven by Playwright).

A screenshot of the tab is kept in ``test-artifacts/lab.png``.
"""

from __future__ import annotations

import json
import re

from PIL import Image
from playwright.sync_api import Page, Route

from depthlens.lab import SURFACES
from tests.web.pages import ARTIFACTS, PLAYGROUND, load, page_state, wait_config, wait_drawn
from tests.web.test_lab_api import first_step_just_above

LAB = "() => window.depthlens.lab"
INKED = """(selector) => {
    const canvas = document.querySelector(selector);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
        if (data[i] < 245 || data[i + 1] < 245 || data[i + 2] < 245) n += 1;
    }
    return [n, canvas.width * canvas.height];
}"""
COLOURED = """(selector) => {
    const canvas = document.querySelector(selector);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n += 1;
    }
    return n;
}"""


def names_of(page: Page, selector: str) -> list[str]:
    """The ``data-name`` of every element matching ``selector``, in order."""
    return page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.name)")


def showing(page: Page) -> tuple[bool, bool]:
    """(Playground tab visible, Lab tab visible)."""
    return page.locator("#playground-tab").is_visible(), page.locator("#lab-tab").is_visible()


def open_link(page: Page, server, link: str) -> None:
    """Open the page at ``#lab:link`` and wait for its surface race and its Config's state."""
    url, _ = server
    page.goto(f"{url}#lab:{link}")
    page.wait_for_function(f"() => {{ const lab = ({LAB})(); return lab && lab.race && "
                           "lab.drawn.table > 0 && window.depthlens.state; }", timeout=15_000)


def configs_sent(page: Page) -> list[str]:
    """From now on, the ``query`` of every Config message the page sends on its websocket."""
    sent: list[str] = []

    def heard(payload: str | bytes) -> None:
        message = json.loads(payload) if isinstance(payload, str) else {}
        if message.get("type") == "config" and "query" in message:
            sent.append(message["query"])

    page.on("websocket", lambda ws: ws.on("framesent", heard))
    return sent


def table(page: Page, selector: str = ".lab-race-table") -> list[list[str]]:
    """The text of every cell of a table's body, row by row."""
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")


def shown(text: str) -> float:
    """A number as the page writes it (true minus signs) as Python reads it."""
    return float(text.replace("\u2212", "-"))


def open_lab(page: Page, server) -> None:
    """Open the page, show the Lab tab and wait for the first race on the first surface."""
    load(page, server)
    page.click("#tabs [data-tab='lab']")
    page.wait_for_function(f"() => {{ const lab = ({LAB})(); return lab && lab.race && "
                           "lab.drawn.contour > 0 && lab.drawn.table > 0; }", timeout=15_000)


def test_surface_race_draws_contours_races_and_animates(page, server):
    open_lab(page, server)
    assert showing(page) == (False, True)
    assert page.locator(".lab-surface option").count() == len(SURFACES)
    inked, total = page.evaluate(INKED, ".lab-contour")
    assert inked > 0.3 * total  # the contour picture covers the canvas
    # every optimizer on by default, its learning rate prefilled with the surface's default
    names = names_of(page, ".lab-surface-section .lab-optimizer")
    assert names == list(SURFACES["double_well"].lrs)
    lr = page.input_value(".lab-optimizer[data-name='adagrad'] .lab-lr")
    assert float(lr) == SURFACES["double_well"].lrs["adagrad"]

    page.fill(".lab-steps", "400")
    page.click(".lab-surface-section .lab-race-button")
    page.wait_for_function(f"() => ({LAB})().race.steps === 400", timeout=10_000)
    assert names_of(page, ".lab-race-table tbody tr") == names
    minima = page.eval_on_selector_all(".lab-race-table tbody tr td:last-child",
                                       "cells => cells.map(c => c.textContent)")
    assert "local" in minima and "global" in minima  # the double well's story
    assert page.locator(".lab-surface-section .lab-legend-item").count() == len(names)

    # the animation moves: frameStep grows from one animation frame to a later one
    first = page.evaluate(f"() => ({LAB})().frameStep")
    page.wait_for_function(f"(s) => ({LAB})().frameStep > s + 1", arg=first, timeout=10_000)
    frames = page.evaluate(f"() => ({LAB})().drawn.frames")
    page.wait_for_function(f"(n) => ({LAB})().drawn.frames > n", arg=frames, timeout=10_000)
    # pause holds the step; the scrubber moves it
    page.click(".lab-play")
    held = page.evaluate(f"() => ({LAB})().frameStep")
    page.wait_for_function(f"() => !({LAB})().surface.playing")
    assert page.evaluate(f"() => ({LAB})().frameStep") == held
    page.eval_on_selector(".lab-scrubber",
                          "s => { s.value = '123'; s.dispatchEvent(new Event('input')); }")
    assert page.evaluate(f"() => ({LAB})().frameStep") == 123
    assert page.inner_text(".lab-step-label") == "step 123 / 400"
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#lab-tab").screenshot(path=str(ARTIFACTS / "lab.png"))


def test_clicking_the_map_races_from_there(page, server):
    open_lab(page, server)
    x0, x1, y0, y1 = SURFACES["double_well"].extent
    assert page.evaluate(f"() => ({LAB})().race.start") == list(SURFACES["double_well"].start)
    box = page.locator(".lab-contour").bounding_box()
    fx, fy = 0.25, 0.3
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    page.wait_for_function(f"() => ({LAB})().race.start[0] < 0", timeout=10_000)
    sx, sy = page.evaluate(f"() => ({LAB})().race.start")
    assert abs(sx - (x0 + fx * (x1 - x0))) < 0.03 * (x1 - x0)
    assert abs(sy - (y1 - fy * (y1 - y0))) < 0.03 * (y1 - y0)
    paths = page.evaluate(f"() => ({LAB})().race.trajectories.map(t => t.points[0])")
    assert all(p == [sx, sy] for p in paths)
    # another surface: its own picture, optimizers and default start
    page.select_option(".lab-surface", "rosenbrock")
    page.wait_for_function(f"() => ({LAB})().race?.surface === 'rosenbrock'", timeout=10_000)
    assert page.evaluate(f"() => ({LAB})().race.start") == list(SURFACES["rosenbrock"].start)
    assert page.evaluate(f"() => ({LAB})().drawn.contour") == 2
    assert page.input_value(".lab-optimizer[data-name='adam'] .lab-lr") == "0.05"


def test_network_race_draws_one_curve_per_contender(page, server):
    open_lab(page, server)
    page.wait_for_function(
        "() => document.querySelectorAll('.lab-contenders .lab-use').length === 9")
    for name in ("sgd mini-batch", "nesterov", "adagrad", "rmsprop", "adadelta", "momentum"):
        page.locator(f".lab-contenders .lab-optimizer[data-name='{name}'] .lab-use").uncheck()
    page.select_option(".lab-dataset", "xor")
    page.fill(".lab-layers", "6, 4")
    page.fill(".lab-budget", "2500")
    before = page.evaluate(COLOURED, ".lab-chart")
    page.click(".lab-net-race")
    page.wait_for_function(f"() => ({LAB})().networkRace !== null", timeout=30_000)
    race = page.evaluate(f"() => ({LAB})().networkRace")
    names = ["sgd per-sample", "sgd full batch", "adam"]
    assert [c["name"] for c in race["contenders"]] == names
    assert race["dataset"] == "xor" and race["layers"] == [6, 4] and race["budget"] == 2500
    assert names_of(page, ".lab-net-legend .lab-legend-item") == names
    assert names_of(page, ".lab-net-table tbody tr") == names
    assert before == 0 and page.evaluate(COLOURED, ".lab-chart") > 200  # coloured curves
    assert page.evaluate(f"() => ({LAB})().drawn.chart") >= 1
    assert not page.locator(".lab-net-race").is_disabled()
    # both pictures of the tab download as PNGs of their canvases
    for canvas, png in ((".lab-chart", ".lab-chart-key .lab-png"),
                        (".lab-contour", ".lab-player .lab-png")):
        size = page.evaluate(
            "(s) => { const c = document.querySelector(s); return [c.width, c.height]; }", canvas)
        with page.expect_download() as info:
            page.click(png)
        assert info.value.suggested_filename.endswith(".png")
        with Image.open(info.value.path()) as image:
            assert image.format == "PNG" and list(image.size) == size


def test_back_to_the_playground_still_trains(page, server):
    open_lab(page, server)
    page.click("#tabs [data-tab='playground']")
    assert showing(page) == (True, False)
    page.click("#step")
    wait_drawn(page, 1)
    page.click("#tabs [data-tab='lab']")
    assert page.locator(".lab-contour").is_visible()
    assert page.locator(".lab-section").count() == 2  # built once, not again


# -- the race table agrees with itself --------------------------------------------------------
def test_no_row_says_never_beside_a_final_gap_shown_within_the_tolerance(page, server):
    """Rosenbrock: Adam stopped one step before its f − f* gets within 1e−4 (it is above by
    less than 0.5 %), and every optimizer at the surface's 2000 steps (momentum ends there just
    above too). The gap shown is above the tolerance exactly when the row says never."""
    tol = SURFACES["rosenbrock"].tol
    k = first_step_just_above("rosenbrock", "adam")
    open_link(page, server, f"surface=rosenbrock&steps={k}")
    head = page.inner_text(".lab-race-table thead")
    assert "f \u2212 f* \u2264 1e\u22124" in head.replace("\u00a0", " ")
    for steps in (k, 2000):
        if steps != k:
            page.fill(".lab-steps", str(steps))
            page.click(".lab-surface-section .lab-race-button")
            page.wait_for_function(f"(n) => ({LAB})().race.steps === n", arg=steps)
        rows = {r[0]: r for r in table(page)}
        assert len(rows) == 7
        for name, (_, _, reached, gap, *_) in rows.items():
            assert (reached == "never") == (shown(gap) > tol), (steps, name, reached, gap)
            assert reached == "never" or int(reached) <= steps
        if steps == k:
            _, _, reached, gap, *_ = rows["adam"]
            assert reached == "never" and tol < shown(gap) < 1.005 * tol and gap != "1.00e\u22124"
    race = page.evaluate(f"() => ({LAB})().race")
    momentum = next(r for r in race["table"] if r["name"] == "momentum")
    assert momentum["steps_to_tol"] is None and momentum["final_gap"] < 1.005 * tol


def test_numbers_of_the_lab_use_the_true_minus_sign(page, server):
    """Himmelblau from its own start: racers end at minima with negative coordinates. No cell
    of the table writes a sign as an ASCII hyphen-minus, nor do the Lab's number formats
    (exponents and axis ticks included)."""
    open_link(page, server, "surface=himmelblau")
    cells = [c for row in table(page) for c in row[1:]]
    assert any("\u2212" in c for c in cells)  # there are negative numbers to write
    hyphens = [c for c in cells if re.search(r"-[\d.]", c)]
    assert hyphens == []
    assert "\u2212" in page.inner_text(".lab-race-summary")
    written = page.evaluate("""async () => {
        const m = await import('/static/js/format.js');
        return [m.fmt(-1.5e-5), m.fmt(-0.25), m.fmtExact(1e-4), m.fmtAgainst(-2.5e-17, 1e-4),
                m.fmtAgainst(-0.99996e-4, -1e-4), m.powerLabel(-3), m.minus('(-2.81, -3.13)')];
    }""")
    assert written == ["\u22121.50e\u22125", "\u22120.25", "1e\u22124", "\u22122.50e\u221217",
                       "\u22129.9996e\u22125", "1e\u22123", "(\u22122.81, \u22123.13)"]


# -- the Lab's settings are its link ----------------------------------------------------------
LINK = ("surface=rosenbrock&optimizers=momentum,adam&lr.sgd=0.0015&lr.momentum=0.0004"
        "&lr.nesterov=0.0005&lr.adagrad=0.1&lr.rmsprop=0.005&lr.adadelta=1&lr.adam=0.03"
        "&steps=900&noise=0.5&seed=3&start=-1.25,2.5"
        "&net.dataset=xor&net.layers=6,4&net.activation=relu"
        "&net.contenders=sgd+per-sample,adam&net.budget=2500&net.seed=2&net.curve=test_loss")


def lab_form(page: Page) -> dict:
    """Every setting the Lab's forms hold."""
    return page.evaluate("""() => {
        const value = (s) => document.querySelector(s).value;
        const checked = (s) => [...document.querySelectorAll(s)].filter(c => c.checked)
            .map(c => c.value);
        const lrs = Object.fromEntries([...document.querySelectorAll(
            '.lab-surface-section .lab-optimizer')].map(r => [r.dataset.name,
            r.querySelector('.lab-lr').value]));
        return {surface: value('.lab-surface'), optimizers: checked('.lab-optimizers .lab-use'),
                lr: lrs, steps: value('.lab-steps'), noise: value('.lab-noise'),
                seed: value('.lab-seed'), start: window.depthlens.lab.surface.start,
                dataset: value('.lab-dataset'), layers: value('.lab-layers'),
                activation: value('.lab-activation'),
                contenders: checked('.lab-contenders .lab-use'), budget: value('.lab-budget'),
                net_seed: value('.lab-net-seed'), curve: value('.lab-which')};
    }""")


LINKED_FORM = {"surface": "rosenbrock", "optimizers": ["momentum", "adam"],
               "lr": {"sgd": "0.0015", "momentum": "0.0004", "nesterov": "0.0005",
                      "adagrad": "0.1", "rmsprop": "0.005", "adadelta": "1", "adam": "0.03"},
               "steps": "900", "noise": "0.5", "seed": "3", "start": [-1.25, 2.5],
               "dataset": "xor", "layers": "6, 4", "activation": "relu",
               "contenders": ["sgd per-sample", "adam"], "budget": "2500", "net_seed": "2",
               "curve": "test_loss"}


def test_a_lab_link_opens_the_lab_with_its_settings(page, server):
    sent = configs_sent(page)
    open_link(page, server, LINK)
    assert showing(page) == (False, True)
    assert page.get_attribute("#tabs [data-tab='lab']", "class") == "tab active"
    assert lab_form(page) == LINKED_FORM
    race = page.evaluate(f"() => ({LAB})().race")
    assert (race["surface"], race["steps"], race["noise"], race["seed"], race["start"]) == (
        "rosenbrock", 900, 0.5, 3, [-1.25, 2.5])
    assert [(t["name"], t["hyper"]["lr"]) for t in race["trajectories"]] == [
        ("momentum", 0.0004), ("adam", 0.03)]
    assert page.evaluate("location.hash") == f"#lab:{LINK}"  # written back as it came
    # the playground got the defaults, not the Lab's link as a Config
    assert sent == [""]
    assert page.evaluate("window.depthlens.errors") == []
    assert page_state(page)["config"]["dataset"] == "circle"
    assert page.is_visible("footer [data-for='lab']")
    assert not page.is_visible("footer [data-for='playground']")
    assert "Lab's settings are in the address bar" in page.inner_text("footer")
    # a shared link gives the same numbers
    numbers = table(page)
    page.reload()
    page.wait_for_function(f"() => ({LAB})()?.race?.steps === 900", timeout=15_000)
    assert lab_form(page) == LINKED_FORM and table(page) == numbers


def test_bad_values_of_a_lab_link_fall_back_to_their_defaults_and_say_so(page, server):
    open_link(page, server, "surface=rosenbrock&steps=abc&lr.adam=-1&noise=1e9&start=9,9"
                            "&optimizers=adam,lion&net.budget=999999&net.dataset=sequence"
                            "&colour=red&seed=+7")  # "+": a space before the 7
    form = lab_form(page)
    assert form["seed"] == "7"  # allowed, and written as a number field takes it
    rosenbrock = SURFACES["rosenbrock"]
    assert form["surface"] == "rosenbrock" and form["steps"] == str(rosenbrock.steps)
    assert form["lr"]["adam"] == str(rosenbrock.lrs["adam"]) and form["noise"] == "0"
    assert form["start"] is None and form["optimizers"] == list(rosenbrock.lrs)
    assert form["budget"] == "10000" and form["dataset"] == "circle"
    toast = page.inner_text(".lab-toast")
    for said in ("steps \u201cabc\u201d", "lr.adam \u201c-1\u201d", "noise \u201c1e9\u201d",
                 "start \u201c9,9\u201d", "optimizers \u201cadam,lion\u201d",
                 "net.budget \u201c999999\u201d", "net.dataset \u201csequence\u201d",
                 "\u201ccolour\u201d is not a setting"):
        assert said in toast
    assert page.is_visible(".lab-toast")
    assert page.evaluate(f"() => ({LAB})().race.steps") == rosenbrock.steps
    assert "steps=2000&" in page.evaluate("location.hash")  # the link now says what is used


def test_each_tab_keeps_its_own_link(page, server):
    sent = configs_sent(page)
    load(page, server, PLAYGROUND)
    config = page_state(page)["query"]
    assert page.evaluate("location.hash.slice(1)") == config
    open_lab_tab = "#tabs [data-tab='lab']"
    page.click(open_lab_tab)
    page.wait_for_function("() => location.hash.startsWith('#lab:surface=double_well&')")
    page.fill(".lab-steps", "321")
    page.wait_for_function("() => location.hash.includes('&steps=321&')")
    page.locator(".lab-surface-section .lab-optimizer[data-name='sgd'] .lab-use").uncheck()
    page.wait_for_function("() => location.hash.includes('optimizers=momentum,')")
    box = page.locator(".lab-contour").bounding_box()
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.5 * box["height"])
    page.wait_for_function("() => /&start=-0\\.9\\d*,0(\\.\\d+)?&/.test(location.hash)")
    # a state message (here: the same Config again) rewrites the address bar on the
    # Playground only: on the Lab its link stays
    lab_link = page.evaluate("location.hash")
    before = page.evaluate("window.depthlens.state")
    page.evaluate("window.__before = window.depthlens.state; window.depthlens.sendConfig({})")
    page.wait_for_function("() => window.depthlens.state !== window.__before")
    assert before["query"] == page_state(page)["query"] == config
    assert page.evaluate("location.hash") == lab_link
    assert page.is_visible("footer [data-for='lab']")
    # back on the Playground: its Config, nothing sent to the server
    sent.clear()
    page.click("#tabs [data-tab='playground']")
    assert page.evaluate("location.hash.slice(1)") == config == page_state(page)["query"]
    assert page.is_visible("footer [data-for='playground']")
    assert not page.is_visible("footer [data-for='lab']")
    page.click(open_lab_tab)
    assert page.evaluate("location.hash") == lab_link  # the Lab kept its settings
    page.click("#tabs [data-tab='playground']")
    assert sent == [] and page.evaluate("window.depthlens.errors") == []


def test_a_lab_link_typed_on_the_open_page_is_never_sent_as_a_config(page, server):
    sent = configs_sent(page)
    load(page, server, PLAYGROUND)
    config = page_state(page)["query"]
    assert sent == [PLAYGROUND]
    sent.clear()
    page.evaluate("location.hash = 'lab:surface=ravine&steps=50'")
    page.wait_for_function(f"() => ({LAB})()?.race?.surface === 'ravine'", timeout=15_000)
    assert showing(page) == (False, True)
    assert page.evaluate(f"() => ({LAB})().race.steps") == 50
    page.evaluate("location.hash = 'lab:surface=saddle&steps=60'")  # the Lab is open: applied
    page.wait_for_function(f"() => ({LAB})().race?.surface === 'saddle'", timeout=15_000)
    assert page.evaluate(f"() => ({LAB})().race.steps") == 60
    assert sent == [] and page.evaluate("window.depthlens.errors") == []
    assert page_state(page)["query"] == config
    # a playground link typed on the Lab: the Playground with that Config
    relu = config.replace("activation=tanh", "activation=relu")
    page.evaluate(f"location.hash = '{relu}'")
    wait_config(page, "c.activation === 'relu'")
    assert sent == [relu]
    assert showing(page) == (True, False)
    assert page.evaluate("location.hash.slice(1)") == page_state(page)["query"]


# -- the Lab's colours are the server's -------------------------------------------------------
TRAIL = """() => {
    const race = window.depthlens.lab.surface;
    const [w, h] = [race.canvas.width, race.canvas.height];
    const drawn = race.ctx.getImageData(0, 0, w, h).data;
    const under = race._background.getContext('2d').getImageData(0, 0, w, h).data;
    const t = race.race.trajectories[0];
    const head = race.toPixel(...t.points[t.points.length - 1]).map(Math.floor);
    const marks = [...race.surface.minima.map(m => [...race.toPixel(m.x, m.y), 13]),
                   [...race.toPixel(...race.race.start), 9], [...head, 9]];
    const hex = race.colorOf(t.name);
    const c = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
    let fitted = 0;
    let worst = 0;
    for (let i = 0; i < w * h; i += 1) {
        const [x, y] = [i % w, Math.floor(i / w)];
        if (marks.some(([mx, my, r]) => Math.hypot(x - mx, y - my) < r)) continue;
        const p = [0, 1, 2].map(k => drawn[4 * i + k]);
        const b = [0, 1, 2].map(k => under[4 * i + k]);
        if (p.every((v, k) => Math.abs(v - b[k]) < 12)) continue;
        // drawn = under + α (colour − under), the same α for the three channels
        const d = c.map((v, k) => v - b[k]);
        const alpha = d.reduce((s, v, k) => s + v * (p[k] - b[k]), 0)
            / d.reduce((s, v) => s + v * v, 0);
        worst = Math.max(worst, ...p.map((v, k) => Math.abs(v - (b[k] + alpha * d[k]))));
        fitted += 1;
    }
    const at = 4 * (head[1] * w + head[0]);
    return {hex, fitted, worst, head: [drawn[at], drawn[at + 1], drawn[at + 2]]};
}"""


def trail_pixels(page: Page, server, link: str) -> dict:
    """Race one optimizer from ``link``, show its last step and measure what was drawn: every
    pixel that differs from the contour picture (away from the marks of the start, the minima
    and the racer's point) fitted as the racer's colour blended over the picture, and the
    pixel at the racer's point."""
    open_link(page, server, link)
    steps = page.evaluate(f"() => ({LAB})().race.steps")
    page.eval_on_selector(".lab-scrubber", "(s, n) => { s.value = String(n); "
                          "s.dispatchEvent(new Event('input')); }", steps)
    page.wait_for_function(f"(n) => !({LAB})().surface.playing && ({LAB})().frameStep === n",
                           arg=steps)
    return page.evaluate(TRAIL)


def rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def test_the_trail_is_drawn_in_the_colour_the_server_sent(page, server):
    url, _ = server
    sent = {o["name"]: o["color"]
            for o in page.request.get(f"{url}api/lab/surfaces").json()[0]["optimizers"]}
    got = trail_pixels(page, server, "surface=ravine&optimizers=adam&steps=200")
    assert got["hex"] == sent["adam"]
    assert got["head"] == rgb(sent["adam"])
    assert got["fitted"] > 150 and got["worst"] <= 3


def test_the_page_draws_whatever_colour_the_server_sends(page, server):
    """The colours are the server's, not a table of the page: an answer with other colours
    (swapped in on its way) is drawn in those."""
    def recolour(route: Route) -> None:
        surfaces = route.fetch().json()
        for s in surfaces:
            for o in s["optimizers"]:
                o["color"] = "#00a65a" if o["name"] == "adam" else "#6a3d9a"
        route.fulfill(json=surfaces)

    page.route("**/api/lab/surfaces", recolour)
    got = trail_pixels(page, server, "surface=ravine&optimizers=adam&steps=200")
    assert got["hex"] == "#00a65a" and got["head"] == [0, 166, 90]
    assert got["fitted"] > 150 and got["worst"] <= 3
    swatch = page.eval_on_selector(".lab-race-table tr[data-name='adam'] .lab-swatch",
                                   "s => getComputedStyle(s).backgroundColor")
    assert swatch == "rgb(0, 166, 90)"
    assert json.loads(page.evaluate("JSON.stringify(window.depthlens.lab.surface.surface"
                                    ".optimizers.map(o => o.color))")).count("#6a3d9a") == 6
