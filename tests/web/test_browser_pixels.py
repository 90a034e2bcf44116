"""The page draws the right thing in the right place: tests that read its pixels.

Other browser tests check that a canvas has ink; these check where the ink is and what colour
it has, on networks whose weights the test sets (through the page's own ``edit`` messages), so
the answer at every point is known in closed form:

- the output map is orange where the network's score is negative and blue where it is
  positive, in the right place on the plane (x1 to the right, x2 up);
- each data point is a dot of its class's colour where (x1, x2) falls, and nothing is drawn
  at its mirror images;
- an edge or a bias square has the colour of its own parameter's sign;
- the confusion table's rows are the true classes and its columns the predicted ones;
- the page's frame decoder (``frames.js``) reads exactly what ``frames.py`` writes at every
  padding, refuses truncated and malformed frames with an Error saying what is wrong, and the
  socket's message handler shows such an error instead of throwing.

The colour convention (``depthlens.draw.colors``, ``depthlens.web.palettes``): the two-class
scale runs from orange #f59322 at −1 through grey to blue #0877bd at +1. A two-class network's
map shows its score 2·p(class 1) − 1, so *orange is class 0 (a negative score) and blue is
class 1 (a positive one)*; a weight or bias is coloured by its value on the same scale
(negative orange, positive blue), and a class-0 point is orange, a class-1 point blue.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page

from depthlens.draw.colors import BLUE, GREY, ORANGE
from depthlens.web import live as live_module
from depthlens.web.frames import encode_frame
from depthlens.web.live import LiveSession
from depthlens.web.palettes import node_palette, value_codes
from tests.web.pages import PLAYGROUND, canvas_pixels, load, page_state
from tests.web.test_frames import MALFORMED, expected_cut_error

Server = tuple[str, Any]
"""The ``server`` fixture: (base URL, the FastAPI app)."""

ALPHA = 160
"""The output map's alpha (heatmap.js draws it at Playground's 160/255)."""

POINTS = [(3.0, 4.0, 1), (-2.0, 2.5, 0), (-3.5, -1.0, 1), (1.5, -3.0, 0), (4.2, 0.5, 0),
          (-0.5, -4.2, 1)]
"""Own data (x1, x2, class): no point lies near another's mirror image in x1, in x2, through
the origin or across the diagonal, so a mirrored drawing puts ink where there is none."""

MIRRORS = {"x1 mirrored": (-1, 1, False), "x2 mirrored": (1, -1, False),
           "turned half round": (-1, -1, False), "transposed": (1, 1, True)}

SPOTS = [(3.0, -3.0, "blue"), (-3.0, 3.0, "orange"), (1.0, 3.5, "blue"), (1.0, -3.5, "orange")]
"""Points of the plane and the colour of z = 6·x1 + 3·x2 − 6 there (all far from 0, so tanh is
saturated). Mirroring x1 or x2, or transposing, changes the colour of at least one."""

LINE = {"W0": [[6.0, 3.0]], "b0": [-6.0]}
"""A network with no hidden layer: the score is tanh(6·x1 + 3·x2 − 6) (Playground's tanh head)."""


# -- helpers -----------------------------------------------------------------------------------
def _send(page: Page, message: dict[str, Any]) -> None:
    page.evaluate("(m) => window.depthlens.send(m)", message)


def _live(page: Page, server: Server) -> LiveSession:
    """The server's session of this tab (matched by the id the page got in ``hello``)."""
    _, app = server
    token = page.evaluate("() => window.depthlens.hello.session")
    (live,) = [s for s in app.state.sessions if s.id == token]
    return live


def _wait_frame_drawn(page: Page, check: str = "true") -> None:
    """Wait until the page holds a frame satisfying ``check`` (JS over ``f``, the frame) and
    has drawn it (a frame is drawn in the animation frame after it arrives)."""
    page.wait_for_function(
        f"() => {{ const d = window.depthlens, f = d.frame; "
        f"return Boolean(f) && !d._scheduled && d.drawn > 0 && ({check}); }}", timeout=10_000)


def _set_parameters(page: Page, params: dict[str, list]) -> None:
    """Set the network's parameters (``{"W0": [[…]], "b0": […], …}``) one ``edit`` message
    each, as a click on an edge or a bias does, and wait until a frame with all of them is
    drawn."""
    for name, values in params.items():
        kind, layer = ("weight" if name[0] == "W" else "bias"), int(name[1:])
        for index, value in np.ndenumerate(np.asarray(values, dtype=np.float64)):
            _send(page, {"type": "edit", "layer": layer, "kind": kind, "index": list(index),
                         "value": float(value)})
    checks = " && ".join(
        f"f.arrays.{name}?.data.length === {len(flat)} && "
        f"{json.dumps(flat)}.every((v, k) => Math.fround(v) === f.arrays.{name}.data[k])"
        for name, flat in ((n, np.ravel(v).tolist()) for n, v in params.items()))
    _wait_frame_drawn(page, checks)


def _own_points(page: Page, points: list[tuple[float, float, int]]) -> None:
    """Replace the data by ``points`` (the page's ``points`` message, as clicks send) and wait
    until the new data and a frame of it are drawn."""
    _send(page, {"type": "points", "add": [list(p) for p in points], "clear": True})
    page.wait_for_function(f"() => window.depthlens.state.user_data?.points === {len(points)}"
                           f" && window.depthlens.data?.arrays.train_x.shape[0] + "
                           f"window.depthlens.data?.arrays.test_x.shape[0] === {len(points)}",
                           timeout=10_000)
    _wait_frame_drawn(page)


def _pixels(page: Page, selector: str) -> np.ndarray:
    """The (height, width, 4) RGBA backing store of a canvas."""
    return canvas_pixels(page, selector)


def _cell(x1: float, x2: float, extent: tuple[float, float], size: int) -> tuple[int, int]:
    """(row, column) of the pixel of a ``size``-pixel square picture of the plane where
    (x1, x2) falls: x1 grows to the right, x2 upwards."""
    lo, hi = extent
    col = int((x1 - lo) / (hi - lo) * size)
    row = int((hi - x2) / (hi - lo) * size)
    return min(max(row, 0), size - 1), min(max(col, 0), size - 1)


def _rgb(css: str) -> tuple[int, int, int]:
    """'rgb(1, 2, 3)' → (1, 2, 3)."""
    assert css.startswith("rgb(") and css.endswith(")"), css
    r, g, b = (int(float(v)) for v in css[4:-1].split(","))
    return r, g, b


def _near(a: Any, b: Any, tol: int = 2) -> bool:
    """Whether two colours' RGB differ by at most ``tol`` in every channel."""
    return bool(np.all(np.abs(np.asarray(a, np.int32)[:3] - np.asarray(b, np.int32)[:3]) <= tol))


COLOURS = {"orange": ORANGE, "blue": BLUE}


# -- 1. the output map -------------------------------------------------------------------------
def test_the_output_map_is_orange_where_the_score_is_negative_and_blue_where_positive(
        page: Page, server: Server) -> None:
    """With the score tanh(6·x1 + 3·x2 − 6) set by hand, every pixel of the 100×100 map
    (``getImageData`` on #heatmap) is the server's colour of the score at that pixel's cell
    (x1 right, x2 up), at the four spots of ``SPOTS`` exactly Playground's orange (negative:
    class 0) or blue (positive: class 1), and on screen (a screenshot of the map under the
    points layer) the same colours at alpha 160 over the white page."""
    load(page, server, PLAYGROUND + "&layers=")
    _own_points(page, POINTS)
    _set_parameters(page, LINE)
    state = page_state(page)
    assert state["network"]["sizes"] == [2, 1] and state["network"]["output"] == "tanh"
    palette = np.asarray(state["palettes"]["output"], np.int32).reshape(256, 3)
    # The convention the page is given: code 0 (score −1, class 0) orange, 30 (+1) blue.
    assert tuple(palette[0]) == ORANGE and tuple(palette[30]) == BLUE
    assert tuple(palette[15]) == GREY
    extent = tuple(state["grid"]["extent"])
    r = state["grid"]["resolution"]
    image = _pixels(page, "#heatmap")
    assert image.shape == (r, r, 4)

    lo, hi = extent
    centres = lo + (hi - lo) / r * (np.arange(r) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])  # row 0 at the top: the largest x2
    code = value_codes(np.tanh(6 * x1 + 3 * x2 - 6)).astype(np.int64)
    assert {0, 30} <= set(np.unique(code))  # both sides of the line are on the map
    # a cell right at the line may round to a neighbouring shade (float32 on the server)
    error = np.min([np.abs(image[..., :3].astype(np.int32) - palette[np.clip(code + d, 0, 30)])
                    .max(axis=-1) for d in (-1, 0, 1)], axis=0)
    assert error.max() <= 2, f"{(error > 2).sum()} pixels off, first at {np.argwhere(error > 2)[0]}"
    assert np.all(image[..., 3] == ALPHA)

    shot = np.asarray(Image.open(io.BytesIO(page.locator("#heatmap").screenshot()))
                      .convert("RGB"), np.int32)
    border = 1  # the canvas has a 1-px border inside its 300-px box (border-box)
    inner = shot.shape[0] - 2 * border
    for a, b, colour in SPOTS:
        row, col = _cell(a, b, extent, r)
        assert _near(image[row, col], COLOURS[colour]), (a, b, colour, image[row, col])
        srow, scol = _cell(a, b, extent, inner)
        seen = shot[border + srow, border + scol]
        over_white = np.round(np.asarray(COLOURS[colour]) * ALPHA / 255 + 255 * (1 - ALPHA / 255))
        assert _near(seen, over_white, 3), (a, b, colour, seen, over_white)


