"""The gradient view and the backprop stepper (``depthlens.web.backprop``): the numbers against
finite differences, the engine and torch.autograd / torch.optim, then over the websocket."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.nn import regularization
from depthlens.web.backprop import (
    GradientsMessage,
    build_gradients,
    page_number,
    penalty_words,
    point_pass,
)
from depthlens.web.frames import decode_frame
from depthlens.web.live import batch_position
from depthlens.web.protocol import ProtocolError

from .support import open_session, receive, send, until

PLAYGROUND = "loss=half_mse&output=tanh"

HEADS = [
    # (Config fields, torch activation of the hidden layers)
    ({"loss": "half_mse", "output": "tanh"}, "tanh"),
    ({}, "tanh"),  # bce on a sigmoid unit, the default for two classes
    ({"dataset": "spirals", "layers": (5, 3), "activation": "relu"}, "relu"),  # softmax + ce
    ({"dataset": "reg-plane", "activation": "sigmoid"}, "sigmoid"),  # mse, linear output
    ({"loss": "mse", "output": "tanh", "activation": "swish"}, "swish"),
]


def session_of(**fields) -> Session:
    """A float64 session trained for two epochs (so the weights are not the initial ones)."""
    s = Session(Config(dtype="float64", **fields))
    s.run(2)
    return s


def flat_split(net, flat):
    """A flat buffer laid out as ``net.params`` → ([W_l], [b_l]) views."""
    ws, bs, w, b = [], [], 0, net.n_weights
    for o, i in net.shapes:
        ws.append(flat[w : w + o * i].reshape(o, i))
        bs.append(flat[b : b + o])
        w, b = w + o * i, b + o
    return ws, bs


def objective(net, x, t, kind, rate) -> float:
    return net.loss(x, t) + regularization.penalty(net.params[: net.n_weights], kind, rate)


def finite_differences(net, x, t, kind="none", rate=0.0, eps=1e-6) -> np.ndarray:
    """Central differences of the objective in every parameter (float64 network)."""
    twin = net.copy()
    out = np.empty(twin.n_params)
    for k in range(twin.n_params):
        keep = twin.params[k]
        twin.params[k] = keep + eps
        up = objective(twin, x, t, kind, rate)
        twin.params[k] = keep - eps
        down = objective(twin, x, t, kind, rate)
        twin.params[k] = keep
        out[k] = (up - down) / (2 * eps)
    return out


def torch_loss(net, x, t, activation):
    """The same network and head in torch, float64; returns (loss, [W leaves], [b leaves])."""
    acts = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
            "swish": torch.nn.functional.silu, "linear": lambda z: z}
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in net.weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in net.biases]
    a = torch.tensor(x, dtype=torch.float64)
    target = torch.tensor(t, dtype=torch.float64)
    for k in range(net.n_layers):
        z = a @ ws[k].T + bs[k]
        a = acts[activation](z) if k < net.n_layers - 1 else z
    head = net.head
    if head.loss == "bce":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a, target)
    elif head.loss == "cross_entropy":
        loss = -(target * torch.log_softmax(a, dim=1)).sum(dim=1).mean()
    else:
        o = acts[head.output](a)
        loss = torch.nn.functional.mse_loss(o, target)
        if head.loss == "half_mse":
            loss = 0.5 * loss
    return loss, ws, bs


# -- the gradient view ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind, rate", [("none", 0.0), ("l2", 0.01), ("l1", 0.003)])
def test_gradients_frame_is_the_training_objectives_gradient(kind, rate):
    s = session_of(loss="half_mse", output="tanh", regularization=kind, reg_rate=rate)
    before = s.net.params.copy()
    header, arrays = decode_frame(build_gradients(s, None, GradientsMessage(type="gradients")))
    np.testing.assert_array_equal(s.net.params, before)
    assert header["kind"] == "gradients" and header["n"] == s.trainer.n_train
    assert header["includes_penalty"] == (kind != "none")
    assert (kind.upper() in header["includes"]) == (kind != "none")
    x, t = s.trainer.x, s.trainer.t
    fd = finite_differences(s.net, x, t, kind, rate)
    loss, engine = s.net.loss_and_grad(x, t)
    regularization.add_gradient(s.net.params[: s.net.n_weights], engine[: s.net.n_weights],
                                kind, rate)
    assert header["loss"] == pytest.approx(loss, rel=1e-12)
    got_w, got_b = [arrays[f"G{k}"] for k in range(3)], [arrays[f"g{k}"] for k in range(3)]
    for ref in (fd, engine):
        ws, bs = flat_split(s.net, ref)
        for k in range(3):
            assert got_w[k].shape == s.net.weights[k].shape and got_w[k].dtype == np.float32
            np.testing.assert_allclose(got_w[k], ws[k], rtol=2e-5, atol=1e-7)
            np.testing.assert_allclose(got_b[k], bs[k], rtol=2e-5, atol=1e-7)
    assert header["scale"] == pytest.approx(np.abs(engine).max(), rel=1e-12)


# -- one point -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fields, activation", HEADS)
def test_one_points_pass_equals_trace_torch_and_finite_differences(fields, activation):
    s = session_of(**fields)
    net = s.net
    index = 7
    p = point_pass(s, index)
    x, t = s.trainer.x[index : index + 1], s.trainer.t[index : index + 1]
    trace = net.trace(x)
    np.testing.assert_array_equal(p["inputs"], x[0])
    for k, layer in enumerate(p["layers"]):
        np.testing.assert_array_equal(layer["z"], trace.pre[k][0])
        np.testing.assert_array_equal(layer["a"], trace.post[k][0])
        np.testing.assert_array_equal(layer["W"], net.weights[k])
    np.testing.assert_array_equal(p["output"], trace.output[0])
    np.testing.assert_array_equal(p["target"], t[0])

    loss, ws, bs = torch_loss(net, x, t, activation)
    loss.backward()
    assert p["loss"] == pytest.approx(loss.item(), rel=1e-12)
    fd_w, fd_b = flat_split(net, finite_differences(net, x, t))
    for k, layer in enumerate(p["layers"]):
        np.testing.assert_allclose(layer["dL_dW"], ws[k].grad.numpy(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(layer["dL_db"], bs[k].grad.numpy(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(layer["dL_dW"], fd_w[k], rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(layer["dL_db"], fd_b[k], rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("fields, activation", HEADS)
def test_chain_rule_products_are_the_products_of_their_factors(fields, activation):
    s = session_of(**fields)
    p = point_pass(s, 3)
    layers = p["layers"]
    a_prev = [p["inputs"]] + [layer["a"] for layer in layers[:-1]]
    for k, layer in enumerate(layers):
        dz = np.array(layer["dL_dz"])
        if layer["dL_da"] is not None:
            np.testing.assert_allclose(dz, np.multiply(layer["dL_da"], layer["da_dz"]),
                                       rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(layer["dL_dW"], np.outer(dz, a_prev[k]), rtol=1e-15)
        np.testing.assert_array_equal(layer["dL_db"], dz)
        if k + 1 < len(layers):  # dL/da_k = W_{k+1}ᵀ · dL/dz_{k+1}
            np.testing.assert_allclose(layer["dL_da"], np.array(layers[k + 1]["W"]).T
                                       @ layers[k + 1]["dL_dz"], rtol=1e-12, atol=1e-15)
    out = layers[-1]
    if p["head"]["output"] == "softmax":
        assert out["dL_da"] is None and out["da_dz"] is None
        np.testing.assert_allclose(out["dL_dz"], np.subtract(p["output"], p["target"]),
                                   rtol=1e-12)


@pytest.mark.parametrize("kind, rate", [("none", 0.0), ("l2", 0.01), ("l1", 0.01)])
def test_sgd_update_is_minus_lr_times_the_gradient_and_the_penalty(kind, rate):
    s = session_of(lr=0.03, regularization=kind, reg_rate=rate)
    p = point_pass(s, 11)
    assert p["update"]["optimizer"] == "sgd" and p["update"]["lr"] == 0.03
    assert (kind.upper() in p["update"]["includes"]) == (kind != "none")
    for k, layer in enumerate(p["layers"]):
        w = s.net.weights[k]
        pen = {"none": 0.0 * w, "l2": rate * w, "l1": rate * np.sign(w)}[kind]
        np.testing.assert_allclose(layer["update_W"], -0.03 * (np.array(layer["dL_dW"]) + pen),
                                   rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(layer["update_b"], -0.03 * np.array(layer["dL_db"]),
                                   rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_update_of_a_float32_network_is_the_rules_not_float32_rounding(optimizer):
    """The step runs on float64 copies: for SGD Δw = −lr·g to float64 precision (a float32
    θ + Δθ would lose up to ~1e−7·|θ| of it), so −lr × g shown on the page multiplies out;
    ``after_W`` is θ + Δθ and the session's own float32 buffers are not touched."""
    s = Session(Config(optimizer=optimizer, lr=0.03))  # float32, the playground's default
    s.run(2)
    params, state = s.net.params.copy(), {k: np.array(v) for k, v in s.trainer.state.items()}
    p = point_pass(s, 3)
    for k, layer in enumerate(p["layers"]):
        w = s.net.weights[k].astype(np.float64)
        dw, after = np.array(layer["update_W"]), np.array(layer["after_W"])
        np.testing.assert_allclose(after, w + dw, rtol=0, atol=1e-15)
        np.testing.assert_allclose(layer["after_b"], s.net.biases[k] + np.array(layer["update_b"]),
                                   rtol=0, atol=1e-15)
        if optimizer == "sgd":
            np.testing.assert_allclose(dw, -0.03 * np.array(layer["step_grad_W"]), rtol=1e-12,
                                       atol=1e-18)
    np.testing.assert_array_equal(s.net.params, params)
    for name, value in s.trainer.state.items():
        np.testing.assert_array_equal(value, state[name])


