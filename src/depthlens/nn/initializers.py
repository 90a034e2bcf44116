"""Weight initializers. W is (fan_out, fan_in) = (out, in), like PyTorch's Linear.weight.

Each initializer fills a layer's weights W and biases b from a numpy Generator. The formulas
(PyTorch's ``torch.nn.init`` where a name exists there):

| name            | W                                                       | b              |
|-----------------|---------------------------------------------------------|----------------|
| zeros           | 0                                                       | 0              |
| constant        | value                                                   | bias           |
| gaussian        | N(mean, std²), std = 0.01                               | bias (0)       |
| uniform         | U(low, high), (−0.05, 0.05)                             | bias (0)       |
| glorot_uniform  | U(±a), a = gain·√(6/(fan_in + fan_out))                 | 0              |
| glorot_normal   | N(0, s²), s = gain·√(2/(fan_in + fan_out))              | 0              |
| he_uniform      | U(±a), a = gain·√(3/fan), gain = √2 for relu            | 0              |
| he_normal       | N(0, s²), s = gain/√fan  (not truncated, as torch)      | 0              |
| lecun_uniform   | U(±√(3/fan_in))                                         | 0              |
| lecun_normal    | N(0, 1/fan_in)                                          | 0              |
| orthogonal      | gain·Q, Q from the QR of a Gaussian (sign-fixed)        | 0              |
| sparse          | n_nonzero entries per row (per unit) ~ N(0, std²), std 1| bias (0)       |
| torch           | U(±1/√fan_in)  (Linear's default)                       | U(±1/√fan_in)  |
| playground      | U(−0.5, 0.5)                                            | 0.1            |

``sparse`` is Martens' (2010) sparse initialization: each unit gets exactly ``n_nonzero``
(default 15, capped at fan_in) nonzero incoming weights. ``glorot``/``xavier`` and
``he``/``kaiming`` are accepted for the uniform forms.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from depthlens.errors import ConfigError

Array = np.ndarray
Shape = tuple[int, int]

GAINS = {
    "linear": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "leaky_relu": math.sqrt(2.0 / (1.0 + 0.01**2)),
    "elu": 1.0,
    "softplus": 1.0,
    "swish": 1.0,
    "gelu": 1.0,
    "sine": 1.0,
}


def gain(nonlinearity: str) -> float:
    """The recommended gain for an activation (PyTorch's ``calculate_gain``; 1 if none)."""
    return GAINS.get(nonlinearity, 1.0)


MODES = ("fan_in", "fan_out")
PARAM_CHOICES: dict[str, tuple[str, ...]] = {"mode": MODES}
"""The initializers' parameters that take a name, with the names allowed."""


def _fan(shape: Shape, mode: str) -> int:
    out, inp = shape
    if mode == "fan_in":
        return inp
    if mode == "fan_out":
        return out
    raise ConfigError("init.mode", mode, list(MODES))


def zeros(rng: np.random.Generator, shape: Shape) -> tuple[Array, Array]:
    return np.zeros(shape), np.zeros(shape[0])


def constant(rng: np.random.Generator, shape: Shape, value: float = 0.1,
             bias: float = 0.0) -> tuple[Array, Array]:
    return np.full(shape, float(value)), np.full(shape[0], float(bias))


def _check_std(std: float) -> None:
    if not std >= 0:  # also rejects NaN
        raise ConfigError("init.std", std, "a number ≥ 0")


def gaussian(rng: np.random.Generator, shape: Shape, std: float = 0.01, mean: float = 0.0,
             bias: float = 0.0) -> tuple[Array, Array]:
    _check_std(std)
    return rng.normal(mean, std, size=shape), np.full(shape[0], float(bias))


def uniform(rng: np.random.Generator, shape: Shape, low: float = -0.05, high: float = 0.05,
            bias: float = 0.0) -> tuple[Array, Array]:
    if not low < high:
        raise ConfigError("init.high", high, f"a number greater than init.low = {low}")
    return rng.uniform(low, high, size=shape), np.full(shape[0], float(bias))


def glorot_uniform(rng: np.random.Generator, shape: Shape,
                   gain: float = 1.0) -> tuple[Array, Array]:
    a = gain * math.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-a, a, size=shape), np.zeros(shape[0])


