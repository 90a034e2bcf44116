"""Sweeps on Dask (issue 16, item 6): scaling, per-run overhead, the scheduler's memory.

Usage (from the project root; prints the numbers, writes nothing):

    .venv/bin/python benchmarks/sweep.py [--runs 40] [--repeat 3] [--tiny 2000] [--skip-memory]

(s1) ``--runs`` small runs (spiral, 200 points, 8-8 tanh, 30 epochs, one seed each) on a
     2-worker local cluster against a 1-worker one, both clusters started and warmed (every
     worker has imported depthlens and compiled the kernels) before the clock starts, the
     cases taken in turn ``--repeat`` times, the best of each kept:
     goal t(2) / t(1) ≤ 0.55 (two cores: 0.5 is perfect);
(s2) per-run overhead: the 1-worker sweep against a plain loop of ``run_record`` over the same
     Configs in this process (the same work: training, probes, the record): goal ≤ 10 %;
     beside it, the 1-worker sweep with one run a task (``chunk=1``) and with Dask's own worker
     settings (``WORKER_CONFIG`` left out: the statistical profiler on), and, for scale, a
     plain loop of ``Session(config).run()`` (training alone);
(s3) the scheduler's memory over ``--tiny`` tiny runs (reg-plane, 20 points, 1 epoch) on a
     real ``dask scheduler`` process with two ``dask worker``\\ s, its RSS sampled with psutil
     every 0.2 s: the sweep's moving window (4 per worker), twice (the first time includes
     the scheduler's own warm-up and its bounded logs filling), then all tasks submitted at
     once; goal: flat (the growth from the first 10 % of the runs to the end is small).

Time is wall time on a machine other jobs may share (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager

from machine import load_average  # benchmarks/machine.py (this folder is on sys.path)

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.sweep import cluster as cluster_module
from depthlens.sweep.cluster import local_cluster
from depthlens.sweep.grid import SweepSpec
from depthlens.sweep.record import run_record
from depthlens.sweep.runner import run_sweep

SMALL = Config(dataset="spiral", n_samples=200, layers=(8, 8), epochs=30)
TINY = Config(dataset="reg-plane", n_samples=20, layers=(2,), epochs=1)
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
       "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}


def _warm() -> bool:
    """Import and compile on a worker: one run of each benchmark's Config."""
    run_record(SMALL)
    run_record(TINY)
    return True


@contextmanager
def dask_defaults():
    """Local clusters made inside have Dask's own worker settings (no ``WORKER_CONFIG``)."""
    kept = dict(cluster_module.WORKER_CONFIG)
    cluster_module.WORKER_CONFIG.clear()
    try:
        yield
    finally:
        cluster_module.WORKER_CONFIG.update(kept)


def timed_sweep(client, spec: SweepSpec, chunk: int | None = None) -> tuple[float, float]:
    """(wall seconds of the sweep, the runs' own wall seconds summed, as measured inside)."""
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        result = run_sweep(spec, out, client=client, chunk=chunk, progress=False)
        seconds = time.perf_counter() - t
    assert result.computed == len(spec.runs()) and result.failed == 0, result.summary()
    return seconds, sum(r["wall_seconds"] for r in result.records)


