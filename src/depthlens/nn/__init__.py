"""The engine: dense layers, activations, heads and losses, initializers, optimizers, training.

numpy (and numba for small networks) only: arrays in, arrays out; no printing, files or plots
except ``serialize``, which reads and writes model files; ``interop`` reads PyTorch and
scikit-learn models (importing them only when called).
"""

from depthlens.nn.activations import ACTIVATIONS, Activation, get_activation
from depthlens.nn.initializers import INITIALIZERS, initialize
from depthlens.nn.interop import from_sklearn, from_torch, to_torch
from depthlens.nn.losses import LOSSES, OUTPUTS, Head, make_head
from depthlens.nn.network import MLP, Trace
from depthlens.nn.optimizers import OPTIMIZERS, PRESETS, Optimizer, make_optimizer
from depthlens.nn.regularization import REGULARIZATIONS
from depthlens.nn.serialize import load_model, save_model
from depthlens.nn.training import History, Trainer

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "MLP",
    "OPTIMIZERS",
    "OUTPUTS",
    "PRESETS",
    "REGULARIZATIONS",
    "Activation",
    "Head",
    "History",
    "Optimizer",
    "Trace",
    "Trainer",
    "from_sklearn",
    "from_torch",
    "get_activation",
    "initialize",
    "load_model",
    "make_head",
    "make_optimizer",
    "save_model",
    "to_torch",
]
