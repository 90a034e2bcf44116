"""Recurrent networks: Elman, GRU and LSTM layers with a dense readout, over one flat buffer.

A ``RecurrentNet`` reads a batch of sequences x (n, T, I), runs ``layers`` recurrent layers of
H units over them (layer l > 0 reads layer l − 1's states), maps the last layer's final state
h_T through a dense readout and hands the logits to the head (``losses.Head``), as the MLP's
last layer does:

    logits = h_T · W_outᵀ + b_out,   o = head(logits).

Every state starts at h₀ = 0 (and c₀ = 0 for the LSTM). The cells, with PyTorch's equations,
parameter names, shapes and gate order (``torch.nn.RNN`` / ``GRU`` / ``LSTM``), σ the logistic
function and ⊙ the elementwise product:

**Elman** (``cell="elman"``, ``activation`` tanh or relu), W_ih (H, I), W_hh (H, H):

    z_t = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh,   h_t = act(z_t)

**GRU**, W_ih (3H, I) and W_hh (3H, H) stacked r | z | n:

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)          (reset gate)
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)          (update gate)
    q_t = W_hn h_{t−1} + b_hn
    n_t = tanh(W_in x_t + b_in + r_t ⊙ q_t)                  (candidate)
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}  = n_t + z_t ⊙ (h_{t−1} − n_t)

**LSTM**, W_ih (4H, I) and W_hh (4H, H) stacked i | f | g | o:

    [i, f, g, o]_t = [σ, σ, tanh, σ](W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t,   h_t = o_t ⊙ tanh(c_t)

**Backprop through time.** With L the mean batch loss, δ = dL/dlogits from the head:

    dW_out = δᵀ h_T,   db_out = Σ_rows δ,   ∂L/∂h_T (from the readout) = δ · W_out.

Each layer gets e_t = ∂L/∂h_t from outside the recurrence (the readout at t = T for the last
layer; the layer above for the others) and runs backwards, t = T … 1, carrying
d_t = e_t + (what h_{t+1} sends back), d_{T+1} = 0. Writing a_t for the gate pre-activations
(a row of W_ih x_t + b_ih, and of W_hh h_{t−1} + b_hh):

Elman:  ∂a_t = d_t ⊙ act'(z_t)                 (tanh: 1 − h_t²; relu: [z_t > 0]),
        what h_{t−1} receives: ∂a_t · W_hh.
GRU:    ∂n = d ⊙ (1 − z),  ∂z = d ⊙ (h_{t−1} − n),  ∂aₙ = ∂n ⊙ (1 − n²),
        ∂a_r = (∂aₙ ⊙ q) ⊙ r(1 − r),  ∂a_z = ∂z ⊙ z(1 − z);
        input side ∂a^x = [∂a_r, ∂a_z, ∂aₙ], hidden side ∂a^h = [∂a_r, ∂a_z, r ⊙ ∂aₙ],
        what h_{t−1} receives: d ⊙ z + ∂a^h · W_hh.
LSTM:   ∂c_t = d_t ⊙ o ⊙ (1 − tanh²c_t) + ∂c_{t+1} ⊙ f_{t+1},
        ∂a = [∂c ⊙ g ⊙ i(1 − i), ∂c ⊙ c_{t−1} ⊙ f(1 − f), ∂c ⊙ i ⊙ (1 − g²),
              d ⊙ tanh c_t ⊙ o(1 − o)]  (both sides), what h_{t−1} receives: ∂a · W_hh.

and then, summed over the batch and every step (one matrix product each over all n·T rows):

    dW_ih = Σ_t ∂a^xᵀ_t x_t,  db_ih = Σ_t Σ_rows ∂a^x_t,
    dW_hh = Σ_t ∂a^hᵀ_t h_{t−1},  db_hh = Σ_t Σ_rows ∂a^h_t,
    ∂L/∂x_t (the layer below's e_t) = ∂a^x_t · W_ih.

**The flat buffer.** As the MLP's: every weight matrix first (weight_ih_l0, weight_hh_l0,
weight_ih_l1, …, readout.weight), then every bias in the same order (bias_ih_l0, bias_hh_l0,
…, readout.bias), so the L1/L2 penalty's domain is ``params[:n_weights]`` and every optimizer
of ``optimizers`` works unchanged. ``tensors[name]`` and ``grad_tensors[name]`` are views (the
names are PyTorch's; ``readout.*`` is the Linear H → n_outputs). Work is vectorised over the
batch with numpy; the loop over time is the only Python loop. Internally sequences are held
time-major, (T, n, ·), so a step's rows are contiguous. For small states (H ≤
``COMPILED_MAX_HIDDEN``) ``recurrent_kernels`` runs the same equations compiled, sample by
sample in float64 scalars, where numpy's per-call cost would be most of a step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from depthlens.errors import ConfigError
from depthlens.nn import recurrent_kernels
from depthlens.nn.activations import ACTIVATIONS
from depthlens.nn.initializers import init_name, initialize
from depthlens.nn.inputs import check_rows
from depthlens.nn.losses import Head, make_head

Array = np.ndarray

CELLS = ("elman", "gru", "lstm")
GATES = {"elman": 1, "gru": 3, "lstm": 4}
"""Blocks stacked in W_ih and W_hh: Elman 1; GRU r | z | n; LSTM i | f | g | o."""
ELMAN_ACTIVATIONS = ("tanh", "relu")
BACKENDS = ("auto", "numpy", "compiled")
COMPILED_MAX_HIDDEN = 8
"""``backend='auto'`` trains with the compiled kernels (``recurrent_kernels``) when H is at most
this, else with numpy (BLAS over the batch). Measured (one thread, float32, a gradient): at
H = 4 the kernels take 30/46 µs (Elman/GRU, batch 10, T 8) where numpy takes 73/269; at H = 16
numpy wins at batch 32, T 39 (375 against 957 µs for Elman), and at H = 64 by 10×."""
_WORKSPACE_MAX_BYTES = 16 * 2**20

_sigmoid = ACTIVATIONS["sigmoid"].forward


@dataclass
class RecurrentTrace:
    """One forward pass, kept: ``states[l]`` is layer l's h_1 … h_T as (n, T, H); ``cells[l]``
    the LSTM's c_1 … c_T (empty for other cells); ``gates[l]`` the gates by name, each (n, T, H)
    (GRU: r, z, n and q = W_hn h + b_hn; LSTM: i, f, g, o); ``logits`` the readout's (n, m)
    and ``output`` the head's."""

    inputs: Array
    states: list[Array]
    logits: Array
    output: Array
    gates: list[dict[str, Array]] = field(default_factory=list)
    cells: list[Array] = field(default_factory=list)

    @property
    def last(self) -> Array:
        """The last layer's final state h_T (n, H): what the readout reads."""
        return self.states[-1][:, -1]


