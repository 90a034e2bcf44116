"""``sequence``: windows of smooth synthetic time series, past values → the next values."""

from __future__ import annotations

import numpy as np

from depthlens.data._checks import check_common, check_int, rng_for, shares
from depthlens.data.dataset import Dataset

N_IN = 39
N_OUT = 48
N_SERIES = 40


def series(rng: np.random.Generator, length: int, noise: float) -> np.ndarray:
    """One series s(t), t = 0..length-1, drawn from ``rng``:

        s(t) = c + b·sin(2π t / P + ψ) + Σ_{j=1..3} a_j·sin(2π f_j t + φ_j) + noise·ε_t

    with offset c ~ U(-1, 1), slow drift of amplitude b ~ U(0, 1) and period P ~ U(200, 400),
    three components a_j ~ U(0.2, 1), f_j ~ U(1/60, 1/8) cycles per step (periods 8..60 steps),
    phases ψ, φ_j ~ U(0, 2π), and ε_t ~ N(0, 1) independent. So |s| <= 5 + noise·|ε|.
    """
    t = np.arange(length, dtype=np.float64)
    c = rng.uniform(-1.0, 1.0)
    b = rng.uniform(0.0, 1.0)
    period = rng.uniform(200.0, 400.0)
    psi = rng.uniform(0.0, 2 * np.pi)
    a = rng.uniform(0.2, 1.0, 3)
    f = rng.uniform(1 / 60, 1 / 8, 3)
    phi = rng.uniform(0.0, 2 * np.pi, 3)
    s = c + b * np.sin(2 * np.pi * t / period + psi)
    s = s + (a[:, None] * np.sin(2 * np.pi * f[:, None] * t[None, :] + phi[:, None])).sum(axis=0)
    return s + noise * rng.standard_normal(length)


def sequence(
    n_samples: int,
    noise: float,
    seed: int,
    n_in: int = N_IN,
    n_out: int = N_OUT,
    n_series: int = N_SERIES,
) -> Dataset:
    """Sequence regression: the ``n_in`` past values of a series → its next ``n_out`` values.

    ``G = min(n_series, n_samples)`` independent series are drawn with :func:`series` (series g
    in order from one ``default_rng(seed)``); series g gives ``m_g`` windows (n split as evenly
    as possible, the first ones get one more), so it has length ``m_g + n_in + n_out - 1``.
    Window i of series g starts at step i (stride 1):

        x = s_g[i : i + n_in]                    (feature names 't-39' .. 't-1')
        y = s_g[i + n_in : i + n_in + n_out]     (target names 't+0' .. 't+47')

    Shapes: x (n, n_in), y (n, n_out) float64; ``groups`` (n,) holds g, so
    :func:`depthlens.data.split_groups` can hold out whole unseen series.
    Defaults n_in 39, n_out 48, n_series 40 (each from 1 to 1000). Noise: the per-step
    Gaussian noise std in the series formula (present in inputs and targets alike).
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    n_in = check_int("n_in", n_in, 1, 1000)
    n_out = check_int("n_out", n_out, 1, 1000)
    n_series = check_int("n_series", n_series, 1, 1000)
    rng = rng_for(seed)
    width = n_in + n_out
    windows, groups = [], []
    for g, m in enumerate(shares(n, min(n_series, n))):
        s = series(rng, m + width - 1, noise)
        windows.append(np.lib.stride_tricks.sliding_window_view(s, width)[:m])
        groups.append(np.full(m, g, dtype=np.int64))
    w = np.concatenate(windows)
    return Dataset(
        x=w[:, :n_in],
        y=w[:, n_in:],
        problem="regression",
        n_classes=0,
        class_names=(),
        feature_names=tuple(f"t-{n_in - c}" for c in range(n_in)),
        name="sequence",
        groups=np.concatenate(groups),
        target_names=tuple(f"t+{c}" for c in range(n_out)),
    )
