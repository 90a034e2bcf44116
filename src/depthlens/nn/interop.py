"""Networks trained elsewhere, read into the engine (and back): PyTorch and scikit-learn.

The lens reads an ``MLP``; these functions make one from a model trained by another library,
with the same weights, so every depthlens view works on it:

- ``from_torch(module)``: a chain of ``torch.nn.Linear`` layers and elementwise activations.
  A dense layer of both libraries is y = x·Wᵀ + b with W stored (out, in), so W is copied as is.
- ``from_sklearn(estimator)``: a fitted ``sklearn.neural_network.MLPClassifier`` or
  ``MLPRegressor``. scikit-learn stores ``coefs_[l]`` as (in, out) (y = x·C + b), so W = Cᵀ.
- ``to_torch(net)``: the way back, an ``nn.Sequential`` with the same weights.

torch and scikit-learn are imported inside the functions only: importing depthlens never
imports torch, which is not one of its run-time dependencies.

What is read, and why the rest is refused: the engine has one dense layer followed by one
elementwise activation per layer, with fixed constants (leaky_relu's slope 0.01, elu's α = 1,
the exact erf form of gelu), so a module reads exactly when it is that function:

| torch module                  | engine                  | refused                            |
|-------------------------------|-------------------------|------------------------------------|
| Linear (bias or not)          | a dense layer           |                                    |
| ReLU, Tanh, Sigmoid, SiLU     | relu, tanh, sigmoid, swish |                                 |
| LeakyReLU(0.01)               | leaky_relu              | any other negative_slope           |
| ELU(1.0)                      | elu                     | any other alpha                    |
| GELU('none')                  | gelu (erf form)         | approximate='tanh'                 |
| Softplus(beta=1, threshold≥20)| softplus                | beta ≠ 1, threshold < 20           |
| Identity, Dropout in eval     | nothing (the identity)  | Dropout in training mode           |
| Softmax(dim=-1 or 1), last    | the softmax output head | Softmax anywhere else              |

Consecutive Linear layers have the identity between them (the engine's ``linear``
activation). The activation after the last Linear is the output head's: Softmax → softmax with
cross_entropy, Sigmoid → sigmoid with bce, none → linear with mse, any other → that activation
with mse (``loss=`` chooses another loss the head allows).

Softplus: torch returns z itself where z > threshold; the engine computes log(1 + eᶻ) exactly
everywhere, which differs from z by log1p(e⁻ᶻ) < e⁻ᵗʰʳᵉˢʰᵒˡᵈ (2.1e−9 at the default 20,
about 1e−10 of the value). A smaller threshold would make a visible kink the engine does not
have, so it is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlens.errors import ConfigError
from depthlens.nn.activations import ELU_ALPHA, LEAKY_SLOPE
from depthlens.nn.network import MLP

if TYPE_CHECKING:
    from torch import nn

SUPPORTED = ("Linear, and the activations ReLU, Tanh, Sigmoid, LeakyReLU(0.01), ELU(1.0), "
             "GELU('none'), SiLU, Softplus(beta=1, threshold≥20), Identity, Dropout (eval "
             "mode), and a final Softmax(dim=-1)")
"""What ``from_torch`` reads, as its refusals say it."""

SOFTPLUS_MIN_THRESHOLD = 20.0
"""The smallest torch Softplus threshold read: beyond it torch's z and the engine's log(1 + eᶻ)
differ by less than e⁻²⁰ = 2.1e−9."""

DEFAULT_LOSS = {"softmax": "cross_entropy", "sigmoid": "bce"}
"""The loss an imported head is trained with, by output; any other output takes mse."""

SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh",
                       "relu": "relu"}
"""scikit-learn's hidden activations → the engine's."""

SKLEARN_HEADS = {"softmax": ("softmax", "cross_entropy"), "logistic": ("sigmoid", "bce"),
                 "identity": ("linear", "mse")}
"""scikit-learn's ``out_activation_`` → the engine's (output, loss)."""


# -- PyTorch → depthlens ------------------------------------------------------------------------
def _chain(module: nn.Module) -> tuple[list[tuple[str, nn.Module]], bool]:
    """The layers of ``module`` in order as (name, layer), nested Sequentials flattened, and
    whether the order is the forward's by construction (an ``nn.Sequential``) rather than
    assumed from the order the children were registered in."""
    from torch import nn

    def walk(mod: nn.Module, prefix: str) -> Iterator[tuple[str, nn.Module]]:
        for name, child in mod.named_children():
            path = f"{prefix}{name}"
            if isinstance(child, nn.Sequential):
                yield from walk(child, path + ".")
            else:
                yield path, child

    if isinstance(module, nn.Sequential):
        return list(walk(module, "")), True
    children = list(module.named_children())
    if not children:
        return [("0", module)], True  # a bare layer, e.g. one Linear
    return list(walk(module, "")), False


def _where(index: int, name: str) -> str:
    """'layer 3', or 'layer 3 (block.1)' when the layer sits in a nested container."""
    return f"layer {index}" if name == str(index) else f"layer {index} ({name})"


def _torch_activation(index: int, name: str, layer: nn.Module) -> str | None:
    """The engine's name of an elementwise torch activation, checking its constants; None if
    ``layer`` is not one of the activations read."""
    from torch import nn

    kind = type(layer)
    where = f"{_where(index, name)} ({kind.__name__})"
    if kind is nn.ReLU:
        return "relu"
    if kind is nn.Tanh:
        return "tanh"
    if kind is nn.Sigmoid:
        return "sigmoid"
    if kind is nn.SiLU:
        return "swish"
    if kind is nn.LeakyReLU:
        if layer.negative_slope != LEAKY_SLOPE:
            raise ConfigError(f"{where} negative_slope", layer.negative_slope,
                              f"{LEAKY_SLOPE} (depthlens's leaky_relu has that fixed slope)")
        return "leaky_relu"
    if kind is nn.ELU:
        if layer.alpha != ELU_ALPHA:
            raise ConfigError(f"{where} alpha", layer.alpha,
                              f"{ELU_ALPHA} (depthlens's elu has that fixed alpha)")
        return "elu"
    if kind is nn.GELU:
        if layer.approximate != "none":
            raise ConfigError(f"{where} approximate", layer.approximate,
                              "'none' (depthlens's gelu is the exact erf form)")
        return "gelu"
    if kind is nn.Softplus:
        if layer.beta != 1:
            raise ConfigError(f"{where} beta", layer.beta, "1 (depthlens's softplus is "
                              "log(1 + eᶻ))")
        if layer.threshold < SOFTPLUS_MIN_THRESHOLD:
            raise ConfigError(f"{where} threshold", layer.threshold,
                              f"at least {SOFTPLUS_MIN_THRESHOLD:g} (depthlens's softplus has "
                              "no linear tail)")
        return "softplus"
    return None


def _torch_dtype(module: nn.Module) -> np.dtype:
    """float32 or float64: the one dtype of every parameter of ``module``."""
    dtypes = {str(p.dtype) for p in module.parameters()}
    if len(dtypes) != 1 or not dtypes <= {"torch.float32", "torch.float64"}:
        raise ConfigError("dtype", ", ".join(sorted(dtypes)) or "no parameters",
                          "one of torch.float32 or torch.float64 for every parameter")
    return np.dtype(np.float64 if dtypes == {"torch.float64"} else np.float32)


def from_torch(module: nn.Module, loss: str | None = None) -> MLP:
    """An ``MLP`` with the weights of a PyTorch chain of dense layers (copied).

    Accepted: an ``nn.Sequential`` (Sequentials nested in it are read in place, in order); a
    single ``nn.Linear``; or any other module whose direct children, in the order they were
    assigned (Sequential children read in place), are the chain its ``forward`` applies. The
    forward of such a module cannot be read, so the result is checked: the engine's forward on
    a seeded random batch of 16 points must equal the module's, else a ConfigError on
    ``module`` (a residual connection, a reordered call, a reshape are refused this way).

    The layers are those of the module table (``Linear`` and the activations ReLU, Tanh,
    Sigmoid, LeakyReLU(0.01), ELU(1.0), GELU('none'), SiLU, Softplus(1, ≥ 20), Identity,
    Dropout in eval mode, a final Softmax), each hidden dense layer followed by at most one
    activation; consecutive Linears have the identity between them. The activation after the
    last Linear is the output head; ``loss`` defaults to cross_entropy for Softmax, bce for
    Sigmoid, mse otherwise. The dtype is the module's (float32 or float64).

    A layer is named by its index in the chain, counted from 0 as ``module[i]`` counts (a
    layer of a nested Sequential also by its path, "layer 4 (1.0)"), and its class.
    Raises ConfigError naming the layer by index and class ("layer 3: 'Conv2d' is not
    allowed; expected Linear, and the activations …"), or the constant that differs from the
    engine's ("layer 1 (LeakyReLU) negative_slope: 0.2 …").
    """
    from torch import nn

    if not isinstance(module, nn.Module):
        raise ConfigError("module", type(module).__name__, "a torch.nn.Module")
    chain, ordered = _chain(module)
    weights: list[np.ndarray] = []
    biases: list[np.ndarray] = []
    sizes: list[int] = []
    hidden: list[str] = []
    pending: tuple[str, str] | None = None  # (engine name, where) after the last Linear so far
    for index, (name, layer) in enumerate(chain):
        kind = type(layer).__name__
        where = _where(index, name)
        if type(layer) is nn.Linear:
            if pending is not None and pending[0] == "softmax":
                raise ConfigError(pending[1], "Softmax", "Softmax only after the last Linear "
                                  "layer (the output head); a hidden layer's activation is "
                                  "elementwise")
            if weights:
                hidden.append(pending[0] if pending else "linear")
                if layer.in_features != sizes[-1]:
                    raise ConfigError(f"{where} (Linear) in_features", layer.in_features,
                                      f"{sizes[-1]}, the previous Linear's out_features")
            else:
                sizes.append(layer.in_features)
            sizes.append(layer.out_features)
            weights.append(layer.weight.detach().cpu().numpy())
            b = layer.bias
            biases.append(np.zeros(layer.out_features) if b is None
                          else b.detach().cpu().numpy())
            pending = None
            continue
        if type(layer) in (nn.Identity, nn.Dropout):
            if type(layer) is nn.Dropout and layer.training and layer.p > 0:
                raise ConfigError(f"{where} (Dropout)", "training mode", "eval mode (call "
                                  "module.eval() first: in training mode Dropout is random)")
            continue
        if type(layer) is nn.Softmax:
            if layer.dim not in (-1, 1):
                raise ConfigError(f"{where} (Softmax) dim", layer.dim, [-1, 1])
            engine = "softmax"
        else:
            engine = _torch_activation(index, name, layer)
        if engine is None:
            raise ConfigError(where, kind, SUPPORTED)
        if not weights:
            raise ConfigError(where, kind, "a Linear layer first (depthlens's network starts "
                              "with a dense layer)")
        if pending is not None:
            raise ConfigError(where, kind, f"a Linear layer between it and {pending[1]} (a "
                              "dense layer has one activation)")
        pending = (engine, f"{where} ({kind})")
    if not weights:
        raise ConfigError("module", type(module).__name__, "at least one Linear layer")
    dtype = _torch_dtype(module)
    output = pending[0] if pending else "linear"
    net = MLP(sizes, hidden, output, loss or DEFAULT_LOSS.get(output, "mse"), dtype=dtype)
    net.set_params(weights, biases)
    if not ordered:
        _check_chain(module, net)
    return net


def _check_chain(module: nn.Module, net: MLP) -> None:
    """Refuse a module whose forward is not the chain of its children: compare both on a
    seeded random batch (the global torch generator is not touched)."""
    import torch

    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, net.sizes[0])).astype(net.dtype)
    with torch.no_grad():
        try:
            theirs = module(torch.from_numpy(x)).detach().cpu().numpy()
        except Exception as exc:  # any failure means "not a plain chain"
            raise ConfigError("module", type(module).__name__, "a module whose forward takes "
                              f"a (n, {net.sizes[0]}) batch ({type(exc).__name__}: {exc})"
                              ) from exc
    ours = net.forward(x)
    tol = 1e-4 if net.dtype == np.float32 else 1e-8
    if theirs.shape != ours.shape or not np.allclose(ours, theirs, rtol=tol, atol=tol):
        raise ConfigError("module", type(module).__name__, "a module whose forward applies "
                          "its children in the order they were assigned (its output differs "
                          "from that chain's; pass an nn.Sequential)")


# -- depthlens → PyTorch ------------------------------------------------------------------------
def _torch_module(name: str, where: str) -> nn.Module | None:
    """The torch module of the engine's activation ``name`` (None for the identity)."""
    from torch import nn

    modules: dict[str, Any] = {
        "linear": None, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
        "swish": nn.SiLU, "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE),
        "elu": lambda: nn.ELU(ELU_ALPHA), "gelu": lambda: nn.GELU(approximate="none"),
        "softplus": nn.Softplus, "softmax": lambda: nn.Softmax(dim=-1),
    }
    if name not in modules:
        raise ConfigError(where, name, [m for m in modules if m != "linear"]
                          + ["linear (no module)"])
    make = modules[name]
    return None if make is None else make()


def to_torch(net: MLP) -> nn.Sequential:
    """``net`` as a ``torch.nn.Sequential`` of Linear layers and activation modules, with the
    same weights (copied) in the network's dtype: y = x·Wᵀ + b, W (out, in) in both.

    The output activation becomes the last module (Softmax(dim=-1), Sigmoid, …; none for
    linear); the loss has no place in a Sequential and is not carried. The ``sine`` activation
    has no torch module and is refused (ConfigError naming the layer). Softplus becomes
    ``nn.Softplus()``, linear beyond z = 20 (see the module docstring). The global torch random
    generator is not used: the layers are made without drawing initial weights.
    """
    import torch
    from torch import nn

    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    layers: list[nn.Module] = []
    for k, ((out, inp), act) in enumerate(zip(net.shapes, net.layer_activations)):
        linear = nn.utils.skip_init(nn.Linear, inp, out, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.array(net.weights[k])))
            linear.bias.copy_(torch.from_numpy(np.array(net.biases[k])))
        layers.append(linear)
        module = _torch_module(act, f"layer {k + 1} activation")
        if module is not None:
            layers.append(module)
    return nn.Sequential(*layers)


