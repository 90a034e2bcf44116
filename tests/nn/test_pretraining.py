"""Greedy layer-wise pre-training (nn/pretraining.py): the algorithm's contract.

The autoencoders' gradients and optimizer steps are the project's own MLP and Trainer (checked
against PyTorch elsewhere), so these tests hold what pre-training itself promises: every layer's
reconstruction loss falls, the trained encoder lands in its layer (and only there), the next
layer trains on the codes of the trained encoder, one seed gives one network, pretrain='none'
changes nothing, bad settings are refused naming the field, and the run folder keeps it all.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from depthlens.errors import ConfigError, DataError
from depthlens.experiment import Config, Session, load_run, save_run
from depthlens.nn.initializers import initialize
from depthlens.nn.network import MLP
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.pretraining import (
    MAX_PRETRAIN_EPOCHS,
    autoencoder,
    check_params,
    pretrain,
    pretrain_autoencoders,
)
from depthlens.nn.training import Trainer


def _data(n: int = 120, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


def _net(sizes=(3, 8, 6, 5, 1), activation="sigmoid", std=0.1) -> MLP:
    net = MLP(sizes, activation, loss="bce", dtype=np.float64)
    return net.initialize("gaussian", 0, std=std)


SETTINGS = {"epochs": 6, "optimizer": "adam", "lr": 0.02, "batch_size": 10}


def test_every_layers_reconstruction_loss_falls_during_its_pre_training():
    net = _net()
    result = pretrain_autoencoders(net, _data(), seed=3, **SETTINGS)
    assert result.sizes == [(3, 8), (8, 6), (6, 5)]
    assert [len(ls) for ls in result.losses] == [7, 7, 7]  # before + one per epoch
    for k, losses in enumerate(result.losses):
        assert all(math.isfinite(v) for v in losses)
        assert losses[-1] < 0.5 * losses[0], (k, losses)
    assert result.diverged == [None, None, None]


def test_the_trained_encoder_lands_in_its_layer_and_the_output_layer_keeps_its_init():
    """Layer 1 redone by hand, by the module docstring's recipe (decoder ~ U(±1/√h) from the
    seed's generator, then the trainer's seed from it): the network's W₁, b₁ after
    pre-training are exactly that trained encoder's."""
    x = _data()
    net, before = _net(), _net()
    result = pretrain_autoencoders(net, x, seed=11, **SETTINGS)
    rng = np.random.default_rng(11)
    ae = autoencoder(before, 0, initialize("torch", rng, (3, 8)))
    Trainer(ae, make_optimizer("adam", lr=0.02), x, x, problem="regression", batch_size=10,
            seed=int(rng.integers(2**32))).fit(6)
    np.testing.assert_array_equal(net.weights[0], ae.weights[0])
    np.testing.assert_array_equal(net.biases[0], ae.biases[0])
    np.testing.assert_array_equal(result.decoders[0][0], ae.weights[1])
    for k in range(3):  # every hidden layer moved, shapes kept
        assert net.weights[k].shape == before.weights[k].shape
        assert not np.array_equal(net.weights[k], before.weights[k])
    np.testing.assert_array_equal(net.weights[-1], before.weights[-1])
    np.testing.assert_array_equal(net.biases[-1], before.biases[-1])


def test_each_layer_trains_on_the_codes_of_the_trained_layers_below():
    """The last recorded loss of layer l is that of the network's own layer l with its trained
    decoder, on a^{l−1} = the network's trace through the trained layers below."""
    x = _data()
    net = _net()
    result = pretrain_autoencoders(net, x, seed=5, **SETTINGS)
    trace = net.trace(x)
    codes = [net._as_input(x), *trace.post[:-2]]
    for k in range(3):
        ae = autoencoder(net, k, result.decoders[k])
        assert ae.loss(codes[k], codes[k]) == pytest.approx(result.losses[k][-1], rel=1e-9)


def test_pre_training_is_a_function_of_its_seed():
    x = _data()
    a, b, c = _net(), _net(), _net()
    ra = pretrain_autoencoders(a, x, seed=7, **SETTINGS)
    rb = pretrain_autoencoders(b, x, seed=7, **SETTINGS)
    rc = pretrain_autoencoders(c, x, seed=8, **SETTINGS)
    np.testing.assert_array_equal(a.params, b.params)
    assert ra == rb
    assert not np.array_equal(a.params, c.params)
    assert ra.losses != rc.losses


