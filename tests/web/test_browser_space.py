"""The hidden-space panel and the separability bars in a real browser (headless Chromium)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.web.pages import ARTIFACTS, PLAYGROUND, load

SPACE = "window.depthlens.panels.get('space')"
PROBES = "window.depthlens.panels.get('probes')"


PIXELS = """() => {
    const src = document.querySelector('#space-panel canvas');
    const c = document.createElement('canvas');  // a copy: one read-back per canvas
    c.width = src.width;
    c.height = src.height;
    c.getContext('2d').drawImage(src, 0, 0);
    return [c.width, Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)];
}"""


def pixels(page) -> np.ndarray:
    """The space panel's canvas as an (h, w, 4) uint8 array."""
    width, data = page.evaluate(PIXELS)
    return np.array(data, dtype=np.uint8).reshape(-1, width, 4)


def ink(page) -> int:
    """Pixels of the space panel's canvas that are not white."""
    return int((pixels(page)[..., :3] < 245).any(axis=2).sum())


def picture(page) -> np.ndarray:
    """A coarse fingerprint of the canvas: the sum of each of 16 horizontal bands."""
    p = pixels(page)[..., :3].astype(np.int64)
    return np.array([band.sum() for band in np.array_split(p, 16, axis=0)])


def wait_space(page, check: str) -> None:
    """Wait for a drawn space frame whose header ``h`` satisfies ``check``, and its easing."""
    page.wait_for_function(f"() => {{ const p = {SPACE}; const h = p.lastFrame?.header; "
                           f"return h && ({check}) && !p._raf; }}", timeout=10_000)


def test_the_hidden_space_draws_the_last_hidden_layer_with_its_decision_line(page, server):
    load(page, server, PLAYGROUND)
    wait_space(page, "h.stage === 2")
    assert page.text_content("#space-panel h4") == "Hidden space"
    stages = page.locator("#space-panel .space-stage option").all_inner_texts()
    assert stages == ["Input (2)", "Layer 1 (4)", "Layer 2 (2)", "Output (1)"]
    header = page.evaluate(f"() => {SPACE}.lastFrame.header")
    assert header["hyperplane"] == "exact" and header["axis_labels"] == ["unit 1", "unit 2"]
    assert ink(page) > 2000  # grid lines, 250 points, the dashed line, labels


