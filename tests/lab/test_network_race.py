"""The race on a network: one start, one budget of gradient evaluations, determinism."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from depthlens import Config
from depthlens.errors import ConfigError
from depthlens.lab import DEFAULT_CONTENDERS, Contender, network_race
from depthlens.lab.network_race import contenders_from

CFG = Config(n_samples=100)
EPOCHS = 4


@pytest.fixture(scope="module")
def race():
    return network_race(CFG, epochs=EPOCHS)


def test_every_contender_gets_the_same_gradient_evaluations(race):
    n = race.n_train
    assert n == 50
    assert race.budget == EPOCHS * n
    for run in race.runs.values():
        assert run.diverged is None
        assert run.evaluations == [e * n for e in range(EPOCHS + 1)]
    steps = {name: run.steps[-1] for name, run in race.runs.items()}
    assert steps["sgd per-sample"] == EPOCHS * n
    assert steps["sgd mini-batch"] == EPOCHS * math.ceil(n / 10)
    assert steps["sgd full batch"] == EPOCHS
    assert steps["adam"] == EPOCHS * math.ceil(n / 10)


def test_every_contender_starts_from_the_same_weights(race):
    assert list(race.runs) == [c.name for c in DEFAULT_CONTENDERS]
    for run in race.runs.values():
        np.testing.assert_array_equal(run.path[0], race.initial)
        assert run.train_loss[0] == race.runs["adam"].train_loss[0]
        assert len(run.path) == len(run.train_loss) == EPOCHS + 1
    finals = [run.final for run in race.runs.values()]
    assert all(not np.array_equal(finals[0], f) for f in finals[1:])  # they went apart


def test_race_is_deterministic(race):
    again = network_race(CFG, epochs=EPOCHS)
    for name, run in race.runs.items():
        np.testing.assert_array_equal(run.final, again.runs[name].final)
        assert run.train_loss == again.runs[name].train_loss


def test_table_and_contender_names(race):
    rows = race.table()
    assert len(rows) == len(DEFAULT_CONTENDERS)
    assert {r["evaluations"] for r in rows} == {race.budget}
    assert {"train_accuracy", "test_accuracy"} <= set(rows[0])
    chosen = network_race(CFG, ["adam", "per-sample", "full-batch"], epochs=1)
    assert list(chosen.runs) == ["adam", "sgd per-sample", "sgd full batch"]
    with pytest.raises(ConfigError, match="optimizers"):
        contenders_from(["lbfgs"])


def test_a_diverging_contender_stops_and_says_so():
    wild = Contender("wild", "sgd", {"lr": 1e6}, 1)
    race = network_race(Config(n_samples=60, loss="mse"), [wild], epochs=3)
    run = race.runs["wild"]
    assert run.diverged is not None and "diverged" in run.diverged
    assert len(run.path) < 4


def test_curves_are_plain_lists(race):
    curves = race.curves()
    assert set(curves) == set(race.runs)
    assert curves["adam"]["evaluations"][-1] == race.budget
    json.dumps(curves)
