"""What the lens pictures draw, computed once per network: no matplotlib here.

A :class:`Scene` holds, for every stage of a network (``lens.stages``: input, z1, a1, …,
output), three sets of points carried through the same layers from the *input plane*:

- ``data``: the training points (N, width), coloured by class or target (``point_rgb``);
- ``grid``: lines of the input plane (``lens.grid_lines``), split back into polylines with
  ``Scene.lines(stage)``;
- ``corners``: the corners of a ``resolution``² decision grid over the input plane, so each cell
  can be drawn as the warped quadrilateral it becomes, coloured by the network's prediction at
  the cell's centre (``cell_rgb``), as ConvNetJS colours its warped grid by the final decision.

The input plane is the raw input plane for 1 or 2 raw inputs (the dataset's drawing window,
carried through features and preprocessing by ``Session.transform``), or the plane of the two
leading principal axes of the raw training inputs for wider data. For 1 raw input it is a line:
one grid "line" and ``resolution`` segments instead of cells.

Views (``stage_view``) map a stage to 1, 2 or 3 drawable coordinates: its own units when it has
at most ``dims``, else chosen units or a PCA fitted on the data's representation
(``lens.make_view``). ``Projection`` extends a view to an affine map so the output layer's
separating hyperplane can be drawn in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from depthlens.data import DATASETS
from depthlens.draw import colors, maps
from depthlens.lens.representations import (
    GridLines,
    Stage,
    View,
    grid_lines,
    last_hidden,
    make_view,
    represent,
    separating_hyperplane,
    stages,
)
from depthlens.nn.network import MLP

if TYPE_CHECKING:
    from depthlens.experiment.session import Session

Array = np.ndarray

BOUNDED = {"tanh": (-1.0, 1.0), "sine": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0)}
"""Activations with a fixed output range (drawn on a fixed colour scale)."""


# -- the input plane --------------------------------------------------------------------------
@dataclass(frozen=True)
class InputPlane:
    """The 1-D line or 2-D plane of raw inputs the grid and heatmaps live on.

    ``dim`` 1 or 2; ``extent`` (lo, hi) per plane axis; raw point = ``center + coords @ axes``
    ((dim, d_raw) rows) when ``axes`` is set (wide data), else the coordinates themselves.
    """

    dim: int
    extent: tuple[float, float]
    labels: tuple[str, ...]
    center: Array | None = None
    axes: Array | None = None

    def to_raw(self, coords: Array) -> Array:
        """Plane coordinates (N, dim) → raw inputs (N, d_raw)."""
        coords = np.asarray(coords, dtype=np.float64).reshape(-1, self.dim)
        if self.axes is None:
            return coords
        return self.center + coords @ self.axes


def input_plane(session: Session) -> InputPlane:
    """The input plane of a session's data (module docstring)."""
    x = np.asarray(session.dataset.x, dtype=np.float64)
    d = x.shape[1]
    names = tuple(session.dataset.feature_names) or tuple(f"x{i + 1}" for i in range(d))
    if d <= 2:
        spec = DATASETS.get(session.dataset.name)
        if spec is not None and spec.domain is not None:
            extent = spec.domain
        else:
            lo, hi = float(x.min()), float(x.max())
            pad = 0.1 * (hi - lo or 1.0)
            extent = (lo - pad, hi + pad)
        return InputPlane(d, (float(extent[0]), float(extent[1])), names[:d])
    xt = np.asarray(session.train_data.x, dtype=np.float64)
    view = make_view(xt, 2, method="pca")
    reach = float(np.abs(view(xt)).max() or 1.0) * 1.15
    labels = tuple(f"input PC{i + 1}" for i in range(2))
    return InputPlane(2, (-reach, reach), labels, view.center, view.axes)


def plane_grid(plane: InputPlane, resolution: int) -> tuple[Array, Array]:
    """Corners ((r+1)^dim, dim) and centres (r^dim, dim) of the decision grid, row-major with the
    first plane axis fastest (cell (i, j) has corners [i, j], [i, j+1], [i+1, j+1], [i+1, j])."""
    lo, hi = plane.extent
    edges = np.linspace(lo, hi, resolution + 1)
    mids = (edges[:-1] + edges[1:]) / 2
    if plane.dim == 1:
        return edges[:, None], mids[:, None]
    ex, ey = np.meshgrid(edges, edges)
    mx, my = np.meshgrid(mids, mids)
    return np.column_stack([ex.ravel(), ey.ravel()]), np.column_stack([mx.ravel(), my.ravel()])


# -- colours ----------------------------------------------------------------------------------
def target_scale(session: Session) -> float:
    """The ± end of the diverging scale for regression targets and predictions."""
    y = np.asarray(session.dataset.y, dtype=np.float64)
    return float(np.abs(y).max()) or 1.0


def point_rgb(session: Session, y: Array) -> Array:
    """Colours (N, 3) uint8 of points with labels or targets y: the class colour, or the target
    (first output) on the diverging scale."""
    if session.problem == "classification":
        return colors.PALETTE[np.asarray(y).astype(np.int64) % len(colors.PALETTE)]
    values = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]
    return colors.diverging(values, target_scale(session))


