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

**Pre-training** (``nn/pretraining.py``) is a start too: ``NAME+pretrain`` draws the
initializer's weights, then trains every hidden layer as an autoencoder on the codes of the
layers below (greedy, layer by layer) before the supervised epochs. ``pretrain_race`` races
it on a deep sigmoid network against small Gaussian, Glorot and He starts
(``PRETRAIN_INITS``): from N(0, 0.01²) every sigmoid unit starts at 0.5 and the gradient
shrinks by ≈ σ'(0)·√n·0.01 = 0.25·√32·0.01 ≈ 0.014 per layer, so the small-Gaussian network
barely moves, while the autoencoders give each layer weights that carry its input on; Glorot
and He scale the weights so the signal survives the depth without any pre-training (the
reason it fell out of use). The pre-training's own epochs are extra work, not counted in the
race's epochs.

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
from depthlens.nn.pretraining import check_params as check_pretrain_params

Array = np.ndarray


@dataclass(frozen=True)
class InitSpec:
    """An initializer with its parameters and a label for the pictures."""

    label: str
    name: str
    params: tuple[tuple[str, Any], ...] = ()
    pretrain: tuple[tuple[str, Any], ...] | None = None
    """None: the initializer alone; else autoencoder pre-training with these settings
    (``nn/pretraining.check_params``; () = its defaults) after it."""

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def pretrain_kwargs(self) -> dict[str, Any]:
        return dict(self.pretrain or ())


PRETRAIN_SUFFIX = "+pretrain"


def with_pretraining(spec: InitSpec, **settings: Any) -> InitSpec:
    """``spec`` followed by autoencoder pre-training with ``settings`` (epochs, optimizer, lr,
    batch_size, seed, the optimizer's parameters; checked), labelled e.g.
    'gaussian(std=0.01)+pretrain' or 'gaussian(std=0.01)+pretrain(epochs=5)'."""
    check_pretrain_params("autoencoder", settings)
    extra = ("(" + ", ".join(f"{k}={_text(v)}" for k, v in settings.items()) + ")"
             if settings else "")
    return InitSpec(spec.label + PRETRAIN_SUFFIX + extra, spec.name, spec.params,
                    tuple(settings.items()))


def _text(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


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
    label = key + ("(" + ", ".join(f"{k}={_text(v)}" for k, v in params.items()) + ")"
                   if params else "")
    return InitSpec(label, key, tuple(params.items()))


def parse_init(text: str) -> InitSpec:
    """'he_normal', 'gaussian:std=1' or 'constant:value=0.1,bias=0' → InitSpec; a suffix
    '+pretrain' (or '+pretrain:epochs=5,optimizer=sgd,lr=0.1') adds autoencoder pre-training."""
    text, plus, settings_text = text.strip().partition(PRETRAIN_SUFFIX)
    name, _, rest = text.partition(":")
    params = _pairs(text, rest, numbers_only=True)
    spec = init_spec(name, **params)
    if not plus:
        return spec
    if settings_text and not settings_text.startswith(":"):
        raise ConfigError("init", text + plus + settings_text,
                          "NAME[:param=value,…]+pretrain[:setting=value,…]")
    return with_pretraining(spec, **_pairs(text, settings_text[1:], numbers_only=False))


def _pairs(text: str, rest: str, numbers_only: bool) -> dict[str, Any]:
    """'a=1,b=x' → {'a': 1, 'b': 'x'}: whole numbers as int, numbers as float, and (unless
    ``numbers_only``) any other value as its text."""
    out: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, raw = item.partition("=")
        if not eq:
            raise ConfigError("init", text, "NAME or NAME:param=value,… e.g. gaussian:std=1")
        raw = raw.strip()
        try:
            out[key.strip()] = int(raw) if raw.lstrip("-").isdigit() else float(raw)
        except ValueError:
            if numbers_only:
                raise ConfigError(f"init.{key.strip()}", raw, "a number") from None
            out[key.strip()] = raw
    return out


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

PRETRAIN_INITS: tuple[InitSpec, ...] = (
    init_spec("gaussian", std=0.01),
    with_pretraining(init_spec("gaussian", std=0.01)),
    init_spec("glorot_normal"),
    init_spec("he_normal"),
)
"""The pre-training race (``pretrain_race``): a small Gaussian start with and without
autoencoder pre-training, and the two scaled initializers that made it unnecessary."""


def lab_config(activation: str, spec: InitSpec, depth: int = 10, width: int = 32,
               dataset: str = "circle", optimizer: str = "momentum", lr: float = 0.01,
               batch_size: int = 10, seed: int = 0, n_samples: int | None = None) -> Config:
    """The Config of one network of the lab: ``depth`` hidden layers of ``width`` units,
    standardized inputs, the given initializer (and its pre-training, if any)."""
    return Config(dataset=dataset, n_samples=n_samples, layers=(int(width),) * int(depth),
                  activation=activation, init=spec.name, init_params=spec.kwargs,
                  pretrain="none" if spec.pretrain is None else "autoencoder",
                  pretrain_params=spec.pretrain_kwargs,
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
    """One (activation, initializer) network: stats at init, training curves, symmetry.

    With pre-training, "at init" is after it (where supervised training starts) and
    ``session.pretraining`` holds every layer's reconstruction losses."""

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
        s = Session(run.session.config, dataset=run.session.dataset, run_pretraining=False)
        s.net.params[...] = run.initial
        s.pretraining = run.session.pretraining
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


def pretrain_race(depth: int = 6, width: int = 32, dataset: str = "circle", epochs: int = 40,
                  optimizer: str = "adam", lr: float = 0.003, batch_size: int = 10,
                  seed: int = 0, n_samples: int | None = None,
                  inits: Sequence[InitSpec | str] = PRETRAIN_INITS,
                  progress: Callable[[str], object] | None = None) -> InitLab:
    """The init lab on a deep sigmoid network with ``PRETRAIN_INITS``: where greedy
    autoencoder pre-training helps (from small Gaussian weights) and where Glorot and He
    make it unnecessary (module docstring). ``lab.runs['sigmoid', label]``."""
    return init_lab(("sigmoid",), inits, depth, width, dataset, epochs, optimizer, lr,
                    batch_size, seed, n_samples, progress)
