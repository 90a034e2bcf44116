"""Two live panels of the playground: the hidden space and the separability bars.

**Hidden space** (message ``space``). Stage k of a network with L dense layers is

    stage 0 = the network's input h⁰ (after features and preprocessing),
    stage k = hᵏ = a(Wᵏ·hᵏ⁻¹ + bᵏ), the k-th hidden layer's activation (1 ≤ k < L),
    stage L = the head's output.

The panel carries the training (and/or test) points and a grid of lines of the input window
(``view.extent``; for 1-D data the input segment itself) through one forward trace of the
network to the chosen stage, then maps that stage's width-w space to the 2 (or 3) coordinates
drawn:

- ``units`` / ``3d``: two (three) chosen units, p = (h_i, h_j[, h_k]);
- ``pca`` / ``pca3``: the leading principal axes of the stage's *training* points. With the
  centred points X − μ = U·S·Vᵀ (SVD), the axes are the first rows v₁, v₂(, v₃) of Vᵀ (unit,
  orthogonal) and a point h is drawn at p = ((h − μ)·v₁, (h − μ)·v₂[, (h − μ)·v₃]). Axis i
  "explains" the fraction sᵢ² / Σ s² of the points' variance. An axis and its negative are both
  principal: each new axis takes the sign that agrees with the same subscription's previous
  axis (or, the first time, the sign making its largest entry positive), so the picture does
  not flip between frames;
- a stage of at most 2 (3) units is drawn in its own coordinates, padded with zeros (a 1-unit
  stage lies along the x axis at y = 0). The page does not offer what would only be this in
  disguise (``space.js``'s ``modesFor``): a stage of 1 or 2 units gets one entry, "its 2 units";
  PCA needs 3 units (2 axes) or 4 (3 axes), a 3-D view 3 units. A learner who picks "PCA" then
  always sees principal axes, never a layer's own coordinates under that name.

When the drawn stage is the last hidden layer and the output makes a single linear decision
there (``lens.representations.separating_hyperplane``: {h : w·h + b = 0}), the frame carries it
in drawn coordinates as ``[a₁, a₂(, a₃), c]`` meaning a·p + c = 0. Own coordinates: a = w,
exact. Chosen units: the slice through the training points' mean in the other units,
a = w_units, c = b + Σ_{other k} w_k·μ_k. PCA: the slice through the plane μ + Σ pᵢ·vᵢ, i.e.
a = V·w, c = w·μ + b.

**Separability bars** (message ``probes``): the score of a linear read-out (``lens.probes``:
logistic / softmax regression fitted by the engine for classification, scored by accuracy;
least squares scored by R² for regression) of every stage, on the training and the test points.
The classifier probe's full-batch Adam is capped at a step budget shared by the stages so a frame
stays around 30 ms on a 10×16 network; the input stage does not depend on the weights, so its
score is computed once per data set.

A subscription made for one network shape and re-sent after the shape changed (a layer removed
while its stage was shown) is adapted to the new network (the stage clamped to the output, the
units reset) instead of refused: the page subscribes again when it receives the new state.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr, field_validator

from depthlens.errors import ConfigError
from depthlens.experiment.session import Session
from depthlens.lens.probes import WarmStart, probe_stages
from depthlens.lens.representations import grid_lines, make_view, separating_hyperplane
from depthlens.web import palettes
from depthlens.web.frames import encode_frame
from depthlens.web.heatmaps import PlaneView
from depthlens.web.panel_registry import Panel, PanelRegistry
from depthlens.web.protocol import MAX_HIDDEN_LAYERS, PageMessage

Array = np.ndarray

SPACE_INTERVAL = 0.05
"""Least seconds between two live hidden-space frames (20 a second)."""
PROBES_INTERVAL = 1.0
"""Least seconds between two live probe frames: a fit per stage, warm-started (about 5 ms on
Playground's default network, 11 ms on 6×8); once a second keeps twenty tabs' bars from
taking the training's CPU."""
GRID_LINES = 13
"""Lines of the input window in each direction."""
GRID_POINTS = 61
"""Points along each grid line (enough for the bends of a tanh layer to show)."""
PROBE_STEP_BUDGET = 500
"""Adam steps of the classifier probes per frame, shared by the stages (~50 µs a step)."""
PROBE_STEPS = (40, 150)
WARM_STEPS = 30
"""Adam steps of a stage's probe started from its previous fit (the representation moved a
little since, a second of training ago)."""
"""Least and most Adam steps of one stage's probe."""
MAX_UNIT = 1023
"""Largest unit index a message may name (the network's width is checked in ``build``)."""

MODES = {"units": (2, "units"), "pca": (2, "pca"), "3d": (3, "units"), "pca3": (3, "pca")}
"""Mode → (drawn dimensions, method)."""


class SpaceMessage(PageMessage):
    """``{type: 'space', stage, mode, units?, show, on}``: subscribe to the hidden-space panel."""

    type: Literal["space"]
    on: bool = True
    stage: int = Field(0, ge=0, le=MAX_HIDDEN_LAYERS + 1)
    mode: Literal["units", "pca", "3d", "pca3"] = "pca"
    units: list[Annotated[int, Field(ge=0, le=MAX_UNIT)]] | None = Field(
        None, min_length=2, max_length=3)
    show: Literal["train", "test", "both"] = "train"

    _sizes: tuple[int, ...] | None = PrivateAttr(None)
    """The network shape this subscription was first answered for."""
    _axes: tuple[tuple[int, str], Array] | None = PrivateAttr(None)
    """(stage, mode) and the PCA axes last sent, for the sign rule."""

    @field_validator("units")
    @classmethod
    def _distinct(cls, units: list[int] | None) -> list[int] | None:
        if units is not None and len(set(units)) != len(units):
            raise ValueError("the units must be distinct")
        return units


class ProbesMessage(PageMessage):
    """``{type: 'probes', on}``: subscribe to the separability bars."""

    type: Literal["probes"]
    on: bool = True


# -- what does not change while a session trains -----------------------------------------------
@dataclass
class _Fixed:
    """Per view (one per Session build): the grid's network inputs, its line lengths, the
    points' colour codes, and the probes' warm starts."""

    grid_inputs: Array
    lines: list[int]
    train_codes: Array
    test_codes: Array
    probes: WarmStart = field(default_factory=lambda: WarmStart(WARM_STEPS))
    """Each stage's last classifier-probe fit (the next one starts from it) and the input
    stage's result (``lens.probes.WarmStart``)."""


_FIXED: weakref.WeakKeyDictionary[PlaneView, _Fixed] = weakref.WeakKeyDictionary()
_FIXED_LOCK = threading.Lock()  # builds of different tabs run on different threads


def _fixed(session: Session, view: PlaneView) -> _Fixed:
    with _FIXED_LOCK:
        got = _FIXED.get(view)
    if got is not None and view.session is session:
        return got
    raw_dim = int(session.dataset.x.shape[1])
    if raw_dim in (1, 2):
        g = grid_lines(tuple(view.extent), GRID_LINES, GRID_POINTS, dim=raw_dim)
        counts = np.bincount(g.line_id)  # the points come line by line, in order
        grid_inputs = np.asarray(session.transform(g.points), dtype=np.float64)
        lines = [int(c) for c in counts]
    else:  # a wide CSV: no plane to draw a grid of
        grid_inputs = np.zeros((0, int(session.x_train.shape[1])))
        lines = []
    args = (session.problem, session.n_classes, view.scale)
    got = _Fixed(grid_inputs, lines,
                 palettes.label_codes(session.train_data.y, *args),
                 palettes.label_codes(session.test_data.y, *args))
    with _FIXED_LOCK:
        _FIXED[view] = got
    return got


# -- the hidden space --------------------------------------------------------------------------
def count(n: int, word: str) -> str:
    """'1 unit', '2 units': a count of ``word``s, as the page writes it."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def stage_names(n_layers: int) -> list[str]:
    """'input', 'layer 1', …, 'layer L−1', 'output' for a network of ``n_layers`` dense
    layers."""
    return ["input", *[f"layer {k}" for k in range(1, n_layers)], "output"]


def _resolve(request: SpaceMessage, sizes: list[int]) -> tuple[int, list[int] | None]:
    """The stage and units of ``request`` checked against a network of layer ``sizes``;
    ConfigError naming the field if they do not fit (adapted instead when the request was made
    for another network shape: see the module's docstring)."""
    n_layers = len(sizes) - 1
    dims, method = MODES[request.mode]
    stale = request._sizes is not None and request._sizes != tuple(sizes)
    stage = request.stage
    if stage > n_layers:
        if not stale:
            raise ConfigError("stage", stage, f"a stage in 0..{n_layers} (0 the input, "
                              f"1..{n_layers - 1} the hidden layers, {n_layers} the output)")
        stage = n_layers
    width = sizes[stage]
    units = request.units
    if method == "units" and width > dims:
        if units is None:
            units = list(range(dims))
        elif len(units) != dims or max(units) >= width:
            if not stale:
                raise ConfigError("units", units, f"{dims} distinct unit indices in "
                                  f"0..{width - 1} ({stage_names(n_layers)[stage]} has "
                                  f"{count(width, 'unit')})")
            units = list(range(dims))
    else:
        units = None  # all units shown (own coordinates), or a PCA
    if request._sizes is None:
        request._sizes = tuple(sizes)
    return stage, units


def _pad(points: Array, dims: int) -> Array:
    """``points`` (n, w ≤ dims) with zero columns up to ``dims``."""
    if points.shape[1] >= dims:
        return points
    return np.concatenate([points, np.zeros((len(points), dims - points.shape[1]))], axis=1)


def _stable_axes(request: SpaceMessage, key: tuple[int, str], axes: Array) -> Array:
    """``axes`` (rows) with each sign agreeing with the subscription's previous axes for the
    same stage and mode (a principal axis is only defined up to sign)."""
    previous = request._axes
    if previous is not None and previous[0] == key and previous[1].shape == axes.shape:
        signs = np.sign(np.einsum("ij,ij->i", axes, previous[1]))
        axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    request._axes = (key, axes.copy())
    return axes


def _labels(session: Session, stage: int, n_layers: int, dims: int,
            units: list[int] | None, width: int) -> list[str]:
    if stage == 0:
        names = list(session.features or session.dataset.feature_names)
    elif stage == n_layers and session.problem == "classification" and width > 1:
        names = list(session.dataset.class_names)
    elif stage == n_layers:
        names = ["output"] if width == 1 else [f"output {i + 1}" for i in range(width)]
    else:
        names = [f"unit {i + 1}" for i in range(width)]
    names += [f"unit {i + 1}" for i in range(len(names), width)]
    chosen = [names[i] for i in units] if units is not None else names[:width]
    return (chosen + [""] * dims)[:dims]


def build_space(session: Session, view: PlaneView, request: SpaceMessage) -> bytes:
    """The hidden-space frame of ``request`` for the network as it is now."""
    net = session.net
    sizes = [int(s) for s in net.sizes]
    n_layers = len(sizes) - 1
    stage, units = _resolve(request, sizes)
    dims, method = MODES[request.mode]
    width = sizes[stage]
    fixed = _fixed(session, view)

    parts = [fixed.grid_inputs, session.x_train]
    if request.show != "train":
        parts.append(session.x_test)
    trace = net.trace(np.concatenate(parts, axis=0))
    rep = np.asarray(trace.inputs if stage == 0 else trace.post[stage - 1], dtype=np.float64)
    n_grid, n_train = len(fixed.grid_inputs), len(session.x_train)
    train = rep[n_grid:n_grid + n_train]

    explained: list[float] = []
    if width <= dims:  # own coordinates
        project = lambda h: _pad(h, dims)  # noqa: E731
        coeff = lambda w: _pad(w, dims)[0]  # noqa: E731
        mean_term = lambda w, b: float(b)  # noqa: E731
        exact, labels = True, _labels(session, stage, n_layers, dims, None, width)
    elif method == "units":
        cols = list(units or [])
        project = lambda h: h[:, cols]  # noqa: E731
        mu = train.mean(axis=0) if len(train) else np.zeros(width)
        others = np.setdiff1d(np.arange(width), cols)
        coeff = lambda w: w[0, cols]  # noqa: E731
        mean_term = lambda w, b: float(b + w[0, others] @ mu[others])  # noqa: E731
        exact, labels = False, _labels(session, stage, n_layers, dims, cols, width)
    else:
        pca = make_view(train, dims, method="pca")
        assert pca.center is not None and pca.axes is not None and pca.explained is not None
        axes = _stable_axes(request, (stage, request.mode), pca.axes)
        center = pca.center
        project = lambda h: (h - center) @ axes.T  # noqa: E731
        coeff = lambda w: axes @ w[0]  # noqa: E731
        mean_term = lambda w, b: float(w[0] @ center + b)  # noqa: E731
        explained = [float(e) for e in pca.explained]
        exact = False
        labels = [f"PC{i + 1} ({100 * e:.0f}%)" for i, e in enumerate(explained)]

    arrays: dict[str, Array] = {
        "points": project(rep[n_grid:]).astype(np.float32),
        "codes": (fixed.train_codes if request.show == "train" else
                  np.concatenate([fixed.train_codes, fixed.test_codes])),
        "grid": project(rep[:n_grid]).astype(np.float32),
    }
    if request.show == "test":  # traced with the train points; drop them
        arrays["points"] = arrays["points"][n_train:]
        arrays["codes"] = fixed.test_codes
    plane = "none"
    if stage == n_layers - 1 and session.problem == "classification":  # regression: no decision
        sep = separating_hyperplane(net)
        if sep is not None:
            w, b = sep
            arrays["hyperplane"] = np.append(coeff(w), mean_term(w, b[0])).astype(np.float32)
            plane = "exact" if exact else "slice"
    header: dict[str, Any] = {
        "kind": "space", "stage": stage, "stage_name": stage_names(n_layers)[stage],
        "stages": stage_names(n_layers), "width": width, "mode": request.mode, "dims": dims,
        "method": "own" if width <= dims else method, "units": units,
        "axis_labels": labels, "explained": explained, "lines": fixed.lines,
        "show": request.show,
        "n_train": n_train if request.show != "test" else 0,
        "hyperplane": plane, "epoch": session.epoch,
    }
    return encode_frame(header, arrays)


# -- the separability bars ---------------------------------------------------------------------
def probe_steps(n_stages: int) -> int:
    """Adam steps of each classifier probe when ``n_stages`` stages share the budget."""
    lo, hi = PROBE_STEPS
    return max(lo, min(hi, PROBE_STEP_BUDGET // max(1, n_stages)))


def build_probes(session: Session, view: PlaneView, request: ProbesMessage) -> bytes:
    """Linear-probe scores of every stage (input, each hidden layer, output): accuracy for
    classification, R² for regression, on training and test points."""
    net = session.net
    n_layers = net.n_layers
    fixed = _fixed(session, view)
    x_test = session.x_test if len(session.x_test) else None
    y_test = session.test_data.y if x_test is not None else None
    warm = fixed.probes
    cold = probe_steps(n_layers + (warm.input is None))
    classify = session.problem != "regression"
    steps = WARM_STEPS if warm.params else cold  # every hidden stage is warm after one fit
    names = stage_names(n_layers)
    # warm: each hidden stage starts from its last fit, where a few steps track the change
    results = probe_stages(net, session.x_train, session.train_data.y, x_test, y_test,
                           session.problem, session.n_classes, warm=warm,
                           **({"max_steps": cold} if classify else {}))
    metric = "r2" if session.problem == "regression" else "accuracy"

    def clean(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    header = {"kind": "probes", "stages": names, "widths": [r.width for r in results],
              "metric": metric, "train": [clean(r.train) for r in results],
              "test": [clean(r.test) for r in results],
              "steps": steps if classify else None,
              "epoch": session.epoch}
    return encode_frame(header, {})


def register_panels(registry: PanelRegistry) -> None:
    """Add this module's panels (the hidden space and the probes, both live) to ``registry``."""
    registry.register(Panel("space", SpaceMessage, build_space, live=True,
                            interval=SPACE_INTERVAL))
    registry.register(Panel("probes", ProbesMessage, build_probes, live=True,
                            interval=PROBES_INTERVAL))
