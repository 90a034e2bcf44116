"""Training: mini-batches, epochs, history and the divergence guard.

A ``Trainer`` holds a network, an optimizer with its state, the training (and optionally test)
data and a batch order. ``step()`` trains on one mini-batch; ``epoch()`` finishes the current
epoch; ``fit(n)`` runs n epochs. Batch size 1 is per-sample SGD, k is mini-batch, ``'all'`` (or any
size ≥ n) is full-batch descent. The last batch of an epoch holds the leftover samples (unlike
Playground, which folds them into the next epoch's first update). With ``shuffle=True`` (default)
the order is redrawn every epoch; ``shuffle=False`` keeps the data's own order, as Playground does.

At the end of every epoch the history gains one row: the data loss on the whole training set, the
regularization penalty (apart), the test loss, and accuracy (classification) or R² (regression).
Everything is a function of the seed: the same seed gives the same numbers.

If a batch's loss (or the end-of-epoch loss) is NaN or inf, training stops with
``DivergenceError`` naming the epoch and the step. The parameters go back to where that epoch
started (the last ones known to give a finite loss on the whole training set, and not the blown-up
weights of the step just before), the optimizer's state starts afresh and the epoch is undone, so
the run can go on with a lower learning rate (``trainer.optimizer.hyper['lr'] = …``) or be
reset. The snapshot is one copy of the parameters, taken as each epoch starts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from depthlens.errors import ConfigError, DataError, DivergenceError
from depthlens.nn import regularization
from depthlens.nn.clipping import check_max_norm, clip_grad_norm
from depthlens.nn.inputs import check_rows
from depthlens.nn.kernels import sgd_steps
from depthlens.nn.network import MLP
from depthlens.nn.optimizers import Optimizer
from depthlens.nn.recurrent import RecurrentNet
from depthlens.nn.regularization import check as regularization_check

Array = np.ndarray
PROBLEMS = ("classification", "regression")


@dataclass
class History:
    """One row per finished epoch; every column a list of the same length."""

    epoch: list[int] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    test_metric: list[float] = field(default_factory=list)
    metric: str = "accuracy"

    COLUMNS = ("epoch", "step", "train_loss", "penalty", "test_loss", "train_metric",
               "test_metric")

    def __len__(self) -> int:
        return len(self.epoch)

    def append(self, **row: float) -> None:
        for name in self.COLUMNS:
            getattr(self, name).append(row[name])

    def last(self) -> dict[str, float]:
        """The newest row (empty before the first epoch)."""
        if not self.epoch:
            return {}
        return {self._label(c): getattr(self, c)[-1] for c in self.COLUMNS}

    def _label(self, column: str) -> str:
        return column.replace("metric", self.metric)

    def drop_oldest(self, count: int) -> None:
        """Forget the ``count`` oldest rows (a long-running live session keeps a bounded
        history; its page keeps its own chart)."""
        count = max(0, min(int(count), len(self)))
        for name in self.COLUMNS:
            del getattr(self, name)[:count]

    def to_csv(self) -> str:
        """CSV text with a header; metric columns are named train_accuracy/test_r2 etc."""
        lines = [",".join(self._label(c) for c in self.COLUMNS)]
        for k in range(len(self)):
            lines.append(",".join(repr(getattr(self, c)[k]) for c in self.COLUMNS))
        return "\n".join(lines) + "\n"


def accuracy(pred: Array, y: Array) -> float:
    """Fraction of predictions equal to the labels."""
    return float(np.mean(pred == y)) if y.size else math.nan


def r2_score(pred: Array, y: Array) -> float:
    """Coefficient of determination 1 − Σ(y − ŷ)²/Σ(y − ȳ)², averaged over outputs."""
    if y.shape[0] < 2:
        return math.nan
    ss_res = ((y - pred) ** 2).sum(axis=0)
    ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    safe = np.where(ss_tot > 0, ss_tot, 1.0)
    return float(np.mean(np.where(ss_tot > 0, 1.0 - ss_res / safe, 0.0)))


def _row_weights(sample_weight: Array | None, n: int) -> Array | None:
    """Per-row training weights as a float64 copy of shape (n,) (the caller's array is never
    changed), or None; ConfigError naming ``sample_weight`` for a wrong shape, a NaN, an
    infinite or negative weight, or weights that are all 0."""
    if sample_weight is None:
        return None
    w = np.array(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ConfigError("sample_weight", f"shape {w.shape}", f"shape ({n},), one per row")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ConfigError("sample_weight", "a NaN, infinite or negative weight",
                          "finite weights ≥ 0")
    if not w.any():
        raise ConfigError("sample_weight", "all 0", "at least one weight > 0")
    return w


class Trainer:
    """Trains ``net`` with ``optimizer`` on (x, y).

    Args:
        net: an ``MLP``, or a ``RecurrentNet`` (x then holds sequences, (n, T, I)).
        x, y: training inputs (n, in) and labels: class indices (n,) for classification, target
            values (n,) or (n, m) for regression.
        problem: 'classification' or 'regression'.
        batch_size: a whole number ≥ 1 or 'all'. Sizes above n mean full batch.
        shuffle: redraw the order every epoch.
        seed: seeds the batch order.
        regularization, reg_rate: 'none' | 'l1' | 'l2' and its rate (``regularization``).
        x_test, y_test: optional held-out data evaluated at the end of every epoch.
        sample_weight: optional weights w ≥ 0, one per training row, not all 0; they follow
            their rows through shuffling, and a batch's loss becomes the weighted mean
            Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ over its rows (``MLP.gradient``). Weighted steps run one by one on
            the numpy path (``_fused`` is None: the compiled kernels have no weights); the
            history's losses stay the plain means over the rows.
        clip_norm: None, or c > 0: after each batch's gradient (and the L1/L2 penalty's), the
            gradient buffer is scaled to total 2-norm at most c (``clipping.clip_grad_norm``,
            PyTorch's ``clip_grad_norm_``) before the optimizer's step; such steps run one by
            one (``_fused`` is None).
    """

    def __init__(
        self,
        net: MLP | RecurrentNet,
        optimizer: Optimizer,
        x: Array,
        y: Array,
        *,
        problem: str = "classification",
        batch_size: int | str = 10,
        shuffle: bool = True,
        seed: int = 0,
        regularization: str = "none",
        reg_rate: float = 0.0,
        x_test: Array | None = None,
        y_test: Array | None = None,
        sample_weight: Array | None = None,
        clip_norm: float | None = None,
    ):
        if problem not in PROBLEMS:
            raise ConfigError("problem", problem, PROBLEMS)
        self.net = net
        self.optimizer = optimizer
        self.problem = problem
        self.x, self.y, self.t = self._prepare(x, y, "y")
        n = self.x.shape[0]
        if n == 0:
            raise ConfigError("x", "0 samples", "at least one training sample")
        if x_test is not None and y_test is not None and len(x_test):
            self.x_test, self.y_test, self.t_test = self._prepare(x_test, y_test, "y_test")
        else:
            self.x_test = self.y_test = self.t_test = None
        self.batch_size = self._batch_size(batch_size, n)
        self.sample_weight = _row_weights(sample_weight, n)
        self.clip_norm = None if clip_norm is None else check_max_norm(clip_norm)
        self.shuffle = bool(shuffle)
        self.regularization, self.reg_rate = regularization_check(regularization, reg_rate)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.state = optimizer.init(net.params)
        self.history = History(metric="accuracy" if problem == "classification" else "r2")
        self.epochs_done = 0
        self.steps_done = 0
        self._n = n
        self._order = np.arange(n)
        self._in_order = True  # _order is still 0, 1, …, n − 1: batches are row slices
        self._all = np.arange(max(n, 0 if self.x_test is None else self.x_test.shape[0]))
        self._cursor = n  # the first step starts a new epoch
        self._snapshot = net.params.copy()  # the parameters as the current epoch started
        self._epoch_start_steps = 0

    # -- set-up -------------------------------------------------------------------------------
    def _prepare(self, x: Array, y: Array, name: str) -> tuple[Array, Array, Array]:
        # Empty or non-finite data: DataError naming the argument and the first bad row.
        x = check_rows("x" if name == "y" else "x_test", self.net._as_input(x), source=x)
        y = check_rows(name, np.asarray(y))
        if y.shape[0] != x.shape[0]:
            raise ConfigError(name, f"{y.shape[0]} labels", f"{x.shape[0]}, one per sample")
        m = self.net.sizes[-1]
        if self.problem == "classification":
            y = y.astype(np.int64).reshape(-1)
            top = 2 if m == 1 else m
            bad = y[(y < 0) | (y >= top)]
            if bad.size:
                raise ConfigError(name, f"class {int(bad[0])}",
                                  f"class indices 0..{top - 1} for {m} output unit(s)")
            t = self.net.head.encode(y, m, self.net.dtype)
        else:
            y = y.astype(self.net.dtype)
            t = self.net._as_target(y, x.shape[0])
            y = t
        return x, y, np.ascontiguousarray(t)

    @staticmethod
    def _batch_size(batch_size: int | str, n: int) -> int:
        if batch_size == "all":
            return n
        try:
            b = int(batch_size)
        except (TypeError, ValueError):
            raise ConfigError("batch_size", batch_size, "a whole number ≥ 1 or 'all'") from None
        if b < 1 or b != batch_size:
            raise ConfigError("batch_size", batch_size, "a whole number ≥ 1 or 'all'")
        return min(b, n)

    @property
    def n_train(self) -> int:
        return int(self.x.shape[0])

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n_train // self.batch_size)

    # -- saving and resuming -------------------------------------------------------------------
    def resume_state(self) -> tuple[dict[str, Array], dict[str, Any]]:
        """What training needs besides the parameters to go on exactly where it is: the
        optimizer's state arrays, the batch order and where the epoch under way stands (arrays),
        and the counters and the batch-order generator's state (JSON-safe dict)."""
        arrays = {f"optimizer.{k}": np.asarray(v) for k, v in self.state.items()}
        arrays["order"] = self._order.copy()
        arrays["snapshot"] = self._snapshot.copy()
        meta = {"epochs_done": self.epochs_done, "steps_done": self.steps_done,
                "cursor": self._cursor, "in_order": self._in_order,
                "epoch_start_steps": self._epoch_start_steps,
                "optimizer": self.optimizer.name, "rng": self.rng.bit_generator.state}
        return arrays, meta

    def restore(self, arrays: Mapping[str, Array], meta: Mapping[str, Any]) -> None:
        """Put back what :meth:`resume_state` returned (for this network and optimizer);
        DataError naming what does not fit."""
        if meta.get("optimizer") != self.optimizer.name:
            raise DataError(f"trainer state: optimizer {meta.get('optimizer')!r} saved, "
                            f"{self.optimizer.name!r} configured")
        fresh = self.optimizer.init(self.net.params)
        for key, value in fresh.items():
            saved = arrays.get(f"optimizer.{key}")
            if saved is None or np.shape(saved) != value.shape:
                raise DataError(f"trainer state: optimizer.{key} is missing or has shape "
                                f"{None if saved is None else np.shape(saved)}, expected "
                                f"{value.shape}")
            value[...] = saved
        order = np.asarray(arrays.get("order", ()), dtype=np.int64)
        if order.shape != (self._n,) or not np.array_equal(np.sort(order), np.arange(self._n)):
            raise DataError(f"trainer state: the batch order is not a permutation of the "
                            f"{self._n} training rows")
        self.state = fresh
        self._order = order
        self._snapshot[...] = arrays.get("snapshot", self.net.params)
        self.epochs_done = int(meta["epochs_done"])
        self.steps_done = int(meta["steps_done"])
        self._cursor = int(meta["cursor"])
        self._in_order = bool(meta["in_order"])
        self._epoch_start_steps = int(meta["epoch_start_steps"])
        self.rng.bit_generator.state = meta["rng"]

    # -- training -----------------------------------------------------------------------------
    def step(self) -> float:
        """Train on the next mini-batch; return its data loss (before the update)."""
        n = self._n
        if self._cursor >= n:
            if self.shuffle:
                self._order = self.rng.permutation(n)
                self._in_order = False
            self._cursor = 0
            np.copyto(self._snapshot, self.net.params)
            self._epoch_start_steps = self.steps_done
        fused = self._fused()
        if fused is not None:
            return self._fused_steps(fused, 1)
        start, net = self._cursor, self.net
        idx = self._order[start : start + self.batch_size]
        if self._in_order:  # the rows in their own order: views, no gather
            rows = slice(start, start + idx.size)
            w = None if self.sample_weight is None else self.sample_weight[rows]
            loss = net.gradient(self.x[rows], self.t[rows], weights=w)
        else:
            loss = net.gradient(self.x, self.t, idx, weights=self.sample_weight)
        if not math.isfinite(loss):
            self._diverged(self.steps_done + 1, loss)
        if self.regularization != "none":
            w = slice(0, net.n_weights)
            regularization.add_gradient(net.params[w], net.grads[w], self.regularization,
                                        self.reg_rate)
        if self.clip_norm is not None:
            clip_grad_norm(net.grads, self.clip_norm)
        self.optimizer.update(net.params, net.grads, self.state)
        self._cursor += idx.size
        self.steps_done += 1
        if self._cursor >= n:
            self.epochs_done += 1
            self._record()
        return loss

    def epoch(self) -> dict[str, float]:
        """Train to the end of the current epoch (a whole one if none is under way)."""
        self.train_steps(self._n)  # an epoch has at most n mini-batches
        return self.history.last()

    def train_steps(self, max_steps: int) -> bool:
        """Train up to ``max_steps`` (≥ 1) mini-batches of the current epoch (one is started
        if none is under way), never past its end: True when the epoch ended (its history row
        recorded). A caller bounded by time trains an epoch in parts this way; the updates are
        the same as :meth:`epoch`'s (whose steps run as one compiled call where they can)."""
        self.step()
        left = int(max_steps) - 1
        fused = self._fused() if left > 0 and self._cursor < self._n else None
        if fused is not None:
            self._fused_steps(fused, left)
        else:
            while left > 0 and self._cursor < self._n:
                self.step()
                left -= 1
        return self._cursor >= self._n

    def _fused(self) -> tuple | None:
        """The optimizer's fused form (``Optimizer.fused_sgd``) when steps can run as one
        compiled call (``kernels.sgd_steps``): compiled kernels, no L1/L2 penalty, no sample
        weights and no clipping; else None. The result is the same as step by step."""
        if not self.net.uses_kernels or (self.regularization != "none" and self.reg_rate != 0):
            return None
        if self.sample_weight is not None or self.clip_norm is not None:
            return None
        return self.optimizer.fused_sgd(self.state)

    def _fused_steps(self, fused: tuple, max_steps: int) -> float:
        """Run up to ``max_steps`` steps of the current epoch in ``kernels.sgd_steps`` with the
        optimizer's fused arguments, then do what ``step`` does after them: counters, the
        divergence guard, the end-of-epoch row."""
        net, state = self.net, self.state
        done, loss = sgd_steps(net.params, net.grads, self.x, self.t, self._order,
                                self._cursor, self.batch_size, max_steps, net._sizes,
                                net._w_off, net._b_off, net._act_codes, net._out_code,
                                net._loss_code, net._no_out, *fused, int(state["t"]))
        if done:
            state["t"] += done
            self.steps_done += done
            self._cursor = min(self._cursor + done * self.batch_size, self._n)
        if not math.isfinite(loss):
            self._diverged(self.steps_done + 1, loss)
        if self._cursor >= self._n:
            self.epochs_done += 1
            self._record()
        return loss

    def _diverged(self, step: int, loss: float) -> None:
        """Undo the epoch under way (parameters from its snapshot, optimizer state afresh,
        counters back) and raise DivergenceError for ``step``."""
        epoch = self.epochs_done + 1
        self.net.params[...] = self._snapshot
        self.state = self.optimizer.init(self.net.params)
        self.steps_done = self._epoch_start_steps
        self._cursor = self._n  # the next step starts the epoch again
        raise DivergenceError(epoch, step, loss, self.optimizer.lr)

    def fit(self, epochs: int) -> History:
        """Run ``epochs`` whole epochs."""
        for _ in range(int(epochs)):
            self.epoch()
        return self.history

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, x: Array, y: Array, t: Array) -> tuple[float, float]:
        """(mean data loss, accuracy or R²) of the current network on prepared data."""
        net = self.net
        if net.uses_kernels:
            out = np.empty_like(t)
            n = x.shape[0]
            idx = self._all[:n] if n <= self._all.size else np.arange(n)
            loss = float(net._run(x, t, idx, False, out))
        else:
            z = net._logits(x)
            out = net.head.forward(z)
            loss = net.head.value(z, out, t)
        if self.problem == "classification":
            return loss, accuracy(net.head.decide(out), y)
        return loss, r2_score(out, y)

    def _record(self) -> None:
        train_loss, train_metric = self.evaluate(self.x, self.y, self.t)
        if self.x_test is not None:
            test_loss, test_metric = self.evaluate(self.x_test, self.y_test, self.t_test)
        else:
            test_loss = test_metric = math.nan
        if not math.isfinite(train_loss):
            self.epochs_done -= 1
            self._diverged(self.steps_done, train_loss)
        pen = regularization.penalty(self.net.params[: self.net.n_weights], self.regularization,
                                     self.reg_rate)
        self.history.append(epoch=self.epochs_done, step=self.steps_done, train_loss=train_loss,
                            penalty=pen, test_loss=test_loss, train_metric=train_metric,
                            test_metric=test_metric)
