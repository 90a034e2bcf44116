"""A recurrent layer through the lens: the state's path, and one step as the five operations.

**The state's path.** An Elman layer (``nn.recurrent.RecurrentNet``, one layer or any layer of
a stack) reads a sequence x_1 … x_T and moves its state through the state's own space ℝᴴ:

    h_0 = 0,   h_t = a(W_hh·h_{t−1} + W_ih·x_t + b_ih + b_hh),   t = 1 … T

(for layer l > 0 the "input" x_t is layer l − 1's state). ``state_path`` keeps h_0, h_1, …, h_T
for a batch of sequences, (n, T + 1, H), and a ``View`` (``representations.make_view``) that
draws them: 2 units in their own coordinates, 3 units in 3-D, more units through a PCA fitted
on all n·(T + 1) states (or chosen units); ``StatePath.note`` says which, for a caption.

**One step as the five operations.** With the SVD W_hh = UΣVᵀ (``operations.proper_svd``: U and
V proper rotations; a square W_hh with det < 0 keeps one reflection), the step

    h′ = a( U·Σ·Vᵀ·h  +  c_t ),      c_t = W_ih·x_t + b_ih + b_hh

is, in order (``step_operations``): rotate by Vᵀ, [reflect], scale by Σ, rotate by U — the same
rotate–scale–rotate of the state's own space at every step, for every sequence — then translate
by c_t, then bend by a. The five operations of a dense layer (``operations.GROUPS``) are all
there but one: **raise/lower dimension is the identity**, W_hh maps H → H (``DIMENSION_NOTE``).
The translation is what the input does, and unlike a dense layer's bias it differs from step
to step and from sequence to sequence: c_t is one vector per row of the batch (with ±1 inputs,
one of two vectors: the input pushes the state one way or the other). The stages are the
dense lens's own types: a ``LayerOperations`` whose steps are ``operations.Step`` s (built by
``operations.decompose`` on (W_hh, b_ih + b_hh, a), its translation replaced by the per-row
one), so ``RecurrentStep.stages()`` is ``LayerOperations.run`` and the animation can use
``LayerOperations.frames``. Composing the stages gives the network's own next state (to
rounding: tested to 1e-12 in float64).

**The GRU: its candidate decomposed, the update gate as a last translation.** A GRU's step
(``nn.recurrent``: r, z the reset and update gates, σ(·) of W_i·x + b_i + W_h·h + b_h)

    n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)),   h′ = n + z ⊙ (h − n)

is, with W_hn = UΣVᵀ: rotate Vᵀ, [reflect], scale Σ, rotate U, translate by b_hn (the same for
every row), then **scale each unit by r** (a second, per-row diagonal scale: the reset gate
decides how much of the old state's image reaches the candidate), translate by the input's
W_in·x_t + b_in, bend by tanh — that is the candidate n — and last **translate by
z ⊙ (h − n)**, per row: each point moves from its candidate back toward its old state by the
update gate's share z (z = 0 keeps n, z = 1 keeps h). The gates depend on the point (h, x), so
r and z are computed from the batch and those steps, like the input's translation, hold only
for its rows. The LSTM (a second state, c) is not decomposed: ``step_operations`` refuses it
with a ``ConfigError`` naming ``cell``; its path (``state_path``) is drawn all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from depthlens.errors import ConfigError
from depthlens.lens.operations import Frame, LayerOperations, Step, decompose
from depthlens.lens.representations import View, make_view, separating_hyperplane
from depthlens.nn.recurrent import RecurrentNet

Array = np.ndarray

DIMENSION_NOTE = ("raise/lower dimension: none — W_hh maps the state's space to itself "
                  "(H → H), so a recurrent step never changes the dimension")
"""What the fifth operation is in a recurrent step: the identity (for captions)."""


def _check_layer(net: RecurrentNet, layer: int) -> int:
    if isinstance(layer, bool) or not isinstance(layer, int | np.integer) or not (
            -net.n_layers <= layer < net.n_layers):
        raise ConfigError("layer", layer, f"an index in [{-net.n_layers}, {net.n_layers - 1}]")
    return int(layer) % net.n_layers


def layer_inputs(net: RecurrentNet, x: Array, layer: int = 0) -> tuple[Array, Array]:
    """What layer ``layer`` reads and where it goes, from one forward pass (``net.trace``):
    (its inputs (n, T, I_l): x itself for layer 0, the layer below's states above it;
    its states h_1 … h_T (n, T, H)), both float64."""
    layer = _check_layer(net, layer)
    tr = net.trace(x)
    inputs = tr.inputs if layer == 0 else tr.states[layer - 1]
    return np.asarray(inputs, dtype=np.float64), np.asarray(tr.states[layer], dtype=np.float64)


@dataclass
class StatePath:
    """The states of a batch of sequences: ``states`` (n, T + 1, H) with h_0 = 0 first, the
    ``inputs`` (n, T, I) the layer read, and the ``view`` they are drawn through (``dims``
    coordinates)."""

    states: Array
    inputs: Array
    view: View
    dims: int
    layer: int = 0

    @property
    def hidden(self) -> int:
        """H, the state's units."""
        return int(self.states.shape[2])

    @property
    def steps(self) -> int:
        """T, the steps of every sequence."""
        return int(self.states.shape[1] - 1)

    @property
    def final(self) -> Array:
        """h_T (n, H): what the readout reads."""
        return self.states[:, -1]

    def drawn(self, points: Array | None = None) -> Array:
        """Points of the state space (…, H; default the whole path) in the view's
        coordinates (…, dims)."""
        p = self.states if points is None else np.asarray(points, dtype=np.float64)
        flat = p.reshape(-1, p.shape[-1])
        return self.view(flat).reshape(*p.shape[:-1], -1)

    @property
    def labels(self) -> list[str]:
        """Axis labels: 'unit 1', … or 'PC1 (71%)', …"""
        if self.view.method == "own":
            return [f"unit {i + 1}" for i in range(self.hidden)]
        if self.view.method == "units":
            return [f"unit {i + 1}" for i in self.view.units]
        return [f"PC{i + 1} ({100 * e:.0f}%)" for i, e in enumerate(self.view.explained)]

    @property
    def note(self) -> str:
        """How the space is drawn, for a caption."""
        if self.view.method == "own":
            return f"the state's own {self.hidden} units"
        if self.view.method == "units":
            return (f"units {', '.join(str(u + 1) for u in self.view.units)} of {self.hidden} "
                    "(the others not shown)")
        share = 100 * float(np.sum(self.view.explained))
        return (f"a PCA of all {self.states.shape[0]}·{self.steps + 1} states of the "
                f"{self.hidden}-D space ({share:.0f}% of their variance)")


