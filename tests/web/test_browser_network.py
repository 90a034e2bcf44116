"""The network diagram at the largest size the page allows (10 hidden layers of 16: 170 nodes,
2,352 edges) in headless Chromium:

- it fits the room it has: at 1280×800, 1920×1080 and 1920×720 (where the height, not the
  width, decides the node size) no two nodes overlap, every node lies
  inside the diagram's box, the box inside the window's width and its bottom inside the
  window's height (the page scrolled to the top), and at 1920 the columns spread to the box's
  right; between two columns there is room for the edges; resizing the window lays it out again;
- an edge is seen between its columns: with W5[0, 0] set to 3, the screen's pixel midway along
  that edge (top row, from layer 5's first unit to layer 6's) has the colour of 3 on the node
  colour scale, and no node covers that point;
- the Network PNG is drawn at slide resolution (long side ≥ 1200 px, every length × the same
  whole scale as the page's layout), with that edge's colour at its middle and a node's map
  colour where its picture has that code.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page

from depthlens.web.palettes import node_palette, value_codes
from tests.web.pages import PLAYGROUND, load

WIDEST = PLAYGROUND + "&layers=" + ",".join(["16"] * 10)
EDGE = (5, 0, 0)
"""W5[0, 0]: from the first unit of hidden layer 5 to the first of hidden layer 6 (top row)."""

DIAGRAM = """() => {
    const box = document.getElementById('network');
    const o = box.getBoundingClientRect();
    const nodes = [...box.querySelectorAll('.node')].map((el) => {
        const b = el.getBoundingClientRect();
        return [b.left, b.top, b.right, b.bottom];
    });
    const n = window.depthlens.network;
    const columns = n.columns.map((c) => c.map((node) => {
        const b = node.el.getBoundingClientRect();
        return [b.left, b.right];
    }));
    return {box: [o.left, o.top, o.right, o.bottom], nodes, columns,
            window: [innerWidth, innerHeight], scroll: [scrollX, scrollY],
            side: n.geometry.s};
}"""


def _colour(value: float) -> np.ndarray:
    """The node colour scale's RGB of ``value`` (as the page's valueCode rounds it)."""
    return node_palette()[value_codes(np.float32(value))].astype(int)


def _set_weight(page: Page, layer: int, i: int, j: int, value: float) -> None:
    """Set W{layer}[i, j] as a click on the edge does, and wait until a frame with it is drawn."""
    page.evaluate("(m) => window.depthlens.send(m)",
                  {"type": "edit", "layer": layer, "kind": "weight", "index": [i, j],
                   "value": value})
    page.wait_for_function(
        """([layer, offset, value]) => {
            const d = window.depthlens, f = d.frame;
            return Boolean(f) && !d._scheduled && d.drawnEpoch === f.header.epoch
                && f.arrays['W' + layer].data[offset] === value;
        }""", arg=[layer, i * 16 + j, value], timeout=10_000)


def _edge_middle(page: Page, layer: int, i: int, j: int) -> tuple[float, float, list[float]]:
    """(x, y) of the middle of edge W{layer}[i, j] in the diagram box's own pixels, and the
    edge's ends."""
    ends = page.evaluate(
        """([layer, i, j]) => window.depthlens.network.edges
            .find((e) => e.layer === layer && e.i === i && e.j === j).ends""", [layer, i, j])
    return (ends[0] + ends[2]) / 2, (ends[1] + ends[3]) / 2, ends


def _check_fits(d: dict) -> None:
    left, top, right, bottom = d["box"]
    width, height = d["window"]
    assert d["scroll"] == [0, 0]
    nodes = d["nodes"]
    assert len(nodes) == 9 + 10 * 16 + 1
    for a in nodes:  # inside the box
        assert left <= a[0] and a[2] <= right and top <= a[1] and a[3] <= bottom, (a, d["box"])
    boxes = np.array(nodes)
    for k, a in enumerate(nodes):  # no two overlap
        others = np.delete(boxes, k, axis=0)
        hit = (others[:, 0] < a[2]) & (a[0] < others[:, 2]) & (others[:, 1] < a[3]) & \
            (a[1] < others[:, 3])
        assert not hit.any(), (a, others[hit][:3])
    assert 0 <= left and right <= width, (d["box"], width)
    assert bottom <= height, f"the diagram ends at {bottom} px, below the window's {height}"
    # room for the edges between every two columns (at least 10 px)
    columns = d["columns"]
    for c in range(len(columns) - 1):
        assert min(b[0] for b in columns[c + 1]) - max(b[1] for b in columns[c]) >= 10, c


@pytest.mark.parametrize("width, height", [(1280, 800), (1920, 1080), (1920, 720)])
def test_the_10x16_diagram_fits_the_room_it_has(page: Page, server, width, height):
    page.set_viewport_size({"width": width, "height": height})
    load(page, server, WIDEST)
    d = page.evaluate(DIAGRAM)
    _check_fits(d)
    # the columns spread over the box: the output's right edge near the box's right edge
    output = d["columns"][-1][0]
    assert d["box"][2] - output[1] <= 20, (output, d["box"])
    assert d["side"] >= 14  # never smaller than a readable node


