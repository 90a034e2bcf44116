"""Playground's six datasets and the registry / make_dataset."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.data import DATASETS, make_dataset
from depthlens.data.generators import playground
from depthlens.errors import ConfigError

PLAYGROUND = ["circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss"]


def radius(x: np.ndarray) -> np.ndarray:
    return np.linalg.norm(x, axis=1)


@pytest.mark.parametrize("name", PLAYGROUND)
def test_default_sizes_and_window(name):
    ds = make_dataset(name)
    expected = 500 if DATASETS[name].problem == "classification" else 1200
    assert ds.x.shape == (expected, 2)
    assert ds.y.shape == (expected,)
    assert ds.feature_names == ("x1", "x2")
    assert ds.name == name
    if name != "gauss":  # Gaussian tails may leave the window
        assert np.all(np.abs(ds.x) <= 6.0)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_seed_same_arrays_other_seed_differs(name):
    a = make_dataset(name, n_samples=60, noise=0.2, seed=7)
    b = make_dataset(name, n_samples=60, noise=0.2, seed=7)
    c = make_dataset(name, n_samples=60, noise=0.2, seed=8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not (np.array_equal(a.x, c.x) and np.array_equal(a.y, c.y))


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("n", [1, 2, 7, 31])
def test_exact_sample_count(name, n):
    ds = make_dataset(name, n_samples=n)
    assert len(ds) == ds.x.shape[0] == ds.y.shape[0] == n
    assert not ds.x.flags.writeable and not ds.y.flags.writeable


def test_two_class_convention_blue_is_class_1():
    ds = make_dataset("gauss", seed=3)
    assert ds.class_names == ("orange", "blue")
    assert ds.n_classes == 2 and ds.y.dtype == np.int64
    assert np.allclose(ds.x[ds.y == 1].mean(axis=0), [2, 2], atol=0.2)
    assert np.allclose(ds.x[ds.y == 0].mean(axis=0), [-2, -2], atol=0.2)


def test_circle_geometry_and_labels():
    ds = make_dataset("circle", seed=1)
    r = radius(ds.x)
    inner, outer = r[ds.y == 1], r[ds.y == 0]
    assert len(inner) == len(outer) == 250
    assert inner.max() < 2.5
    assert outer.min() >= 3.5 and outer.max() <= 5.0
    assert np.array_equal(ds.y == 1, r < 2.5)


def test_circle_noise_flips_labels_not_points():
    clean = make_dataset("circle", seed=4)
    noisy = make_dataset("circle", noise=0.5, seed=4)
    r = radius(noisy.x)
    assert np.all((r < 2.5) | ((r >= 3.5) & (r <= 5.0)))  # points stay in the two bands
    wrong = np.mean(noisy.y != (r < 2.5))
    assert 0.02 < wrong < 0.5
    assert np.array_equal(clean.y == 1, radius(clean.x) < 2.5)


def test_xor_labels_and_padding():
    ds = make_dataset("xor", seed=2)
    a = np.abs(ds.x)
    assert a.min() >= 0.3 and a.max() <= 5.3
    assert np.array_equal(ds.y, (ds.x[:, 0] * ds.x[:, 1] >= 0).astype(np.int64))
    noisy = make_dataset("xor", noise=0.5, seed=2)
    assert np.mean(noisy.y != (noisy.x[:, 0] * noisy.x[:, 1] >= 0)) > 0.02


def test_gauss_noise_sets_variance():
    for noise, variance in [(0.0, 0.5), (0.5, 4.0)]:
        ds = make_dataset("gauss", n_samples=20000, noise=noise, seed=5)
        blue = ds.x[ds.y == 1]
        assert np.allclose(blue.var(axis=0), variance, rtol=0.06)


def test_spiral_radii_and_symmetry():
    ds = make_dataset("spiral", n_samples=200)
    blue, orange = ds.x[ds.y == 1], ds.x[ds.y == 0]
    assert np.allclose(radius(blue), 5 * np.arange(100) / 100)
    assert np.allclose(orange, -blue)  # arm offset by π is the point reflection
    # noise moves points by at most U(-1, 1)·noise per axis
    noisy = make_dataset("spiral", n_samples=200, noise=0.4)
    shift = np.abs(noisy.x - ds.x)
    assert shift.max() <= 0.4 and shift.mean() > 0.1


def test_reg_plane_targets():
    ds = make_dataset("reg-plane", seed=3)
    assert ds.problem == "regression" and ds.n_classes == 0 and ds.y.dtype == np.float64
    assert np.allclose(ds.y, ds.x.sum(axis=1) / 10)
    assert np.abs(ds.y).max() <= 1.2
    noisy = make_dataset("reg-plane", noise=0.5, seed=3)
    assert np.abs(noisy.y - noisy.x.sum(axis=1) / 10).max() > 0.1


def test_reg_gauss_surface():
    ds = make_dataset("reg-gauss", seed=9)
    assert np.all(np.abs(ds.y) <= 1.0)
    assert np.array_equal(ds.y, playground.reg_gauss_target(ds.x))
    centres = playground.GAUSS_BUMPS[:, :2]
    assert np.allclose(playground.reg_gauss_target(centres), playground.GAUSS_BUMPS[:, 2])
    far = np.array([[-6.0, 0.0], [6.0, 0.0]])  # more than 2 from every bump
    assert np.array_equal(playground.reg_gauss_target(far), [0.0, 0.0])
    half = playground.reg_gauss_target(np.array([[-4.0, 3.5]]))  # 1 from the (+) bump
    assert half[0] == pytest.approx(0.5)


def test_odd_count_gives_first_group_the_extra_point():
    ds = make_dataset("circle", n_samples=5)
    assert np.bincount(ds.y).tolist() == [2, 3]


def test_registry_entries():
    assert set(PLAYGROUND) <= set(DATASETS)
    for name, spec in DATASETS.items():
        assert spec.name == name
        assert spec.problem in ("classification", "regression")
        ds = make_dataset(name, n_samples=12)
        assert ds.problem == spec.problem
        assert ds.x.shape[1] == spec.n_features
    assert DATASETS["spirals"].params == {"k": 3}
    assert DATASETS["sequence"].n_samples == 2000


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "circles"}, "dataset"),
        ({"name": "circle", "noise": 0.81}, "noise"),
        ({"name": "circle", "noise": -0.1}, "noise"),
        ({"name": "circle", "noise": float("nan")}, "noise"),
        ({"name": "circle", "n_samples": 0}, "n_samples"),
        ({"name": "circle", "n_samples": 100_001}, "n_samples"),
        ({"name": "circle", "n_samples": 2.5}, "n_samples"),
        ({"name": "circle", "n_samples": True}, "n_samples"),
        ({"name": "circle", "seed": -1}, "seed"),
        ({"name": "circle", "k": 3}, "params"),
        ({"name": "spirals", "k": 2}, "k"),
    ],
)
def test_make_dataset_errors_name_the_field(kwargs, field):
    with pytest.raises(ConfigError) as e:
        make_dataset(**kwargs)
    assert e.value.field == field


def test_unknown_name_lists_the_names():
    with pytest.raises(ConfigError, match="'reg-plane'"):
        make_dataset("plane")


def test_noise_limits_are_inclusive():
    assert len(make_dataset("xor", n_samples=10, noise=0.8)) == 10
    assert len(make_dataset("xor", n_samples=100_000)) == 100_000
