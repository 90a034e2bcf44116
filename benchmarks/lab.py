"""Speed of the training lab (issue 5, item 7), recorded in RESULTS.md's lab section.

Usage (from the project root):

    .venv/bin/python benchmarks/lab.py [--repeat 7] [--out benchmarks/RESULTS.md]

Measurements, each against its goal:

(l1) a race of every optimizer of the lab (sgd, momentum, nesterov, adagrad, rmsprop, adadelta,
     adam) for 1,000 steps on one surface (each of the seven surfaces): goal under 1 s;
(l2) a 51×51 filter-normalized loss landscape (2,601 loss evaluations on the whole training
     set) of Playground's default network (``Config()``: circle, 2-4-2-1 tanh, 250 training
     points): goal under 5 s; and the same on the plane of a network race's paths.

Every case runs once to warm up (numba compiles or loads its cache), then ``repeat`` times;
the best and the median are reported, goals are judged on the best (timeit's convention; other
jobs may share the machine). Only the part of RESULTS.md between ``<!-- lab:start -->`` and
``<!-- lab:end -->`` is written (appended at the end if the markers are missing).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
from machine import (  # benchmarks/machine.py (this folder is on sys.path)
    load_average,
    machine_lines,
    write_section,
)

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.lab import (
    SURFACES,
    network_race,
    path_plane,
    plane_landscape,
    race_on_surface,
    random_landscape,
)

HERE = Path(__file__).resolve().parent
RACE_GOAL_S = 1.0
LANDSCAPE_GOAL_S = 5.0


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds of ``repeat`` calls after one warm-up call."""
    fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def machine() -> list[str]:
    return machine_lines(f"numpy {np.__version__}, numba {numba.__version__}")


def fmt(ts: list[float]) -> str:
    best, med = min(ts), statistics.median(ts)
    unit, scale = ("ms", 1e3) if best < 1 else ("s", 1.0)
    return f"{best * scale:.1f} {unit} (median {med * scale:.1f} {unit})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    header = machine()
    rows: list[tuple[str, str, str, str, bool]] = []

    for name, surface in SURFACES.items():
        ts = timings(lambda s=surface: race_on_surface(s, steps=1000), args.repeat)
        rows.append((f"race of 7 optimizers × 1,000 steps on {name}", fmt(ts),
                     f"{min(ts) / 7000 * 1e6:.1f} µs per optimizer step",
                     f"< {RACE_GOAL_S:g} s", min(ts) < RACE_GOAL_S))
        print(rows[-1][:2], flush=True)

    session = Session(Config())
    net, tr = session.net, session.trainer
    ts = timings(lambda: random_landscape(net, tr.x, tr.t, resolution=51), args.repeat)
    rows.append(("51×51 filter-normalized landscape, Playground's default network (2-4-2-1, "
                 "250 points)", fmt(ts), f"{min(ts) / 2601 * 1e6:.1f} µs per loss evaluation",
                 f"< {LANDSCAPE_GOAL_S:g} s", min(ts) < LANDSCAPE_GOAL_S))
    print(rows[-1][:2], flush=True)
    race = network_race(Config(), epochs=20)
    plane = path_plane({k: np.array(r.path) for k, r in race.runs.items()}, race.initial)
    ts = timings(lambda: plane_landscape(net, tr.x, tr.t, plane, resolution=51), args.repeat)
    rows.append(("51×51 landscape on the PCA plane of a 9-contender race's paths, same network",
                 fmt(ts), f"{min(ts) / 2601 * 1e6:.1f} µs per loss evaluation",
                 f"< {LANDSCAPE_GOAL_S:g} s", min(ts) < LANDSCAPE_GOAL_S))
    print(rows[-1][:2], flush=True)
    ts = timings(lambda: network_race(Config(), epochs=50), max(3, args.repeat // 2))
    rows.append(("network race, 9 contenders × 50 epochs (12,500 gradient evaluations each), "
                 "same network", fmt(ts), "for reference", "", True))
    print(rows[-1][:2], flush=True)

    header.append(f"- Load average at the end {load_average()}")
    lines = ["## Training lab (`benchmarks/lab.py`)", "",
             f"Written by `benchmarks/lab.py` (best of {args.repeat} after a warm-up, median in "
             "brackets; goals judged on the best).", "", *header, "",
             "| measurement | time | per unit | goal | met |", "|---|---|---|---|---|"]
    for what, value, per, goal, met in rows:
        mark = "" if not goal else ("met" if met else "**not met**")
        lines.append(f"| {what} | {value} | {per} | {goal} | {mark} |")
    lines += ["", "A race step is one Python-level gradient of the analytic surface and one "
              "compiled optimizer update on a 2-number buffer; a landscape point is one copy of "
              "the parameters and one compiled `MLP.loss` call over the 250 training points."]
    write_section(args.out, "lab", lines)
    print(f"wrote the lab section of {args.out}")


if __name__ == "__main__":
    main()
