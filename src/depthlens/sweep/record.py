"""One run of a sweep → its record (a dict of JSON types, /tmp/team/sweep/schema.md's shape).

``run_record(config, params, target)`` trains ``Session(config)`` epoch by epoch to
``config.epochs`` and never raises: a failure is a record with ``status`` "error" and the
exception's one-line message; a ``DivergenceError`` stops training with ``status``
"diverged" and ``diverged_at`` its epoch (the weights are the last finite ones, and the
final numbers and probes are theirs).

**Target rule.** Training does *not* stop at the target: ``target_epoch`` is the first epoch
whose test numbers reach it (``grid.Target.reached``) and training goes on to
``config.epochs``, so every run of a sweep is trained for the same budget and the curves,
final and best numbers compare across runs; a run is a pure function of its Config, whatever
target a sweep asks about.

Best numbers are over the epochs trained: the lowest test loss and the highest test metric,
each with the first epoch it came at. Probes: a linear probe per stage (input, each hidden
layer, output) fitted on the training split and scored on the test split
(``lens.probes.probe_stages``). The curve keeps at most ``CURVE_POINTS`` epochs, evenly
spaced, the first and last always. BLAS runs on one thread while the run trains (a worker is
one thread; two BLAS threads per worker on a busy machine only contend).
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from depthlens.errors import DivergenceError
from depthlens.experiment.config import Config
from depthlens.sweep.grid import Target, run_id

CURVE_POINTS = 200
STATUSES = ("ok", "diverged", "error")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("depthlens")
    except PackageNotFoundError:
        return "unknown"


def worker_address() -> str:
    """The Dask worker this code runs on (its address), or "local" outside a worker."""
    try:
        from distributed import get_worker
    except ImportError:
        return "local"
    try:
        return str(get_worker().address)
    except ValueError:  # "No worker found": not inside a task
        return "local"


def _num(x: Any) -> float | None:
    """A finite float, or None (JSON has no NaN)."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def thin(n: int, points: int = CURVE_POINTS) -> list[int]:
    """At most ``points`` indices of 0..n−1, evenly spaced, first and last kept."""
    if n <= points:
        return list(range(n))
    return sorted({int(i) for i in np.linspace(0, n - 1, points).round()})


def one_line(e: BaseException) -> str:
    """``"Type: message"`` on one line."""
    return f"{type(e).__name__}: {' '.join(str(e).split())}"


def _metric_name(config: Config) -> str | None:
    problem = config.problem
    return None if problem is None else ("accuracy" if problem == "classification" else "r2")


def empty_record(config: Config, params: Mapping[str, Any], target: Target | None) -> dict:
    """A record with nothing trained yet (every number null): ``run_record`` fills it in, and
    it is the record of a run that failed before training."""
    return {
        "id": run_id(config),
        "config": config.to_dict(),
        "params": dict(params),
        "status": "error",
        "error": None,
        "metric": _metric_name(config),
        "epochs": 0,
        "final": {"train_loss": None, "test_loss": None, "test_metric": None},
        "best": {"test_loss": None, "test_metric": None, "epoch_test_loss": None,
                 "epoch_test_metric": None},
        "target": None if target is None else target.to_dict(),
        "target_epoch": None,
        "diverged_at": None,
        "probes": [],
        "curve": {"epoch": [], "train_loss": [], "test_loss": [], "test_metric": []},
        "n_params": None,
        "wall_seconds": 0.0,
        "worker": worker_address(),
        "finished_at": None,
        "depthlens": _version(),
    }


def error_record(config: Config, params: Mapping[str, Any], target: Target | None,
                 error: BaseException | str, worker: str | None = None) -> dict:
    """The record of a run that could not be run (``error``: the exception or its text)."""
    rec = empty_record(config, params, target)
    rec["error"] = error if isinstance(error, str) else one_line(error)
    if worker is not None:
        rec["worker"] = worker
    rec["finished_at"] = _now()
    return rec


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_record(config: Config, params: Mapping[str, Any] | None = None,
               target: Target | str | Mapping[str, Any] | None = None) -> dict:
    """Train ``Session(config)`` and return its record (module docstring); never raises
    (``KeyboardInterrupt`` and ``SystemExit`` excepted)."""
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    goal = None
    rec: dict[str, Any]
    try:
        goal = Target.parse(target)
        params = {"seed": config.seed} if params is None else params
        rec = empty_record(config, params, goal)
        with threadpool_limits(limits=1):
            _train(config, goal, rec)
    except Exception as e:  # a run never raises: the sweep records it and goes on
        rec = empty_record(config, params or {"seed": config.seed}, goal)
        rec["error"] = one_line(e)
        rec["status"] = "error"
    rec["wall_seconds"] = round(time.perf_counter() - start, 4)
    rec["finished_at"] = _now()
    return rec


def _train(config: Config, target: Target | None, rec: dict[str, Any]) -> None:
    from depthlens.experiment.session import Session
    from depthlens.lens.probes import probe_stages

    session = Session(config)
    rec["metric"] = session.history.metric
    rec["n_params"] = int(session.net.params.size)
    status = "ok"
    for _ in range(config.epochs):
        try:
            row = session.trainer.epoch()
        except DivergenceError as e:
            status = "diverged"
            rec["diverged_at"] = int(e.epoch)
            break
        if rec["target_epoch"] is None and target is not None and target.reached(
                row["test_loss"], row[f"test_{session.history.metric}"]):
            rec["target_epoch"] = int(session.epoch)
    h = session.history
    rec["epochs"] = int(session.epoch)
    m = session.metrics()
    name = h.metric
    rec["final"] = {"train_loss": _num(m["train_loss"]), "test_loss": _num(m.get("test_loss")),
                    "test_metric": _num(m.get(f"test_{name}"))}
    if len(h):
        loss = np.asarray(h.test_loss, dtype=np.float64)
        metric = np.asarray(h.test_metric, dtype=np.float64)
        i, j = int(np.nanargmin(loss)), int(np.nanargmax(metric))
        rec["best"] = {"test_loss": _num(loss[i]), "test_metric": _num(metric[j]),
                       "epoch_test_loss": int(h.epoch[i]), "epoch_test_metric": int(h.epoch[j])}
    else:  # nothing trained (epochs 0, or diverged in the first epoch): the untrained network
        rec["best"] = {"test_loss": rec["final"]["test_loss"],
                       "test_metric": rec["final"]["test_metric"],
                       "epoch_test_loss": 0, "epoch_test_metric": 0}
    keep = thin(len(h))
    rec["curve"] = {"epoch": [int(h.epoch[k]) for k in keep],
                    "train_loss": [_num(h.train_loss[k]) for k in keep],
                    "test_loss": [_num(h.test_loss[k]) for k in keep],
                    "test_metric": [_num(h.test_metric[k]) for k in keep]}
    probes = probe_stages(session.net, session.x_train, session.train_data.y, session.x_test,
                          session.test_data.y, session.problem, session.n_classes)
    rec["probes"] = [_num(p.test) for p in probes]
    rec["status"] = status
    rec["error"] = None


__all__ = ["CURVE_POINTS", "STATUSES", "error_record", "run_record", "thin", "worker_address"]
