"""The engine: dense and recurrent layers, activations, heads and losses, initializers,
optimizers, gradient clipping, training.

numpy (and numba for small networks) only: arrays in, arrays out; no printing, files or plots
except ``serialize``, which reads and writes model files; ``interop`` reads PyTorch and
scikit-learn models (importing them only when called).
"""

from depthlens.nn.activations import ACTIVATIONS, Activation, get_activation
from depthlens.nn.clipping import clip_grad_norm
from depthlens.nn.initializers import INITIALIZERS, initialize
from depthlens.nn.interop import from_sklearn, from_torch, to_torch
from depthlens.nn.losses import LOSSES, OUTPUTS, Head, make_head
from depthlens.nn.network import MLP, Trace
from depthlens.nn.optimizers import OPTIMIZERS, PRESETS, Optimizer, make_optimizer
from depthlens.nn.recurrent import CELLS, RecurrentNet, RecurrentTrace
from depthlens.nn.regularization import REGULARIZATIONS
from depthlens.nn.serialize import load_model, save_model
from depthlens.nn.training import History, Trainer

__all__ = [
    "ACTIVATIONS",
    "CELLS",
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
    "RecurrentNet",
    "RecurrentTrace",
    "Trace",
    "Trainer",
    "clip_grad_norm",
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
