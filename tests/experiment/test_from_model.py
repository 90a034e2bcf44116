"""Session.from_model: a network trained elsewhere, on a dataset, as a Session the lens reads."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.data import Dataset, make_dataset
from depthlens.errors import ConfigError
from depthlens.experiment import Config, Session
from depthlens.experiment.imported import from_model, network_config
from depthlens.lens import represent
from depthlens.nn.network import MLP

SMALL = {"dataset": "xor", "n_samples": 80, "layers": (4, 3), "epochs": 3, "seed": 5}


def _trained(**changes) -> Session:
    s = Session(Config(**{**SMALL, **changes}))
    s.run()
    return s


def test_a_sessions_own_network_comes_back_as_the_same_session():
    s = _trained()
    m = Session.from_model(s.net, s.dataset, Config(seed=s.config.seed))
    np.testing.assert_array_equal(m.net.params, s.net.params)
    assert m.net is not s.net and m.net.sizes == s.net.sizes
    np.testing.assert_array_equal(m.x_train, s.x_train)
    np.testing.assert_array_equal(m.train_data.x, s.train_data.x)
    np.testing.assert_array_equal(m.train_data.y, s.train_data.y)
    np.testing.assert_array_equal(m.test_data.y, s.test_data.y)
    ours, theirs = represent(m.net, m.x_train), represent(s.net, s.x_train)
    assert len(ours) == len(theirs) == 7
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    assert m.metrics()["test_accuracy"] == s.metrics()["test_accuracy"]
    assert m.config.dataset == "xor" and m.config.layers == (4, 3)


def test_the_config_is_the_networks_and_the_given_config_keeps_the_rest():
    net = MLP([2, 5, 3, 1], ["relu", "tanh"], "sigmoid", "bce", dtype="float64")
    data = make_dataset("circle", n_samples=40, seed=1)
    cfg = network_config(net, data, Config(train_ratio=0.7, seed=9, optimizer="adam",
                                           features=("x1", "x1^2"), preprocessing="standardize"))
    assert cfg.layers == (5, 3) and cfg.activation == ("relu", "tanh")
    assert (cfg.output, cfg.loss, cfg.dtype) == ("sigmoid", "bce", "float64")
    assert cfg.features == ("x1", "x2") and cfg.preprocessing == "none"
    assert (cfg.train_ratio, cfg.seed, cfg.optimizer) == (0.7, 9, "adam")
    one = network_config(MLP([2, 4, 1], "relu", "sigmoid", "bce"), data)
    assert one.activation == "relu"


def test_other_data_is_named_by_the_dataset_and_read_as_its_raw_columns():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 4)) * 10.0
    y = rng.normal(size=30)
    data = Dataset(x, y, "regression", 0, (), ("a", "b", "c", "d"), "mine")
    net = MLP([4, 3, 1], "tanh", "linear", "mse").initialize("torch", 3)
    m = from_model(net, data)
    assert m.config.dataset == "csv:mine"
    np.testing.assert_array_equal(m.x_train, m.train_data.x)
    np.testing.assert_array_equal(m.net.forward(m.x_train), net.forward(m.train_data.x))
    one = Dataset(x[:, :1], y, "regression", 0, (), ("a",), "mine")
    m1 = from_model(MLP([1, 2, 1], "tanh", "linear", "mse"), one)
    np.testing.assert_array_equal(m1.x_train, m1.train_data.x)


def test_training_goes_on_from_the_imported_weights():
    # Full-batch SGD in row order has no state: the import trains exactly as the original does.
    s = _trained(batch_size="all", shuffle=False)
    m = from_model(s.net, s.dataset, s.config)
    assert (m.epoch, m.trainer.steps_done, len(m.history)) == (0, 0, 0)
    np.testing.assert_array_equal(m.trainer.resume_state()[0]["snapshot"], s.net.params)
    s.run(2)
    m.run(2)
    np.testing.assert_allclose(m.net.params, s.net.params, rtol=1e-6, atol=1e-7)
    assert m.epoch == 2


def test_the_imported_network_is_a_copy():
    s = _trained()
    m = from_model(s.net, s.dataset, s.config)
    before = s.net.params.copy()
    m.run(1)
    np.testing.assert_array_equal(s.net.params, before)


def test_a_network_that_does_not_fit_the_data_is_refused_naming_the_mismatch():
    data = make_dataset("circle", n_samples=40, seed=1)
    with pytest.raises(ConfigError, match="the model takes 4 inputs") as e:
        from_model(MLP([4, 3, 1], "tanh", "sigmoid", "bce"), data)
    assert e.value.field == "dataset.x" and e.value.value == "2 columns"
    x = np.random.default_rng(0).normal(size=(30, 2))
    k3 = Dataset(x, np.arange(30) % 3, "classification", 3, ("a", "b", "c"), ("x1", "x2"), "k3")
    with pytest.raises(ConfigError, match="1 output unit") as e:
        from_model(MLP([2, 3, 1], "tanh", "sigmoid", "bce"), k3)
    assert e.value.field == "dataset.y" and e.value.value == "3 classes"
    reg = Dataset(x, x[:, 0], "regression", 0, (), ("x1", "x2"), "r")
    with pytest.raises(ConfigError, match="classifier") as e:
        from_model(MLP([2, 3, 1], "tanh", "sigmoid", "bce"), reg)
    assert e.value.field == "dataset.y"
    with pytest.raises(ConfigError, match="MLP") as e:
        from_model("a model", data)  # type: ignore[arg-type]
    assert e.value.field == "net"
