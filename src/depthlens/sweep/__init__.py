"""Sweeps: many runs of one experiment over a grid of settings and seeds, on Dask.

``depthlens.sweep(config, grid, seeds=…, target=…, out=…)`` (this package is callable: it is
``runner.sweep``) runs every combination on a local cluster or a running one and returns the
results table; ``depthlens sweep`` is the command. See docs/sweeps.md.

    grid.py      SweepSpec (base Config × grid × seeds, target), the grid syntax, run ids
    record.py    run_record: one run → its record (the schema of docs/sweeps.md)
    store.py     OUT/runs/<id>.json written atomically; what is done
    cluster.py   connect: the Client (LocalCluster by default, or tcp://HOST:PORT)
    runner.py    run_sweep / sweep: the window of tasks, each record written as it arrives
"""

from __future__ import annotations

import sys
import types
from typing import Any

from depthlens.sweep.grid import SweepSpec, Target, load_spec, parse_grid_arg, run_id
from depthlens.sweep.record import run_record
from depthlens.sweep.runner import SweepResult, run_sweep
from depthlens.sweep.runner import sweep as _sweep
from depthlens.sweep.store import done_ids, scan


class _CallableModule(types.ModuleType):
    """``depthlens.sweep(...)`` calls ``runner.sweep`` while ``depthlens.sweep`` stays this
    package (so ``depthlens.sweep.grid`` and the function never shadow each other)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["SweepResult", "SweepSpec", "Target", "done_ids", "load_spec", "parse_grid_arg",
           "run_id", "run_record", "run_sweep", "scan"]
