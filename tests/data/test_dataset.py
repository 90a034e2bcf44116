"""The Dataset record: validation, read-only arrays, take/replace."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.data import Dataset
from depthlens.errors import DataError


def make(**changes):
    fields = {
        "x": np.zeros((4, 2)),
        "y": np.array([0, 1, 1, 0]),
        "problem": "classification",
        "n_classes": 2,
        "class_names": ("orange", "blue"),
        "feature_names": ("x1", "x2"),
        "name": "t",
    }
    fields.update(changes)
    return Dataset(**fields)


def test_valid_dataset_is_read_only_copy():
    x = np.arange(8.0).reshape(4, 2)
    ds = make(x=x)
    x[0, 0] = 99
    assert ds.x[0, 0] == 0 and ds.x.dtype == np.float64 and ds.y.dtype == np.int64
    with pytest.raises(ValueError):
        ds.x[0, 0] = 1
    assert ds.n_samples == 4 and ds.n_features == 2 and ds.n_outputs == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"x": np.zeros(4)},
        {"x": np.full((4, 2), np.nan)},
        {"y": np.array([0, 1, 2, 0])},
        {"y": np.array([0, 1, 1])},
        {"y": np.array([0.5, 1, 1, 0])},
        {"class_names": ("a",)},
        {"feature_names": ("x1",)},
        {"problem": "ranking"},
        {"groups": np.zeros(3, dtype=int)},
        {"problem": "regression", "y": np.zeros(4)},  # regression with class names
    ],
)
def test_inconsistent_fields_raise(changes):
    with pytest.raises(DataError):
        make(**changes)


def test_a_non_finite_value_is_named_by_its_row():
    x = np.zeros((4, 2))
    x[2, 1] = np.inf
    with pytest.raises(DataError) as e:
        make(x=x)
    assert str(e.value) == "dataset 't': x row 2 has a value that is not a finite number " \
                           "(x[2, 1] = inf)"
    assert e.value.field == "x"
    y = np.array([0.0, 1.0, np.nan, 2.0])
    with pytest.raises(DataError) as e:
        make(y=y, problem="regression", n_classes=0, class_names=())
    assert str(e.value) == "dataset 't': target row 2 is not a finite number (nan)"
    assert e.value.field == "y"


def test_regression_shapes_and_take():
    ds = make(problem="regression", n_classes=0, class_names=(), y=np.ones((4, 3)),
              groups=np.array([0, 0, 1, 1]))  # fmt: skip
    assert ds.n_outputs == 3
    part = ds.take(np.array([3, 1]))
    assert part.groups.tolist() == [1, 0] and part.y.shape == (2, 3)
    assert part.replace(name="u").name == "u"
