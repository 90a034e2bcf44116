"""Initializers: statistics against their formulas and against torch.nn.init draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from depthlens.errors import ConfigError
from depthlens.nn import MLP
from depthlens.nn.initializers import (
    INIT_ALIASES,
    INITIALIZERS,
    gain,
    init_name,
    init_params,
    initialize,
)

SHAPE = (400, 300)  # (out, in): fan_in 300, fan_out 400
FAN_IN, FAN_OUT = SHAPE[1], SHAPE[0]


def draw(name, shape=SHAPE, seed=0, **params):
    return initialize(name, np.random.default_rng(seed), shape, **params)


def torch_draw(fill, shape=SHAPE, seed=0, **kwargs) -> np.ndarray:
    torch.manual_seed(seed)
    w = torch.empty(shape, dtype=torch.float64)
    fill(w, **kwargs)
    return w.numpy()


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov–Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, side="right") / a.size
                               - np.searchsorted(b, grid, side="right") / b.size)))


def ks_limit(a: np.ndarray, b: np.ndarray) -> float:
    """The KS statistic's critical value at significance 1e-6 (fixed seeds: never flaky)."""
    c = math.sqrt(-0.5 * math.log(1e-6 / 2))
    return c * math.sqrt((a.size + b.size) / (a.size * b.size))


def assert_uniform(w: np.ndarray, bound: float, low: float | None = None):
    low = -bound if low is None else low
    assert w.min() >= low and w.max() <= bound
    # A uniform sample of 120 000 fills its range to within 1e-4 of its width.
    assert w.min() < low + 1e-3 * (bound - low) and w.max() > bound - 1e-3 * (bound - low)
    assert w.mean() == pytest.approx((low + bound) / 2, abs=0.01 * (bound - low))
    assert w.std() == pytest.approx((bound - low) / math.sqrt(12), rel=0.01)


def assert_normal(w: np.ndarray, std: float, mean: float = 0.0):
    assert w.mean() == pytest.approx(mean, abs=0.01 * std)
    assert w.std() == pytest.approx(std, rel=0.01)
    # Normal, not truncated: about 0.27% of draws lie beyond 3 std.
    assert 0.0015 < np.mean(np.abs(w - mean) > 3 * std) < 0.004


# (name, params, formula check, torch fill or None, torch kwargs)
UNIFORM_CASES = [
    ("glorot_uniform", {}, math.sqrt(6 / (FAN_IN + FAN_OUT)), torch.nn.init.xavier_uniform_, {}),
    ("glorot_uniform", {"gain": 5 / 3}, 5 / 3 * math.sqrt(6 / (FAN_IN + FAN_OUT)),
     torch.nn.init.xavier_uniform_, {"gain": 5 / 3}),
    ("he_uniform", {}, math.sqrt(6 / FAN_IN), torch.nn.init.kaiming_uniform_,
     {"nonlinearity": "relu"}),
    ("he_uniform", {"mode": "fan_out"}, math.sqrt(6 / FAN_OUT), torch.nn.init.kaiming_uniform_,
     {"nonlinearity": "relu", "mode": "fan_out"}),
    ("lecun_uniform", {}, math.sqrt(3 / FAN_IN), torch.nn.init.kaiming_uniform_,
     {"nonlinearity": "linear"}),
    ("uniform", {}, 0.05, torch.nn.init.uniform_, {"a": -0.05, "b": 0.05}),
]

NORMAL_CASES = [
    ("glorot_normal", {}, math.sqrt(2 / (FAN_IN + FAN_OUT)), torch.nn.init.xavier_normal_, {}),
    ("he_normal", {}, math.sqrt(2 / FAN_IN), torch.nn.init.kaiming_normal_,
     {"nonlinearity": "relu"}),
    ("he_normal", {"mode": "fan_out", "gain": 1.0}, math.sqrt(1 / FAN_OUT),
     torch.nn.init.kaiming_normal_, {"nonlinearity": "linear", "mode": "fan_out"}),
    ("lecun_normal", {}, math.sqrt(1 / FAN_IN), torch.nn.init.kaiming_normal_,
     {"nonlinearity": "linear"}),
    ("gaussian", {}, 0.01, torch.nn.init.normal_, {"std": 0.01}),
    ("gaussian", {"std": 0.3}, 0.3, torch.nn.init.normal_, {"std": 0.3}),
]


def case_id(case):
    return case[0] + "".join(f"-{k}={v:.3g}" if isinstance(v, float) else f"-{k}={v}"
                             for k, v in case[1].items())


