"""The Lab tab in a real browser (Debian's headless Chromium driven by Playwright).

A screenshot of the tab is kept in ``test-artifacts/lab.png``.
"""

from __future__ import annotations

from PIL import Image
from playwright.sync_api import Page

from depthlens.lab import SURFACES
from tests.web.pages import ARTIFACTS, load, wait_drawn

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
