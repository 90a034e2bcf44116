"""Optimizers as (init, update) pairs over the network's flat parameter buffer.

``opt.init(params)`` returns the state: plain named arrays (so it saves to .npz) plus the step
count ``t``. ``opt.update(params, grads, state)`` changes ``params`` and ``state`` in place and
leaves ``grads`` untouched. Each update is one compiled loop over the buffer, so a step costs the
same few microseconds whatever the depth of the network.

Names, defaults and rules are PyTorch 2.13's (``torch.optim``), with θ the parameters, g the
gradient of the mean batch loss, γ = lr, λ = weight_decay and t = 1, 2, … the step count:

- **sgd** (lr 1e-3, momentum μ 0, dampening τ 0, nesterov off, λ 0): g ← g + λθ; with μ ≠ 0,
  b ← g at the first step with μ ≠ 0 (t = 1, or later when momentum is switched on mid-run,
  as PyTorch), else b ← μb + (1 − τ)g; g ← g + μb (nesterov) or b; θ ← θ − γg.
- **adagrad** (lr 1e-2, lr_decay 0, λ 0, initial_accumulator_value 0, eps 1e-10):
  s ← s + g²; θ ← θ − γ/(1 + (t − 1)·lr_decay) · g/(√s + eps).
- **rmsprop** (lr 1e-2, alpha 0.99, eps 1e-8, λ 0, momentum 0, centered off):
  v ← αv + (1 − α)g²; centered: ḡ ← ḡ + (1 − α)(g − ḡ), ṽ = v − ḡ²; d = √ṽ + eps;
  with momentum b ← μb + g/d, θ ← θ − γb; else θ ← θ − γg/d.
- **adadelta** (lr 1.0, rho 0.9, eps 1e-6, λ 0): v ← ρv + (1 − ρ)g²;
  Δ = √(u + eps)/√(v + eps)·g; u ← ρu + (1 − ρ)Δ²; θ ← θ − γΔ.
- **adam** (lr 1e-3, betas (0.9, 0.999), eps 1e-8, λ 0, amsgrad off): m ← m + (1 − β₁)(g − m);
  v ← β₂v + (1 − β₂)g²; amsgrad: v̂ₘ ← max(v̂ₘ, v) used for v;
  θ ← θ − γ/(1 − β₁ᵗ) · m/(√v/√(1 − β₂ᵗ) + eps).
- **adamw**: adam with decoupled decay θ ← θ(1 − γλ) first, and λ = 1e-2 by default.

An optimizer is plain data: its rule's name and its hyperparameters (``Optimizer(name,
hyper)``); the rules are module-level functions found by name, so an optimizer, its state and
a trainer holding them pickle and deep-copy. A rule may also offer a *fused* form for a trainer
that runs many steps in one compiled call (``Optimizer.fused_sgd``: SGD's arguments to
``sgd_kernel``); the trainer asks the optimizer for it rather than recognising the rule.

Weight decay here is the optimizers' own (applied to every parameter, biases too, as PyTorch does
for a single parameter group). The L1/L2 penalty of Playground is separate (``regularization``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numba
import numpy as np

from depthlens.errors import ConfigError
from depthlens.nn.kernels import sgd_kernel  # compiled beside run_batch (kernels' docstring)

Array = np.ndarray
State = dict[str, Array]

_jit = numba.njit(cache=True, nogil=True, fastmath=False)


@_jit
def _adagrad_kernel(p, g, s, clr, wd, eps):  # pragma: no cover
    for i in range(p.size):
        gi = g[i] + wd * p[i] if wd != 0.0 else g[i]
        s[i] = s[i] + gi * gi
        p[i] = p[i] - clr * (gi / (np.sqrt(s[i]) + eps))


@_jit
def _rmsprop_kernel(p, g, v, gavg, buf, lr, alpha, eps, wd, momentum, centered):  # pragma: no cover
    for i in range(p.size):
        gi = g[i] + wd * p[i] if wd != 0.0 else g[i]
        v[i] = v[i] * alpha + (1.0 - alpha) * gi * gi
        if centered:
            gavg[i] = gavg[i] + (1.0 - alpha) * (gi - gavg[i])
            d = np.sqrt(v[i] - gavg[i] * gavg[i]) + eps
        else:
            d = np.sqrt(v[i]) + eps
        if momentum > 0.0:
            buf[i] = buf[i] * momentum + gi / d
            p[i] = p[i] - lr * buf[i]
        else:
            p[i] = p[i] - lr * (gi / d)


@_jit
def _adadelta_kernel(p, g, v, u, lr, rho, eps, wd):  # pragma: no cover
    for i in range(p.size):
        gi = g[i] + wd * p[i] if wd != 0.0 else g[i]
        v[i] = v[i] * rho + (1.0 - rho) * gi * gi
        delta = np.sqrt(u[i] + eps) / np.sqrt(v[i] + eps) * gi
        u[i] = u[i] * rho + (1.0 - rho) * delta * delta
        p[i] = p[i] - lr * delta


@_jit
def _adam_kernel(p, g, m, v, vmax, lr, beta1, beta2, eps, wd, decoupled, amsgrad,
                 t):  # pragma: no cover
    bc1 = 1.0 - beta1**t
    bc2_sqrt = np.sqrt(1.0 - beta2**t)
    step = lr / bc1
    for i in range(p.size):
        if decoupled:
            p[i] = p[i] * (1.0 - lr * wd)
            gi = g[i]
        else:
            gi = g[i] + wd * p[i] if wd != 0.0 else g[i]
        m[i] = m[i] + (1.0 - beta1) * (gi - m[i])
        v[i] = v[i] * beta2 + (1.0 - beta2) * gi * gi
        if amsgrad:
            if v[i] > vmax[i]:
                vmax[i] = v[i]
            denom = np.sqrt(vmax[i]) / bc2_sqrt + eps
        else:
            denom = np.sqrt(v[i]) / bc2_sqrt + eps
        p[i] = p[i] - step * (m[i] / denom)


# -- the rules: (state arrays, update) by name, module-level so an optimizer is plain data ------
def _sgd_update(p: Array, g: Array, s: State, h: dict[str, Any]) -> None:
    sgd_kernel(p, g, s["momentum_buffer"], h["lr"], h["momentum"], h["dampening"],
               h["weight_decay"], h["nesterov"], int(s["t"]) == 1)


def _adagrad_update(p: Array, g: Array, s: State, h: dict[str, Any]) -> None:
    clr = h["lr"] / (1.0 + (int(s["t"]) - 1) * h["lr_decay"])
    _adagrad_kernel(p, g, s["sum"], clr, h["weight_decay"], h["eps"])


def _rmsprop_update(p: Array, g: Array, s: State, h: dict[str, Any]) -> None:
    _rmsprop_kernel(p, g, s["square_avg"], s["grad_avg"], s["momentum_buffer"], h["lr"],
                    h["alpha"], h["eps"], h["weight_decay"], h["momentum"], h["centered"])


def _adadelta_update(p: Array, g: Array, s: State, h: dict[str, Any]) -> None:
    _adadelta_kernel(p, g, s["square_avg"], s["acc_delta"], h["lr"], h["rho"], h["eps"],
                     h["weight_decay"])


def _adam_update(p: Array, g: Array, s: State, h: dict[str, Any]) -> None:
    _adam_kernel(p, g, s["exp_avg"], s["exp_avg_sq"], s["max_exp_avg_sq"], h["lr"],
                 h["betas"][0], h["betas"][1], h["eps"], h["weight_decay"], False,
                 h["amsgrad"], int(s["t"]))


def _adamw_update(p: Array, g: Array, s: State, h: dict[str, Any]) -> None:
    _adam_kernel(p, g, s["exp_avg"], s["exp_avg_sq"], s["max_exp_avg_sq"], h["lr"],
                 h["betas"][0], h["betas"][1], h["eps"], h["weight_decay"], True,
                 h["amsgrad"], int(s["t"]))


class Rule(NamedTuple):
    """An update rule: the state arrays it keeps (zeros, or filled from a hyperparameter) and
    its in-place update ``update(params, grads, state, hyper)``."""

    arrays: tuple[str, ...]
    update: Callable[[Array, Array, State, dict[str, Any]], None]
    fill: tuple[tuple[str, str], ...] = ()


RULES: dict[str, Rule] = {
    "sgd": Rule(("momentum_buffer",), _sgd_update),
    "adagrad": Rule(("sum",), _adagrad_update, (("sum", "initial_accumulator_value"),)),
    "rmsprop": Rule(("square_avg", "grad_avg", "momentum_buffer"), _rmsprop_update),
    "adadelta": Rule(("square_avg", "acc_delta"), _adadelta_update),
    "adam": Rule(("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), _adam_update),
    "adamw": Rule(("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), _adamw_update),
}
"""The rules by PyTorch's names (what ``Optimizer.name`` refers to)."""