@pytest.mark.parametrize("case", UNIFORM_CASES, ids=case_id)
def test_uniform_initializers_match_their_bounds_and_torch(case):
    name, params, bound, fill, kwargs = case
    w, b = draw(name, **params)
    assert w.shape == SHAPE and b.shape == (FAN_OUT,)
    assert_uniform(w, bound)
    np.testing.assert_array_equal(b, 0.0)
    theirs = torch_draw(fill, **kwargs)
    assert ks_statistic(w, theirs) < ks_limit(w, theirs)
    assert np.abs(theirs).max() == pytest.approx(bound, rel=1e-3)


@pytest.mark.parametrize("case", NORMAL_CASES, ids=case_id)
def test_normal_initializers_match_their_std_and_torch(case):
    name, params, std, fill, kwargs = case
    w, b = draw(name, **params)
    assert_normal(w, std)
    np.testing.assert_array_equal(b, 0.0)
    theirs = torch_draw(fill, **kwargs)
    assert theirs.std() == pytest.approx(std, rel=0.01)
    assert ks_statistic(w, theirs) < ks_limit(w, theirs)


def test_ks_statistic_tells_different_distributions_apart():
    w, _ = draw("glorot_uniform")
    wrong = torch_draw(torch.nn.init.xavier_normal_)
    assert ks_statistic(w, wrong) > 3 * ks_limit(w, wrong)


def test_gaussian_mean_and_uniform_range_and_bias_parameters():
    w, b = draw("gaussian", std=0.2, mean=1.5, bias=0.25)
    assert_normal(w, 0.2, mean=1.5)
    np.testing.assert_array_equal(b, 0.25)
    w, b = draw("uniform", low=-0.1, high=0.3, bias=-1.0)
    assert_uniform(w, 0.3, low=-0.1)
    np.testing.assert_array_equal(b, -1.0)


def test_torch_default_matches_nn_linear_for_weights_and_biases():
    w, b = draw("torch")
    bound = 1 / math.sqrt(FAN_IN)
    assert_uniform(w, bound)
    assert b.min() >= -bound and b.max() <= bound
    assert b.std() == pytest.approx(bound / math.sqrt(3), rel=0.12)
    torch.manual_seed(0)
    layer = torch.nn.Linear(FAN_IN, FAN_OUT, dtype=torch.float64)
    theirs_w, theirs_b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert ks_statistic(w, theirs_w) < ks_limit(w, theirs_w)
    assert ks_statistic(b, theirs_b) < ks_limit(b, theirs_b)
    assert np.abs(theirs_w).max() == pytest.approx(bound, rel=1e-3)


def test_playground_is_uniform_half_with_bias_one_tenth():
    w, b = draw("playground")
    assert_uniform(w, 0.5)
    np.testing.assert_array_equal(b, 0.1)


def test_zeros_and_constant():
    w, b = draw("zeros")
    assert not w.any() and not b.any()
    w, b = draw("constant", value=0.3, bias=-0.2)
    np.testing.assert_array_equal(w, 0.3)
    np.testing.assert_array_equal(b, -0.2)
    theirs = torch_draw(torch.nn.init.constant_, val=0.3)
    np.testing.assert_array_equal(w, theirs)


@pytest.mark.parametrize("shape", [(80, 120), (120, 80), (50, 50), (1, 20), (20, 1)])
@pytest.mark.parametrize("g", [1.0, 2.0])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape, g):
    w, b = draw("orthogonal", shape=shape, gain=g)
    out, inp = shape
    gram = w @ w.T if out <= inp else w.T @ w
    np.testing.assert_allclose(gram, g**2 * np.eye(min(shape)), atol=1e-12)
    np.testing.assert_array_equal(b, 0.0)
    theirs = torch_draw(torch.nn.init.orthogonal_, shape=shape, gain=g)
    np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False),
                               np.linalg.svd(theirs, compute_uv=False), rtol=1e-10)


def test_orthogonal_is_not_biased_toward_a_sign():
    w, _ = draw("orthogonal", shape=(200, 200))
    # Entries of a Haar-random orthogonal matrix have mean 0 and variance 1/n.
    assert abs(w.mean()) < 4 / 200
    assert (w**2).mean() == pytest.approx(1 / 200, rel=1e-9)
    # QR without torch's sign fix leaves the diagonal biased (mean about -0.033 here).
    assert abs(np.diag(w).mean()) < 4 / 200 / 2


