"""The initialization lab: the issue's numbers, the statistics, zero-init symmetry."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens import Session
from depthlens.errors import ConfigError
from depthlens.lab import init_lab, init_spec, init_statistics, parse_init, unit_spread
from depthlens.lab.init_lab import lab_config


def _stats(activation, spec, depth=10, width=32):
    s = Session(lab_config(activation, spec, depth, width, seed=0))
    return s, init_statistics(s.net, s.trainer.x, s.trainer.t)


def test_he_keeps_a_deep_relu_network_scaled_and_a_small_gaussian_does_not():
    """Issue 5, item 6: 10 hidden ReLU layers × 32 units on the circle set (seed 0): with He
    init every layer's activation std is within [0.5, 2]× the first layer's; with
    N(0, 0.01²) the last layer's is below 10⁻³× the first's."""
    _, he = _stats("relu", init_spec("he_normal"))
    assert len(he.act_std) == 10
    ratio = he.act_std / he.act_std[0]
    assert np.all((ratio >= 0.5) & (ratio <= 2.0)), ratio
    _, small = _stats("relu", init_spec("gaussian", std=0.01))
    assert small.act_std[-1] < 1e-3 * small.act_std[0]
    # the gradient vanishes with the signal
    assert small.grad_norm[0] < 1e-6 * he.grad_norm[0]


def test_statistics_match_the_trace_and_the_gradient():
    s, st = _stats("tanh", init_spec("glorot_normal"), depth=3, width=8)
    trace = s.net.trace(s.trainer.x)
    for k in range(3):
        a = trace.post[k].astype(np.float64)
        assert np.isclose(st.act_mean[k], a.mean()) and np.isclose(st.act_std[k], a.std())
        np.testing.assert_array_equal(st.activations[k], a.ravel())
    loss, grads = s.net.loss_and_grad(s.trainer.x, s.trainer.t)
    assert np.isclose(st.loss, loss)
    for k, (o, i) in enumerate(s.net.shapes):
        w0 = int(s.net._w_off[k])
        assert np.isclose(st.grad_norm[k], np.linalg.norm(grads[w0 : w0 + o * i]), rtol=1e-5)


def test_zero_and_constant_init_keep_every_unit_of_a_layer_equal():
    lab = init_lab(activations=("tanh",), inits=["zeros", "constant", "he_normal"], depth=3,
                   width=6, epochs=3, n_samples=80)
    for label in ("zeros", "constant"):
        run = lab.runs["tanh", label]
        assert np.all(run.spread_init == 0)
        assert np.all(run.spread_trained == 0)
        for w in run.session.net.weights[:-1]:
            assert np.all(w == w[0])
    moved = lab.runs["tanh", "constant"]
    assert not np.array_equal(moved.session.net.params, moved.initial)  # it did train
    assert np.all(lab.runs["tanh", "he_normal"].spread_trained > 0)
    assert len(lab.runs["tanh", "he_normal"].train_loss) == 4


def test_unit_spread_sees_one_different_unit():
    s = Session(lab_config("tanh", init_spec("constant"), 2, 4))
    assert np.all(unit_spread(s.net) == 0)
    s.net.biases[1][2] += 0.25
    np.testing.assert_allclose(unit_spread(s.net), [0.0, 0.25])


def test_init_specs_parse_and_check():
    assert parse_init("he_normal").label == "he_normal"
    g = parse_init("gaussian:std=1")
    assert g.name == "gaussian" and g.kwargs == {"std": 1.0} and g.label == "gaussian(std=1)"
    assert init_spec("gaussian").kwargs == {"std": 0.01}
    assert parse_init("sparse:n_nonzero=4").kwargs == {"n_nonzero": 4}
    with pytest.raises(ConfigError, match="init"):
        parse_init("gaussian:width=3")
    with pytest.raises(ConfigError, match="init"):
        parse_init("warm")
