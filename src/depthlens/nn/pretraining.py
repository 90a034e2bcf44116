"""Greedy layer-wise pre-training with autoencoders (Bengio, Lamblin, Popovici & Larochelle 2007).

A network ``n₀ → h₁ → … → h_{L−1} → m`` gets its hidden layers' starting weights one layer at a
time. With c⁰ = x (the network's inputs, after features and preprocessing: the training rows
only) and, for hidden layer l = 1 … L − 1 in turn,

    encoder   c = act_l(W_l·cˡ⁻¹ + b_l)          (layer l itself: its W_l, b_l and activation)
    decoder   ĉ = V_l·c + d_l                     (a fresh linear layer back to n_{l−1} units)
    loss      J_l = mean over rows and units of (ĉ − cˡ⁻¹)²      (mean squared reconstruction)

the autoencoder cˡ⁻¹ → c → ĉ is trained on J_l, its encoder starting from the initializer's
(W_l, b_l); the trained encoder's (W_l, b_l) become layer l's initial weights, and the data is
mapped through it, cˡ = act_l(W_l·cˡ⁻¹ + b_l), to train the next layer on. The output layer
keeps its initializer's weights. Supervised training then starts from there (fine-tuning).

Each autoencoder is the project's own network and trainer: an ``MLP([n_{l−1}, h_l, n_{l−1}],
act_l, output='linear', loss='mse')`` trained by ``Trainer`` (problem 'regression', targets =
inputs), so its gradients and optimizer steps are the ones checked against PyTorch.

*Decision: untied weights.* The decoder V_l is its own (n_{l−1}, h_l) matrix, not W_lᵀ: the
flat parameter buffer of ``MLP`` holds every layer's W apart, and tying would need a second
gradient. Bengio et al. (2007) report both; the decoder is thrown away after its layer.
The decoder starts as PyTorch's ``nn.Linear`` does, V_l and d_l ~ U(±1/√h_l).

The settings (``PRETRAIN_DEFAULTS``): ``epochs`` per layer, ``optimizer`` (any name of
``optimizers.OPTIMIZERS`` or ``PRESETS``) and its ``lr``, ``batch_size`` and ``seed``; every
other key is a hyperparameter of that optimizer (``momentum``, ``betas``, …). Everything is a
function of the seed: one generator draws each layer's decoder and its trainer's batch-order seed.

A layer whose autoencoder diverges (NaN or ∞) keeps the encoder weights of the last epoch with a
finite loss (the trainer's guard), says so in ``PretrainResult.diverged`` and the next layer goes
on from there: a lesson, not a crash.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from depthlens.errors import ConfigError, DivergenceError
from depthlens.nn.initializers import initialize
from depthlens.nn.network import MLP
from depthlens.nn.optimizers import OPTIMIZERS, PRESETS, make_optimizer
from depthlens.nn.training import Trainer

Array = np.ndarray

METHODS = ("none", "autoencoder")
"""What ``Config.pretrain`` may name: no pre-training, or greedy autoencoders."""

PRETRAIN_DEFAULTS: dict[str, Any] = {"epochs": 10, "optimizer": "adam", "lr": 0.01,
                                     "batch_size": 10}
"""Settings when ``pretrain_params`` leaves them out (the seed: the caller's)."""

MAX_PRETRAIN_EPOCHS = 1000
"""Epochs per layer at most (pre-training runs whenever a Session builds its network)."""

_OWN = ("epochs", "optimizer", "lr", "batch_size", "seed")


def method_name(method: Any) -> str:
    """The canonical pre-training name; ConfigError naming ``pretrain`` otherwise."""
    key = method.lower() if isinstance(method, str) else method
    if key not in METHODS:
        raise ConfigError("pretrain", method, list(METHODS))
    return key


def _whole(field_name: str, v: Any, low: int, high: int, also: str = "") -> int:
    ok = _is_number(v) and (not isinstance(v, float | np.floating) or (
        math.isfinite(v) and float(v).is_integer())) and low <= v <= high
    if not ok:
        raise ConfigError(field_name, v, f"a whole number in [{low}, {high}]{also}")
    return int(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def check_params(method: str, params: dict[str, Any], prefix: str = "pretrain"
                 ) -> dict[str, Any]:
    """Check pre-training settings before anything is built; return them complete (defaults
    filled, numbers as the trainer takes them; no ``seed`` key unless one was given).

    With ``method`` 'none' no setting is allowed. With 'autoencoder': ``epochs`` a whole number
    in [1, MAX_PRETRAIN_EPOCHS]; ``optimizer`` a name of ``OPTIMIZERS`` or ``PRESETS``; ``lr``
    a number in (0, 100]; ``batch_size`` a whole number in [1, 100000] or 'all'; ``seed`` a
    whole number in [0, 2³² − 1]; any other key a hyperparameter of that optimizer, of its type
    (a flag a bool, ``betas`` a pair of numbers, the rest numbers) and in its factory's range.
    ConfigError naming ``<prefix>.<key>`` (``<prefix>`` for the method), the value and what is
    allowed, otherwise."""
    key = method_name(method)
    if not isinstance(params, dict):
        raise ConfigError(prefix, params, "an object of setting names to values")
    if key == "none":
        for k, v in params.items():
            raise ConfigError(f"{prefix}.{k}", v, "no settings while pretrain is 'none' (set "
                              "pretrain to 'autoencoder')")
        return {}
    out = {**PRETRAIN_DEFAULTS}
    given = dict(params)
    name = given.pop("optimizer", out["optimizer"])
    if not isinstance(name, str) or name.lower() not in (*OPTIMIZERS, *PRESETS):
        raise ConfigError(f"{prefix}.optimizer", name, [*OPTIMIZERS, *PRESETS])
    out["optimizer"] = name.lower()
    if "epochs" in given:
        out["epochs"] = _whole(f"{prefix}.epochs", given.pop("epochs"), 1, MAX_PRETRAIN_EPOCHS)
    if "lr" in given:
        lr = given.pop("lr")
        if not _is_number(lr) or not 0 < lr <= 100 or not math.isfinite(lr):
            raise ConfigError(f"{prefix}.lr", lr, "a number in (0, 100]")
        out["lr"] = float(lr)
    if "batch_size" in given:
        b = given.pop("batch_size")
        out["batch_size"] = b if b == "all" else _whole(f"{prefix}.batch_size", b, 1, 100_000,
                                                        " or 'all'")
    if "seed" in given:
        out["seed"] = _whole(f"{prefix}.seed", given.pop("seed"), 0, 2**32 - 1)
    rule, _ = PRESETS.get(out["optimizer"], (out["optimizer"], {}))
    defaults = {k: p.default for k, p in inspect.signature(OPTIMIZERS[rule]).parameters.items()
                if k != "lr"}
    for k, v in given.items():
        where = f"{prefix}.{k}"
        if k not in defaults:
            raise ConfigError(where, v, f"a setting ({', '.join(_OWN)}) or a parameter of "
                              f"{rule!r}: {', '.join(defaults)}")
        default = defaults[k]
        if isinstance(default, bool):
            if not isinstance(v, bool):
                raise ConfigError(where, v, [True, False])
        elif isinstance(default, tuple):
            if not (isinstance(v, list | tuple) and len(v) == len(default)
                    and all(_is_number(x) for x in v)):
                raise ConfigError(where, v, f"a list of {len(default)} numbers in [0, 1)")
            v = list(v)
        elif not _is_number(v):
            raise ConfigError(where, v, "a finite number")
        out[k] = v
    try:  # the factory's own ranges
        _optimizer(out)
    except ConfigError as e:
        raise ConfigError(f"{prefix}.{e.field.partition('.')[2] or e.field}", e.value,
                          e.allowed) from None
    return out


def _optimizer(settings: dict[str, Any]):
    hyper = {k: v for k, v in settings.items() if k not in _OWN}
    return make_optimizer(settings["optimizer"], lr=settings["lr"], **hyper)


@dataclass
class PretrainResult:
    """What pre-training did, layer by layer (hidden layer l is index l − 1).

    ``losses[l − 1][e]``: J_l, the mean squared reconstruction error on all training rows,
    before training (e = 0) and after each epoch e; ``sizes[l − 1]`` = (n_{l−1}, h_l);
    ``diverged[l − 1]``: None, or the divergence message of that layer's autoencoder;
    ``decoders[l − 1]``: its trained decoder (V_l, d_l) (kept in memory, not in ``to_dict``:
    ``autoencoder(net, l − 1, decoders[l − 1])`` is the trained autoencoder again)."""

    method: str
    settings: dict[str, Any]
    sizes: list[tuple[int, int]] = field(default_factory=list)
    losses: list[list[float]] = field(default_factory=list)
    diverged: list[str | None] = field(default_factory=list)
    decoders: list[tuple[Array, Array]] = field(default_factory=list, compare=False,
                                                repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (non-finite numbers as None): method, settings and one entry per layer."""
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {"method": self.method, "settings": dict(self.settings),
                "layers": [{"layer": k + 1, "sizes": list(s), "loss": [num(v) for v in ls],
                            "diverged": d}
                           for k, (s, ls, d) in enumerate(zip(self.sizes, self.losses,
                                                              self.diverged))]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PretrainResult:
        """Back from ``to_dict`` (None read as NaN); the caller checks the types."""
        layers = data["layers"]
        return cls(data["method"], dict(data["settings"]),
                   [tuple(int(v) for v in e["sizes"]) for e in layers],
                   [[math.nan if v is None else float(v) for v in e["loss"]] for e in layers],
                   [e["diverged"] for e in layers])


def autoencoder(net: MLP, layer: int, decoder: tuple[Array, Array]) -> MLP:
    """The autoencoder of hidden layer ``layer`` (0-based) of ``net``: ``MLP([n, h, n])`` with
    that layer's activation, a linear output and mse, its encoder a copy of the layer's
    (W, b) and its decoder (V, d) as given."""
    n, h = net.sizes[layer], net.sizes[layer + 1]
    ae = MLP([n, h, n], net.activations[layer], output="linear", loss="mse", dtype=net.dtype,
             backend=net.backend)
    ae.set_params([net.weights[layer], decoder[0]], [net.biases[layer], decoder[1]])
    return ae


def pretrain_autoencoders(net: MLP, x: Array, seed: int = 0, **params: Any) -> PretrainResult:
    """Greedy layer-wise pre-training of ``net``'s hidden layers in place (module docstring) on
    inputs x (n, n₀); ``params`` as ``check_params`` takes them. Returns every layer's
    reconstruction losses. A network without hidden layers is left as it is."""
    settings = check_params("autoencoder", params)
    seed = int(settings.pop("seed", seed))
    rng = np.random.default_rng(seed)
    codes = net._as_input(x)
    result = PretrainResult("autoencoder", {**settings, "seed": seed})
    for k in range(net.n_layers - 1):
        n, h = net.sizes[k], net.sizes[k + 1]
        v, d = initialize("torch", rng, (n, h))
        ae = autoencoder(net, k, (v, d))
        trainer = Trainer(ae, _optimizer(settings), codes, codes, problem="regression",
                          batch_size=settings["batch_size"], shuffle=True,
                          seed=int(rng.integers(2**32)))
        losses = [ae.loss(codes, codes)]
        diverged = None
        for _ in range(settings["epochs"]):
            try:
                losses.append(trainer.epoch()["train_loss"])
            except DivergenceError as e:
                diverged = f"pre-training hidden layer {k + 1}: {e}"
                break
        net.weights[k][...] = ae.weights[0]
        net.biases[k][...] = ae.biases[0]
        codes = np.ascontiguousarray(ae.trace(codes).post[0])
        result.sizes.append((n, h))
        result.losses.append([float(v) for v in losses])
        result.diverged.append(diverged)
        result.decoders.append((ae.weights[1].copy(), ae.biases[1].copy()))
    return result


def pretrain(net: MLP, x: Array, method: str, params: dict[str, Any], seed: int = 0
             ) -> PretrainResult | None:
    """Apply the pre-training ``method`` names to ``net`` on inputs x: None (and ``net``
    untouched) for 'none', else ``pretrain_autoencoders``'s result."""
    if method_name(method) == "none":
        check_params("none", params)
        return None
    return pretrain_autoencoders(net, x, seed, **params)