@pytest.mark.parametrize(("n_nonzero", "std"), [(15, 1.0), (5, 0.3), (1, 2.0), (300, 1.0),
                                                (1000, 0.5)])
def test_sparse_has_exactly_n_nonzero_weights_per_unit(n_nonzero, std):
    w, b = draw("sparse", n_nonzero=n_nonzero, std=std, bias=0.5)
    counts = np.count_nonzero(w, axis=1)
    np.testing.assert_array_equal(counts, min(n_nonzero, FAN_IN))
    nonzero = w[w != 0]
    assert nonzero.std() == pytest.approx(std, rel=0.1 if nonzero.size < 1000 else 0.02)
    assert abs(nonzero.mean()) < 4 * std / math.sqrt(nonzero.size)
    np.testing.assert_array_equal(b, 0.5)


def test_sparse_spreads_its_connections_over_the_inputs():
    w, _ = draw("sparse", n_nonzero=15)
    used = np.count_nonzero(w, axis=0)  # how many units each input feeds
    assert used.sum() == 15 * FAN_OUT
    assert used.min() > 0 and used.max() < 5 * used.mean()


def test_sparse_rejects_fewer_than_one_nonzero():
    with pytest.raises(ConfigError) as err:
        draw("sparse", n_nonzero=0)
    assert err.value.field == "init.n_nonzero"


def test_gains_are_torch_calculate_gain():
    for name in ("linear", "sigmoid", "tanh", "relu"):
        assert gain(name) == pytest.approx(torch.nn.init.calculate_gain(name), rel=1e-15)
    assert gain("leaky_relu") == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.01), rel=1e-15)
    assert gain("no_such_thing") == 1.0


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_same_seed_same_weights_and_different_seed_different_weights(name):
    nets = [MLP((3, 8, 5, 2), "tanh", dtype=np.float64) for _ in range(3)]
    for net, seed in zip(nets, (4, 4, 5)):
        net.initialize(name, seed=seed)
    np.testing.assert_array_equal(nets[0].params, nets[1].params)
    if name not in ("zeros", "constant", "playground"):
        assert not np.array_equal(nets[0].params[: nets[0].n_weights],
                                  nets[2].params[: nets[2].n_weights])
    # Layers are drawn in turn from one stream: no two layers are copies of each other.
    if name not in ("zeros", "constant", "playground", "orthogonal"):
        assert not np.allclose(nets[0].weights[1][:2, :2], nets[0].weights[2][:2, :2])


def test_initialize_fills_every_layer_with_its_own_fan_in():
    net = MLP((100, 400, 25), "relu", dtype=np.float64).initialize("he_normal", seed=1)
    assert net.weights[0].std() == pytest.approx(math.sqrt(2 / 100), rel=0.02)
    assert net.weights[1].std() == pytest.approx(math.sqrt(2 / 400), rel=0.03)


@pytest.mark.parametrize(("alias", "name"), sorted(INIT_ALIASES.items()))
def test_init_aliases_resolve(alias, name):
    assert init_name(alias) == name
    assert init_name(alias.upper()) == name


def test_init_params_lists_the_keyword_parameters():
    assert init_params("sparse") == {"n_nonzero": 15, "std": 1.0, "bias": 0.0}
    assert init_params("torch") == {}
    assert set(init_params("he")) == {"gain", "mode"}


def test_unknown_initializer_raises_config_error_naming_init():
    with pytest.raises(ConfigError) as err:
        draw("glorious")
    assert err.value.field == "init"
    assert "glorot_uniform" in str(err.value)
    with pytest.raises(ConfigError) as err:
        MLP((2, 3, 1)).initialize("nope")
    assert err.value.field == "init"


@pytest.mark.parametrize(("name", "params", "field"), [
    ("glorot_uniform", {"std": 1.0}, "init.std"),
    ("torch", {"gain": 2.0}, "init.gain"),
    ("sparse", {"sparsity": 0.9}, "init.sparsity"),
    ("he_normal", {"mode": "fan_avg"}, "init.mode"),
    ("uniform", {"low": 0.5, "high": 0.1}, "init.high"),
    ("gaussian", {"std": -0.1}, "init.std"),
    ("sparse", {"std": -1.0}, "init.std"),
    ("sparse", {"std": float("nan")}, "init.std"),
])
def test_bad_initializer_parameter_raises_config_error_naming_it(name, params, field):
    with pytest.raises(ConfigError) as err:
        draw(name, **params)
    assert err.value.field == field
    assert field in str(err.value)
