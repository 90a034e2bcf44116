"""The picture downloads are slide pictures, and the output map's colours stay readable.

Every PNG a button under the output saves (the output map, the loss chart, the hidden space,
the separability bars) is drawn again at slide resolution: at least 1200 px on its long side,
on white. These tests press the buttons, take the file Chromium saves (Playwright's download)
and read its pixels where the answer is known:

- the loss chart, on rows the test puts in the chart (train 1 → 0.2 falling linearly over
  100 epochs, test 0.8, the penalty 0.1): the test-loss line is black at epoch 50, the train
  line grey at epoch 75, the penalty orange, the legend has all three colours (and no orange
  when there is no penalty), the plot is white between the curves;
- the output map of a network set by hand (score tanh(6·x1 + 3·x2 − 6)): Playground's blue
  and orange at alpha 160 over white where the score is ±1, the colour bar's ends blue (top)
  and orange (bottom), a point's dot in its class colour;
- a regression map with one clicked target of 1000: the colour scale stays the data's (every
  pixel is the table's colour of value / scale, from one end of the palette to the other) and
  the legend says "clamped at ±…";
- a 3-class map at low confidence (a network set by hand whose probabilities stay near 1/3):
  each region keeps its winning class's hue and enough of its colour to be told apart.
"""

from __future__ import annotations

import colorsys
import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import Page

from depthlens.draw.colors import BLUE, GREY, ORANGE, class_color
from depthlens.web.palettes import value_codes
from tests.web.pages import PLAYGROUND, canvas_pixels, load, page_state, wait_drawn
from tests.web.test_browser_pixels import (
    LINE,
    POINTS,
    SPOTS,
    _cell,
    _near,
    _own_points,
    _send,
    _set_parameters,
    _wait_frame_drawn,
)

Server = tuple[str, Any]
ALPHA = 160 / 255
"""The output map's alpha: its colours are seen over white."""
COLOURS = {"orange": ORANGE, "blue": BLUE}
TRAIN_GREY, TEST_BLACK, PENALTY_ORANGE = (0x77, 0x77, 0x77), (0, 0, 0), (0xE8, 0xA3, 0x3D)
"""chart.js's COLORS: training loss, test loss, regularization penalty."""


def _download(page: Page, button: str) -> tuple[str, np.ndarray]:
    """Press ``button`` and return (the saved file's name, its RGB pixels)."""
    with page.expect_download() as info:
        page.click(f"#{button}")
    data = Path(info.value.path()).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return info.value.suggested_filename, np.asarray(image.convert("RGB"), np.int32)


def _over_white(rgb: Any) -> np.ndarray:
    return np.round(np.asarray(rgb, np.float64) * ALPHA + 255 * (1 - ALPHA))


def _near_any(image: np.ndarray, row: int, col: int, colour: Any, tol: int, reach: int = 3) -> bool:
    """Whether a pixel within ``reach`` of (row, col) has ``colour`` (±tol per channel)."""
    patch = image[max(row - reach, 0):row + reach + 1, max(col - reach, 0):col + reach + 1]
    return bool((np.abs(patch - np.asarray(colour)).max(axis=-1) <= tol).any())


def test_every_picture_download_is_slide_sized_on_white(page: Page, server: Server) -> None:
    load(page, server, PLAYGROUND + "&seed=5")
    for epoch in (1, 2):
        page.click("#step")
        wait_drawn(page, epoch)
    page.wait_for_function("() => ['space', 'probes'].every((n) => "
                           "window.depthlens.panels.get(n).drawn > 0)", timeout=15_000)
    names = {"export-png": "depthlens-output.png", "export-chart": "depthlens-loss.png",
             "export-space": "depthlens-hidden-space.png",
             "export-probes": "depthlens-separability.png"}
    for button, expected in names.items():
        name, image = _download(page, button)
        assert name == expected
        assert max(image.shape[:2]) >= 1200, (button, image.shape)
        assert tuple(image[1, 1]) == (255, 255, 255), button  # white, not transparent (black)
        assert (np.abs(image - 255).sum(axis=2) > 30).mean() > 0.01, button  # something drawn
    assert page.problems == []


CHART_ROWS = """(penalty) => {  // known rows: train 1 → 0.2, test 0.8, penalty 0.1 (or none)
    const chart = window.depthlens.chart;
    chart.reset();
    for (let e = 0; e <= 100; e++) chart.add(e, [1 - 0.008 * e, 0.8, penalty ? 0.1 : null]);
    const p = chart.picture(window.depthlens.state.network.loss);
    return { ...p.plot, width_px: p.width, height_px: p.height };
}"""