def state_path(net: RecurrentNet, x: Array, layer: int = 0, dims: int | None = None,
               units: tuple[int, ...] | None = None) -> StatePath:
    """The path h_0 = 0, h_1, …, h_T of every sequence in x (n, T, I) through layer
    ``layer``'s state space, read from the network's own forward pass.

    ``dims``: 2 or 3 drawn coordinates (default: 2 for H ≤ 2, 3 for H = 3, 2 — a PCA — beyond);
    a state of at most ``dims`` units is drawn in its own units, a wider one through ``units``
    or a PCA fitted on all n·(T + 1) states."""
    layer = _check_layer(net, layer)
    inputs, states = layer_inputs(net, x, layer)
    n, _, h = states.shape
    path = np.concatenate([np.zeros((n, 1, h)), states], axis=1)
    if dims is None:
        dims = 3 if h == 3 else 2
    view = make_view(path.reshape(-1, h), dims=dims, units=units)
    return StatePath(path, inputs, view, min(dims, h) if view.method == "own" else dims, layer)


def readout_boundary(net: RecurrentNet) -> tuple[Array, Array] | None:
    """The readout's decision boundary in the last layer's state space, {h : w·h + b′ = 0}:
    (w (1, H), b′ (1,)), as ``representations.separating_hyperplane`` finds it for a dense
    output layer (b′ = b − the logit at the head's threshold; for two softmax outputs the
    difference of their rows). None when the head has no single flat boundary."""
    readout = SimpleNamespace(weights=[net.tensors["readout.weight"]],
                              biases=[net.tensors["readout.bias"]], head=net.head)
    return separating_hyperplane(readout)  # type: ignore[arg-type]


