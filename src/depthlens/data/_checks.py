"""Checks of the parameters every generator shares (n_samples, noise, seed) and of other params."""

from __future__ import annotations

import math
import numbers

import numpy as np

from depthlens.errors import ConfigError

MAX_SAMPLES = 100_000
MAX_NOISE = 0.8  # Playground's slider goes to 50 (0.5); a URL may raise it to 80 (0.8).


def check_int(field: str, value: object, low: int, high: int) -> int:
    """``value`` as an int in ``[low, high]``, else ConfigError naming ``field``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not low <= int(value) <= high
    ):
        raise ConfigError(field, value, f"an integer from {low} to {high}")
    return int(value)


def check_float(field: str, value: object, low: float, high: float) -> float:
    """``value`` as a finite float in ``[low, high]``, else ConfigError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(field, value, f"a number from {low:g} to {high:g}")
    v = float(value)
    if not (math.isfinite(v) and low <= v <= high):
        raise ConfigError(field, value, f"a number from {low:g} to {high:g}")
    return v


def check_common(n_samples: object, noise: object, seed: object) -> tuple[int, float, int]:
    """Validate the three shared generator arguments.

    ``n_samples`` in [1, 100000], ``noise`` in [0, 0.8] (Playground's slider value / 100),
    ``seed`` a non-negative integer.
    """
    n = check_int("n_samples", n_samples, 1, MAX_SAMPLES)
    v = check_float("noise", noise, 0.0, MAX_NOISE)
    s = check_int("seed", seed, 0, 2**63 - 1)
    return n, v, s


def halves(n: int) -> tuple[int, int]:
    """Split n into (ceil(n/2), floor(n/2)): the first group gets the odd sample."""
    return n - n // 2, n // 2


def shares(n: int, k: int) -> list[int]:
    """Split n into k near-equal counts (the first n mod k groups get one more)."""
    base, extra = divmod(n, k)
    return [base + (1 if j < extra else 0) for j in range(k)]


def rng_for(seed: int) -> np.random.Generator:
    """The generator every dataset draws from: ``np.random.default_rng(seed)``."""
    return np.random.default_rng(seed)