def test_the_loss_picture_has_axes_a_legend_and_its_curves_where_the_numbers_are(
        page: Page, server: Server) -> None:
    load(page, server, PLAYGROUND)
    plot = page.evaluate(CHART_ROWS, True)
    k = plot["scale"]
    _, image = _download(page, "export-chart")
    assert image.shape[1] == plot["width_px"] >= 1200 and image.shape[0] == plot["height_px"]

    def at(epoch: float, loss: float) -> tuple[int, int]:
        x = plot["left"] + (epoch - plot["x0"]) / (plot["x1"] - plot["x0"]) * plot["width"]
        up = (loss - plot["lo"]) / (plot["hi"] - plot["lo"])
        y = plot["top"] + plot["height"] * (1 - up)
        return round(y * k), round(x * k)

    assert plot["x0"] == 0 and plot["x1"] == 100 and plot["lo"] < 0.1 and plot["hi"] > 1
    assert _near_any(image, *at(50, 0.8), TEST_BLACK, 30)  # the test loss, black
    assert _near_any(image, *at(75, 0.4), TRAIN_GREY, 20)  # the training loss, grey
    assert not _near_any(image, *at(75, 0.4), TEST_BLACK, 30)
    assert any(_near_any(image, *at(e, 0.1), PENALTY_ORANGE, 40) for e in (40, 41, 42, 43))
    row, col = at(10, 0.3)  # between the curves, off the grid lines: white
    assert (image[row - 2:row + 3, col - 2:col + 3] >= 250).all()
    # the axes: a dark line along the plot's left and bottom edges, ticks' numbers beside them
    left, bottom = round(plot["left"] * k), round((plot["top"] + plot["height"]) * k)
    axis = image[round(plot["top"] * k) + 5:bottom - 5, left - 1:left + 1].max(axis=-1)
    assert (axis.min(axis=1) < 90).all()  # the y axis: dark all along
    right = round((plot["left"] + plot["width"]) * k)
    assert (image[bottom - 1:bottom + 1, left + 5:right - 1].max(axis=-1).min(axis=0) < 90).all()
    assert (image[bottom + 8 * k:bottom + 20 * k, left:] < 100).any()  # tick numbers under x
    assert (image[bottom + 24 * k:bottom + 40 * k, left:] < 100).any()  # the title "epoch"
    assert (image[:, : 24 * k] < 100).any()  # the y title, turned, at the left edge
    # the legend above the plot: the three curves' colours
    legend = image[: round(plot["top"] * k)]
    for colour, tol in ((TRAIN_GREY, 12), (TEST_BLACK, 20), (PENALTY_ORANGE, 20)):
        assert (np.abs(legend - np.asarray(colour)).max(axis=-1) <= tol).sum() > 20, colour
    title = page.evaluate("async () => (await import('/static/js/chart.js')).lossTitle('bce')")
    assert title == "loss (binary cross-entropy)"
    # without a penalty the legend has no orange line
    page.evaluate(CHART_ROWS, False)
    _, image = _download(page, "export-chart")
    legend = image[: round(plot["top"] * k)]
    assert (np.abs(legend - np.asarray(PENALTY_ORANGE)).max(axis=-1) <= 20).sum() == 0
    assert page.problems == []


def test_the_output_picture_has_its_map_points_and_colour_bar(page: Page, server: Server) -> None:
    """The score tanh(6·x1 + 3·x2 − 6) set by hand: the picture's map has Playground's blue or
    orange (over white at alpha 160) at the spots whose score is ±1, each point a dot of its
    class colour, the colour bar blue at the top (+1) and orange at the bottom (−1)."""
    load(page, server, PLAYGROUND + "&layers=")
    _own_points(page, POINTS)
    _set_parameters(page, LINE)
    page.check("#show-test")  # every point, train and test, is drawn
    page.wait_for_function("() => window.depthlens.output.showTest")
    state = page_state(page)
    extent = tuple(state["grid"]["extent"])
    layout = page.evaluate("""async () => {
        const { outputPicture } = await import('/static/js/output-picture.js');
        const d = window.depthlens;
        const p = outputPicture(d.output, d.state);
        return { ...p.layout, width_px: p.width, height_px: p.height };
    }""")
    k, m, bar = layout["scale"], layout["map"], layout["bar"]
    name, image = _download(page, "export-png")
    assert name == "depthlens-output.png"
    assert image.shape[:2] == (layout["height_px"], layout["width_px"])
    assert max(image.shape[:2]) >= 1200 and tuple(image[2, 2]) == (255, 255, 255)
    size = round(m["size"] * k)
    top, left = round(m["top"] * k), round(m["left"] * k)
    tile = image[top:top + size, left:left + size]
    for a, b, colour in SPOTS:
        row, col = _cell(a, b, extent, size)
        assert _near(tile[row, col], _over_white(COLOURS[colour]), 4), (a, b, tile[row, col])
    for x1, x2, label in POINTS:  # a dot of the class colour (opaque) where the point lies
        row, col = _cell(x1, x2, extent, size)
        assert _near(tile[row, col], BLUE if label == 1 else ORANGE, 3), (x1, x2, tile[row, col])
    bx = round((bar["left"] + bar["width"] / 2) * k)
    assert _near(image[round((bar["top"] + 3) * k), bx], _over_white(BLUE), 4)
    assert _near(image[round((bar["top"] + bar["height"] - 3) * k), bx], _over_white(ORANGE), 4)
    assert _near(image[round((bar["top"] + bar["height"] / 2) * k), bx], _over_white(GREY), 4)
    assert page.problems == []


