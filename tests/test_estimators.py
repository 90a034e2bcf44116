"""MLPClassifier / MLPRegressor: the scikit-learn estimator API on the depthlens engine."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_moons
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from depthlens.errors import ConfigError
from depthlens.estimators import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def moons():
    return make_moons(300, noise=0.15, random_state=0)


@pytest.fixture(scope="module")
def moons_model(moons):
    x, y = moons
    return MLPClassifier(hidden_layer_sizes=(16, 16), learning_rate=0.01, max_epochs=150).fit(x, y)


def test_classifier_learns_the_moons(moons, moons_model):
    x, y = moons
    assert moons_model.score(x, y) >= 0.95
    assert list(moons_model.classes_) == [0, 1]
    assert moons_model.n_features_in_ == 2
    assert moons_model.n_iter_ == 150
    assert len(moons_model.loss_curve_) == 150
    assert moons_model.loss_curve_[-1] < moons_model.loss_curve_[0] / 5


def test_two_classes_use_one_sigmoid_output_with_bce(moons_model):
    assert list(moons_model.network_.sizes) == [2, 16, 16, 1]
    assert moons_model.network_.head.loss == "bce"


def test_predict_proba_rows_sum_to_one_and_agree_with_predict(moons, moons_model):
    x, _ = moons
    p = moons_model.predict_proba(x)
    assert p.shape == (len(x), 2)
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(moons_model.classes_[p.argmax(axis=1)], moons_model.predict(x))


def test_coefs_have_scikit_learns_in_by_out_layout(moons_model):
    shapes = [c.shape for c in moons_model.coefs_]
    assert shapes == [(2, 16), (16, 16), (16, 1)]
    assert [b.shape for b in moons_model.intercepts_] == [(16,), (16,), (1,)]
    np.testing.assert_array_equal(moons_model.coefs_[0], moons_model.network_.weights[0].T)
    coefs_after = moons_model.coefs_[0]
    coefs_after += 1.0  # a copy: changing it does not change the network
    assert not np.array_equal(coefs_after, moons_model.network_.weights[0].T)


def test_string_labels_round_trip_through_predict(moons):
    x, y = moons
    labels = np.where(y == 1, "blue", "orange")
    m = MLPClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, max_epochs=80).fit(x, labels)
    assert list(m.classes_) == ["blue", "orange"]
    pred = m.predict(x)
    assert pred.dtype.kind == "U"
    assert set(pred) <= {"blue", "orange"}
    assert m.score(x, labels) >= 0.85


def test_multi_class_on_iris():
    x, y = load_iris(return_X_y=True)
    m = MLPClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, max_epochs=200).fit(x, y)
    assert m.score(x, y) >= 0.9
    assert m.network_.sizes[-1] == 3
    assert m.network_.head.output == "softmax"
    p = m.predict_proba(x)
    assert p.shape == (150, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)


def test_fit_is_deterministic_for_a_random_state(moons):
    x, y = moons
    a = MLPClassifier(hidden_layer_sizes=(8,), max_epochs=5, random_state=3).fit(x, y)
    b = MLPClassifier(hidden_layer_sizes=(8,), max_epochs=5, random_state=3).fit(x, y)
    c = MLPClassifier(hidden_layer_sizes=(8,), max_epochs=5, random_state=4).fit(x, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_refit_starts_from_scratch(moons):
    x, y = moons
    m = MLPClassifier(hidden_layer_sizes=(8,), max_epochs=3)
    first = m.fit(x, y).coefs_[0].copy()
    assert m.fit(x[:, :1], y).n_features_in_ == 1  # a new shape is fine on refit
    np.testing.assert_array_equal(m.fit(x, y).coefs_[0], first)
    assert m.n_iter_ == 3


def test_regressor_fits_a_smooth_function():
    x = np.linspace(-3, 3, 300)[:, None]
    y = np.sin(x[:, 0]) + 0.3 * x[:, 0]
    m = MLPRegressor(hidden_layer_sizes=(32, 32), activation="tanh", learning_rate=0.01,
                     max_epochs=200).fit(x, y)
    assert m.score(x, y) >= 0.9
    pred = m.predict(x)
    assert pred.shape == (300,)
    assert m.network_.head.output == "linear"


def test_regressor_refuses_a_one_dimensional_x_and_takes_a_column():
    # Changed by issue #14: a 1-D X is refused as scikit-learn refuses it (one feature or one
    # sample is ambiguous), so X must be a column.
    x = np.linspace(0, 1, 50)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        MLPRegressor(hidden_layer_sizes=(4,), max_epochs=2).fit(x, 2 * x)
    m = MLPRegressor(hidden_layer_sizes=(4,), max_epochs=2).fit(x[:, None], 2 * x)
    assert m.n_features_in_ == 1
    assert m.predict(x[:, None]).shape == (50,)


def test_multi_output_regression_shapes():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (120, 3))
    y = np.column_stack([x[:, 0] + x[:, 1], x[:, 2] * 2.0])
    m = MLPRegressor(hidden_layer_sizes=(16,), learning_rate=0.02, max_epochs=150).fit(x, y)
    assert m.predict(x).shape == (120, 2)
    assert [c.shape for c in m.coefs_] == [(3, 16), (16, 2)]
    assert m.score(x, y) >= 0.8


def test_partial_fit_trains_one_epoch_per_call_and_lowers_the_loss(moons):
    x, y = moons
    m = MLPClassifier(hidden_layer_sizes=(16,), learning_rate=0.01)
    for k in range(1, 31):
        m.partial_fit(x, y, classes=[0, 1])
        assert m.n_iter_ == k
    assert len(m.loss_curve_) == 30
    assert m.loss_curve_[-1] < 0.6 * m.loss_curve_[0]
    assert m.score(x, y) >= 0.85


def test_partial_fit_on_new_batches_keeps_learning():
    x = np.linspace(-2, 2, 200)[:, None]
    y = 1.5 * x[:, 0]
    m = MLPRegressor(hidden_layer_sizes=(8,), learning_rate=0.02, batch_size=20)
    for k in range(40):
        part = slice((k % 4) * 50, (k % 4 + 1) * 50)
        m.partial_fit(x[part], y[part])
    assert m.n_iter_ == 40
    assert m.score(x, y) >= 0.9


def test_partial_fit_rejects_a_class_it_was_not_told_about(moons):
    x, y = moons
    m = MLPClassifier(hidden_layer_sizes=(4,)).partial_fit(x, y, classes=[0, 1])
    with pytest.raises(ConfigError) as info:
        m.partial_fit(x[:3], np.array([0, 1, 2]))
    assert info.value.field == "y"
    assert "2" in str(info.value)
    assert m.n_iter_ == 1


def test_get_params_lists_every_constructor_argument_and_set_params_changes_them():
    m = MLPClassifier(hidden_layer_sizes=(5,), learning_rate=0.1)
    params = m.get_params()
    assert params["hidden_layer_sizes"] == (5,)
    assert params["learning_rate"] == 0.1
    assert {"activation", "optimizer", "batch_size", "max_epochs", "random_state"} <= set(params)
    assert m.set_params(max_epochs=7, activation="tanh") is m
    assert m.get_params()["max_epochs"] == 7 and m.activation == "tanh"
    with pytest.raises(ValueError, match="Invalid parameter 'hidden_layers'"):
        m.set_params(hidden_layers=3)  # scikit-learn's own set_params (issue #14)


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(moons_model):
    copy = clone(moons_model)
    assert copy.get_params() == moons_model.get_params()
    assert not hasattr(copy, "network_")
    assert "hidden_layer_sizes=(16, 16)" in repr(copy)


def test_predict_before_fit_raises_not_fitted_error():
    x = np.zeros((2, 2))
    for call in (MLPClassifier().predict, MLPClassifier().predict_proba, MLPRegressor().predict):
        with pytest.raises(NotFittedError, match="not fitted yet"):  # issue #14: sklearn's
            call(x)


def test_wrong_feature_count_raises_scikit_learns_error(moons_model):
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 2"):
        moons_model.predict(np.zeros((4, 3)))


def test_three_dimensional_x_raises_value_error():
    with pytest.raises(ValueError, match="Found array with dim 3"):
        MLPRegressor().fit(np.zeros((2, 2, 2)), np.zeros(2))


@pytest.mark.parametrize("sizes", [(0,), [-1], (4, 0), (2.5,), ("a",), (True,), "abc"])
def test_bad_hidden_layer_sizes_raise_config_error(sizes):
    x, y = np.random.default_rng(0).uniform(size=(10, 2)), np.arange(10) % 2
    with pytest.raises(ConfigError) as info:
        MLPClassifier(hidden_layer_sizes=sizes).fit(x, y)
    assert info.value.field == "hidden_layer_sizes"


@pytest.mark.parametrize(("params", "field"), [
    ({"max_epochs": -1}, "max_epochs"),
    ({"max_epochs": 2.5}, "max_epochs"),
    ({"max_epochs": "many"}, "max_epochs"),
    ({"activation": "foo"}, "activation"),
    ({"optimizer": "adamm"}, "optimizer"),
    ({"batch_size": 0}, "batch_size"),
])
def test_bad_hyperparameters_raise_config_error_at_fit(params, field):
    x, y = np.random.default_rng(0).uniform(size=(10, 2)), np.arange(10) % 2
    m = MLPClassifier(hidden_layer_sizes=(3,), max_epochs=1).set_params(**params)
    with pytest.raises(ConfigError) as info:
        m.fit(x, y)
    assert info.value.field == field


def test_whole_number_sizes_of_any_type_are_accepted():
    x, y = np.random.default_rng(0).uniform(size=(10, 2)), np.arange(10) % 2
    m = MLPClassifier(hidden_layer_sizes=np.array([3, 2]), max_epochs=1.0).fit(x, y)
    assert list(m.network_.sizes) == [2, 3, 2, 1]
    one = MLPClassifier(hidden_layer_sizes=4, max_epochs=1).fit(x, y)
    assert list(one.network_.sizes) == [2, 4, 1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_accuracy_is_close_to_scikit_learns_on_the_same_data():
    x, y = make_moons(400, noise=0.3, random_state=1)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.5, random_state=0)
    kw = {"hidden_layer_sizes": (32, 32), "batch_size": 32}
    ours = MLPClassifier(learning_rate=0.01, max_epochs=150, **kw).fit(x_tr, y_tr)
    theirs = SkMLPClassifier(learning_rate_init=0.01, max_iter=150, random_state=0,
                             **kw).fit(x_tr, y_tr)
    assert ours.score(x_te, y_te) >= theirs.score(x_te, y_te) - 0.05
    assert ours.score(x_tr, y_tr) >= theirs.score(x_tr, y_tr) - 0.05


def test_a_bad_learning_rate_is_named_as_the_estimator_parameter():
    from depthlens import ConfigError, MLPClassifier

    with pytest.raises(ConfigError) as err:
        MLPClassifier((4,), learning_rate=-1.0).fit(np.zeros((4, 2)), [0, 1, 0, 1])
    assert err.value.field == "learning_rate"


def test_network_and_session_display_in_notebooks():
    from depthlens import Config, Session

    s = Session(Config(epochs=2))
    s.run()
    html = s.net._repr_html_()
    assert "MLP 2 → 4 → 2 → 1" in html and "<table>" in html and "25 parameters" in html
    png = s._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