def prediction_rgb(session: Session, net: MLP, outputs: Array) -> Array:
    """Colours (N, 3) uint8 of the network's outputs (N, m), as the decision map draws them."""
    scale = target_scale(session) if session.problem == "regression" else None
    return maps.colorize(net.head, session.problem, outputs, False, scale)


# -- the scene --------------------------------------------------------------------------------
@dataclass
class Scene:
    """Points of the data, the grid lines and the decision grid at every stage (module doc).

    ``data[i]`` (N, w_i), ``grid[i]`` (G, w_i), ``corners[i]`` (C, w_i) for stage i of
    ``stages``; ``y`` the data's labels/targets; ``point_rgb`` (N, 3) and ``cell_rgb``
    (cells, 3) uint8; ``hyperplane`` the output layer's (W (1, h), b (1,)) in the last hidden
    layer (``lens.separating_hyperplane``), None for regression or several outputs.
    """

    session: Session
    net: MLP
    stages: list[Stage]
    plane: InputPlane
    resolution: int
    data: list[Array]
    y: Array
    point_rgb: Array
    lines: GridLines
    grid: list[Array]
    corners: list[Array]
    cell_rgb: Array
    hyperplane: tuple[Array, Array] | None
    last_hidden: int
    names: list[str] = field(default_factory=list)

    @property
    def problem(self) -> str:
        return self.session.problem

    def index(self, name: str | int) -> int:
        """Stage index of a name ('a1') or an index."""
        if isinstance(name, int | np.integer):
            return int(name) % len(self.stages)
        return self.names.index(name)

    def grid_lines(self, points: Array) -> list[Array]:
        """Grid points carried anywhere (same order as ``grid[i]``) → polylines."""
        return self.lines.lines(points)

    def post_indices(self, which: str = "post") -> list[int]:
        """Stage indices of the input, every activation and the output ('post'), or all."""
        return [i for i, s in enumerate(self.stages) if which == "all" or s.kind != "pre"]

    def cell_polygons(self, corners: Array) -> Array:
        """Carried corners (C, k) → cells as quadrilaterals (cells, 4, k); for a 1-D plane the
        cells are segments (cells, 2, k)."""
        r = self.resolution
        if self.plane.dim == 1:
            return np.stack([corners[:-1], corners[1:]], axis=1)
        c = corners.reshape(r + 1, r + 1, -1)
        return np.stack([c[:-1, :-1], c[:-1, 1:], c[1:, 1:], c[1:, :-1]], axis=2).reshape(
            r * r, 4, -1)

    def unit_names(self, i: int) -> list[str] | None:
        """Names of stage i's coordinates when they have names of their own (the input
        features: x1, x2, x1², …), else None ('unit j')."""
        if self.stages[i].kind != "input":
            return None
        names = self.session.features or self.session.dataset.feature_names
        names = list(names)
        return names if len(names) == self.stages[i].width else None

    def label(self, i: int) -> str:
        """A short title for stage i ('input', 'layer 1 · tanh', 'output · sigmoid')."""
        s = self.stages[i]
        if s.kind == "input":
            return f"input ({s.width}-D)"
        acts = self.net.layer_activations
        if s.kind == "pre":
            return f"layer {s.layer} · W·x + b ({s.width}-D)"
        if s.kind == "output":
            return f"output · {acts[s.layer - 1]} ({s.width}-D)"
        return f"layer {s.layer} · {acts[s.layer - 1]} ({s.width}-D)"


def build_scene(session: Session, net: MLP | None = None, resolution: int = 32,
                n_lines: int = 13, per_line: int = 101) -> Scene:
    """Carry the data, grid lines and decision-grid corners of ``session`` through ``net``
    (the session's network by default) in one forward pass."""
    net = session.net if net is None else net
    plane = input_plane(session)
    lines = grid_lines(plane.extent, n_lines, per_line, plane.dim)
    corners, centres = plane_grid(plane, resolution)
    x = np.asarray(session.x_train, dtype=np.float64)
    parts = [x, session.transform(plane.to_raw(lines.points)),
             session.transform(plane.to_raw(corners)), session.transform(plane.to_raw(centres))]
    sizes = np.cumsum([len(p) for p in parts])[:-1]
    reps = represent(net, np.concatenate(parts))
    split = [np.split(r, sizes) for r in reps]
    y = np.asarray(session.train_data.y)
    hyper = separating_hyperplane(net) if session.problem == "classification" else None
    st = stages(net)
    return Scene(
        session=session, net=net, stages=st, plane=plane, resolution=resolution,
        data=[s[0] for s in split], y=y, point_rgb=point_rgb(session, y), lines=lines,
        grid=[s[1] for s in split], corners=[s[2] for s in split],
        cell_rgb=prediction_rgb(session, net, split[-1][3]), hyperplane=hyper,
        last_hidden=last_hidden(net), names=[s.name for s in st],
    )


