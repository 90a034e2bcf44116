"""The 1-D sets: line-sign, odd-even, line-fn."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.data import make_dataset
from depthlens.errors import ConfigError


def test_line_sign_classes_and_zero_band():
    ds = make_dataset("line-sign", n_samples=600, seed=1)
    x = ds.x[:, 0]
    assert ds.feature_names == ("x1",) and ds.x.shape == (600, 1)
    assert ds.class_names == ("negative", "zero", "positive")
    assert np.bincount(ds.y).tolist() == [200, 200, 200]
    assert np.array_equal(ds.y, np.where(x < -0.5, 0, np.where(x > 0.5, 2, 1)))
    assert np.abs(x[ds.y == 1]).max() <= 0.5
    assert x.min() >= -6 and x.max() <= 6


def test_line_sign_band_parameter_and_noise():
    ds = make_dataset("line-sign", band=1.5, seed=2)
    assert np.abs(ds.x[ds.y == 1, 0]).max() <= 1.5
    assert np.abs(ds.x[ds.y == 1, 0]).max() > 1.0
    noisy = make_dataset("line-sign", noise=0.5, seed=2)
    x = noisy.x[:, 0]
    clean = np.where(x < -0.5, 0, np.where(x > 0.5, 2, 1))
    assert 0.02 < np.mean(noisy.y != clean) < 0.3
    with pytest.raises(ConfigError) as e:
        make_dataset("line-sign", band=0.0)
    assert e.value.field == "band"


def test_odd_even():
    ds = make_dataset("odd-even", n_samples=2000, seed=3)
    x = ds.x[:, 0]
    assert np.array_equal(x, np.round(x))
    assert x.min() == -20 and x.max() == 20
    assert np.array_equal(ds.y, np.mod(x, 2).astype(np.int64))
    assert ds.class_names == ("even", "odd")
    noisy = make_dataset("odd-even", n_samples=4000, noise=0.5, seed=3)
    wrong = np.mean(noisy.y != np.mod(noisy.x[:, 0], 2))
    assert 0.2 < wrong < 0.3  # half the redrawn labels (p = 0.5) are wrong


@pytest.mark.parametrize(
    ("fn", "f"),
    [
        ("sin", np.sin),
        ("abs", lambda x: np.abs(x) / 3 - 1),
        ("cubic", lambda x: (x / 6) ** 3),
        ("step", lambda x: np.where(x >= 0, 1.0, -1.0)),
    ],
)
def test_line_fn(fn, f):
    ds = make_dataset("line-fn", fn=fn, seed=4)
    assert ds.problem == "regression" and ds.y.shape == (1200,)
    assert np.allclose(ds.y, f(ds.x[:, 0]))
    assert np.all(np.abs(ds.y) <= 1.0)


def test_line_fn_default_noise_and_bad_fn():
    ds = make_dataset("line-fn", n_samples=5000, noise=0.2, seed=5)
    assert np.std(ds.y - np.sin(ds.x[:, 0])) == pytest.approx(0.2, rel=0.05)
    with pytest.raises(ConfigError) as e:
        make_dataset("line-fn", fn="tan")
    assert e.value.field == "fn" and "'cubic'" in str(e.value)
