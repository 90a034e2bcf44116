"""Sweeps on real Dask processes on loopback: a `dask scheduler` and `dask worker`s started
here, the `depthlens sweep` command as a subprocess; the local cluster for comparison; a sweep
SIGKILLed halfway and resumed; a worker SIGKILLed while it runs tasks."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from depthlens.experiment.config import Config
from depthlens.sweep.grid import SweepSpec
from depthlens.sweep.runner import finish, run_sweep, sweep

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
       "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
# Runs of every status: reg-plane at lr 50 diverges in its first epoch; the CSV is missing
# on the worker (an error); the others train.
FLAGS = ["--dataset", "reg-plane", "--n-samples", "100", "--epochs", "5", "--activation",
         "relu", "--layers", "3", "--grid", "dataset=reg-plane,csv:/nonexistent/sweep.csv",
         "--grid", "lr=0.1,50", "--grid", "layers=3;3,3", "--seeds", "2", "--quiet"]
N_RUNS = 16
COMPARED = ("id", "config", "params", "status", "error", "metric", "epochs", "final", "best",
            "target", "target_epoch", "diverged_at", "probes", "curve", "n_params")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, f"process exited with {proc.returncode}"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listening on port {port} after {timeout} s")


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """End a process this test started (and its group, which it leads)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(3)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def start_worker(address: str, port: int) -> subprocess.Popen:
    """A `dask worker` without a nanny (its pid is the worker), one thread, on ``port``."""
    proc = start("distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard",
                 "--no-nanny", "--host", "127.0.0.1", "--worker-port", str(port))
    wait_for_port(port, proc)
    return proc


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A real `dask scheduler` on loopback with one `dask worker`: its address."""
    port = free_port()
    sched = start("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                  "--no-dashboard")
    procs = [sched]
    try:
        wait_for_port(port, sched)
        address = f"tcp://127.0.0.1:{port}"
        procs.append(start_worker(address, free_port()))
        yield address
    finally:
        for p in reversed(procs):
            stop(p)


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "depthlens.cli", "sweep", *args], env=ENV,
                          capture_output=True, text=True, timeout=timeout)


def records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "runs").glob("*.json")}


def test_a_sweep_on_a_running_cluster_matches_the_local_cluster(scheduler, tmp_path):
    remote = cli(*FLAGS, "--out", str(tmp_path / "remote"), "--scheduler", scheduler)
    assert remote.returncode == 1, remote.stderr  # 1: some runs failed (the missing CSV)
    assert "16 runs: 0 already done, 16 run now; 8 failed, 4 diverged" in remote.stdout
    assert str(tmp_path / "remote" / "results.csv") in remote.stdout
    page = tmp_path / "remote" / "report.html"
    assert f"report: {page}" in remote.stdout and page.is_file()
    html = page.read_text(encoding="utf-8")  # the heatmap over the first two axes, the curves
    assert 'src="data:image/png;base64,' in html and "reg-plane" in html
    got = records(tmp_path / "remote")
    assert len(got) == N_RUNS
    assert {r["worker"] for r in got.values()} == {_worker_of(scheduler)}

    spec = SweepSpec.parse(Config(dataset="reg-plane", n_samples=100, epochs=5,
                                  activation="relu", layers=(3,)),
                           {"dataset": "reg-plane,csv:/nonexistent/sweep.csv",
                            "lr": "0.1,50", "layers": "3;3,3"}, seeds=2)
    runs = spec.runs()
    seeded = runs[7].id  # the last reg-plane run (diverged: done), already in the folder
    (tmp_path / "local" / "runs").mkdir(parents=True)
    (tmp_path / "local" / "runs" / f"{seeded}.json").write_text(json.dumps(got[seeded]))
    table = sweep(spec.base, spec.grid, seeds=2, out=tmp_path / "local", workers=1,
                  progress=False)
    assert (table.attrs["sweep"]["skipped"], table.attrs["sweep"]["computed"]) == (1, 15)
    local = records(tmp_path / "local")
    assert set(local) == set(got)
    for key, rec in local.items():
        if key != seeded:
            assert rec["worker"].startswith("tcp://127.0.0.1:") and rec["worker"] != \
                got[key]["worker"]
        for k in COMPARED:
            assert rec[k] == got[key][k], (key, k)  # the engine is deterministic
    statuses = {r["status"] for r in local.values()}
    assert statuses == {"ok", "diverged", "error"}
    assert all(r["error"].startswith("DataError: CSV file not found")
               for r in local.values() if r["status"] == "error")
    assert list(table["id"]) == [r.id for r in runs]  # the grid's order, not finishing order
    assert (tmp_path / "local" / "results.csv").is_file()
    assert json.loads((tmp_path / "local" / "sweep.json").read_text())["seeds"] == 2


def _worker_of(scheduler: str) -> str:
    from distributed import Client

    with Client(scheduler, timeout="10s") as c:
        return next(iter(c.nthreads()))


def test_a_killed_sweep_resumes_without_losing_or_redoing_a_run(scheduler, tmp_path):
    """Killed while on its own local cluster; resumed on the running one (a run is its
    Config, wherever it runs)."""
    out = tmp_path / "out"
    args = ["--dataset", "xor", "--n-samples", "100", "--epochs", "30", "--grid",
            "layers=3;3,3", "--grid", "lr=0.01,0.03,0.1,0.3", "--seeds", "2", "--batch", "2",
            "--quiet", "--out", str(out)]
    total = 2 * 4 * 2
    proc = subprocess.Popen([sys.executable, "-m", "depthlens.cli", "sweep", *args,
                             "--workers", "1"], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        end = time.monotonic() + 90
        while len(list((out / "runs").glob("*.json"))) < total // 2:
            assert proc.poll() is None, "the sweep ended before it was killed"
            assert time.monotonic() < end, "no records after 90 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)  # the sweep's own process, mid-write perhaps
        proc.wait(10)
    finally:
        stop(proc)  # its local cluster's workers, if any outlived it
    before = {p.name: (p.stat().st_mtime_ns, p.read_text())
              for p in (out / "runs").glob("*.json")}
    assert total // 2 <= len(before) < total
    again = cli(*args, "--scheduler", scheduler)
    assert again.returncode == 0, again.stderr
    assert (f"{total} runs: {len(before)} already done, {total - len(before)} run now; "
            "0 failed") in again.stdout
    after = records(out)
    assert len(after) == total  # every run once (one file per id)
    assert [p.name for p in (out / "runs").iterdir() if p.name.startswith(".")] == []
    for name, (mtime, text) in before.items():  # not run again, not even rewritten
        path = out / "runs" / name
        assert (path.stat().st_mtime_ns, path.read_text()) == (mtime, text)
    assert all(r["status"] == "ok" for r in after.values())


def test_a_worker_killed_mid_sweep_has_its_runs_finished_elsewhere(scheduler, tmp_path):
    victim_port = free_port()
    victim = start_worker(scheduler, victim_port)
    victim_address = f"tcp://127.0.0.1:{victim_port}"
    out = tmp_path / "out"
    spec = SweepSpec.parse(Config(dataset="xor", n_samples=100, epochs=60, layers=(3, 3)),
                           ["lr=0.01,0.03,0.1,0.3"], seeds=4)
    from distributed import Client

    client = Client(scheduler, timeout="10s")
    try:
        client.wait_for_workers(2, timeout=30)
        done: dict = {}
        thread = threading.Thread(target=lambda: done.update(
            result=run_sweep(spec, out, client=client, progress=False)))
        thread.start()
        end = time.monotonic() + 60
        while not any(r["worker"] == victim_address for r in records(out).values()):
            assert thread.is_alive() and time.monotonic() < end, "the victim ran nothing"
            time.sleep(0.01)
        os.kill(victim.pid, signal.SIGKILL)  # while it holds its next task
        victim.wait(10)
        thread.join(120)
        assert not thread.is_alive()
    finally:
        stop(victim)
        client.close()
    result = done["result"]
    assert (result.computed, result.failed) == (16, 0)
    got = records(out)
    assert len(got) == 16 and all(r["status"] == "ok" for r in got.values())
    workers = {r["worker"] for r in got.values()}
    assert victim_address in workers and len(workers) == 2
    assert len(finish(result)) == 16


def test_a_spec_file_on_the_running_cluster(scheduler, tmp_path, capsys):
    from depthlens.cli import main

    spec = tmp_path / "spec.toml"
    spec.write_text('seeds = 2\n[base]\ndataset = "xor"\nn_samples = 60\nepochs = 3\n'
                    '[grid]\nlayers = [[2], [2, 2]]\n')
    out = tmp_path / "out"
    args = ["sweep", "--spec", str(spec), "--out", str(out), "--scheduler", scheduler,
            "--quiet", "--target", "test_loss=5"]
    assert main(args) == 0
    assert "4 runs: 0 already done, 4 run now; 0 failed, 0 diverged" in capsys.readouterr().out
    got = records(out)
    assert sorted(r["params"]["layers"] for r in got.values()) == ["2", "2", "2,2", "2,2"]
    assert {r["target_epoch"] for r in got.values()} == {1}  # a loss ≤ 5 at once
    assert main(args) == 0  # again: nothing left to run
    assert "4 runs: 4 already done, 0 run now" in capsys.readouterr().out
    torn = next(iter((out / "runs").glob("*.json")))
    torn.write_text(torn.read_text()[:100])  # a record damaged after the fact
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "4 runs: 3 already done, 1 run now" in captured.out
    assert f"depthlens: {torn}: not a readable record (JSONDecodeError" in captured.err
    assert json.loads(torn.read_text())["id"] == torn.stem  # run again, whole


@pytest.mark.parametrize(("args", "message"), [
    (["--dataset", "xor", "--grid", "layers=3;0"],
     "grid.layers: '0' is not allowed; expected a whole number in [1, 1024]"),
    (["--grid", "optimiser=sgd"], "grid: 'optimiser' is not allowed; expected dataset, "),
    (["--target", "accuracy=0.9"], "target.metric: 'accuracy' is not allowed; expected one "
     "of 'test_metric', 'test_loss'"),
    (["--scheduler", "localhost:8786"], "scheduler: 'localhost:8786' is not allowed"),
    (["--chunk", "0"], "chunk: 0 is not allowed; expected a whole number of runs per task "
     "in [1, 64]"),
    (["--batch", "0"], "batch: 0 is not allowed; expected a whole number of tasks in flight"),
    (["--spec", "SPEC", "--lr", "0.1"], "--lr: 'with --spec' is not allowed"),
    (["--spec", "SPEC"], "grid.lr: -1 is not allowed; expected a number in (0.0, 100.0]"),
])
def test_bad_input_fails_before_any_run_in_the_cli_style(tmp_path, capsys, args, message):
    from depthlens.cli import main

    spec = tmp_path / "spec.json"
    spec.write_text('{"base": {"dataset": "xor"}, "grid": {"lr": [0.1, -1]}}')
    out = tmp_path / "o"
    args = [str(spec) if a == "SPEC" else a for a in args]
    assert main(["sweep", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("depthlens: error: " + message), err
    assert not out.exists()  # nothing written, nothing started


@pytest.mark.parametrize("batch", [None, 3])
def test_the_scheduler_never_holds_more_than_the_window(scheduler, tmp_path, monkeypatch,
                                                          batch):
    """Sampled as each record is written: the tasks the scheduler holds (ours only: the module's
    cluster runs nothing else now) and the submitted runs not yet written (a run a task)."""
    from distributed import Client

    from depthlens.sweep import runner

    spec = SweepSpec.parse(Config(dataset="reg-plane", n_samples=20, layers=(2,), epochs=1),
                           ["lr=0.01,0.02,0.03,0.04,0.05,0.06"], seeds=2)
    held, outstanding = [], []
    with Client(scheduler, timeout="10s") as client:
        slots = sum(client.nthreads().values())
        window = batch or runner.PER_SLOT * slots
        submitted = [0]
        real_submit, real_write = client.submit, runner.write_record

        def submit(*args, **kwargs):
            submitted[0] += 1
            return real_submit(*args, **kwargs)

        def write(out, rec):
            held.append(client.run_on_scheduler(lambda dask_scheduler: len(
                [k for k in dask_scheduler.tasks if str(k).startswith("depthlens-run-")])))
            outstanding.append(submitted[0] - len(outstanding))
            return real_write(out, rec)

        monkeypatch.setattr(client, "submit", submit)
        monkeypatch.setattr(runner, "write_record", write)
        result = run_sweep(spec, tmp_path / "out", client=client, batch=batch, chunk=1,
                           progress=False)
    assert result.computed == 12 and submitted[0] == 12
    assert max(outstanding) == window < 12  # the window is full, and never more
    assert max(held) <= window


@pytest.mark.parametrize(("chunk", "called"), [(1, [0, 0, 0, 1, 1, 1]), (2, [0, 0, 0])])
def test_a_task_failing_on_dask_is_retried_then_recorded_as_an_error(tmp_path, monkeypatch,
                                                                     chunk, called):
    """A task whose function raises on the worker (not run_record's own errors, which it
    records itself) runs 3 times (retries=2), then each of its runs is an "error" record, and
    the sweep goes on (two runs in one task: the first raises, each time)."""
    from distributed import Client, LocalCluster

    from depthlens.sweep import runner

    log = tmp_path / "calls.txt"  # the task is pickled, even on a threads cluster: count in a file

    def failing(config, params, target):
        with open(log, "a") as f:
            f.write(f"{config.seed}\n")
        raise MemoryError("no room on this worker")

    monkeypatch.setattr(runner, "run_record", failing)
    spec = SweepSpec.parse(Config(dataset="xor", epochs=1), [], seeds=2)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None, silence_logs=50,
                      scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"}
                      ) as cluster, Client(cluster) as client:
        result = run_sweep(spec, tmp_path / "out", client=client, chunk=chunk, progress=False)
    calls = sorted(int(x) for x in log.read_text().split())
    assert calls == called  # each task: once and 2 retries
    assert (result.computed, result.failed) == (2, 2)
    assert [r["error"] for r in result.records] == ["MemoryError: no room on this worker"] * 2
    assert records(tmp_path / "out")[spec.runs()[0].id]["status"] == "error"


def test_short_runs_go_out_in_chunks_that_shrink_and_each_comes_back_once(scheduler, tmp_path,
                                                                           monkeypatch):
    """60 runs of milliseconds on the module's one worker: the first window is one run a task,
    then chunks (about a second of work, at most the runs left over the window), smaller toward
    the end; every run is recorded once, as with one run a task."""
    from distributed import Client

    from depthlens.sweep import runner

    spec = SweepSpec.parse(Config(dataset="reg-plane", n_samples=20, layers=(2,), epochs=1),
                           ["lr=0.01,0.02,0.03"], seeds=20)
    sizes: list[int] = []
    with Client(scheduler, timeout="10s") as client:
        window = runner.PER_SLOT * sum(client.nthreads().values())
        real_submit = client.submit

        def submit(fn, items, *args, **kwargs):
            sizes.append(len(items))
            return real_submit(fn, items, *args, **kwargs)

        monkeypatch.setattr(client, "submit", submit)
        chunked = run_sweep(spec, tmp_path / "chunked", client=client, progress=False)
        monkeypatch.setattr(client, "submit", real_submit)
        run_sweep(spec, tmp_path / "single", client=client, chunk=1, progress=False)
    assert sum(sizes) == 60 and chunked.computed == 60 and chunked.failed == 0
    assert sizes[:window] == [1] * window and max(sizes) > 1 and len(sizes) < 60
    assert sizes[window:] == sorted(sizes[window:], reverse=True)  # shrinking: guided
    assert [r["id"] for r in chunked.records] == [r.id for r in spec.runs()]
    got, want = records(tmp_path / "chunked"), records(tmp_path / "single")
    assert set(got) == set(want) and len(got) == 60
    for key, rec in got.items():
        for k in COMPARED:
            assert rec[k] == want[key][k], (key, k)
