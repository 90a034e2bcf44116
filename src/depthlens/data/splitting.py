"""Train/test splits: Playground's seeded shuffle then cut, and a split by whole groups."""

from __future__ import annotations

import math
import numbers

import numpy as np

from depthlens.data._checks import check_int
from depthlens.data.dataset import Dataset
from depthlens.errors import ConfigError, DataError


def _check_ratio(train_ratio: object) -> float:
    ok = isinstance(train_ratio, numbers.Real) and not isinstance(train_ratio, bool)
    r = float(train_ratio) if ok else math.nan  # type: ignore[arg-type]
    if not 0.0 < r < 1.0:
        raise ConfigError("train_ratio", train_ratio, "a number strictly between 0 and 1")
    return r


def split(dataset: Dataset, train_ratio: float = 0.5, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Shuffle once with a seeded permutation, then cut: the first floor(n·ratio) are train.

    As in Playground: perm = default_rng(seed).permutation(n); train = samples perm[:k],
    test = samples perm[k:], k = floor(n·train_ratio). ``train_ratio`` must lie strictly
    between 0 and 1 (Playground's slider gives 0.1..0.9); DataError if train would be empty
    (the test part never is, as k < n).
    """
    r = _check_ratio(train_ratio)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    n = dataset.n_samples
    k = math.floor(n * r)
    if k == 0:  # k < n always, as train_ratio < 1
        raise DataError(
            f"train_ratio {r:g} of {n} samples leaves the train set empty; "
            "use more samples or a larger ratio"
        )
    perm = np.random.default_rng(seed).permutation(n)
    return dataset.take(perm[:k]), dataset.take(perm[k:])


def split_groups(
    dataset: Dataset, train_ratio: float = 0.5, seed: int = 0
) -> tuple[Dataset, Dataset]:
    """Split by whole groups (e.g. whole sequences), so test groups are never seen in training.

    The G distinct group ids are shuffled with default_rng(seed).permutation(G); the first
    floor(G·train_ratio) ids go to train, the rest to test. Within each part samples keep
    their dataset order. DataError if the dataset has no groups or train would be empty.
    """
    r = _check_ratio(train_ratio)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    if dataset.groups is None:
        raise DataError(f"dataset {dataset.name!r} has no groups to split by")
    ids = np.unique(dataset.groups)
    g = len(ids)
    k = math.floor(g * r)
    if k == 0:
        raise DataError(
            f"train_ratio {r:g} of {g} groups leaves the train set empty; "
            "use more groups or a larger ratio"
        )
    train_ids = ids[np.random.default_rng(seed).permutation(g)[:k]]
    in_train = np.isin(dataset.groups, train_ids)
    return dataset.take(np.flatnonzero(in_train)), dataset.take(np.flatnonzero(~in_train))