# -- 2. the data points ------------------------------------------------------------------------
def test_each_point_is_drawn_where_it_lies_in_its_class_colour_and_not_mirrored(
        page: Page, server: Server) -> None:
    """Own points (``POINTS``): the #points canvas has a dot of the point's class colour
    (class 0 orange, class 1 blue) at the pixel of (x1, x2) (x1 right, x2 up), nothing at the
    mirror images of the points, and no ink anywhere but on the dots."""
    load(page, server, PLAYGROUND)
    _own_points(page, POINTS)
    page.check("#show-test")  # every point, train and test, is drawn
    page.wait_for_function("() => window.depthlens.output.showTest")
    state = page_state(page)
    extent = tuple(state["grid"]["extent"])
    lo, hi = extent
    assert lo < min(min(p[0], p[1]) for p in POINTS) and max(max(p[0], p[1]) for p in POINTS) < hi
    palette = np.asarray(state["palettes"]["output"], np.int32).reshape(256, 3)
    image = _pixels(page, "#points")
    size = image.shape[0]
    ratio = size / page.evaluate("() => document.getElementById('points').clientWidth")
    alpha = image[..., 3]

    centres = []
    for x1, x2, cls in POINTS:
        row, col = _cell(x1, x2, extent, size)
        centres.append((row, col))
        colour = (ORANGE, BLUE)[cls]
        assert tuple(palette[30 * cls]) == colour  # the server's code of a class-c point
        assert alpha[row, col] == 255 and _near(image[row, col], colour), (x1, x2, cls,
                                                                            image[row, col])
    for name, (sx, sy, swap) in MIRRORS.items():
        for x1, x2, _ in POINTS:
            a, b = (x2, x1) if swap else (x1, x2)
            row, col = _cell(sx * a, sy * b, extent, size)
            assert alpha[max(row - 1, 0):row + 2, max(col - 1, 0):col + 2].max() == 0, (name,
                                                                                       x1, x2)
    rows, cols = np.nonzero(alpha)
    reach = 5 * ratio  # a dot: radius 3 px and a 1-px outline, antialiased
    distance = np.min([np.hypot(rows - r0, cols - c0) for r0, c0 in centres], axis=0)
    assert distance.max() <= reach, "ink away from every point"


