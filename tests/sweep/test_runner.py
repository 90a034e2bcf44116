"""How the runner cuts a sweep into tasks (``runner.chunk_size``, ``runner.run_chunk``) and
that the local cluster's workers run with its settings (``cluster.WORKER_CONFIG``); the
sweeps themselves on Dask are in test_dask.py."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.sweep.runner import MAX_CHUNK, TASK_SECONDS, chunk_size, run_chunk, run_sweep


@given(left=st.integers(1, 100_000), window=st.integers(1, 512),
       mean=st.none() | st.floats(0.0, 1e4, allow_nan=False))
def test_a_chunk_holds_about_a_second_of_work_and_never_more_than_its_share(left, window,
                                                                              mean):
    k = chunk_size(left, window, mean)
    assert 1 <= k <= min(left, MAX_CHUNK)
    if mean is None:
        assert k == 1  # nothing timed yet: one run a task
        return
    assert k <= max(1, math.ceil(left / window))  # the workers finish together
    assert k == 1 or k * mean <= TASK_SECONDS  # a task is about a second at most
    if mean * 2 <= TASK_SECONDS and left >= 2 * window:  # short runs, plenty left: grouped
        assert k >= 2


def test_chunks_shrink_toward_the_end_of_a_sweep():
    """Guided self-scheduling: 200 runs of 10 ms on a window of 4: large chunks first, ones at
    the end, every run in exactly one chunk."""
    left, sizes = 200, []
    while left:
        k = chunk_size(left, 4, 0.01)
        sizes.append(k)
        left -= k
    assert sum(sizes) == 200 and sizes == sorted(sizes, reverse=True)
    assert sizes[0] == 50 and sizes[-3:] == [1, 1, 1]


def test_a_chunk_is_its_runs_records_in_order():
    configs = [Config(dataset="xor", n_samples=40, epochs=2, layers=(2,), seed=s)
               for s in range(3)]
    recs = run_chunk([(c, {"seed": c.seed}) for c in configs], None)
    assert [r["config"]["seed"] for r in recs] == [0, 1, 2]
    assert [r["params"] for r in recs] == [{"seed": 0}, {"seed": 1}, {"seed": 2}]
    assert all(r["status"] == "ok" and r["epochs"] == 2 for r in recs)


@pytest.mark.parametrize("chunk", [0, -1, MAX_CHUNK + 1, 1.5, True, "4"])
def test_a_bad_chunk_is_refused_before_anything_is_written(tmp_path, chunk):
    from depthlens.sweep.grid import SweepSpec

    spec = SweepSpec.parse(Config(dataset="xor"), [], seeds=1)
    with pytest.raises(ConfigError) as e:
        run_sweep(spec, tmp_path / "out", chunk=chunk, progress=False)
    assert str(e.value).startswith(f"chunk: {chunk!r} is not allowed; expected a whole number "
                                   f"of runs per task in [1, {MAX_CHUNK}]")
    assert not (tmp_path / "out").exists()


def _worker_state(dask_worker) -> dict:
    import os

    import dask

    return {"profile": dask.config.get("distributed.worker.profile.enabled"),
            "callbacks": sorted(dask_worker.periodic_callbacks),
            "tick": dask_worker.periodic_callbacks["tick"].callback_time,
            "blas": os.environ.get("OPENBLAS_NUM_THREADS")}


def test_the_local_clusters_workers_run_without_the_profiler_and_with_rarer_ticks():
    """A nanny hands its own Dask config to its worker: the settings must be in force where
    the cluster is made, not only in the worker's environment (where they once sat, unread)."""
    from distributed import Client

    from depthlens.sweep.cluster import local_cluster

    cluster = local_cluster(1)
    try:
        with Client(cluster) as client:
            (state,) = client.run(_worker_state).values()
    finally:
        cluster.close()
    assert state["profile"] is False
    assert "profile" not in state["callbacks"] and "profile-cycle" not in state["callbacks"]
    assert state["tick"] == 1000  # ms (Dask's default: 20)
    assert state["blas"] == "1"

