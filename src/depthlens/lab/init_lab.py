"""The initialization lab: what a deep network looks like before training, per initializer.

A deep plain network (default 10 hidden layers × 32 units, tanh or ReLU) is built with each
initializer on the same data; at initialization the lab measures, for every hidden layer l,

    mean and std of its activations a_l (over all samples and units),
    ‖∂L/∂W_l‖_F, the gradient norm of every layer's weights (``net.gradient``),

then trains each network with the same optimizer and keeps the loss curves.

Why the numbers behave as they do: with zero-mean weights of variance v and fan-in n, a
linear(ized) unit has Var z_l = n·v·E[a_{l−1}²]. So a_l keeps its scale through depth only when
n·v·gain-factor ≈ 1: v = 1/n for tanh near 0 (LeCun; Glorot's 2/(n_in + n_out) when fan-in =
fan-out), v = 2/n for ReLU, which zeroes half of its input (He). Smaller v shrinks every layer
by the same factor (gaussian std 0.01 with n = 32 and ReLU: ×√(32·10⁻⁴/2) = ×0.04 per layer,
10⁻¹³ after ten layers) and the gradients vanish with it; larger v saturates tanh or blows ReLU
up.

**Symmetry.** When all units of a layer start equal (``zeros``, ``constant``), they get equal
gradients, so they stay equal after any number of steps: the layer works as one unit. The lab
measures it after training as ``unit_spread`` = the largest difference between any unit's
(incoming weights, bias) and the first unit's, per hidden layer: exactly 0 for these inits.
(With zeros, tanh/ReLU give a = 0, so no weight but the output bias ever moves.)

Python::

    from depthlens.lab import init_lab
    lab = init_lab(activations=("relu",), epochs=20)
    lab.runs["relu", "he_normal"].stats.act_std
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.lab.curves import train_curves
from depthlens.nn.initializers import init_name, init_params
from depthlens.nn.network import MLP

Array = np.ndarray


@dataclass(frozen=True)
class InitSpec:
    """An initializer with its parameters and a label for the pictures."""

    label: str
    name: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)


def init_spec(name: str, **params: Any) -> InitSpec:
    """An InitSpec with a label such as 'gaussian(std=1)'; checks the name and parameters."""
    key = init_name(name)
    allowed = init_params(key)
    for p in params:
        if p not in allowed:
            raise ConfigError(f"init.{p}", params[p], f"a parameter of {key!r}: "
                              f"{sorted(allowed) or 'none'}")
    if key == "gaussian" and "std" not in params:
        params = {"std": allowed["std"], **params}
    label = key + ("(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                   for k, v in params.items()) + ")" if params else "")
    return InitSpec(label, key, tuple(params.items()))


def parse_init(text: str) -> InitSpec:
    """'he_normal', 'gaussian:std=1' or 'constant:value=0.1,bias=0' → InitSpec."""
    name, _, rest = text.strip().partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, raw = item.partition("=")
        if not eq:
            raise ConfigError("init", text, "NAME or NAME:param=value,… e.g. gaussian:std=1")
        try:
            params[key.strip()] = int(raw) if raw.strip().lstrip("-").isdigit() else float(raw)
        except ValueError:
            raise ConfigError(f"init.{key.strip()}", raw, "a number") from None
    return init_spec(name, **params)


DEFAULT_INITS: tuple[InitSpec, ...] = (
    init_spec("zeros"),
    init_spec("constant"),
    init_spec("gaussian", std=0.01),
    init_spec("gaussian", std=1.0),
    init_spec("playground"),
    init_spec("glorot_normal"),
    init_spec("he_normal"),
    init_spec("orthogonal"),
    init_spec("sparse"),
)
"""The lab's initializers: the founding text's Gaussian and uniform (Playground's), Glorot,
He, orthogonal, Martens' sparse, and zeros and a constant (0.1) for the symmetry."""

SYMMETRIC_INITS = ("zeros", "constant")


def lab_config(activation: str, spec: InitSpec, depth: int = 10, width: int = 32,
               dataset: str = "circle", optimizer: str = "momentum", lr: float = 0.01,
               batch_size: int = 10, seed: int = 0, n_samples: int | None = None) -> Config:
    """The Config of one network of the lab: ``depth`` hidden layers of ``width`` units,
    standardized inputs, the given initializer."""
    return Config(dataset=dataset, n_samples=n_samples, layers=(int(width),) * int(depth),
                  activation=activation, init=spec.name, init_params=spec.kwargs,
                  preprocessing="standardize", optimizer=optimizer, lr=lr,
                  batch_size=batch_size, seed=seed)


@dataclass
class InitStats:
    """Per-layer numbers at initialization (hidden layers for activations, every dense layer
    for gradients). ``activations[l]`` holds layer l's values (flattened) for histograms."""

    act_mean: Array
    act_std: Array
    grad_norm: Array
    activations: list[Array]
    loss: float


def init_statistics(net: MLP, x: Array, t: Array) -> InitStats:
    """Activation mean/std of every hidden layer (``net.trace``) and ‖∂L/∂W_l‖_F of every
    layer (``net.gradient`` then ``net.grad_weights``) on inputs x and encoded targets t."""
    xv = net._as_input(x)
    tv = net._as_target(t, xv.shape[0])
    trace = net.trace(xv)
    hidden = [np.asarray(a, dtype=np.float64).ravel() for a in trace.post[:-1]]
    loss = net.gradient(xv, tv)
    grads = np.array([float(np.linalg.norm(g.astype(np.float64))) for g in net.grad_weights])
    return InitStats(np.array([h.mean() for h in hidden]), np.array([h.std() for h in hidden]),
                     grads, hidden, float(loss))


def unit_spread(net: MLP) -> Array:
    """Per hidden layer: max over units i of max |(W_l[i], b_l[i]) − (W_l[0], b_l[0])|.

    0 exactly when every unit of the layer has the same incoming weights and bias."""
    out = []
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        rows = np.column_stack([w, b]).astype(np.float64)
        out.append(float(np.max(np.abs(rows - rows[0]))))
    return np.array(out)


@dataclass
class InitRun:
    """One (activation, initializer) network: stats at init, training curves, symmetry."""

    activation: str
    spec: InitSpec
    stats: InitStats
    initial: Array
    session: Session
    train_loss: list[float] = field(default_factory=list)
    test_metric: list[float] = field(default_factory=list)
    spread_init: Array | None = None
    spread_trained: Array | None = None
    diverged: str | None = None


@dataclass
class InitLab:
    """Every run of the lab by (activation, label)."""

    runs: dict[tuple[str, str], InitRun]
    activations: tuple[str, ...]
    inits: tuple[InitSpec, ...]
    depth: int
    width: int
    epochs: int
    metric: str

    def initial_session(self, activation: str, label: str) -> Session:
        """A Session of that network with its initial weights (for lens pictures at init)."""
        run = self.runs[activation, label]
        s = Session(run.session.config, dataset=run.session.dataset)
        s.net.params[...] = run.initial
        return s


def init_lab(activations: Sequence[str] = ("tanh", "relu"),
             inits: Sequence[InitSpec | str] | None = None, depth: int = 10, width: int = 32,
             dataset: str = "circle", epochs: int = 30, optimizer: str = "momentum",
             lr: float = 0.01, batch_size: int = 10, seed: int = 0,
             n_samples: int | None = None,
             progress: Callable[[str], object] | None = None) -> InitLab:
    """Build, measure and train one network per (activation, initializer) (module docstring).

    Every network sees the same data (the same seed) and trains with the same optimizer for
    ``epochs`` epochs; a run that diverges keeps its curve up to there."""
    specs = tuple(parse_init(i) if isinstance(i, str) else i
                  for i in (DEFAULT_INITS if inits is None else inits))
    if depth < 1 or width < 1:
        raise ConfigError("depth", (depth, width), "depth and width ≥ 1")
    runs: dict[tuple[str, str], InitRun] = {}
    metric = "accuracy"
    for act in activations:
        for spec in specs:
            cfg = lab_config(act, spec, depth, width, dataset, optimizer, lr, batch_size, seed,
                             n_samples)
            session = Session(cfg)
            metric = session.history.metric
            tr = session.trainer
            stats = init_statistics(session.net, tr.x, tr.t)
            run = InitRun(act, spec, stats, session.net.params.copy(), session,
                          spread_init=unit_spread(session.net))
            curves = train_curves(session, epochs)
            run.train_loss, run.test_metric = curves.train_loss, curves.test_metric
            run.diverged = curves.diverged
            run.spread_trained = unit_spread(session.net)
            runs[act, spec.label] = run
            if progress is not None:
                progress(f"{act} {spec.label}")
    return InitLab(runs, tuple(activations), specs, int(depth), int(width), int(epochs), metric)
