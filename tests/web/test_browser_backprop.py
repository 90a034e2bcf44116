"""The gradient view and the backprop stepper in a real browser (fixtures: ``conftest.py``)."""

from __future__ import annotations

import ast
import re
import time
from decimal import Decimal

import numpy as np
import pytest

from depthlens.web.backprop import point_pass
from tests.web.pages import PLAYGROUND, load, point_on

BP = "window.depthlens.panels.get('backprop')"

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

NUMBER = r"\(?(−?\d+(?:\.\d+)?(?:e[+−]\d+)?)\)?"
"""A number as the page writes it: the true minus sign, 2.5e−5 / 1.58e+31, a negative factor
inside a formula in parentheses (the group is the number itself)."""


def number(text: str) -> float:
    """A number the page wrote, as a float."""
    return float(text.replace("−", "-"))


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
    shown = number(re.search(NUMBER, text.split(" is ")[1]).group(1))
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
            assert [number(s) for s in labels] == pytest.approx(trace["inputs"], rel=0.05)
        elif phase.startswith("forward"):
            layer = int(phase[-1])
            assert len(labels) == sum(sizes[: layer + 2])
            assert " = " in detail and "(" in detail  # z = w·a + … = …, a = act(z) = …
        elif phase == "loss":
            assert "loss L = " in detail
            assert number(detail.split("loss L = ")[1]) == pytest.approx(trace["loss"], rel=1e-2)
        elif phase.startswith("backward"):
            layer = int(phase[-1])
            assert len(labels) == sum(sizes[layer + 1:])
            assert "dL/dz" in caption
            rule = "dL/do × o′\\(z\\)" if layer == len(sizes) - 2 else "dL/da × a′\\(z\\)"
            m = re.search(rf"dL/dz = {rule} = {NUMBER} × {NUMBER} = {NUMBER}", detail)
            assert m, detail
            da, slope, dz = (number(g) for g in m.groups())
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
            dw = number(re.search(NUMBER, text.split(" is ")[1]).group(1))
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


# -- every line that does arithmetic can be redone by hand -----------------------------------------
SHOWN = r"−?\d+(?:\.\d+)?(?:e[+−]\d+)?"
"""A number as the page writes it (one notation: the true minus sign, e+k / e−k)."""
ARITHMETIC = re.compile(r"[0-9.e+−×· ()]*[×·+−][0-9.e+−×· ()]*")
"""A shown expression of numbers and × · + − (binary − between spaces) only."""


def redo(expression: str) -> Decimal:
    """The exact decimal value of a shown expression (× and · multiply)."""
    names: dict[str, Decimal] = {}

    def name(m: re.Match) -> str:
        names[f"n{len(names)}"] = Decimal(m.group(0))
        return f"n{len(names) - 1}"

    text = re.sub(r"\d+(?:\.\d+)?(?:e[+-]\d+)?", name,
                  expression.replace("−", "-").replace("×", "*").replace("·", "*"))

    def value(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Name):
            return names[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult):
            a, b = value(node.left), value(node.right)
            return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(
                node.op, ast.Sub) else a * b
        raise AssertionError(f"not arithmetic: {expression!r}")

    return value(ast.parse(text, mode="eval").body)


def half_unit(shown: str) -> Decimal:
    """Half a unit in the last place the number ``shown`` is written to: its precision."""
    return Decimal(5).scaleb(Decimal(shown.replace("−", "-")).as_tuple().exponent - 1)


def redone(line: str) -> bool:
    """Check a line ``… = <numbers and operators> = <result> …``: the shown numbers, worked out
    exactly, are within half a unit of the result's last shown digit (strictly: no tie a
    reader could round either way). False when the line does no arithmetic in numbers."""
    parts = line.split(" = ")
    if len(parts) < 3 or not ARITHMETIC.fullmatch(parts[-2].strip()):
        return False
    result = re.match(SHOWN, parts[-1]).group(0)
    exact = redo(parts[-2])
    shown = Decimal(result.replace("−", "-"))
    assert abs(exact - shown) < half_unit(result), f"{line!r}: the shown numbers give {exact}"
    return True


def one_notation(text: str) -> None:
    """Every number of ``text`` in the page's one notation: the true minus sign, no trailing
    zeros, exponent form (e+k / e−k) exactly when |v| < 1e−3 or ≥ 1e4."""
    assert not re.search(r"(?<![A-Za-z])-\d|\de-", text), f"hyphen for a minus: {text!r}"
    assert not re.search(r"\d\.\d*0(?!\d)", text), f"trailing zero: {text!r}"
    for m in re.finditer(rf"(?<![\w.]){SHOWN}", text):
        v = abs(number(m.group(0)))
        assert ("e" in m.group(0)) == (v != 0 and (v < 1e-3 or v >= 1e4)), (m.group(0), text)