# -- views ------------------------------------------------------------------------------------
@dataclass
class Projection:
    """A ``View`` with its affine form: view coords v = (h − origin) @ ``matrix``ᵀ, and any
    point of the viewed plane is h = ``anchor`` + v @ ``matrix`` (for 'units', the other units
    sit at the data's mean). ``labels`` name the drawn axes; ``note`` says how it was chosen."""

    view: View
    matrix: Array
    origin: Array
    anchor: Array
    labels: list[str]
    note: str

    @property
    def dims(self) -> int:
        return int(self.matrix.shape[0])

    def __call__(self, points: Array) -> Array:
        return self.view(points)

    def hyperplane(self, w: Array, b: Array) -> tuple[Array, float] | None:
        """The plane {h : w·h + b = 0} met with the viewed plane, as (normal n, offset c) with
        n·v + c = 0 in view coordinates; None where the view does not cut it."""
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        n = self.matrix @ w
        if not np.any(np.abs(n) > 1e-12 * (np.abs(w).max() or 1.0)):
            return None
        return n, float(w @ self.anchor + np.asarray(b).reshape(-1)[0])


def stage_view(data: Array, stage: Stage, dims: int = 2,
               units: tuple[int, ...] | None = None,
               names: list[str] | None = None) -> Projection:
    """How to draw a stage whose data representation is ``data`` (N, width): own units when the
    width is at most ``dims`` (axes called ``names`` if given, else 'unit j'); else ``units``
    (0-based; used when there are at least 2 and all exist, the first ``dims`` of them) or a
    PCA of ``data``."""
    width = stage.width
    if width <= dims:
        view = make_view(data, dims)
        eye = np.eye(width)
        labels = list(names) if names is not None else view.axis_labels(stage)
        return Projection(view, eye, np.zeros(width), np.zeros(width), labels, "own units")
    if units is not None and len(units) >= 2 and all(0 <= u < width for u in units):
        units = tuple(units[:dims])
        view = make_view(data, len(units), units=units, method="units")
        mat = np.eye(width)[list(units)]
        anchor = data.mean(axis=0)
        anchor[list(units)] = 0.0
        note = "units " + ", ".join(str(u + 1) for u in units) + f" of {width}"
        return Projection(view, mat, np.zeros(width), anchor, view.axis_labels(stage), note)
    view = make_view(data, dims, method="pca")
    share = float(np.sum(view.explained)) * 100
    return Projection(view, view.axes, view.center, view.center, view.axis_labels(stage),
                      f"PCA of {width} units ({share:.0f}% of variance)")


def align_signs(current: Projection, previous: Projection | None) -> Projection:
    """Flip PCA axes of ``current`` to point like ``previous`` (for views refitted frame by
    frame, e.g. over training), so the picture does not mirror between frames."""
    if (previous is None or current.view.method != "pca" or previous.view.method != "pca"
            or previous.matrix.shape != current.matrix.shape):
        return current
    flip = np.where(np.sum(current.matrix * previous.matrix, axis=1) < 0, -1.0, 1.0)
    if np.all(flip > 0):
        return current
    view = View("pca", center=current.view.center, axes=current.view.axes * flip[:, None],
                explained=current.view.explained)
    return Projection(view, view.axes, current.origin, current.anchor, current.labels,
                      current.note)


def square_limits(data: Array, extra: Array | None = None, reach: float = 0.6,
                  margin: float = 0.06) -> tuple[Array, Array]:
    """Limits (lo, hi) per axis, all of the same length (equal scales, square panels).

    The box holds the data and as much of ``extra`` (the carried input window) as lies within
    ``reach`` × the data's span beyond it, so a window blown up by a layer does not squash the
    data into a corner. Inputs are (N, k) arrays; NaN/inf rows are ignored."""
    def finite(a: Array) -> Array:
        return a[np.all(np.isfinite(a), axis=1)]

    data = finite(np.asarray(data, dtype=np.float64))
    lo, hi = data.min(axis=0), data.max(axis=0)
    span = float((hi - lo).max()) or 1.0
    if extra is not None and len(extra):
        extra = finite(np.asarray(extra, dtype=np.float64))
        if len(extra):
            lo = np.maximum(np.minimum(lo, extra.min(axis=0)), lo - reach * span)
            hi = np.minimum(np.maximum(hi, extra.max(axis=0)), hi + reach * span)
    centre = (lo + hi) / 2
    half = float((hi - lo).max()) / 2 or 0.5
    half *= 1.0 + margin
    return centre - half, centre + half


def continue_from(net: MLP, stage: int, h: Array) -> Array:
    """The network's outputs for points ``h`` (N, width) placed at stage index ``stage``
    (``MLP.forward_from``; past the input in float64, as the pictures draw the function)."""
    if stage == 0:
        return net.forward(np.asarray(h, dtype=np.float64))
    return net.forward_from(stage, h, dtype=np.float64)
