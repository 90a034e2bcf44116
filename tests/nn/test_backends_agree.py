"""The two backends give the same forward pass on every input, NaN and ±inf included.

``MLP.forward`` passes non-finite inputs through (``nn.inputs``: f(NaN) = NaN, numpy's and
PyTorch's rule); the compiled kernels must then put NaN, inf and finite values in exactly the
same places as the numpy path, and the finite values agree within rounding (the kernels work
in float64 scalars, the numpy path in the network's dtype).
"""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.nn import MLP
from depthlens.nn.activations import ACTIVATIONS

from .support import HEADS

TOL = {np.float64: {"rtol": 1e-12, "atol": 1e-12}, np.float32: {"rtol": 2e-5, "atol": 1e-5}}
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30]


def inputs(dtype, large: float = 1e30) -> np.ndarray:
    """Ordinary rows, then rows holding every special value and ±``large`` in every column
    (alone, and NaN beside inf), so that each non-finite value meets each activation on both
    signs."""
    rng = np.random.default_rng(0)
    rows = [rng.normal(size=(8, 3)) * 2.0]
    for v in (*SPECIAL, large, -large):
        for col in range(3):
            row = np.ones((1, 3)) * 0.5
            row[0, col] = v
            rows.append(row)
    rows.append(np.array([[np.nan, np.inf, -np.inf], [np.inf, np.inf, np.inf],
                          [-np.inf, -np.inf, -np.inf], [np.nan, np.nan, np.nan]]))
    return np.concatenate(rows).astype(dtype)


def twins(activation: str, output: str, loss: str, dtype) -> tuple[MLP, MLP]:
    m = 3 if output == "softmax" else 2
    a = MLP([3, 5, 4, m], activation, output, loss, dtype=dtype, backend="numpy")
    a.initialize("torch", seed=1)
    b = a.copy()
    b.backend = "compiled"
    assert b.uses_kernels and not a.uses_kernels
    return a, b


def assert_same(ours: np.ndarray, other: np.ndarray, dtype, what: str) -> None:
    """NaN in the same places, and equal elsewhere within rounding (inf equal to inf)."""
    assert ours.shape == other.shape and ours.dtype == other.dtype == dtype
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(other), err_msg=f"NaN, {what}")
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(other), err_msg=f"inf, {what}")
    keep = ~np.isnan(ours)
    np.testing.assert_allclose(ours[keep], other[keep], **TOL[dtype], err_msg=what)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("output", "loss"), HEADS, ids=[h[0] for h in HEADS])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_forward_agrees_on_every_input_nan_and_inf_included(activation, output, loss, dtype):
    numpy_net, compiled_net = twins(activation, output, loss, dtype)
    # sin of 1e30·w depends on the last bit of the product: no two roundings agree there.
    x = inputs(dtype, large=1e3 if activation == "sine" else 1e30)
    with np.errstate(all="ignore"):
        expected = numpy_net.forward(x)
        got = compiled_net.forward(x)
        blas = compiled_net.forward(x, backend="numpy")
    what = f"{activation} → {output}"
    assert_same(got, expected, dtype, what)
    assert_same(blas, expected, dtype, what)
    # A row holding NaN gives NaN outputs (numpy's rule): NaN is never turned into a number.
    assert np.isnan(got[np.isnan(x).any(axis=1)]).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_relu_keeps_nan_where_numpy_does(dtype):
    """The bug this guards: a NaN through the compiled ReLU became 0 (``z if z > 0 else 0``),
    so a NaN input gave an ordinary-looking output. One hidden unit, weight 1, bias 0."""
    outputs = []
    for backend in ("numpy", "compiled"):
        net = MLP([1, 1, 1], "relu", "linear", "mse", dtype=dtype, backend=backend)
        net.set_params([[[1.0]], [[2.0]]], [[0.0], [0.5]])
        outputs.append(net.forward(np.array([[np.nan], [-1.0], [3.0]], dtype=dtype))[:, 0])
    for out in outputs:
        assert np.isnan(out[0]) and out[1] == 0.5 and out[2] == 6.5


@pytest.mark.parametrize("backend", ["numpy", "compiled"])
@pytest.mark.parametrize(("output", "loss"), HEADS, ids=[h[0] for h in HEADS])
def test_forward_of_no_rows_is_an_empty_answer(output, loss, backend):
    m = 3 if output == "softmax" else 1
    net = MLP([2, 4, m], "relu", output, loss, backend=backend).initialize(seed=0)
    out = net.forward(np.zeros((0, 2), dtype=np.float32))
    assert out.shape == (0, m) and out.dtype == np.float32
