"""L1 and L2 penalties on the weights (never the biases), as TensorFlow Playground defines them.

With rate r over all weights w:

| kind | penalty P             | dP/dw      |
|------|-----------------------|------------|
| l1   | r · Σ |w|             | r · sign w |
| l2   | r · ½ Σ w²            | r · w      |

The penalty's gradient is added to the data gradient before the optimizer step, so with plain SGD
a step is w ← w − lr·(g + r·R'(w)) with R' taken at the weight before the step: Playground's
update exactly, not divided by the batch size. (Playground also freezes an L1 weight that crosses
zero; depthlens does not.) The penalty is reported apart from the data loss, so the two curves can
be told apart. The optimizers' own ``weight_decay`` is a different thing (see ``optimizers``).
"""

from __future__ import annotations

import numpy as np

from depthlens.errors import ConfigError

REGULARIZATIONS = ("none", "l1", "l2")


def check(kind: str, rate: float) -> tuple[str, float]:
    """Validate and normalise (kind, rate); ConfigError names 'regularization' or 'reg_rate'."""
    k = str(kind).lower()
    if k not in REGULARIZATIONS:
        raise ConfigError("regularization", kind, REGULARIZATIONS)
    try:
        r = float(rate)
    except (TypeError, ValueError):
        raise ConfigError("reg_rate", rate, "a number ≥ 0") from None
    if not (np.isfinite(r) and r >= 0):
        raise ConfigError("reg_rate", rate, "a number ≥ 0")
    return k, r


def penalty(weights: np.ndarray, kind: str, rate: float) -> float:
    """P(w) for the flat weight slice ``weights``."""
    if kind == "none" or rate == 0:
        return 0.0
    if kind == "l1":
        return float(rate * np.abs(weights).sum())
    return float(0.5 * rate * np.dot(weights, weights))


def add_gradient(weights: np.ndarray, grads: np.ndarray, kind: str, rate: float) -> None:
    """grads += dP/dw, in place."""
    if kind == "none" or rate == 0:
        return
    if kind == "l1":
        grads += rate * np.sign(weights)
    else:
        grads += rate * weights
