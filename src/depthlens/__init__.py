"""depthlens: see what the depth of a neural network does.

A layer y = a(W·x + b) changes dimension, scales and rotates (W), translates (b) and bends (a)
the space its input lives in; depth bends it again and again until the classes can be cut by a
flat plane. depthlens trains small networks with an exact numpy engine and shows every layer.

Entry points: ``Config`` and ``Session`` (an experiment), ``MLP`` and ``Trainer`` (the engine),
``MLPClassifier`` and ``MLPRegressor`` (the estimator API), ``make_dataset`` and ``load_csv``.
"""

from depthlens.data import load_csv, make_dataset
from depthlens.errors import ConfigError, DataError, DepthlensError, DivergenceError
from depthlens.estimators import MLPClassifier, MLPRegressor
from depthlens.experiment import Config, Session, load_run, save_run
from depthlens.nn import MLP, Trainer, load_model, make_optimizer, save_model

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "Config",
    "ConfigError",
    "DataError",
    "DepthlensError",
    "DivergenceError",
    "MLPClassifier",
    "MLPRegressor",
    "Session",
    "Trainer",
    "__version__",
    "load_csv",
    "load_model",
    "load_run",
    "make_dataset",
    "make_optimizer",
    "save_model",
    "save_run",
]
