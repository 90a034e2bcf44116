"""A Session around a network trained elsewhere: its weights, your data, every lens view.

``from_model(net, dataset, config=None)`` (also ``Session.from_model``) builds the Session a
Config would build on ``dataset`` and puts ``net``'s weights in its network, so the lens,
the pictures and ``session.run()`` (training goes on from those weights) all work on it. The
Config is derived from the network: ``layers`` = its hidden sizes, ``activation`` its hidden
activations (one name when they agree), ``output`` and ``loss`` its head, ``dtype`` its dtype;
``features`` the raw inputs and ``preprocessing`` 'none', so the network's input is X's columns
exactly as given (the weights were trained on them). A given ``config`` sets the rest
(``train_ratio``, ``seed``, the optimizer a later ``run`` trains with, …).

``model_network(model)`` reads what ``depthlens.explain`` accepts (an ``MLP``, a torch module,
a fitted scikit-learn or depthlens estimator) and ``arrays_dataset(net, X, y)`` turns X and y
into the ``Dataset`` the network's head asks for (class labels of any type mapped to the
model's output units, or regression targets), refusing bad arrays by argument name.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from depthlens.data import DATASETS, Dataset
from depthlens.errors import ConfigError, DataError
from depthlens.experiment.config import CSV_PREFIX, Config
from depthlens.experiment.session import Session
from depthlens.nn.inputs import check_rows
from depthlens.nn.interop import from_sklearn, from_torch
from depthlens.nn.network import MLP

DATA_NAME = "your data"
"""The name of a Dataset made from arrays (``arrays_dataset``): the pictures' titles show it."""

CLASSIFIER_LOSSES = ("bce", "cross_entropy")
"""Heads that make a network a classifier when nothing else says so (``arrays_dataset``)."""

MIN_ROWS = 2
"""Rows ``arrays_dataset`` needs: at least one for training and one for testing."""


# -- the Config of a network ---------------------------------------------------------------------
def network_config(net: MLP, dataset: Dataset, config: Config | None = None) -> Config:
    """The Config of a Session holding ``net`` on ``dataset`` (module docstring).

    Architecture fields come from ``net``; ``features`` is the default (x1, x2: for 1- or 2-column
    data the raw columns, wider data is used as it is: ``session.feature_names``) and
    ``preprocessing`` 'none'. ``dataset`` names the data: a registry set by its name (``xor``),
    a CSV Config keeps its path, any other data is ``csv:<its name>`` (so a run folder saved
    from it fails to load loudly instead of reading another set). Everything else is
    ``config``'s (the defaults without one)."""
    base = config if config is not None else Config()
    acts = tuple(net.activations)
    changes: dict[str, Any] = {
        "layers": list(net.sizes[1:-1]),
        "activation": acts[0] if acts and len(set(acts)) == 1 else list(acts),
        "output": net.head.output,
        "loss": net.head.loss,
        "dtype": np.dtype(net.dtype).name,
        "features": list(Config.__dataclass_fields__["features"].default),
        "preprocessing": "none",
        "preprocessing_params": {},
    }
    if dataset.name in DATASETS:
        name = dataset.name
    elif base.is_csv:
        name = base.dataset
    else:
        name = CSV_PREFIX + dataset.name
    if name != base.dataset:
        changes.update(dataset=name, dataset_params={}, n_samples=None)
    return base.replace(**changes)


def _outputs_text(net: MLP) -> str:
    m = net.sizes[-1]
    return f"{m} output unit{'s' if m != 1 else ''} ({net.head.output}, {net.head.loss})"


