"""The gradient view and the backprop stepper in a real browser (fixtures: ``conftest.py``)."""

from __future__ import annotations

import ast
import re
import time
from decimal import Decimal

import numpy as np
import pytest

from depthlens.web.backprop import point_pass
from tests.web.pages import PLAYGROUND, canvas_pixels, load, point_on

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


def show_backprop(page) -> None:
    """Pick the lens column's Backprop tab (the panel is hidden behind another tab at first)."""
    page.click(".lens-tab[data-panel=backprop]")
    page.wait_for_function("() => !document.getElementById('backprop-panel').hidden")


def live_session(app, page):
    """The server's side of this tab."""
    token = page.evaluate("() => window.depthlens.hello.session")
    (live,) = [s for s in app.state.sessions if s.id == token]
    return live


def test_gradient_view_colours_edges_by_gradient_and_streams_while_playing(page, server):
    _, app = server
    load(page, server, PLAYGROUND + "&epochs=0")
    show_backprop(page)
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
    show_backprop(page)
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
    show_backprop(page)
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
    show_backprop(page)
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


# -- the point on the map, the lines on the diagram, "+1 batch" ------------------------------------
RING = """() => {
    const at = window.depthlens.output.markedAt();
    const ratio = window.devicePixelRatio || 1;
    return at && [at[0] * ratio, at[1] * ratio, ratio];
}"""


def ring_pixels(page, at) -> tuple[np.ndarray, np.ndarray]:
    """The points canvas's pixels on the ring (9 px out from ``at``, 4 directions) and on its
    white halo (11 px out)."""
    px = canvas_pixels(page, "#points")
    x, y, ratio = at
    ring, halo = [], []
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        for radius, out in ((9, ring), (11, halo)):
            out.append(px[int(y + dy * radius * ratio), int(x + dx * radius * ratio)])
    return np.array(ring), np.array(halo)


def is_ring(ring: np.ndarray, halo: np.ndarray) -> bool:
    return bool((ring[:, :3] < 70).all() and (ring[:, 3] > 200).all()
                and (halo[:, :3] > 200).all() and (halo[:, 3] > 200).all())


def test_the_steppers_point_is_ringed_on_the_output_map_and_the_ring_goes_with_it(page, server):
    load(page, server, PLAYGROUND)
    show_backprop(page)
    xs = np.array(page.evaluate("() => Array.from(window.depthlens.data.arrays.train_x.data)"))
    xs = xs.reshape(-1, 2)
    # two points far apart (no point of the one's ring near the other)
    a = 0
    b = int(np.argmax(np.hypot(*(xs - xs[a]).T)))
    page.fill("#bp-index", str(a))
    page.click("#bp-open")
    page.wait_for_function(f"() => {BP}.open && {BP}.trace?.index === {a}", timeout=10_000)
    at_a = page.evaluate(RING)
    assert at_a is not None
    assert is_ring(*ring_pixels(page, at_a))
    page.evaluate(f"() => window.depthlens.output.marked = {{split: 'train', index: {b}}}")
    at_b = page.evaluate(RING)
    page.evaluate(f"() => window.depthlens.output.marked = {{split: 'train', index: {a}}}")
    assert not is_ring(*ring_pixels(page, at_b))  # only the stepper's point is ringed
    page.fill("#bp-index", str(b))
    page.click("#bp-open")  # another point: the ring moves there
    page.wait_for_function(f"() => {BP}.trace?.index === {b}", timeout=10_000)
    assert page.evaluate(RING) == at_b
    assert is_ring(*ring_pixels(page, at_b)) and not is_ring(*ring_pixels(page, at_a))
    page.click("#bp-close")
    assert page.evaluate(RING) is None
    assert not is_ring(*ring_pixels(page, at_b))


