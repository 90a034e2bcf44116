"""The gradient view and the backprop stepper: two playground panels.

``gradients`` (live) answers ``{type: "gradients", on: true, batch: "all"}`` with the gradient of
the *training objective* with respect to every weight and bias, on the whole training set:

    J(θ) = L(θ) + P(w)       L = the head's mean data loss over all n training points,
                             P = the L1/L2 penalty of ``nn.regularization`` (if configured)

    ∂J/∂W_l = ∂L/∂W_l + P'(W_l)        ∂J/∂b_l = ∂L/∂b_l     (the penalty spares the biases)

computed by the engine's own backprop (``MLP.gradient``, the code the Trainer runs) on a copy of
the network, so the live session's buffers are never touched. The frame carries ``G0 … G{L−1}``
(shaped like the W's) and ``g0 …`` (the b's) as float32, and ``scale`` = max |g| so the page can
size the edges; the header says whether the penalty is included.

``backprop`` (one-shot) answers ``{type: "backprop", index, split}`` with one point's full pass,
in numbers, for the stepper. Forward (``MLP.trace``, the lens's own forward pass): per layer

    z_l = W_l · a_{l−1} + b_l        a_l = act_l(z_l)        (a_0 = the point's inputs)

then the head's output o = a_L, the target t and the loss L of this one point. Backward, from
the output layer down, each layer's *chain-rule product* with its three factors:

    dL/da_l  = W_{l+1}ᵀ · dL/dz_{l+1}        (for the output layer: dL/do from the loss)
    a_l'(z_l)                               (the activation's slope at z_l)
    dL/dz_l  = dL/da_l ⊙ a_l'(z_l)

and the gradients it gives, dL/dW_l = dL/dz_l ⊗ a_{l−1} (an outer product) and dL/db_l = dL/dz_l.
For the fused heads the output's dL/dz comes straight from the logits, as the engine computes it
(sigmoid + bce: (σ(z) − t)/m; softmax + cross-entropy: softmax(z) − t): the two factors are shown
for the sigmoid where they are finite, and left out (None) for the softmax, whose slope is a
Jacobian coupling every output, not one number per unit.

Last, the *update* each parameter would receive if the session's optimizer took one step on this
point's gradient alone, from its current state: Δθ = θ' − θ, where the step runs on float64
copies of the parameters, the gradient and the optimizer's state (so training is unchanged, and
Δθ is the rule's, not float32's rounding of θ + Δθ: for plain SGD the page's
``Δw = −lr × g`` then multiplies out to the Δw shown). The gradient it steps on is the engine's
(``MLP.gradient`` on the one row) plus the penalty's, as ``Trainer.step`` adds it; for plain SGD
that is Δθ = −lr · (dL/dθ + P'(θ)) (+ the optimizer's own weight decay λθ). θ' comes as
``after_W`` / ``after_b``.

Numbers written into sentences here (the penalty's rate, the weight decay) use the page's
notation (``page_number``: significant digits, 2.5e−5, the true minus sign), so a caption and
the page's detail lines read alike.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import Field

from depthlens.experiment.session import Session
from depthlens.nn import regularization
from depthlens.nn.activations import ACTIVATIONS
from depthlens.nn.network import MLP, Trace
from depthlens.web.frames import encode_frame
from depthlens.web.heatmaps import PlaneView
from depthlens.web.panel_registry import Panel, PanelRegistry
from depthlens.web.protocol import PageMessage, ProtocolError

Array = np.ndarray

GRADIENTS_INTERVAL = 0.1
"""Least seconds between two live gradient frames while training plays."""


class GradientsMessage(PageMessage):
    """Subscribe to (``on``) or leave the gradient view; ``batch`` is the whole training set."""

    type: Literal["gradients"]
    on: bool = True
    batch: Literal["all"] = "all"


class BackpropMessage(PageMessage):
    """One point's forward and backward pass: ``index`` into the ``split``'s points."""

    type: Literal["backprop"]
    index: int = Field(ge=0)
    split: Literal["train", "test"] = "train"


MINUS = "\u2212"
EXPONENT_BELOW, EXPONENT_FROM = 1e-3, 1e4
"""|v| (rounded, not 0) outside [1e−3, 1e4) is written in exponent form, as on the page."""


# -- the training objective's gradient -----------------------------------------------------------
def page_number(v: float, digits: int = 6) -> str:
    """``v`` in the page's notation (``formatNumber`` of ``format.js``): ``digits``
    significant digits (never rounded left of the point below 1e4), trailing zeros dropped,
    exponent form 2.5e−5 / 1.58e+31 for |v| < 1e−3 or ≥ 1e4, the true minus sign."""
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("∞" if v > 0 else f"{MINUS}∞")
    if v == 0:
        return "0"
    whole = math.floor(math.log10(abs(v))) + 1 if 1 <= abs(v) < EXPONENT_FROM else 0
    r = float(f"{v:.{max(digits, whole)}g}")
    if EXPONENT_BELOW <= abs(r) < EXPONENT_FROM:
        text = repr(r).removesuffix(".0")  # the shortest digits of r, never an exponent here
    else:
        mantissa, exponent = f"{r:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        text = f"{mantissa}e{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent))}"
    return text.replace("-", MINUS)


def penalty_words(kind: str, rate: float) -> str:
    """How the penalty enters the gradient, in words (empty when there is none)."""
    if kind == "none" or rate == 0:
        return ""
    if kind == "l1":
        return f"L1 penalty rate·Σ|w| (rate {page_number(rate)}): + rate·sign(w) on each weight"
    return f"L2 penalty rate·½Σw² (rate {page_number(rate)}): + rate·w on each weight"


def objective_gradient(session: Session) -> tuple[MLP, float, float]:
    """A copy of the session's network whose ``grads`` hold ∂J/∂θ on the whole training set
    (J = mean data loss + penalty), with J's two parts (data loss, penalty)."""
    trainer = session.trainer
    net = session.net.copy()
    loss = net.gradient(trainer.x, trainer.t)
    w = slice(0, net.n_weights)
    regularization.add_gradient(net.params[w], net.grads[w], trainer.regularization,
                                trainer.reg_rate)
    pen = regularization.penalty(net.params[w], trainer.regularization, trainer.reg_rate)
    return net, float(loss), float(pen)


