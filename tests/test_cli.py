"""The ``depthlens`` command: flags → Config → run folder; errors and exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from depthlens.cli import main
from depthlens.data import DATASETS
from depthlens.experiment import Config

RUN_FILES = {"config.json", "model.json", "model.npz", "history.csv", "metrics.json",
             "picture.png", "trainer.json", "trainer.npz", "manifest.json"}


def _train(*flags: str) -> int:
    return main(["train", "--quiet", *flags])


def _saved_config(folder: Path) -> Config:
    return Config.from_json((folder / "config.json").read_text())


def _history_rows(folder: Path) -> int:
    return len((folder / "history.csv").read_text().strip().splitlines()) - 1


def test_train_with_every_flag_writes_a_run_folder_reflecting_them(tmp_path, capsys):
    out = tmp_path / "run"
    code = _train(
        "--dataset", "gauss", "--n-samples", "80", "--noise", "0.1", "--train-ratio", "0.6",
        "--features", "x1,x2,x1*x2", "--preprocessing", "standardize", "--layers", "5,3",
        "--activation", "relu,tanh", "--output", "sigmoid", "--loss", "bce", "--init", "he",
        "--dtype", "float64", "--optimizer", "sgd", "--lr", "0.05",
        "--set", "optimizer.momentum=0.9", "--regularization", "l2", "--reg-rate", "0.001",
        "--batch-size", "8", "--epochs", "3", "--no-shuffle", "--seed", "4", "--out", str(out),
    )
    assert code == 0
    assert {p.name for p in out.iterdir()} == RUN_FILES
    assert _saved_config(out) == Config(
        dataset="gauss", n_samples=80, noise=0.1, train_ratio=0.6, features=["x1", "x2", "x1*x2"],
        preprocessing="standardize", layers=[5, 3], activation=["relu", "tanh"],
        output="sigmoid", loss="bce", init="he_uniform", dtype="float64", optimizer="sgd",
        lr=0.05, optimizer_params={"momentum": 0.9}, regularization="l2", reg_rate=0.001,
        batch_size=8, epochs=3, shuffle=False, seed=4,
    )
    assert _history_rows(out) == 3
    printed = capsys.readouterr().out
    assert "MLP(3-5-3-1" in printed
    assert f"run folder: {out}" in printed


def test_config_file_values_are_overridden_by_flags(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(Config(dataset="xor", layers=[3], epochs=50, lr=0.1, n_samples=60,
                           optimizer_params={"momentum": 0.5}).to_json())
    out = tmp_path / "run"
    code = _train("--config", str(path), "--epochs", "2", "--lr", "0.2",
                  "--set", "optimizer.nesterov=true", "--shuffle", "--out", str(out))
    assert code == 0
    saved = _saved_config(out)
    assert saved == Config(dataset="xor", layers=[3], epochs=2, lr=0.2, n_samples=60,
                           optimizer_params={"momentum": 0.5, "nesterov": True})
    assert _history_rows(out) == 2


def test_pretraining_is_set_by_its_flag_and_group_and_recorded(tmp_path):
    out = tmp_path / "run"
    assert _train("--dataset", "circle", "--n-samples", "60", "--layers", "4,3",
                  "--activation", "sigmoid", "--pretrain", "autoencoder",
                  "--set", "pretrain.epochs=2", "--set", "pretrain.optimizer=sgd",
                  "--epochs", "1", "--out", str(out)) == 0
    saved = _saved_config(out)
    assert saved.pretrain == "autoencoder"
    assert saved.pretrain_params == {"epochs": 2, "optimizer": "sgd"}
    record = json.loads((out / "pretraining.json").read_text())
    assert len(record["layers"]) == 2  # one autoencoder per hidden layer


def test_batch_size_all_and_empty_layers_are_accepted(tmp_path):
    out = tmp_path / "run"
    assert _train("--batch-size", "all", "--layers", "", "--n-samples", "40", "--epochs", "2",
                  "--out", str(out)) == 0
    saved = _saved_config(out)
    assert saved.batch_size == "all"
    assert saved.layers == ()
    assert json.loads((out / "metrics.json").read_text())["steps"] == 2


def test_a_csv_dataset_with_a_target_column_trains(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, 60)
    csv = tmp_path / "data.csv"
    csv.write_text("y,x\n" + "".join(f"{2 * v:.5f},{v:.5f}\n" for v in x))
    out = tmp_path / "run"
    assert _train("--dataset", f"csv:{csv}", "--target", "y", "--epochs", "2", "--out",
                  str(out)) == 0
    saved = _saved_config(out)
    assert saved.dataset == f"csv:{csv}" and saved.target == "y"
    assert json.loads((out / "metrics.json").read_text())["problem"] == "regression"


def test_the_default_run_folder_is_named_after_the_dataset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _train("--dataset", "moons", "--n-samples", "40", "--epochs", "1") == 0
    (folder,) = (tmp_path / "runs").iterdir()
    assert re.fullmatch(r"moons-\d{8}-\d{6}", folder.name)
    assert {p.name for p in folder.iterdir()} == RUN_FILES


@pytest.mark.parametrize(("flags", "field", "value"), [
    (["--dataset", "nope"], "dataset", "'nope'"),
    (["--noise", "2"], "noise", "2.0"),
    (["--train-ratio", "0"], "train_ratio", "0.0"),
    (["--layers", "4,0"], "layers", "0"),
    (["--activation", "foo"], "activation", "'foo'"),
    (["--output", "softmax", "--loss", "mse"], "loss", "'mse'"),
    (["--init", "x"], "init", "'x'"),
    (["--optimizer", "adamm"], "optimizer", "'adamm'"),
    (["--lr", "-1"], "lr", "-1.0"),
    (["--optimizer", "adam", "--set", "optimizer.momentum=0.9"], "optimizer.momentum", "0.9"),
    (["--regularization", "l3"], "regularization", "'l3'"),
    (["--reg-rate", "-1"], "reg_rate", "-1.0"),
    (["--batch-size", "some"], "batch_size", "'some'"),
    (["--epochs", "-1"], "epochs", "-1"),
    (["--seed", "-1"], "seed", "-1"),
    (["--set", "model.depth=3"], "--set", "'model.depth=3'"),
    (["--set", "optimizer.momentum"], "--set", "'optimizer.momentum'"),
    (["--dataset", "sequence", "--features", "x1,x2,x1^2", "--n-samples", "50"], "features",
     "'x1,x2,x1^2'"),
])
def test_a_bad_value_exits_2_naming_the_field(tmp_path, capsys, flags, field, value):
    out = tmp_path / "run"
    assert _train(*flags, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"depthlens: error: {field}: {value} is not allowed; expected ")
    assert not out.exists()


def test_an_unreadable_config_file_exits_2_naming_the_flag(tmp_path, capsys):
    assert _train("--config", str(tmp_path / "missing.json")) == 2
    err = capsys.readouterr().err
    assert "--config" in err and "missing.json" in err


def test_a_value_argparse_cannot_parse_exits_2_naming_the_flag(capsys):
    with pytest.raises(SystemExit) as info:
        _train("--lr", "fast")
    assert info.value.code == 2
    assert "--lr" in capsys.readouterr().err


def test_a_diverging_run_exits_1_with_advice_and_still_writes_finite_weights(tmp_path, capsys):
    out = tmp_path / "run"
    code = _train("--dataset", "reg-plane", "--activation", "relu", "--layers", "8,8",
                  "--optimizer", "sgd", "--lr", "50", "--epochs", "20", "--out", str(out))
    assert code == 1
    err = capsys.readouterr().err
    assert "diverged" in err
    assert "learning rate" in err
    assert {p.name for p in out.iterdir()} == RUN_FILES
    with np.load(out / "model.npz", allow_pickle=False) as arrays:
        assert arrays.files
        assert all(np.isfinite(arrays[k]).all() for k in arrays.files)
    metrics = json.loads((out / "metrics.json").read_text(), parse_constant=_no_constant)
    assert metrics["problem"] == "regression"
    assert all(v is None or isinstance(v, str) or np.isfinite(v) for v in metrics.values())


def _no_constant(name: str) -> float:
    raise AssertionError(f"metrics.json holds {name}, which is not JSON")


def test_datasets_lists_every_dataset_with_its_problem(capsys):
    assert main(["datasets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(DATASETS)
    for name, line in zip(DATASETS, lines):
        assert line.split()[:2] == [name, DATASETS[name].problem]


def test_options_lists_activations_optimizers_and_more(capsys):
    assert main(["options"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert {"activations", "outputs", "losses", "initializers", "optimizers", "regularization",
            "features", "preprocessing"} <= set(rows)
    assert "swish" in rows["activations"] and "softmax" in rows["outputs"]
    assert "adamw" in rows["optimizers"] and "nesterov" in rows["optimizers"]
    assert "he_uniform(gain=" in rows["initializers"]


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage" in capsys.readouterr().err


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def test_the_installed_console_script_trains(tmp_path):
    script = Path(sys.executable).parent / "depthlens"
    out = tmp_path / "run"
    proc = subprocess.run([str(script), "train", "--epochs", "5", "--quiet", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=_env())
    assert proc.returncode == 0, proc.stderr
    assert "run folder:" in proc.stdout
    assert {p.name for p in out.iterdir()} == RUN_FILES
    assert _history_rows(out) == 5


def test_ctrl_c_saves_what_was_trained_and_exits_130(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "depthlens.cli", "train", "--epochs", "100000", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=_env())
    seen: list[str] = []
    started = threading.Event()

    def read_progress() -> None:
        # The progress bar on stderr shows 'N/100000'; wait for a finished epoch before Ctrl-C.
        buf = ""
        while chunk := proc.stderr.read(64):
            buf += chunk
            seen.append(chunk)
            if re.search(r"\b[1-9]\d*/100000\b", buf):
                started.set()
            buf = buf[-200:]

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    try:
        assert started.wait(60), "training never started: " + "".join(seen)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(5)
    stdout = proc.stdout.read()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == 130, "".join(seen)
    assert "interrupted at epoch" in "".join(seen)
    assert "run folder:" in stdout
    assert RUN_FILES <= {p.name for p in out.iterdir()}
    assert _history_rows(out) >= 1
    assert _saved_config(out).epochs == 100000


def _ten_seconds_per_epoch(monkeypatch) -> None:
    """The checkpoints' clock reads 10 s per epoch trained."""
    import depthlens.cli as cli
    from depthlens.experiment import Session

    epochs = [0]
    real = Session.train_epoch

    def train_epoch(self):
        epochs[0] += 1
        return real(self)

    monkeypatch.setattr(Session, "train_epoch", train_epoch)
    monkeypatch.setattr(cli.Checkpoints, "clock", staticmethod(lambda: 10.0 * epochs[0]))