@dataclass
class Optimizer:
    """An optimizer: its rule's name and its hyperparameters, plain data (it pickles).

    ``hyper`` is read at every update, so changing ``opt.hyper['lr']`` between steps takes effect
    at once without resetting the state (as Playground's learning-rate menu does).
    """

    name: str
    hyper: dict[str, Any]

    def init(self, params: Array) -> State:
        """Fresh state for a parameter buffer: the rule's arrays and t = 0.

        np.zeros (calloc) rather than zeros_like (which writes every zero): a buffer the rule
        never touches, like SGD's momentum buffer at momentum 0, then costs no memory pages."""
        rule = RULES[self.name]
        state = {n: np.zeros(params.shape, dtype=params.dtype) for n in rule.arrays}
        for n, key in rule.fill:
            state[n][:] = self.hyper[key]
        state["t"] = np.zeros((), dtype=np.int64)
        return state

    def update(self, params: Array, grads: Array, state: State) -> None:
        """One step: t ← t + 1, then the rule of the module docstring, in place."""
        state["t"] += 1
        RULES[self.name].update(params, grads, state, self.hyper)

    def fused_sgd(self, state: State) -> tuple[Array, float, float, float, float, bool] | None:
        """The fused form, for a trainer that runs steps in its own compiled loop: the
        arguments of ``sgd_kernel`` after (params, grads) — (momentum buffer, lr, momentum,
        dampening, weight decay, nesterov) — when this optimizer's rule is SGD; else None (the
        trainer then calls ``update`` step by step). Either way the steps are the same."""
        if self.name != "sgd":
            return None
        h = self.hyper
        return (state["momentum_buffer"], h["lr"], h["momentum"], h["dampening"],
                h["weight_decay"], h["nesterov"])

    @property
    def lr(self) -> float:
        return float(self.hyper["lr"])

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyper.items())
        return f"{self.name}({args})"


