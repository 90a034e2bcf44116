"""MLPClassifier / MLPRegressor as scikit-learn estimators: its own checks, its tools, input
validation, sample weights and partial_fit, each against an oracle.

``parametrize_with_checks`` runs every check scikit-learn yields; the only expected failures
are those the estimator declares (``_expected_failed_checks``, with the reason).
``check_array_api_input`` runs too: tests/conftest.py sets SCIPY_ARRAY_API=1 before scipy is
imported (the estimators' tags say array_api_support=False, so it runs on numpy's namespace).
"""

from __future__ import annotations

import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from depthlens.errors import ConfigError
from depthlens.estimators import MLPClassifier, MLPRegressor
from depthlens.nn import MLP
from depthlens.nn.optimizers import make_optimizer
from tests.nn.support import weighted_batch_gradient

SMALL = {"hidden_layer_sizes": (8,), "max_epochs": 50, "learning_rate": 0.01}


@parametrize_with_checks(
    [MLPClassifier(**SMALL), MLPRegressor(**SMALL),
     MLPClassifier(**SMALL, dtype="float64"), MLPRegressor(**SMALL, dtype="float64")],
    expected_failed_checks=lambda est: est._expected_failed_checks(),
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_only_float32_declares_an_expected_failure():
    assert MLPClassifier(dtype="float64")._expected_failed_checks() == {}
    declared = MLPRegressor()._expected_failed_checks()
    assert list(declared) == ["check_sample_weight_equivalence_on_dense_data"]
    assert "float32" in declared["check_sample_weight_equivalence_on_dense_data"]


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0], [3.0, 3.0], [0.0, 3.0]])
    y = rng.integers(0, 3, 150)
    return centers[y] + rng.normal(scale=0.6, size=(150, 2)), y


# -- scikit-learn's tools --------------------------------------------------------------------

