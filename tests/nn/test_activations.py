"""Activations: derivatives against finite differences, values against PyTorch, names, dtypes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError
from depthlens.nn import MLP, kernels
from depthlens.nn.activations import ACTIVATIONS, ALIASES, get_activation

from .support import TORCH_ACTIVATIONS

NAMES = sorted(ACTIVATIONS)
KINKED = {"relu", "leaky_relu", "elu"}  # not differentiable (or not twice) at z = 0


def sample_z(name: str, rng: np.random.Generator, n: int = 400) -> np.ndarray:
    """Values over a wide range; kept at least 1e-3 away from 0 where there is a kink."""
    z = rng.uniform(-6.0, 6.0, size=n)
    if name in KINKED:
        z = np.where(np.abs(z) < 1e-3, np.sign(z + 1e-12) * 1e-3 + z, z)
    return z


def test_registry_has_every_documented_activation():
    assert set(ACTIVATIONS) == set(TORCH_ACTIVATIONS)
    codes = [a.code for a in ACTIVATIONS.values()]
    assert sorted(codes) == list(range(len(codes)))


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences_in_float64(name):
    act = ACTIVATIONS[name]
    z = sample_z(name, np.random.default_rng(0))
    h = 1e-6
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    analytic = act.derivative(z, act(z))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_on_both_sides_of_a_kink(name):
    act = ACTIVATIONS[name]
    z = np.array([-1e-3, 1e-3, -2.0, 2.0])
    h = 1e-7
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z, act(z)), numeric, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_torch_in_float64(name):
    z = np.random.default_rng(1).uniform(-8.0, 8.0, size=500)
    z[:4] = [0.0, -0.0, 30.0, -30.0]
    expected = TORCH_ACTIVATIONS[name](torch.as_tensor(z)).numpy()
    np.testing.assert_allclose(ACTIVATIONS[name](z), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_torch_autograd(name):
    z = sample_z(name, np.random.default_rng(2), 200)
    zt = torch.as_tensor(z).requires_grad_(True)
    TORCH_ACTIVATIONS[name](zt).sum().backward()
    act = ACTIVATIONS[name]
    np.testing.assert_allclose(act.derivative(z, act(z)), zt.grad.numpy(), rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_forward_in_float32_is_as_accurate_as_torch(name):
    """float32 against the float64 truth: within a few float32 ulps of |z| (GELU and SiLU lose
    relative precision on their negative tails, torch's float32 kernels as well)."""
    z = np.random.default_rng(3).uniform(-8.0, 8.0, size=500).astype(np.float32)
    truth = TORCH_ACTIVATIONS[name](torch.as_tensor(z, dtype=torch.float64)).numpy()
    theirs = TORCH_ACTIVATIONS[name](torch.as_tensor(z)).numpy()
    ours = ACTIVATIONS[name](z)
    budget = 1e-6 * np.maximum(1.0, np.abs(z))
    assert np.all(np.abs(ours - truth) <= budget)
    assert np.all(np.abs(ours - truth) <= np.abs(theirs - truth) + 2e-7 * np.maximum(1.0, abs(z)))


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32_even_after_float64_use(name):
    act = ACTIVATIONS[name]
    z64 = np.linspace(-3.0, 3.0, 13)
    act.derivative(z64, act(z64))  # compiled helpers must not get stuck on a float64 loop
    z = z64.astype(np.float32)
    y = act(z)
    assert y.dtype == np.float32
    assert act.derivative(z, y).dtype == np.float32
    out = np.empty_like(z)
    assert act.forward(z, out) is out


@pytest.mark.parametrize("name", NAMES)
def test_forward_does_not_modify_its_input(name):
    z = np.linspace(-3.0, 3.0, 13)
    keep = z.copy()
    ACTIVATIONS[name](z)
    np.testing.assert_array_equal(z, keep)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "swish", "gelu", "elu", "tanh"])
