"""Whole-network gradients: backprop against finite differences and against the other backend."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError
from depthlens.nn import ACTIVATIONS, MLP

from .support import BACKENDS, HEADS, encoded_targets, finite_difference_gradient

ACTS = sorted(ACTIVATIONS)


def network_case(sizes, activation, output, loss, backend, dtype=np.float64, seed=0, n=6):
    """A 'torch'-initialised network (nonzero biases, so no relu sits exactly on its kink)
    with inputs and valid targets."""
    net = MLP(sizes, activation, output, loss, dtype=dtype, backend=backend)
    net.initialize("torch", seed=seed)
    rng = np.random.default_rng(seed + 100)
    x = rng.normal(size=(n, sizes[0])).astype(dtype)
    t = encoded_targets(output, loss, n, sizes[-1], rng).astype(dtype)
    return net, x, t


def assert_gradient_matches_finite_differences(net, x, t):
    _, grads = net.loss_and_grad(x, t)
    numeric = finite_difference_gradient(net, x, t)
    np.testing.assert_allclose(grads, numeric, rtol=1e-6, atol=1e-9)
    assert np.abs(grads).max() > 1e-6  # a zero gradient would pass trivially


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("output", "loss"), HEADS)
@pytest.mark.parametrize("activation", ACTS)
def test_gradient_matches_finite_differences_for_every_activation_and_head(activation, output,
                                                                            loss, backend):
    net, x, t = network_case((3, 5, 4, 3), activation, output, loss, backend, seed=7)
    assert_gradient_matches_finite_differences(net, x, t)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("output", ACTS)
def test_gradient_matches_finite_differences_for_every_output_activation_with_mse(output,
                                                                                   backend):
    net, x, t = network_case((2, 4, 2), "tanh", output, "mse", backend, seed=3)
    assert_gradient_matches_finite_differences(net, x, t)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sizes", [(1, 1), (1, 3), (4, 1), (1, 1, 1), (1, 5, 1), (3, 1, 4, 2),
                                   (2, 1, 1, 1, 3), (5, 7, 1, 6, 2)])
def test_gradient_matches_finite_differences_for_thin_layers(sizes, backend):
    output, loss = ("linear", "mse") if sizes[-1] == 1 else ("softmax", "cross_entropy")
    net, x, t = network_case(sizes, "tanh", output, loss, backend, seed=11)
    assert_gradient_matches_finite_differences(net, x, t)


def test_per_layer_activations_are_used_in_order():
    acts = ("relu", "sine", "gelu")
    for backend in BACKENDS:
        net, x, t = network_case((2, 4, 3, 4, 2), acts, "sigmoid", "bce", backend, seed=5)
        assert net.layer_activations == (*acts, "sigmoid")
        assert_gradient_matches_finite_differences(net, x, t)
    # Against a hand-written forward pass.
    a = x
    for k, name in enumerate(acts):
        a = ACTIVATIONS[name](a @ net.weights[k].T + net.biases[k])
    z = a @ net.weights[-1].T + net.biases[-1]
    np.testing.assert_allclose(net.forward(x), 1 / (1 + np.exp(-z)), rtol=1e-13)


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
       activation=st.sampled_from(ACTS),
       head=st.sampled_from(HEADS),
       backend=st.sampled_from(BACKENDS),
       seed=st.integers(0, 1000))
def test_gradient_matches_finite_differences_for_random_architectures(sizes, activation, head,
                                                                      backend, seed):
    output, loss = head
    if output == "softmax" and sizes[-1] == 1:
        sizes = [*sizes[:-1], 2]
    net, x, t = network_case(sizes, activation, output, loss, backend, seed=seed, n=4)
    _, grads = net.loss_and_grad(x, t)
    numeric = finite_difference_gradient(net, x, t)
    np.testing.assert_allclose(grads, numeric, rtol=1e-5, atol=1e-8)


def backends_pair(sizes, activation, output, loss, dtype, seed=0, n=9):
    nets = []
    for backend in BACKENDS:
        net, x, t = network_case(sizes, activation, output, loss, backend, dtype, seed, n)
        nets.append(net)
    return nets, x, t


DTYPE_TOLERANCES = [pytest.param(np.float64, 1e-12, 1e-14, id="float64"),
                    pytest.param(np.float32, 1e-5, 1e-6, id="float32")]


@pytest.mark.parametrize(("dtype", "rtol", "atol"), DTYPE_TOLERANCES)
@pytest.mark.parametrize(("output", "loss"), HEADS)
@pytest.mark.parametrize("activation", ACTS)
def test_numpy_and_compiled_backends_agree(activation, output, loss, dtype, rtol, atol):
    (np_net, c_net), x, t = backends_pair((4, 6, 5, 3), activation, output, loss, dtype, seed=4)
    assert not np_net.uses_kernels and c_net.uses_kernels
    np.testing.assert_array_equal(np_net.params, c_net.params)
    l_np, g_np = np_net.loss_and_grad(x, t)
    l_c, g_c = c_net.loss_and_grad(x, t)
    assert l_c == pytest.approx(l_np, rel=rtol)
    np.testing.assert_allclose(g_c, g_np, rtol=rtol, atol=atol)
    np.testing.assert_allclose(c_net.forward(x), np_net.forward(x), rtol=rtol, atol=atol)
    assert c_net.loss(x, t) == pytest.approx(np_net.loss(x, t), rel=rtol)
    assert c_net.forward(x).dtype == np_net.forward(x).dtype == dtype
    assert g_c.dtype == g_np.dtype == dtype


def test_backends_agree_on_a_subset_of_rows():
    (np_net, c_net), x, t = backends_pair((3, 4, 2), "tanh", "softmax", "cross_entropy",
                                          np.float64, n=12)
    idx = np.array([7, 2, 2, 11])
    l_np = np_net.gradient(x, t, idx)
    l_c = c_net.gradient(x, t, idx)
    assert l_c == pytest.approx(l_np, rel=1e-12)
    np.testing.assert_allclose(c_net.grads, np_net.grads, rtol=1e-12, atol=1e-14)
    # ... and both equal the gradient on those rows taken as a batch.
    _, g_rows = np_net.loss_and_grad(x[idx], t[idx])
    np.testing.assert_allclose(c_net.grads, g_rows, rtol=1e-12, atol=1e-14)


def test_gradient_is_the_mean_over_the_batch():
    net, x, t = network_case((3, 4, 2), "elu", "linear", "mse", "numpy", n=8)
    _, full = net.loss_and_grad(x, t)
    halves = [net.loss_and_grad(x[s], t[s])[1] for s in (slice(0, 4), slice(4, 8))]
    np.testing.assert_allclose(full, (halves[0] + halves[1]) / 2, rtol=1e-12, atol=1e-15)


def test_gradient_views_share_the_flat_buffer_layout():
    net, x, t = network_case((3, 4, 2), "tanh", "linear", "mse", "numpy")
    assert net.n_params == 3 * 4 + 4 * 2 + 4 + 2
    net.loss_and_grad(x, t)
    flat = np.concatenate([g.ravel() for g in net.grad_weights] + list(net.grad_biases))
    np.testing.assert_array_equal(flat, net.grads)
    w_flat = np.concatenate([w.ravel() for w in net.weights] + list(net.biases))
    np.testing.assert_array_equal(w_flat, net.params)
    assert net.n_weights == 3 * 4 + 4 * 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_do_not_change_when_the_network_is_called_again(backend):
    """Outputs, losses and gradients of one call survive later calls on other batch sizes
    (no result may alias a buffer the network reuses)."""
    net, x, t = network_case((3, 6, 5, 2), "elu", "linear", "mse", backend, n=12)
    fresh = net.copy()
    out = net.forward(x[:5])
    keep = out.copy()
    loss5, g5 = net.loss_and_grad(x[:5], t[:5])
    for n in (12, 3, 5, 1, 5):
        net.forward(x[:n])
        net.loss_and_grad(x[:n], t[:n])
        net.gradient(x, t, np.arange(n)[::-1])
    np.testing.assert_array_equal(out, keep)
    loss5_again, g5_again = net.loss_and_grad(x[:5], t[:5])
    assert loss5_again == loss5
    np.testing.assert_array_equal(g5_again, g5)
    np.testing.assert_array_equal(fresh.loss_and_grad(x[:5], t[:5])[1], g5)
    np.testing.assert_array_equal(fresh.forward(x[:5]), keep)


def test_loss_and_grad_returns_a_copy():
    net, x, t = network_case((2, 3, 1), "tanh", "linear", "mse", "numpy")
    _, grads = net.loss_and_grad(x, t)
    grads[:] = 123.0
    assert not np.any(net.grads == 123.0)


def test_bad_shapes_and_settings_raise_config_error():
    net = MLP((3, 4, 2), "tanh", dtype=np.float64)
    with pytest.raises(ConfigError) as err:
        net.loss(np.zeros((5, 2)), np.zeros((5, 2)))
    assert err.value.field == "x"
    with pytest.raises(ConfigError) as err:
        net.loss(np.zeros((5, 3)), np.zeros((5, 3)))
    assert err.value.field == "targets"
    with pytest.raises(ConfigError) as err:
        MLP((3,))
    assert err.value.field == "layers"
    with pytest.raises(ConfigError) as err:
        MLP((3, 4, 2), backend="gpu")
    assert err.value.field == "backend"
    with pytest.raises(ConfigError) as err:
        MLP((3, 4, 2), dtype=np.int32)
    assert err.value.field == "dtype"
    with pytest.raises(ConfigError) as err:
        MLP((3, 4, 4, 2), ["tanh"])
    assert err.value.field == "activation"
    with pytest.raises(ConfigError) as err:
        net.set_params([np.zeros((4, 3)), np.zeros((3, 4))], [np.zeros(4), np.zeros(2)])
    assert err.value.field == "W1"


def test_softmax_head_needs_at_least_two_outputs():
    """A softmax over one unit is constantly 1, so its cross-entropy is 0 whatever the weights,
    yet the head's gradient (o − t)/n is not 0 for a class-0 sample: refused when built."""
    with pytest.raises(ConfigError) as err:
        MLP((2, 3, 1), "tanh", "softmax", "cross_entropy")
    assert err.value.field in ("layers", "output")
