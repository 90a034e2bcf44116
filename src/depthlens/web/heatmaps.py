"""The pictures of one frame: the output map and a map per node, as uint8 colour codes.

One forward trace of a 100×100 grid over the dataset's window (Playground's DENSITY) gives every
node's value at every grid point at once (as Playground's one pass fills every neuron). The
output map keeps the full grid; each node's map is the grid block-averaged down to 20×20 (5×5
blocks; Playground averages 10×10 blocks into 10×10 thumbnails). Values become codes of
``palettes``: a node's value v on [−1, 1] (clipped), the output as its two-class score 2·p − 1,
its k-class winner and confidence, or its regression value over ``scale`` (robust: a
far-out target does not set it, ``palettes.robust_scale``). An output unit j of a k ≥ 3-class
network is its class's probability p_j = softmax(z)_j, block-averaged, on class j's
ramp of the node table (white at p_j = 0 to class j's colour at p_j = 1), not on the two-class
orange–blue scale: a k-class unit says "class j or not", not "orange or blue".

Row 0 of every map is the top of the plane (largest x2), as on screen.

Data with one input (the 1-D sets, a one-column upload) gets a :class:`LineView` with the same
interface: R points on the line, every map a stripe picture (column j is x_j, all rows equal)
so the page draws it as it draws a plane's, and ``curve()``, the output y = f(x) at those R
points for the page's plot.
"""

from __future__ import annotations

import numpy as np

from depthlens.data.features import FEATURES, expand_features
from depthlens.draw.maps import grid, signed_score
from depthlens.experiment.session import Session
from depthlens.web import palettes

RESOLUTION = 100
NODE_RESOLUTION = 20
NODE_SAMPLES = 2
"""Samples per node-picture cell along each axis: a node's map is the mean of its value at the
centres of NODE_SAMPLES² sub-cells of each of its r×r cells (a 40×40 grid, not the output map's
100×100: a 10×16 network's frame then costs a sixth of the layers' work, and a 30-px picture
cannot show the difference)."""


def block_mean(values: np.ndarray, resolution: int = NODE_RESOLUTION) -> np.ndarray:
    """Grid values (R·R, w) in image order → (w, r, r) means over (R/r)² blocks."""
    n, w = values.shape
    f = round(n**0.5) // resolution
    return values.reshape(resolution, f, resolution, f, w).mean(axis=(1, 3)).transpose(2, 0, 1)


