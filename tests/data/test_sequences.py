"""The windowed sequence regression set."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.data import make_dataset, split, split_groups
from depthlens.errors import ConfigError, DataError


def test_default_shape_and_names():
    ds = make_dataset("sequence")
    assert ds.x.shape == (2000, 39) and ds.y.shape == (2000, 48)
    assert ds.problem == "regression" and ds.n_outputs == 48
    assert ds.feature_names[0] == "t-39" and ds.feature_names[-1] == "t-1"
    assert ds.target_names[0] == "t+0" and ds.target_names[-1] == "t+47"
    assert np.bincount(ds.groups).tolist() == [50] * 40


def test_windows_slide_along_one_series():
    ds = make_dataset("sequence", n_samples=300, noise=0.1, seed=2)
    same = ds.groups[1:] == ds.groups[:-1]
    assert same.sum() == 300 - 40
    # window i+1 is window i moved one step: inputs shift and the first target enters the inputs
    assert np.array_equal(ds.x[1:][same, :-1], ds.x[:-1][same, 1:])
    assert np.array_equal(ds.x[1:][same, -1], ds.y[:-1][same, 0])
    assert np.array_equal(ds.y[1:][same, :-1], ds.y[:-1][same, 1:])


def test_series_are_bounded_and_differ():
    ds = make_dataset("sequence", n_samples=400, seed=3)
    assert np.abs(ds.x).max() <= 5 and np.abs(ds.y).max() <= 5
    first = [ds.x[ds.groups == g][0] for g in range(10)]
    assert len({tuple(np.round(f, 6)) for f in first}) == 10


def test_noise_adds_gaussian_noise():
    clean = make_dataset("sequence", n_samples=100, n_series=1, seed=4)
    noisy = make_dataset("sequence", n_samples=100, n_series=1, noise=0.3, seed=4)
    # same series parameters, then noise: the difference is the noise
    assert np.std(noisy.y - clean.y) == pytest.approx(0.3, rel=0.15)


def test_parameters():
    ds = make_dataset("sequence", n_samples=50, n_in=5, n_out=2, n_series=3)
    assert ds.x.shape == (50, 5) and ds.y.shape == (50, 2)
    assert ds.feature_names == ("t-5", "t-4", "t-3", "t-2", "t-1")
    assert np.bincount(ds.groups).tolist() == [17, 17, 16]
    few = make_dataset("sequence", n_samples=4, n_series=10)
    assert few.groups.tolist() == [0, 1, 2, 3]
    for key, value in [("n_in", 0), ("n_out", 1001), ("n_series", 0)]:
        with pytest.raises(ConfigError) as e:
            make_dataset("sequence", **{key: value})
        assert e.value.field == key


def test_split_groups_holds_out_whole_series():
    ds = make_dataset("sequence", n_samples=500, seed=1)
    train, test = split_groups(ds, 0.7, seed=5)
    assert len(np.unique(train.groups)) == 28 and len(np.unique(test.groups)) == 12
    assert not set(train.groups) & set(test.groups)
    assert len(train) + len(test) == 500
    again, _ = split_groups(ds, 0.7, seed=5)
    assert np.array_equal(again.x, train.x)
    with pytest.raises(DataError):
        split_groups(ds, 0.02)  # floor(40 · 0.02) = 0 training series
    with pytest.raises(DataError, match="no groups"):
        split_groups(make_dataset("circle"), 0.5)
    # the plain split mixes windows of one series into both parts
    a, b = split(ds, 0.5, seed=0)
    assert set(a.groups) & set(b.groups)
