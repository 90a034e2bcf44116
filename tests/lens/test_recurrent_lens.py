"""The recurrent lens: the state's path and one Elman step as the five operations.

Oracles: the network's own forward pass (``RecurrentNet.trace``) and an independent loop of the
Elman equation written here, h_t = a(W_hh·h_{t−1} + W_ih·x_t + b_ih + b_hh)."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.errors import ConfigError
from depthlens.lens import recurrent as lens
from depthlens.lens.operations import GROUPS
from depthlens.nn.recurrent import RecurrentNet

ACT = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


def elman_loop(net: RecurrentNet, x: np.ndarray, layer: int = 0) -> np.ndarray:
    """Every layer up to ``layer`` by the equation itself: (n, T + 1, H) with h_0 = 0."""
    a = np.asarray(x, dtype=np.float64)
    for k in range(layer + 1):
        p = {name: np.asarray(v, dtype=np.float64) for name, v in net.tensors.items()}
        w_ih, w_hh = p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"]
        b = p[f"bias_ih_l{k}"] + p[f"bias_hh_l{k}"]
        n, steps, _ = a.shape
        h = np.zeros((n, steps + 1, net.hidden))
        for t in range(steps):
            h[:, t + 1] = ACT[net.activation](h[:, t] @ w_hh.T + a[:, t] @ w_ih.T + b)
        a = h[:, 1:]
    return h


def make_net(hidden: int, inputs: int = 1, activation: str = "tanh", layers: int = 1,
             seed: int = 0) -> RecurrentNet:
    net = RecurrentNet(inputs, hidden, "elman", activation, n_outputs=1, layers=layers,
                       output="sigmoid", loss="bce", dtype=np.float64, seed=seed)
    rng = np.random.default_rng(seed + 100)
    net.params[...] = rng.normal(scale=0.9, size=net.params.size)  # a step that moves
    return net


def sequences(n: int, steps: int, inputs: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, steps, inputs))


@pytest.mark.parametrize(("hidden", "inputs", "activation", "layers", "layer"), [
    (2, 1, "tanh", 1, 0),
    (3, 2, "tanh", 1, 0),
    (5, 3, "relu", 1, 0),
    (4, 2, "tanh", 2, 1),  # layer 1 reads layer 0's states
])
def test_composing_the_stages_gives_the_next_state_exactly(hidden, inputs, activation, layers,
                                                           layer):
    net = make_net(hidden, inputs, activation, layers)
    x = sequences(16, 6, inputs)
    loop = elman_loop(net, x, layer)
    path = lens.state_path(net, x, layer)
    np.testing.assert_allclose(path.states, loop, rtol=0, atol=1e-12)
    assert np.all(path.states[:, 0] == 0.0)
    for step in lens.unrolled(net, x, layer):
        np.testing.assert_allclose(step.after, loop[:, step.t], rtol=0, atol=1e-12)
        np.testing.assert_allclose(step.after, net.trace(x).states[layer][:, step.t - 1],
                                   rtol=0, atol=1e-12)


def test_each_stage_is_its_operation():
    """Vᵀ, Σ, U of W_hh = UΣVᵀ (proper rotations), then + W_ih·x_t + b per row, then tanh."""
    net = make_net(3, 2)
    x = sequences(10, 5, 2)
    step = lens.step_operations(net, x, 4)
    w_hh = net.tensors["weight_hh_l0"]
    ops = step.operations
    kinds = [s.kind for s in step.steps]
    assert kinds[0] == "rotate" and kinds[-3:] == ["rotate", "translate", "bend"]
    assert "dimension" not in kinds  # H → H: raise/lower dimension is the identity
    assert {s.group for s in step.steps} == set(GROUPS) - {"raise/lower dimension"}
    assert "H → H" in lens.DIMENSION_NOTE
    for r in (ops.u, ops.vt):
        np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(r) == pytest.approx(1.0)
    np.testing.assert_allclose(ops.u @ np.diag(ops.s) @ ops.vt, w_hh, atol=1e-12)
    stages = step.stages()
    h = elman_loop(net, x)[:, 3]
    np.testing.assert_allclose(stages[0], h, atol=0)
    np.testing.assert_allclose(stages[-3], h @ w_hh.T, atol=1e-12)  # rotate, scale, rotate
    c = x[:, 3] @ net.tensors["weight_ih_l0"].T + net.tensors["bias_ih_l0"] \
        + net.tensors["bias_hh_l0"]
    np.testing.assert_allclose(step.translation, c, atol=1e-12)
    np.testing.assert_allclose(stages[-2] - stages[-3], c, atol=1e-12)  # one vector per row
    assert np.ptp(c, axis=0).min() > 0.1  # it differs between sequences
    np.testing.assert_allclose(stages[-1], np.tanh(stages[-2]), atol=0)


def test_the_translation_caption_names_each_input_value():
    net = make_net(2)
    x = np.array([[[1.0], [-1.0]], [[-1.0], [1.0]], [[1.0], [1.0]]])
    step = lens.step_operations(net, x, 2)
    caption = step.steps[-2].caption
    c = net.tensors["weight_ih_l0"][:, 0] + net.tensors["bias_ih_l0"] + net.tensors["bias_hh_l0"]
    assert "x = +1 → (" + ", ".join(f"{v:+.2f}" for v in c) + ")" in caption
    assert "x = -1 →" in caption
    with pytest.raises(ConfigError) as e:  # the translation belongs to its batch
        step.steps[-2].apply(np.zeros((5, 2)))
    assert e.value.field == "points"


def test_views_own_units_3d_and_pca():
    x = sequences(12, 7, 2)
    two = lens.state_path(make_net(2, 2), x)
    assert (two.view.method, two.dims, two.labels) == ("own", 2, ["unit 1", "unit 2"])
    assert "own 2 units" in two.note
    three = lens.state_path(make_net(3, 2), x)
    assert (three.view.method, three.dims) == ("own", 3)
    wide = lens.state_path(make_net(6, 2), x)
    assert (wide.view.method, wide.dims) == ("pca", 2)
    assert "PCA" in wide.note and "12·8 states" in wide.note
    assert wide.labels[0].startswith("PC1 (")
    flat = wide.states.reshape(-1, 6)
    np.testing.assert_allclose(wide.drawn(), ((flat - flat.mean(0)) @ wide.view.axes.T)
                               .reshape(12, 8, 2), atol=1e-12)
    units = lens.state_path(make_net(6, 2), x, units=(4, 1))
    np.testing.assert_allclose(units.drawn(), units.states[:, :, [4, 1]])


def test_readout_boundary_separates_the_decisions():
    net = make_net(2)
    x = sequences(200, 6, 1)
    net.tensors["readout.bias"][...] -= np.median(net.trace(x).logits)  # both classes occur
    w, b = lens.readout_boundary(net)
    path = lens.state_path(net, x)
    side = (path.final @ w.T + b)[:, 0] > 0
    decided = net.head.decide(net.forward(x)) == 1
    assert np.array_equal(side, decided) and 0 < side.sum() < len(side)
    wide_net = make_net(5, 1)
    wide = lens.state_path(wide_net, x)
    normal, offset = lens.boundary_in_view(wide, *lens.readout_boundary(wide_net))
    # a point on the drawn line is, back in the state space (μ + Aᵀp), on the boundary
    p = -offset * normal / (normal @ normal) + 0.7 * np.array([-normal[1], normal[0]])
    h = wide.view.center + p @ wide.view.axes
    w5, b5 = lens.readout_boundary(wide_net)
    assert float(h @ w5[0] + b5[0]) == pytest.approx(0.0, abs=1e-12)


def gru_loop(net: RecurrentNet, x: np.ndarray) -> np.ndarray:
    """PyTorch's GRU equations written out: (n, T + 1, H) with h_0 = 0."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in net.tensors.items()}
    w_ih, w_hh, b_ih, b_hh = (p[f"{k}_l0"] for k in ("weight_ih", "weight_hh", "bias_ih",
                                                      "bias_hh"))
    hu = net.hidden
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    h = np.zeros((x.shape[0], x.shape[1] + 1, hu))
    for t in range(x.shape[1]):
        gi, gh = x[:, t] @ w_ih.T + b_ih, h[:, t] @ w_hh.T + b_hh
        r, z = sig(gi[:, :hu] + gh[:, :hu]), sig(gi[:, hu:2 * hu] + gh[:, hu:2 * hu])
        n = np.tanh(gi[:, 2 * hu:] + r * gh[:, 2 * hu:])
        h[:, t + 1] = (1 - z) * n + z * h[:, t]
    return h


