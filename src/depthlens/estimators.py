"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn estimators over the depthlens engine.

They derive from scikit-learn's ``BaseEstimator`` and ``ClassifierMixin`` / ``RegressorMixin``,
so ``clone``, ``Pipeline``, ``cross_val_score``, ``GridSearchCV`` and ``check_estimator`` take
them as their own (``get_params``, ``set_params``, ``repr`` and ``score`` are scikit-learn's).

Hyperparameters are stored verbatim by ``__init__`` and checked by ``fit`` (errors name the
parameter: a ``ConfigError``, which is a ``ValueError``). Inputs are checked the way
scikit-learn checks them (``validate_data``): 2-D, finite, real, dense; ``predict`` before
``fit`` raises ``NotFittedError`` and a wrong number of features the usual ``ValueError``.
Learned state ends with an underscore: ``network_`` (the depthlens ``MLP``), ``coefs_`` and
``intercepts_`` (scikit-learn's layout: coefs_[l] is (in, out), the transpose of the engine's
W), ``loss_curve_`` (training loss per epoch), ``n_iter_`` (epochs trained), ``history_`` (the
engine's per-epoch record), ``n_features_in_`` and ``classes_`` for the classifier.

**Sample weights.** ``fit``, ``partial_fit`` and ``score`` take ``sample_weight`` (one weight
≥ 0 per row, not all 0). Each mini-batch B is trained on the weighted mean loss

    L_B = Σ_{i∈B} wᵢ ℓᵢ / Σ_{i∈B} wᵢ

(ℓᵢ the row's loss; a batch whose weights are all 0 contributes a zero gradient). This is what
scikit-learn's own MLP does (its deltas are multiplied by wᵢ and its gradients divided by the
batch's Σw), and PyTorch's ``(loss(reduction='none') * w).sum() / w.sum()``; it is *not*
``(loss(reduction='none') * w).mean()``, which divides by the number of rows. *Decision*:
normalising by Σw makes the step size independent of the weights' scale (w and 10·w train the
same network, so the learning rate needs no retuning), equals the plain mean for unit weights,
and makes an integer weight k equal to k copies of the row whenever a batch holds the whole
data (mini-batches of repeated rows are composed differently, so there it holds on average).
Weighted batches run step by step on the engine's numpy path (the compiled kernels have no
weights). ``loss_curve_`` is then the weighted mean loss on the training rows; ``history_``
keeps the engine's plain means.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from depthlens.errors import ConfigError
from depthlens.nn.activations import get_activation
from depthlens.nn.losses import make_head
from depthlens.nn.network import MLP
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.training import History, Trainer

_FLOATS = (np.float64, np.float32)


def _is_whole(v: Any) -> bool:
    """A whole number (an int, numpy's too, or a float such as 3.0), not a bool: 2.5, '3' and
    True are not layer sizes or epochs."""
    if isinstance(v, bool | np.bool_):
        return False
    return isinstance(v, int | np.integer) or (isinstance(v, float | np.floating)
                                               and float(v).is_integer())


def _weighted_loss(net: MLP, x: np.ndarray, t: np.ndarray, w: np.ndarray) -> float:
    """Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ over all rows of (x, encoded targets t): the loss ``fit`` minimises."""
    z = net.trace(x).pre[-1]
    per_row = net.head.per_sample(z, net.head.forward(z), t).astype(np.float64)
    return float(np.dot(w, per_row) / w.sum())


class _MLPEstimator(BaseEstimator):
    """What both estimators share: parameters, building the network, training, predicting.

    ``random_state`` is an int (or None for a fresh seed every fit): it seeds the initial
    weights and the batch order. ``batch_size='auto'`` is min(200, rows of the call).
    """

    _problem = "classification"

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] | list[int] = (100,),
        activation: str | list[str] = "relu",
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        batch_size: int | str = "auto",
        max_epochs: int = 200,
        init: str = "glorot_uniform",
        regularization: str = "none",
        reg_rate: float = 0.0,
        shuffle: bool = True,
        random_state: int | None = 0,
        dtype: str = "float32",
        loss: str | None = None,
        output: str | None = None,
        optimizer_params: dict[str, Any] | None = None,
        init_params: dict[str, Any] | None = None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.init = init
        self.regularization = regularization
        self.reg_rate = reg_rate
        self.shuffle = shuffle
        self.random_state = random_state
        self.dtype = dtype
        self.loss = loss
        self.output = output
        self.optimizer_params = optimizer_params
        self.init_params = init_params

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling: arrays loaded read-only (joblib's memory-mapped load) are copied, so
        the engine can write its gradient buffers and the optimizer its state again."""
        super().__setstate__(state)
        net = self.__dict__.get("network_")
        if net is not None and not (net.params.flags.writeable and net.grads.flags.writeable):
            net.__setstate__({k: v.copy() if isinstance(v, np.ndarray) else v
                              for k, v in net.__dict__.items()})
        opt_state = self.__dict__.get("_opt_state")
        if opt_state is not None:
            for k, v in opt_state.items():
                if isinstance(v, np.ndarray) and not v.flags.writeable:
                    opt_state[k] = v.copy()

    def _expected_failed_checks(self) -> dict[str, str]:
        """The scikit-learn estimator checks this instance is known to fail, with the reason
        (for ``parametrize_with_checks`` / ``check_estimator``'s ``expected_failed_checks``).
        With dtype float64 every check passes."""
        if np.dtype(self.dtype) == np.float64:
            return {}
        return {"check_sample_weight_equivalence_on_dense_data":
                "float32 training: weighted rows and repeated rows are summed in another "
                "order, so predictions agree to float32 rounding (~1e-7 relative), not to the "
                "check's rtol=1e-7; with dtype='float64' the check passes"}

    # -- hooks of the two estimators ------------------------------------------------------------
    def _check_y(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _head(self) -> tuple[str | None, str]:
        raise NotImplementedError

    def _n_outputs(self, y: np.ndarray) -> int:
        raise NotImplementedError

    def _targets(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- building -------------------------------------------------------------------------------
    def _forget(self) -> None:
        """Drop everything a previous fit learned (a refit starts from scratch)."""
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("__")]:
            delattr(self, attr)
        for attr in ("_optimizer", "_opt_state", "_rng", "_steps_done"):
            self.__dict__.pop(attr, None)

    def _weights(self, sample_weight: Any, x: np.ndarray) -> np.ndarray | None:
        """The checked weights (float64 copy, (n,)) or None: scikit-learn's checks (shape,
        finite, ≥ 0), then "not all 0" (a weighted mean needs Σw > 0)."""
        if sample_weight is None:
            return None
        w = _check_sample_weight(sample_weight, x, dtype=np.float64, ensure_non_negative=True,
                                 copy=True)
        if not w.any():
            raise ConfigError("sample_weight", "all 0", "at least one weight > 0")
        return w

    def _build(self, x: np.ndarray, y: np.ndarray) -> None:
        """A fresh network, optimizer and batch-order generator for data (x, y)."""
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if _is_whole(sizes) else sizes
        if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
            sizes = sizes.tolist()
        if not isinstance(sizes, list | tuple) or not all(_is_whole(s) and s >= 1
                                                          for s in sizes):
            raise ConfigError("hidden_layer_sizes", self.hidden_layer_sizes,
                              "whole numbers ≥ 1")
        sizes = [int(s) for s in sizes]
        self._check_max_epochs()
        output, loss = self._head()
        net = MLP([x.shape[1], *sizes, self._n_outputs(y)], self.activation, output, loss,
                  self.dtype)
        net.initialize(self.init, self.random_state, **(self.init_params or {}))
        try:
            opt = make_optimizer(self.optimizer, lr=self.learning_rate,
                                 **(self.optimizer_params or {}))
        except ConfigError as e:
            if e.field != "optimizer.lr":
                raise
            raise ConfigError("learning_rate", self.learning_rate, e.allowed) from None
        self.network_ = net
        self.history_ = History(metric="accuracy" if self._problem == "classification"
                                else "r2")
        self.loss_curve_: list[float] = []
        self.n_iter_ = 0
        self._optimizer = opt
        self._opt_state = opt.init(net.params)
        self._rng = np.random.default_rng(self.random_state)
        self._steps_done = 0

    def _check_max_epochs(self) -> int:
        if not _is_whole(self.max_epochs) or self.max_epochs < 0:
            raise ConfigError("max_epochs", self.max_epochs, "a whole number ≥ 0")
        return int(self.max_epochs)

    def _train(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, epochs: int) -> None:
        """``epochs`` epochs over every row of (x, y), weights w, continuing the optimizer's
        state, the batch order's generator and the counters of the calls before.

        A Trainer is made for this call's rows (so a batch of any size is used whole) and
        handed the state the estimator keeps between calls; the state goes back afterwards,
        also when training stops with an error (a DivergenceError leaves the parameters of the
        last finite epoch)."""
        bs = min(200, x.shape[0]) if self.batch_size == "auto" else self.batch_size
        tr = Trainer(self.network_, self._optimizer, x, y, problem=self._problem,
                     batch_size=bs, shuffle=self.shuffle, seed=0,
                     regularization=self.regularization, reg_rate=self.reg_rate,
                     sample_weight=w)
        tr.state, tr.rng, tr.history = self._opt_state, self._rng, self.history_
        tr.epochs_done, tr.steps_done = self.n_iter_, self._steps_done
        try:
            for _ in range(epochs):
                tr.epoch()
                self.loss_curve_.append(tr.history.train_loss[-1] if w is None else
                                        _weighted_loss(self.network_, tr.x, tr.t, w))
        finally:
            self._opt_state, self._rng = tr.state, tr.rng
            self.n_iter_, self._steps_done = tr.epochs_done, tr.steps_done
            self.coefs_ = [wt.T.copy() for wt in self.network_.weights]
            self.intercepts_ = [b.copy() for b in self.network_.biases]

    # -- API ------------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _MLPEstimator:
        """Train from scratch for ``max_epochs`` epochs on (X, y), rows weighted by
        ``sample_weight`` if given (see the module docstring for the weighted loss)."""
        self._forget()
        x, y = self._check_y(X, y, reset=True)
        w = self._weights(sample_weight, x)
        t = self._targets(y)
        self._build(x, t)
        self._train(x, t, w, self._check_max_epochs())
        return self

    def _partial_fit(self, X: Any, y: Any, sample_weight: Any, classes: Any) -> _MLPEstimator:
        """One more epoch on every row of (X, y); the first call (with no fit before) builds
        the network."""
        first = not hasattr(self, "network_")
        x, y = self._check_y(X, y, reset=first)
        w = self._weights(sample_weight, x)
        if first:
            self._set_classes(classes, y)
        else:
            self._same_classes(classes)
        t = self._targets(y)
        if first:
            self._build(x, t)
        self._train(x, t, w, 1)
        return self

    def _set_classes(self, classes: Any, y: np.ndarray) -> None:
        """Classifier: ``classes_`` from ``classes`` (or y) on the first partial_fit."""

    def _same_classes(self, classes: Any) -> None:
        """Classifier: a later partial_fit's ``classes`` must be the first one's."""

    def _inputs(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=_FLOATS)

    def _outputs(self, X: Any) -> np.ndarray:
        x = self._inputs(X)  # first: NotFittedError before network_ is looked up
        return self.network_.forward(x)


class MLPClassifier(ClassifierMixin, _MLPEstimator):
    """A multilayer perceptron classifier (any number of classes; labels of any type).

    Two classes train one sigmoid unit with binary cross-entropy, more train softmax with
    cross-entropy, unless ``loss``/``output`` say otherwise (e.g. Playground's
    ``loss='half_mse', output='tanh'``). y must be one label per row: a column (n, 1) is
    raveled with a ``DataConversionWarning``, continuous values are refused. ``score`` is the
    (weighted) accuracy. Data of a single class trains, and predicts that class.
    """

    _problem = "classification"

    def __sklearn_tags__(self):
        """scikit-learn's tags: dense X only, one label per row."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.classifier_tags.multi_label = False
        return tags

    def _check_y(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        x, y = validate_data(self, X, y, reset=reset, dtype=_FLOATS)
        check_classification_targets(y)
        return x, y

    def _set_classes(self, classes: Any, y: np.ndarray) -> None:
        self.classes_ = np.unique(y if classes is None else np.asarray(classes))

    def _same_classes(self, classes: Any) -> None:
        if classes is not None and not np.array_equal(np.unique(np.asarray(classes)),
                                                      self.classes_):
            raise ConfigError("classes", list(np.unique(np.asarray(classes))),
                              f"the classes of the first call, {list(self.classes_)}")

    def _head(self) -> tuple[str | None, str]:
        k = len(self.classes_)
        loss = self.loss or ("bce" if k <= 2 else "cross_entropy")
        head = make_head(self.output, loss)
        return head.output, head.loss

    def _n_outputs(self, y: np.ndarray) -> int:
        k = len(self.classes_)
        _, loss = self._head()
        return 1 if k <= 2 and loss != "cross_entropy" else max(k, 2)

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if not hasattr(self, "classes_"):
            self.classes_ = np.unique(y)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        bad = self.classes_[idx] != y
        if bad.any():
            raise ConfigError("y", y[bad][0], f"one of the classes {list(self.classes_)}")
        return idx

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Train from scratch for ``max_epochs`` epochs; ``classes_`` are y's labels."""
        return super().fit(X, y, sample_weight)

    def partial_fit(self, X: Any, y: Any, classes: Any = None,
                    sample_weight: Any = None) -> MLPClassifier:
        """One more epoch on every row of (X, y), in batches of ``batch_size``, whatever the
        number of rows of this call. The first call (with no fit before) builds the network;
        its ``classes`` (default: y's labels) are every label later calls may use."""
        return self._partial_fit(X, y, sample_weight, classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, n_classes), rows summing to 1. With one sigmoid output
        unit (two classes) both columns come from the logit z in float64: (σ(−z), σ(z)), so
        each is exact in its tail (1 − σ(z) would round to 0 for z ≳ 37 where it is e^−z)."""
        check_is_fitted(self)
        net = self.network_
        if len(self.classes_) == 2 and net.head.output == "sigmoid" and net.sizes[-1] == 1:
            x = net._as_input(self._inputs(X))
            z = net._logits(x)[:, 0].astype(np.float64)
            sigmoid = get_activation("sigmoid")
            return np.column_stack([sigmoid(-z), sigmoid(z)])
        out = self._outputs(X)
        if len(self.classes_) == 1:
            return np.ones((out.shape[0], 1))
        return net.head.probabilities(out)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row."""
        out = self._outputs(X)
        if len(self.classes_) == 1:
            return np.repeat(self.classes_, out.shape[0])
        return self.classes_[self.network_.head.decide(out)]


class MLPRegressor(RegressorMixin, _MLPEstimator):
    """A multilayer perceptron regressor (linear output, mean squared error by default).

    y is (n,) or (n, m) for m outputs; a column (n, 1) is raveled with a
    ``DataConversionWarning`` (predictions are then (n,)). ``score`` is the (weighted) R²,
    averaged over outputs.
    """

    _problem = "regression"

    def __sklearn_tags__(self):
        """scikit-learn's tags: dense X only, one or more outputs."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = True
        return tags

    def _check_y(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        x, y = validate_data(self, X, y, reset=reset, dtype=_FLOATS, multi_output=True,
                             y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return x, y

    def _head(self) -> tuple[str | None, str]:
        head = make_head(self.output, self.loss or "mse")
        return head.output, head.loss

    def _n_outputs(self, y: np.ndarray) -> int:
        return 1 if y.ndim == 1 else int(y.shape[1])

    def _targets(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        if not hasattr(self, "network_"):
            self._y_1d = y.ndim == 1
        elif y.shape[1:] != (() if self._y_1d else (self.network_.sizes[-1],)):
            want = "(n,)" if self._y_1d else f"(n, {self.network_.sizes[-1]})"
            raise ConfigError("y", f"shape {y.shape}", f"shape {want}, as in the first fit")
        return y

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Train from scratch for ``max_epochs`` epochs."""
        return super().fit(X, y, sample_weight)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One more epoch on every row of (X, y), in batches of ``batch_size``, whatever the
        number of rows of this call; the first call (with no fit before) builds the network."""
        return self._partial_fit(X, y, sample_weight, None)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values as float64 (whatever the network's dtype, as scikit-learn's
        regressors return), (n,) when fitted on a 1-D y, else (n, m)."""
        out = self._outputs(X).astype(np.float64)
        return out[:, 0] if self._y_1d else out