def test_resizing_the_window_lays_the_diagram_out_again(page: Page, server):
    page.set_viewport_size({"width": 1920, "height": 1080})
    load(page, server, WIDEST)
    wide = page.evaluate(DIAGRAM)
    before = page.evaluate("() => window.depthlens.network.geometry.width")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_function(f"() => window.depthlens.network.geometry.width !== {before}")
    narrow = page.evaluate(DIAGRAM)
    _check_fits(narrow)
    assert narrow["box"][2] - narrow["box"][0] < wide["box"][2] - wide["box"][0]


def test_the_diagram_lays_out_again_when_only_its_top_moves(page: Page, server):
    """Something above the diagram grows (a banner, a wrapped bar): its width and the window
    stay, but the room below its top shrinks, so the 10×16 diagram takes smaller nodes."""
    page.set_viewport_size({"width": 1920, "height": 720})  # the height limits the diagram
    load(page, server, WIDEST)
    before = page.evaluate("() => window.depthlens.network.geometry")
    page.evaluate("""() => {
        const spacer = document.createElement("div");
        spacer.id = "test-spacer";
        spacer.style.height = "80px";
        const box = window.depthlens.network.container;
        box.parentElement.insertBefore(spacer, box);
    }""")
    page.wait_for_function(f"() => window.depthlens.network.geometry.height < {before['height']}",
                           timeout=5_000)
    after = page.evaluate(DIAGRAM)
    _check_fits(after)
    assert after["side"] < before["s"]


def _widest_with_a_known_edge(page: Page, server) -> tuple[float, float, list]:
    """The 10×16 network at 1280×800 with EDGE's weight set to 3: that edge's middle (x, y in
    the diagram) and its ends."""
    page.set_viewport_size({"width": 1280, "height": 800})
    load(page, server, WIDEST)
    layer, i, j = EDGE
    _set_weight(page, layer, i, j, 3.0)
    return _edge_middle(page, layer, i, j)


def test_an_edge_is_seen_midway_between_its_columns(page: Page, server):
    x, y, ends = _widest_with_a_known_edge(page, server)
    box = page.evaluate(DIAGRAM)
    left, top = box["box"][:2]
    px, py = left + x, top + y
    # no node covers the middle of the edge: it lies between the two columns' boxes
    for a in box["nodes"]:
        assert not (a[0] <= px <= a[2] and a[1] <= py <= a[3]), (a, px, py)
    shot = page.screenshot(clip={"x": math.floor(px) - 2, "y": math.floor(py) - 2,
                                 "width": 5, "height": 5})
    pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=int)
    seen = pixels[2, 2]
    assert np.abs(seen - _colour(3.0)).max() <= 8, (seen, _colour(3.0), ends)


def test_the_network_png_is_redrawn_at_slide_resolution(page: Page, server):
    x, y, _ = _widest_with_a_known_edge(page, server)
    width, height, side = page.evaluate(
        "() => { const g = window.depthlens.network.geometry; return [g.width, g.height, g.s]; }")
    with page.expect_download() as info:
        page.click("#export-network")
    assert info.value.suggested_filename == "depthlens-network.png"
    with Image.open(info.value.path()) as image:
        size = image.size
        pixels = np.asarray(image.convert("RGB"), dtype=int)
    scale = math.ceil(1200 / max(width, height))
    assert size == (round(width * scale), round(height * scale))
    assert max(size) >= 1200
    # the edge, drawn again at that scale: its colour at its middle
    seen = pixels[round(y * scale), round(x * scale)]
    assert np.abs(seen - _colour(3.0)).max() <= 8, seen
    # a node's map: where the first unit of layer 1 has a code whose neighbours share it, the
    # picture has that code's colour
    r, codes, nx, ny = page.evaluate(
        """() => { const n = window.depthlens.network, node = n.columns[1][0];
            return [n.state.grid.node_resolution, [...n.codesOf(node)], node.x, node.y]; }""")
    grid = np.array(codes).reshape(r, r)
    flat = [(a, b) for a in range(1, r - 1) for b in range(1, r - 1)
            if (grid[a - 1:a + 2, b - 1:b + 2] == grid[a, b]).all()]
    assert flat, "no cell of the map has eight neighbours of its own code"
    a, b = flat[len(flat) // 2]
    cell = (side - 2) / r
    py, px = (ny + 1 + (a + 0.5) * cell) * scale, (nx + 1 + (b + 0.5) * cell) * scale
    lut = node_palette()
    seen = pixels[round(py), round(px)]
    assert np.abs(seen - lut[grid[a, b]].astype(int)).max() <= 6, (seen, lut[grid[a, b]])