def boundary_in_view(path: StatePath, normal: Array, offset: Array | float
                     ) -> tuple[Array, float] | None:
    """The boundary {h : n·h + c = 0} as drawn: (normal (dims,), offset) in the view's
    coordinates, None if it is parallel to the drawn plane.

    Own units: unchanged. Chosen units: the slice where the other units are 0 (n restricted to
    the units, c unchanged). PCA (h = μ + Aᵀp): n·(μ + Aᵀp) + c = 0, i.e. normal A·n, offset
    n·μ + c — the boundary's trace on the drawn plane through the states' mean."""
    n = np.asarray(normal, dtype=np.float64).reshape(-1)
    c = float(np.asarray(offset, dtype=np.float64).reshape(-1)[0])
    view = path.view
    if view.method == "own":
        out, off = n, c
    elif view.method == "units":
        out, off = n[list(view.units)], c
    else:
        out, off = view.axes @ n, float(n @ view.center) + c
    if not np.any(np.abs(out) > 1e-12 * max(1.0, float(np.abs(n).max()))):
        return None
    return out, off


def _format_vector(v: Array) -> str:
    return "(" + ", ".join(f"{x:+.2f}" for x in v) + ")"


def _translation_caption(inputs: Array, c: Array) -> str:
    """Words for the per-row translation: each distinct one with its input when there are at
    most three, else its mean and spread."""
    rows, first = np.unique(np.round(inputs, 12), axis=0, return_index=True)
    if len(rows) <= 3:
        parts = [f"x = {_format_vector(inputs[i]) if inputs.shape[1] > 1 else f'{inputs[i, 0]:+g}'}"
                 f" → {_format_vector(c[i])}" for i in first]
        return "translate by W_ih·x + b: " + "; ".join(parts)
    spread = ", ".join(f"{v:.2f}" for v in c.std(0))
    return (f"translate by W_ih·x + b, one vector per sequence: mean {_format_vector(c.mean(0))}"
            f", spread ({spread})")


def _check_rows(p: Array, n: int) -> None:
    if p.shape[0] != n:
        raise ConfigError("points", f"{p.shape[0]} rows",
                          f"{n}: the batch whose inputs made this step")


def _row_translation_step(c: Array, caption: str, label: str, **params: object) -> Step:
    """The translation by c (N, H), one vector per row: p → p + t·c (the rows must be the
    batch's, in order; ``params['vectors']`` holds c)."""
    h = c.shape[1]

    def translate(p: Array, t: float) -> Frame:
        _check_rows(p, c.shape[0])
        out = p.copy()
        out[:, :h] += t * c
        return Frame(out, np.zeros(p.shape[0]))

    return Step("translate", caption, translate, {"vectors": c.copy(), **params}, label, "out")


def _input_translation_step(inputs: Array, c: Array, label: str = "+ W_ih·x + b") -> Step:
    """The input's translation c = W_ih·x_t + b, one vector per row."""
    caption = _translation_caption(inputs, c)
    if label != "+ W_ih·x + b":
        caption = caption.replace("W_ih·x + b", label.removeprefix("+ "))
    return _row_translation_step(c, caption, label, inputs=inputs.copy(), input=True)


def _row_scale_step(r: Array) -> Step:
    """Each row's units scaled by its own factors r (N, H): p → p ⊙ ((1 − t) + t·r)."""
    h = r.shape[1]

    def scale(p: Array, t: float) -> Frame:
        _check_rows(p, r.shape[0])
        out = p.copy()
        out[:, :h] *= (1.0 - t) + t * r
        return Frame(out, np.zeros(p.shape[0]))

    caption = (f"scale each unit by the reset gate r (per sequence: mean "
               f"{_format_vector(r.mean(0))}, from {r.min():.2f} to {r.max():.2f})")
    return Step("scale", caption, scale, {"row_factors": r.copy()}, "\u2299 r", "out")


@dataclass
class RecurrentStep:
    """Step t (1-based) of a batch: ``before`` h_{t−1} (N, H) → h_t through ``operations``
    (the dense lens's ``LayerOperations`` of W_hh (a GRU: W_hn), its translation per row:
    ``translation`` c_t = W_ih·x_t + b_ih + b_hh (N, H) (a GRU: W_in·x_t + b_in), from
    ``inputs`` x_t (N, I))."""

    t: int
    before: Array
    inputs: Array
    translation: Array
    operations: LayerOperations

    @property
    def steps(self) -> list[Step]:
        """The operations in order: rotate Vᵀ, [reflect], scale Σ, rotate U, translate, bend
        (a GRU: … rotate U, + b_hn, ⊙ r, + W_in·x + b_in, tanh, + z ⊙ (h − n))."""
        return self.operations.steps

    @property
    def input_index(self) -> int:
        """Where the input arrives: the index of the input's translation in ``steps``."""
        return next(i for i, s in enumerate(self.steps) if s.params.get("input"))

    def stages(self) -> list[Array]:
        """The batch's points before the step and after each operation: [h_{t−1}, Vᵀh, ΣVᵀh,
        W_hh·h, W_hh·h + c_t, a(W_hh·h + c_t) = h_t] for an Elman layer, each (N, H)."""
        return self.operations.run(self.before)

    @property
    def after(self) -> Array:
        """h_t (N, H), composed from the stages."""
        return self.stages()[-1]

    def frames(self, per_step: int = 8) -> list[tuple[int, float, Frame]]:
        """``LayerOperations.frames`` of the batch: (operation index, t, frame)."""
        return self.operations.frames(self.before, per_step)

    def captions(self) -> list[str]:
        return self.operations.captions()


