"""``MLPClassifier`` and ``MLPRegressor`` with the estimator API people know from scikit-learn.

Hyperparameters are stored verbatim by ``__init__`` and checked by ``fit`` (errors name the
parameter). Learned state ends with an underscore: ``network_`` (the depthlens ``MLP``),
``coefs_`` and ``intercepts_`` (scikit-learn's layout: coefs_[l] is (in, out), the transpose of
the engine's W), ``loss_curve_`` (training data loss per epoch), ``n_iter_``, ``history_``, and
``classes_`` for the classifier.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from depthlens.errors import ConfigError
from depthlens.nn.losses import make_head
from depthlens.nn.network import MLP
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.training import History, Trainer, accuracy, r2_score


def _is_whole(v: Any) -> bool:
    """A whole number (an int, numpy's too, or a float such as 3.0), not a bool: 2.5, '3' and
    True are not layer sizes or epochs."""
    if isinstance(v, bool | np.bool_):
        return False
    return isinstance(v, int | np.integer) or (isinstance(v, float | np.floating)
                                               and float(v).is_integer())


class _MLPEstimator:
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
        random_state: int = 0,
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

    # -- scikit-learn plumbing ----------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {n: getattr(self, n) for n in names}

    def set_params(self, **params: Any) -> _MLPEstimator:
        valid = self.get_params()
        for k, v in params.items():
            if k not in valid:
                raise ConfigError(k, v, f"a parameter of {type(self).__name__}: "
                                  + ", ".join(valid))
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # -- building -----------------------------------------------------------------------------
    def _x(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2:
            raise ConfigError("X", f"shape {x.shape}", "a 2-D array (n_samples, n_features)")
        if hasattr(self, "n_features_in_") and x.shape[1] != self.n_features_in_:
            raise ConfigError("X", f"{x.shape[1]} features",
                              f"{self.n_features_in_}, as in fit")
        return x

    def _head(self) -> tuple[str | None, str]:
        raise NotImplementedError

    def _n_outputs(self, y: np.ndarray) -> int:
        raise NotImplementedError

    def _targets(self, y: Any) -> np.ndarray:
        raise NotImplementedError

    def _build(self, x: np.ndarray, y: np.ndarray) -> None:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if _is_whole(sizes) else sizes
        if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
            sizes = sizes.tolist()
        if not isinstance(sizes, list | tuple) or not all(_is_whole(s) and s >= 1
                                                          for s in sizes):
            raise ConfigError("hidden_layer_sizes", self.hidden_layer_sizes,
                              "whole numbers ≥ 1")
        sizes = [int(s) for s in sizes]
        if not _is_whole(self.max_epochs) or self.max_epochs < 0:
            raise ConfigError("max_epochs", self.max_epochs, "a whole number ≥ 0")
        output, loss = self._head()
        self.n_features_in_ = x.shape[1]
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
        bs = min(200, x.shape[0]) if self.batch_size == "auto" else self.batch_size
        self.network_ = net
        self._trainer = Trainer(net, opt, x, y, problem=self._problem, batch_size=bs,
                                shuffle=self.shuffle, seed=self.random_state,
                                regularization=self.regularization, reg_rate=self.reg_rate)

    def _refresh(self) -> None:
        h: History = self._trainer.history
        self.history_ = h
        self.loss_curve_ = list(h.train_loss)
        self.n_iter_ = self._trainer.epochs_done
        self.coefs_ = [w.T.copy() for w in self.network_.weights]
        self.intercepts_ = [b.copy() for b in self.network_.biases]

    # -- API ----------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> _MLPEstimator:
        """Train from scratch for ``max_epochs`` epochs."""
        for attr in ("n_features_in_", "classes_"):
            self.__dict__.pop(attr, None)
        x = self._x(X)
        self._build(x, self._targets(y))
        self._trainer.fit(int(self.max_epochs))
        self._refresh()
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> _MLPEstimator:
        """One more epoch on (X, y); the first call builds the network."""
        x = self._x(X)
        if not hasattr(self, "network_"):
            if classes is not None:
                self.classes_ = np.unique(np.asarray(classes))
            self._build(x, self._targets(y))
        else:
            t = self._targets(y)
            tr = self._trainer
            tr.x, tr.y, tr.t = tr._prepare(x, t, "y")
            tr._order = np.arange(tr.x.shape[0])
            tr._cursor = tr.x.shape[0]
        self._trainer.epoch()
        self._refresh()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise ConfigError(type(self).__name__, "not fitted", "call fit before predicting")

    def _outputs(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return self.network_.forward(self._x(X))


class MLPClassifier(_MLPEstimator):
    """A multilayer perceptron classifier (any number of classes; labels of any type).

    Two classes train one sigmoid unit with binary cross-entropy, more train softmax with
    cross-entropy, unless ``loss``/``output`` say otherwise (e.g. Playground's
    ``loss='half_mse', output='tanh'``).
    """

    _problem = "classification"

    def _head(self) -> tuple[str | None, str]:
        k = len(self.classes_)
        loss = self.loss or ("bce" if k <= 2 else "cross_entropy")
        head = make_head(self.output, loss)
        return head.output, head.loss

    def _n_outputs(self, y: np.ndarray) -> int:
        k = len(self.classes_)
        _, loss = self._head()
        return 1 if k <= 2 and loss != "cross_entropy" else max(k, 2)

    def _targets(self, y: Any) -> np.ndarray:
        y = np.asarray(y).reshape(-1)
        if not hasattr(self, "classes_"):
            self.classes_ = np.unique(y)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        bad = self.classes_[idx] != y
        if bad.any():
            raise ConfigError("y", y[bad][0], f"one of the classes {list(self.classes_)}")
        return idx

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, n_classes), rows summing to 1."""
        out = self._outputs(X)  # first: it says "not fitted" before network_ is needed
        return self.network_.head.probabilities(out)

    def predict(self, X: Any) -> np.ndarray:
        out = self._outputs(X)
        return self.classes_[self.network_.head.decide(out)]

    def score(self, X: Any, y: Any) -> float:
        """Accuracy."""
        return accuracy(self.predict(X), np.asarray(y).reshape(-1))


class MLPRegressor(_MLPEstimator):
    """A multilayer perceptron regressor (linear output, mean squared error by default)."""

    _problem = "regression"

    def _head(self) -> tuple[str | None, str]:
        head = make_head(self.output, self.loss or "mse")
        return head.output, head.loss

    def _n_outputs(self, y: np.ndarray) -> int:
        return 1 if y.ndim == 1 else int(y.shape[1])

    def _targets(self, y: Any) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        return y

    def predict(self, X: Any) -> np.ndarray:
        out = self._outputs(X)
        return out[:, 0] if getattr(self, "_y_1d", False) else out

    def score(self, X: Any, y: Any) -> float:
        """R² (averaged over outputs)."""
        y = np.asarray(y, dtype=np.float64)
        pred = self.predict(X)
        return r2_score(pred.reshape(len(y), -1), y.reshape(len(y), -1))
