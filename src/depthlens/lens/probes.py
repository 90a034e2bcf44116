"""Linear probes: how linearly separable the data is at each stage of a network.

A probe is the best *linear* read-out of one stage's representation h:

- classification: logistic regression (two classes: one sigmoid unit with binary
  cross-entropy) or softmax regression (k classes), fitted with depthlens's own engine, full
  batch, on standardized h (train statistics), with Adam until the loss changes by less than
  ``tol`` over 50 steps or ``max_steps`` run out, plus a tiny L2 penalty so separable data has a
  finite optimum. Score: accuracy on the training and test points.
- regression: least squares with an intercept; score: R² on training and test points.

Probe accuracy per stage is the number behind "deeper layers are more linearly separable".
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from depthlens.lens.representations import represent, stages
from depthlens.nn.network import MLP
from depthlens.nn.optimizers import adam
from depthlens.nn.training import Trainer, accuracy, r2_score

Array = np.ndarray


@dataclass(frozen=True)
class ProbeResult:
    """Scores of a linear read-out of one stage (accuracy, or R² for regression)."""

    stage: str
    width: int
    metric: str
    train: float
    test: float
    params: Array | None = field(default=None, repr=False, compare=False)
    """The classifier probe's fitted parameters (on standardized h), to warm-start the next
    fit of a slowly changing representation; None for regression (solved exactly)."""


def _standardize(train: Array, test: Array | None) -> tuple[Array, Array | None]:
    mu = train.mean(axis=0)
    sd = train.std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    return (train - mu) / sd, None if test is None else (test - mu) / sd


def fit_classifier_probe(h: Array, y: Array, n_classes: int, max_steps: int = 3000,
                         tol: float = 1e-7, reg: float = 1e-4, lr: float = 0.05,
                         seed: int = 0, init: Array | None = None) -> MLP:
    """A linear classifier on features h (already scaled), fitted to convergence; from zero
    weights, or from ``init`` (a previous fit's parameters of the same shape: a warm start,
    which needs far fewer steps when h has changed little)."""
    k = max(int(n_classes), 2)
    if k == 2:
        net = MLP([h.shape[1], 1], output="sigmoid", loss="bce", dtype=np.float64)
    else:
        net = MLP([h.shape[1], k], output="softmax", loss="cross_entropy", dtype=np.float64)
    net.initialize("zeros")
    if init is not None and np.shape(init) == net.params.shape:
        net.params[...] = init
    tr = Trainer(net, adam(lr=lr), h, y, problem="classification", batch_size="all",
                 seed=seed, regularization="l2", reg_rate=reg)
    previous = math.inf
    for step in range(max_steps):
        loss = tr.step()
        if step % 50 == 49:
            if previous - loss < tol:
                break
            previous = loss
    return net


def probe(h_train: Array, y_train: Array, h_test: Array | None = None,
          y_test: Array | None = None, problem: str = "classification",
          n_classes: int | None = None, stage: str = "", **fit: Any) -> ProbeResult:
    """Fit a linear probe on (h_train, y_train) and score it on train and test (``fit``:
    ``fit_classifier_probe``'s options, ``init`` included)."""
    h_train = np.asarray(h_train, dtype=np.float64)
    h_test = None if h_test is None else np.asarray(h_test, dtype=np.float64)
    a, b = _standardize(h_train, h_test)
    if problem == "regression":
        y_train = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1)
        design = np.column_stack([a, np.ones(len(a))])
        coef, *_ = np.linalg.lstsq(design, y_train, rcond=None)
        train = r2_score(design @ coef, y_train)
        test = math.nan
        if b is not None and y_test is not None:
            yt = np.asarray(y_test, dtype=np.float64).reshape(len(y_test), -1)
            test = r2_score(np.column_stack([b, np.ones(len(b))]) @ coef, yt)
        return ProbeResult(stage, h_train.shape[1], "r2", train, test)
    y_train = np.asarray(y_train).astype(np.int64)
    k = int(n_classes if n_classes is not None else y_train.max() + 1)
    net = fit_classifier_probe(a, y_train, k, **fit)
    train = accuracy(net.head.decide(net.forward(a)), y_train)
    test = math.nan
    if b is not None and y_test is not None:
        test = accuracy(net.head.decide(net.forward(b)), np.asarray(y_test).astype(np.int64))
    return ProbeResult(stage, h_train.shape[1], "accuracy", train, test, net.params.copy())


@dataclass
class WarmStart:
    """What ``probe_stages`` carries from one call to the next on the same data while the
    network trains: each stage's last classifier-probe parameters (by stage name), from which
    the next fit of that stage runs only ``steps`` Adam steps (the representation moved a
    little since), and the input stage's result, which does not depend on the weights and so
    is fitted once. Regression probes are solved exactly and keep nothing but the input's."""

    steps: int
    params: dict[str, Array] = field(default_factory=dict)
    input: ProbeResult | None = None


def probe_stages(net: MLP, x_train: Array, y_train: Array, x_test: Array | None = None,
                 y_test: Array | None = None, problem: str = "classification",
                 n_classes: int | None = None, which: str = "post", *, progress: bool = False,
                 warm: WarmStart | None = None, **fit: Any) -> list[ProbeResult]:
    """A probe on every stage of ``net``: 'post' = the input and each layer's activation
    (output included); 'all' adds the pre-activations.

    ``progress``: a progress bar on stderr, a step per stage. ``warm``: start each stage's fit
    from the last one kept there (see ``WarmStart``, updated in place) and reuse its input
    result. ``fit``: ``fit_classifier_probe``'s options for the fits that start cold.
    """
    reps_train = represent(net, x_train)
    reps_test = represent(net, x_test) if x_test is not None else None
    chosen = [(i, st) for i, st in enumerate(stages(net)) if which == "all" or st.kind != "pre"]
    out = []
    for i, st in tqdm(chosen, desc="probes", unit="stage", disable=not progress,
                      file=sys.stderr, leave=False):
        if warm is not None and st.kind == "input" and warm.input is not None:
            out.append(warm.input)
            continue
        options = dict(fit)
        if warm is not None and st.name in warm.params:
            options.update(max_steps=warm.steps, init=warm.params[st.name])
        result = probe(reps_train[i], y_train, None if reps_test is None else reps_test[i],
                       y_test, problem, n_classes, st.name, **options)
        if warm is not None:
            if st.kind == "input":
                warm.input = result
            elif result.params is not None:
                warm.params[st.name] = result.params
        out.append(result)
    return out
