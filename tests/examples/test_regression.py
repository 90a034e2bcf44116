"""The founding example, small: the real network and pipeline on a tenth of the data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depthlens.examples import regression, run_example
from tests.examples.support import check_page, check_pictures


@pytest.fixture(scope="module")
def quick():
    return run_example("regression", quick=True)


def test_quick_run_beats_the_mean_baseline(quick):
    n = quick.numbers
    assert n["n_params"] == 39 * 1000 + 1000 + 1000 * 1000 + 1000 + 1000 * 48 + 48
    assert n["test_mse"] < n["baseline_mse"]
    assert n["mse_ratio"] == pytest.approx(n["test_mse"] / n["baseline_mse"], rel=1e-3)
    assert n["train_mse"] < n["test_mse"]  # unseen series are harder than seen ones
    assert n["epochs_done"] == 2 and not n["stopped_by_budget"]
    assert n["batch_size"] == 1 and n["steps"] == 2 * n["n_train"]  # per-sample SGD
    # whole series held out: 150 series of 10 windows, 75 % of them for training
    assert (n["n_train_series"], n["n_test_series"]) == (112, 38)
    assert n["n_train"] == 1120 and n["n_test"] == 380


def test_the_sessions_split_is_by_whole_series(quick):
    s = quick.objects["session"]
    train, test = set(np.asarray(s.train_data.groups)), set(np.asarray(s.test_data.groups))
    assert train and test and not train & test


def test_picture_and_page(quick, tmp_path):
    check_pictures(quick)
    check_page(quick)
    written = quick.write(tmp_path)
    assert sorted(written) == ["regression.json", "regression.md", "regression.png"]
    assert json.loads((tmp_path / "regression.json").read_text())["test_mse"] == \
        quick.numbers["test_mse"]
    assert "--quick" in quick.command


def test_budget_stops_training_mid_epoch():
    r = regression.run(quick=True, budget=0.0, n_samples=300, n_series=30, hidden=64)
    n = r.numbers
    assert n["stopped_by_budget"]
    assert n["steps"] == 128  # the budget is checked every 128 steps
    assert n["epochs_done"] < 1


def test_options_standardized_targets_minibatch_adam():
    r = regression.run(quick=True, budget=None, n_samples=600, n_series=60, hidden=64,
                       targets="standardize", batch_size=16, optimizer="adam", lr=0.003,
                       epochs=20, preprocessing="standardize", output_dim=47)
    n = r.numbers
    assert r.objects["target_scaler"] is not None
    assert n["test_mse"] < n["baseline_mse"]  # reported in the data's own units
    assert n["output_dim"] == 47 and n["batch_size"] == 16
    assert "--targets standardize" in r.command and "--optimizer adam" in r.command


def test_unknown_option_and_bad_output_dim():
    with pytest.raises(TypeError, match="unknown option"):
        regression.run(quick=True, colour="blue")
    from depthlens.errors import ConfigError

    with pytest.raises(ConfigError, match="output_dim"):
        regression.run(quick=True, output_dim=48, n_samples=100, n_series=10, hidden=8)
