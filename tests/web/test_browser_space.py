"""The hidden-space panel and the separability bars in a real browser (headless Chromium)."""

from __future__ import annotations

import numpy as np

from tests.web.pages import ARTIFACTS, PLAYGROUND, load

SPACE = "window.depthlens.panels[0]"
PROBES = "window.depthlens.panels[1]"


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