@pytest.mark.parametrize("epochs", [0, 3])
def test_adam_update_equals_torch_adams_step_from_the_same_state(epochs):
    s = Session(Config(dtype="float64", optimizer="adam", lr=0.01, loss="half_mse",
                       output="tanh", optimizer_params={"weight_decay": 0.001}))
    s.run(epochs)
    net, state = s.net, s.trainer.state
    index = 5
    p = point_pass(s, index)
    x, t = s.trainer.x[index : index + 1], s.trainer.t[index : index + 1]
    loss, ws, bs = torch_loss(net, x, t, "tanh")
    loss.backward()
    params = [v for pair in zip(ws, bs) for v in pair]
    opt = torch.optim.Adam(params, lr=0.01, weight_decay=0.001)
    if epochs:  # torch's state from ours: the same moments and step count
        m_w, m_b = flat_split(net, state["exp_avg"])
        v_w, v_b = flat_split(net, state["exp_avg_sq"])
        for k in range(net.n_layers):
            for leaf, m, v in ((ws[k], m_w[k], v_w[k]), (bs[k], m_b[k], v_b[k])):
                opt.state[leaf] = {"step": torch.tensor(float(state["t"])),
                                   "exp_avg": torch.tensor(m.copy()),
                                   "exp_avg_sq": torch.tensor(v.copy())}
    before = [v.detach().clone() for v in params]
    opt.step()
    assert p["update"]["step"] == int(state["t"]) + 1
    for k, layer in enumerate(p["layers"]):
        dw = (ws[k].detach() - before[2 * k]).numpy()
        db = (bs[k].detach() - before[2 * k + 1]).numpy()
        np.testing.assert_allclose(layer["update_W"], dw, rtol=1e-8, atol=1e-15)
        np.testing.assert_allclose(layer["update_b"], db, rtol=1e-8, atol=1e-15)


