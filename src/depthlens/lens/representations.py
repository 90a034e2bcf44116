"""Where the data, and a grid of lines of the input space, sit in every layer of a network.

A network with L dense layers has the stages

    input, z1, a1, z2, a2, …, zL, output            (z = W·a + b, a = act(z), output = head(zL))

and ``represent(net, x)`` returns the points at all of them from one forward pass (the engine's
``Trace``: the lens reads what the forward pass keeps, it does not recompute it another way).
``grid_lines`` draws the lines of the input plane (or of the input line, for 1-D data) densely
enough that, carried through the same stages, the bending shows.

A stage of 1, 2 or 3 units is drawn in its own coordinates with equal axis scales (so scaling by
W stays visible). A wider stage is drawn through chosen units or a PCA fitted on the data's
representation at that stage (``View``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from depthlens.errors import ConfigError
from depthlens.nn.activations import ACTIVATIONS
from depthlens.nn.network import MLP

Array = np.ndarray


@dataclass(frozen=True)
class Stage:
    """One place in the network: its ``name`` ('input', 'z1', 'a1', …, 'output'), the dense
    layer it belongs to (0 for the input, l for zl and al), whether it is pre- or post-
    activation, and its width."""

    name: str
    layer: int
    kind: str  # 'input', 'pre', 'post', 'output'
    width: int
    label: str


def stages(net: MLP) -> list[Stage]:
    """Every stage of ``net`` in forward order."""
    out = [Stage("input", 0, "input", net.sizes[0], f"input ({net.sizes[0]}-D)")]
    for k in range(net.n_layers):
        w = net.sizes[k + 1]
        last = k == net.n_layers - 1
        act = net.head.output if last else net.activations[k]
        out.append(Stage(f"z{k + 1}", k + 1, "pre", w, f"layer {k + 1}: W·x + b ({w}-D)"))
        out.append(Stage("output" if last else f"a{k + 1}", k + 1, "output" if last else "post",
                         w, f"layer {k + 1}: {act} ({w}-D)"))
    return out


def stage_index(net: MLP, stage: str | int) -> int:
    """Position of a stage given by name or index (negative counts from the end)."""
    names = [s.name for s in stages(net)]
    if isinstance(stage, int | np.integer):
        if -len(names) <= stage < len(names):
            return int(stage) % len(names)
        raise ConfigError("stage", stage, f"an index in [{-len(names)}, {len(names) - 1}]")
    aliases = {f"a{net.n_layers}": "output", "last_hidden": names[-3] if len(names) > 3
               else "input"}
    key = aliases.get(stage, stage)
    if key not in names:
        raise ConfigError("stage", stage, names)
    return names.index(key)


def represent(net: MLP, x: Array) -> list[Array]:
    """The points at every stage (same order as ``stages``), each (N, width), float64."""
    tr = net.trace(x)
    out = [np.asarray(tr.inputs, dtype=np.float64)]
    for z, a in zip(tr.pre, tr.post):
        out.append(np.asarray(z, dtype=np.float64))
        out.append(np.asarray(a, dtype=np.float64))
    return out


def last_hidden(net: MLP) -> int:
    """Stage index of the last hidden layer's activation (the input if there is none)."""
    return max(0, 2 * (net.n_layers - 1))


@dataclass
class GridLines:
    """Lines of the input space: ``points`` (n_lines · per_line, d) and ``line_id`` for each
    point, so the i-th line is ``points[line_id == i]`` in order along the line."""

    points: Array
    line_id: Array

    def lines(self, carried: Array) -> list[Array]:
        """Split carried points (same order as ``points``) back into polylines."""
        return [carried[self.line_id == i] for i in range(int(self.line_id.max()) + 1)]


def grid_lines(extent: tuple[float, float] = (-6.0, 6.0), n_lines: int = 13,
               per_line: int = 121, dim: int = 2) -> GridLines:
    """For 2-D: ``n_lines`` vertical and ``n_lines`` horizontal lines across extent²; for 1-D:
    the line itself. Each line holds ``per_line`` points."""
    lo, hi = extent
    along = np.linspace(lo, hi, per_line)
    if dim == 1:
        return GridLines(along[:, None], np.zeros(per_line, dtype=np.int64))
    if dim != 2:
        raise ConfigError("grid dimension", dim, [1, 2])
    at = np.linspace(lo, hi, n_lines)
    pts, ids = [], []
    for i, c in enumerate(at):
        pts.append(np.column_stack([np.full(per_line, c), along]))
        ids.append(np.full(per_line, i))
    for i, c in enumerate(at):
        pts.append(np.column_stack([along, np.full(per_line, c)]))
        ids.append(np.full(per_line, n_lines + i))
    return GridLines(np.concatenate(pts), np.concatenate(ids).astype(np.int64))


