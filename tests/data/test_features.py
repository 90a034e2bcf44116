"""Input features: parsing names and aliases, expanding (n, 2) and (n, 1) inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.data import FEATURES, expand_features, make_dataset, parse_features
from depthlens.data.features import FEATURES_1D, expand_dataset
from depthlens.errors import ConfigError, DataError

CANONICAL = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)", "cos(x1)", "cos(x2)"]


def test_canonical_names_in_order():
    assert list(FEATURES) == CANONICAL
    assert FEATURES_1D == ("x1", "x1^2", "sin(x1)", "cos(x1)")


def test_parse_keeps_user_order_and_accepts_aliases():
    assert parse_features("x1,x2,sin(x1)") == ["x1", "x2", "sin(x1)"]
    assert parse_features(" cosx2 , X1SQ,x1x2 ,") == ["cos(x2)", "x1^2", "x1*x2"]
    assert parse_features(["sin ( x2 )", "x1 * x2"]) == ["sin(x2)", "x1*x2"]
    plain = "x1sq,x2sq,x1x2,sinx1,sinx2,cosx1,cosx2"
    assert parse_features(plain) == CANONICAL[2:]
    playground = "x,y,xSquared,ySquared,xTimesY,sinX,sinY,cosX,cosY"
    assert parse_features(playground) == CANONICAL


@pytest.mark.parametrize("spec", ["x3", "x1,tan(x1)", "", " , ", [], "x1,x", "x1^2,x1sq"])
def test_parse_errors_name_the_field(spec):
    with pytest.raises(ConfigError) as e:
        parse_features(spec)
    assert e.value.field == "features"


def test_expand_values():
    x = np.array([[1.0, 2.0], [-3.0, 0.5]])
    out = expand_features(x, CANONICAL)
    a, b = x[:, 0], x[:, 1]
    expected = np.column_stack(
        [a, b, a * a, b * b, a * b, np.sin(a), np.sin(b), np.cos(a), np.cos(b)]
    )
    assert out.shape == (2, 9) and out.dtype == np.float64
    assert np.array_equal(out, expected)
    assert np.array_equal(expand_features(x, "x2,x1"), x[:, ::-1])


def test_one_dimensional_inputs():
    x = np.linspace(-6, 6, 7)[:, None]
    out = expand_features(x, ["x1^2", "cosx1"])
    assert np.allclose(out, np.column_stack([x[:, 0] ** 2, np.cos(x[:, 0])]))
    for name in ["x2", "x1*x2", "sin(x2)"]:
        with pytest.raises(ConfigError) as e:
            expand_features(x, ["x1", name])
        assert e.value.field == "features" and "sin(x1)" in str(e.value)


@pytest.mark.parametrize("shape", [(5,), (5, 3), (2, 2, 2)])
def test_bad_input_shape(shape):
    with pytest.raises(DataError):
        expand_features(np.zeros(shape), ["x1"])


def test_expand_dataset_renames_columns():
    ds = make_dataset("circle", n_samples=20)
    lifted = expand_dataset(ds, "x1,x2,x1sq,x2sq")
    assert lifted.feature_names == ("x1", "x2", "x1^2", "x2^2")
    assert np.array_equal(lifted.x[:, 2:], ds.x**2)
    assert np.array_equal(lifted.y, ds.y)


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.sampled_from(CANONICAL), min_size=1, max_size=9, unique=True),
    seed=st.integers(0, 1000),
)
def test_expand_columns_match_single_features(names, seed):
    x = np.random.default_rng(seed).uniform(-6, 6, (8, 2))
    out = expand_features(x, names)
    assert out.shape == (8, len(names))
    for j, name in enumerate(names):
        assert np.array_equal(out[:, j], expand_features(x, [name])[:, 0])
    assert parse_features(",".join(names)) == names