EPS_RULE = "a number > 0 (it keeps the step finite where a gradient is 0)"
"""What every adaptive rule asks of ``eps``: with 0, a zero gradient makes a step 0/0."""


def _check(name: str, value: Any, ok: bool, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"optimizer.{name}", value, allowed)


def _number(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"optimizer.{name}", value, "a number") from None
    _check(name, value, np.isfinite(x), "a finite number")
    return x


def _common(lr: Any, weight_decay: Any) -> dict[str, float]:
    lr, wd = _number("lr", lr), _number("weight_decay", weight_decay)
    _check("lr", lr, lr > 0, "a number > 0")
    _check("weight_decay", wd, wd >= 0, "a number ≥ 0")
    return {"lr": lr, "weight_decay": wd}


def sgd(lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
        weight_decay: float = 0.0, nesterov: bool = False) -> Optimizer:
    """Stochastic gradient descent, with optional (Nesterov) momentum; see the module docstring."""
    h = _common(lr, weight_decay)
    mom, damp = _number("momentum", momentum), _number("dampening", dampening)
    _check("momentum", momentum, mom >= 0, "a number ≥ 0")
    _check("dampening", dampening, 0 <= damp <= 1, "a number in [0, 1]")
    _check("nesterov", nesterov, not nesterov or (mom > 0 and damp == 0),
           "True only with momentum > 0 and dampening 0")
    h.update(momentum=mom, dampening=damp, nesterov=bool(nesterov))
    return Optimizer("sgd", h)