def test_no_hidden_layers_and_pretrain_none_leave_the_network_as_it_is():
    x = _data()
    net = MLP([3, 1], loss="mse").initialize("gaussian", 0, std=0.5)
    before = net.params.copy()
    result = pretrain_autoencoders(net, x, **SETTINGS)
    assert result.losses == [] and np.array_equal(net.params, before)
    deep = _net()
    before = deep.params.copy()
    assert pretrain(deep, x, "none", {}) is None
    np.testing.assert_array_equal(deep.params, before)


def test_a_diverging_layer_keeps_finite_weights_and_says_so():
    net = MLP([2, 8, 8, 1], "relu", dtype=np.float64).initialize("gaussian", 0, std=1.0)
    result = pretrain_autoencoders(net, 3 * _data(100, 2), seed=1, epochs=3, optimizer="sgd",
                                   lr=5.0)
    assert result.diverged[0] is not None and "hidden layer 1" in result.diverged[0]
    assert np.isfinite(net.params).all()


# -- the Config and the Session ----------------------------------------------------------------
DEEP = dict(dataset="circle", n_samples=160, layers=(8, 6), activation="sigmoid",
            init="gaussian", init_params={"std": 0.05}, epochs=2, seed=4)


def test_pretrain_none_builds_todays_network_bit_for_bit():
    """The network of a Config without pre-training is the initializer's, drawn as before the
    option existed, and the Session records no pre-training."""
    cfg = Config(**DEEP)
    assert cfg.pretrain == "none" and cfg.pretrain_params == {}
    s = Session(cfg)
    today = MLP(s.sizes, cfg.activation, s.output, s.loss, cfg.dtype)
    today.initialize(cfg.init, cfg.seeds()["init"], **cfg.init_params)
    np.testing.assert_array_equal(s.net.params, today.params)
    assert s.pretraining is None


def test_the_session_pre_trains_after_the_initializer_and_again_on_reset():
    cfg = Config(**DEEP, pretrain="autoencoder", pretrain_params={"epochs": 4, "lr": 0.02})
    s = Session(cfg)
    plain = Session(Config(**DEEP))
    by_hand = plain.net.copy()
    result = pretrain_autoencoders(by_hand, plain.x_train, seed=cfg.pretrain_seed(), epochs=4,
                                   lr=0.02)
    np.testing.assert_array_equal(s.net.params, by_hand.params)
    assert s.pretraining == result
    start = s.net.params.copy()
    s.run(2)
    assert not np.array_equal(s.net.params, start)
    s.reset()
    np.testing.assert_array_equal(s.net.params, start)
    assert cfg.pretrain_seed() != cfg.replace(seed=5).pretrain_seed()
    assert cfg.replace(pretrain_params={"epochs": 4, "lr": 0.02, "seed": 9}).pretrain_seed() == 9


@pytest.mark.parametrize(("fields", "field", "allowed"), [
    ({"pretrain": "rbm"}, "pretrain", "'none', 'autoencoder'"),
    ({"pretrain": None}, "pretrain", "'none', 'autoencoder'"),
    ({"pretrain_params": {"epochs": 3}}, "pretrain_params.epochs", "pretrain is 'none'"),
    ({"pretrain": "autoencoder", "pretrain_params": []}, "pretrain_params", "an object"),
    ({"pretrain": "autoencoder", "pretrain_params": {"epochs": 0}}, "pretrain_params.epochs",
     f"[1, {MAX_PRETRAIN_EPOCHS}]"),
    ({"pretrain": "autoencoder", "pretrain_params": {"epochs": 2.5}},
     "pretrain_params.epochs", "whole number"),
    ({"pretrain": "autoencoder", "pretrain_params": {"epochs": 10**400}},
     "pretrain_params.epochs", "whole number"),
    ({"pretrain": "autoencoder", "pretrain_params": {"lr": math.inf}}, "pretrain_params.lr",
     "(0, 100]"),
    ({"pretrain": "autoencoder", "pretrain_params": {"optimizer": "lbfgs"}},
     "pretrain_params.optimizer", "'adam'"),
    ({"pretrain": "autoencoder", "pretrain_params": {"lr": math.nan}}, "pretrain_params.lr",
     "(0, 100]"),
    ({"pretrain": "autoencoder", "pretrain_params": {"lr": "0.1"}}, "pretrain_params.lr",
     "(0, 100]"),
    ({"pretrain": "autoencoder", "pretrain_params": {"batch_size": "most"}},
     "pretrain_params.batch_size", "or 'all'"),
    ({"pretrain": "autoencoder", "pretrain_params": {"seed": -1}}, "pretrain_params.seed",
     "[0, 4294967295]"),
    ({"pretrain": "autoencoder", "pretrain_params": {"optimizer": "sgd", "momentum": -1}},
     "pretrain_params.momentum", "≥ 0"),
    ({"pretrain": "autoencoder", "pretrain_params": {"optimizer": "sgd", "nesterov": "yes"}},
     "pretrain_params.nesterov", "True"),
    ({"pretrain": "autoencoder", "pretrain_params": {"betas": [0.9, 1.5]}},
     "pretrain_params.betas", "[0, 1)"),
    ({"pretrain": "autoencoder", "pretrain_params": {"momentum": 0.9}},
     "pretrain_params.momentum", "a parameter of 'adam'"),
])
def test_bad_pre_training_settings_are_refused_naming_the_field(fields, field, allowed):
    with pytest.raises(ConfigError) as err:
        Config(**fields)
    assert err.value.field == field
    assert allowed in str(err.value)