def build_gradients(session: Session, view: PlaneView, request: GradientsMessage) -> bytes:
    """The ``gradients`` frame: ∂J/∂W_l as ``G{l}``, ∂J/∂b_l as ``g{l}`` (float32)."""
    net, loss, pen = objective_gradient(session)
    trainer = session.trainer
    arrays: dict[str, Array] = {}
    for k, (gw, gb) in enumerate(zip(net.grad_weights, net.grad_biases)):
        arrays[f"G{k}"] = gw.astype(np.float32)
        arrays[f"g{k}"] = gb.astype(np.float32)
    scale = float(np.abs(net.grads).max()) if net.grads.size else 0.0
    words = penalty_words(trainer.regularization, trainer.reg_rate)
    header = {
        "kind": "gradients", "scale": scale, "batch": request.batch, "n": trainer.n_train,
        "loss": loss, "penalty": pen, "epoch": session.epoch, "steps": trainer.steps_done,
        "regularization": trainer.regularization, "reg_rate": trainer.reg_rate,
        "includes_penalty": bool(words),
        "includes": ("d(mean data loss over all training points)/dθ"
                     + (f" + the {words}" if words else "")),
    }
    return encode_frame(header, arrays)


# -- one point, step by step ---------------------------------------------------------------------
def _list(a: Array) -> Any:
    return np.asarray(a, dtype=np.float64).tolist()


def _output_factors(net: MLP, z: Array, o: Array, t: Array) -> tuple[Array | None, Array | None]:
    """(dL/do, a_out'(z)) of one point's loss, or (None, None) for the softmax.

    mse: dL/do = 2(o − t)/m; half_mse: (o − t)/m; bce: (o − t)/(m·o(1 − o)) (the loss
    −[t log o + (1 − t) log(1 − o)] averaged over the m outputs); its product with σ'(z) = o(1 − o)
    is the fused (o − t)/m. A factor that is not finite (o exactly 0 or 1) becomes NaN (null)."""
    head = net.head
    if head.output == "softmax":
        return None, None
    m = o.size
    slope = np.broadcast_to(ACTIVATIONS[head.output].derivative(z, o), o.shape).astype(np.float64)
    o64, t64 = o.astype(np.float64), t.astype(np.float64)
    if head.loss == "bce":
        with np.errstate(divide="ignore", invalid="ignore"):
            d_o = (o64 - t64) / (m * o64 * (1.0 - o64))
        d_o[~np.isfinite(d_o)] = np.nan
        return d_o, slope
    scale = (1.0 if head.loss == "half_mse" else 2.0) / m
    return (o64 - t64) * scale, slope


