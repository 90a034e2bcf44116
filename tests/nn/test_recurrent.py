"""Recurrent layers against outside oracles: torch.nn.RNN / GRU / LSTM (+ a torch Linear readout)
with the same weights, torch's autograd, torch.optim over 50 steps, and finite differences."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError, DataError
from depthlens.nn import RecurrentNet, Trainer, make_optimizer
from depthlens.nn.initializers import INITIALIZERS
from depthlens.nn.recurrent import COMPILED_MAX_HIDDEN

from .support import encoded_targets, torch_dtype, torch_head_loss

CASES = [
    pytest.param("elman", "tanh", id="elman-tanh"),
    pytest.param("elman", "relu", id="elman-relu"),
    pytest.param("gru", "tanh", id="gru"),
    pytest.param("lstm", "tanh", id="lstm"),
]
DTYPES = [
    pytest.param(np.float64, {"rtol": 1e-12, "atol": 1e-13}, id="float64"),
    pytest.param(np.float32, {"rtol": 1e-5, "atol": 1e-6}, id="float32"),
]
BACKENDS = ("numpy", "compiled")
TORCH_CELLS = {"elman": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}


class TorchRecurrent(torch.nn.Module):
    """torch's recurrent layer (batch first) and a Linear readout of the last state."""

    def __init__(self, n_inputs, hidden, cell, activation, n_outputs, layers, dtype, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        kw = {"nonlinearity": activation} if cell == "elman" else {}
        self.rnn = TORCH_CELLS[cell](n_inputs, hidden, num_layers=layers, batch_first=True,
                                     **kw)
        self.readout = torch.nn.Linear(hidden, n_outputs)
        self.to(torch_dtype(dtype))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        seq, last = self.rnn(x)
        h_n = last[0] if isinstance(last, tuple) else last
        return self.readout(seq[:, -1]), seq, h_n

    def tensors(self, grads: bool = False) -> dict[str, np.ndarray]:
        """Every parameter (or its gradient) by our names: the RNN's own, ``readout.*``."""
        out = {}
        for name, p in self.named_parameters():
            key = name.removeprefix("rnn.")
            out[key] = (p.grad if grads else p).detach().numpy().copy()
        return out


def twins(cell, activation, dtype, n_inputs=2, hidden=4, n_outputs=2, layers=1, output=None,
          loss="mse", seed=0, backend="auto"):
    """A torch model and ours with torch's initial weights copied in."""
    tnet = TorchRecurrent(n_inputs, hidden, cell, activation, n_outputs, layers, dtype, seed)
    net = RecurrentNet(n_inputs, hidden, cell, activation, n_outputs, layers, output, loss,
                       dtype=dtype, init="zeros", backend=backend)
    net.set_params(tnet.tensors())
    return tnet, net


def sequences(n, steps, n_inputs, dtype, seed=1):
    return np.random.default_rng(seed).normal(size=(n, steps, n_inputs)).astype(dtype)


def assert_close(actual, desired, tol, what=""):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(desired, float), **tol,
                               err_msg=what)


# -- forward --------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize(("cell", "activation"), CASES)
def test_forward_and_every_state_match_torch(cell, activation, dtype, tol, layers, backend):
    tnet, net = twins(cell, activation, dtype, n_inputs=3, hidden=5, layers=layers,
                      backend=backend)
    x = sequences(6, 9, 3, dtype)
    logits, seq, h_n = tnet(torch.as_tensor(x))
    out = net.forward(x)
    assert out.dtype == dtype and out.shape == (6, 2)
    assert_close(out, logits.detach().numpy(), tol, "outputs")
    trace = net.trace(x)
    assert_close(trace.states[-1], seq.detach().numpy(), tol, "last layer's states")
    for layer in range(layers):  # every layer's final state, torch's h_n
        assert_close(trace.states[layer][:, -1], h_n[layer].detach().numpy(), tol,
                     f"h_T of layer {layer}")
    np.testing.assert_array_equal(net.states(x), trace.states[-1])
    np.testing.assert_array_equal(net.states(x, layer=0), trace.states[0])
    assert net.states(x).shape == (6, 9, 5)
    assert np.abs(seq.detach().numpy()).max() > 0.05  # the comparison is not of zeros