def glorot_normal(rng: np.random.Generator, shape: Shape,
                  gain: float = 1.0) -> tuple[Array, Array]:
    s = gain * math.sqrt(2.0 / (shape[0] + shape[1]))
    return rng.normal(0.0, s, size=shape), np.zeros(shape[0])


def he_uniform(rng: np.random.Generator, shape: Shape, gain: float = math.sqrt(2.0),
               mode: str = "fan_in") -> tuple[Array, Array]:
    a = gain * math.sqrt(3.0 / _fan(shape, mode))
    return rng.uniform(-a, a, size=shape), np.zeros(shape[0])


def he_normal(rng: np.random.Generator, shape: Shape, gain: float = math.sqrt(2.0),
              mode: str = "fan_in") -> tuple[Array, Array]:
    s = gain / math.sqrt(_fan(shape, mode))
    return rng.normal(0.0, s, size=shape), np.zeros(shape[0])


def lecun_uniform(rng: np.random.Generator, shape: Shape) -> tuple[Array, Array]:
    return he_uniform(rng, shape, gain=1.0)


def lecun_normal(rng: np.random.Generator, shape: Shape) -> tuple[Array, Array]:
    return he_normal(rng, shape, gain=1.0)


def orthogonal(rng: np.random.Generator, shape: Shape, gain: float = 1.0) -> tuple[Array, Array]:
    """Rows (if out ≤ in) or columns (otherwise) orthonormal, times ``gain``."""
    out, inp = shape
    a = rng.normal(size=(max(out, inp), min(out, inp)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))
    w = q.T if out < inp else q
    return gain * w, np.zeros(out)


def sparse(rng: np.random.Generator, shape: Shape, n_nonzero: int = 15, std: float = 1.0,
           bias: float = 0.0) -> tuple[Array, Array]:
    """Martens' sparse init: each row (unit) has exactly min(n_nonzero, fan_in) nonzero weights."""
    out, inp = shape
    if n_nonzero < 1:
        raise ConfigError("init.n_nonzero", n_nonzero, "a whole number ≥ 1")
    _check_std(std)
    k = min(int(n_nonzero), inp)
    w = np.zeros(shape)
    for row in range(out):
        cols = rng.choice(inp, size=k, replace=False)
        w[row, cols] = rng.normal(0.0, std, size=k)
    return w, np.full(out, float(bias))


def torch_default(rng: np.random.Generator, shape: Shape) -> tuple[Array, Array]:
    """PyTorch's ``nn.Linear`` default: W and b both U(±1/√fan_in)."""
    a = 1.0 / math.sqrt(shape[1])
    return rng.uniform(-a, a, size=shape), rng.uniform(-a, a, size=shape[0])


def playground(rng: np.random.Generator, shape: Shape) -> tuple[Array, Array]:
    """TensorFlow Playground's: W ~ U(−0.5, 0.5), b = 0.1."""
    return rng.uniform(-0.5, 0.5, size=shape), np.full(shape[0], 0.1)


Initializer = Callable[..., tuple[Array, Array]]

INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros,
    "constant": constant,
    "gaussian": gaussian,
    "uniform": uniform,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "lecun_uniform": lecun_uniform,
    "lecun_normal": lecun_normal,
    "orthogonal": orthogonal,
    "sparse": sparse,
    "torch": torch_default,
    "playground": playground,
}
"""Registry of initializers by the name users type."""

INIT_ALIASES = {
    "glorot": "glorot_uniform",
    "xavier": "glorot_uniform",
    "xavier_uniform": "glorot_uniform",
    "xavier_normal": "glorot_normal",
    "he": "he_uniform",
    "kaiming": "he_uniform",
    "kaiming_uniform": "he_uniform",
    "kaiming_normal": "he_normal",
    "lecun": "lecun_normal",
    "normal": "gaussian",
    "zero": "zeros",
    "torch_default": "torch",
    "default": "torch",
}


