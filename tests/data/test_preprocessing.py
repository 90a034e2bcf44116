"""Preprocessing: statistics from train only, inverses, whitening, saving as arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA as SkPCA
from sklearn.preprocessing import StandardScaler

from depthlens.data import PREPROCESSORS, make_preprocessor, preprocessor_from_arrays
from depthlens.data.preprocessing import ZCA, PCAWhiten
from depthlens.errors import ConfigError, DataError

NAMES = ["none", "center", "standardize", "minmax", "pca", "pca-whiten", "zca"]


def correlated(n: int, d: int, seed: int) -> np.ndarray:
    """Well-conditioned correlated data with a non-zero mean and distinct variances."""
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(d, d)) + 2 * np.eye(d)
    return rng.normal(size=(n, d)) * np.linspace(1, 3, d) @ mix + rng.normal(size=d) * 5


def cov0(z: np.ndarray) -> np.ndarray:
    zc = z - z.mean(axis=0)
    return zc.T @ zc / len(z)


def test_registry():
    assert sorted(PREPROCESSORS) == sorted(NAMES)
    for name in NAMES:
        assert make_preprocessor(name).name == name


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("whiten", {}, "preprocessing"),
        ("standardize", {"eps": 1e-5}, "eps"),
        ("pca", {"n_components": 0}, "n_components"),
        ("pca", {"n_components": 1.5}, "n_components"),
        ("pca-whiten", {"eps": -1.0}, "eps"),
        ("zca", {"eps": float("inf")}, "eps"),
        ("zca", {"n_components": 2}, "n_components"),
    ],
)
def test_config_errors(name, params, field):
    with pytest.raises(ConfigError) as e:
        make_preprocessor(name, **params)
    assert e.value.field == field


def test_too_many_components_at_fit():
    with pytest.raises(ConfigError) as e:
        make_preprocessor("pca", n_components=4).fit(np.zeros((10, 3)))
    assert e.value.field == "n_components"


def test_data_errors():
    p = make_preprocessor("standardize")
    with pytest.raises(DataError, match="not fitted"):
        p.transform(np.zeros((2, 2)))
    p.fit(np.ones((3, 2)))
    with pytest.raises(DataError, match="2 columns"):
        p.transform(np.zeros((2, 3)))
    with pytest.raises(DataError, match="NaN"):
        p.transform(np.array([[np.nan, 1.0]]))
    with pytest.raises(DataError):
        p.fit(np.zeros(4))


def test_standardize_matches_sklearn_including_constant_columns():
    x = correlated(50, 3, 1)
    x = np.column_stack([x, np.full(50, 7.3), np.full(50, 1e9)])
    test = correlated(20, 5, 2)
    ours = make_preprocessor("standardize").fit(x)
    sk = StandardScaler().fit(x)
    assert np.allclose(ours.scale, sk.scale_, rtol=1e-12)
    assert np.allclose(ours.transform(test), sk.transform(test), rtol=1e-10, atol=1e-10)
    assert np.array_equal(ours.scale[3:], [1.0, 1.0])


def test_statistics_come_from_train_only():
    train, test = correlated(80, 3, 3), correlated(30, 3, 4) + 10
    for name in ["center", "standardize", "minmax", "pca", "zca"]:
        p = make_preprocessor(name).fit(train)
        refit = make_preprocessor(name).fit(test)
        assert not np.allclose(p.transform(test), refit.transform(test))
    c = make_preprocessor("center").fit(train)
    assert np.allclose(c.transform(test), test - train.mean(axis=0))


def test_minmax_maps_train_range_to_minus_one_one():
    x = np.column_stack([correlated(40, 2, 5), np.full(40, 3.0)])
    z = make_preprocessor("minmax").fit_transform(x)
    assert np.allclose(z[:, :2].min(axis=0), -1) and np.allclose(z[:, :2].max(axis=0), 1)
    assert np.array_equal(z[:, 2], np.zeros(40))


def test_pca_rotates_onto_decreasing_variances():
    x = correlated(500, 4, 6)
    p = make_preprocessor("pca").fit(x)
    z = p.transform(x)
    c = cov0(z)
    assert np.allclose(c, np.diag(np.diag(c)), atol=1e-9)
    assert np.all(np.diff(np.diag(c)) < 0)
    assert np.allclose(np.diag(c), p.variances)
    assert np.allclose(p.components @ p.components.T, np.eye(4))
    sk = SkPCA().fit(x)
    assert np.allclose(np.abs(p.components), np.abs(sk.components_), atol=1e-8)
    reduced = make_preprocessor("pca", n_components=2).fit(x)
    assert reduced.transform(x).shape == (500, 2)
    assert np.allclose(reduced.transform(x), z[:, :2])


def test_pca_whiten_identity_covariance_and_sklearn_ddof():
    x = correlated(300, 3, 7)
    n = len(x)
    ours = make_preprocessor("pca-whiten", eps=0.0).fit_transform(x)
    assert np.allclose(cov0(ours), np.eye(3), atol=1e-10)
    sk = SkPCA(whiten=True).fit_transform(x)
    # sklearn divides by sqrt of the ddof-1 variance: ours = sk · sqrt(n / (n - 1))
    assert np.allclose(np.abs(ours) * np.sqrt((n - 1) / n), np.abs(sk), atol=1e-8)
    assert np.allclose(ours.var(axis=0, ddof=1) * (n - 1) / n, sk.var(axis=0, ddof=1))


def test_eps_damps_whitening():
    x = correlated(200, 3, 8) * 1e-3  # small variances, so eps = 1e-5 matters
    plain = make_preprocessor("pca-whiten", eps=0.0).fit_transform(x)
    damped = make_preprocessor("pca-whiten", eps=1e-5).fit_transform(x)
    assert np.all(damped.var(axis=0) < plain.var(axis=0) - 1e-3)


def test_zca_is_symmetric_whitening_closest_to_input():
    x = correlated(400, 4, 9)
    xc = x - x.mean(axis=0)
    zca = ZCA(eps=1e-12).fit(x)
    w = zca.whitening_matrix
    z = zca.transform(x)
    assert np.allclose(w, w.T)
    assert np.allclose(cov0(z), np.eye(4), atol=1e-8)
    pca = PCAWhiten(eps=1e-12).fit(x)
    zp = pca.transform(x)
    assert np.linalg.norm(z - xc) < np.linalg.norm(zp - xc)
    assert np.allclose(z, zp @ pca.components, atol=1e-9)  # ZCA = PCA whitening rotated back


def test_zero_variance_axis_does_not_blow_up():
    x = np.column_stack([np.arange(10.0), np.arange(10.0)])  # rank 1
    for name in ["pca-whiten", "zca"]:
        z = make_preprocessor(name, eps=0.0).fit_transform(x)
        assert np.all(np.isfinite(z))


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    n=st.integers(8, 60),
    d=st.integers(1, 5),
    seed=st.integers(0, 10_000),
)
def test_inverse_round_trip(name, n, d, seed):
    x = correlated(n, d, seed)
    p = make_preprocessor(name)
    z = p.fit_transform(x)
    test = correlated(5, d, seed + 1)
    scale = max(1.0, np.abs(x).max())
    assert np.allclose(p.inverse_transform(z), x, rtol=0, atol=1e-10 * scale)
    assert np.allclose(p.inverse_transform(p.transform(test)), test, rtol=0, atol=1e-10 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_save_and_load_as_npz_without_pickle(name, tmp_path):
    x = correlated(40, 3, 10)
    params = {"n_components": 2} if name in ("pca", "pca-whiten") else {}
    p = make_preprocessor(name, **params).fit(x)
    np.savez(tmp_path / "prep.npz", **p.to_arrays())
    with np.load(tmp_path / "prep.npz", allow_pickle=False) as f:
        q = preprocessor_from_arrays(f)
    assert type(q) is type(p) and q.params() == p.params()
    assert np.array_equal(q.transform(x), p.transform(x))


def test_from_arrays_errors():
    arrays = make_preprocessor("zca").fit(correlated(10, 2, 1)).to_arrays()
    del arrays["mean"]
    with pytest.raises(DataError, match="'mean'"):
        preprocessor_from_arrays(arrays)
    with pytest.raises(DataError, match="unknown"):
        preprocessor_from_arrays({"name": np.array("nope")})