def test_a_backprop_request_leaves_the_session_alone():
    s = session_of(optimizer="adam", lr=0.01)
    params = s.net.params.copy()
    grads = s.net.grads.copy()
    state = {k: np.array(v, copy=True) for k, v in s.trainer.state.items()}
    point_pass(s, 0)
    point_pass(s, 2, "test")
    build_gradients(s, None, GradientsMessage(type="gradients"))
    np.testing.assert_array_equal(s.net.params, params)
    np.testing.assert_array_equal(s.net.grads, grads)
    for k, v in state.items():
        np.testing.assert_array_equal(s.trainer.state[k], v)


def test_test_split_and_bad_indices():
    s = session_of()
    p = point_pass(s, 4, "test")
    np.testing.assert_array_equal(p["inputs"], s.trainer.x_test[4])
    assert p["split"] == "test" and p["n"] == len(s.test_data.y)
    assert p["label"] == int(s.test_data.y[4])
    n = s.trainer.n_train
    with pytest.raises(ProtocolError) as e:
        point_pass(s, n)
    assert e.value.field == "index" and f"0..{n - 1}" in e.value.message


# -- over the websocket --------------------------------------------------------------------------
def test_backprop_over_the_socket_keeps_the_live_session(client):
    before = set(client.app.state.sessions)
    with client.websocket_connect("/ws") as ws:
        open_session(ws, PLAYGROUND)
        (live,) = set(client.app.state.sessions) - before
        send(ws, type="step", count=2)
        _, trained = until(ws, "frame")
        params = live.session.net.params.copy()
        send(ws, type="backprop", index=3)
        header, arrays = until(ws, "backprop")
        assert header["index"] == 3 and arrays == {}
        assert len(header["layers"]) == 3 and header["update"]["optimizer"] == "sgd"
        np.testing.assert_array_equal(np.float32(header["layers"][0]["W"]), trained["W0"])
        np.testing.assert_array_equal(live.session.net.params, params)
        send(ws, type="step")
        header, _ = until(ws, "frame")
        assert header["epoch"] == 3


def test_bad_index_is_an_error_naming_index_and_the_session_goes_on(ws):
    state, _, _ = open_session(ws, PLAYGROUND)
    n = state["n_train"]
    send(ws, type="backprop", index=n)
    error = until(ws, "error")
    assert error["field"] == "index" and f"0..{n - 1}" in error["message"]
    send(ws, type="backprop", index=-1)
    assert until(ws, "error")["field"] == "index"
    send(ws, type="step")
    header, _ = until(ws, "frame")
    assert header["epoch"] == 1