def _count_saves(monkeypatch, on_save=None) -> list[int]:
    """Wrap run.py's folder write; return the list of epochs saved (``on_save(n)`` runs at the
    start of the n-th save)."""
    import depthlens.experiment.run as run

    saved: list[int] = []
    real = run.write_folder

    def write_folder(folder, files, keep=None):
        if on_save is not None:
            on_save(len(saved) + 1)
        saved.append(json.loads(files["metrics.json"])["epochs"])
        return real(folder, files, keep)

    monkeypatch.setattr(run, "write_folder", write_folder)
    return saved


@pytest.mark.parametrize(("every", "saves"), [("20", [2, 4, 5]), ("10", [1, 2, 3, 4, 5]),
                                              ("25", [3, 5]), ("0", [5]), ("1000", [5])])
def test_train_saves_a_checkpoint_every_n_seconds_and_at_the_end(tmp_path, monkeypatch, every,
                                                                 saves):
    _ten_seconds_per_epoch(monkeypatch)
    saved = _count_saves(monkeypatch)
    out = tmp_path / "run"
    assert _train("--epochs", "5", "--n-samples", "40", "--out", str(out),
                  "--checkpoint-every", every) == 0
    assert saved == saves  # the end is saved once, even when a checkpoint just saved it
    assert _history_rows(out) == 5