def _step64(opt: Any, params: Array, grads: Array,
            state: dict[str, Any]) -> tuple[Array, Array, dict[str, Any]]:
    """One ``opt.update`` on float64 copies of ``params``, ``grads`` and the optimizer's
    ``state`` (the step count stays an integer): (θ, θ', the state after). Nothing of the
    session's is touched."""
    before = np.asarray(params, dtype=np.float64).copy()
    after = before.copy()
    g = np.asarray(grads, dtype=np.float64).copy()
    twin_state = {name: (np.array(value, copy=True) if name == "t"
                         else np.asarray(value, dtype=np.float64).copy())
                  for name, value in state.items()}
    opt.update(after, g, twin_state)
    return before, after, twin_state


def _the_point(session: Session, index: int, split: str) -> tuple[Array, Array, Any, int]:
    """(x (1, in), t (1, m), its Dataset, n points in ``split``) of point ``index``; a
    ProtocolError('index', …) when there is no such point."""
    trainer = session.trainer
    if split == "train":
        x_all, t_all, data = trainer.x, trainer.t, session.train_data
    else:
        x_all, t_all, data = trainer.x_test, trainer.t_test, session.test_data
    n = 0 if x_all is None else int(x_all.shape[0])
    if n == 0:
        raise ProtocolError("index", f"there are no {split} points")
    if not 0 <= index < n:
        raise ProtocolError("index", f"point {index} is not a {split} point: expected 0..{n - 1}")
    return x_all[index : index + 1], t_all[index : index + 1], data, n


def _chain_rule(net: MLP, trace: Trace, t: Array) -> list[dict[str, Any]]:
    """Every layer's forward numbers (W, b, z, a) and the chain rule back from the loss:
    δᴸ = dL/dzᴸ (the head's own gradient), dL/daᵏ = Wᵏ⁺¹ᵀ·δᵏ⁺¹, δᵏ = dL/daᵏ ⊙ a'(zᵏ),
    dL/dWᵏ = δᵏ·aᵏ⁻¹ᵀ, dL/dbᵏ = δᵏ (one point, so no average)."""
    last = net.n_layers - 1
    z_out, o = trace.pre[last], trace.post[last]
    delta = net.head.gradient(z_out, o, t)  # dL/dz of the output layer, as the engine has it
    layers: list[dict[str, Any]] = [{} for _ in range(net.n_layers)]
    d_out, slope_out = _output_factors(net, z_out, o, t)
    for k in range(last, -1, -1):
        a_prev = trace.inputs if k == 0 else trace.post[k - 1]
        if k == last:
            d_a, slope = d_out, slope_out
        else:
            d_a = delta @ net.weights[k + 1]  # dL/da_k = W_{k+1}ᵀ · dL/dz_{k+1}
            slope = np.broadcast_to(ACTIVATIONS[net.activations[k]].derivative(
                trace.pre[k], trace.post[k]), d_a.shape)
            delta = d_a * slope
        layers[k] = {
            "activation": net.layer_activations[k],
            "W": _list(net.weights[k]), "b": _list(net.biases[k]),
            "z": _list(trace.pre[k][0]), "a": _list(trace.post[k][0]),
            "dL_da": None if d_a is None else _list(d_a[0]),
            "da_dz": None if slope is None else _list(slope[0]),
            "dL_dz": _list(delta[0]),
            "dL_dW": _list(np.outer(delta[0], a_prev[0])),
            "dL_db": _list(delta[0]),
        }
    return layers


