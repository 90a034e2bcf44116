"""A Config naming a recurrent architecture: validated, round-tripped, built by the Session,
saved and loaded by the run folder, trained by ``depthlens train --model gru``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depthlens.errors import ConfigError, DataError
from depthlens.experiment.config import MODELS, Config
from depthlens.experiment.run import load_run, save_run
from depthlens.experiment.session import Session
from depthlens.nn.network import MLP
from depthlens.nn.recurrent import RecurrentNet


def small(**changes) -> Config:
    base = dict(dataset="sequence", n_samples=240, dataset_params={"n_series": 24},
                train_ratio=0.75, model="gru", layers=(6,), optimizer="adam", lr=0.01,
                batch_size=16, epochs=2, clip_norm=1.0, seed=3)
    return Config(**{**base, **changes})


def test_the_model_field_round_trips():
    c = small(model="GRU")
    assert c.model == "gru" and c.recurrent and c.clip_norm == 1.0
    assert Config.from_dict(c.to_dict()) == c
    assert Config.from_json(c.to_json()) == c
    assert Config.from_query(c.to_query()) == c
    assert "model=gru" in c.to_query() and "clip_norm=1.0" in c.to_query()
    assert Config().model == "mlp" and not Config().recurrent and Config().clip_norm is None
    assert MODELS == ("mlp", "elman", "gru", "lstm")


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"model": "transformer"}, "model", ["'mlp', 'elman', 'gru', 'lstm'"]),
    ({"model": 3}, "model", ["gru"]),
    ({"layers": (8, 4)}, "layers", ["one size"]),
    ({"layers": ()}, "layers", ["one or more"]),
    ({"activation": "relu"}, "activation", ["tanh", "'gru'"]),
    ({"model": "elman", "activation": "sigmoid"}, "activation", ["tanh or relu"]),
    ({"pretrain": "autoencoder"}, "pretrain", ["'none'"]),
    ({"clip_norm": 0}, "clip_norm", ["(0.0"]),
    ({"clip_norm": "big"}, "clip_norm", ["a number"]),
])
def test_bad_values_name_the_field_the_value_and_what_is_allowed(changes, field, words):
    with pytest.raises(ConfigError) as err:
        small(**changes)
    assert err.value.field == field
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_an_elman_relu_and_stacked_layers_are_allowed():
    c = small(model="elman", activation="relu", layers=(5, 5))
    s = Session(c)
    assert isinstance(s.net, RecurrentNet)
    assert (s.net.cell, s.net.activation, s.net.n_layers, s.net.hidden) == ("elman", "relu",
                                                                           2, 5)


def test_the_session_reads_each_window_as_a_sequence():
    s = Session(small())
    net = s.net
    assert isinstance(net, RecurrentNet) and net.cell == "gru"
    assert net.sizes == (1, 6, 48) and s.sizes == [1, 6, 48]
    assert s.trainer.x.shape == (180, 39, 1) and s.trainer.x_test.shape == (60, 39, 1)
    assert s.trainer.clip_norm == 1.0
    np.testing.assert_array_equal(s.trainer.x[:, :, 0], s.x_train.astype(np.float32))
    s.run(2)
    assert s.epoch == 2
    x = np.asarray(s.test_data.x[:4])
    np.testing.assert_array_equal(s.predict(x), net.forward(s.transform(x)[:, :, None]))
    # the same Config gives the same numbers
    twin = Session(small())
    twin.run(2)
    np.testing.assert_array_equal(twin.net.params, net.params)


def test_an_mlp_config_still_builds_an_mlp():
    s = Session(small(model="mlp", layers=(4, 2), clip_norm=None))
    assert isinstance(s.net, MLP) and s.trainer.x.shape == (180, 39)


def test_the_run_folder_saves_and_loads_it(tmp_path):
    s = Session(small())
    s.run(1)
    save_run(s, tmp_path / "run")
    spec = json.loads((tmp_path / "run" / "model.json").read_text())
    assert spec["kind"] == "recurrent" and spec["cell"] == "gru" and spec["hidden"] == 6
    loaded = load_run(tmp_path / "run")
    assert isinstance(loaded.net, RecurrentNet) and loaded.config == s.config
    np.testing.assert_array_equal(loaded.net.params, s.net.params)
    x = np.asarray(s.test_data.x)
    np.testing.assert_array_equal(loaded.predict(x), s.predict(x))
    # training resumes exactly
    s.train_epoch()
    loaded.train_epoch()
    np.testing.assert_array_equal(loaded.net.params, s.net.params)


def test_a_run_whose_model_is_not_the_configs_cell_is_refused(tmp_path):
    s = Session(small())
    save_run(s, tmp_path / "run")
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    cfg["model"] = "elman"  # the same sizes, another cell
    (tmp_path / "run" / "config.json").write_text(json.dumps(cfg))
    (tmp_path / "run" / "manifest.json").unlink()  # an edited folder, loaded on purpose
    with pytest.raises(DataError) as err:
        load_run(tmp_path / "run")
    assert "model.json" in str(err.value) and err.value.field == "kind"
    assert "'gru' does not match the config's 'elman'" in str(err.value)
    mlp_run = Session(small(model="mlp", layers=(6,), clip_norm=None))
    save_run(mlp_run, tmp_path / "mlp")
    (tmp_path / "mlp" / "config.json").write_text(
        json.dumps({**json.loads((tmp_path / "mlp" / "config.json").read_text()),
                    "model": "gru"}))
    (tmp_path / "mlp" / "manifest.json").unlink()
    with pytest.raises(DataError) as err:
        load_run(tmp_path / "mlp")
    assert err.value.field == "sizes"  # an MLP 39 → 6 → 48 is not a GRU 1 → 6 → 48


def test_depthlens_train_model_gru(tmp_path, capsys):
    from depthlens import cli

    out = tmp_path / "run"
    status = cli.main(["train", "--dataset", "sequence", "--n-samples", "200", "--set",
                       "dataset.n_series=20", "--train-ratio", "0.75", "--model", "gru",
                       "--layers", "5", "--optimizer", "adam", "--lr", "0.01", "--batch-size",
                       "16", "--epochs", "2", "--clip-norm", "1", "--quiet", "--out", str(out)])
    assert status == 0
    assert "RecurrentNet(gru" in capsys.readouterr().out
    s = load_run(out)
    assert s.config.model == "gru" and s.config.clip_norm == 1.0 and s.epoch == 2
    assert isinstance(s.net, RecurrentNet) and s.net.hidden == 5
    assert (out / "picture.png").read_bytes()[:4] == b"\x89PNG"