def test_relu_states_are_never_negative_and_the_cells_keep_their_gates():
    net = RecurrentNet(2, 6, "elman", "relu", seed=3)
    x = sequences(5, 7, 2, np.float32)
    assert (net.states(x) >= 0).all() and (net.states(x) > 0).any()
    gru = RecurrentNet(2, 3, "gru", seed=3).trace(x)
    assert set(gru.gates[0]) == {"r", "z", "n", "q"}
    assert all(((g > 0) & (g < 1)).all() for k, g in gru.gates[0].items() if k in "rz")
    lstm = RecurrentNet(2, 3, "lstm", seed=3).trace(x)
    assert lstm.cells[0].shape == (5, 7, 3)
    np.testing.assert_allclose(lstm.states[0], lstm.gates[0]["o"] * np.tanh(lstm.cells[0]),
                               rtol=1e-6)


def test_one_input_sequences_may_be_given_as_n_by_t():
    net = RecurrentNet(1, 4, "gru", dtype=np.float64)
    x = sequences(3, 5, 1, np.float64)
    np.testing.assert_array_equal(net.forward(x[:, :, 0]), net.forward(x))


# -- gradients ------------------------------------------------------------------------------
HEADS = [("linear", "mse"), ("softmax", "cross_entropy"), ("sigmoid", "bce")]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("output", "loss"), HEADS, ids=[h[1] for h in HEADS])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize(("cell", "activation"), CASES)
def test_every_gradient_matches_torch_autograd(cell, activation, dtype, tol, layers, output,
                                               loss, backend):
    m = 1 if loss == "bce" else 3
    tnet, net = twins(cell, activation, dtype, n_inputs=2, hidden=4, n_outputs=m,
                      layers=layers, output=output, loss=loss, seed=5, backend=backend)
    x = sequences(7, 6, 2, dtype, seed=2)
    t = encoded_targets(output, loss, 7, m, np.random.default_rng(4)).astype(dtype)
    logits, _, _ = tnet(torch.as_tensor(x))
    t_loss = torch_head_loss(output, loss, logits, t)
    t_loss.backward()
    value, grads = net.loss_and_grad(x, t)
    assert_close(value, t_loss.item(), tol, "loss")
    theirs = tnet.tensors(grads=True)
    assert set(theirs) == set(net.grad_tensors)
    for name, g in theirs.items():
        assert_close(net.grad_tensors[name], g, {**tol, "atol": tol["atol"] * 10}, name)
        assert np.abs(g).max() > 1e-6, name  # every tensor really receives a gradient
    np.testing.assert_array_equal(grads, net.grads)


@settings(max_examples=40, deadline=None)
@given(case=st.sampled_from([("elman", "tanh"), ("elman", "relu"), ("gru", "tanh"),
                             ("lstm", "tanh")]),
       n_inputs=st.integers(1, 4), hidden=st.integers(1, 6), layers=st.integers(1, 3),
       steps=st.integers(1, 7), n=st.integers(1, 5), n_outputs=st.integers(1, 3),
       backend=st.sampled_from(BACKENDS), seed=st.integers(0, 1000))
def test_random_architectures_match_torch_autograd(case, n_inputs, hidden, layers, steps, n,
                                                   n_outputs, backend, seed):
    """Any sizes, depths and lengths (T = 1 and H = 1 included), float64, against torch."""
    cell, activation = case
    tnet, net = twins(cell, activation, np.float64, n_inputs, hidden, n_outputs, layers,
                      seed=seed, backend=backend)
    x = sequences(n, steps, n_inputs, np.float64, seed=seed)
    t = np.random.default_rng(seed).normal(size=(n, n_outputs))
    logits, _, _ = tnet(torch.as_tensor(x))
    F.mse_loss(logits, torch.as_tensor(t)).backward()
    value, _ = net.loss_and_grad(x, t)
    assert value == pytest.approx(F.mse_loss(logits, torch.as_tensor(t)).item(), rel=1e-12)
    np.testing.assert_allclose(net.forward(x), logits.detach().numpy(), rtol=1e-12, atol=1e-14)
    for name, g in tnet.tensors(grads=True).items():
        np.testing.assert_allclose(net.grad_tensors[name], g, rtol=1e-10, atol=1e-13,
                                   err_msg=name)


def finite_differences(net, x, t, h=1e-6):
    grad = np.empty_like(net.params)
    for i in range(net.params.size):
        keep = net.params[i]
        net.params[i] = keep + h
        up = net.loss(x, t)
        net.params[i] = keep - h
        down = net.loss(x, t)
        net.params[i] = keep
        grad[i] = (up - down) / (2 * h)
    return grad


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize(("cell", "activation"), CASES)
def test_gradient_matches_finite_differences(cell, activation, layers, backend):
    net = RecurrentNet(2, 3, cell, activation, n_outputs=2, layers=layers, dtype=np.float64,
                       seed=7, backend=backend)
    x = sequences(4, 5, 2, np.float64, seed=8)
    t = np.random.default_rng(9).normal(size=(4, 2))
    _, grads = net.loss_and_grad(x, t)
    numeric = finite_differences(net, x, t)
    np.testing.assert_allclose(grads, numeric, rtol=1e-6, atol=1e-9)
    assert np.abs(grads).max() > 1e-4