@dataclass
class _Tape:
    """What the backward pass of one layer needs, time-major (T, n, ·)."""

    inputs: Array  # (T, n, I_l)
    states: Array  # (T, n, H)
    pre: Array | None = None  # Elman: z_t
    gates: dict[str, Array] = field(default_factory=dict)
    cells: Array | None = None  # LSTM c_t
    tanh_cells: Array | None = None  # LSTM tanh(c_t)


class _KernelWorkspace:
    """The compiled path's float64 buffers for batches of n sequences of T steps
    (``recurrent_kernels``' docstring: states, gates, cells and two (T, n, H) scratch arrays)."""

    def __init__(self, layers: int, steps: int, n: int, hidden: int, cell: str):
        self.states = np.zeros((layers, steps, n, hidden))
        self.gates = np.zeros((layers, steps, n, 4 * hidden) if cell != "elman" else (1, 1, 1, 1))
        self.cells = np.zeros((layers, steps, n, hidden) if cell == "lstm" else (1, 1, 1, 1))
        self.e_a = np.zeros((steps, n, hidden))
        self.e_b = np.zeros((steps, n, hidden))
        self.nbytes = sum(a.nbytes for a in (self.states, self.gates, self.cells, self.e_a,
                                             self.e_b))


class RecurrentNet:
    """``layers`` recurrent layers of ``hidden`` units over sequences, then a dense readout.

    Args:
        n_inputs: I, the features per time step.
        hidden: H, the state's units (every layer the same, as PyTorch's ``hidden_size``).
        cell: 'elman', 'gru' or 'lstm'.
        activation: the Elman cell's, 'tanh' or 'relu' (the GRU and LSTM have their own:
            only 'tanh' is accepted for them).
        n_outputs: m, the readout's units (the head's width).
        layers: stacked recurrent layers (≥ 1).
        output, loss: the head (``losses.make_head``), as the MLP's.
        dtype: float32 (default) or float64.
        init, seed: the initializer drawn at construction (``initialize``).
        backend: 'auto' (the compiled kernels when H ≤ ``COMPILED_MAX_HIDDEN``), 'numpy' or
            'compiled': the path of ``gradient``, ``loss`` and ``forward``; ``trace`` and
            ``states`` always take numpy's (the same numbers within rounding).

    ``sizes`` is (I, H, …, H, m) as the MLP's, so code that reads the input and output widths
    (the Trainer) reads them the same way.
    """

    def __init__(
        self,
        n_inputs: int,
        hidden: int,
        cell: str = "elman",
        activation: str = "tanh",
        n_outputs: int = 1,
        layers: int = 1,
        output: str | None = None,
        loss: str = "mse",
        dtype: type | np.dtype | str = np.float32,
        init: str = "torch",
        seed: int | np.random.Generator | None = 0,
        backend: str = "auto",
    ):
        for name, value in (("n_inputs", n_inputs), ("hidden", hidden),
                            ("n_outputs", n_outputs), ("layers", layers)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(name, value, "a whole number ≥ 1")
        cell = str(cell).lower()
        if cell not in CELLS:
            raise ConfigError("cell", cell, CELLS)
        activation = str(activation).lower()
        if cell == "elman" and activation not in ELMAN_ACTIVATIONS:
            raise ConfigError("activation", activation, ELMAN_ACTIVATIONS)
        if cell != "elman" and activation != "tanh":
            raise ConfigError("activation", activation,
                              f"'tanh' for the {cell.upper()} (its gates fix its functions)")
        self.cell = cell
        self.activation = activation
        self.n_inputs, self.hidden = int(n_inputs), int(hidden)
        self.n_outputs, self.n_layers = int(n_outputs), int(layers)
        self.sizes = (self.n_inputs, *[self.hidden] * self.n_layers, self.n_outputs)
        self.head: Head = make_head(output, loss)
        if self.head.output == "softmax" and self.n_outputs < 2:
            raise ConfigError("n_outputs", self.n_outputs, "at least 2 for a softmax output")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ConfigError("dtype", str(dtype), ["float32", "float64"])
        if backend not in BACKENDS:
            raise ConfigError("backend", backend, BACKENDS)
        self.backend = backend

        shapes = self.shapes
        weights = [k for k in shapes if "weight" in k]
        biases = [k for k in shapes if "bias" in k]
        self._offsets: dict[str, int] = {}
        offset = 0
        for name in (*weights, *biases):
            self._offsets[name] = offset
            offset += math.prod(shapes[name])
        self.n_weights = sum(math.prod(shapes[k]) for k in weights)
        self.params = np.zeros(offset, dtype=self.dtype)
        self.grads = np.zeros_like(self.params)
        self._make_views()
        off = self._offsets
        self._kernel_offsets = tuple(
            np.array([off[f"{kind}_l{k}"] for k in range(self.n_layers)], dtype=np.int64)
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        self._workspaces: dict[tuple[int, int], _KernelWorkspace] = {}
        self.initialize(init, seed)

    # -- structure ----------------------------------------------------------------------------
    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Every tensor's PyTorch name and shape, in ``torch.nn.RNN``'s own order per layer."""
        g, h = GATES[self.cell] * self.hidden, self.hidden
        out: dict[str, tuple[int, ...]] = {}
        for layer in range(self.n_layers):
            inp = self.n_inputs if layer == 0 else h
            out[f"weight_ih_l{layer}"] = (g, inp)
            out[f"weight_hh_l{layer}"] = (g, h)
            out[f"bias_ih_l{layer}"] = (g,)
            out[f"bias_hh_l{layer}"] = (g,)
        out["readout.weight"] = (self.n_outputs, h)
        out["readout.bias"] = (self.n_outputs,)
        return out

    def _make_views(self) -> None:
        """``tensors``/``grad_tensors``: name → view into ``params``/``grads``, buffer order."""
        shapes = self.shapes
        self.tensors: dict[str, Array] = {}
        self.grad_tensors: dict[str, Array] = {}
        for name, off in self._offsets.items():
            size = math.prod(shapes[name])
            self.tensors[name] = self.params[off : off + size].reshape(shapes[name])
            self.grad_tensors[name] = self.grads[off : off + size].reshape(shapes[name])

    def __getstate__(self) -> dict:
        # As the MLP's: keep the flat buffers, rebuild the views on load.
        state = self.__dict__.copy()
        del state["tensors"], state["grad_tensors"]
        state["_workspaces"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._make_views()

    @property
    def n_params(self) -> int:
        return int(self.params.size)

    @property
    def uses_kernels(self) -> bool:
        """False: the Trainer takes the generic entry points (``gradient``, ``_logits``), which
        pick the compiled path themselves (``compiled``); the MLP's kernels do not apply."""
        return False

    @property
    def compiled(self) -> bool:
        """Whether gradients (and ``_logits``) use ``recurrent_kernels`` (see ``backend``)."""
        if self.backend == "auto":
            return self.hidden <= COMPILED_MAX_HIDDEN
        return self.backend == "compiled"

    def __repr__(self) -> str:
        act = f", activation={self.activation}" if self.cell == "elman" else ""
        return (f"RecurrentNet({self.cell}{act}, {self.n_inputs} → {self.hidden}"
                f"{f' ×{self.n_layers}' if self.n_layers > 1 else ''} → {self.n_outputs}, "
                f"output={self.head.output}, loss={self.head.loss}, params={self.n_params}, "
                f"dtype={self.dtype.name})")

    # -- parameters ---------------------------------------------------------------------------
    def initialize(self, init: str = "torch", seed: int | np.random.Generator | None = 0,
                   recurrent_init: str | None = None, **params: float) -> RecurrentNet:
        """Draw every parameter from one seed.

        ``init='torch'`` (or its aliases) is PyTorch's default for RNN/GRU/LSTM: every
        recurrent weight and bias U(−1/√H, 1/√H); the readout gets Linear's default, which for
        fan_in H is the same U(±1/√H) for W and b. Any other name of ``initializers`` draws each
        gate's block of W_ih (H, I) and of W_hh (H, H) on its own (so a glorot or orthogonal
        block is one gate's map), b_ih from the initializer's bias and b_hh = 0 (the sum
        b_ih + b_hh, all the cell sees, is then the initializer's bias), and the readout as a
        dense layer. ``recurrent_init`` (default: ``init``) names W_hh's initializer, e.g.
        'orthogonal'; ``params`` go to ``init``'s initializer.
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        key = init_name(init)
        rec = key if recurrent_init is None else init_name(recurrent_init)
        h, blocks = self.hidden, GATES[self.cell]
        bound = 1.0 / math.sqrt(h)
        for layer in range(self.n_layers):
            for side, name in (("ih", key), ("hh", rec)):
                w = self.tensors[f"weight_{side}_l{layer}"]
                b = self.tensors[f"bias_{side}_l{layer}"]
                if name == "torch":
                    w[...] = rng.uniform(-bound, bound, size=w.shape)
                    b[...] = rng.uniform(-bound, bound, size=b.shape)
                    continue
                extra = params if name == key else {}
                for k in range(blocks):
                    wk, bk = initialize(name, rng, (h, w.shape[1]), **extra)
                    w[k * h : (k + 1) * h] = wk
                    b[k * h : (k + 1) * h] = bk if side == "ih" else 0.0
        w_out, b_out = initialize(key, rng, self.shapes["readout.weight"], **params)
        self.tensors["readout.weight"][...] = w_out
        self.tensors["readout.bias"][...] = b_out
        return self

    def set_params(self, tensors: Mapping[str, Array]) -> None:
        """Copy tensors in by PyTorch name (every one of ``shapes``, each shape checked), e.g.
        a ``torch.nn.RNN``'s state dict plus ``readout.weight``/``readout.bias``."""
        missing = [k for k in self.shapes if k not in tensors]
        if missing:
            raise ConfigError("tensors", sorted(tensors), f"every tensor of {list(self.shapes)}"
                              f" (missing {missing})")
        for name, shape in self.shapes.items():
            value = np.asarray(tensors[name])
            if value.shape != shape:
                raise ConfigError(name, f"shape {value.shape}", f"shape {shape}")
            self.tensors[name][...] = value

    def copy(self) -> RecurrentNet:
        """An independent network with the same structure and parameters."""
        twin = RecurrentNet(self.n_inputs, self.hidden, self.cell, self.activation,
                            self.n_outputs, self.n_layers, self.head.output, self.head.loss,
                            self.dtype, init="zeros", backend=self.backend)
        twin.params[...] = self.params
        return twin

    # -- inputs -------------------------------------------------------------------------------
    def _as_input(self, x: Array) -> Array:
        """x as (n, T, I) in the network's dtype; (n, T) is taken as (n, T, 1) when I = 1.
        ConfigError naming ``x`` and its shape for anything else (T = 0 included)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 2 and self.n_inputs == 1:
            x = x[:, :, None]
        if x.ndim != 3 or x.shape[2] != self.n_inputs or x.shape[1] < 1:
            allowed = f"shape (n, T, {self.n_inputs}) with T ≥ 1: n sequences of T steps"
            if self.n_inputs == 1:
                allowed += ", or (n, T)"
            raise ConfigError("x", f"shape {x.shape}", allowed)
        return np.ascontiguousarray(x)

    def _as_target(self, t: Array, n: int) -> Array:
        t = np.asarray(t, dtype=self.dtype)
        if t.ndim == 1:
            t = t[:, None]
        if t.shape != (n, self.n_outputs):
            raise ConfigError("targets", f"shape {t.shape}", f"shape ({n}, {self.n_outputs})")
        return np.ascontiguousarray(t)

    # -- forward ------------------------------------------------------------------------------
    def _layer_forward(self, layer: int, a: Array) -> _Tape:
        """Layer ``layer`` over time-major inputs a (T, n, I_l): its tape (states and what
        backward needs)."""
        p = self.tensors
        w_ih, w_hh = p[f"weight_ih_l{layer}"], p[f"weight_hh_l{layer}"]
        b_ih, b_hh = p[f"bias_ih_l{layer}"], p[f"bias_hh_l{layer}"]
        steps, n, _ = a.shape
        h_units = self.hidden
        g = (a.reshape(steps * n, -1) @ w_ih.T).reshape(steps, n, -1)
        g += b_ih
        states = np.empty((steps, n, h_units), self.dtype)
        h = np.zeros((n, h_units), self.dtype)
        tape = _Tape(a, states)
        if self.cell == "elman":
            g += b_hh
            relu = self.activation == "relu"
            for t in range(steps):
                z = g[t]
                if t:
                    z += h @ w_hh.T
                h = states[t]
                if relu:
                    np.maximum(z, 0.0, out=h)
                else:
                    np.tanh(z, out=h)
            tape.pre = g
            return tape
        if self.cell == "gru":
            r_all, z_all, n_all, q_all = (np.empty_like(states) for _ in range(4))
            for t in range(steps):
                gh = h @ w_hh.T
                gh += b_hh
                gi = g[t]
                r = np.add(gi[:, :h_units], gh[:, :h_units], out=r_all[t])
                _sigmoid(r, r)
                z = np.add(gi[:, h_units : 2 * h_units], gh[:, h_units : 2 * h_units],
                           out=z_all[t])
                _sigmoid(z, z)
                q_all[t] = gh[:, 2 * h_units :]
                cand = np.multiply(r, q_all[t], out=n_all[t])
                cand += gi[:, 2 * h_units :]
                np.tanh(cand, out=cand)
                h_new = np.subtract(h, cand, out=states[t])
                h_new *= z
                h_new += cand
                h = h_new
            tape.gates = {"r": r_all, "z": z_all, "n": n_all, "q": q_all}
            return tape
        # lstm
        i_all, f_all, g_all, o_all = (np.empty_like(states) for _ in range(4))
        cells = np.empty_like(states)
        tanh_cells = np.empty_like(states)
        c = np.zeros((n, h_units), self.dtype)
        hu = h_units
        for t in range(steps):
            gates = g[t] + b_hh
            if t:
                gates += h @ w_hh.T
            i = _sigmoid(gates[:, :hu], i_all[t])
            f = _sigmoid(gates[:, hu : 2 * hu], f_all[t])
            cand = np.tanh(gates[:, 2 * hu : 3 * hu], out=g_all[t])
            o = _sigmoid(gates[:, 3 * hu :], o_all[t])
            c = np.multiply(f, c, out=cells[t])
            c += i * cand
            tc = np.tanh(c, out=tanh_cells[t])
            h = np.multiply(o, tc, out=states[t])
        tape.gates = {"i": i_all, "f": f_all, "g": g_all, "o": o_all}
        tape.cells, tape.tanh_cells = cells, tanh_cells
        return tape

    def _forward_tapes(self, x: Array) -> list[_Tape]:
        """Every layer's tape for validated x (n, T, I)."""
        a = np.ascontiguousarray(x.transpose(1, 0, 2))
        tapes = []
        for layer in range(self.n_layers):
            tape = self._layer_forward(layer, a)
            tapes.append(tape)
            a = tape.states
        return tapes

    def _readout(self, h_last: Array) -> Array:
        z = h_last @ self.tensors["readout.weight"].T
        z += self.tensors["readout.bias"]
        return z

    def _logits(self, x: Array) -> Array:
        """The readout's logits (n, m) for validated inputs x (what the Trainer evaluates)."""
        if self.compiled:
            return self._readout(self._compiled_forward(x)[1].astype(self.dtype))
        return self._readout(self._forward_tapes(x)[-1].states[-1])

    def _workspace(self, n: int, steps: int) -> _KernelWorkspace:
        """The compiled path's buffers for (n, T), kept for the last few shapes when small."""
        ws = self._workspaces.get((n, steps))
        if ws is None:
            ws = _KernelWorkspace(self.n_layers, steps, n, self.hidden, self.cell)
            if ws.nbytes <= _WORKSPACE_MAX_BYTES:
                if len(self._workspaces) >= 4:
                    self._workspaces.pop(next(iter(self._workspaces)))
                self._workspaces[(n, steps)] = ws
        return ws

    def _compiled_forward(self, x: Array) -> tuple[_KernelWorkspace, Array]:
        """``recurrent_kernels.forward`` over validated x: (its buffers, h_T (n, H) float64)."""
        ws = self._workspace(x.shape[0], x.shape[1])
        w_ih, w_hh, b_ih, b_hh = self._kernel_offsets
        recurrent_kernels.forward(self.params, x, w_ih, w_hh, b_ih, b_hh,
                                  recurrent_kernels.CELL_CODES[self.cell],
                                  int(self.activation == "relu"), ws.states, ws.gates, ws.cells)
        return ws, ws.states[-1, -1]

    def forward(self, x: Array) -> Array:
        """The head's outputs o (n, m) for sequences x (n, T, I). Not checked for finiteness
        (a NaN gives NaN outputs, as the MLP's ``forward``)."""
        return self.head.forward(self._logits(self._as_input(x)))

    __call__ = forward
    predict = forward

    def trace(self, x: Array) -> RecurrentTrace:
        """A forward pass keeping every layer's states h_1 … h_T (and the gates, the LSTM's
        cells), batch-major (n, T, ·): the state's path through its space, for the lens."""
        x = self._as_input(x)
        tapes = self._forward_tapes(x)
        logits = self._readout(tapes[-1].states[-1])

        def batch_major(a: Array) -> Array:
            return np.ascontiguousarray(a.transpose(1, 0, 2))

        return RecurrentTrace(
            inputs=x,
            states=[batch_major(tp.states) for tp in tapes],
            logits=logits,
            output=self.head.forward(logits),
            gates=[{k: batch_major(v) for k, v in tp.gates.items()} for tp in tapes],
            cells=[batch_major(tp.cells) for tp in tapes if tp.cells is not None],
        )

    def states(self, x: Array, layer: int = -1) -> Array:
        """Layer ``layer``'s states h_1 … h_T for sequences x: (n, T, H)."""
        if not isinstance(layer, int | np.integer) or not -self.n_layers <= layer < self.n_layers:
            raise ConfigError("layer", layer, f"an index in [{-self.n_layers}, "
                              f"{self.n_layers - 1}]")
        tapes = self._forward_tapes(self._as_input(x))
        return np.ascontiguousarray(tapes[layer].states.transpose(1, 0, 2))

    # -- loss and gradient --------------------------------------------------------------------
    def loss(self, x: Array, t: Array) -> float:
        """Mean data loss on (x, encoded targets t); DataError naming ``x`` or ``t`` for an
        empty or non-finite input (``inputs.check_rows``)."""
        x = check_rows("x", self._as_input(x), source=x)
        t = check_rows("t", self._as_target(t, x.shape[0]), source=t)
        z = self._logits(x)
        return self.head.value(z, self.head.forward(z), t)

    def loss_and_grad(self, x: Array, t: Array) -> tuple[float, Array]:
        """Validated convenience: (mean data loss, a copy of the gradient buffer)."""
        x = check_rows("x", self._as_input(x), source=x)
        t = check_rows("t", self._as_target(t, x.shape[0]), source=t)
        value = self.gradient(x, t)
        return value, self.grads.copy()

    def gradient(self, x: Array, t: Array, idx: Array | None = None,
                 weights: Array | None = None) -> float:
        """Fill ``grads`` with d(mean data loss)/dθ on the rows ``idx`` of (x, t) (all rows if
        None) by backprop through time (the module docstring) and return that loss; x and t
        validated (``_as_input``, ``_as_target``), as the MLP's ``gradient``.

        ``weights``: optional per-row weights w ≥ 0 (taken at ``idx`` as x is): the loss is
        then Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ, exactly as ``MLP.gradient`` defines it. The recurrence runs
        compiled (``recurrent_kernels``) or in numpy as ``compiled`` says; the readout and the
        head are numpy's either way."""
        if idx is not None:
            x, t = x[idx], t[idx]
            if weights is not None:
                weights = np.asarray(weights)[idx]
        compiled = self.compiled
        if compiled:
            ws, h64 = self._compiled_forward(x)
            h_last = h64.astype(self.dtype)
        else:
            tapes = self._forward_tapes(x)
            h_last = tapes[-1].states[-1]
        z = self._readout(h_last)
        o = self.head.forward(z)
        value = self.head.value(z, o, t)
        delta = self.head.gradient(z, o, t)
        if weights is not None:
            value = self._weigh(z, o, t, weights, delta)
        d_last = delta @ self.tensors["readout.weight"]
        if compiled:
            acc = np.zeros(self.params.size)
            w_ih, w_hh, b_ih, b_hh = self._kernel_offsets
            recurrent_kernels.backward(self.params, acc, x, d_last.astype(np.float64), w_ih,
                                       w_hh, b_ih, b_hh, recurrent_kernels.CELL_CODES[self.cell],
                                       int(self.activation == "relu"), ws.states, ws.gates,
                                       ws.cells, ws.e_a, ws.e_b)
            self.grads[...] = acc  # the readout's entries are 0 here, written below
        else:
            upstream = np.zeros_like(tapes[-1].states)
            upstream[-1] = d_last
            for layer in range(self.n_layers - 1, -1, -1):
                upstream = self._layer_backward(layer, tapes[layer], upstream, layer > 0)
        gt = self.grad_tensors
        np.matmul(delta.T, h_last, out=gt["readout.weight"])
        np.add.reduce(delta, axis=0, out=gt["readout.bias"])
        return value

    def _weigh(self, z: Array, o: Array, t: Array, w: Array, delta: Array) -> float:
        """The weighted mean loss, ``delta`` rescaled to its gradient (``Head.weighted``)."""
        return self.head.weighted(z, o, t, w, delta)

    def _layer_backward(self, layer: int, tape: _Tape, e: Array, want_input: bool,
                        ) -> Array | None:
        """Backprop through time for one layer: e (T, n, H) is ∂L/∂h_t from outside the
        recurrence. Writes the layer's four gradients; returns ∂L/∂(its inputs) (T, n, I_l)
        when ``want_input``."""
        p, gt = self.tensors, self.grad_tensors
        w_ih, w_hh = p[f"weight_ih_l{layer}"], p[f"weight_hh_l{layer}"]
        steps, n, hu = tape.states.shape
        states = tape.states
        d = np.zeros((n, hu), self.dtype)
        if self.cell == "elman":
            da = np.empty_like(states)
            relu = self.activation == "relu"
            for t in range(steps - 1, -1, -1):
                d += e[t]
                if relu:
                    np.multiply(d, tape.pre[t] > 0, out=da[t])
                else:
                    np.multiply(d, 1.0 - states[t] * states[t], out=da[t])
                if t:
                    d = da[t] @ w_hh
            da_x = da_h = da
        elif self.cell == "gru":
            gates = tape.gates
            r_all, z_all, n_all, q_all = gates["r"], gates["z"], gates["n"], gates["q"]
            da_x = np.empty((steps, n, 3 * hu), self.dtype)
            da_h = np.empty_like(da_x)
            zeros = np.zeros((n, hu), self.dtype)
            for t in range(steps - 1, -1, -1):
                d += e[t]
                r, z, cand, q = r_all[t], z_all[t], n_all[t], q_all[t]
                h_prev = states[t - 1] if t else zeros
                dn = d * (1.0 - z)
                dn *= 1.0 - cand * cand
                dz = d * (h_prev - cand)
                dz *= z * (1.0 - z)
                dr = dn * q
                dr *= r * (1.0 - r)
                ax, ah = da_x[t], da_h[t]
                ax[:, :hu] = dr
                ax[:, hu : 2 * hu] = dz
                ax[:, 2 * hu :] = dn
                ah[:, : 2 * hu] = ax[:, : 2 * hu]
                np.multiply(dn, r, out=ah[:, 2 * hu :])
                if t:
                    d = d * z
                    d += ah @ w_hh
        else:  # lstm
            gates = tape.gates
            i_all, f_all, g_all, o_all = gates["i"], gates["f"], gates["g"], gates["o"]
            da_x = da_h = np.empty((steps, n, 4 * hu), self.dtype)
            dc = np.zeros((n, hu), self.dtype)
            zeros = np.zeros((n, hu), self.dtype)
            for t in range(steps - 1, -1, -1):
                d += e[t]
                i, f, g, o = i_all[t], f_all[t], g_all[t], o_all[t]
                tc = tape.tanh_cells[t]
                c_prev = tape.cells[t - 1] if t else zeros
                dc += d * o * (1.0 - tc * tc)
                a = da_x[t]
                np.multiply(dc * g, i * (1.0 - i), out=a[:, :hu])
                np.multiply(dc * c_prev, f * (1.0 - f), out=a[:, hu : 2 * hu])
                np.multiply(dc * i, 1.0 - g * g, out=a[:, 2 * hu : 3 * hu])
                np.multiply(d * tc, o * (1.0 - o), out=a[:, 3 * hu :])
                if t:
                    dc *= f
                    d = a @ w_hh
        width = da_x.shape[2]
        flat_x = da_x.reshape(steps * n, width)
        np.matmul(flat_x.T, tape.inputs.reshape(steps * n, -1),
                  out=gt[f"weight_ih_l{layer}"])
        np.add.reduce(flat_x, axis=0, out=gt[f"bias_ih_l{layer}"])
        flat_h = da_h.reshape(steps * n, width)
        np.add.reduce(flat_h, axis=0, out=gt[f"bias_hh_l{layer}"])
        if steps > 1:  # h_0 = 0 contributes nothing to dW_hh
            np.matmul(da_h[1:].reshape((steps - 1) * n, width).T,
                      states[:-1].reshape((steps - 1) * n, hu), out=gt[f"weight_hh_l{layer}"])
        else:
            gt[f"weight_hh_l{layer}"][...] = 0.0
        if not want_input:
            return None
        return (flat_x @ w_ih).reshape(steps, n, -1)

    # -- other libraries ----------------------------------------------------------------------
    def to_torch(self) -> dict[str, torch.Tensor]:  # noqa: F821 - torch is imported when called
        """This network's tensors as a name → ``torch.Tensor`` dict (copies; torch is imported
        only when this is called): the recurrent ones load into a ``torch.nn.RNN``/``GRU``/
        ``LSTM`` of the same sizes, ``readout.*`` into a ``torch.nn.Linear``."""
        import torch

        return {k: torch.tensor(np.array(v)) for k, v in self.tensors.items()}