def test_pca_and_a_3d_view_that_turns_when_dragged(page, server):
    load(page, server, PLAYGROUND)
    wait_space(page, "h.stage === 2")
    page.select_option("#space-panel .space-stage", "1")
    page.select_option("#space-panel .space-mode", "pca")
    wait_space(page, "h.stage === 1 && h.mode === 'pca'")
    header = page.evaluate(f"() => {SPACE}.lastFrame.header")
    assert header["method"] == "pca" and header["axis_labels"][0].startswith("PC1")
    assert page.locator("#space-panel .space-units").is_hidden()  # PCA: no unit pickers
    flat = picture(page)
    page.select_option("#space-panel .space-mode", "3d")
    wait_space(page, "h.dims === 3 && h.mode === '3d'")
    assert page.locator("#space-panel .space-unit:visible").count() == 3
    turned_before = picture(page)
    assert not np.array_equal(turned_before, flat) and ink(page) > 2000
    page.locator("#space-panel canvas").scroll_into_view_if_needed()
    box = page.locator("#space-panel canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    yaw = page.evaluate(f"() => {SPACE}.yaw")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 25, steps=6)
    page.mouse.up()
    assert page.evaluate(f"() => {SPACE}.yaw") != yaw
    assert not np.array_equal(picture(page), turned_before)
    # pick other units: the server answers with them
    page.select_option("#space-panel .space-unit >> nth=0", "3")
    wait_space(page, "h.units && h.units[0] === 3")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#space-panel").screenshot(path=str(ARTIFACTS / "space-3d.png"))


def test_playing_redraws_the_space_and_the_probe_bars(page, server):
    load(page, server, PLAYGROUND + "&epochs=0")
    wait_space(page, "true")
    page.wait_for_function(f"() => {PROBES}.drawn > 0", timeout=10_000)
    drawn = page.evaluate(f"() => {SPACE}.drawn")
    probes = page.evaluate(f"() => {PROBES}.drawn")
    page.click("#play")
    page.wait_for_function(f"() => {SPACE}.drawn >= {drawn + 5} && {PROBES}.drawn >= {probes + 1}",
                           timeout=20_000)
    page.click("#play")
    page.wait_for_function("() => !window.depthlens.state.playing", timeout=5_000)
    assert page.text_content("#probes-panel h4") == "Linear separability"
    names = page.locator("#probes-panel .probe-name").all_inner_texts()
    assert names == ["Input (2)", "Layer 1 (4)", "Layer 2 (2)", "Output (1)"]
    values = [float(v) for v in page.locator("#probes-panel .probe-value").all_inner_texts()]
    assert len(values) == 8 and all(0 <= v <= 1 for v in values)
    scores = page.evaluate(f"() => {PROBES}.scores")
    assert scores["metric"] == "accuracy" and len(scores["train"]) == 4
    assert [round(v, 2) for v in scores["train"]] == values[0::2]


def test_panels_follow_a_new_network(page, server):
    load(page, server, PLAYGROUND)
    wait_space(page, "h.stage === 2")
    page.click("#add-layer")
    page.wait_for_function("() => window.depthlens.state.config.layers.length === 3")
    wait_space(page, "h.stages.length === 5")
    assert page.locator("#space-panel .space-stage option").count() == 5
    page.wait_for_function(f"() => {PROBES}.scores?.stages.length === 5", timeout=10_000)
    assert page.locator("#probes-panel .probe-row").count() == 5


# -- axis labels, the menu and the words ---------------------------------------------------------
LABELS = f"() => {SPACE}.labelBoxes.map((b) => [b.text, b.left, b.top, b.right, b.bottom])"


def inside_canvas(page) -> list[list]:
    """The drawn axis labels' boxes, each checked to lie inside the canvas (its side in CSS
    px follows the panel: see SpacePanel.resize)."""
    size = page.evaluate(f"() => parseFloat({SPACE}.canvas.style.width)")
    boxes = page.evaluate(LABELS)
    for text, left, top, right, bottom in boxes:
        assert 0 <= left < right <= size and 0 <= top < bottom <= size, (text, left, top, right,
                                                                        bottom)
    return boxes


SATURATED = "&init=uniform&init.low=-3&init.high=3"
"""Large weights: tanh units pinned near ±1, a layer's points fill the cube [−1, 1]³, whose
corners (where the axes end) reach the edge of the view."""


SPECIES = ("Iris setosa (the bristle-pointed iris of Alaska and Maine and eastern Canada)",
           "Iris versicolor (harlequin blue flag)", "Iris virginica (Virginia blue flag)")
IRIS = ("x1,x2,species\n" + "".join(
    f"{cx + dx / 3:.3f},{cy + dy / 3:.3f},{name}\n"
    for (cx, cy), name in zip(((-3, -2), (3, -2), (0, 3)), SPECIES)
    for dx in range(-3, 4) for dy in range(-3, 4))).encode()
"""Three classes with long names (a CSV's, as a user may upload them): trained, the output
stage's box is the cube [−1, 1]³ and its axes (one per class) end at its corners, as far out
as the view reaches; the first name is wider than the whole canvas."""


@pytest.mark.parametrize("query, csv, stage, modes", [
    ("&layers=6,4", None, 1, [("pca3", "PC1"), ("3d", "unit 1")]),
    ("&layers=5" + SATURATED, None, 1, [("pca3", "PC1"), ("3d", "unit 1")]),
    ("&layers=3&optimizer=adam&lr=0.05&epochs=40", IRIS, 2, [("3d", "Iris setosa")]),
])
def test_axis_labels_stay_inside_the_canvas_however_the_3d_view_is_turned(page, server, query,
                                                                         csv, stage, modes):
    load(page, server, PLAYGROUND + query)
    if csv is not None:
        page.set_input_files("#ud-file", files=[{"name": "iris.csv", "mimeType": "text/csv",
                                                  "buffer": csv}])
        page.wait_for_function("() => window.depthlens.state.user_data?.name === 'iris.csv' && "
                               "window.depthlens.state.network.sizes.at(-1) === 3",
                               timeout=15_000)
        page.click("#play")  # trained, the three probabilities fill [0, 1]: the box is a cube
        page.wait_for_function("() => !window.depthlens.state.playing && "
                               "window.depthlens.drawnEpoch === 40", timeout=20_000)
    page.select_option("#space-panel .space-stage", str(stage))
    for mode, first in modes:
        page.select_option("#space-panel .space-mode", mode)
        wait_space(page, f"h.stage === {stage} && h.mode === '{mode}'")
        seen = set()
        for yaw in np.linspace(-np.pi, np.pi, 13):
            for pitch in (-1.5, -0.8, 0.0, 0.35, 0.8, 1.5):
                page.evaluate(f"() => {{ const p = {SPACE}; p.yaw = {yaw}; p.pitch = {pitch}; "
                              "p.draw(); }")
                boxes = inside_canvas(page)
                assert len(boxes) == 3
                seen.update(b[0] for b in boxes)
        assert any(t.startswith(first) for t in seen), seen
        # the labels are drawn where their boxes are: ink (the label grey) inside each box
        px = pixels(page)
        ratio = px.shape[1] / page.evaluate(f"() => {SPACE}.size")
        for _, left, top, right, bottom in page.evaluate(LABELS):
            box = px[int(top * ratio):int(np.ceil(bottom * ratio)),
                     int(left * ratio):int(np.ceil(right * ratio)), :3]
            assert (box < 200).all(axis=2).sum() > 5
    page.select_option("#space-panel .space-mode", "units")  # x along the bottom, y up the side
    wait_space(page, f"h.stage === {stage} && h.mode === 'units'")
    (x, *_), (y, *_) = inside_canvas(page)
    if csv is not None:  # the classes' names, the first shortened to fit the canvas
        assert x.endswith("…") and SPECIES[0].startswith(x[:-1]) and y == SPECIES[1]


def mode_options(page) -> list[tuple[str, str]]:
    return page.evaluate("() => [...document.querySelectorAll('#space-panel .space-mode option')]"
                         ".map((o) => [o.value, o.textContent])")


def test_the_menu_offers_only_the_views_a_layer_can_honour(page, server):
    """PCA of 2 units, or 3-D of fewer than 3, would only be the layer's own coordinates under
    another name: such a stage offers one view, named for what it is."""
    load(page, server, PLAYGROUND + "&layers=4,3,2")
    sizes = page.evaluate("() => window.depthlens.state.network.sizes")
    assert sizes == [2, 4, 3, 2, 1]
    expected = {1: ["units"], 2: ["units"], 3: ["units", "pca", "3d"],
                4: ["units", "pca", "3d", "pca3"]}
    for stage, width in enumerate(sizes):
        page.select_option("#space-panel .space-stage", str(stage))
        options = mode_options(page)
        assert [v for v, _ in options] == expected[width], (stage, options)
        for value, text in options:
            page.select_option("#space-panel .space-mode", value)
            wait_space(page, f"h.stage === {stage} && h.mode === '{value}'")
            h = page.evaluate(f"() => {SPACE}.lastFrame.header")
            caption = page.inner_text("#space-panel .space-caption")
            if "PCA" in text:  # principal axes, really
                assert h["method"] == "pca" and len(h["explained"]) == h["dims"], (text, h)
                assert "explained" in caption
            elif "its " in text:  # the layer's own coordinates, and the menu says so
                unit = "unit" if width == 1 else "units"
                assert text.endswith(f"its {width} {unit}") and h["method"] == "own", (text, h)
                assert "its own axes" in caption
            else:  # chosen units, with their pickers
                assert h["method"] == "units" and h["width"] > h["dims"], (text, h)
                assert page.locator("#space-panel .space-unit:visible").count() == h["dims"]
            assert h["dims"] == (3 if "3-D" in text else 2)
    # a choice a narrow stage cannot honour is kept for the next stage that can
    page.select_option("#space-panel .space-stage", "1")
    page.select_option("#space-panel .space-mode", "pca3")
    wait_space(page, "h.stage === 1 && h.mode === 'pca3'")
    page.select_option("#space-panel .space-stage", "2")  # 3 units: its own 3-D view
    wait_space(page, "h.stage === 2 && h.mode === '3d' && h.method === 'own' && h.dims === 3")
    page.select_option("#space-panel .space-stage", "3")  # 2 units: as they are
    wait_space(page, "h.stage === 3 && h.method === 'own' && h.dims === 2")
    page.select_option("#space-panel .space-stage", "1")
    wait_space(page, "h.stage === 1 && h.mode === 'pca3' && h.method === 'pca'")


COUNTED = r"\b(\d+) (unit|neuron|output|point|layer|step)(s?)\b"
"""A count of something, as the page writes it: "1 unit", "4 units"."""


def titles(page, selector: str) -> list[str]:
    """The tooltips of the elements matching ``selector``."""
    return page.evaluate("(s) => [...document.querySelectorAll(s)].map((e) => e.title)", selector)


def test_counts_of_units_are_pluralised_everywhere_the_page_writes_them(page, server):
    load(page, server, PLAYGROUND + "&layers=1,2,3")
    sizes = page.evaluate("() => window.depthlens.state.network.sizes")
    assert sizes == [2, 1, 2, 3, 1]
    texts = []
    for stage in range(len(sizes)):
        page.select_option("#space-panel .space-stage", str(stage))
        for value, _ in mode_options(page):
            page.select_option("#space-panel .space-mode", value)
            wait_space(page, f"h.stage === {stage} && h.mode === '{value}'")
            texts.append(page.inner_text("#space-panel .space-caption"))
            texts.extend(b[0] for b in page.evaluate(LABELS))
            texts.extend(titles(page, "#space-panel [title]"))
            texts.extend(v for _, v in mode_options(page))
    if page.locator(".lens-tab[data-panel='player']").count():
        page.click(".lens-tab[data-panel='player']")  # a hidden player asks for nothing
    for layer in range(len(sizes) - 1):  # the player's note, captions and step titles
        page.select_option("#player-layer", str(layer))
        page.wait_for_function(f"() => {{ const p = window.depthlens.panels.get('player'); "
                               f"return p.header?.layer === {layer} && !p.pending; }}",
                               timeout=10_000)
        texts.append(page.inner_text("#player-panel"))
        texts.extend(titles(page, "#player-panel [title]"))
    texts.append(page.inner_text("body"))
    texts.extend(titles(page, "[title]"))
    assert any("(1 unit)" in t for t in texts) and any("(2 units)" in t for t in texts)
    for text in texts:
        for m in re.finditer(COUNTED, text):
            n, plural = int(m.group(1)), m.group(3) == "s"
            assert plural == (n != 1), f"{m.group(0)!r} in {text!r}"