def from_model(net: MLP, dataset: Dataset, config: Config | None = None) -> Session:
    """A Session on ``dataset`` whose network is a copy of ``net`` (module docstring).

    The trainer is built on the imported weights (fresh optimizer state, counters at 0, as
    ``Session.reset`` leaves them), so ``session.run()`` trains them on; ``session.reset()``
    draws new weights from the Config, as for any Session.

    Raises ConfigError naming ``net`` (not an MLP), ``dataset.x`` (its width is not the
    network's input width: "… expected 4 columns: the model takes 4 inputs"), or ``dataset.y``
    (targets the head cannot have: regression targets for a classifier head, or more classes or
    targets than the network has output units).
    """
    if not isinstance(net, MLP):
        raise ConfigError("net", type(net).__name__, "a depthlens MLP (from_torch or "
                          "from_sklearn makes one)")
    if not isinstance(dataset, Dataset):
        raise ConfigError("dataset", type(dataset).__name__, "a depthlens.data.Dataset")
    d, n_in = dataset.n_features, net.sizes[0]
    if d != n_in:
        raise ConfigError("dataset.x", f"{d} column{'s' if d != 1 else ''}",
                          f"{n_in} column{'s' if n_in != 1 else ''}: the model takes {n_in} "
                          f"input{'s' if n_in != 1 else ''}")
    if dataset.problem == "regression" and net.head.loss in CLASSIFIER_LOSSES:
        raise ConfigError("dataset.y", "regression targets", "class labels: the model's head "
                          f"({net.head.output}, {net.head.loss}) is a classifier's")
    # the imported weights are the start: no pre-training a Config might ask for runs first
    session = Session(network_config(net, dataset, config), dataset, run_pretraining=False)
    if session.sizes != list(net.sizes):
        m = session.sizes[-1]
        got = (f"{dataset.n_classes} classes" if dataset.problem == "classification"
               else f"{m} target{'s' if m != 1 else ''}")
        raise ConfigError("dataset.y", got, f"targets for {_outputs_text(net)}")
    session.net.params[...] = net.params
    session.rebuild_trainer()
    session.imported = True
    return session


# -- models and arrays ---------------------------------------------------------------------------
def model_network(model: Any) -> MLP:
    """An ``MLP`` with ``model``'s weights: an MLP itself (copied), a ``torch.nn.Module``
    (``from_torch``), or a fitted scikit-learn / depthlens ``MLPClassifier`` or
    ``MLPRegressor`` (``from_sklearn``). ConfigError naming ``model`` otherwise. torch is
    looked at only when it is already imported (a torch module means it is)."""
    if isinstance(model, MLP):
        return model.copy()
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return from_torch(model)
    if hasattr(model, "network_") or hasattr(model, "coefs_") or type(model).__name__ in (
            "MLPClassifier", "MLPRegressor"):
        return from_sklearn(model)
    raise ConfigError("model", type(model).__name__, "a depthlens MLP, a torch.nn.Module, or "
                      "a fitted scikit-learn or depthlens MLPClassifier / MLPRegressor")


def model_classes(model: Any) -> np.ndarray | None:
    """The labels of a fitted classifier's output units (``classes_``), or None."""
    classes = getattr(model, "classes_", None)
    return None if classes is None else np.asarray(classes)


def _inputs(X: Any, net: MLP) -> np.ndarray:
    """X as (n, d) float64, checked: numbers, 2-D, at least MIN_ROWS rows, finite, d inputs."""
    try:
        x = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError("X", type(X).__name__, "an (n, d) array of numbers") from None
    if x.ndim == 1 and net.sizes[0] == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ConfigError("X", f"shape {x.shape}", "an (n, d) array: one row per sample")
    if x.shape[0] < MIN_ROWS:
        raise DataError(f"X: {x.shape[0]} row{'s' if x.shape[0] != 1 else ''}; at least "
                        f"{MIN_ROWS} are needed (some to train the probes, some to test)",
                        field="X", value=x.shape[0])
    check_rows("X", x)
    n_in = net.sizes[0]
    if x.shape[1] != n_in:
        raise ConfigError("X", f"{x.shape[1]} column{'s' if x.shape[1] != 1 else ''}",
                          f"{n_in} column{'s' if n_in != 1 else ''}: the model takes {n_in} "
                          f"input{'s' if n_in != 1 else ''}")
    return x


def _labels(y: np.ndarray, net: MLP, classes: np.ndarray | None) -> tuple[np.ndarray, list]:
    """Class indices of the labels ``y`` and the name of each class, for ``net``'s k classes
    (its output units, or 2 for one unit): ``classes`` (a fitted classifier's ``classes_``) if
    given; else whole numbers in 0..k−1 are the indices themselves; else the sorted distinct
    labels in order (class j is output unit j)."""
    m = net.sizes[-1]
    k = 2 if m == 1 else m
    if y.ndim != 1:
        raise ConfigError("y", f"shape {y.shape}", f"labels of shape ({len(y)},) for a "
                          f"classifier ({_outputs_text(net)})")
    if classes is not None:
        if len(classes) > k:
            raise ConfigError("model", f"{len(classes)} classes", f"at most {k} for "
                              f"{_outputs_text(net)}")
        index = {c: j for j, c in enumerate(classes.tolist())}
        unknown = [v for v in y.tolist() if v not in index]
        if unknown:
            raise ConfigError("y", unknown[0], f"one of the model's classes {classes.tolist()}")
        names = [str(c) for c in classes.tolist()]
        return np.array([index[v] for v in y.tolist()], dtype=np.int64), names + [
            f"class {j}" for j in range(len(names), k)]
    if y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(np.isfinite(y))
                                 and np.all(y == np.round(y))):
        ints = y.astype(np.int64)
        if ints.min() >= 0 and ints.max() < k:
            return ints, [str(j) for j in range(k)]
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        check_rows("y", y)
    values, idx = np.unique(y, return_inverse=True)
    if len(values) > k:
        raise ConfigError("y", f"{len(values)} distinct labels", f"at most {k} classes: the "
                          f"model has {_outputs_text(net)}")
    names = [str(v) for v in values.tolist()]
    return idx.reshape(-1).astype(np.int64), names + [f"class {j}"
                                                      for j in range(len(names), k)]


