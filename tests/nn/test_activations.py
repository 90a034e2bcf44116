"""Activations: derivatives against finite differences, values against PyTorch, names, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError
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
