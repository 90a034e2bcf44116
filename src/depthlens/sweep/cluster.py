"""Where a sweep's runs go: a Dask ``Client`` of a local cluster or of a running one.

``connect(client=None, scheduler=None, workers=None)`` is a context manager yielding a Client:

- ``client``: yours, used as it is and left open;
- ``scheduler="tcp://HOST:PORT"``: a running ``dask scheduler`` (with ``dask worker``\\ s),
  connected to and disconnected from at the end (the cluster keeps running);
- neither: a ``LocalCluster`` made for the sweep and closed after it: ``workers`` processes
  (default ``os.cpu_count()``), one thread each, on loopback only, no dashboard, each
  worker's BLAS and numba pinned to one thread (``WORKER_ENV``, set before the worker process
  starts: Dask's ``distributed.nanny.pre-spawn-environ``, since OpenBLAS reads it when numpy
  is imported), its profiler off and its ticks rarer (``WORKER_CONFIG``).

One thread per worker process: a run is pure Python + numba + small BLAS calls that hold the
GIL much of the time, so processes, not threads, use the cores.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

from depthlens.errors import ConfigError

WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}
"""Environment of every local worker process, set before it starts (OpenBLAS and numba read
it when they load): one BLAS / OpenMP / numba thread."""

WORKER_CONFIG = {"distributed.worker.profile.enabled": False,
                 "distributed.admin.tick.interval": "1s",
                 "distributed.admin.system-monitor.interval": "2s"}
"""Dask settings of every local worker: no statistical profiler (it samples the task
thread's stack every 10 ms, holding the GIL the run needs), and the event loop's tick (20 ms)
and system monitor (0.5 s) made rarer, for the same reason (benchmarks/sweep.py). They are
set while the cluster is made: a nanny hands its *own* Dask config to the worker it starts,
over whatever the worker's environment says (``DASK_…`` variables there are overridden)."""

CONNECT_TIMEOUT = "20s"
ADDRESS = re.compile(r"^(tcp|tls|ucx|ws|wss|inproc)://[^\s/]+$")


def check_address(address: str) -> str:
    """A scheduler address as Dask writes one (``tcp://HOST:PORT``)."""
    if not isinstance(address, str) or not ADDRESS.match(address.strip()):
        raise ConfigError("scheduler", address, "a Dask scheduler address such as "
                          "tcp://HOST:PORT (what `dask scheduler` prints)")
    return address.strip()


def check_workers(workers: Any) -> int | None:
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024:
        raise ConfigError("workers", workers, "a whole number of local worker processes ≥ 1")
    return workers


def local_cluster(workers: int | None = None) -> Any:
    """A ``LocalCluster`` of ``workers`` processes (default: the CPU count), one thread each,
    loopback only, no dashboard, ``WORKER_ENV`` and ``WORKER_CONFIG`` in every worker."""
    import dask
    from distributed import LocalCluster

    n = check_workers(workers) or os.cpu_count() or 1
    pre = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_ENV}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": pre, **WORKER_CONFIG}):
        # No dashboard; the scheduler's HTTP server (health routes) still runs, so it is put
        # on a free loopback port rather than its default 8787, which another cluster may hold.
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address=None, env=dict(WORKER_ENV),
                            scheduler_kwargs={"dashboard": False,
                                              "dashboard_address": "127.0.0.1:0"})


@contextlib.contextmanager
def connect(client: Any = None, scheduler: str | None = None,
            workers: int | None = None) -> Iterator[Any]:
    """The Client a sweep submits to (module docstring); what it made, it closes."""
    from distributed import Client

    given = [n for n, v in (("client", client), ("scheduler", scheduler)) if v is not None]
    if len(given) > 1:
        raise ConfigError("scheduler", scheduler, "either a client or a scheduler address, "
                          "not both")
    if workers is not None and given:
        raise ConfigError("workers", workers, "no --workers with a running cluster (its "
                          "workers are its own): only with the local cluster")
    if client is not None:
        yield client
        return
    if scheduler is not None:
        address = check_address(scheduler)
        try:
            made = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as e:
            raise ConfigError("scheduler", address, "the address of a running Dask scheduler "
                              f"(could not connect: {' '.join(str(e).split())})") from None
        try:
            yield made
        finally:
            made.close()
        return
    cluster = local_cluster(workers)
    try:
        made = Client(cluster)
        try:
            yield made
        finally:
            made.close()
    finally:
        cluster.close()


def n_slots(client: Any) -> int:
    """How many runs the client's cluster runs at once now: its workers' threads (at least
    1, to size batches)."""
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # an info call that fails is no reason to stop: batches of one slot
        return 1


__all__ = ["WORKER_CONFIG", "WORKER_ENV", "check_address", "connect", "local_cluster", "n_slots"]