def _targets(y: np.ndarray, net: MLP) -> np.ndarray:
    """Regression targets (n,) or (n, m) float64 for ``net``'s m outputs."""
    if y.dtype.kind not in "iuf":
        raise DataError(f"y: the model is a regression model ({_outputs_text(net)}) and needs "
                        f"numbers as targets, not {y.dtype.name} values such as "
                        f"{y.reshape(-1)[0]!r} (class labels are for a classifier: a sigmoid or "
                        "softmax head)", field="y", value=str(y.reshape(-1)[0]))
    t = y.astype(np.float64)
    check_rows("y", t)
    m = net.sizes[-1]
    width = 1 if t.ndim == 1 else t.shape[1]
    if t.ndim > 2 or width != m:
        raise ConfigError("y", f"shape {t.shape}", f"shape ({len(t)},{')' if m == 1 else ''}"
                          + ("" if m == 1 else f" {m})") + f" for {_outputs_text(net)}")
    return t


def arrays_dataset(net: MLP, X: Any, y: Any, classes: np.ndarray | None = None,
                   problem: str | None = None, name: str = DATA_NAME) -> Dataset:
    """The Dataset of (X, y) as ``net`` reads it.

    The problem is ``problem`` if given, else classification when ``classes`` is given or the
    head's loss is bce or cross_entropy, regression otherwise. Classification: labels of any
    type become class indices (``_labels``) and the dataset has as many classes as the network
    has (2 for one sigmoid unit), named by their labels. Regression: numbers (n,) or (n, m).

    Raises ConfigError or DataError naming ``X`` or ``y``: not numbers, the wrong shape or
    width ("X: '3 columns' is not allowed; expected 4 columns: the model takes 4 inputs"),
    fewer than MIN_ROWS rows, a row holding NaN or ±inf, y with another number of rows, class
    labels for a regression model, more distinct labels than the model has classes.
    """
    x = _inputs(X, net)
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != x.shape[0]:
        rows = "a scalar" if y_arr.ndim == 0 else f"{y_arr.shape[0]} rows"
        raise ConfigError("y", rows, f"{x.shape[0]} rows, one per row of X")
    if problem is None:
        problem = ("classification" if classes is not None
                   or net.head.loss in CLASSIFIER_LOSSES else "regression")
    names = tuple(f"x{j + 1}" for j in range(x.shape[1]))
    if problem == "classification":
        idx, class_names = _labels(y_arr, net, classes)
        return Dataset(x, idx, "classification", len(class_names), tuple(class_names), names,
                       name)
    t = _targets(y_arr, net)
    m = 1 if t.ndim == 1 else t.shape[1]
    targets = () if m == 1 else tuple(f"y{j + 1}" for j in range(m))
    return Dataset(x, t, "regression", 0, (), names, name, target_names=targets)


def session_for(model: Any, X: Any, y: Any, config: Config | None = None) -> Session:
    """The Session of a trained ``model`` on (X, y): ``model_network`` → ``arrays_dataset``
    (a fitted classifier's ``classes_`` map the labels) → ``check_split`` → ``from_model``.
    What ``depthlens.explain`` draws and ``depthlens.Playground(model, X, y)`` trains.

    Raises ConfigError or DataError naming ``model``, ``X`` or ``y`` (as those four do)."""
    net = model_network(model)
    dataset = arrays_dataset(net, X, y, classes=model_classes(model))
    check_split(dataset, config if config is not None else Config())
    return from_model(net, dataset, config)


def check_split(dataset: Dataset, config: Config) -> None:
    """DataError naming X when ``config.train_ratio`` leaves no training or no test row."""
    n = dataset.n_samples
    k = math.floor(n * config.train_ratio)
    if k == 0 or k == n:
        raise DataError(f"X: {n} rows split at train_ratio {config.train_ratio:g} leave "
                        f"{'no training' if k == 0 else 'no test'} row; pass more rows",
                        field="X", value=n)
