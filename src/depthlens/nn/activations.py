"""Activation functions: the "bend" of a layer, y = a(z), applied elementwise.

Each activation is one registry entry with a forward rule and the local derivative a'(z) that
backprop multiplies in: dL/dz = dL/dy * a'(z). Where the derivative is cheapest from the output
(tanh: 1 - y², sigmoid: y·(1 - y)) it is computed from y; otherwise from z. Both are passed so each
rule can use the cheaper one.

| name        | a(z)                               | a'(z)                                  |
|-------------|------------------------------------|----------------------------------------|
| linear      | z                                  | 1                                      |
| relu        | max(z, 0)                          | 1 if z > 0 else 0 (0 at z = 0, as TF)  |
| leaky_relu  | z if z > 0 else s·z   (s = 0.01)   | 1 if z > 0 else s                      |
| elu         | z if z > 0 else α(eᶻ − 1) (α = 1)  | 1 if z > 0 else y + α                  |
| tanh        | tanh z                             | 1 − y²                                 |
| sigmoid     | 1 / (1 + e⁻ᶻ)                      | y(1 − y)                               |
| softplus    | log(1 + eᶻ)                        | sigmoid(z)                             |
| swish, silu | z·sigmoid(z)                       | σ + z·σ(1 − σ)                         |
| gelu        | z·Φ(z)  (exact, erf form)          | Φ(z) + z·φ(z)                          |
| sine        | sin z                              | cos z                                  |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from depthlens.errors import ConfigError

Array = np.ndarray

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
_SQRT_HALF = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class Activation:
    """An elementwise function with its derivative.

    ``forward(z, out)`` writes a(z) into ``out`` (which may be ``z`` itself only for the identity)
    and returns it; ``derivative(z, y)`` returns a'(z) given z and y = a(z).
    """

    name: str
    forward: Callable[[Array, Array], Array]
    derivative: Callable[[Array, Array], Array]
    code: int

    def __call__(self, z: Array) -> Array:
        return self.forward(z, np.empty_like(z))

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _sigmoid(z: Array, out: Array) -> Array:
    # Stable for large |z|: 0.5·(1 + tanh(z/2)) equals 1/(1+e^-z) and never overflows.
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


@numba.vectorize(["float32(float32)", "float64(float64)"], cache=True)
def _erf(x):  # pragma: no cover - compiled
    """The error function, elementwise (numpy has none; scipy is not a dependency).

    Both loops are declared up front: a lazily typed ufunc compiled for float64 first would
    then serve float32 input through its float64 loop and return float64."""
    return math.erf(x)


def _gelu(z: Array, out: Array) -> Array:
    cdf = 0.5 * (1.0 + _erf(z * _SQRT_HALF))
    np.multiply(z, cdf, out=out)
    return out


def _gelu_der(z: Array, y: Array) -> Array:
    cdf = 0.5 * (1.0 + _erf(z * _SQRT_HALF))
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * z * z)
    return cdf + z * pdf


def _softplus(z: Array, out: Array) -> Array:
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|), exact and overflow-free.
    np.logaddexp(z, 0.0, out=out)
    return out


def _swish(z: Array, out: Array) -> Array:
    _sigmoid(z, out)
    out *= z
    return out


def _swish_der(z: Array, y: Array) -> Array:
    s = _sigmoid(z, np.empty_like(z))
    return s * (1.0 + z * (1.0 - s))


def _relu(z: Array, out: Array) -> Array:
    np.maximum(z, 0.0, out=out)
    return out


def _leaky_relu(z: Array, out: Array) -> Array:
    np.copyto(out, np.where(z > 0, z, LEAKY_SLOPE * z))
    return out


def _elu(z: Array, out: Array) -> Array:
    np.copyto(out, np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0))))
    return out


def _linear(z: Array, out: Array) -> Array:
    if out is not z:
        np.copyto(out, z)
    return out


def _tanh(z: Array, out: Array) -> Array:
    return np.tanh(z, out=out)


def _sine(z: Array, out: Array) -> Array:
    return np.sin(z, out=out)


_ENTRIES: list[tuple[str, Callable, Callable]] = [
    ("linear", _linear, lambda z, y: np.ones_like(z)),
    ("relu", _relu, lambda z, y: (z > 0).astype(z.dtype)),
    ("leaky_relu", _leaky_relu, lambda z, y: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)),
    ("elu", _elu, lambda z, y: np.where(z > 0, 1.0, y + ELU_ALPHA).astype(z.dtype)),
    ("tanh", _tanh, lambda z, y: 1.0 - y * y),
    ("sigmoid", _sigmoid, lambda z, y: y * (1.0 - y)),
    ("softplus", _softplus, lambda z, y: _sigmoid(z, np.empty_like(z))),
    ("swish", _swish, _swish_der),
    ("gelu", _gelu, _gelu_der),
    ("sine", _sine, lambda z, y: np.cos(z)),
]

ACTIVATIONS: dict[str, Activation] = {
    name: Activation(name, fwd, der, code) for code, (name, fwd, der) in enumerate(_ENTRIES)
}
"""Registry of activations by the name users type; ``code`` indexes them in the kernels."""

ALIASES = {"silu": "swish", "identity": "linear", "none": "linear", "sin": "sine", "leakyrelu":
           "leaky_relu", "leaky-relu": "leaky_relu", "logistic": "sigmoid"}


def get_activation(name: str | Activation, field: str = "activation") -> Activation:
    """Look up an activation by name (or alias); raise ConfigError naming ``field`` if unknown."""
    if isinstance(name, Activation):
        return name
    key = str(name).lower()
    key = ALIASES.get(key, key)
    try:
        return ACTIVATIONS[key]
    except KeyError:
        raise ConfigError(field, name, [*ACTIVATIONS, *ALIASES]) from None