LIT = """() => ({
    nodes: window.depthlens.network.nodes.filter((n) => n.active && n.el.classList.contains('lit'))
        .map((n) => n.codeIndex).sort((a, b) => a - b),
    edges: window.depthlens.network.edges.filter((e) => e.path.classList.contains('lit'))
        .map((e) => [e.layer, e.i, e.j]),
    labels: Object.fromEntries(window.depthlens.network.nodes
        .filter((n) => n.valueEl && !n.valueEl.hidden)
        .map((n) => [n.codeIndex, n.valueEl.textContent])),
    edgeLabels: [...document.querySelectorAll('#network .edge-value')].map((e) => e.textContent),
    current: document.querySelector('#bp-detail .bp-line.current')?.textContent,
})"""


def test_each_chain_rule_line_lights_the_node_or_edge_it_names_and_writes_its_value_there(
        page, server):
    load(page, server, PLAYGROUND)  # 2-4-2-1
    show_backprop(page)
    page.click("#bp-open")
    page.wait_for_function(f"() => {BP}.open && {BP}.trace?.index === 0", timeout=10_000)
    code = [0, 2, 6, 8]  # codeIndex of the first unit of each column
    phases = page.evaluate(f"() => {BP}.phases.map((p) => p.kind + (p.layer ?? ''))")

    def at(phase: str, item: int, line: int) -> dict:
        page.evaluate(f"() => {{ {BP}.go({phases.index(phase)}); {BP}.goItem({item}); "
                      f"{BP}.goLine({line}); }}")
        return page.evaluate(LIT)

    # forward, hidden layer 2, unit 2: "unit 2: z = w·a + b = …": that unit, its 4 inputs' edges
    lit = at("forward1", 1, 0)
    assert lit["current"].startswith("unit 2: z = w·a + b = ")
    assert lit["nodes"] == [code[2] + 1]
    assert sorted(lit["edges"]) == [[1, 1, j] for j in range(4)]
    z = lit["current"].split(" = ")[-1]
    assert lit["labels"][str(code[2] + 1)] == f"z {z}"
    # … its second line, "a = tanh(z) = …": the unit, no edge; its value a there
    lit = at("forward1", 1, 1)
    assert lit["current"].startswith("a = tanh(z) = ") and lit["nodes"] == [code[2] + 1]
    assert lit["edges"] == []
    assert lit["labels"][str(code[2] + 1)] == "a " + lit["current"].split(" = ")[-1]
    # backward, hidden layer 1, unit 3, "where dL/da = Σ w × dL/dz(above)": the edges out of
    # unit 3 to the layer above
    lit = at("backward0", 2, 1)
    assert "where dL/da = Σ w × dL/dz(above)" in lit["current"]
    assert lit["nodes"] == [code[1] + 2]
    assert sorted(lit["edges"]) == [[1, k, 2] for k in range(2)]
    # gradients of the output layer, weight 2: "weight unit 2 → unit 1: dL/dw = …": that edge
    lit = at("gradient2", 1, 0)
    m = re.match(r"weight unit (\d) → unit (\d): dL/dw = ", lit["current"])
    assert m, lit["current"]
    j, i = int(m.group(1)) - 1, int(m.group(2)) - 1
    assert (i, j) == (0, 1) and lit["edges"] == [[2, i, j]]
    assert lit["nodes"] == [code[2] + j, code[3] + i]
    assert lit["edgeLabels"] == ["dL/dw " + lit["current"].split(" = ")[-1]]
    # the update of a weight of hidden layer 1: its edge
    lit = at("update", 2 + 8 + 5, 0)  # the update lists layer 3's 2, layer 2's 8, then layer 1's
    m = re.match(r"layer (\d), weight unit (\d) → unit (\d): ", lit["current"])
    assert m, lit["current"]
    layer, j, i = (int(g) - 1 for g in m.groups())
    assert lit["edges"] == [[layer, i, j]] and layer == 0
    assert lit["edgeLabels"][0].startswith("Δw ")
    # hovering a line makes it the current one
    page.hover("#bp-detail .bp-line >> nth=1")
    lit = page.evaluate(LIT)
    assert lit["current"].startswith("w + Δw = ") and lit["edges"] == [[layer, i, j]]


