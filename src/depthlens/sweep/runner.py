"""Run a sweep on Dask: every run of a spec, each record written the moment it arrives.

``run_sweep(spec, out, …)`` (and ``sweep(config, grid, …)``, the Python call, which returns
the results table):

1. every run's Config is built and checked (``grid.SweepSpec``), ``OUT/sweep.json`` written;
2. the runs already done in ``OUT/runs`` are skipped (a run is its Config's id);
3. the others are submitted to the Client (``cluster.connect``) in a moving window of at
   most ``batch`` tasks (default 4 per worker thread, counted again as runs finish, so an
   adaptive cluster that grows gets more): ``as_completed`` hands back each task
   as it finishes, its records are written *by this process* at once (``store.write_record``)
   and the next task is submitted. So a 10,000-run sweep never floods the scheduler with
   10,000 tasks, and a sweep killed at any point loses only the runs under way;
4. a task is a *chunk* of consecutive runs (``chunk_size``): the first tasks are one run
   each; once runs have come back, a task holds about ``TASK_SECONDS`` of them by their mean
   time, and never more than the runs left shared out over the window (guided
   self-scheduling: chunks shrink toward the end, so the workers finish together). Every task
   costs its worker's event loop some milliseconds of messages, taken from the GIL the
   *next* run needs; sub-second runs in chunks pay it once a second instead of once a run
   (benchmarks/sweep.py). ``chunk=K`` fixes it (1: a task per run);
5. the table of every run of the spec, in the grid's order, is made and written
   (``results.table`` / ``results.write``) with ``report.html`` (``report.write_report``).

Failures: a run that raises is a record with status "error" (``record.run_record`` never
raises). A worker that dies has its tasks rescheduled on the others by the Dask scheduler
itself (up to ``distributed.scheduler.allowed-failures`` lost workers per task, default 3,
then the task fails with KilledWorker and its records say so); ``retries=2`` re-runs a task
whose function raised on the worker (an import or unpickling failure there). Each run of a
task that fails anyway gets an "error" record written here, and the sweep goes on.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.sweep import results
from depthlens.sweep.cluster import check_address, check_workers, connect, n_slots
from depthlens.sweep.grid import Run, SweepSpec, Target
from depthlens.sweep.record import error_record, one_line, run_record
from depthlens.sweep.report import write_report
from depthlens.sweep.store import scan, write_record, write_spec

RETRIES = 2
PER_SLOT = 4
"""Tasks in flight per worker thread (the window's size, unless ``batch`` says)."""
TASK_SECONDS = 1.0
"""About how much work one task holds once the runs' time is known (``chunk_size``)."""
MAX_CHUNK = 64
RECOUNT_SECONDS = 1.0
"""How often the default window counts the cluster's worker threads again (a round trip)."""
RESULTS_CSV = "results.csv"


@dataclass
class SweepResult:
    """What a sweep did: every run's record (grid order) and the counts."""

    out: Path
    records: list[dict[str, Any]]
    skipped: int = 0
    """Runs already done in ``out`` before this sweep started (not run again)."""
    computed: int = 0
    """Runs this sweep ran (ok, diverged or error)."""
    failed: int = 0
    """Records with status "error" (of every run of the spec)."""
    diverged: int = 0
    corrupt: list[str] = field(default_factory=list)
    """Record files that could not be read (their runs were run again)."""

    def summary(self) -> str:
        return (f"{len(self.records)} runs: {self.skipped} already done, {self.computed} run "
                f"now; {self.failed} failed, {self.diverged} diverged")


def _check_batch(batch: Any) -> int | None:
    if batch is None:
        return None
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ConfigError("batch", batch, "a whole number of tasks in flight ≥ 1")
    return batch


def _check_chunk(chunk: Any) -> int | None:
    if chunk is None:
        return None
    if isinstance(chunk, bool) or not isinstance(chunk, int) or not 1 <= chunk <= MAX_CHUNK:
        raise ConfigError("chunk", chunk, f"a whole number of runs per task in [1, {MAX_CHUNK}]"
                          " (or none: sized from the runs' time)")
    return chunk


def chunk_size(left: int, window: int, mean_seconds: float | None) -> int:
    """How many of the ``left`` runs the next task holds (module docstring, 4):

        k = max(1, min(⌊TASK_SECONDS / t̄⌋, ⌈left / window⌉, MAX_CHUNK))

    with t̄ the mean time of the runs back so far (one run a task until one is back)."""
    if mean_seconds is None:
        return 1
    by_time = int(TASK_SECONDS / max(mean_seconds, 1e-9))
    by_share = -(-left // max(1, window))
    return max(1, min(by_time, by_share, MAX_CHUNK))


def run_chunk(items: Sequence[tuple[Config, Mapping[str, Any]]],
              target: Target | None) -> list[dict[str, Any]]:
    """The task a worker runs: ``run_record`` of each (config, params), in turn."""
    return [run_record(config, params, target) for config, params in items]


def run_sweep(spec: SweepSpec, out: str | os.PathLike[str] = "sweep-out", *,
              client: Any = None, scheduler: str | None = None, workers: int | None = None,
              batch: int | None = None, chunk: int | None = None,
              progress: bool = True) -> SweepResult:
    """Run every run of ``spec`` not yet done in ``out`` (module docstring)."""
    batch = _check_batch(batch)
    chunk = _check_chunk(chunk)
    if scheduler is not None:
        check_address(scheduler)
    check_workers(workers)
    out = Path(out)
    runs = spec.runs()
    write_spec(out, spec.to_dict())
    found = scan(out)
    result = SweepResult(out, [])
    from tqdm import tqdm

    for path, why in found.corrupt:
        print(f"depthlens: {path}: {why}; its run is run again", file=sys.stderr)
        result.corrupt.append(str(path))
    records: dict[str, dict[str, Any]] = {}
    todo: list[Run] = []
    for run in runs:
        if run.id in found.done:
            records[run.id] = found.records[run.id]
        else:
            todo.append(run)
    result.skipped = len(records)
    # initial=: the runs already done count as done but not in the rate (so the ETA holds)
    bar = tqdm(total=len(runs), initial=result.skipped, desc="sweep", unit="run",
               disable=not progress, dynamic_ncols=True, file=sys.stderr)
    failed = 0

    def note(rec: dict[str, Any]) -> None:
        nonlocal failed
        failed += rec["status"] == "error"
        bar.update(1)
        bar.set_postfix_str(f"failed={failed}", refresh=False)

    try:
        if todo:
            with connect(client, scheduler, workers) as c:
                for rec in _stream(c, todo, spec.target, batch, chunk):
                    write_record(out, rec)
                    records[rec["id"]] = rec
                    result.computed += 1
                    note(rec)
    finally:
        bar.close()
    result.records = [records[r.id] for r in runs if r.id in records]
    result.failed = sum(r["status"] == "error" for r in result.records)
    result.diverged = sum(r["status"] == "diverged" for r in result.records)
    return result


def _stream(client: Any, todo: Sequence[Run], target: Target | None, batch: int | None,
            chunk: int | None = None):
    """Submit ``todo`` to ``client`` in chunks (``chunk_size``, or ``chunk`` runs a task) with
    at most ``batch`` tasks in flight (None: 4 per worker thread the cluster has at the time:
    a cluster that grows gets more); yield each run's record as its task finishes (an "error"
    record for each run of a task that failed on Dask's side)."""
    from distributed import as_completed

    queue = list(todo)
    at = 0
    pending: dict[str, list[Run]] = {}
    # Results are fetched here, one round trip per finished task (a millisecond against its
    # tenths of a second), not in the background (with_results=True): its concurrent
    # gathers on the client's connection to the scheduler once broke tornado's stream
    # (AssertionError in iostream.advance) and the lost future left the loop waiting
    # forever (benchmarks/sweep.py).
    done = as_completed()
    window = [batch or PER_SLOT * n_slots(client), time.monotonic()]
    timed = [0.0, 0]  # the runs' own seconds, and how many

    def top_up() -> None:
        nonlocal at
        if batch is None and time.monotonic() - window[1] > RECOUNT_SECONDS:
            window[:] = [PER_SLOT * n_slots(client), time.monotonic()]  # workers come and go
        while at < len(queue) and len(pending) < window[0]:
            mean = timed[0] / timed[1] if timed[1] else None
            k = chunk or chunk_size(len(queue) - at, window[0], mean)
            runs = queue[at:at + k]
            at += len(runs)
            key = f"depthlens-run-{runs[0].id}" + (f"+{len(runs) - 1}" if len(runs) > 1 else "")
            future = client.submit(run_chunk, [(r.config, r.params) for r in runs], target,
                                   key=key, retries=RETRIES, pure=False)
            pending[future.key] = runs
            done.add(future)

    top_up()
    for future in done:
        runs = pending.pop(future.key)
        try:
            recs = future.result()
        except Exception as exc:  # lost too many workers (KilledWorker), cancelled, …
            why = one_line(exc)
            recs = [error_record(r.config, r.params, target, why, worker="unknown")
                    for r in runs]
        future.release()
        for run, rec in zip(runs, recs, strict=True):
            rec["id"] = run.id  # the submitter's id names the file (a worker's own may differ)
            timed[0] += float(rec.get("wall_seconds") or 0.0)
            timed[1] += 1
            yield rec  # written at once; then the next task goes out (never more than the window)
        if at < len(queue):
            top_up()


def finish(result: SweepResult):
    """The results table of a finished sweep (``results.table``), written to
    ``OUT/results.csv`` (and ``results.parquet`` with pyarrow) with the pictures and
    ``OUT/report.html`` (``report.write_report``: the metric over the first two grid axes, the
    learning curves and the probes by depth); the counts are in its ``attrs["sweep"]``."""
    table = results.table(result.records)
    results.write(result.out, result.records)
    path = result.out / RESULTS_CSV
    page = write_report(result.out, table, result.records)
    table.attrs["sweep"] = {"out": str(result.out), "results": str(path),
                            "report": str(page),
                            "skipped": result.skipped, "computed": result.computed,
                            "failed": result.failed, "diverged": result.diverged}
    return table


def sweep(config: Config | Mapping[str, Any] | None,
          grid: Mapping[str, Sequence[Any] | str] | Sequence[str] | None, *, seeds: int = 1,
          target: Target | str | Mapping[str, Any] | None = None,
          out: str | os.PathLike[str] = "sweep-out", client: Any = None,
          scheduler: str | None = None, workers: int | None = None, batch: int | None = None,
          chunk: int | None = None, progress: bool = True):
    """Run ``config`` over every combination of ``grid``'s values × ``seeds`` seeds on Dask;
    return the results table (a pandas DataFrame, one row per run, in the grid's order).

    ``grid``: ``{"layers": [[8], [8, 8]], "optimizer": ["sgd", "adam"]}`` (texts are parsed
    as the command line's: ``{"layers": "8;8,8"}``). ``target``: ``"test_metric=0.95"`` or
    ``{"metric": "test_loss", "value": 0.1}``: each record says the first epoch that reached
    it. ``out``: the sweep folder (``runs/<id>.json``, ``sweep.json``, ``results.csv``); run
    again with the same folder, only the runs not done yet run. ``client``: a
    ``distributed.Client`` of yours; ``scheduler``: a running scheduler's address
    (``tcp://HOST:PORT``); neither: a local cluster of ``workers`` processes (default the CPU
    count), closed at the end. ``batch``: tasks in flight (default 4 per worker thread);
    ``chunk``: runs per task (default: sized from the runs' time, about a second a task).

    Raises ConfigError (naming the grid axis, field and value) before anything runs.

    >>> import depthlens as dl                                                # doctest: +SKIP
    >>> df = dl.sweep(dl.Config(dataset="spiral"), {"layers": [[8], [8, 8]]}, seeds=5)
    """
    spec = SweepSpec.parse(config, grid, seeds, target)
    result = run_sweep(spec, out, client=client, scheduler=scheduler, workers=workers,
                       batch=batch, chunk=chunk, progress=progress)
    return finish(result)


__all__ = ["SweepResult", "chunk_size", "finish", "run_chunk", "run_sweep", "sweep"]
