"""The five-operation player: one layer of the live network, animated one operation at a time.

The page asks ``{type: "operations", layer, per_step, points}`` and gets one binary frame with
every frame of the animation, which it plays or scrubs on its own (no further messages while it
plays). ``layer`` counts the dense layers from 0 (the output layer is the last).

What is animated. The layer y = a(W·x + b) is split by ``lens.operations.decompose`` exactly as
``depthlens animate`` / ``explain`` split it: W = UΣVᵀ gives rotate (Vᵀ), [reflect, only for a
square W with det W < 0], scale by σ₁ … σ_k, change dimension n → m, rotate (U), translate by
b and bend by a, each filed under one of the article's five operations (``Step.group``:
raise/lower dimension, scale, rotate, translate, bend; the header's ``groups``). Each step is
played over ``per_step`` frames (``LayerOperations.frames``), after one frame of the inputs,
so

    n_frames = 1 + per_step · n_steps,   step s covers frames 1 + s·per_step … (s + 1)·per_step.

Two sets of points are carried: up to ``MAX_POINTS`` training (or test) points, chosen by a
seeded draw so the same request always shows the same points, and ``2 · GRID_LINES`` lines of
``GRID_PER_LINE`` points over the data window (``view.extent``), both pushed through the
earlier layers with the engine's own forward pass (``represent``) to reach this layer's input.

Where it is drawn: each step in the space it acts in. The steps before the change of
dimension (Vᵀ, [reflect], Σ) act in the layer's input space of n coordinates, those after it
(U, + b, a) in its output space of m coordinates, and the change itself is shown in the larger
of the two (``Step.space``); a layer with n = m has one space. Each space is drawn one way for
every frame in it (``spaces`` in the header; each step names its ``space``, frame 0 is in
space 0), chosen by its dimension d only:

- d = 1: a number line, the points on rows by class (``line``);
- d = 2: flat, in its own coordinates (``own``, 2 display coordinates): the page draws both
  axes at one scale, so a rotation step is a rigid rotation on screen;
- d = 3: its own three coordinates (``own``, 3 display coordinates), which the page shows in
  an orthographic 3-D view whose axes are the coordinate axes (nothing data-dependent);
- d > 3: projected, through the top 3 principal axes of the data points of every frame drawn
  in that space (``pca``, from the d×d scatter matrix): P(p) = (p − c)·Aᵀ with c their mean
  and A the axes (rows), each axis signed so that its largest entry is positive.

The display arrays have the most display coordinates any space needs (a 2-D space's frames
are padded with zeros). A reflection's out-of-space coordinate (``Frame.depth``) is drawn as
perspective, as the CLI does: a point at depth δ is scaled by f / (f − δ) with f = 4·reach
(coming out of the page enlarges), which is the identity whenever δ = 0, i.e. at every step's
ends.

The header says all of this (each space's ``method``, ``dims``, axis ``labels``, a ``how`` in
words, and for PCA ``center`` and ``axes``), so a reader can check that the first frame is
P₀(input) and the last is P_last(a(W·x + b)).

Size. The arrays are float32, (n_frames, N, dims) each; when 1 + per_step·n_steps frames of
every point would pass ``MAX_BYTES``, per_step is lowered (the header's ``per_step`` is the one
used), so the answer stays below about 1.5 MB.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from depthlens.experiment.session import Session
from depthlens.lens.operations import GROUPS, LayerOperations, Step, decompose
from depthlens.lens.representations import grid_lines, represent
from depthlens.web import palettes
from depthlens.web.frames import encode_frame
from depthlens.web.heatmaps import PlaneView
from depthlens.web.panel_registry import Panel, PanelRegistry
from depthlens.web.protocol import PageMessage, ProtocolError

Array = np.ndarray

MAX_POINTS = 400
"""Training (or test) points carried at most (a seeded subsample beyond this)."""
GRID_LINES = 9
"""Lines per direction over the data window."""
GRID_PER_LINE = 40
"""Points along each grid line."""
MAX_BYTES = 1_400_000
"""Budget of the arrays; per_step is lowered to stay under it."""
MIN_PER_STEP = 2
MAX_PER_STEP = 24
SAMPLE_SEED = 0


class OperationsMessage(PageMessage):
    """``{type: 'operations', layer, per_step, points}``: the animation of dense layer ``layer``
    (0-based, the output layer last), ``per_step`` frames per operation, carrying the
    ``train`` or ``test`` points."""

    type: Literal["operations"]
    layer: int = Field(0, ge=0)
    per_step: int = Field(12, ge=MIN_PER_STEP, le=MAX_PER_STEP)
    points: Literal["train", "test"] = "train"


# -- choosing and carrying the points ----------------------------------------------------------
def sample_indices(n: int, cap: int = MAX_POINTS, seed: int = SAMPLE_SEED) -> Array:
    """Sorted positions of at most ``cap`` of ``n`` points: all of them, or a seeded draw
    without replacement (the same request shows the same points)."""
    if n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, cap, replace=False))


def layer_inputs(session: Session, layer: int, x: Array) -> Array:
    """The network's inputs ``x`` (N, n₀) carried to the input of dense layer ``layer``: stage
    2·layer of ``represent`` (the input itself, or the previous layer's activation)."""
    if layer == 0:
        return np.asarray(x, dtype=np.float64)
    return represent(session.net, x)[2 * layer]


def grid_of(view: PlaneView) -> tuple[Array, list[int]]:
    """Grid lines over the data window as raw inputs (P, 2), and each line's length."""
    lines = grid_lines(tuple(view.extent), n_lines=GRID_LINES, per_line=GRID_PER_LINE, dim=2)
    n_lines = int(lines.line_id.max()) + 1
    return lines.points, [GRID_PER_LINE] * n_lines


# -- projecting ---------------------------------------------------------------------------------
def perspective(points: Array, depth: Array, reach: float) -> Array:
    """Points (N, D) seen from a camera 4·reach in front of the page: p · f / (f − δ), f =
    4·reach, the factor kept at most 4 (identity when δ = 0)."""
    if not np.any(depth):
        return points
    f = 4.0 * reach
    return points * (f / np.maximum(f - depth, 0.25 * f))[:, None]


def space_index(ops: LayerOperations, step: Step) -> int:
    """Which of the layer's spaces (``layer_spaces``) a step is drawn in: 0 for the input's
    (or the only one when n = m), 1 for the output's."""
    return 0 if ops.n_in == ops.n_out or step.space == "in" else 1


def layer_spaces(ops: LayerOperations) -> list[dict[str, Any]]:
    """The spaces the layer's steps act in: ``role`` and dimension ``dim`` of each, the input's
    first (one space when n = m)."""
    if ops.n_in == ops.n_out:
        return [{"role": "layer", "dim": ops.n_in}]
    return [{"role": "input", "dim": ops.n_in}, {"role": "output", "dim": ops.n_out}]


def choose_projection(dim: int, data_points: Array) -> dict[str, Any]:
    """How a space of dimension ``dim`` is drawn (module docstring), as a JSON-able dict:
    ``method`` ('line', 'own', 'pca'), ``dims`` (display coordinates), and for PCA ``center``
    and ``axes``. ``data_points`` (..., dim): the data of every frame drawn in it (used only
    when dim > 3)."""
    if dim == 1:
        return {"method": "line", "dims": 2}
    if dim <= 3:
        return {"method": "own", "dims": dim}
    stacked = np.asarray(data_points, dtype=np.float64).reshape(-1, dim)
    center = stacked.mean(axis=0)
    xc = stacked - center
    # principal axes = eigenvectors of the d×d scatter XcᵀXc, largest eigenvalue first (the
    # same axes as the SVD of Xc, without its tall U)
    _, vectors = np.linalg.eigh(xc.T @ xc)
    axes = vectors[:, ::-1][:, :3].T
    flip = np.sign(axes[np.arange(3), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(flip == 0, 1.0, flip)[:, None]
    return {"method": "pca", "dims": 3, "center": center.tolist(), "axes": axes.tolist()}


def project(projection: dict[str, Any], points: Array, rows: Array | None = None) -> Array:
    """Points (..., d) of a space → its display coordinates (..., dims) by ``projection``.

    For 'line' (d = 1) the second coordinate is ``rows`` (a height per point; 0 if None)."""
    p = np.asarray(points, dtype=np.float64)
    method = projection["method"]
    if method == "own":
        return p
    if method == "line":
        height = np.zeros(p.shape[:-1]) if rows is None else np.broadcast_to(rows, p.shape[:-1])
        return np.stack([p[..., 0], height], axis=-1)
    center = np.asarray(projection["center"])
    axes = np.asarray(projection["axes"])
    return (p - center) @ axes.T


def describe_space(space: dict[str, Any], projection: dict[str, Any]) -> dict[str, Any]:
    """A space with its projection, axis ``labels`` and ``how`` it is drawn, in words."""
    d = space["dim"]
    method = projection["method"]
    unit = "x" if space["role"] == "input" else "y" if space["role"] == "output" else "u"
    if method == "pca":
        labels = [f"PC{i + 1}" for i in range(3)]
        how = f"projected: {d}-D drawn through 3 principal axes"
    elif method == "line":
        labels = [f"{unit}1"]
        how = "1-D: a number line (the points in rows by class)"
    else:
        labels = [f"{unit}{i + 1}" for i in range(d)]
        how = (f"{d}-D in its own coordinates (one scale on both axes)" if d == 2 else
               f"{d}-D in its own coordinates, orthographic (drag to turn)")
    return {**space, **projection, "labels": labels, "how": how}


def line_rows(labels: Array, problem: str, span: float) -> Array:
    """Heights of the data on a number line: a row per class with a seeded jitter (one band
    for regression), scaled by the spread ``span`` of the values."""
    n = len(labels)
    jitter = np.random.default_rng(SAMPLE_SEED).uniform(-0.3, 0.3, n)
    rows = np.asarray(labels, dtype=np.float64) if problem == "classification" else 0.0
    return (rows + jitter) * 0.12 * span


def fit_per_step(n_steps: int, n_points: int, dims: int, wanted: int,
                 budget: int = MAX_BYTES) -> int:
    """The largest per_step ≤ ``wanted`` (≥ MIN_PER_STEP) whose float32 arrays of
    (1 + per_step·n_steps) frames × ``n_points`` × ``dims`` fit ``budget`` bytes."""
    per_frame = 4 * n_points * dims
    most = (budget // per_frame - 1) // max(1, n_steps)
    return int(max(MIN_PER_STEP, min(wanted, most)))


# -- the panel -----------------------------------------------------------------------------------
def build(session: Session, view: PlaneView, request: OperationsMessage) -> bytes:
    """The animation of one layer (module docstring) as one binary frame of kind
    ``operations``: header (layer, steps with captions, groups, labels, spaces and frame
    ranges, the spaces, dims, bounds, epoch …) and arrays ``points`` (F, N, dims), ``grid``
    (F, P, dims) float32, ``codes`` (N,) uint8 (the data's colours in the output table) and
    ``index`` (N,) int32 (which training or test points they are)."""
    net = session.net
    n_layers = net.n_layers
    layer = request.layer
    if not 0 <= layer < n_layers:
        raise ProtocolError("layer", f"{layer} is not a layer of this {n_layers}-layer network; "
                            f"expected 0..{n_layers - 1}")
    if request.points == "test" and session.x_test is not None and len(session.x_test):
        x_all, y_all = session.x_test, session.test_data.y
    else:
        x_all, y_all = session.x_train, session.train_data.y
    index = sample_indices(len(x_all))
    x_data = layer_inputs(session, layer, x_all[index])
    grid_raw, line_lengths = grid_of(view)
    x_grid = layer_inputs(session, layer, session.transform(grid_raw))
    n_data, n_grid = len(x_data), len(x_grid)

    activation = net.layer_activations[layer]
    ops = decompose(net.weights[layer], net.biases[layer], activation)
    n_steps = len(ops.steps)
    spaces = layer_spaces(ops)
    dims_guess = max(2 if sp["dim"] <= 2 else 3 for sp in spaces)
    per_step = fit_per_step(n_steps, n_data + n_grid, dims_guess, request.per_step)
    raw = ops.frames(np.concatenate([x_data, x_grid]), per_step)

    ends = np.concatenate([raw[0][2].points[:n_data], raw[-1][2].points[:n_data]])
    reach = float(np.abs(ends).max()) if ends.size else 1.0
    reach = reach if reach > 0 and np.isfinite(reach) else 1.0
    ambient = np.stack([perspective(f.points, f.depth, reach) for _, _, f in raw])
    where = np.array([0 if i < 0 else space_index(ops, ops.steps[i]) for i, _, _ in raw])
    # a space's coordinates: the first d of the ambient D (the rest are 0 there), except the
    # change of dimension, which is seen in the larger space (d = D)
    widths = [sp["dim"] for sp in spaces]
    dims = max(2 if d <= 2 else 3 for d in widths)
    shown = np.zeros((len(raw), n_data + n_grid, dims), dtype=np.float32)
    described = []
    labels = np.asarray(y_all)[index]
    for k, space in enumerate(spaces):
        d = space["dim"]
        frames_k = ambient[where == k][..., :d]
        projection = choose_projection(d, frames_k[:, :n_data])
        rows = None
        if projection["method"] == "line":
            span = float(np.ptp(frames_k[:, :n_data, 0])) if n_data else 1.0
            span = span or 1.0
            rows = np.concatenate([line_rows(labels, session.problem, span),
                                   np.full(n_grid, -0.15 * span)])
        out = project(projection, frames_k, rows)
        shown[where == k, :, : out.shape[-1]] = out
        described.append(describe_space(space, projection))

    lo = shown.reshape(-1, dims).min(axis=0) if shown.size else np.zeros(dims)
    hi = shown.reshape(-1, dims).max(axis=0) if shown.size else np.ones(dims)
    steps = [{"name": step.kind, "group": step.group, "label": step.label,
              "caption": step.caption, "space": space_index(ops, step),
              "start": 1 + i * per_step, "count": per_step} for i, step in enumerate(ops.steps)]
    sizes = net.sizes
    header = {
        "kind": "operations",
        "layer": layer,
        "n_layers": n_layers,
        "n_in": ops.n_in,
        "n_out": ops.n_out,
        "activation": activation,
        "title": (f"{'Output layer' if layer == n_layers - 1 else f'Layer {layer + 1}'}: "
                  f"{sizes[layer]}→{sizes[layer + 1]} {activation}"),
        "ambient": ops.ambient,
        "reflected": ops.reflected,
        "singular_values": [float(v) for v in np.abs(ops.s)],
        "groups": list(GROUPS),
        "steps": steps,
        "spaces": described,
        "n_frames": len(raw),
        "per_step": per_step,
        "dims": dims,
        "n_points": n_data,
        "points": request.points,
        "line_lengths": line_lengths,
        "bounds": [[float(a), float(b)] for a, b in zip(lo, hi)],
        "epoch": session.epoch,
    }
    codes = palettes.label_codes(labels, session.problem, session.n_classes, view.scale)
    arrays = {
        "points": np.ascontiguousarray(shown[:, :n_data]),
        "grid": np.ascontiguousarray(shown[:, n_data:]),
        "codes": codes,
        "index": index.astype(np.int32),
    }
    return encode_frame(header, arrays)


def register_panels(registry: PanelRegistry) -> None:
    """Add this module's panel (the operation player, one-shot) to ``registry``."""
    registry.register(Panel("operations", OperationsMessage, build, live=False))
