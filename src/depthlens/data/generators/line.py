"""1-D datasets: one input ``x1`` on a line, the simplest picture of what layers do to a line."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from depthlens.data._checks import check_common, check_float, rng_for, shares
from depthlens.data.dataset import Dataset
from depthlens.errors import ConfigError

X1 = ("x1",)
SIGN_NAMES = ("negative", "zero", "positive")
PARITY_NAMES = ("even", "odd")
ODD_EVEN_MAX = 20


def line_sign(n_samples: int, noise: float, seed: int, band: float = 0.5) -> Dataset:
    """Sign of a number with a zero band: 3 classes on x1 in [-6, 6].

    Classes: 0 'negative' (x < -band), 1 'zero' (|x| <= band), 2 'positive' (x > band).
    band is in [0.05, 3], default 0.5. So that 'zero' is not starved, each class gets a third of
    the samples: x ~ U(-6, -band), U(-band, band) and U(band, 6). Noise is label noise: the class
    is computed at x + U(-1, 1)·noise, so labels near ±band flip.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    band = check_float("band", band, 0.05, 3.0)
    rng = rng_for(seed)
    m_neg, m_zero, m_pos = shares(n, 3)
    x = np.concatenate(
        [
            rng.uniform(-6.0, -band, m_neg),
            rng.uniform(-band, band, m_zero),
            rng.uniform(band, 6.0, m_pos),
        ]
    )
    q = x + rng.uniform(-1.0, 1.0, n) * noise
    y = np.where(q < -band, 0, np.where(q > band, 2, 1)).astype(np.int64)
    return Dataset(
        x=x[:, None],
        y=y,
        problem="classification",
        n_classes=3,
        class_names=SIGN_NAMES,
        feature_names=X1,
        name="line-sign",
    )


def odd_even(n_samples: int, noise: float, seed: int) -> Dataset:
    """Parity of an integer: x1 uniform on the integers -20..20, class 0 'even', 1 'odd'.

    Noise is label noise: with probability ``noise`` a label is redrawn uniformly from the two
    classes (so about noise/2 of the labels end up wrong). The inputs span [-20, 20], wider than
    the 2-D window, so that there are enough distinct integers.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    x = rng.integers(-ODD_EVEN_MAX, ODD_EVEN_MAX + 1, n)
    y = np.mod(x, 2).astype(np.int64)
    redraw = rng.random(n) < noise
    y = np.where(redraw, rng.integers(0, 2, n), y).astype(np.int64)
    return Dataset(
        x=x[:, None].astype(np.float64),
        y=y,
        problem="classification",
        n_classes=2,
        class_names=PARITY_NAMES,
        feature_names=X1,
        name="odd-even",
    )


def _step(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0, 1.0, -1.0)


# f(x) for line-fn, each scaled so that f maps [-6, 6] into [-1, 1].
LINE_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "abs": lambda x: np.abs(x) / 3.0 - 1.0,
    "cubic": lambda x: (x / 6.0) ** 3,
    "step": _step,
}


def line_fn(n_samples: int, noise: float, seed: int, fn: str = "sin") -> Dataset:
    """1-D regression y = f(x1) + noise·N(0, 1), x1 ~ U(-6, 6).

    ``fn`` (default 'sin'), each mapping [-6, 6] into [-1, 1]:
    'sin': sin x; 'abs': |x|/3 - 1; 'cubic': (x/6)³; 'step': +1 for x >= 0, else -1.
    Noise is additive Gaussian noise on the target with std ``noise``.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    if not isinstance(fn, str) or fn not in LINE_FUNCTIONS:
        raise ConfigError("fn", fn, sorted(LINE_FUNCTIONS))
    rng = rng_for(seed)
    x = rng.uniform(-6.0, 6.0, n)
    y = LINE_FUNCTIONS[fn](x) + noise * rng.standard_normal(n)
    return Dataset(
        x=x[:, None],
        y=y,
        problem="regression",
        n_classes=0,
        class_names=(),
        feature_names=X1,
        name="line-fn",
        target_names=("y",),
    )