@dataclass
class View:
    """A map from a stage's width to at most 3 drawable coordinates.

    ``method`` 'own' (width ≤ 3: the units themselves), 'units' (the chosen ``units``) or 'pca'
    (projection on the top principal axes of ``fit`` data: mean ``center``, axes ``axes`` rows).
    """

    method: str
    units: tuple[int, ...] = ()
    center: Array | None = None
    axes: Array | None = None
    explained: Array | None = None

    def __call__(self, points: Array) -> Array:
        if self.method == "own":
            return points
        if self.method == "units":
            return points[:, list(self.units)]
        return (points - self.center) @ self.axes.T

    def axis_labels(self, stage: Stage) -> list[str]:
        if self.method == "own":
            return [f"unit {i + 1}" for i in range(stage.width)]
        if self.method == "units":
            return [f"unit {i + 1}" for i in self.units]
        return [f"PC{i + 1} ({100 * e:.0f}%)" for i, e in enumerate(self.explained)]


def make_view(data: Array, dims: int = 2, units: tuple[int, ...] | None = None,
              method: str | None = None) -> View:
    """Choose how to draw a stage whose data representation is ``data`` (N, width).

    Width ≤ dims: own coordinates. Otherwise the given ``units`` or, by default, a PCA fitted
    on ``data`` keeping ``dims`` axes.
    """
    width = data.shape[1]
    if dims not in (2, 3):
        raise ConfigError("dims", dims, [2, 3])
    if method is None:
        method = "own" if width <= dims else ("units" if units is not None else "pca")
    if method == "own":
        return View("own")
    if method == "units":
        units = tuple(units or range(min(dims, width)))
        for u in units:
            if not 0 <= u < width:
                raise ConfigError("units", u, f"unit indices in [0, {width - 1}]")
        return View("units", units=units)
    if method != "pca":
        raise ConfigError("view", method, ["own", "units", "pca"])
    center = data.mean(axis=0)
    xc = data - center
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    keep = min(dims, vt.shape[0])
    var = s**2
    total = var.sum() or 1.0
    axes = vt[:keep]
    # Sign rule: the largest |entry| of each axis positive, so views are stable across frames.
    flip = np.sign(axes[np.arange(keep), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(flip == 0, 1.0, flip)[:, None]
    return View("pca", center=center, axes=axes, explained=var[:keep] / total)


@functools.cache
def _threshold_logit(output: str, low: float) -> float | None:
    """The logit c at which a one-unit head with activation ``output`` changes its decision
    (``Head.decide``: a(z) > (low + 1)/2), so that the decision is z > c; None for 'sine',
    whose decision is not one side of one threshold. Every other activation crosses the
    threshold once (swish and gelu dip below 0 but never up to it), found by bisection."""
    if output == "sine":
        return None
    target = (low + 1.0) / 2.0
    fn = ACTIVATIONS[output]
    lo, hi = -60.0, 60.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if fn(np.array([mid]))[0] > target:
            hi = mid
        else:
            lo = mid
    return hi


def separating_hyperplane(net: MLP) -> tuple[Array, Array] | None:
    """The output layer's (W, b) as seen from the last hidden layer: its decision boundary
    there is flat. For one output unit the boundary is {h : w·h + b = c}, c = the logit at the
    decision threshold (0 for sigmoid/softmax/tanh outputs, 0.5 for a linear, relu or elu 0/1
    output). Returns (W, b − c) so the boundary is always W·h + b' = 0; None for a sine output
    (no single threshold) and for heads with more than two outputs."""
    w = net.weights[-1].astype(np.float64)
    b = net.biases[-1].astype(np.float64)
    head = net.head
    if w.shape[0] == 1:
        c = _threshold_logit(head.output, head.low)
        return None if c is None else (w, b - c)
    if w.shape[0] == 2 and head.output == "softmax":
        return (w[1] - w[0])[None, :], np.array([b[1] - b[0]])
    return None
