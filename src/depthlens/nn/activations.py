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

sigmoid is computed as 1/(1 + e⁻ᶻ) for z ≥ 0 and eᶻ/(1 + eᶻ) for z < 0, so it is exact to a few
ulps in both tails (and so are swish and softplus's derivative, which use it). NaN in gives NaN
out for every activation and derivative, here and in the compiled kernels alike.
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


_SIGMOID_NO_OVERFLOW = {np.dtype(np.float32): -80.0, np.dtype(np.float64): -700.0}
"""For z at or above these e^−z is finite (e^80 = 5.5e34 < 3.4e38, e^700 = 1e304 < 1.8e308)."""


def _sigmoid(z: Array, out: Array) -> Array:
    """σ(z) = 1/(1 + e^−z), exact to a few ulps everywhere, the tails included: σ(−40) =
    4.2e−18 where the form 0.5·(1 + tanh(z/2)) rounds to 0 (1 + tanh(−20) cancels).

    When no z is below ``_SIGMOID_NO_OVERFLOW`` (the usual case; one ``min`` finds out), four
    in-place passes compute 1/(1 + e^−z) directly: for z < 0 it divides by a large 1 + e^|z|,
    which loses nothing. Otherwise ``_sigmoid_stable`` (no overflow, and the subnormal σ of
    z < −88 in float32 stays a subnormal rather than 0), also taken when z holds a NaN (its
    ``min`` is NaN), which stays NaN. ``out`` may be ``z`` itself (the network applies sigmoid
    in place)."""
    if not _direct(z):
        return _sigmoid_stable(z, out)
    np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.divide(1.0, out, out=out)
    return out


def _direct(z: Array) -> bool:
    """Whether e^−z is finite for every z (no NaN either: NaN's ``min`` is NaN)."""
    low = _SIGMOID_NO_OVERFLOW.get(z.dtype)
    return low is not None and z.size > 0 and bool(z.min() >= low)


def _sigmoid_stable(z: Array, out: Array) -> Array:
    """σ(z) from one e = e^−|z| (which never overflows): 1/(1 + e) for z ≥ 0, e/(1 + e) for
    z < 0. The numerator is max(e, [z ≥ 0]): 1 for z ≥ 0 (e ≤ 1), e for z < 0, NaN for NaN;
    no masked ufunc (numpy's ``where=`` is ten times slower than a plain pass). e is taken
    before ``out`` (which may be z) is written."""
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.greater_equal(z, 0.0, out=out)
    np.maximum(e, out, out=out)
    e += 1.0
    out /= e
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
    # z/(1 + e^−z) in four passes where e^−z is finite (``_sigmoid``'s direct path), else z·σ(z).
    if not _direct(z):
        _sigmoid_stable(z, out)
        out *= z
        return out
    np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.divide(z, out, out=out)
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