def test_the_steppers_lines_are_readable_and_fit_a_narrow_lens_column(page, server):
    load(page, server, "layers=6,6&" + PLAYGROUND)
    show_backprop(page)
    page.click("#bp-open")
    page.wait_for_function(f"() => {BP}.open", timeout=10_000)
    for width in (320, 560):
        page.evaluate("(w) => document.getElementById('backprop-panel').style.cssText = "
                      "`width: ${w}px; max-width: none`", width)
        for k in range(page.evaluate(f"() => {BP}.phases.length")):
            page.evaluate(f"(k) => {BP}.go(k)", k)
            sizes = page.evaluate("""() => [...document.querySelectorAll(
                '#bp-detail .bp-line, #bp-caption')]
                .map((e) => parseFloat(getComputedStyle(e).fontSize))""")
            assert min(sizes) >= 13
            overflow = page.evaluate("""() => [...document.querySelectorAll('#backprop-panel *')]
                .filter((e) => e.offsetParent && e.clientWidth > 0
                    && e.scrollWidth > e.clientWidth + 1)
                .map((e) => e.id || e.className)""")
            assert overflow == [], (width, k, overflow)
            box = page.evaluate(
                "() => document.getElementById('backprop-panel').getBoundingClientRect().width")
            assert box == pytest.approx(width, abs=1)


def test_plus_one_batch_says_which_batch_it_reached_and_what_changed(page, server):
    load(page, server, PLAYGROUND + "&epochs=0")
    n = page.evaluate("() => window.depthlens.state.steps_per_epoch")
    assert page.locator("#batch-info").is_hidden()
    losses = []
    for k in (1, 2):
        page.click("#step-batch")
        page.wait_for_function(f"() => window.depthlens.frame.header.steps === {k} && "
                               f"window.depthlens.drawn > 0 && "
                               "document.getElementById('batch-info').textContent"
                               f".startsWith('batch {k} ')",
                               timeout=10_000)
        text = page.inner_text("#batch-info")
        m = re.fullmatch(rf"batch {k} of {n} \(epoch 1\) · training loss ({SHOWN}) → ({SHOWN})",
                         text)
        assert m, text
        stepped = page.evaluate("() => window.depthlens.frame.header.stepped")
        assert number(m.group(1)) == pytest.approx(stepped["train_loss_before"], abs=5e-4)
        assert number(m.group(2)) == pytest.approx(stepped["train_loss_after"], abs=5e-4)
        losses.append((m.group(1), m.group(2)))
    assert losses[1][0] == losses[0][1]  # the second batch starts where the first left off
    page.click("#step")  # an epoch step: the batch line goes (it spoke of another step)
    page.wait_for_function("() => window.depthlens.frame.header.epoch === 1", timeout=10_000)
    page.wait_for_function("() => document.getElementById('batch-info').hidden", timeout=5_000)


def test_a_step_cut_at_its_time_limit_says_what_it_trained(page, server, monkeypatch):
    from depthlens.web import live

    monkeypatch.setattr(live, "STEP_SECONDS", 0.3)
    load(page, server, "layers=16,16,16,16,16,16,16,16,16,16&n_samples=2000&batch_size=1"
         "&epochs=0")
    page.evaluate("() => window.depthlens.send({type: 'step', unit: 'epoch', count: 1000})")
    page.wait_for_function("() => window.depthlens.frame?.header.stepped?.cut === 'time'",
                           timeout=20_000)
    stepped = page.evaluate("() => window.depthlens.frame.header.stepped")
    assert 0 <= stepped["done"] < 1000
    text = page.inner_text("#batch-info")
    assert text == (f"trained {stepped['done']} of 1000 epochs: a step stops after 0.3 s so "
                    "that other tabs get their turn")  # the limit the server said in hello
    assert page.locator("#batch-info").is_visible()
