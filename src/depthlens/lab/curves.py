"""Training curves as the labs record them: index 0 is the network before training.

``train_curves(session, epochs)`` evaluates the untrained network, then trains epoch by epoch,
keeping the training data loss and the test metric (accuracy or R²; NaN without test data). A
divergence ends the run early and is kept as its message, so one bad setting does not stop a
whole lab.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from depthlens.errors import DivergenceError
from depthlens.experiment.session import Session


@dataclass
class Curves:
    """Per-epoch training loss and test metric (index 0 = before training)."""

    train_loss: list[float] = field(default_factory=list)
    test_metric: list[float] = field(default_factory=list)
    diverged: str | None = None


def train_curves(session: Session, epochs: int) -> Curves:
    """Train ``session`` for ``epochs`` epochs and return its curves."""
    tr = session.trainer
    metric0 = (tr.evaluate(tr.x_test, tr.y_test, tr.t_test)[1] if tr.x_test is not None
               else math.nan)
    curves = Curves([tr.evaluate(tr.x, tr.y, tr.t)[0]], [metric0])
    name = f"test_{session.history.metric}"
    for _ in range(int(epochs)):
        try:
            row = session.train_epoch()
        except DivergenceError as err:
            curves.diverged = str(err)
            break
        curves.train_loss.append(row["train_loss"])
        curves.test_metric.append(row[name])
    return curves