@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_weights_give_the_weighted_mean_of_per_row_gradients(backend):
    net = RecurrentNet(2, 3, "gru", n_outputs=1, dtype=np.float64, seed=2, backend=backend)
    x = sequences(5, 4, 2, np.float64)
    t = np.random.default_rng(1).normal(size=(5, 1))
    w = np.array([0.5, 0.0, 2.0, 1.0, 3.0])
    rows = np.array([4, 0, 2, 1])
    value = net.gradient(x, t, rows, weights=w)
    weighted = net.grads.copy()
    total = np.zeros_like(net.params)
    losses = []
    for i in rows:
        losses.append(net.gradient(x[i : i + 1], t[i : i + 1]))
        total += w[i] * net.grads
    np.testing.assert_allclose(weighted, total / w[rows].sum(), rtol=1e-12, atol=1e-15)
    assert value == pytest.approx(np.dot(w[rows], losses) / w[rows].sum(), rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradient_on_rows_equals_the_gradient_of_those_rows_as_a_batch(backend):
    net = RecurrentNet(2, 4, "elman", dtype=np.float64, seed=1, backend=backend)
    x = sequences(9, 6, 2, np.float64)
    t = np.random.default_rng(3).normal(size=(9, 1))
    idx = np.array([8, 1, 1, 4])
    value = net.gradient(x, t, idx)
    on_rows = net.grads.copy()
    assert net.loss_and_grad(x[idx], t[idx])[0] == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(on_rows, net.grads, rtol=1e-13, atol=1e-16)


# -- 50 optimizer steps ----------------------------------------------------------------------
# (id, our name, our hyperparameters, torch class, torch kwargs): every optimizer name
OPTIMIZER_SETTINGS = [
    ("sgd", "sgd", {"lr": 0.1}, torch.optim.SGD, {"lr": 0.1}),
    ("sgd-momentum", "sgd", {"lr": 0.02, "momentum": 0.9}, torch.optim.SGD,
     {"lr": 0.02, "momentum": 0.9}),
    ("nesterov", "nesterov", {"lr": 0.02}, torch.optim.SGD,
     {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("adagrad", "adagrad", {"lr": 0.1}, torch.optim.Adagrad, {"lr": 0.1}),
    ("rmsprop", "rmsprop", {"lr": 0.01}, torch.optim.RMSprop, {"lr": 0.01}),
    ("adadelta", "adadelta", {}, torch.optim.Adadelta, {}),
    ("adam", "adam", {"lr": 0.01}, torch.optim.Adam, {"lr": 0.01}),
    ("adamw", "adamw", {"lr": 0.01}, torch.optim.AdamW, {"lr": 0.01}),
]
# 50 steps amplify rounding (the two sides sum in different orders): 2e-11 after 50 momentum
# steps in float64 (it starts at 1e-16); in float32 up to 2e-5 for the compiled path, which
# works in float64 scalars where torch rounds every operation to float32.
STEP_DTYPES = [
    pytest.param(np.float64, {"rtol": 1e-9, "atol": 1e-10}, id="float64"),
    pytest.param(np.float32, {"rtol": 1e-4, "atol": 5e-5}, id="float32"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("dtype", "tol"), STEP_DTYPES)
@pytest.mark.parametrize(("cell", "activation"), CASES)
@pytest.mark.parametrize(("name", "hyper", "torch_cls", "torch_kwargs"),
                         [s[1:] for s in OPTIMIZER_SETTINGS],
                         ids=[s[0] for s in OPTIMIZER_SETTINGS])
def test_50_optimizer_steps_match_torch_optim(name, hyper, torch_cls, torch_kwargs, cell,
                                              activation, dtype, tol, backend):
    tnet, net = twins(cell, activation, dtype, n_inputs=2, hidden=4, n_outputs=2, seed=3,
                      backend=backend)
    start = net.params.copy()
    x = sequences(24, 5, 2, dtype, seed=6)
    t = np.stack([x[:, :, 0].sum(axis=1), x[:, -1, 1]], axis=1).astype(dtype)
    ours = make_optimizer(name, **hyper)
    state = ours.init(net.params)
    topt = torch_cls(tnet.parameters(), **torch_kwargs)
    xt, tt = torch.as_tensor(x), torch.as_tensor(t)
    for step in range(50):
        rows = np.arange(8) + 8 * (step % 3)
        topt.zero_grad()
        t_loss = F.mse_loss(tnet(xt[rows])[0], tt[rows])
        t_loss.backward()
        topt.step()
        value = net.gradient(x, t, rows)
        ours.update(net.params, net.grads, state)
        assert_close(value, t_loss.item(), tol, f"loss, step {step + 1}")
    for key, p in tnet.tensors().items():
        assert_close(net.tensors[key], p, tol, key)
    assert np.abs(net.params - start).max() > 1e-3  # the weights moved


# -- the Trainer ------------------------------------------------------------------------------
def running_sum_sign(n, steps, seed=0):
    """Sequences of ±1-ish steps; class 1 when their sum is positive (the state must remember)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, steps, 1))
    return x, (x.sum(axis=(1, 2)) > 0).astype(np.int64)


@pytest.mark.parametrize("cell", ["elman", "gru"])
def test_trainer_learns_the_sign_of_a_running_sum(cell):
    x, y = running_sum_sign(200, 8)
    x_test, y_test = running_sum_sign(100, 8, seed=1)
    net = RecurrentNet(1, 8, cell, n_outputs=2, output="softmax", loss="cross_entropy", seed=0)
    tr = Trainer(net, make_optimizer("adam", lr=0.02), x, y, batch_size=20, x_test=x_test,
                 y_test=y_test, seed=0)
    tr.fit(20)
    h = tr.history
    assert len(h) == 20 and h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert h.test_metric[-1] > 0.8  # accuracy on unseen sequences (chance: 0.5)


def test_trainer_steps_equal_manual_steps_and_l2_touches_only_weights():
    x, y = running_sum_sign(30, 5)
    net = RecurrentNet(1, 3, "gru", n_outputs=1, output="sigmoid", loss="bce",
                       dtype=np.float64, seed=2)
    twin = net.copy()
    tr = Trainer(net, make_optimizer("sgd", lr=0.1), x, y, batch_size=10, shuffle=False,
                 regularization="l2", reg_rate=0.01)
    opt = make_optimizer("sgd", lr=0.1)
    state = opt.init(twin.params)
    t = twin.head.encode(y, 1, np.float64)
    for k in range(3):
        rows = slice(10 * k, 10 * k + 10)
        tr.step()
        twin.gradient(x[rows], t[rows])
        twin.grads[: twin.n_weights] += 0.01 * twin.params[: twin.n_weights]  # L2's gradient
        opt.update(twin.params, twin.grads, state)
    np.testing.assert_allclose(net.params, twin.params, rtol=1e-13, atol=1e-15)
    assert twin.n_weights == sum(v.size for k, v in twin.tensors.items() if "weight" in k)


# -- layout, initializers, copies ---------------------------------------------------------------
def test_buffer_holds_every_weight_then_every_bias_with_torch_names_and_shapes():
    net = RecurrentNet(3, 5, "gru", n_outputs=2, layers=2)
    tnet = TorchRecurrent(3, 5, "gru", "tanh", 2, 2, np.float32)
    assert {k: v.shape for k, v in tnet.tensors().items()} == net.shapes
    names = list(net.tensors)
    first_bias = next(i for i, k in enumerate(names) if "bias" in k)
    assert all("weight" in k for k in names[:first_bias])
    assert all("bias" in k for k in names[first_bias:])
    assert net.n_weights == sum(net.tensors[k].size for k in names[:first_bias])
    for k, v in net.tensors.items():  # views into the one buffer
        assert np.shares_memory(v, net.params) and np.shares_memory(net.grad_tensors[k],
                                                                    net.grads)
    assert net.n_params == sum(p.numel() for p in tnet.parameters())


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_torch_default_init_is_uniform_within_one_over_sqrt_h(cell):
    net = RecurrentNet(2, 16, cell, n_outputs=3, seed=0)
    bound = 1 / math.sqrt(16)
    assert np.abs(net.params).max() <= bound
    assert np.abs(net.params).max() > 0.95 * bound  # spread over the whole interval
    assert abs(net.params.std() - bound / math.sqrt(3)) < 0.1 * bound
    again = RecurrentNet(2, 16, cell, n_outputs=3, seed=0)
    np.testing.assert_array_equal(net.params, again.params)
    assert not np.array_equal(net.params, RecurrentNet(2, 16, cell, n_outputs=3, seed=1).params)


@pytest.mark.parametrize("init", sorted(INITIALIZERS))
def test_every_initializer_name_draws_the_weights(init):
    net = RecurrentNet(3, 4, "gru", n_outputs=2, dtype=np.float64).initialize(init, seed=1)
    assert np.isfinite(net.params).all()
    if init != "torch":
        assert not net.tensors["bias_hh_l0"].any()  # b_hh = 0: the initializer's bias is b_ih


def test_orthogonal_recurrent_init_makes_every_gate_block_orthogonal():
    net = RecurrentNet(2, 5, "gru", dtype=np.float64).initialize(
        "glorot_uniform", seed=0, recurrent_init="orthogonal")
    w_hh = net.tensors["weight_hh_l0"]
    for k in range(3):
        block = w_hh[5 * k : 5 * (k + 1)]
        np.testing.assert_allclose(block @ block.T, np.eye(5), atol=1e-12)
    bound = math.sqrt(6 / (2 + 5))  # glorot on each (H, I) block
    assert np.abs(net.tensors["weight_ih_l0"]).max() <= bound


def test_pickle_and_deepcopy_keep_the_views_on_the_buffer():
    net = RecurrentNet(2, 3, "lstm", seed=4)
    for twin in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net), net.copy()):
        np.testing.assert_array_equal(twin.params, net.params)
        twin.params[0] += 1.0
        assert twin.tensors["weight_ih_l0"].flat[0] == twin.params[0]
        assert net.params[0] != twin.params[0]


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(("shape", "n_inputs"), [((4, 5), 2), ((4, 5, 3), 2), ((4,), 1),
                                                 ((2, 3, 4, 1), 1), ((4, 0, 2), 2)])
def test_a_wrong_shape_is_a_config_error_naming_x_and_its_shape(shape, n_inputs):
    net = RecurrentNet(n_inputs, 3)
    with pytest.raises(ConfigError) as err:
        net.forward(np.zeros(shape))
    assert err.value.field == "x"
    assert str(shape) in str(err.value) and f"(n, T, {n_inputs})" in str(err.value)
    with pytest.raises(ConfigError, match=r"^x: "):
        Trainer(net, make_optimizer("sgd"), np.zeros(shape), np.zeros(shape[0]),
                problem="regression")


def test_non_finite_or_empty_sequences_are_a_data_error_naming_x_and_the_row():
    net = RecurrentNet(2, 3, dtype=np.float64)
    x = np.zeros((3, 4, 2))
    x[2, 1, 0] = np.nan
    with pytest.raises(DataError) as err:
        net.loss(x, np.zeros(3))
    assert err.value.field == "x" and "row 2" in str(err.value)
    with pytest.raises(DataError, match="x: 0 rows"):
        Trainer(net, make_optimizer("sgd"), np.zeros((0, 4, 2)), np.zeros(0),
                problem="regression")
    with pytest.raises(ConfigError, match="targets"):
        net.loss(np.zeros((3, 4, 2)), np.zeros((3, 2)))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"cell": "transformer"}, "cell"), ({"activation": "sigmoid"}, "activation"),
    ({"cell": "gru", "activation": "relu"}, "activation"),
    ({"hidden": 0}, "hidden"), ({"layers": 1.5}, "layers"), ({"dtype": "float16"}, "dtype"),
    ({"loss": "cross_entropy", "n_outputs": 1}, "n_outputs"), ({"init": "nope"}, "init"),
])
def test_bad_settings_name_their_field(kwargs, field):
    args = {"n_inputs": 2, "hidden": 3, **kwargs}
    with pytest.raises(ConfigError) as err:
        RecurrentNet(**args)
    assert err.value.field == field


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize(("cell", "activation"), CASES)
def test_the_two_backends_agree_and_auto_picks_by_the_state_width(cell, activation, layers):
    nets = [RecurrentNet(3, 6, cell, activation, n_outputs=2, layers=layers, dtype=np.float64,
                         seed=4, backend=b) for b in BACKENDS]
    x = sequences(11, 13, 3, np.float64)
    t = np.random.default_rng(2).normal(size=(11, 2))
    (l_np, g_np), (l_c, g_c) = (net.loss_and_grad(x, t) for net in nets)
    assert l_c == pytest.approx(l_np, rel=1e-13)
    np.testing.assert_allclose(g_c, g_np, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(nets[1].forward(x), nets[0].forward(x), rtol=1e-13, atol=1e-15)
    assert not nets[0].compiled and nets[1].compiled
    assert RecurrentNet(1, COMPILED_MAX_HIDDEN).compiled
    assert not RecurrentNet(1, COMPILED_MAX_HIDDEN + 1).compiled
