"""Why did training diverge? The likely cause, read from the settings and what blew up.

A diverging run (``DivergenceError``) has its parameters put back to where the epoch started.
What to change next depends on the cause, which the settings mostly tell:

- **an edited weight**: a weight or bias the user set by hand, large, shortly before;
- **the L2 rate**: with plain SGD a step multiplies each weight by 1 − γr (γ the learning
  rate, r the L2 rate), on top of the data's pull; once γr > 2(1 + μ) (μ the momentum, 0 for
  plain SGD: the heavy-ball bound) that factor alone makes the weights grow geometrically;
  (an L1 rate cannot do this alone: its pull, γr·sign(w), is bounded, so it makes weights
  jitter around 0 but never grow);
- **momentum** μ ≥ 1: the velocity never decays, so the steps never die down;
- otherwise **the learning rate**: the step overshoots the loss's curvature.

And whether the restored weights can be trained on: weights the divergence already blew up in
an earlier epoch (the L2 rate's growth is geometric, so the epoch-start snapshot may hold
weights of 1e37) diverge again on the next step, and only Reset helps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from depthlens.errors import DivergenceError
from depthlens.experiment.session import Session

HUGE_WEIGHT = 1e6
"""Restored parameters larger than this (in absolute value) are past training on."""
HUGE_LOSS = 1e6
SGD_FAMILY = ("sgd", "momentum", "nesterov")


@dataclass(frozen=True)
class Edit:
    """A parameter the user set by hand: ``layer``, ``kind`` ('weight'/'bias'), the value, and
    the epoch it was set at."""

    layer: int
    kind: str
    index: tuple[int, ...]
    value: float
    epoch: int


@dataclass(frozen=True)
class Divergence:
    """What to tell the user: the ``cause`` ('edit', 'l2', 'momentum' or 'lr'), one
    ``message`` saying it all once, and whether the restored weights can be trained on."""

    cause: str
    message: str
    restored_ok: bool
    largest_param: float
    restored_loss: float


def number(x: float) -> str:
    """A compact number: 4 significant digits from 0.001 to 9999, else 3 in exponent form
    (1.58e+31), with a true minus sign."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("\u221e" if x > 0 else "\u2212\u221e")
    text = f"{x:.4g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.3g}"
    return text.replace("-", "\u2212")


def momentum_of(session: Session) -> float:
    """The momentum μ of the optimizer's heavy-ball term (0 when it has none)."""
    return float(session.trainer.optimizer.hyper.get("momentum", 0.0) or 0.0)


def likely_cause(session: Session, error: DivergenceError, edit: Edit | None) -> tuple[str, str]:
    """(cause, sentence): the first of the module's causes that the settings show."""
    cfg = session.config
    lr = float(session.trainer.optimizer.hyper.get("lr", cfg.lr))
    mu = momentum_of(session)
    if edit is not None and edit.epoch >= error.epoch - 1 and abs(edit.value) >= 10:
        where = f"[{', '.join(str(i + 1) for i in edit.index)}]"
        return "edit", (f"the {edit.kind} you set by hand (layer {edit.layer + 1}, {where} = "
                        f"{number(edit.value)}), which is large: set it nearer 0")
    bound = 2 * (1 + mu)
    if cfg.regularization == "l2" and cfg.optimizer in SGD_FAMILY and lr * cfg.reg_rate > bound:
        return "l2", (f"the L2 rate: at learning rate {number(lr)}, an L2 rate of "
                      f"{number(cfg.reg_rate)} makes each step multiply every weight by "
                      f"1 \u2212 {number(lr)}\u00b7{number(cfg.reg_rate)} = "
                      f"{number(1 - lr * cfg.reg_rate)}, so the weights grow without bound; keep "
                      f"the L2 rate below {number(bound / lr)}")
    if mu >= 1:
        return "momentum", (f"the momentum: at {number(mu)} (\u2265 1) the velocity never "
                            "decays, so the steps never die down; use a momentum below 1 "
                            "(0.9 is usual)")
    return "lr", (f"the learning rate: {number(lr)} is too large a step for this network and "
                  f"data; {number(lr / 10)} is a good next try")


def explain_divergence(session: Session, error: DivergenceError,
                       edit: Edit | None = None) -> Divergence:
    """Explain ``error`` of ``session`` (whose parameters the trainer has just restored)."""
    cause, why = likely_cause(session, error, edit)
    params = session.net.params
    largest = float(np.max(np.abs(params))) if params.size else 0.0
    t = session.trainer
    with np.errstate(all="ignore"):
        restored_loss, _ = t.evaluate(t.x, t.y, t.t)
    ok = bool(math.isfinite(largest) and largest < HUGE_WEIGHT and math.isfinite(restored_loss)
              and restored_loss < HUGE_LOSS)
    text = (f"Training diverged at epoch {error.epoch} (step {error.step}): the loss became "
            f"{number(float(error.loss))}. The likely cause is {why}.")
    if ok:
        kept = ", your value included" if cause == "edit" else ""
        text += (f" The weights are back where epoch {error.epoch} started{kept}: change that "
                 "and press play, or press Reset.")
    else:
        text += (f" The weights it went back to are already enormous (the largest is "
                 f"{number(largest)}; training loss {number(restored_loss)}), so the next step "
                 "would diverge again: press Reset to start from the initial weights.")
    return Divergence(cause, text, ok, largest, float(restored_loss))
