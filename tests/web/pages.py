"""Helpers of the browser tests: open the page, wait for what it draws, read its state."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PLAYGROUND = "loss=half_mse&output=tanh"


def load(page: Page, server, query: str = "") -> None:
    """Open the page at ``#query`` and wait for its first drawn frame."""
    url, _ = server
    page.goto(f"{url}#{query}")
    page.wait_for_function("() => window.depthlens && window.depthlens.drawn > 0",
                           timeout=15_000)


def wait_drawn(page: Page, epoch: int) -> None:
    """Wait until a frame of ``epoch`` was drawn (numbers and pictures on the page)."""
    page.wait_for_function(f"() => window.depthlens.frame?.header.epoch === {epoch} && "
                           f"window.depthlens.drawnEpoch === {epoch}", timeout=10_000)


def page_state(page: Page) -> dict:
    return page.evaluate("() => window.depthlens.state")


def counts(page: Page) -> tuple[int, int]:
    return (page.locator("#network .node").count(), page.locator("#edges path.edge").count())


def wait_config(page: Page, check: str) -> None:
    """Wait until the page's state satisfies ``check`` (a JS expression over ``c``, the
    Config) and a frame of it was drawn."""
    page.wait_for_function(f"() => {{ const c = window.depthlens.state.config; return {check}; }}",
                           timeout=10_000)


def point_on(page: Page, selector: str, index: int = 0) -> tuple[float, float]:
    """Viewport coordinates of the middle of the ``index``-th SVG path matching ``selector``
    (a straight edge has an empty box, which Playwright's own hover refuses)."""
    return tuple(page.evaluate(
        """([selector, index]) => {
            const path = document.querySelectorAll(selector)[index];
            const p = path.getPointAtLength(path.getTotalLength() / 2);
            const box = path.ownerSVGElement.getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""", [selector, index]))


def canvas_pixels(page: Page, selector: str) -> np.ndarray:
    """The (height, width, 4) RGBA pixels of a canvas, read from a copy made for reading (so
    the page's own canvas is never read back) and sent as base64."""
    width, height, data = page.evaluate(
        """(selector) => {
            const src = document.querySelector(selector);
            const c = document.createElement('canvas');
            c.width = src.width;
            c.height = src.height;
            const ctx = c.getContext('2d', { willReadFrequently: true });
            ctx.drawImage(src, 0, 0);
            const px = ctx.getImageData(0, 0, c.width, c.height).data;
            let s = '';
            for (let k = 0; k < px.length; k += 8192) {
                s += String.fromCharCode(...px.subarray(k, k + 8192));
            }
            return [c.width, c.height, btoa(s)];
        }""", selector)
    return np.frombuffer(base64.b64decode(data), np.uint8).reshape(height, width, 4)


BOX = """(selector) => {
    const e = document.querySelector(selector);
    if (!e || e.closest('[hidden]')) return null;
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
}"""


def box(page, selector: str) -> tuple[float, float, float, float] | None:
    """The viewport box (left, top, right, bottom) of what ``selector`` matches, or None when
    it is hidden."""
    found = page.evaluate(BOX, selector)
    return tuple(found) if found else None


def on_screen(page, selector: str) -> bool:
    """Whether ``selector``'s box lies wholly inside the viewport, the page scrolled to the top."""
    b = box(page, selector)
    width, height = page.evaluate("() => [innerWidth, innerHeight]")
    return b is not None and b[2] - b[0] > 0 and b[0] >= 0 and b[1] >= 0 and \
        b[2] <= width and b[3] <= height


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def step_until_the_lens_is_drawn(page: Page, server, epochs: int) -> None:
    """Open the Playground link (seed 5), step ``epochs`` epochs and wait until the hidden
    space, the player (its tab shown: a hidden player asks for nothing) and the bars drew."""
    load(page, server, PLAYGROUND + "&seed=5")
    for epoch in range(1, epochs + 1):
        page.click("#step")
        wait_drawn(page, epoch)
    page.wait_for_function("() => window.depthlens.panels.get('space').drawn > 0",
                           timeout=15_000)
    page.click(".lens-tab[data-panel='player']")
    page.wait_for_function("() => ['space', 'player', 'probes'].every((n) => "
                           "window.depthlens.panels.get(n).drawn > 0)", timeout=15_000)