def test_the_settings_fill_their_defaults_and_take_optimizer_presets():
    assert check_params("autoencoder", {}) == {"epochs": 10, "optimizer": "adam", "lr": 0.01,
                                               "batch_size": 10}
    got = check_params("autoencoder", {"optimizer": "Momentum", "lr": 1, "batch_size": "all",
                                       "dampening": 0.5})
    assert got == {"epochs": 10, "optimizer": "momentum", "lr": 1.0, "batch_size": "all",
                   "dampening": 0.5}
    assert check_params("none", {}) == {}


# -- the run folder ----------------------------------------------------------------------------
def test_the_run_folder_records_pre_training_and_load_run_restores_the_same_network(
        tmp_path, monkeypatch):
    cfg = Config(**DEEP, pretrain="autoencoder", pretrain_params={"epochs": 3})
    s = Session(cfg)
    s.run()
    folder = save_run(s, tmp_path / "run")
    saved = json.loads((folder / "pretraining.json").read_text())
    assert saved["method"] == "autoencoder"
    assert saved["settings"] == {"epochs": 3, "optimizer": "adam", "lr": 0.01, "batch_size": 10,
                                 "seed": cfg.pretrain_seed()}
    assert [e["sizes"] for e in saved["layers"]] == [[2, 8], [8, 6]]
    assert [e["loss"] for e in saved["layers"]] == s.pretraining.losses
    assert json.loads((folder / "config.json").read_text())["pretrain"] == "autoencoder"
    import depthlens.experiment.session as session_module

    def refuse(*_a, **_k):
        raise AssertionError("load_run pre-trained again")

    monkeypatch.setattr(session_module, "pretrain", refuse)
    back = load_run(folder)
    np.testing.assert_array_equal(back.net.params, s.net.params)
    assert back.pretraining == s.pretraining
    assert back.config == cfg and back.epoch == 2


def test_a_run_without_pre_training_writes_no_pretraining_file(tmp_path):
    s = Session(Config(**DEEP))
    folder = save_run(s, tmp_path / "run")
    assert not (folder / "pretraining.json").exists()
    assert load_run(folder).pretraining is None


@pytest.mark.parametrize(("edit", "field"), [
    (lambda d: d["layers"][0].update(sizes=[2, 9]), "layers[0].sizes"),
    (lambda d: d["layers"].pop(), "layers"),
    (lambda d: d["layers"][1].update(loss=["x"]), "layers[1].loss"),
    (lambda d: d.update(method="rbm"), "method"),
])
def test_an_edited_pretraining_file_is_refused_naming_its_field(tmp_path, edit, field):
    s = Session(Config(**DEEP, pretrain="autoencoder", pretrain_params={"epochs": 1}))
    folder = save_run(s, tmp_path / "run")
    data = json.loads((folder / "pretraining.json").read_text())
    edit(data)
    (folder / "pretraining.json").write_text(json.dumps(data))
    (folder / "manifest.json").unlink()  # an edited folder loads only without its manifest
    with pytest.raises(DataError) as err:
        load_run(folder)
    assert err.value.field == field
    assert err.value.file.endswith("pretraining.json")