def init_name(name: str) -> str:
    """Canonical initializer name for ``name`` or an alias; ConfigError naming 'init' otherwise."""
    key = str(name).lower()
    key = INIT_ALIASES.get(key, key)
    if key not in INITIALIZERS:
        raise ConfigError("init", name, [*INITIALIZERS, *INIT_ALIASES])
    return key


def init_params(name: str) -> dict[str, Any]:
    """The keyword parameters an initializer takes, with their defaults."""
    sig = inspect.signature(INITIALIZERS[init_name(name)])
    return {p.name: p.default for p in list(sig.parameters.values())[2:]}


MAX_INIT_VALUE = 1000.0
"""The largest size a numeric initializer parameter may have (a gain, a std, a bound)."""
_POSITIVE = frozenset({"gain"})
_NON_NEGATIVE = frozenset({"std"})
_WHOLE = frozenset({"n_nonzero"})


def check_params(name: str, params: dict[str, Any], prefix: str = "init") -> dict[str, Any]:
    """Check every parameter an initializer is given before anything is drawn: its name (one
    of ``init_params(name)``) and its value — ``mode`` one of ``PARAM_CHOICES['mode']``;
    ``gain`` a finite number in (0, MAX_INIT_VALUE]; ``std`` in [0, MAX_INIT_VALUE];
    ``n_nonzero`` a whole number in [1, 100000]; the others (mean, bias, value, low, high)
    finite numbers in [−MAX_INIT_VALUE, MAX_INIT_VALUE], with low < high. A bool or a text is
    not a number. Returns the values as the initializer takes them (floats, an int, a name);
    ConfigError naming ``<prefix>.<param>``, the value and what is allowed otherwise."""
    key = init_name(name)
    allowed = init_params(key)
    out: dict[str, Any] = {}
    for p, v in params.items():
        field = f"{prefix}.{p}"
        if p not in allowed:
            raise ConfigError(field, v, f"a parameter of {key!r}: {sorted(allowed) or 'none'}")
        if p in PARAM_CHOICES:
            if not isinstance(v, str) or v not in PARAM_CHOICES[p]:
                raise ConfigError(field, v, list(PARAM_CHOICES[p]))
            out[p] = v
            continue
        if p in _WHOLE:
            ok = (isinstance(v, int | float | np.number) and not isinstance(v, bool)
                  and float(v).is_integer() and 1 <= v <= 100_000)
            if not ok:
                raise ConfigError(field, v, "a whole number in [1, 100000]")
            out[p] = int(v)
            continue
        low = 0.0 if p in _POSITIVE | _NON_NEGATIVE else -MAX_INIT_VALUE
        lo, hi = f"{'(' if p in _POSITIVE else '['}{low:g}", f"{MAX_INIT_VALUE:g}]"
        ok = isinstance(v, int | float | np.number) and not isinstance(v, bool) and (
            math.isfinite(float(v)) and (float(v) > low if p in _POSITIVE else float(v) >= low)
            and float(v) <= MAX_INIT_VALUE)
        if not ok:
            raise ConfigError(field, v, f"a finite number in {lo}, {hi}")
        out[p] = float(v)
    if "low" in allowed or "high" in allowed:
        low_v = out.get("low", allowed.get("low"))
        high_v = out.get("high", allowed.get("high"))
        if not low_v < high_v:
            raise ConfigError(f"{prefix}.high", high_v, f"a number greater than "
                              f"{prefix}.low = {low_v}")
    return out


def initialize(name: str, rng: np.random.Generator, shape: Shape,
               **params: Any) -> tuple[Array, Array]:
    """Draw (W, b) for a layer of ``shape`` = (out, in) with initializer ``name``.

    Unknown keyword parameters, or values ``check_params`` refuses, raise ConfigError naming
    ``init.<param>``.
    """
    key = init_name(name)
    allowed = init_params(key)
    for p in params:
        if p not in allowed:
            takes = sorted(allowed) or "none"
            raise ConfigError(f"init.{p}", params[p],
                              f"no such parameter for {key!r}; it takes {takes}")
    return INITIALIZERS[key](rng, shape, **check_params(key, params))