# -- 3. edges and biases -----------------------------------------------------------------------
NET = {"W0": [[1.5, -2.0], [-0.6, 0.8]], "b0": [-1.2, 0.4], "W1": [[2.5, -0.2]], "b1": [1.0]}
"""A 2-2-1 network's parameters, of both signs, none on a rounding tie of the colour scale."""


def _diagram(page: Page) -> dict[str, Any]:
    """Every node of the diagram (kind, title, box relative to the edge layer, bias colour)
    and every drawn edge (its computed stroke colour and its two ends)."""
    return page.evaluate(
        """() => {
            const svg = document.getElementById('edges');
            const o = svg.getBoundingClientRect();
            const nodes = [...document.querySelectorAll('#network .node')].map((el) => {
                const b = el.getBoundingClientRect();
                const bias = el.querySelector('.bias');
                return {kind: ['input', 'hidden', 'output'].find((k) => el.classList.contains(k)),
                        title: el.title, left: b.left - o.left, right: b.right - o.left,
                        middle: (b.top + b.bottom) / 2 - o.top,
                        bias: bias ? getComputedStyle(bias).backgroundColor : null};
            });
            const edges = [...svg.querySelectorAll('path.edge')].map((p) => {
                const a = p.getPointAtLength(0), b = p.getPointAtLength(p.getTotalLength());
                return {stroke: getComputedStyle(p).stroke, start: [a.x, a.y], end: [b.x, b.y]};
            });
            return {nodes, edges};
        }""")


