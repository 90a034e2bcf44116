"""The gradient view and the backprop stepper in a real browser (fixtures: ``conftest.py``)."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from depthlens.web.backprop import point_pass
from tests.web.pages import PLAYGROUND, load, point_on

BP = "window.depthlens.panels.find((p) => p.kinds?.includes('backprop'))"

EDGES = """() => [...document.querySelectorAll('#edges path.edge')].map((p) => [
    p.getAttribute('stroke'), Number(p.getAttribute('stroke-width')),
    p.classList.contains('overlay'), p.classList.contains('faint')])"""

GRADIENT_WIDTHS_MATCH = f"""() => {{
    const bp = {BP};
    const f = bp.gradients;
    if (!f || bp.mode !== 'gradients') return false;
    return window.depthlens.network.edges.every((e) => {{
        const g = f.arrays['G' + e.layer].data[e.offset];
        const w = 1 + Math.min(Math.abs(g) / f.header.scale, 1) * 9;
        return Math.abs(Number(e.path.getAttribute('stroke-width')) - w) < 0.01;
    }});
}}"""

WEIGHT_WIDTHS_MATCH = """() => {
    const f = window.depthlens.frame;
    return window.depthlens.network.edges.every((e) => {
        const w = f.arrays['W' + e.layer].data[e.offset];
        const width = 1 + Math.min(Math.abs(w), 5) / 5 * 9;
        return Math.abs(Number(e.path.getAttribute('stroke-width')) - width) < 0.01
            && !e.path.classList.contains('overlay') && !e.path.classList.contains('faint');
    });
}"""

NUMBER = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def live_session(app, page):
    """The server's side of this tab."""
    token = page.evaluate("() => window.depthlens.hello.session")
    (live,) = [s for s in app.state.sessions if s.id == token]
    return live


def test_gradient_view_colours_edges_by_gradient_and_streams_while_playing(page, server):
    _, app = server
    load(page, server, PLAYGROUND + "&epochs=0")
    weights = page.evaluate(EDGES)
    page.click("#bp-edges-gradients")
    page.wait_for_function(GRADIENT_WIDTHS_MATCH, timeout=10_000)
    gradients = page.evaluate(EDGES)
    assert all(overlay for _, _, overlay, _ in gradients)
    assert [w for _, w, _, _ in gradients] != [w for _, w, _, _ in weights]
    assert [c for c, _, _, _ in gradients] != [c for c, _, _, _ in weights]
    assert "training points" in page.inner_text("#bp-edges-note")
    x, y = point_on(page, "#edges path.edge-hit", 0)
    page.mouse.move(x, y)
    text = page.inner_text("#hovercard-text")
    value = page.evaluate(f"() => {BP}.gradients.arrays.G0.data[0]")
    assert text.startswith("Gradient dJ/dw is")
    shown = float(re.search(NUMBER, text.split(" is ")[1]).group(1))
    assert shown == pytest.approx(value, rel=2e-3, abs=1e-6)
    page.mouse.move(5, 5)

    seen = page.evaluate(f"() => {BP}.gradientFrames")
    page.click("#play")
    page.wait_for_function(f"() => {BP}.gradientFrames >= {seen + 3} && "
                           "window.depthlens.frame.header.epoch > 2", timeout=20_000)
    page.click("#play")
    page.wait_for_function("() => !window.depthlens.state.playing", timeout=5_000)
    page.wait_for_function(GRADIENT_WIDTHS_MATCH, timeout=10_000)
    assert page.evaluate(f"() => {BP}.gradients.header.epoch") > 0

    page.click("#bp-edges-weights")
    page.wait_for_function(WEIGHT_WIDTHS_MATCH, timeout=5_000)
    live = live_session(app, page)
    deadline = time.monotonic() + 5  # the page's `on: false` reaches the server a moment later
    while "gradients" in live.subscriptions and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "gradients" not in live.subscriptions


