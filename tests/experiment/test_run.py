"""The run folder: what save_run writes and what load_run rebuilds from it."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import depthlens
from depthlens.draw.figures import run_png
from depthlens.errors import DataError
from depthlens.experiment import Config, Session, load_run, save_run

FILES = {"config.json", "model.json", "model.npz", "history.csv", "metrics.json", "picture.png",
         "trainer.json", "trainer.npz", "manifest.json"}


@pytest.fixture(scope="module")
def trained() -> Session:
    s = Session(Config(dataset="xor", n_samples=120, layers=[6, 3], optimizer="adam", lr=0.02,
                       epochs=4, seed=5))
    s.run()
    return s


def test_save_run_writes_every_file_and_no_temporary_ones(trained, tmp_path):
    """depthlens.save_run (the public one) draws the picture; experiment/ does not draw."""
    folder = depthlens.save_run(trained, tmp_path / "run")
    assert folder == tmp_path / "run"
    names = {p.name for p in folder.iterdir()}
    assert names == FILES
    assert all((folder / n).stat().st_size > 0 for n in FILES)
    assert (folder / "picture.png").read_bytes() == run_png(trained)


def test_the_picture_is_passed_in_as_bytes_or_a_callable(trained, tmp_path):
    assert not (save_run(trained, tmp_path / "none") / "picture.png").exists()
    folder = save_run(trained, tmp_path / "bytes", picture=b"\x89PNG fake")
    assert (folder / "picture.png").read_bytes() == b"\x89PNG fake"
    folder = save_run(trained, tmp_path / "callable", picture=lambda s: bytes([s.epoch]))
    assert (folder / "picture.png").read_bytes() == bytes([trained.epoch])
    folder = depthlens.save_run(trained, tmp_path / "public", picture=b"given")
    assert (folder / "picture.png").read_bytes() == b"given"
    assert not (depthlens.save_run(trained, tmp_path / "off", picture=False)
                / "picture.png").exists()
    with pytest.raises(TypeError, match="draws nothing"):
        save_run(trained, tmp_path / "true", picture=True)


def test_a_session_shows_its_run_picture_in_notebooks(trained):
    assert trained._repr_png_()[:4] == b"\x89PNG"


def test_config_json_is_the_sessions_config(trained, tmp_path):
    folder = save_run(trained, tmp_path / "run", picture=False)
    assert Config.from_json((folder / "config.json").read_text()) == trained.config
    assert not (folder / "picture.png").exists()


def test_metrics_json_equals_session_metrics(trained, tmp_path):
    folder = save_run(trained, tmp_path / "run", picture=False)
    saved = json.loads((folder / "metrics.json").read_text())
    assert saved == trained.metrics()
    assert saved["epochs"] == 4


def test_history_csv_has_one_row_per_epoch_with_named_metric_columns(trained, tmp_path):
    folder = save_run(trained, tmp_path / "run", picture=False)
    with open(folder / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert {"train_loss", "test_loss", "train_accuracy", "test_accuracy"} <= set(rows[0])
    assert [float(r["train_loss"]) for r in rows] == trained.history.train_loss


def test_model_npz_holds_the_weights_as_out_by_in(trained, tmp_path):
    folder = save_run(trained, tmp_path / "run", picture=False)
    with np.load(folder / "model.npz", allow_pickle=False) as arrays:
        assert sorted(arrays.files) == ["W0", "W1", "W2", "b0", "b1", "b2"]
        assert arrays["W0"].shape == (6, 2)
        assert arrays["W2"].shape == (1, 3)
        for k, w in enumerate(trained.net.weights):
            np.testing.assert_array_equal(arrays[f"W{k}"], w)
    assert json.loads((folder / "model.json").read_text())["sizes"] == [2, 6, 3, 1]


def test_load_run_gives_identical_predictions_and_history(trained, tmp_path):
    folder = save_run(trained, tmp_path / "run", picture=False)
    loaded = load_run(folder)
    grid = np.random.default_rng(0).uniform(-6, 6, (50, 2))
    np.testing.assert_array_equal(loaded.predict(grid), trained.predict(grid))
    np.testing.assert_array_equal(loaded.net.params, trained.net.params)
    for c in trained.history.COLUMNS:
        assert getattr(loaded.history, c) == getattr(trained.history, c)
    assert loaded.epoch == trained.epoch
    assert loaded.trainer.steps_done == trained.trainer.steps_done
    assert loaded.metrics() == trained.metrics()


def test_load_run_of_a_regression_run_keeps_the_r2_columns(tmp_path):
    s = Session(Config(dataset="line-fn", n_samples=80, layers=[5], epochs=2))
    s.run()
    loaded = load_run(save_run(s, tmp_path / "reg"))
    assert loaded.history.metric == "r2"
    assert loaded.history.test_metric == s.history.test_metric
    np.testing.assert_array_equal(loaded.predict(np.linspace(-6, 6, 9)),
                                  s.predict(np.linspace(-6, 6, 9)))


def test_a_folder_without_config_json_raises_data_error(tmp_path):
    (tmp_path / "model.json").write_text("{}")
    with pytest.raises(DataError, match=r"config\.json"):
        load_run(tmp_path)


def test_a_model_that_does_not_fit_the_config_raises_data_error(trained, tmp_path):
    folder = save_run(trained, tmp_path / "run", picture=False)
    (folder / "config.json").write_text(trained.config.replace(layers=[4]).to_json())
    with pytest.raises(DataError, match=r"config\.json: does not match manifest\.json"):
        load_run(folder)
    (folder / "manifest.json").unlink()  # an edited folder loads without its manifest
    with pytest.raises(DataError, match="sizes"):
        load_run(folder)


def test_saving_again_replaces_the_files_atomically(tmp_path):
    s = Session(Config(n_samples=60, epochs=1))
    folder = tmp_path / "run"
    save_run(s, folder, picture=False)
    s.run()
    save_run(s, folder, picture=False)
    assert {p.name for p in folder.iterdir()} == FILES - {"picture.png"}
    assert json.loads((folder / "metrics.json").read_text())["epochs"] == 1
    assert not list(folder.glob(".*"))


@pytest.mark.parametrize("optimizer,batch", [("adam", 7), ("sgd", 10), ("rmsprop", "all")])
def test_a_loaded_run_trains_on_exactly_as_if_it_had_never_stopped(optimizer, batch, tmp_path):
    config = Config(dataset="spiral", layers=(6, 4), optimizer=optimizer, lr=0.01,
                    batch_size=batch, shuffle=True, n_samples=120, epochs=5)
    straight = Session(config)
    straight.run(5)
    first = Session(config)
    first.run(3)
    first.step()  # stop in the middle of an epoch
    save_run(first, tmp_path, picture=False)
    resumed = load_run(tmp_path)
    while resumed.epoch < 5:
        resumed.train_epoch()
    np.testing.assert_array_equal(resumed.net.params, straight.net.params)
    assert resumed.trainer.steps_done == straight.trainer.steps_done
    assert resumed.history.train_loss[-1] == straight.history.train_loss[-1]


def test_trainer_state_from_another_optimizer_is_refused(tmp_path):
    session = Session(Config(dataset="xor", optimizer="adam", n_samples=40, epochs=1))
    session.run(1)
    save_run(session, tmp_path, picture=False)
    config = json.loads((tmp_path / "config.json").read_text())
    config["optimizer"] = "sgd"
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(DataError, match="optimizer: 'adam' saved"):
        load_run(tmp_path)