def test_extreme_inputs_stay_finite(name):
    act = ACTIVATIONS[name]
    z = np.array([-1000.0, -80.0, 80.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = act(z)
        d = act.derivative(z, y)
    assert np.all(np.isfinite(y))
    assert np.all(np.isfinite(d))


@pytest.mark.parametrize(("alias", "name"), sorted(ALIASES.items()))
def test_aliases_resolve_to_their_activation(alias, name):
    assert get_activation(alias) is ACTIVATIONS[name]
    assert get_activation(alias.upper()) is ACTIVATIONS[name]


def test_documented_aliases_exist():
    assert get_activation("silu").name == "swish"
    assert get_activation("sin").name == "sine"
    assert get_activation("identity").name == "linear"
    assert get_activation(ACTIVATIONS["tanh"]) is ACTIVATIONS["tanh"]


def test_unknown_activation_raises_config_error_naming_the_field():
    with pytest.raises(ConfigError) as err:
        get_activation("relu6")
    assert err.value.field == "activation"
    assert "relu6" in str(err.value) and "tanh" in str(err.value)
    with pytest.raises(ConfigError) as err:
        get_activation("swishy", field="output")
    assert err.value.field == "output"
    assert str(err.value).startswith("output:")


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(NAMES),
       z=st.floats(-20.0, 20.0, allow_nan=False).filter(lambda v: abs(v) > 1e-4))
def test_derivative_matches_torch_at_any_point(name, z):
    zt = torch.tensor([z], dtype=torch.float64, requires_grad=True)
    TORCH_ACTIVATIONS[name](zt).sum().backward()
    act = ACTIVATIONS[name]
    za = np.array([z])
    np.testing.assert_allclose(act.derivative(za, act(za)), zt.grad.numpy(), rtol=1e-12,
                               atol=1e-15)


# -- exact tails: sigmoid and swish against a high-precision oracle, both backends ------------
try:
    import mpmath
except ImportError:  # pragma: no cover - the stable float64 formula is ~1 ulp: enough for f32
    mpmath = None


def oracle(name: str, z: np.ndarray) -> np.ndarray:
    """σ(z), swish z·σ(z), or swish' σ(1 + z(1 − σ)) at the float values z, in float64 from
    mpmath at 40 digits (or, without mpmath, Python's math on the stable formula)."""
    out = np.empty(z.shape)
    for i, v in enumerate(np.asarray(z, dtype=np.float64)):
        if mpmath is not None:
            with mpmath.workdps(40):
                zv = mpmath.mpf(float(v))
                s = 1 / (1 + mpmath.exp(-zv))
                out[i] = float({"sigmoid": s, "swish": zv * s, "swish'": s * (1 + zv * (1 - s))}
                               [name])
        else:
            e = math.exp(-abs(v))
            s = (e if v < 0 else 1.0) / (1.0 + e)
            out[i] = {"sigmoid": s, "swish": v * s, "swish'": s * (1 + v * (1 - s))}[name]
    return out


def ulps(ours: np.ndarray, truth: np.ndarray, dtype) -> np.ndarray:
    """|ours − truth| in units of the spacing of ``dtype`` at the truth (subnormals included:
    np.spacing(0) is the smallest subnormal)."""
    spacing = np.spacing(np.abs(truth.astype(dtype))).astype(np.float64)
    return np.abs(ours.astype(np.float64) - truth) / spacing


def one_unit_network(name: str, dtype, backend: str) -> MLP:
    """A network whose output is a(z) of its input z: 1 → 1 sigmoid + bce head (W = 1, b = 0),
    or 1 → 1 swish → 1 linear with unit weights and zero biases."""
    if name == "sigmoid":
        net = MLP([1, 1], output="sigmoid", loss="bce", dtype=dtype, backend=backend)
        net.set_params([[[1.0]]], [[0.0]])
    else:
        net = MLP([1, 1, 1], "swish", "linear", "mse", dtype=dtype, backend=backend)
        net.set_params([[[1.0]], [[1.0]]], [[0.0], [0.0]])
    return net


TAIL_Z = np.concatenate([np.linspace(-800.0, 800.0, 1601), [-745.0, -744.5, -709.8, -103.0,
                         -87.5, -37.0, -36.7, -1e-8, 1e-8, 0.0, 36.7, 37.0]])
LOWEST_NORMAL_SIGMOID = {np.float64: -708.0, np.float32: -87.0}
"""Below this σ(z) is subnormal in the dtype: σ itself stays exact there (to the subnormal's
absolute spacing), z·σ cannot (σ's few significant bits times z)."""


@pytest.mark.parametrize("backend", ["numpy", "compiled"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["sigmoid", "swish"])
def test_sigmoid_and_swish_are_exact_in_the_tails(name, dtype, backend):
    """Within 3 ulps of the truth over z in [−800, 800] (σ(−40) = 4.2e−18, which the old
    0.5·(1 + tanh(z/2)) rounded to 0), through the network in both backends."""
    z = TAIL_Z.astype(dtype)
    if name == "swish":
        z = z[z >= LOWEST_NORMAL_SIGMOID[dtype]]
    net = one_unit_network(name, dtype, backend)
    # The whole range, and the part above −79 alone: numpy's sigmoid takes a direct path when
    # no z is below −80 (float32) and a stable one otherwise; both must be exact.
    for part in (z, z[z > -79.0]):
        truth = oracle(name, part)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            ours = net.forward(part[:, None])[:, 0]
            registry = ACTIVATIONS[name](part)
        assert ours.dtype == dtype
        for values in (ours, registry):
            err = ulps(values, truth, dtype)
            assert err.max() <= 3.0, f"{err.max():.1f} ulps at z = {part[err.argmax()]}"
        assert ours[np.argmin(np.abs(part + 40.0))] != 0.0  # not the old underflow to 0


@pytest.mark.parametrize("backend", ["numpy", "compiled"])
def test_predict_proba_rows_are_exact_in_the_negative_tail(backend):
    """A sigmoid head's class-1 probability far on the negative side is σ(z) itself (a
    positive number, not 0), its row summing to 1."""
    net = one_unit_network("sigmoid", np.float64, backend)
    z = np.array([-40.0, -100.0, -700.0])
    p = net.head.probabilities(net.forward(z[:, None]))
    np.testing.assert_array_equal(p[:, 0], 1.0)
    assert np.all(ulps(p[:, 1], oracle("sigmoid", z), np.float64) <= 2.0)


def test_derivatives_that_use_sigmoid_are_accurate_in_the_tails():
    """softplus' = σ (numpy: σ(z); compiled: −expm1(−softplus(z))) within 2 ulps; swish' within
    64 ulps (its 1 − σ cancels for large z), both backends, |z| in [5, 700]."""
    z = np.linspace(-700.0, 700.0, 1401)
    z = z[np.abs(z) >= 5.0]
    compiled = {code: np.array([kernels.derivative(code, v, kernels.activate(code, v))
                                for v in z]) for code in (6, 7)}
    softplus, swish = ACTIVATIONS["softplus"], ACTIVATIONS["swish"]
    for values in (softplus.derivative(z, softplus(z)), compiled[softplus.code]):
        assert ulps(values, oracle("sigmoid", z), np.float64).max() <= 2.0
    for values in (swish.derivative(z, swish(z)), compiled[swish.code]):
        assert ulps(values, oracle("swish'", z), np.float64).max() <= 64.0