def _unit(node: dict[str, Any], features: list[str], n_layers: int) -> tuple[int, int]:
    """(column, unit) of a diagram node from its title: inputs are column 0 (in the network's
    feature order), hidden layer l is column l, the output the last column."""
    if node["kind"] == "input":
        names = {f: f.replace("x1", "X\u2081").replace("x2", "X\u2082") for f in features}
        return 0, [names[f] for f in features].index(node["title"])
    if node["kind"] == "output":
        return n_layers, 0
    layer, neuron = node["title"].removeprefix("layer ").split(", neuron ")
    return int(layer), int(neuron) - 1


def _closest(nodes: list[dict[str, Any]], x: float, y: float, side: str) -> dict[str, Any]:
    """The node whose ``side`` ('left'|'right') middle is at (x, y) (within 3 px)."""
    node = min(nodes, key=lambda n: abs(n[side] - x) + abs(n["middle"] - y))
    assert abs(node[side] - x) + abs(node["middle"] - y) < 3, (x, y, side)
    return node


def test_edges_and_biases_have_the_colour_of_their_own_parameters_sign(
        page: Page, server: Server) -> None:
    """With the parameters of ``NET`` set, the edge drawn from input j to unit i of layer l
    (found by where it starts and ends, not by the page's own bookkeeping) is stroked in the
    colour of W_l[i, j] on the two-class scale — every negative weight orange-side, every
    positive one blue-side, ±1 and beyond exactly orange and blue — and every unit's bias
    square is filled with the colour of its bias."""
    load(page, server, PLAYGROUND + "&layers=2")
    _set_parameters(page, NET)
    state = page_state(page)
    assert state["network"]["sizes"] == [2, 2, 1]
    features = state["network"]["feature_names"]
    lut = node_palette()

    def colour(value: float) -> tuple[int, int, int]:
        return tuple(int(c) for c in lut[value_codes(np.float32(value))])

    diagram = _diagram(page)
    nodes = [n for n in diagram["nodes"] if n["kind"] != "input" or n["title"] in
             {f.replace("x1", "X\u2081").replace("x2", "X\u2082") for f in features}]
    seen = set()
    for edge in diagram["edges"]:
        src = _closest(nodes, *edge["start"], "right")
        dst = _closest(nodes, *edge["end"], "left")
        (c0, j), (c1, i) = _unit(src, features, 2), _unit(dst, features, 2)
        assert c1 == c0 + 1
        w = NET[f"W{c0}"][i][j]
        stroke = _rgb(edge["stroke"])
        assert stroke == colour(w), (c0, i, j, w, stroke)
        end, other = (BLUE, ORANGE) if w > 0 else (ORANGE, BLUE)
        assert np.abs(np.subtract(stroke, end)).sum() < np.abs(np.subtract(stroke, other)).sum()
        if abs(w) >= 1:
            assert stroke == end
        seen.add((c0, i, j))
    assert seen == {(0, i, j) for i in range(2) for j in range(2)} | {(1, 0, 0), (1, 0, 1)}

    units = [n for n in diagram["nodes"] if n["kind"] != "input"]
    assert len(units) == 3
    for node in units:
        column, unit = _unit(node, features, 2)
        b = NET[f"b{column - 1}"][unit]
        assert _rgb(node["bias"]) == colour(b), (column, unit, b, node["bias"])
    assert _rgb(units[0]["bias"]) != _rgb(units[1]["bias"])  # −1.2 and 0.4: not one colour


# -- 4. the confusion matrix -------------------------------------------------------------------
def _table(page: Page) -> tuple[list[str], list[str], np.ndarray]:
    """(column heads, row heads, counts) of the #confusion table."""
    heads = page.locator("#confusion tr").first.locator("th").all_inner_texts()[1:]
    rows = page.locator("#confusion tr").all()[1:]
    names = [row.locator("th").inner_text() for row in rows]
    counts = np.array([[int(t) for t in row.locator("td").all_inner_texts()] for row in rows])
    return heads, names, counts


