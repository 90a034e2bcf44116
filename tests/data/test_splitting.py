"""split: Playground's seeded shuffle-then-cut."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.data import Dataset, make_dataset, split
from depthlens.errors import ConfigError, DataError


def numbered(n: int) -> Dataset:
    """A dataset whose x identifies each row."""
    return Dataset(
        x=np.arange(n, dtype=float)[:, None],
        y=np.arange(n) % 3,
        problem="classification",
        n_classes=3,
        class_names=("a", "b", "c"),
        feature_names=("i",),
        name="numbered",
    )


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 400),
    ratio=st.floats(0.01, 0.99),
    seed=st.integers(0, 2**32),
)
def test_split_sizes_and_partition(n, ratio, seed):
    ds = numbered(n)
    k = math.floor(n * ratio)
    if k == 0:
        with pytest.raises(DataError, match="empty"):
            split(ds, ratio, seed)
        return
    train, test = split(ds, ratio, seed)
    assert len(train) == k and len(test) == n - k
    rows = np.concatenate([train.x[:, 0], test.x[:, 0]])
    assert np.array_equal(np.sort(rows), np.arange(n))
    assert np.array_equal(train.y, train.x[:, 0].astype(int) % 3)  # x and y stay paired


def test_split_is_a_seeded_permutation_then_cut():
    ds = make_dataset("xor", n_samples=100, seed=1)
    train, test = split(ds, 0.3, seed=11)
    perm = np.random.default_rng(11).permutation(100)
    assert np.array_equal(train.x, ds.x[perm[:30]])
    assert np.array_equal(test.y, ds.y[perm[30:]])
    same, _ = split(ds, 0.3, seed=11)
    other, _ = split(ds, 0.3, seed=12)
    assert np.array_equal(same.x, train.x) and not np.array_equal(other.x, train.x)


def test_split_keeps_names_and_classes():
    ds = make_dataset("spirals", n_samples=30, k=5)
    train, test = split(ds, 0.1, seed=0)
    assert len(train) == 3
    assert train.n_classes == test.n_classes == 5
    assert train.class_names == ds.class_names and test.feature_names == ("x1", "x2")
    assert train.name == "spirals"


@pytest.mark.parametrize("ratio", [0, 1, -0.1, 1.5, float("nan"), True, "0.5", None])
def test_bad_ratio(ratio):
    with pytest.raises(ConfigError) as e:
        split(numbered(10), ratio)
    assert e.value.field == "train_ratio"


def test_empty_part_is_an_error():
    with pytest.raises(DataError, match="train set empty"):
        split(numbered(5), 0.1)
    with pytest.raises(DataError, match="train set empty"):
        split(numbered(1), 0.9)
    train, test = split(numbered(2), 0.99)
    assert len(train) == len(test) == 1
