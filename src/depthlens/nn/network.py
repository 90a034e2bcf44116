"""The multilayer perceptron: dense layers over one flat parameter buffer.

Layer l maps a (n, in) batch to z = a_prev·Wᵀ + b with W stored (out, in) as in PyTorch, then
bends it with its activation, a = act(z); the last layer's z goes to the head (``losses.Head``).
Backprop, for the mean batch loss L:

    δ_L = dL/dz_L                                  (from the head)
    dL/dW_l = δ_lᵀ · a_{l−1}      dL/db_l = Σ_rows δ_l
    δ_{l−1} = (δ_l · W_l) ⊙ act'(z_{l−1})

All weights live in ``params`` (weights of every layer first, then every bias, so the weights are
one slice for L1/L2), and all gradients in ``grads`` with the same layout; ``weights[l]`` and
``biases[l]`` are views into it. A forward pass can keep every layer's z and a (``Trace``),
which is what the lens draws, or continue from any stage's values (``forward_from``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from depthlens.errors import ConfigError
from depthlens.nn import kernels
from depthlens.nn.activations import ACTIVATIONS, get_activation
from depthlens.nn.initializers import initialize
from depthlens.nn.inputs import check_rows
from depthlens.nn.losses import LOSSES, Head, make_head

Array = np.ndarray

COMPILED_MAX_WIDTH = 32
"""Networks whose widest layer is at most this use the compiled kernels by default
(benchmarks/RESULTS.md has the measurement behind the number)."""

BACKENDS = ("auto", "numpy", "compiled")

_WORKSPACE_MAX_BYTES = 16 * 2**20
"""Batch buffers larger than this are not kept between calls (a one-off full-data gradient)."""


@dataclass
class Trace:
    """Every layer's values for one batch: ``pre[l]`` = z of layer l, ``post[l]`` = its a.

    ``post[-1]`` is the head's output; ``inputs`` is the batch itself (layer 0's input).
    """

    inputs: Array
    pre: list[Array]
    post: list[Array]

    @property
    def output(self) -> Array:
        return self.post[-1]


_IN_PLACE = ("linear", "relu", "tanh", "sigmoid")
"""Hidden activations the numpy path applies in place (z's buffer becomes a): their derivative
is a function of a alone (relu: a > 0 exactly where z > 0; tanh 1 − a²; sigmoid a(1 − a))."""


class _Workspace:
    """Preallocated buffers of the numpy path for batches of ``n`` rows.

    ``x``, ``t``: the gathered batch. ``a[j]``: hidden layer j's activation; its z shares the
    buffer for the ``_IN_PLACE`` activations, else has its own ``z[j]``. ``z_out``: the logits.
    In the backward pass a layer's buffer receives its dL/dz once a is no longer needed, so a
    step needs about one (n, width) array per layer; ``_flat``/``_mask`` are shared scratch,
    made on first use (a forward-only pass needs neither).
    """

    def __init__(self, n: int, sizes: tuple[int, ...], activations: tuple[str, ...],
                 dtype: np.dtype):
        hidden = sizes[1:-1]
        self.n = n
        self.x = np.empty((n, sizes[0]), dtype)
        self.t = np.empty((n, sizes[-1]), dtype)
        self.a = [np.empty((n, w), dtype) for w in hidden]
        self.z = [a if name in _IN_PLACE else np.empty_like(a)
                  for a, name in zip(self.a, activations)]
        self.z_out = np.empty((n, sizes[-1]), dtype)
        self._size = n * max(hidden, default=0)
        self._flat: Array | None = None
        self._mask: Array | None = None
        arrays = (self.x, self.t, *self.a, self.z_out)
        self.nbytes = sum(b.nbytes for b in arrays) + sum(
            z.nbytes for z, a in zip(self.z, self.a) if z is not a)

    def _scratch(self, shape: tuple[int, int]) -> Array:
        if self._flat is None:
            self._flat = np.empty(self._size, self.a[0].dtype)
        return self._flat[: shape[0] * shape[1]].reshape(shape)

    def backprop(self, j: int, name: str, delta: Array, w: Array) -> Array:
        """dL/dz of hidden layer j, (delta · W) ⊙ a'(z_j), from dL/dz ``delta`` of layer j + 1
        and its weights ``w``; written over a_j, which the caller no longer needs. The roundings
        are those of ``activations`` (a 0/1 factor for relu, 1 − y·y, y·(1 − y))."""
        a = self.a[j]
        if name == "linear":
            return np.matmul(delta, w, out=a)
        if name == "relu":
            if self._mask is None:
                self._mask = np.empty(self._size, bool)
            mask = self._mask[: a.size].reshape(a.shape)
            np.greater(a, 0, out=mask)
            np.matmul(delta, w, out=a)
            kernels.mask_multiply(a, mask)
            return a
        if name == "tanh":
            np.multiply(a, a, out=a)
            np.subtract(1.0, a, out=a)
            d = np.matmul(delta, w, out=self._scratch(a.shape))
            return np.multiply(d, a, out=a)
        if name == "sigmoid":
            tmp = self._scratch(a.shape)
            np.subtract(1.0, a, out=tmp)
            np.multiply(a, tmp, out=a)
            d = np.matmul(delta, w, out=tmp)
            return np.multiply(d, a, out=a)
        factor = ACTIVATIONS[name].derivative(self.z[j], a)
        d = np.matmul(delta, w, out=a)
        d *= factor
        return d


class MLP:
    """A dense network ``sizes[0] → sizes[1] → … → sizes[-1]``.

    Args:
        sizes: units per layer, input first, output last (at least two entries).
        activation: one name for every hidden layer, or one per hidden layer.
        output, loss: the head (``losses.make_head``); ``output=None`` picks the loss's natural one.
        dtype: float32 (default) or float64.
        backend: 'auto' (compiled kernels for narrow networks), 'numpy' or 'compiled'.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "tanh",
        output: str | None = None,
        loss: str = "mse",
        dtype: type | np.dtype | str = np.float32,
        backend: str = "auto",
    ):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or any(s < 1 for s in sizes):
            raise ConfigError("layers", sizes, "at least an input and an output size, each ≥ 1")
        n_hidden = len(sizes) - 2
        names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(names) != n_hidden:
            raise ConfigError("activation", list(activation),
                              f"one name, or one per hidden layer ({n_hidden})")
        self.sizes = sizes
        self.activations = tuple(get_activation(a).name for a in names)
        self.head: Head = make_head(output, loss)
        if self.head.output == "softmax" and sizes[-1] < 2:
            raise ConfigError("layers", sizes, "at least 2 output units for a softmax output "
                              "(a softmax over one unit is always 1)")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ConfigError("dtype", str(dtype), ["float32", "float64"])
        if backend not in BACKENDS:
            raise ConfigError("backend", backend, BACKENDS)
        self.backend = backend

        shapes = self.shapes
        n_w = sum(o * i for o, i in shapes)
        self.n_weights = n_w
        self.params = np.zeros(n_w + sum(o for o, _ in shapes), dtype=self.dtype)
        self.grads = np.zeros_like(self.params)
        w_off, b_off, w, b = [], [], 0, n_w
        for o, i in shapes:
            w_off.append(w)
            b_off.append(b)
            w, b = w + o * i, b + o
        self._w_off = np.array(w_off, dtype=np.int64)
        self._b_off = np.array(b_off, dtype=np.int64)
        self._make_views()
        self._sizes = np.array(sizes, dtype=np.int64)
        self._act_codes = np.array([ACTIVATIONS[a].code for a in self.activations] or [0],
                                   dtype=np.int64)
        self._out_code = (kernels.SOFTMAX if self.head.output == "softmax"
                          else ACTIVATIONS[self.head.output].code)
        self._loss_code = LOSSES.index(self.head.loss)
        self._no_out = np.empty((0, sizes[-1]), dtype=self.dtype)
        self._max_width = max(sizes)
        self._workspaces: dict[int, _Workspace] = {}

    def _make_views(self) -> None:
        """``weights``/``biases`` (and the gradients') as views into the flat buffers: W_k is
        ``params[w_k : w_k + o·i]`` as (o, i), b_k is ``params[b_k : b_k + o]``."""
        self.weights: list[Array] = []
        self.biases: list[Array] = []
        self.grad_weights: list[Array] = []
        self.grad_biases: list[Array] = []
        for (o, i), w, b in zip(self.shapes, self._w_off, self._b_off):
            self.weights.append(self.params[w : w + o * i].reshape(o, i))
            self.grad_weights.append(self.grads[w : w + o * i].reshape(o, i))
            self.biases.append(self.params[b : b + o])
            self.grad_biases.append(self.grads[b : b + o])

    def __getstate__(self) -> dict:
        # Pickle and deepcopy copy arrays one by one, which would cut the views from the flat
        # buffers: keep the buffers, drop the views and the scratch space, rebuild on load.
        state = self.__dict__.copy()
        for name in ("weights", "biases", "grad_weights", "grad_biases"):
            del state[name]
        state["_workspaces"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._make_views()

    # -- structure ----------------------------------------------------------------------------
    @property
    def shapes(self) -> list[tuple[int, int]]:
        """(out, in) of every layer's W."""
        return [(self.sizes[k + 1], self.sizes[k]) for k in range(len(self.sizes) - 1)]

    @property
    def n_layers(self) -> int:
        """Number of dense layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return int(self.params.size)

    @property
    def layer_activations(self) -> tuple[str, ...]:
        """The activation of every dense layer, the head's output activation last."""
        return (*self.activations, self.head.output)

    @property
    def uses_kernels(self) -> bool:
        """Whether gradients are computed by the compiled kernels (see ``backend``)."""
        if self.backend == "auto":
            return self._max_width <= COMPILED_MAX_WIDTH
        return self.backend == "compiled"

    def __repr__(self) -> str:
        arch = "-".join(str(s) for s in self.sizes)
        acts = ",".join(dict.fromkeys(self.activations)) or "none"
        return (f"MLP({arch}, activation={acts}, output={self.head.output}, "
                f"loss={self.head.loss}, params={self.n_params}, dtype={self.dtype.name})")

    def _repr_html_(self) -> str:
        """A table of the layers, for notebooks."""
        import html

        rows = "".join(f"<tr><td>{k + 1}</td><td>{i} → {o}</td><td>{html.escape(a)}</td>"
                       f"<td>{o * i + o:,}</td></tr>"
                       for k, ((o, i), a) in enumerate(zip(self.shapes, self.layer_activations)))
        return (f"<div><b>MLP {' → '.join(map(str, self.sizes))}</b> · loss {self.head.loss} · "
                f"{self.n_params:,} parameters<table><tr><th>layer</th><th>W·x + b</th>"
                f"<th>activation</th><th>parameters</th></tr>{rows}</table></div>")

    # -- parameters ---------------------------------------------------------------------------
    def initialize(self, init: str = "torch", seed: int | np.random.Generator | None = 0,
                   **params: float) -> MLP:
        """Draw every layer's (W, b) with initializer ``init``, layer by layer from one seed."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        for w, b in zip(self.weights, self.biases):
            w_new, b_new = initialize(init, rng, w.shape, **params)
            w[...] = w_new
            b[...] = b_new
        return self

    def set_params(self, weights: Sequence[Array], biases: Sequence[Array]) -> None:
        """Copy weights (out, in) and biases (out,) in, checking every shape."""
        if len(weights) != self.n_layers or len(biases) != self.n_layers:
            raise ConfigError("weights", f"{len(weights)} layers",
                              f"{self.n_layers} weight and bias arrays")
        for k, (w, b) in enumerate(zip(weights, biases)):
            w, b = np.asarray(w), np.asarray(b)
            if w.shape != self.weights[k].shape:
                raise ConfigError(f"W{k}", w.shape, f"shape {self.weights[k].shape}")
            if b.shape != self.biases[k].shape:
                raise ConfigError(f"b{k}", b.shape, f"shape {self.biases[k].shape}")
            self.weights[k][...] = w
            self.biases[k][...] = b

    def copy(self) -> MLP:
        """An independent network with the same structure and parameters."""
        twin = MLP(self.sizes, self.activations, self.head.output, self.head.loss, self.dtype,
                   self.backend)
        twin.params[...] = self.params
        return twin

    # -- inputs -------------------------------------------------------------------------------
    def _as_input(self, x: Array) -> Array:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 1 and self.sizes[0] == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ConfigError("x", f"shape {x.shape}", f"shape (n, {self.sizes[0]})")
        return np.ascontiguousarray(x)

    def _as_target(self, t: Array, n: int) -> Array:
        t = np.asarray(t, dtype=self.dtype)
        if t.ndim == 1:
            t = t[:, None]
        if t.shape != (n, self.sizes[-1]):
            raise ConfigError("targets", f"shape {t.shape}", f"shape ({n}, {self.sizes[-1]})")
        return np.ascontiguousarray(t)

    # -- forward ------------------------------------------------------------------------------
    def trace(self, x: Array) -> Trace:
        """Forward pass keeping every layer's pre-activation z and activation a."""
        a = self._as_input(x)
        inputs, pre, post = a, [], []
        for k in range(self.n_layers):
            z = a @ self.weights[k].T
            z += self.biases[k]
            a = self._bend(k, z)
            pre.append(z)
            post.append(a)
        return Trace(inputs, pre, post)

    def forward(self, x: Array, backend: str | None = None) -> Array:
        """The head's outputs o (n, m) for inputs x (n, in).

        ``backend``: the network's own (None), or "numpy" for the BLAS path over reused
        buffers whatever the network's backend: faster for many points through wide layers
        (a map's 10,000 grid points through 16-unit layers: 2 ms, where the compiled
        per-sample loop takes 11), equal to the compiled one within rounding.

        Inputs are not checked for finiteness (``inputs``' module docstring): a row holding
        NaN gives NaN outputs, in both backends alike, as numpy and PyTorch do; 0 rows give a
        (0, m) array. The training entry points (``loss``, ``loss_and_grad``, ``Trainer``)
        refuse such data with a DataError instead."""
        if backend not in (None, "numpy"):
            raise ConfigError("backend", backend, [None, "numpy"])
        if self.uses_kernels and backend != "numpy":
            x = self._as_input(x)
            out = np.empty((x.shape[0], self.sizes[-1]), dtype=self.dtype)
            self._run(x, np.zeros((x.shape[0], self.sizes[-1]), self.dtype),
                      np.arange(x.shape[0]), False, out)
            return out
        return self.head.forward(self._logits(self._as_input(x)))

    __call__ = forward

    @property
    def n_stages(self) -> int:
        """Number of stages ``forward_from`` accepts: input, z1, a1, …, zL, output (2L + 1)."""
        return 2 * self.n_layers + 1

    def stage_width(self, stage: int) -> int:
        """Units at stage index ``stage`` (see ``forward_from``)."""
        return self.sizes[(self._stage(stage) + 1) // 2]

    def _stage(self, stage: int) -> int:
        n = self.n_stages
        if not isinstance(stage, int | np.integer) or not -n <= stage < n:
            raise ConfigError("stage", stage, f"an index in [{-n}, {n - 1}]")
        return int(stage) % n

    def forward_from(self, stage: int, h: Array, dtype: type | np.dtype | str | None = None,
                     ) -> Array:
        """The head's outputs o (n, m) for values h (n, width) placed at stage ``stage``.

        A network of L dense layers has the stages (``lens.stages``, in forward order)

            0: the input a⁰,   2l − 1: zˡ = aˡ⁻¹·Wˡᵀ + bˡ,   2l: aˡ = actˡ(zˡ)   (l = 1 … L),

        stage 2L being the output o = head(zᴸ); negative indices count from the end. From a
        pre-activation (odd stage 2l − 1) the pass first bends h, a = actˡ(h) (the head's output
        function when l = L); from a post-activation (even stage 2l) it starts with a = h. It
        then runs the remaining layers, z = a·Wᵏᵀ + bᵏ, a = actᵏ(z) for k = l + 1 … L, the last
        one through the head, exactly as ``trace`` does. So ``forward_from(0, x)`` is
        ``forward(x)``, ``forward_from(2L, o)`` returns o, and ``forward_from(i, represent(x)[i])``
        is ``forward(x)`` for every stage i.

        ``dtype``: the precision of the pass (default the network's, in which stage 0 is
        ``forward`` itself); float64 evaluates a float32 network's function in double precision
        (weights cast, the network untouched).
        """
        stage = self._stage(stage)
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        if stage == 0 and dtype == self.dtype:
            return self.forward(h)
        width = self.stage_width(stage)
        a = np.array(h, dtype=dtype)  # a copy: at the output stage it is the answer
        if a.ndim == 1 and width == 1:
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != width:
            raise ConfigError("h", f"shape {a.shape}", f"shape (n, {width}) at stage {stage}")
        layer = (stage + 1) // 2  # the dense layer the stage belongs to (0: the input)
        if stage % 2 == 1:  # a pre-activation: bend it first
            a = self._bend(layer - 1, a)
        for k in range(layer, self.n_layers):
            z = a @ self.weights[k].astype(dtype, copy=False).T
            z += self.biases[k].astype(dtype, copy=False)
            a = self._bend(k, z)
        return a

    def _bend(self, k: int, z: Array) -> Array:
        """Layer k's activation of its z (the head's output function for the last layer)."""
        if k == self.n_layers - 1:
            return self.head.forward(z)
        return ACTIVATIONS[self.activations[k]](z)

    def _logits(self, x: Array) -> Array:
        """The last layer's z (n, m) for validated inputs x: ``trace``'s numbers (the same
        operations on the same shapes) in workspace buffers, without keeping every layer."""
        ws = self._workspace(x.shape[0])
        a = x
        for k in range(self.n_layers - 1):
            a = self._hidden(k, a, ws)
        z = a @ self.weights[-1].T
        z += self.biases[-1]
        return z

    # -- loss and gradient --------------------------------------------------------------------
    def _run(self, x: Array, t: Array, idx: Array, want_grad: bool, out: Array) -> float:
        return kernels.run_batch(self.params, self.grads, x, t, idx, self._sizes, self._w_off,
                                 self._b_off, self._act_codes, self._out_code, self._loss_code,
                                 want_grad, out)

    def loss(self, x: Array, t: Array) -> float:
        """Mean data loss on (x, encoded targets t); DataError naming ``x`` or ``t`` and the
        first row for an empty or non-finite input (``inputs.check_rows``)."""
        x = check_rows("x", self._as_input(x), source=x)
        t = check_rows("t", self._as_target(t, x.shape[0]), source=t)
        if self.uses_kernels:
            return float(self._run(x, t, np.arange(x.shape[0]), False, self._no_out))
        z = self._logits(x)
        return self.head.value(z, self.head.forward(z), t)

    def gradient(self, x: Array, t: Array, idx: Array | None = None,
                 weights: Array | None = None) -> float:
        """Fill ``grads`` with d(mean data loss)/dθ on the rows ``idx`` of (x, t) (all rows if
        None) and return that loss. x and t must already be validated (``_as_input``).

        ``weights``: optional per-row weights w ≥ 0, one per row of x (taken at ``idx`` as x
        is). The batch loss is then the weighted mean L = Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ over the batch's
        rows i, ℓᵢ being row i's loss (``Head.per_sample``: unit weights give the plain mean),
        and dL/dz of row i is the unweighted one times n·wᵢ/Σw. A batch whose weights sum to 0
        has loss 0 and gradient 0. Weighted batches take the numpy path whatever the backend
        (the compiled kernels have no weights)."""
        if weights is not None:
            return self._numpy_gradient(x, t, idx, weights)
        if self.uses_kernels:
            if idx is None:
                idx = np.arange(x.shape[0])
            return float(self._run(x, t, idx, True, self._no_out))
        return self._numpy_gradient(x, t, idx)

    def _numpy_gradient(self, x: Array, t: Array, idx: Array | None = None,
                        sample_weight: Array | None = None) -> float:
        """The BLAS path: forward and backward over preallocated buffers (``_Workspace``).

        Same operations, in the same order, as ``trace`` followed by the backprop of the module
        docstring, so the numbers are those of the plain version; only allocations are gone.
        """
        n = x.shape[0] if idx is None else idx.shape[0]
        ws = self._workspace(n)
        if idx is not None:  # gather the batch into the workspace (validated inputs)
            x = np.take(x, idx, axis=0, out=ws.x) if x.dtype == ws.x.dtype else x[idx]
            t = np.take(t, idx, axis=0, out=ws.t) if t.dtype == ws.t.dtype else t[idx]
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)[idx]
        weights, biases, names = self.weights, self.biases, self.activations
        last = self.n_layers - 1
        a = x
        for k in range(last):
            a = self._hidden(k, a, ws)
        z_out = np.matmul(a, weights[last].T, out=ws.z_out)
        z_out += biases[last]
        o = self.head.forward(z_out)
        value = self.head.value(z_out, o, t)
        delta = self.head.gradient(z_out, o, t)
        if sample_weight is not None:
            value = self._weigh(z_out, o, t, sample_weight, delta)
        for k in range(last, -1, -1):
            a_prev = ws.a[k - 1] if k > 0 else x
            np.matmul(delta.T, a_prev, out=self.grad_weights[k])
            np.add.reduce(delta, axis=0, out=self.grad_biases[k])  # np.sum's own reduction
            if k > 0:
                delta = ws.backprop(k - 1, names[k - 1], delta, weights[k])
        return value

    def _weigh(self, z: Array, o: Array, t: Array, w: Array, delta: Array) -> float:
        """The weighted mean loss, ``delta`` rescaled to its gradient (``Head.weighted``)."""
        return self.head.weighted(z, o, t, w, delta)

    def _hidden(self, k: int, a: Array, ws: _Workspace) -> Array:
        """Hidden layer k on the batch a, into the workspace: z = a·Wᵀ + b, then act(z)."""
        name = self.activations[k]
        z = np.matmul(a, self.weights[k].T, out=ws.z[k])
        if name == "relu":
            kernels.bias_relu(z, self.biases[k])  # z is a's buffer (_IN_PLACE)
            return z
        z += self.biases[k]
        return ACTIVATIONS[name].forward(z, ws.a[k])

    def _workspace(self, n: int) -> _Workspace:
        """Buffers for batches of n rows, kept for the last few batch sizes when they are small
        enough (a training loop meets one or two sizes: the batch and the epoch's leftover)."""
        ws = self._workspaces.get(n)
        if ws is None:
            ws = _Workspace(n, self.sizes, self.activations, self.dtype)
            if ws.nbytes <= _WORKSPACE_MAX_BYTES:
                if len(self._workspaces) >= 4:
                    self._workspaces.pop(next(iter(self._workspaces)))
                self._workspaces[n] = ws
        return ws

    def loss_and_grad(self, x: Array, t: Array) -> tuple[float, Array]:
        """Validated convenience: (mean data loss, a copy of the gradient buffer); DataError
        for empty or non-finite x or t, as ``loss``."""
        x = check_rows("x", self._as_input(x), source=x)
        t = check_rows("t", self._as_target(t, x.shape[0]), source=t)
        value = self.gradient(x, t)
        return value, self.grads.copy()

    # -- other libraries ----------------------------------------------------------------------
    def to_torch(self) -> torch.nn.Sequential:  # noqa: F821 - torch is imported when called
        """This network as a ``torch.nn.Sequential`` with the same weights (``interop.to_torch``;
        torch is imported only when this is called)."""
        from depthlens.nn.interop import to_torch

        return to_torch(self)