@pytest.mark.parametrize("weights, predict", [
    ({"W0": [[0.0, 0.0]], "b0": [1.0]}, lambda x: np.ones(len(x), np.int64)),
    ({"W0": [[2.0, 0.0]], "b0": [0.0]}, lambda x: (x[:, 0] > 0).astype(np.int64)),
], ids=["class 1 everywhere", "class 1 right of x1 = 0"])
def test_confusion_rows_are_the_true_class_and_columns_the_predicted(
        page: Page, server: Server, weights: dict[str, list],
        predict: Callable[[np.ndarray], np.ndarray]) -> None:
    """With the prediction known (class 1 everywhere: the true-class-0 row has all its points
    in column 1 and column 0 is empty; class 1 for x1 > 0), the #confusion table's cell
    (row i, column j) is the number of test points of true class i predicted j, counted here
    from the test data, and equals the server's own matrix."""
    load(page, server, PLAYGROUND + "&layers=")
    _set_parameters(page, weights)
    s = _live(page, server).session
    x, y = s.test_data.x, np.asarray(s.test_data.y, np.int64)
    expected = np.zeros((2, 2), np.int64)
    np.add.at(expected, (y, predict(x)), 1)
    assert expected[0, 1] != expected[1, 0]  # asymmetric: a transposed table differs
    _, server_counts = live_module.scores_on_test_set(s, None)
    np.testing.assert_array_equal(server_counts, expected)
    heads, names, shown = _table(page)
    classes = page_state(page)["network"]["class_names"]
    assert heads == classes[:2] and names == classes[:2]
    np.testing.assert_array_equal(shown, expected)


# -- 5. frames ---------------------------------------------------------------------------------
_DECODE = """async ([b64, cuts]) => {
    const { decodeFrame } = await import('/static/js/frames.js');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const out = [];
    for (const n of cuts) {
        try {
            const { header, arrays } = decodeFrame(bytes.slice(0, n).buffer);
            const back = {};
            for (const [name, a] of Object.entries(arrays)) {
                const raw = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
                back[name] = {type: a.data.constructor.name, shape: a.shape,
                              values: Array.from(a.data),
                              bytes: btoa(String.fromCharCode(...raw))};
            }
            out.push({header, arrays: back});
        } catch (e) {
            out.push({error: e.message, name: e.name, isError: e instanceof Error});
        }
    }
    return out;
}"""
"""Decode a frame (base64) in the page with ``frames.js``, cut to each length of ``cuts``;
for each, the header and every array (typed-array class, shape, values, raw bytes), or the
error thrown."""

TYPED = {"uint8": "Uint8Array", "int32": "Int32Array", "float32": "Float32Array"}
F32 = np.array([1.5, -0.0, np.inf, -np.inf, np.nan, 1e-45, 3.4028235e38, -2.5, 0.1],
               np.float32)


def _decode_in_page(page: Page, data: bytes, cuts: list[int]) -> list[dict[str, Any]]:
    return page.evaluate(_DECODE, [base64.b64encode(data).decode(), cuts])


def _test_arrays(k: int) -> dict[str, np.ndarray]:
    """Odd-length uint8, int32 and float32 arrays (with -0, ±inf, NaN, a subnormal, the
    extremes of int32), a scalar and an empty one; ``k`` shifts the values."""
    return {
        "u": (np.arange(7, dtype=np.uint8) * 37 + k).astype(np.uint8),
        "i": np.array([-2**31, -1 - k, 0, k, 2**31 - 1], np.int32),
        "f": F32[: 9 - k % 3].copy(),
        "m": np.arange(15, dtype=np.float32).reshape(3, 5) - k,
        "one": np.array([200 + k], np.uint8),
        "scalar": np.array(k, np.int32),
        "empty": np.zeros((0, 3), np.float32),
        "last": np.arange(3, dtype=np.uint8),
    }


