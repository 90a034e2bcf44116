"""Session: a run is a pure function of its Config; data, heads, features and preprocessing."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import numpy as np
import pytest

from depthlens.errors import ConfigError
from depthlens.experiment import Config, Session

SMALL = {"n_samples": 120, "epochs": 3}


def _history_rows(session: Session) -> dict[str, list]:
    h = session.history
    return {c: list(getattr(h, c)) for c in h.COLUMNS}


def test_same_config_gives_identical_history_and_weights():
    config = Config(dataset="xor", noise=0.2, optimizer="adam", lr=0.01, seed=3, **SMALL)
    a, b = Session(config), Session(config)
    a.run()
    b.run()
    assert len(a.history) == 3
    assert _history_rows(a) == _history_rows(b)
    np.testing.assert_array_equal(a.net.params, b.net.params)


def test_a_different_seed_gives_different_data_and_weights():
    a, b = Session(Config(seed=0, **SMALL)), Session(Config(seed=1, **SMALL))
    assert not np.array_equal(a.dataset.x, b.dataset.x)
    assert not np.array_equal(a.net.params, b.net.params)


def test_changing_batch_size_keeps_the_data_split_and_initial_weights():
    a = Session(Config(batch_size=10, **SMALL))
    b = Session(Config(batch_size="all", **SMALL))
    np.testing.assert_array_equal(a.dataset.x, b.dataset.x)
    np.testing.assert_array_equal(a.train_data.x, b.train_data.x)
    np.testing.assert_array_equal(a.test_data.y, b.test_data.y)
    np.testing.assert_array_equal(a.net.params, b.net.params)
    a.run(1)
    b.run(1)
    assert a.trainer.steps_done == 6  # 60 training points in batches of 10
    assert b.trainer.steps_done == 1


def test_changing_lr_or_optimizer_keeps_the_initial_weights():
    a = Session(Config(**SMALL))
    b = Session(Config(optimizer="adam", lr=0.5, **SMALL))
    np.testing.assert_array_equal(a.net.params, b.net.params)


def test_reset_restores_the_initial_weights_and_clears_the_history():
    s = Session(Config(**SMALL))
    initial = s.net.params.copy()
    s.run()
    assert not np.array_equal(s.net.params, initial)
    assert s.epoch == 3
    s.reset()
    np.testing.assert_array_equal(s.net.params, initial)
    assert s.epoch == 0
    assert len(s.history) == 0


def test_reset_then_run_repeats_the_run_exactly():
    s = Session(Config(**SMALL))
    s.run()
    first = _history_rows(s)
    s.reset()
    s.run()
    assert _history_rows(s) == first


def test_run_stops_when_the_callback_returns_false():
    s = Session(Config(**SMALL))
    rows = []
    s.run(10, callback=lambda row: rows.append(row) or len(rows) < 2)
    assert s.epoch == 2
    assert [r["epoch"] for r in rows] == [1, 2]


def test_step_trains_one_batch():
    s = Session(Config(batch_size=7, **SMALL))
    loss = s.step()
    assert np.isfinite(loss)
    assert s.trainer.steps_done == 1
    assert s.epoch == 0


@pytest.mark.parametrize(("fields", "n_outputs", "head"), [
    ({"dataset": "circle"}, 1, ("sigmoid", "bce")),
    ({"dataset": "circle", "loss": "half_mse"}, 1, ("tanh", "half_mse")),
    ({"dataset": "circle", "loss": "cross_entropy"}, 2, ("softmax", "cross_entropy")),
    ({"dataset": "spirals"}, 3, ("softmax", "cross_entropy")),
    ({"dataset": "spirals", "dataset_params": {"k": 5}}, 5, ("softmax", "cross_entropy")),
    ({"dataset": "line-sign"}, 3, ("softmax", "cross_entropy")),
    ({"dataset": "odd-even"}, 1, ("sigmoid", "bce")),
    ({"dataset": "reg-plane"}, 1, ("linear", "mse")),
    ({"dataset": "reg-gauss", "loss": "half_mse"}, 1, ("tanh", "half_mse")),
    ({"dataset": "line-fn"}, 1, ("linear", "mse")),
])
def test_outputs_and_head_follow_the_problem(fields, n_outputs, head):
    s = Session(Config(n_samples=60, **fields))
    assert s.n_outputs == n_outputs
    assert (s.output, s.loss) == head
    assert s.sizes[-1] == n_outputs
    assert s.net.sizes[-1] == n_outputs
    assert s.predict(s.dataset.x[:5]).shape == (5, n_outputs)


def test_sequence_set_predicts_48_values_and_holds_out_whole_series():
    s = Session(Config(dataset="sequence", layers=[8], n_samples=400))
    assert s.problem == "regression"
    assert s.n_outputs == 48
    assert s.sizes == [39, 8, 48]
    assert s.features is None
    train_groups, test_groups = set(s.train_data.groups), set(s.test_data.groups)
    assert train_groups and test_groups
    assert not train_groups & test_groups
    assert len(s.train_data.y) + len(s.test_data.y) == 400


def test_features_on_wide_data_raise_config_error_naming_features():
    with pytest.raises(ConfigError) as info:
        Session(Config(dataset="sequence", features=["x1", "x1^2"], n_samples=100))
    assert info.value.field == "features"
    assert "39" in str(info.value)


def test_one_dimensional_sets_use_x1_only():
    s = Session(Config(dataset="line-fn", n_samples=50))
    assert s.features == ("x1",)
    assert s.x_train.shape[1] == 1
    assert s.sizes[0] == 1
    np.testing.assert_array_equal(s.x_train[:, 0], s.train_data.x[:, 0])


def test_one_dimensional_sets_accept_functions_of_x1():
    s = Session(Config(dataset="line-fn", features=["x1", "sin(x1)", "x1^2"], n_samples=50))
    x = s.train_data.x[:, 0]
    np.testing.assert_allclose(s.x_train, np.column_stack([x, np.sin(x), x * x]))


def test_one_dimensional_sets_reject_features_of_x2():
    with pytest.raises(ConfigError) as info:
        Session(Config(dataset="line-fn", features=["x1", "x1*x2"], n_samples=50))
    assert info.value.field == "features"


def test_feature_expansion_builds_the_named_columns():
    s = Session(Config(features=["x1*x2", "x2^2", "cos(x1)"], n_samples=40))
    x1, x2 = s.train_data.x[:, 0], s.train_data.x[:, 1]
    np.testing.assert_allclose(s.x_train, np.column_stack([x1 * x2, x2**2, np.cos(x1)]))
    assert s.sizes[0] == 3


def test_standardize_is_fitted_on_the_training_set_only():
    s = Session(Config(dataset="gauss", preprocessing="standardize", noise=0.3, n_samples=200,
                       features=["x1", "x2", "x1^2"]))
    np.testing.assert_allclose(s.x_train.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(s.x_train.std(axis=0), 1.0, atol=1e-9)
    raw_train = s._expand(s.train_data.x)
    raw_test = s._expand(s.test_data.x)
    expected = (raw_test - raw_train.mean(axis=0)) / raw_train.std(axis=0)
    np.testing.assert_allclose(s.x_test, expected, rtol=1e-9, atol=1e-12)
    assert np.abs(s.x_test.mean(axis=0)).max() > 1e-3  # the test set is not re-centred


def test_transform_and_predict_apply_the_same_pipeline_as_training():
    s = Session(Config(preprocessing="minmax", features=["x1", "x2", "x1*x2"], n_samples=80))
    np.testing.assert_allclose(s.transform(s.test_data.x), s.x_test)
    np.testing.assert_allclose(s.predict(s.train_data.x), s.net.forward(s.x_train))


def test_train_ratio_sets_the_split_size():
    s = Session(Config(train_ratio=0.8, n_samples=100))
    assert len(s.train_data.y) == 80
    assert len(s.test_data.y) == 20


def test_metrics_report_loss_and_the_problems_measure():
    c = Session(Config(**SMALL))
    c.run()
    m = c.metrics()
    assert m["problem"] == "classification"
    assert m["epochs"] == 3
    assert 0.0 <= m["train_accuracy"] <= 1.0 and 0.0 <= m["test_accuracy"] <= 1.0
    assert m["train_loss"] == pytest.approx(c.history.train_loss[-1], rel=1e-6)
    r = Session(Config(dataset="reg-plane", **SMALL))
    assert {"train_r2", "test_r2", "test_loss"} <= set(r.metrics())
    assert "train_accuracy" not in r.metrics()


def test_playground_default_network_learns_the_circle():
    config = Config(loss="half_mse", output="tanh", shuffle=False, epochs=300)
    assert dataclasses.replace(config, loss=None, output=None, shuffle=True,
                               epochs=200) == Config()
    s = Session(config)
    s.run()
    m = s.metrics()
    # Reaches about 0.004 with seed 0; Playground's own demo gets below 0.1 as well.
    assert m["test_loss"] < 0.05
    assert m["test_accuracy"] >= 0.97
    assert s.history.test_loss[-1] < s.history.test_loss[0] / 10


def test_a_csv_dataset_trains(tmp_path):
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, 150), rng.uniform(-1, 1, 150)
    label = np.where(a + b > 0, "yes", "no")
    path = tmp_path / "points.csv"
    path.write_text("a,b,label\n" + "".join(f"{p:.5f},{q:.5f},{c}\n"
                                           for p, q, c in zip(a, b, label)))
    config = Config(dataset=f"csv:{path}", layers=[4], optimizer="adam", lr=0.05, epochs=40,
                    batch_size=16)
    assert config.problem is None
    s = Session(config)
    assert s.problem == "classification"
    assert s.n_outputs == 1
    s.run()
    assert s.metrics()["train_accuracy"] >= 0.9


def test_a_csv_regression_with_a_chosen_target_trains(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, 120)
    y = 0.5 * x + 0.1
    path = tmp_path / "line.csv"
    path.write_text("y,x\n" + "".join(f"{q:.6f},{p:.6f}\n" for p, q in zip(x, y)))
    s = Session(Config(dataset=f"csv:{path}", target="y", layers=[], optimizer="adam", lr=0.05,
                       epochs=60, batch_size=8))
    assert s.problem == "regression"
    assert s.sizes == [1, 1]
    s.run()
    assert s.metrics()["train_r2"] > 0.95


def test_a_dataset_passed_in_replaces_the_named_one():
    base = Session(Config(dataset="gauss", n_samples=60)).dataset
    s = Session(Config(dataset="circle", n_samples=60), dataset=base)
    assert s.dataset is base
    np.testing.assert_array_equal(np.sort(np.concatenate([s.train_data.y, s.test_data.y])),
                                  np.sort(base.y))


def test_regenerated_keeps_the_network_and_counters_and_draws_new_data():
    session = Session(Config(dataset="circle", n_samples=100))
    session.run(3)
    other = session.regenerated(7)
    np.testing.assert_array_equal(other.net.params, session.net.params)
    assert (other.epoch, other.trainer.steps_done) == (3, session.trainer.steps_done)
    assert other.config.seed == 7
    assert not np.array_equal(other.dataset.x, session.dataset.x)
    assert other.dataset.x.shape == session.dataset.x.shape


def test_adopt_network_takes_parameters_and_counters_only_of_the_same_shape():
    trained = Session(Config(dataset="xor", n_samples=80))
    trained.run(2)
    same = Session(Config(dataset="circle", n_samples=60))
    assert same.adopt_network(trained)
    np.testing.assert_array_equal(same.net.params, trained.net.params)
    assert (same.epoch, same.trainer.steps_done) == (2, trained.trainer.steps_done)
    other = Session(Config(dataset="xor", layers=(3,), n_samples=80))
    before = other.net.params.copy()
    assert not other.adopt_network(trained)
    np.testing.assert_array_equal(other.net.params, before)
    assert other.epoch == 0


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                       "adadelta", "adam", "adamw"])
def test_a_pickled_or_deep_copied_session_trains_exactly_as_the_original(optimizer):
    s = Session(Config(optimizer=optimizer, **SMALL))
    copies = [pickle.loads(pickle.dumps(s)), copy.deepcopy(s)]
    for session in (s, *copies):
        session.trainer.epoch()
    for other in copies:
        assert other.trainer.net is other.net is not s.net
        assert np.array_equal(other.net.params, s.net.params)