def hover_unit(page, code: int) -> None:
    """The pointer on the node of unit ``code`` (the network's order: inputs, hidden, outputs)."""
    box = page.evaluate("""(code) => {
        const n = window.depthlens.network.nodes.find((n) => n.codeIndex === code && n.active);
        const r = n.el.getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2];
    }""", code)
    page.mouse.move(5, 5)
    page.mouse.move(*box)


def hover_edge(page, k: int) -> None:
    page.mouse.move(5, 5)
    page.mouse.move(*point_on(page, "#edges path.edge-hit", k))


@pytest.mark.parametrize("query", [
    PLAYGROUND,  # tanh hidden layers, tanh + ½·MSE head: every factor a plain number
    "dataset=spirals&layers=3&activation=relu",  # softmax + cross-entropy: dL/dz = o − t
    "layers=3,2&activation=swish&regularization=l2&reg_rate=0.001&optimizer=adam",  # bce
])
def test_every_chain_rule_line_multiplies_out_to_the_product_shown(page, server, query):
    load(page, server, query)
    page.click("#bp-open")
    page.wait_for_function(f"() => {BP}.open && {BP}.trace?.index === 0", timeout=10_000)
    trace = page.evaluate(f"() => {BP}.trace")
    sizes = trace["sizes"]
    offsets = np.cumsum([0, *sizes])
    edges = page.evaluate("() => window.depthlens.network.edges.map((e) => e.layer)")
    phases = page.evaluate(f"() => {BP}.phases.map((p) => [p.kind, p.layer ?? null])")
    checked: dict[str, int] = {}
    for k, (kind, layer) in enumerate(phases):
        page.evaluate(f"(k) => {BP}.go(k)", k)
        if kind in ("forward", "backward"):
            targets = [("unit", int(offsets[layer + 1] + i)) for i in range(sizes[layer + 1])]
        elif kind in ("gradient", "update"):
            targets = [("edge", e) for e, at in enumerate(edges) if kind == "update" or at == layer]
        else:
            targets = [(None, None)]
        for what, target in targets:
            if what == "unit":
                hover_unit(page, target)
            elif what == "edge":
                hover_edge(page, target)
            caption = page.inner_text("#bp-caption")
            detail = page.inner_text("#bp-detail")
            one_notation(caption)
            one_notation(detail)
            done = [line for line in detail.split("\n") if redone(line)]
            for line in done:
                for word in ("dL/dz = dL/da", "dL/dz = dL/do", "dL/da = Σ", "dL/dw", "Δw = −lr",
                             "w + Δw", "z = w", "dL/dz = o − t"):
                    if word in line:
                        checked[word] = checked.get(word, 0) + 1
            if kind == "backward":  # the rule in the detail is the caption's
                rule = re.search(r"dL/dz = (dL/d[ao] × [ao]′\(z\))", detail)
                assert rule is None or rule.group(1) in caption, (caption, detail)
            if kind == "update":
                lr = re.search(rf"lr ({SHOWN})", caption).group(1)
                m = re.search(rf"Δw = −lr × ({SHOWN})", detail)
                assert m is None or m.group(1) == f"−{lr}", (caption, detail)  # the same text
            if what == "edge" and kind == "update" and "sgd" in caption:
                text = page.inner_text("#hovercard-text")
                one_notation(text)
    page.mouse.move(5, 5)
    n_units = sum(sizes[1:])
    n_edges = len(edges)
    softmax = trace["head"]["output"] == "softmax"
    assert checked.get("z = w", 0) == n_units  # fan-in ≤ 4: every sum shown whole
    assert checked.get("dL/dz = dL/da", 0) == sum(sizes[1:-1])
    assert checked.get("dL/dz = dL/do", 0) == (0 if softmax else sizes[-1])
    assert checked.get("dL/dz = o − t", 0) == (sizes[-1] if softmax else 0)
    assert checked.get("dL/da = Σ", 0) == sum(sizes[1:-1])
    assert checked.get("dL/dw", 0) == n_edges
    assert checked.get("w + Δw", 0) == n_edges
    assert checked.get("Δw = −lr", 0) == (n_edges if trace["update"]["optimizer"] == "sgd" else 0)