# -- scikit-learn → depthlens -------------------------------------------------------------------
def from_sklearn(estimator: Any) -> MLP:
    """An ``MLP`` with the weights of a fitted scikit-learn ``MLPClassifier`` or
    ``MLPRegressor`` (copied): W_l = ``coefs_[l]``ᵀ (scikit-learn stores (in, out)),
    b_l = ``intercepts_[l]``, every hidden layer's ``activation`` (identity, logistic, tanh,
    relu → linear, sigmoid, tanh, relu) and the head from ``out_activation_``: softmax →
    softmax + cross_entropy, logistic → sigmoid + bce, identity → linear + mse.

    So ``forward(X)`` is ``predict_proba(X)`` for a multi-class classifier, its positive column
    for a binary one (scikit-learn's one logistic unit), and ``predict(X)`` (as a column) for a
    regressor. The dtype is that of ``coefs_`` (float64, or float32 if it was fitted on
    float32 data). A depthlens ``MLPClassifier``/``MLPRegressor`` gives a copy of its network.

    Raises ConfigError naming ``estimator`` (another kind, or not fitted yet),
    ``activation`` or ``out_activation_`` (a value not listed above).
    """
    own = getattr(estimator, "network_", None)
    if isinstance(own, MLP):
        return own.copy()
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    kind = type(estimator).__name__
    if not isinstance(estimator, MLPClassifier | MLPRegressor):
        raise ConfigError("estimator", kind, "a scikit-learn MLPClassifier or MLPRegressor")
    if not hasattr(estimator, "coefs_"):
        raise ConfigError("estimator", f"an unfitted {kind}", f"a fitted {kind} (call fit "
                          "first: it has no coefs_ yet)")
    if estimator.activation not in SKLEARN_ACTIVATIONS:
        raise ConfigError("activation", estimator.activation, list(SKLEARN_ACTIVATIONS))
    head = SKLEARN_HEADS.get(estimator.out_activation_)
    if head is None:
        raise ConfigError("out_activation_", estimator.out_activation_, list(SKLEARN_HEADS))
    coefs = [np.asarray(c) for c in estimator.coefs_]
    dtype = coefs[0].dtype if coefs[0].dtype in (np.float32, np.float64) else np.float64
    sizes = [coefs[0].shape[0], *(c.shape[1] for c in coefs)]
    net = MLP(sizes, SKLEARN_ACTIVATIONS[estimator.activation], *head, dtype=dtype)
    net.set_params([c.T for c in coefs], [np.asarray(b) for b in estimator.intercepts_])
    return net