def adagrad(lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> Optimizer:
    """Adagrad: per-parameter steps shrinking with the summed squared gradients."""
    h = _common(lr, weight_decay)
    h.update(lr_decay=_number("lr_decay", lr_decay),
             initial_accumulator_value=_number("initial_accumulator_value",
                                               initial_accumulator_value),
             eps=_number("eps", eps))
    _check("lr_decay", lr_decay, h["lr_decay"] >= 0, "a number ≥ 0")
    _check("initial_accumulator_value", initial_accumulator_value,
           h["initial_accumulator_value"] >= 0, "a number ≥ 0")
    _check("eps", eps, h["eps"] > 0, EPS_RULE)
    return Optimizer("adagrad", h)


def rmsprop(lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False) -> Optimizer:
    """RMSprop: steps divided by a running root mean square of the gradient (no bias correction)."""
    h = _common(lr, weight_decay)
    h.update(alpha=_number("alpha", alpha), eps=_number("eps", eps),
             momentum=_number("momentum", momentum), centered=bool(centered))
    _check("alpha", alpha, 0 <= h["alpha"] < 1, "a number in [0, 1)")
    _check("eps", eps, h["eps"] > 0, EPS_RULE)
    _check("momentum", momentum, h["momentum"] >= 0, "a number ≥ 0")
    return Optimizer("rmsprop", h)


def adadelta(lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
             weight_decay: float = 0.0) -> Optimizer:
    """Adadelta (Zeiler): step sizes from running RMS of gradients and of past steps."""
    h = _common(lr, weight_decay)
    h.update(rho=_number("rho", rho), eps=_number("eps", eps))
    _check("rho", rho, 0 <= h["rho"] <= 1, "a number in [0, 1]")
    _check("eps", eps, h["eps"] > 0, EPS_RULE)
    return Optimizer("adadelta", h)


def _adam_like(name: str, lr: float, betas: tuple[float, float] | list[float], eps: float,
               weight_decay: float, amsgrad: bool) -> Optimizer:
    h = _common(lr, weight_decay)
    try:
        b1, b2 = (_number("betas", b) for b in betas)
    except (TypeError, ValueError):
        raise ConfigError("optimizer.betas", betas, "a pair of numbers in [0, 1)") from None
    _check("betas", betas, 0 <= b1 < 1 and 0 <= b2 < 1, "a pair of numbers in [0, 1)")
    h.update(betas=(b1, b2), eps=_number("eps", eps), amsgrad=bool(amsgrad))
    _check("eps", eps, h["eps"] > 0, EPS_RULE)
    return Optimizer(name, h)


def adam(lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False) -> Optimizer:
    """Adam (Kingma & Ba, Algorithm 1), with coupled L2 weight decay as PyTorch's Adam."""
    return _adam_like("adam", lr, betas, eps, weight_decay, amsgrad)


def adamw(lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 1e-2, amsgrad: bool = False) -> Optimizer:
    """AdamW: Adam with decoupled weight decay θ ← θ(1 − γλ) (Loshchilov & Hutter)."""
    return _adam_like("adamw", lr, betas, eps, weight_decay, amsgrad)


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": sgd,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adadelta": adadelta,
    "adam": adam,
    "adamw": adamw,
}
"""Registry of optimizer factories by PyTorch's names."""

PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "momentum": ("sgd", {"momentum": 0.9}),
    "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
}
"""Names users know for SGD settings: momentum = SGD(μ = 0.9), nesterov = SGD(μ = 0.9, Nesterov)."""


def make_optimizer(name: str, **hyper: Any) -> Optimizer:
    """Build an optimizer by name with hyperparameters; unknown names or parameters raise
    ConfigError naming the field (``optimizer`` or ``optimizer.<param>``)."""
    key = str(name).lower()
    if key in PRESETS:
        key, preset = PRESETS[key]
        hyper = {**preset, **hyper}
    if key not in OPTIMIZERS:
        raise ConfigError("optimizer", name, [*OPTIMIZERS, *PRESETS])
    factory = OPTIMIZERS[key]
    allowed = list(inspect.signature(factory).parameters)
    for k in hyper:
        if k not in allowed:
            raise ConfigError(f"optimizer.{k}", hyper[k],
                              f"a parameter of {key!r}: {', '.join(allowed)}")
    return factory(**hyper)