def test_gradients_subscription_streams_while_playing_and_stops_on_off(ws):
    open_session(ws, PLAYGROUND + "&epochs=0")
    send(ws, type="gradients")
    header, first = until(ws, "gradients")
    assert header["epoch"] == 0 and set(first) == {"G0", "g0", "G1", "g1", "G2", "g2"}
    send(ws, type="play")
    epochs = []
    while len(epochs) < 3:
        header, _ = until(ws, "gradients", limit=500)
        epochs.append(header["epoch"])
    assert epochs == sorted(epochs) and epochs[-1] > 0
    send(ws, type="gradients", on=False)
    # a one-shot request after it: anything sent after its answer was built after on:false
    send(ws, type="backprop", index=0)
    until(ws, "backprop", limit=1000)
    send(ws, type="pause")
    kinds = []
    status = until(ws, "status", limit=1000)
    while status["playing"]:
        status = until(ws, "status", limit=1000)
    send(ws, type="step")
    while True:
        what, payload = receive(ws)
        kind = payload["type"] if what == "text" else payload[0]["kind"]
        kinds.append(kind)
        if kind == "status":
            break
    assert "frame" in kinds and "gradients" not in kinds


@pytest.mark.parametrize("value, text", [
    (0.03, "0.03"), (1e-5, "1e−5"), (2.5e-5, "2.5e−5"), (-0.000123456, "−1.23456e−4"),
    (1.58e31, "1.58e+31"), (-3.0, "−3"), (0.0, "0"), (1234.5, "1234.5"), (12345.6, "1.23456e+4"),
])
def test_numbers_in_captions_use_the_pages_notation(value, text):
    """``page_number`` writes as ``formatNumber`` (format.js) does: the true minus sign, e+k /
    e−k below 1e−3 and from 1e4 on, no trailing zeros; so "rate 1e−5" in a caption reads as
    the detail lines."""
    assert page_number(value) == text
    assert penalty_words("l2", 1e-5).count("rate 1e−5") == 1


# -- "+1 batch": which batch it reached and what it changed ---------------------------------------
def test_a_batch_step_says_which_batch_it_reached_and_the_training_loss_before_and_after(ws):
    state, _, (first, _) = open_session(ws, PLAYGROUND + "&batch_size=30&epochs=0")
    n = state["n_train"]
    of = -(-n // 30)
    assert first["batch"] == {"index": 0, "of": of, "epoch": 0}  # nothing trained yet
    before = first["now"]["train_loss"]
    for k in (1, 2):
        send(ws, type="step", unit="batch")
        header, _ = until(ws, "frame")
        assert header["batch"] == {"index": k, "of": of, "epoch": 1}
        stepped = header["stepped"]
        assert stepped["unit"] == "batch" and stepped["count"] == 1
        assert stepped["train_loss_before"] == pytest.approx(before, rel=1e-6)
        assert stepped["train_loss_after"] == header["now"]["train_loss"]
        assert stepped["train_loss_after"] != stepped["train_loss_before"]  # the batch moved it
        before = stepped["train_loss_after"]
    send(ws, type="step", unit="epoch")  # finishes epoch 1: its last batch
    header, _ = until(ws, "frame")
    assert header["batch"] == {"index": of, "of": of, "epoch": 1}
    send(ws, type="step", unit="batch", count=of + 1)  # the whole of epoch 2, then one batch
    header, _ = until(ws, "frame")
    assert header["batch"] == {"index": 1, "of": of, "epoch": 3} and header["epoch"] == 2


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), size=st.integers(1, 70), steps=st.integers(0, 130),
       epochs_first=st.booleans())
def test_batch_position_counts_the_batches_as_the_trainer_takes_them(n, size, steps,
                                                                     epochs_first):
    """After any mix of epoch steps and batch steps, ``batch_position`` names the batch the
    trainer took last, counted independently: batch k of epoch e covers rows
    (k − 1)·size … k·size of that epoch."""
    rng = np.random.default_rng(n * 1000 + size)
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] > 0).astype(int)
    cfg = Config(dataset="circle", batch_size=size)
    trainer = Session(cfg).trainer
    t2 = type(trainer)(trainer.net.copy(), trainer.optimizer, x, y, problem="classification",
                       batch_size=size)
    of = -(-n // min(size, n))
    taken = 0  # batches taken, every epoch having exactly `of`
    if epochs_first:
        t2.epoch()
        taken += of
    for _ in range(steps):
        t2.step()
        taken += 1
    position = batch_position(t2)
    if taken == 0:
        assert position == {"index": 0, "of": of, "epoch": 0}
    else:
        assert position == {"index": (taken - 1) % of + 1, "of": of,
                            "epoch": (taken - 1) // of + 1}