def test_the_page_decodes_what_python_encodes_at_every_padding(page: Page, server: Server) -> None:
    """``frames.js`` in the browser and ``encode_frame`` agree on frames whose header is 12
    consecutive lengths long (the header ends at every offset mod 4, so the payload follows
    0..3 bytes of padding), holding odd-length uint8/int32/float32 arrays, a scalar and an
    empty array: the same header, and each array of the right typed-array class and shape
    with every value (and every byte: -0, NaN) equal."""
    load(page, server)
    pads = set()
    for n in range(12):
        arrays = _test_arrays(n)
        data = encode_frame({"kind": "test", "pad": "x" * n, "n": n}, arrays)
        head_length = int.from_bytes(data[:4], "little")
        pads.add(-(4 + head_length) % 4)
        (got,) = _decode_in_page(page, data, [len(data)])
        assert "error" not in got, got
        header = json.loads(data[4:4 + head_length])
        assert got["header"] == header
        assert list(got["arrays"]) == list(arrays)
        for name, a in arrays.items():
            back = got["arrays"][name]
            assert back["type"] == TYPED[a.dtype.name], name
            assert back["shape"] == list(a.shape), name
            raw = base64.b64decode(back["bytes"])
            assert raw == a.astype(a.dtype.newbyteorder("<")).tobytes(), (n, name)
            values = np.asarray(back["values"], np.float64)
            np.testing.assert_array_equal(values, a.ravel().astype(np.float64), err_msg=name)
    assert pads == {0, 1, 2, 3}


def test_the_page_refuses_a_truncated_frame_naming_what_is_cut(page: Page, server: Server) -> None:
    """Every cut of a frame — in its 4-byte header length, in the header, in each array —
    makes ``decodeFrame`` throw an Error (not a RangeError from a typed array) that names the
    length prefix, the header length or the array cut, as ``frames.py`` does; a cut only in
    the padding after the last array still decodes."""
    load(page, server)
    for pad in range(4):
        data = encode_frame({"kind": "test", "pad": "x" * pad},
                            {"u": np.arange(7, dtype=np.uint8), "i": np.arange(5, dtype=np.int32),
                             "f": np.ones(3, np.float32), "tail": np.arange(5, dtype=np.uint8)})
        cuts = list(range(len(data)))
        results = _decode_in_page(page, data, cuts)
        named = set()
        for n, got in zip(cuts, results):
            expected = expected_cut_error(data, n)
            if expected is None:
                assert "error" not in got and got["arrays"]["tail"]["values"] == [0, 1, 2, 3, 4]
                continue
            assert got.get("isError") and got["name"] == "Error", (n, got)
            assert expected in got["error"], (n, expected, got["error"])
            named.add(expected.split(" runs")[0])
        assert {"array 'u'", "array 'i'", "array 'f'", "array 'tail'"} <= named


def test_the_page_refuses_a_malformed_header_as_python_does(page: Page, server: Server) -> None:
    """Each frame of ``MALFORMED`` (a header that is not JSON or not an object, an entry
    without a name, an unknown dtype, a negative or fractional size, a misaligned offset,
    nbytes not matching the shape, an array past the end) makes ``decodeFrame`` throw an Error
    saying the same thing ``frames.py``'s ValueError says."""
    load(page, server)
    for case, (data, message) in MALFORMED.items():
        (got,) = _decode_in_page(page, data, [len(data)])
        assert got.get("isError") and got["name"] == "Error", (case, got)
        assert message in got["error"], (case, message, got["error"])


def test_a_frame_the_page_cannot_decode_is_shown_and_the_page_goes_on(
        page: Page, server: Server) -> None:
    """A truncated binary frame arriving on the page's socket is caught in the socket's
    message handler: no uncaught error (the ``page`` fixture fails on one), the decoder's
    message shown in the toast and recorded in ``errors`` (field ``frame``); the page then
    still steps and draws."""
    load(page, server, PLAYGROUND)
    data = encode_frame({"kind": "frame", "epoch": 99}, {"W0": np.ones((4, 2), np.float32)})
    page.evaluate("""(b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        window.depthlens.socket.dispatchEvent(new MessageEvent('message', {data: bytes.buffer}));
    }""", base64.b64encode(data[:-5]).decode())
    error = page.evaluate("() => window.depthlens.errors.at(-1)")
    assert error["field"] == "frame" and "array 'W0' runs past the end" in error["message"]
    toast = page.locator("#toast")
    assert toast.is_visible() and "array 'W0' runs past the end" in toast.inner_text()
    assert page.evaluate("() => window.depthlens.frame.header.epoch") == 0
    page.click("#step")
    page.wait_for_function("() => window.depthlens.drawnEpoch === 1", timeout=10_000)
