"""``MLP.forward_from``: the forward pass continued from any stage is the plain forward pass."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.errors import ConfigError
from depthlens.nn import ACTIVATIONS, MLP

from .support import BACKENDS, HEADS

ARCHITECTURES = ([3, 1], [2, 5, 1], [2, 4, 3, 2], [4, 6, 1, 5, 3])


def stage_values(net: MLP, x: np.ndarray) -> list[np.ndarray]:
    """The values at every stage from one trace: input, z1, a1, …, zL, output."""
    tr = net.trace(x)
    return [tr.inputs, *[v for z, a in zip(tr.pre, tr.post) for v in (z, a)]]


def case(sizes, activation, output, loss, dtype, backend, seed=0, n=9):
    net = MLP(sizes, activation, output, loss, dtype=dtype, backend=backend)
    net.initialize("torch", seed=seed)
    x = np.random.default_rng(seed + 1).normal(size=(n, sizes[0])).astype(dtype)
    return net, x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("sizes", "output", "loss"), [
    (sizes, output, loss) for sizes in ARCHITECTURES for output, loss in HEADS
    if not (output == "softmax" and sizes[-1] < 2)])  # a softmax needs two outputs
def test_forward_from_every_stage_is_the_forward_pass(sizes, output, loss, backend, dtype):
    net, x = case(sizes, "tanh", output, loss, dtype, backend)
    values = stage_values(net, x)
    assert len(values) == net.n_stages == 2 * net.n_layers + 1
    plain, traced = net.forward(x), net.trace(x).output
    tol = 1e-12 if dtype == np.float64 else 2e-6
    for i, h in enumerate(values):
        assert net.stage_width(i) == h.shape[1]
        out = net.forward_from(i, h)
        assert out.dtype == net.dtype and out.shape == plain.shape
        if i == 0:
            np.testing.assert_array_equal(out, plain)  # stage 0 is forward itself
        else:
            np.testing.assert_array_equal(out, traced)  # the trace's operations, exactly
        np.testing.assert_allclose(out, plain, rtol=tol, atol=tol)
        np.testing.assert_array_equal(net.forward_from(i - len(values), h), out)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_forward_from_every_stage_for_every_activation(activation):
    net, x = case([2, 4, 3, 1], activation, "sigmoid", "bce", np.float64, "numpy", seed=3)
    plain = net.forward(x)
    for i, h in enumerate(stage_values(net, x)):
        np.testing.assert_allclose(net.forward_from(i, h), plain, rtol=1e-12, atol=1e-12)


def test_a_float32_network_in_double_precision_is_its_float64_twin():
    net, x = case([2, 5, 3, 1], "tanh", "sigmoid", "bce", np.float32, "numpy", seed=4)
    twin = MLP(net.sizes, net.activations, net.head.output, net.head.loss, np.float64, "numpy")
    twin.params[...] = net.params
    expected = twin.forward(x)
    for i, h in enumerate(stage_values(twin, x)):
        out = net.forward_from(i, h, dtype=np.float64)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert net.dtype == np.float32 and net.params.dtype == np.float32  # the network untouched


def test_the_output_stage_returns_a_copy_of_its_values():
    net, x = case([2, 3, 1], "tanh", "linear", "mse", np.float64, "numpy")
    o = net.forward(x)
    out = net.forward_from(net.n_stages - 1, o)
    np.testing.assert_array_equal(out, o)
    assert out is not o
    one = net.forward_from(3, o[:, 0])  # a 1-D batch for a one-unit stage
    np.testing.assert_array_equal(one, o)


@pytest.mark.parametrize(("stage", "h", "field"), [
    (7, np.zeros((2, 3)), "stage"),
    (-8, np.zeros((2, 3)), "stage"),
    (1.0, np.zeros((2, 3)), "stage"),
    (1, np.zeros((2, 4)), "h"),
    (2, np.zeros(3), "h"),
])
def test_a_stage_or_values_that_do_not_fit_are_refused_naming_the_field(stage, h, field):
    net, _ = case([2, 3, 4, 1], "tanh", "linear", "mse", np.float64, "numpy")
    with pytest.raises(ConfigError) as e:
        net.forward_from(stage, h)
    assert e.value.field == field