def _train_held(*flags: str) -> int:
    """``_train``, failing the test (not ending the session) if a Ctrl-C escapes."""
    try:
        return _train(*flags)
    except KeyboardInterrupt:
        pytest.fail("a Ctrl-C during a save was not held back until the save finished")


def test_a_ctrl_c_during_a_checkpoint_waits_for_it_then_stops_training(tmp_path, monkeypatch,
                                                                       capsys):
    _ten_seconds_per_epoch(monkeypatch)
    saved = _count_saves(monkeypatch, on_save=lambda n: n == 2 and os.kill(os.getpid(),
                                                                           signal.SIGINT))
    out = tmp_path / "run"
    assert _train_held("--epochs", "50", "--n-samples", "40", "--out", str(out),
                       "--checkpoint-every", "10") == 130
    assert saved == [1, 2]  # the interrupted checkpoint finished; nothing new to save after
    assert "interrupted at epoch 2" in capsys.readouterr().err
    from depthlens.experiment import load_run

    assert load_run(out).epoch == 2


def test_a_second_ctrl_c_during_the_final_save_waits_for_it_and_exits_130(tmp_path,
                                                                          monkeypatch, capsys):
    from depthlens.experiment import Session, load_run

    real_epoch = Session.train_epoch

    def train_epoch(self):
        if self.epoch == 3:
            raise KeyboardInterrupt  # the first Ctrl-C, while training
        return real_epoch(self)

    monkeypatch.setattr(Session, "train_epoch", train_epoch)
    saved = _count_saves(monkeypatch, on_save=lambda n: os.kill(os.getpid(), signal.SIGINT))
    out = tmp_path / "run"
    assert _train_held("--epochs", "50", "--n-samples", "40", "--out", str(out),
                       "--checkpoint-every", "0") == 130
    assert saved == [3]
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("depthlens: interrupted during the save; it finished first")
    assert load_run(out).epoch == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


@pytest.mark.parametrize("value", ["-1", "nan"])
def test_a_bad_checkpoint_interval_exits_2_naming_the_flag(tmp_path, capsys, value):
    assert _train("--checkpoint-every", value, "--out", str(tmp_path / "run")) == 2
    assert "--checkpoint-every" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_train_refuses_an_out_folder_holding_other_files_before_training(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert _train("--epochs", "1", "--out", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "not a run folder" in err and err.count("\n") == 1
    assert (tmp_path / "notes.txt").read_text() == "mine"