def _update(session: Session, x: Array, t: Array, layers: list[dict[str, Any]]) -> dict[str, Any]:
    """One optimizer step on this point's gradient, on float64 copies: the engine's gradient
    plus the penalty's, then the optimizer's rule from (a copy of) its current state; each
    layer gets its update θ' − θ, θ' and the gradient the step used. Returns what the step
    was (the optimizer, its hyperparameters, the step number, what the gradient includes)."""
    trainer, net = session.trainer, session.net
    twin = net.copy()
    twin.gradient(x, t)
    w = slice(0, twin.n_weights)
    regularization.add_gradient(twin.params[w], twin.grads[w], trainer.regularization,
                                trainer.reg_rate)
    opt = trainer.optimizer
    before, after, state = _step64(opt, twin.params, twin.grads, trainer.state)
    delta_params = after - before
    w_off = 0
    b_off = net.n_weights
    for k, (out, inp) in enumerate(net.shapes):
        layers[k]["update_W"] = delta_params[w_off : w_off + out * inp].reshape(out, inp).tolist()
        layers[k]["update_b"] = delta_params[b_off : b_off + out].tolist()
        layers[k]["after_W"] = after[w_off : w_off + out * inp].reshape(out, inp).tolist()
        layers[k]["after_b"] = after[b_off : b_off + out].tolist()
        layers[k]["step_grad_W"] = _list(twin.grad_weights[k])
        layers[k]["step_grad_b"] = _list(twin.grad_biases[k])
        w_off += out * inp
        b_off += out
    words = penalty_words(trainer.regularization, trainer.reg_rate)
    hyper = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opt.hyper.items()}
    wd = float(opt.hyper.get("weight_decay", 0.0))
    includes = "this point's dL/dθ" + (f" + the {words}" if words else "")
    if wd:
        includes += f"; the optimizer adds its own weight decay λ = {page_number(wd)}"
    return {"optimizer": opt.name, "lr": opt.lr, "hyper": hyper, "step": int(state["t"]),
            "regularization": trainer.regularization, "reg_rate": trainer.reg_rate,
            "includes": includes}


def point_pass(session: Session, index: int, split: str = "train") -> dict[str, Any]:
    """Everything the stepper shows for one point (see the module docstring), as plain numbers:
    the point, its forward pass (the engine's ``trace``), its loss, the chain rule back
    (``_chain_rule``) and one optimizer step on its gradient (``_update``).

    Raises ProtocolError('index', …) when ``index`` is not a point of ``split``."""
    net = session.net
    x, t, data, n = _the_point(session, index, split)
    trace = net.trace(x)  # the engine's forward pass, every z and a kept
    z_out, o = trace.pre[-1], trace.post[-1]
    loss = net.head.value(z_out, o, t)
    layers = _chain_rule(net, trace, t)
    update = _update(session, x, t, layers)
    label = data.y[index]
    return {
        "kind": "backprop", "index": index, "split": split, "n": n,
        "point": _list(np.asarray(data.x[index]).reshape(-1)),
        "label": _list(label) if np.ndim(label) else (
            int(label) if session.problem == "classification" else float(label)),
        "feature_names": list(session.features or session.dataset.feature_names),
        "inputs": _list(trace.inputs[0]),
        "sizes": list(net.sizes),
        "output": _list(o[0]), "target": _list(t[0]), "loss": float(loss),
        "head": {"output": net.head.output, "loss": net.head.loss, "fused": net.head.fused},
        "layers": layers,
        "update": update,
        "epoch": session.epoch, "steps": session.trainer.steps_done,
    }


def build_backprop(session: Session, view: PlaneView, request: BackpropMessage) -> bytes:
    """The ``backprop`` frame: :func:`point_pass` in the JSON header (no arrays: the numbers are
    few, ≤ 16×16 per layer, and the page reads them as nested lists)."""
    return encode_frame(point_pass(session, request.index, request.split), {})


def register_panels(registry: PanelRegistry) -> None:
    """Add this module's panels (the gradient view, live; the backprop stepper) to
    ``registry``."""
    registry.register(Panel("gradients", GradientsMessage, build_gradients, live=True,
                            interval=GRADIENTS_INTERVAL))
    registry.register(Panel("backprop", BackpropMessage, build_backprop))