def scaling(runs: int, repeat: int) -> None:
    """(s1) and (s2): in each of ``repeat`` rounds, a 1-worker cluster is started, warmed,
    timed and closed, then a 2-worker one, then the plain loops; the best of each is kept (the
    machine may be shared: interleaving keeps a change of load from favouring one). Only one
    cluster is alive while it is timed: an idle cluster's worker, nanny and scheduler would take
    CPU from the busy one's workers on a small machine."""
    from distributed import Client

    spec = SweepSpec.parse(SMALL, [], seeds=runs)
    configs = [r.config for r in spec.runs()]
    best: dict[str, float] = {}
    inside: dict[str, float] = {}

    def keep(name: str, seconds: float, own: float) -> None:
        if seconds < best.get(name, float("inf")):
            best[name], inside[name] = seconds, own

    _warm()
    cases = (("w1", 1, None, False), ("w2", 2, None, False), ("w1-chunk1", 1, 1, False),
             ("w1-dask", 1, None, True))
    for _ in range(repeat):
        for name, n, chunk, defaults in cases:
            if defaults:
                with dask_defaults():
                    cluster = local_cluster(n)
            else:
                cluster = local_cluster(n)
            client = Client(cluster)
            try:
                client.run(_warm)
                keep(name, *timed_sweep(client, spec, chunk))
            finally:
                client.close()
                cluster.close()
        t = time.perf_counter()
        own = sum(run_record(c)["wall_seconds"] for c in configs)
        keep("records", time.perf_counter() - t, own)
        t = time.perf_counter()
        for c in configs:
            Session(c).run()
        keep("sessions", time.perf_counter() - t, 0.0)
    w1, w2, loop = best["w1"], best["w2"], best["records"]
    print(f"(s1) {runs} runs, best of {repeat}: 1 worker {w1:.2f} s, 2 workers {w2:.2f} s: "
          f"ratio {w2 / w1:.3f} (goal ≤ 0.55)")
    print(f"(s2) plain loop of run_record {loop:.2f} s; the 1-worker sweep's overhead "
          f"{(w1 / loop - 1) * 100:+.1f} % (goal ≤ 10 %), {(w1 - loop) / runs * 1000:.1f} ms "
          "a run")
    print(f"     the runs' own time (inside run_record): {inside['w1']:.2f} s on 1 worker, "
          f"{inside['w2']:.2f} s on 2, {inside['records']:.2f} s in the loop")
    for name, what in (("w1-chunk1", "one run a task (chunk=1)"),
                       ("w1-dask", "Dask's own worker settings (profiler on)")):
        print(f"     1 worker, {what}: {best[name]:.2f} s, overhead "
              f"{(best[name] / loop - 1) * 100:+.1f} % (runs inside: {inside[name]:.2f} s)")
    print(f"     plain loop of Session.run {best['sessions']:.2f} s (training alone: the "
          f"record's probes and metrics make a run {loop / best['sessions']:.0f}× it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing on port {port}")


def memory(tiny: int) -> None:
    import psutil
    from distributed import Client

    port = _free_port()
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        _wait_port(port)
        address = f"tcp://127.0.0.1:{port}"
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads",
                 "1", "--no-dashboard", "--no-nanny", "--host", "127.0.0.1"], env=ENV,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        sched = psutil.Process(procs[0].pid)
        with Client(address, timeout="20s") as client:
            client.wait_for_workers(2, timeout=60)
            client.run(_warm)
            phases = (("window of 8", None), ("window of 8, again", None),
                      (f"all {tiny} at once", tiny))
            for label, batch in phases:
                spec = SweepSpec.parse(TINY, {"lr": [0.03, 0.01]}, seeds=tiny // 2)
                samples: list[tuple[float, float]] = []
                stop = threading.Event()

                def sample(samples=samples, stop=stop) -> None:
                    t0 = time.perf_counter()
                    while not stop.is_set():
                        samples.append((time.perf_counter() - t0, sched.memory_info().rss))
                        time.sleep(0.2)

                thread = threading.Thread(target=sample)
                thread.start()
                with tempfile.TemporaryDirectory() as out:
                    t = time.perf_counter()
                    result = run_sweep(spec, out, client=client, batch=batch, progress=False)
                    seconds = time.perf_counter() - t
                stop.set()
                thread.join()
                mb = [s[1] / 2**20 for s in samples]
                first = mb[: max(1, len(mb) // 10)]
                print(f"(s3) {tiny} tiny runs, {label}: {seconds:.1f} s, "
                      f"{result.computed} computed; scheduler RSS {min(mb):.0f}–{max(mb):.0f} MB,"
                      f" first tenth ≤ {max(first):.0f} MB, end {mb[-1]:.0f} MB "
                      f"(growth {mb[-1] - max(first):+.1f} MB)")
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--tiny", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    print(f"load average {load_average()}, {os.cpu_count()} CPUs")
    scaling(args.runs, args.repeat)
    if not args.skip_memory:
        memory(args.tiny)
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
