"""Hovering a node in a real browser: an output unit of a k-class network is drawn large as its
class's probability, from white to that class's colour (the colour table the server sent)."""

from __future__ import annotations

import numpy as np
from playwright.sync_api import Page

from depthlens.draw import colors
from depthlens.web.palettes import CLASS_LEVELS, WHITE
from tests.web.pages import canvas_pixels, load

RINGS = "dataset=rings&layers=8,8&optimizer=adam&lr=0.03&epochs=150"
"""Three concentric classes a small network learns in 150 epochs (test accuracy ≈ 0.99), so
every class has regions it is sure of and regions it rules out."""

def heatmap(page: Page) -> np.ndarray:
    """The large map (#heatmap) as an (R, R, 4) uint8 array."""
    return canvas_pixels(page, "#heatmap")


def trained(page: Page, server) -> None:
    """Open the rings and play until the Config's stop epoch (150) pauses it."""
    load(page, server, RINGS)
    page.select_option("#speed", "5")
    page.click("#play")
    page.wait_for_function("() => !window.depthlens.state.playing && "
                           "window.depthlens.drawnEpoch === 150", timeout=30_000)


def hover_output(page: Page, j: int) -> None:
    """Put the pointer on output unit ``j`` and wait until the large map shows it."""
    page.locator("#network .node.output").nth(j).hover()
    page.wait_for_function(f"() => document.getElementById('heatmap-label').textContent"
                           f".includes('p(class {j})')", timeout=5_000)


def blocks(condition: np.ndarray, block: int) -> np.ndarray:
    """(r, r) bool: the node-map blocks (``block``² pixels of the output map each) where
    ``condition`` (R, R) holds at every pixel."""
    r = condition.shape[0] // block
    return condition.reshape(r, block, r, block).all(axis=(1, 3))


def test_an_output_unit_of_a_three_class_network_shows_its_class_probability(page, server):
    trained(page, server)
    state = page.evaluate("() => window.depthlens.state")
    assert state["network"]["n_classes"] == 3
    resolution = state["grid"]["resolution"]
    block = resolution // state["grid"]["node_resolution"]
    output = np.array(page.evaluate("() => Array.from(window.depthlens.frame.arrays.output.data)"),
                      dtype=np.int64).reshape(resolution, resolution)
    # the output map's codes: the winning class and its confidence level 0..24; at level ≥ 21
    # the winner's probability is ≥ 1/3 + (21/24)·(2/3) ≈ 0.92, so every other class's ≤ 0.08
    best, sure = output // CLASS_LEVELS, output % CLASS_LEVELS >= 21
    centre = block // 2  # a block's centre pixel is its texel exactly, however it is smoothed
    white = np.array(WHITE, dtype=np.int64)
    for j in range(3):
        colour = np.array(colors.class_color(j), dtype=np.int64)
        hover_output(page, j)
        px = heatmap(page)[centre::block, centre::block].astype(np.int64)
        assert (px[..., 3] > 0).all()  # drawn everywhere
        rgb = px[..., :3]
        high = blocks(sure & (best == j), block)  # p_j ≥ 0.92 at every pixel of the block
        low = blocks(sure & (best != j), block)  # p_j ≤ 0.08 at every pixel of the block
        assert high.sum() >= 3 and low.sum() >= 3, (j, high.sum(), low.sum())
        # 22 levels from white to the class colour: p_j ≥ 0.92 is at most 2/21 of the way
        # from the colour, p_j ≤ 0.08 at most 2/21 from white (±3 for alpha 160 read back)
        span = np.abs(white - colour).max()
        near = np.abs(rgb - colour).max(axis=-1)
        light = np.abs(rgb - white).max(axis=-1)
        assert (near[high] <= 0.1 * span + 3).all(), (j, rgb[high][:5], colour)
        assert (light[low] <= 0.1 * span + 3).all(), (j, rgb[low][:5])
    page.mouse.move(5, 5)
    page.wait_for_function("() => document.getElementById('heatmap-label').textContent === ''")