def test_pipeline_and_cross_val_score(blobs):
    x, y = blobs
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**SMALL))
    scores = cross_val_score(pipe, x, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


def test_grid_search_over_layer_sizes_and_learning_rate(blobs):
    x, y = blobs
    grid = GridSearchCV(MLPClassifier(max_epochs=20),
                        {"hidden_layer_sizes": [(2,), (16,)], "learning_rate": [1e-4, 0.03]},
                        cv=2).fit(x, y)
    assert grid.best_params_ == {"hidden_layer_sizes": (16,), "learning_rate": 0.03}
    assert grid.best_estimator_.network_.sizes == (2, 16, 3)
    assert len(grid.cv_results_["mean_test_score"]) == 4


@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_pickle_and_joblib_round_trips_predict_the_same(make, blobs, tmp_path):
    x, y = blobs
    est = make(**SMALL).fit(x, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(x), est.predict(x))
    joblib.dump(est, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib", mmap_mode="r")
    np.testing.assert_array_equal(loaded.predict(x), est.predict(x))
    loaded.partial_fit(x, y)  # read-only loaded buffers are made writable again
    est.partial_fit(x, y)
    np.testing.assert_array_equal(loaded.predict(x), est.predict(x))


def test_clone_and_repr_with_an_array_valued_parameter():
    est = MLPClassifier(hidden_layer_sizes=np.array([3, 2]), learning_rate=0.1)
    copy = clone(est)
    np.testing.assert_array_equal(copy.hidden_layer_sizes, [3, 2])
    assert "hidden_layer_sizes=array([3, 2])" in repr(est)
    assert "learning_rate=0.1" in repr(est) and "max_epochs" not in repr(est)


# -- input validation, in scikit-learn's words -------------------------------------------------

def test_not_fitted_error_before_fit():
    for call in (MLPClassifier().predict, MLPClassifier().predict_proba, MLPRegressor().predict,
                 lambda x: MLPClassifier().score(x, [0, 1])):
        with pytest.raises(NotFittedError):
            call(np.zeros((2, 2)))


def test_n_features_in_is_checked_with_scikit_learns_wording(blobs):
    x, y = blobs
    est = MLPClassifier(**SMALL).fit(x, y)
    msg = "X has 3 features, but MLPClassifier is expecting 2 features as input"
    for call in (est.predict, est.predict_proba, lambda z: est.partial_fit(z, y[:4])):
        with pytest.raises(ValueError, match=msg):
            call(np.zeros((4, 3)))


@pytest.mark.parametrize(("x", "error", "match"), [
    (np.array([[0.0, np.nan], [1.0, 2.0]]), ValueError, "Input X contains NaN"),
    (np.array([[0.0, np.inf], [1.0, 2.0]]), ValueError, "Input X contains infinity"),
    (np.array([[1 + 1j, 0], [1, 2]]), ValueError, "Complex data not supported"),
    (np.array([0.0, 1.0]), ValueError, "Expected 2D array, got 1D array"),
    (sp.csr_matrix(np.eye(2)), TypeError, "Sparse data was passed"),
])
@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_bad_x_is_refused_with_the_standard_messages(make, x, error, match):
    with pytest.raises(error, match=match):
        make(**SMALL).fit(x, [0, 1])


def test_the_classifier_refuses_continuous_y():
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MLPClassifier(**SMALL).fit(np.zeros((3, 2)), [0.5, 1.25, 2.0])


@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_a_column_y_is_warned_about_and_raveled(make, blobs):
    x, y = blobs
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        est = make(**SMALL).fit(x, y[:, None])
    assert est.predict(x).shape == (len(x),)
    np.testing.assert_array_equal(est.predict(x), make(**SMALL).fit(x, y).predict(x))


@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_y_none_is_refused(make):
    with pytest.raises(ValueError, match="requires y to be passed"):
        make(**SMALL).fit(np.zeros((3, 2)), None)


@pytest.mark.parametrize(("w", "match"), [
    ([1.0, -1.0, 1.0], "Negative values"), ([1.0, 1.0], "sample_weight.shape"),
    ([0.0, 0.0, 0.0], "(?i)sample.weight"), ([1.0, np.nan, 1.0], "NaN"),
])
def test_bad_sample_weight_is_refused(w, match):
    with pytest.raises(ValueError, match=match):
        MLPRegressor(**SMALL).fit(np.zeros((3, 2)), [0.0, 1.0, 2.0], sample_weight=w)


def test_hyperparameter_errors_still_name_the_parameter():
    with pytest.raises(ConfigError) as info:
        MLPClassifier(max_epochs=-1).fit(np.zeros((4, 2)), [0, 1, 0, 1])
    assert info.value.field == "max_epochs"


# -- sample weights: fit, partial_fit, score ---------------------------------------------------

def _hand_trained(x, t, w, sizes, *, head, batch, epochs, seed, lr, shuffle=True):
    """The oracle: an MLP initialized as the estimator's, trained by hand with Adam, each
    batch's gradient assembled from unweighted single-row gradients, Σ wᵢ ∇ℓᵢ / Σ wᵢ (or the
    plain batch gradient without weights), batches drawn as ``batches`` says."""
    net = MLP(sizes, "relu", *head, "float64")
    net.initialize("glorot_uniform", seed)
    opt = make_optimizer("adam", lr=lr)
    state = opt.init(net.params)
    rng = np.random.default_rng(seed)
    for xs, ts, ws in zip(x, t, w):
        n = xs.shape[0]
        for _ in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, batch):
                rows = order[start : start + batch]
                if ws is None:
                    net.gradient(xs[rows], ts[rows])
                else:
                    weighted_batch_gradient(net, xs, ts, ws, rows)
                opt.update(net.params, net.grads, state)
    return net


def test_weighted_fit_trains_the_weighted_mean_loss(blobs):
    x, y = blobs
    x, y = x[:40], (y[:40] == 1).astype(int)
    w = np.random.default_rng(3).uniform(0.0, 4.0, 40)
    est = MLPClassifier(hidden_layer_sizes=(5,), max_epochs=4, batch_size=7, dtype="float64",
                        learning_rate=0.02, random_state=2).fit(x, y, sample_weight=w)
    t = y[:, None].astype(float)
    net = _hand_trained([x], [t], [w], [2, 5, 1], head=(None, "bce"), batch=7, epochs=4,
                        seed=2, lr=0.02)
    np.testing.assert_allclose(est.network_.params, net.params, rtol=1e-9, atol=1e-12)
    z = net.trace(x).pre[-1]
    per_row = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    assert est.loss_curve_[-1] == pytest.approx(float(w @ per_row[:, 0] / w.sum()), rel=1e-9)


def test_integer_weights_equal_repeated_rows_in_full_batch(blobs):
    x, y = blobs
    x, y = x[:30], y[:30].astype(float)
    w = np.random.default_rng(4).integers(0, 4, 30)
    kw = {"hidden_layer_sizes": (6,), "max_epochs": 30, "batch_size": 500, "dtype": "float64",
          "learning_rate": 0.01, "shuffle": False}
    a = MLPRegressor(**kw).fit(x, y, sample_weight=w)
    b = MLPRegressor(**kw).fit(np.repeat(x, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(a.predict(x), b.predict(x), rtol=1e-9)
    assert not np.allclose(a.predict(x), MLPRegressor(**kw).fit(x, y).predict(x))


def test_score_takes_sample_weight(blobs):
    x, y = blobs
    clf = MLPClassifier(**SMALL).fit(x, y)
    w = np.random.default_rng(5).uniform(0, 1, len(y))
    hits = clf.predict(x) == y
    assert clf.score(x, y, sample_weight=w) == pytest.approx(np.average(hits, weights=w))
    assert clf.score(x, y, sample_weight=w) == accuracy_score(y, clf.predict(x), sample_weight=w)
    reg = MLPRegressor(**SMALL).fit(x, x[:, 0] - x[:, 1])
    target = x[:, 0] - x[:, 1]
    pred = reg.predict(x)
    mean = np.average(target, weights=w)
    r2 = 1 - (w @ (target - pred) ** 2) / (w @ (target - mean) ** 2)
    assert reg.score(x, target, sample_weight=w) == pytest.approx(r2, rel=1e-9)
    assert reg.score(x, target, sample_weight=w) == pytest.approx(
        r2_score(target, pred, sample_weight=w))


# -- partial_fit uses every row of every call ---------------------------------------------------

CALL_SIZES = [7, 30, 1, 13, 5, 2]


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_partial_fit_trains_every_row_of_batches_of_any_size(shuffle, weighted):
    rng = np.random.default_rng(6)
    xs = [rng.normal(size=(n, 3)) for n in CALL_SIZES]
    ys = [x @ np.array([1.0, -1.0, 0.5]) for x in xs]
    ws = [rng.uniform(0.1, 3.0, len(x)) if weighted else None for x in xs]
    est = MLPRegressor(hidden_layer_sizes=(4,), batch_size=4, dtype="float64", shuffle=shuffle,
                       learning_rate=0.01, random_state=3)
    for x, y, w in zip(xs, ys, ws):
        est.partial_fit(x, y, sample_weight=w)
    assert est.n_iter_ == len(CALL_SIZES) == len(est.loss_curve_)
    net = _hand_trained(xs, [y[:, None] for y in ys], ws, [3, 4, 1], head=(None, "mse"),
                        batch=4, epochs=1, seed=3, lr=0.01, shuffle=shuffle)
    np.testing.assert_allclose(est.network_.params, net.params, rtol=1e-9, atol=1e-12)
    loss = float(np.mean((net.forward(xs[-1])[:, 0] - ys[-1]) ** 2)) if not weighted else None
    if loss is not None:
        assert est.loss_curve_[-1] == pytest.approx(loss, rel=1e-9)


def test_classifier_partial_fit_with_auto_batches_after_a_larger_first_call(blobs):
    x, y = blobs
    est = MLPClassifier(hidden_layer_sizes=(4,), dtype="float64", random_state=1)
    est.partial_fit(x[:3], y[:3], classes=[0, 1, 2])
    est.partial_fit(x[3:], y[3:])  # 147 rows: one batch ('auto' = min(200, n)), not 3
    t = np.eye(3)[y]
    net = _hand_trained([x[:3], x[3:]], [t[:3], t[3:]], [None, None], [2, 4, 3],
                        head=(None, "cross_entropy"), batch=200, epochs=1, seed=1, lr=1e-3)
    np.testing.assert_allclose(est.network_.params, net.params, rtol=1e-9, atol=1e-12)
    with pytest.raises(ConfigError) as info:
        est.partial_fit(x[:3], y[:3], classes=[0, 1])
    assert info.value.field == "classes"


def test_partial_fit_after_fit_continues_with_the_same_network(blobs):
    x, y = blobs
    est = MLPClassifier(**SMALL).fit(x, y)
    before = est.network_
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.partial_fit(x[:10], y[:10])
    assert est.network_ is before and est.n_iter_ == SMALL["max_epochs"] + 1


def test_binary_predict_proba_is_exact_in_both_tails():
    """Both columns from the logit: p(class 0) = σ(−z) is e^−z/(1 + e^−z) even where
    1 − σ(z) rounds to 0, and p(class 1) likewise for z ≪ 0."""
    x = np.array([[-1.0], [1.0], [-2.0], [2.0]])
    clf = MLPClassifier(hidden_layer_sizes=(), max_epochs=1, dtype="float64").fit(x, [0, 1, 0, 1])
    net = clf.network_
    net.weights[0][...] = 30.0  # z = 30·x: ±30, ±60
    net.biases[0][...] = 0.0
    proba = clf.predict_proba(x)
    z = 30.0 * x[:, 0]
    small = np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z)))  # the tail probability, exact
    np.testing.assert_allclose(np.where(z > 0, proba[:, 0], proba[:, 1]), small, rtol=1e-13)
    assert proba[3, 0] > 0  # 8.8e-27, where 1 − σ(60) is 0
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