def test_stepper_walks_one_point_forward_and_back_then_closes(page, server):
    _, app = server
    load(page, server, PLAYGROUND)
    page.fill("#bp-index", "0")
    page.click("#bp-open")
    page.wait_for_function(f"() => {BP}.open && {BP}.trace?.index === 0", timeout=10_000)
    trace = page.evaluate(f"() => {BP}.trace")
    expected = point_pass(live_session(app, page).session, 0)
    np.testing.assert_allclose(trace["inputs"], expected["inputs"])
    np.testing.assert_allclose(trace["layers"][1]["dL_dz"], expected["layers"][1]["dL_dz"])
    phases = page.evaluate(f"() => {BP}.phases.map((p) => p.kind + (p.layer ?? ''))")
    assert phases == ["input", "forward0", "forward1", "forward2", "loss", "backward2",
                      "gradient2", "backward1", "gradient1", "backward0", "gradient0", "update"]
    sizes = [2, 4, 2, 1]
    products = 0
    for k, phase in enumerate(phases):
        assert page.evaluate(f"() => {BP}.phase") == k
        caption = page.inner_text("#bp-caption")
        detail = page.inner_text("#bp-detail")
        assert caption and detail
        labels = page.locator("#network .node-value:visible").all_inner_texts()
        edges = page.evaluate(EDGES)
        if phase == "input":
            assert len(labels) == 2
            assert [float(s) for s in labels] == pytest.approx(trace["inputs"], rel=0.05)
        elif phase.startswith("forward"):
            layer = int(phase[-1])
            assert len(labels) == sum(sizes[: layer + 2])
            assert " = " in detail and "(" in detail  # z = w·a + … = …, a = act(z) = …
        elif phase == "loss":
            assert "loss L = " in detail
            assert float(detail.split("loss L = ")[1]) == pytest.approx(trace["loss"], rel=1e-2)
        elif phase.startswith("backward"):
            layer = int(phase[-1])
            assert len(labels) == sum(sizes[layer + 1:])
            assert "dL/dz" in caption
            m = re.search(rf"dL/dz = dL/da × a′\(z\) = {NUMBER} × {NUMBER} = {NUMBER}", detail)
            assert m, detail
            da, slope, dz = (float(g) for g in m.groups())
            assert da * slope == pytest.approx(dz, rel=2e-2, abs=1e-6)
            unit = trace["layers"][layer]
            assert dz == pytest.approx(unit["dL_dz"][0], rel=1e-2, abs=1e-6)
            products += 1
        elif phase.startswith("gradient"):
            layer = int(phase[-1])
            lit = [overlay for _, _, overlay, _ in edges]
            assert sum(lit) == sizes[layer] * sizes[layer + 1]
            assert "dL/dw = dL/dz × a" in detail
        else:  # the update
            assert all(overlay for _, _, overlay, _ in edges)
            assert "sgd" in caption and "lr 0.03" in caption
            assert "Δw = −lr × g" in detail
            x, y = point_on(page, "#edges path.edge-hit", 0)
            page.mouse.move(x, y)
            text = page.inner_text("#hovercard-text")
            assert text.startswith("Update Δw is")
            dw = float(re.search(NUMBER, text.split(" is ")[1]).group(1))
            assert dw == pytest.approx(trace["layers"][0]["update_W"][0][0], rel=2e-3, abs=1e-7)
            page.mouse.move(5, 5)
        if k + 1 < len(phases):
            page.click("#bp-next")
    assert products == 3
    assert page.locator("#bp-next").is_disabled()

    page.click("#bp-close")
    assert not page.evaluate(f"() => {BP}.open")
    assert page.locator("#network .node-value:visible").count() == 0
    assert page.locator("#network .node.lit").count() == 0
    page.wait_for_function(WEIGHT_WIDTHS_MATCH, timeout=5_000)


def test_a_point_out_of_range_is_refused_and_the_page_goes_on(page, server):
    load(page, server, PLAYGROUND)
    n = page.evaluate("() => window.depthlens.state.n_train")
    page.fill("#bp-index", str(n))
    page.click("#bp-open")
    page.wait_for_function("() => window.depthlens.errors.some((e) => e.field === 'index')",
                           timeout=5_000)
    assert f"0..{n - 1}" in page.inner_text("#toast")
    assert not page.evaluate(f"() => {BP}.open")
    page.click("#bp-random")
    index = int(page.input_value("#bp-index"))
    assert 0 <= index < n
    page.click("#bp-open")
    page.wait_for_function(f"() => {BP}.open && {BP}.trace.index === {index}", timeout=10_000)
