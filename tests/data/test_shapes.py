"""The extra 2-D shapes: moons, checkerboard, spirals, rings, two-curves, disk-annulus."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from depthlens.data import expand_features, make_dataset
from depthlens.data.generators import shapes
from depthlens.errors import ConfigError

SHAPES = ["moons", "checkerboard", "spirals", "rings", "two-curves", "disk-annulus"]


def radius(x: np.ndarray) -> np.ndarray:
    return np.linalg.norm(x, axis=1)


@pytest.mark.parametrize("name", SHAPES)
def test_fits_in_window(name):
    ds = make_dataset(name, seed=1)
    assert ds.x.shape == (500, 2)
    assert np.all(np.abs(ds.x) <= 6.0)
    assert ds.n_classes == len(ds.class_names) == int(ds.y.max()) + 1


@pytest.mark.parametrize("name", ["moons", "rings", "two-curves", "disk-annulus"])
def test_noise_is_gaussian_jitter(name):
    clean = make_dataset(name, n_samples=4000, seed=3)
    noisy = make_dataset(name, n_samples=4000, noise=0.3, seed=3)
    shift = noisy.x - clean.x
    assert np.array_equal(clean.y, noisy.y)
    assert np.allclose(shift.std(axis=0), 0.3, rtol=0.08)


def test_moons_lie_on_two_arcs():
    ds = make_dataset("moons", seed=2)
    orange, blue = ds.x[ds.y == 0], ds.x[ds.y == 1]
    assert np.allclose(radius(orange - [-1.5, -0.75]), 3.0)
    assert np.allclose(radius(blue - [1.5, 0.75]), 3.0)
    assert orange[:, 1].min() >= -0.75 and blue[:, 1].max() <= 0.75


@pytest.mark.parametrize("tiles", [2, 3, 4, 7])
def test_checkerboard_parity_and_padding(tiles):
    ds = make_dataset("checkerboard", n_samples=800, tiles=tiles, seed=tiles)
    w = 12 / tiles
    cell = np.floor((ds.x + 6) / w)
    assert np.array_equal(ds.y, (cell.sum(axis=1) % 2 == 0).astype(np.int64))
    offset = (ds.x + 6) - cell * w
    assert offset.min() >= 0.1 * w - 1e-12 and offset.max() <= 0.9 * w + 1e-12
    assert set(np.unique(cell)) == set(range(tiles))


def test_checkerboard_two_tiles_is_xor_layout():
    ds = make_dataset("checkerboard", tiles=2, seed=5)
    assert np.array_equal(ds.y, (ds.x[:, 0] * ds.x[:, 1] > 0).astype(np.int64))


def test_checkerboard_label_noise():
    ds = make_dataset("checkerboard", noise=0.5, seed=5)
    cell = np.floor((ds.x + 6) / 3)
    wrong = np.mean(ds.y != (cell.sum(axis=1) % 2 == 0))
    assert 0.05 < wrong < 0.5


@pytest.mark.parametrize("tiles", [1, 13, 2.0, "4"])
def test_checkerboard_bad_tiles(tiles):
    with pytest.raises(ConfigError) as e:
        make_dataset("checkerboard", tiles=tiles)
    assert e.value.field == "tiles"


@pytest.mark.parametrize("k", [3, 4, 7])
def test_spirals_have_k_balanced_arms(k):
    ds = make_dataset("spirals", n_samples=301, k=k)
    counts = np.bincount(ds.y, minlength=k)
    assert ds.n_classes == k and len(counts) == k
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("k", [3, 4, 7])
def test_spiral_arms_are_turned_copies(k):
    ds = make_dataset("spirals", n_samples=420, k=k)  # 420 is a multiple of 3, 4 and 7
    arms = [ds.x[ds.y == j] for j in range(k)]
    angle0 = np.arctan2(arms[0][1:, 0], arms[0][1:, 1])
    for j in range(1, k):
        assert np.allclose(radius(arms[j]), radius(arms[0]))
        turn = np.arctan2(arms[j][1:, 0], arms[j][1:, 1]) - angle0
        assert np.allclose(np.mod(turn, 2 * np.pi), 2 * np.pi * j / k)


@pytest.mark.parametrize("k", [2, 11, 0])
def test_spirals_k_limits(k):
    with pytest.raises(ConfigError) as e:
        make_dataset("spirals", k=k)
    assert e.value.field == "k"


@pytest.mark.parametrize("k", [2, 3, 5])
def test_rings_bands_and_gaps(k):
    ds = make_dataset("rings", n_samples=1000, k=k, seed=k)
    r = radius(ds.x)
    bounds = shapes.ring_bounds(k)
    assert np.bincount(ds.y).tolist() == [len(c) for c in np.array_split(np.arange(1000), k)]
    for j, (lo, hi) in enumerate(bounds):
        rj = r[ds.y == j]
        assert rj.min() >= lo and rj.max() <= hi
        if j + 1 < k:
            assert rj.max() < r[ds.y == j + 1].min()
    assert bounds[0][0] == 0.0 and bounds[-1][1] <= 5.0


def test_disk_annulus_gap():
    ds = make_dataset("disk-annulus", seed=4)
    r = radius(ds.x)
    assert r[ds.y == 1].max() <= 2.0
    assert r[ds.y == 0].min() >= 3.5 and r[ds.y == 0].max() <= 5.0
    assert not np.any((r > 2.0) & (r < 3.5))


def accuracy(x: np.ndarray, y: np.ndarray) -> float:
    return LogisticRegression(C=1e4, max_iter=5000).fit(x, y).score(x, y)


@pytest.mark.parametrize("seed", [0, 1])
def test_two_curves_need_the_sin_lift(seed):
    ds = make_dataset("two-curves", seed=seed)
    assert np.array_equal(ds.y, (ds.x[:, 1] - 3 * np.sin(ds.x[:, 0]) > 0).astype(np.int64))
    assert accuracy(ds.x, ds.y) < 0.85
    lifted = expand_features(ds.x, ["x1", "x2", "sin(x1)"])
    assert accuracy(lifted, ds.y) >= 0.97


def test_two_curves_cross_each_others_band():
    ds = make_dataset("two-curves", seed=0)
    blue, orange = ds.x[ds.y == 1], ds.x[ds.y == 0]
    # no horizontal line separates them: both classes reach above and below any level in (-1, 1)
    assert blue[:, 1].min() < -1.5 and orange[:, 1].max() > 1.5
