"""One run → its record (the sweep's schema): ok, diverged, error; target, best, curve."""

from __future__ import annotations

import json

import pytest

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.sweep.grid import Target, run_id
from depthlens.sweep.record import CURVE_POINTS, run_record, thin

KEYS = {"id", "config", "params", "status", "error", "metric", "epochs", "final", "best",
        "target", "target_epoch", "diverged_at", "probes", "curve", "n_params", "wall_seconds",
        "worker", "finished_at", "depthlens"}
TINY = Config(dataset="xor", n_samples=100, layers=(3,), epochs=5)


def _json(rec: dict) -> dict:
    return json.loads(json.dumps(rec, allow_nan=False))  # plain JSON, no NaN


def test_an_ok_record_has_the_schemas_keys_and_the_sessions_numbers():
    rec = _json(run_record(TINY, {"layers": "3", "seed": 0}))
    assert set(rec) == KEYS
    assert rec["id"] == run_id(TINY) and rec["config"] == TINY.to_dict()
    assert (rec["status"], rec["error"], rec["metric"], rec["epochs"]) == ("ok", None,
                                                                            "accuracy", 5)
    s = Session(TINY)
    s.run()
    m = s.metrics()
    assert rec["final"] == {"train_loss": m["train_loss"], "test_loss": m["test_loss"],
                            "test_metric": m["test_accuracy"]}
    assert rec["curve"]["epoch"] == [1, 2, 3, 4, 5]
    assert rec["curve"]["test_loss"] == s.history.test_loss
    i = min(range(5), key=lambda k: (s.history.test_loss[k], k))
    assert rec["best"]["test_loss"] == s.history.test_loss[i]
    assert rec["best"]["epoch_test_loss"] == i + 1
    assert rec["best"]["test_metric"] == max(s.history.test_metric)
    assert len(rec["probes"]) == 3 and all(0 <= p <= 1 for p in rec["probes"])  # in, a1, out
    assert rec["n_params"] == s.net.params.size
    assert rec["worker"] == "local" and rec["finished_at"].endswith("Z")
    assert rec["target"] is None and rec["target_epoch"] is None


def test_the_same_config_gives_the_same_numbers():
    a, b = run_record(TINY), run_record(TINY)
    assert (a["final"], a["curve"], a["probes"]) == (b["final"], b["curve"], b["probes"])


def test_the_target_epoch_is_the_first_reaching_it_and_training_goes_on():
    cfg = TINY.replace(lr=0.3, epochs=300)
    rec = run_record(cfg, target="test_metric=0.9")
    curve = rec["curve"]
    s = Session(cfg)
    s.run()
    first = next(k + 1 for k, v in enumerate(s.history.test_metric) if v >= 0.9)
    assert rec["target_epoch"] == first < 300
    assert rec["epochs"] == 300 and rec["target"] == {"metric": "test_metric", "value": 0.9}
    assert len(curve["epoch"]) == CURVE_POINTS and curve["epoch"][0] == 1
    assert curve["epoch"][-1] == 300
    loss = run_record(cfg, target=Target("test_loss", 0.0))
    assert loss["target_epoch"] is None  # never reached


def test_a_diverging_run_is_diverged_with_its_epoch_and_the_last_finite_numbers():
    rec = _json(run_record(Config(dataset="reg-plane", n_samples=100, layers=(3,), epochs=5,
                                  lr=50.0, activation="relu")))
    assert (rec["status"], rec["diverged_at"], rec["epochs"], rec["metric"]) == (
        "diverged", 1, 0, "r2")
    assert rec["final"]["train_loss"] is not None and len(rec["probes"]) == 3


def test_a_run_that_raises_is_an_error_record_never_an_exception():
    rec = _json(run_record(Config(dataset="csv:/nonexistent/x.csv", epochs=5), {"seed": 0}))
    assert rec["status"] == "error" and rec["error"].startswith("DataError: CSV file not found")
    assert "\n" not in rec["error"]
    assert rec["final"] == {"train_loss": None, "test_loss": None, "test_metric": None}
    assert rec["probes"] == [] and rec["epochs"] == 0 and rec["params"] == {"seed": 0}
    assert set(rec) == KEYS


@pytest.mark.parametrize(("n", "points"), [(0, 200), (5, 200), (200, 200), (201, 200),
                                           (10_000, 200), (7, 3)])
def test_thin_keeps_first_and_last_and_at_most_points(n, points):
    keep = thin(n, points)
    assert len(keep) == min(n, points) and keep == sorted(set(keep))
    if n:
        assert keep[0] == 0 and keep[-1] == n - 1