class PlaneView:
    """The grid of a Session's input plane and the codes of its maps for the current network.

    ``scale`` is the regression map's colour scale (±scale at the end colours, from
    ``palettes.robust_scale`` of the targets; 1 for classes) and ``clamped`` how many targets
    lie beyond it (the legend says so).

    Args:
        session: the experiment (its features and preprocessing turn the grid into inputs).
        extent: the window (lo, hi) on both axes.
    """

    def __init__(self, session: Session, extent: tuple[float, float]):
        self.session = session
        self.extent = extent
        self.points = self._grid()
        self.inputs = session.transform(self.points)
        self.node_inputs = session.transform(self._node_grid())
        self.scale, self.clamped = 1.0, 0
        if session.problem == "regression":
            self.scale, self.clamped = palettes.robust_scale(session.dataset.y)

    def _grid(self) -> np.ndarray:
        """The raw inputs the maps are drawn at: the R×R plane in image order."""
        return grid(self.extent, RESOLUTION)

    def _node_grid(self) -> np.ndarray:
        """The raw inputs the node pictures are drawn at: r·s × r·s points in image order, s
        = NODE_SAMPLES to a cell (the cells are the output map's, grouped)."""
        return grid(self.extent, NODE_RESOLUTION * NODE_SAMPLES)

    @property
    def multiclass(self) -> bool:
        return self.session.problem == "classification" and self.session.n_classes > 2

    def output_palette(self) -> np.ndarray:
        """The (256, 3) table the output map's codes index."""
        if self.multiclass:
            return palettes.class_palette(self.session.n_classes)
        return palettes.node_palette()

    def feature_maps(self) -> np.ndarray:
        """(9, r, r) codes of every input feature's raw value over the plane (Playground shows
        all of them, used or not)."""
        values = expand_features(self.points, list(FEATURES))
        return palettes.value_codes(block_mean(values))

    def _output_values(self, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(output map codes (n,), per-output-unit values (n, m)): values on [−1, 1] for the
        node scale, or for k ≥ 3 classes each unit's probability p_j (see :meth:`node_codes`)."""
        s = self.session
        head = s.net.head
        if s.problem == "regression":
            v = out / self.scale
            return palettes.value_codes(v[:, 0]), v
        if self.multiclass:
            p = head.probabilities(out)
            return palettes.class_codes(p), p[:, : out.shape[1]]
        v = signed_score(head, out)
        units = v[:, None] if out.shape[1] == 1 else 2.0 * head.probabilities(out) - 1.0
        return palettes.value_codes(v), units

    def node_codes(self, means: np.ndarray) -> np.ndarray:
        """Node maps (n_nodes, r, r) of values → node-table codes: every node on the two-class
        scale, except the m output units of a k ≥ 3-class network, whose maps are their
        probabilities p_j and go on class j's ramp (``palettes.probability_codes``)."""
        codes = palettes.value_codes(means)
        if self.multiclass:
            m = int(self.session.net.sizes[-1])
            classes = np.arange(m)[:, None, None]
            codes[-m:] = palettes.probability_codes(means[-m:], classes)
        return codes

    def codes(self) -> tuple[np.ndarray, np.ndarray]:
        """(output codes (R, R), node codes (n_nodes, r, r)) for the network as it is now.

        Nodes in order: the network's inputs, every hidden unit layer by layer, the outputs.
        The output map is the network's forward pass over the R×R grid; the node pictures are
        block means of every layer's activations over the coarser node grid."""
        net = self.session.net
        out = net.forward(self.inputs, backend="numpy")  # BLAS: many points, wide layers
        out_codes, _ = self._output_values(np.asarray(out, np.float64))
        trace = net.trace(self.node_inputs)
        _, out_units = self._output_values(np.asarray(trace.output, dtype=np.float64))
        values = np.concatenate([trace.inputs, *trace.post[:-1], out_units], axis=1,
                                dtype=np.float32)
        return out_codes.reshape(RESOLUTION, RESOLUTION), self.node_codes(block_mean(values))


def line_points(extent: tuple[float, float], resolution: int = RESOLUTION) -> np.ndarray:
    """Centres of ``resolution`` equal cells over ``extent`` (left to right), as (R,)."""
    lo, hi = extent
    step = (hi - lo) / resolution
    return lo + step * (np.arange(resolution) + 0.5)


def stripes(values: np.ndarray, resolution: int) -> np.ndarray:
    """Values (R, w) along the line → (w, r, r): means over R/r neighbours, each column one x,
    every row the same (a 1-D response drawn as a picture)."""
    n, w = values.shape
    f = n // resolution
    means = values.reshape(resolution, f, w).mean(axis=1).T  # (w, r)
    return np.repeat(means[:, None, :], resolution, axis=1)


class LineView(PlaneView):
    """The line of a Session with one raw input: :class:`PlaneView`'s interface over R points
    of x.

    ``points`` are the (R, 1) raw inputs, ``xs`` the same as (R,). Maps are stripes: the
    output codes (R, R) and the node codes (n_nodes, r, r) have every row equal, column j the
    value at x_j. Features of x2 do not exist on a line; their maps are code 255 (grey).

    Args:
        session: the experiment (its features and preprocessing turn x into inputs).
        extent: the window (lo, hi) of x.
    """

    def __init__(self, session: Session, extent: tuple[float, float]):
        self.xs = line_points(extent, RESOLUTION)
        super().__init__(session, extent)

    def _grid(self) -> np.ndarray:
        return self.xs[:, None]

    def _node_grid(self) -> np.ndarray:
        return self.xs[:, None]  # the stripes are means along the line itself

    def feature_maps(self) -> np.ndarray:
        """(9, r, r) codes of every input feature's value along the line (x2's: NaN)."""
        names = list(FEATURES)
        values = np.full((len(self.xs), len(names)), np.nan)
        ones = [j for j, n in enumerate(names) if not FEATURES[n].uses_x2]
        values[:, ones] = expand_features(self.points, [names[j] for j in ones])
        return palettes.value_codes(stripes(values, NODE_RESOLUTION))

    def codes(self) -> tuple[np.ndarray, np.ndarray]:
        """(output codes (R, R), node codes (n_nodes, r, r)) along the line: stripes."""
        trace = self.session.net.trace(self.inputs)
        out = np.asarray(trace.output, dtype=np.float64)
        out_codes, out_units = self._output_values(out)
        values = np.concatenate([trace.inputs, *trace.post[:-1], out_units], axis=1,
                                dtype=np.float32)
        picture = np.repeat(out_codes[None, :], RESOLUTION, axis=0)
        return picture, self.node_codes(stripes(values, NODE_RESOLUTION))

    def curve(self) -> np.ndarray:
        """The output along the line, (R, m) float32 at ``xs``: regression the predicted y
        (m targets), two classes p(class 1) (m = 1), k classes every p(class c) (m = k)."""
        s = self.session
        out = np.asarray(s.net.forward(self.inputs), dtype=np.float64)
        if s.problem == "regression":
            return out.astype(np.float32)
        p = s.net.head.probabilities(out)
        if not self.multiclass:
            return p[:, 1:2].astype(np.float32)
        return p[:, : s.n_classes].astype(np.float32)


def make_view(session: Session, extent: tuple[float, float]) -> PlaneView:
    """The view of a Session's input space over ``extent``: the line for data with one raw
    input (:class:`LineView`), else the plane (:class:`PlaneView`)."""
    if session.dataset.x.shape[1] == 1:
        return LineView(session, extent)
    return PlaneView(session, extent)