def step_operations(net: RecurrentNet, x: Array, t: int, layer: int = 0,
                    path: StatePath | None = None) -> RecurrentStep:
    """Step t ∈ 1 … T of layer ``layer`` for every sequence of x, as the five operations
    (module docstring): h_{t−1} from the network's own forward pass (or ``path``, the same
    batch's ``state_path``). Elman: W_hh = UΣVᵀ's rotate, scale, rotate, the input's
    translation c_t, the bend. GRU: the same of W_hn, + b_hn, ⊙ r, + W_in·x_t + b_in, tanh
    (the candidate n), then + z ⊙ (h − n). ConfigError naming ``cell`` for an LSTM."""
    if net.cell not in ("elman", "gru"):
        raise ConfigError("cell", net.cell, "'elman' or 'gru': an LSTM step also carries its "
                          "cell state c, which these stages do not draw (see lens.recurrent)")
    layer = _check_layer(net, layer)
    if path is None or path.layer != layer:
        path = state_path(net, x, layer)
    steps = path.steps
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or not 1 <= t <= steps:
        raise ConfigError("t", t, f"a step in 1 … {steps}")
    p = {k: np.asarray(v, dtype=np.float64) for k, v in net.tensors.items()}
    w_ih, w_hh = p[f"weight_ih_l{layer}"], p[f"weight_hh_l{layer}"]
    b_ih, b_hh = p[f"bias_ih_l{layer}"], p[f"bias_hh_l{layer}"]
    x_t = path.inputs[:, t - 1]
    h = path.states[:, t - 1].copy()
    if net.cell == "elman":
        bias = b_ih + b_hh
        c = x_t @ w_ih.T + bias
        ops = decompose(w_hh, bias, net.activation)
        ops.steps = [_input_translation_step(x_t, c) if s.kind == "translate" else s
                     for s in ops.steps]
        return RecurrentStep(int(t), h, x_t.copy(), c, ops)
    units = net.hidden
    gi = x_t @ w_ih.T + b_ih  # (N, 3H): r | z | n
    gh = h @ w_hh.T + b_hh
    r = 1.0 / (1.0 + np.exp(-(gi[:, :units] + gh[:, :units])))
    z = 1.0 / (1.0 + np.exp(-(gi[:, units: 2 * units] + gh[:, units: 2 * units])))
    c = gi[:, 2 * units:]  # W_in·x_t + b_in
    n = np.tanh(c + r * gh[:, 2 * units:])
    ops = decompose(w_hh[2 * units:], b_hh[2 * units:], "tanh")
    steps: list[Step] = []
    for s in ops.steps:
        if s.kind == "translate":
            s.caption = s.caption.replace("translate by", "translate by b_hn =", 1)
            s.label = "+ b_hn"
            steps += [s, _row_scale_step(r), _input_translation_step(x_t, c, "+ W_in·x + b_in")]
        else:
            steps.append(s)
    mix = z * (h - n)
    steps.append(_row_translation_step(
        mix, f"mix: move each state from its candidate n back toward h_(t−1) by the update gate"
        f" z (mean {_format_vector(z.mean(0))}): + z ⊙ (h − n)", "+ z\u2299(h \u2212 n)",
        update_gate=z.copy()))
    ops.steps = steps
    return RecurrentStep(int(t), h, x_t.copy(), c, ops)


def unrolled(net: RecurrentNet, x: Array, layer: int = 0) -> list[RecurrentStep]:
    """Every step 1 … T of x's sequences (``step_operations``), sharing one forward pass."""
    path = state_path(net, x, layer)
    return [step_operations(net, x, t, layer, path) for t in range(1, path.steps + 1)]