def test_a_gru_step_is_its_candidate_then_the_update_gates_mix():
    net = RecurrentNet(2, 3, "gru", n_outputs=1, output="sigmoid", loss="bce",
                       dtype=np.float64)
    net.params[...] = np.random.default_rng(5).normal(size=net.params.size)
    x = sequences(12, 5, 2)
    loop = gru_loop(net, x)
    for step in lens.unrolled(net, x):
        np.testing.assert_allclose(step.after, loop[:, step.t], rtol=0, atol=1e-12)
    step = lens.step_operations(net, x, 3)
    labels = [s.label for s in step.steps]
    assert labels[-5:] == ["+ b_hn", "\u2299 r", "+ W_in·x + b_in", "tanh",
                           "+ z\u2299(h \u2212 n)"]
    assert step.steps[step.input_index].label == "+ W_in·x + b_in"
    stages = step.stages()
    w_hn = net.tensors["weight_hh_l0"][6:]
    np.testing.assert_allclose(stages[-6], loop[:, 2] @ w_hn.T, atol=1e-12)  # rotate-scale-rotate
    candidate = stages[-2]
    z = step.steps[-1].params["update_gate"]
    np.testing.assert_allclose((1 - z) * candidate + z * loop[:, 2], loop[:, 3], atol=1e-12)
    assert np.all((z > 0) & (z < 1)) and np.ptp(z) > 0.05  # the gate differs per row


def test_only_the_lstm_is_refused_and_bad_steps_are_refused():
    lstm = RecurrentNet(1, 2, "lstm", n_outputs=1, output="sigmoid", loss="bce",
                        dtype=np.float64)
    x = sequences(5, 4, 1)
    path = lens.state_path(lstm, x)  # the path is drawn for any cell
    np.testing.assert_allclose(path.states[:, 1:], lstm.states(x), atol=1e-12)
    with pytest.raises(ConfigError) as e:
        lens.step_operations(lstm, x, 1)
    assert e.value.field == "cell" and "cell state" in str(e.value)
    net = make_net(2)
    for bad in (0, 5, True):
        with pytest.raises(ConfigError) as e:
            lens.step_operations(net, x, bad)
        assert e.value.field == "t"
    with pytest.raises(ConfigError) as e:
        lens.state_path(net, x, layer=3)
    assert e.value.field == "layer"