REGRESSION = "dataset=reg-plane&layers=&loss=mse&output=linear&seed=3"
SLOPE = 0.2
"""The regression network set by hand: y = 0.2·(x1 + x2), past the data's ±1.2 at the corners."""


def test_a_far_out_regression_target_does_not_wash_the_map_out(page: Page, server: Server) -> None:
    load(page, server, REGRESSION)
    scale = page_state(page)["output_scale"]
    _send(page, {"type": "points", "add": [[5.5, 5.5, 1000.0]]})
    page.wait_for_function("() => window.depthlens.state.user_data?.points > 0", timeout=10_000)
    _wait_frame_drawn(page)
    _set_parameters(page, {"W0": [[SLOPE, SLOPE]], "b0": [0.0]})
    state = page_state(page)
    assert state["output_clamped"] == 1  # the 1000 is beyond the scale …
    assert state["output_scale"] == scale < 2  # … which stays the data's
    palette = np.asarray(state["palettes"]["output"], np.int32).reshape(256, 3)
    r = state["grid"]["resolution"]
    lo, hi = state["grid"]["extent"]
    image = canvas_pixels(page, "#heatmap")[..., :3].astype(np.int32)
    centres = lo + (hi - lo) / r * (np.arange(r) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    code = value_codes(SLOPE * (x1 + x2) / state["output_scale"]).astype(np.int64)
    assert code.min() == 0 and code.max() == 30  # the map spans the whole palette …
    error = np.min([np.abs(image - palette[np.clip(code + d, 0, 30)]).max(axis=-1)
                    for d in (-1, 0, 1)], axis=0)
    assert error.max() <= 2  # … and every pixel is the table's colour of value / scale
    assert _near(image[-1, 0], ORANGE) and _near(image[0, -1], BLUE)
    assert _near(image[r // 2, r // 2], GREY, 12)
    note = page.locator("#legend-note").inner_text()
    assert "clamped at \u00b1" in note.lower() and "1 target beyond" in note, note
    ticks = page.locator("#legend-ticks").inner_text()
    assert "\u2264" in ticks and "\u2265" in ticks, ticks
    meaning = page.evaluate("async () => (await import('/static/js/heatmap.js'))"
                            ".legendLabels(window.depthlens.state).meaning")
    assert "clamped at \u00b1" in meaning, meaning
    assert page.problems == []


def _hue(rgb: Any) -> float:
    r, g, b = (float(v) / 255 for v in np.asarray(rgb)[:3])
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360.0


def _hue_gap(a: float, b: float) -> float:
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


LOW = {"W0": [[0.05, 0.0], [-0.05, 0.0], [0.0, 0.05]], "b0": [0.0, 0.0, 0.0]}
"""A 3-class softmax over z = (0.05·x1, −0.05·x1, 0.05·x2): every probability near 1/3; class
0 wins (barely) at (5, 0), class 1 at (−5, 0), class 2 at (0, 5)."""


def test_a_three_class_map_keeps_each_winners_hue_at_low_confidence(
        page: Page, server: Server) -> None:
    load(page, server, "dataset=rings&layers=")
    _set_parameters(page, LOW)
    state = page_state(page)
    assert state["network"]["sizes"] == [2, 3]
    r = state["grid"]["resolution"]
    extent = tuple(state["grid"]["extent"])
    image = canvas_pixels(page, "#heatmap")
    output = np.asarray(page.evaluate(
        "() => Array.from(window.depthlens.frame.arrays.output.data)"))
    hues = {}
    for (a, b), c in (((5.0, 0.0), 0), ((-5.0, 0.0), 1), ((0.0, 5.0), 2)):
        row, col = _cell(a, b, extent, r)
        code = int(output[row * r + col])
        assert code // 25 == c and code % 25 <= 5, (a, b, code)  # the winner, barely sure
        seen = image[row, col, :3].astype(np.int32)
        colour = np.asarray(class_color(c), np.int32)
        hues[c] = _hue(seen)
        assert _hue_gap(hues[c], _hue(colour)) < 10, (c, seen, colour)
        assert np.ptp(seen) >= 0.3 * np.ptp(colour), (c, seen)  # coloured, not grey
        # on screen (over white at alpha 160) the tint is the same hue
        assert _hue_gap(_hue(_over_white(seen)), _hue(colour)) < 10
    assert min(_hue_gap(hues[i], hues[j]) for i, j in ((0, 1), (0, 2), (1, 2))) > 60
    assert page.problems == []
