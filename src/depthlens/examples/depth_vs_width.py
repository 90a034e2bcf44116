"""``depth-vs-width``: depths 1–6 at one parameter budget, as a sweep with intervals.

At a budget of ~300 parameters every depth d = 1 … 6 gets the widest equal hidden layers that
stay near the budget (``widths_for_budget``: 2 → 75 → 1 is 301 parameters, 2 → 8×5 → 1 is 321).
Each network is trained the same way (tanh, Adam at 0.01, batches of 10, Glorot init) on the
spiral, the checkerboard and the rings, from 10 seeds, as one ``depthlens.sweep`` per dataset
on a local Dask cluster (or ``--scheduler``). The numbers are the seeds' mean test accuracy
with a 95% interval of that mean (Student t); the text is written from them: which depth is
best on each dataset, whether it beats one hidden layer by more than the seeds' spread, and
where more depth does not help.

``--quick`` (the tested version): the spiral only, depths 1–4, 5 seeds, 300 epochs.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import time
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from depthlens.errors import ConfigError
from depthlens.examples.common import ExampleResult, finish, png
from depthlens.experiment.config import Config

NAME = "depth-vs-width"
TITLE = "Depth against width at equal size: depths 1–6 with ~300 parameters, 10 seeds each"
SUMMARY = "depths 1–6 at ~300 parameters on spiral, checkerboard and rings, as a sweep"

BUDGET = 300
DATASETS = ("spiral", "checkerboard", "rings")
DEPTHS = (1, 2, 3, 4, 5, 6)
SEEDS, EPOCHS = 10, 1000
QUICK = {"datasets": ("spiral",), "depths": (1, 2, 3, 4), "seeds": 5, "epochs": 300}
"""The quick version: enough to show the spiral's claim (it holds by a wide margin at 300
epochs: one layer of 75 reaches ~0.76, three of 11 ~0.94) in a few seconds of training."""

DEEP = 3
"""The claim compares the best depth ≥ DEEP with depth 1."""
EARLY = 0.3
"""The study is also read at this share of the epochs ("earlier in training"), from the runs'
recorded curves: depth's advantage can be one of speed that a long budget hides."""


def n_params(layers: Sequence[int], n_in: int = 2, n_out: int = 1) -> int:
    """Weights and biases of n_in → layers → n_out: Σ (a + 1)·b over consecutive sizes a, b."""
    sizes = [n_in, *layers, n_out]
    return sum((a + 1) * b for a, b in pairwise(sizes))


def widths_for_budget(depth: int, budget: int, n_in: int = 2, n_out: int = 1
                      ) -> tuple[int, ...]:
    """``depth`` equal hidden layers of the width w whose parameter count is closest to
    ``budget`` (the narrower on a tie):

        n(w) = (n_in + 1)·w + (depth − 1)·(w + 1)·w + (w + 1)·n_out

    n grows with w, so the closest w is one of the two around the root of n(w) = budget.
    >>> widths_for_budget(1, 300), widths_for_budget(3, 300), widths_for_budget(5, 300)
    ((75,), (11, 11, 11), (8, 8, 8, 8, 8))
    """
    for name, v, low in (("depth", depth, 1), ("budget", budget, 1), ("n_in", n_in, 1),
                         ("n_out", n_out, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ConfigError(name, v, f"a whole number ≥ {low}")
    smallest = n_params((1,) * depth, n_in, n_out)
    if budget < smallest:
        raise ConfigError("budget", budget, f"at least {smallest} parameters (width 1 at depth "
                          f"{depth})")
    w = 1
    while n_params((w + 1,) * depth, n_in, n_out) <= budget:
        w += 1
    over = n_params((w + 1,) * depth, n_in, n_out) - budget
    under = budget - n_params((w,) * depth, n_in, n_out)
    return (w + 1,) * depth if over < under else (w,) * depth


def n_outputs(dataset: str) -> int:
    """Output units of a network on ``dataset`` (1 for two classes, k for k classes)."""
    from depthlens.experiment.session import Session

    return Session(Config(dataset=dataset, layers=(1,), epochs=0)).n_outputs


def base_config(dataset: str, epochs: int) -> Config:
    """The training every network gets: tanh, Adam at 0.01, batches of 10, Glorot init."""
    return Config(dataset=dataset, activation="tanh", optimizer="adam", lr=0.01, batch_size=10,
                  init="glorot_uniform", epochs=epochs)


def layers_text(layers: Sequence[int]) -> str:
    return ",".join(str(w) for w in layers)


@contextlib.contextmanager
def _folder(path: str | Path | None) -> Iterator[Path]:
    """The sweep's folder: the one given (kept: a rerun resumes it), else a temporary one."""
    if path is not None:
        Path(path).mkdir(parents=True, exist_ok=True)
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="depthlens-depth-vs-width-") as tmp:
        yield Path(tmp)


def run_study(datasets: Sequence[str], depths: Sequence[int], seeds: int, epochs: int,
              budget: int, out: Path, scheduler: str | None = None,
              workers: int | None = None, progress: bool = False,
              ) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, dict[int, tuple]]]:
    """One sweep per dataset (its widths depend on its outputs) into ``out``, on one Dask
    client; returns the results table (with ``depth`` and ``width`` columns added), the
    records in the table's order, and the layers per dataset and depth."""
    from depthlens.sweep import results
    from depthlens.sweep.cluster import connect
    from depthlens.sweep.grid import SweepSpec
    from depthlens.sweep.runner import sweep
    from depthlens.sweep.store import done_ids

    plan = {ds: {d: widths_for_budget(d, budget, 2, n_outputs(ds)) for d in depths}
            for ds in datasets}
    grids = {ds: {"dataset": [ds], "layers": [list(plan[ds][d]) for d in depths]}
             for ds in datasets}
    done = done_ids(out)
    todo = any(run.id not in done for ds in datasets
               for run in SweepSpec.parse(base_config(ds, epochs), grids[ds], seeds).runs())
    frames = []
    # one cluster for every dataset's sweep, and none when the folder holds every run
    with connect(None, scheduler, workers) if todo else contextlib.nullcontext() as client:
        for ds in datasets:
            frames.append(sweep(base_config(ds, epochs), grids[ds], seeds=seeds, out=out,
                                client=client, progress=progress))
    by_id = {r["id"]: r for r in results.read_records(out)}
    records = [by_id[i] for frame in frames for i in frame["id"]]  # the grids' order
    results.write(out, records)
    df = results.table(records)
    df["depth"] = [len(str(v).split(",")) for v in df["layers"]]
    df["width"] = [int(str(v).split(",")[0]) for v in df["layers"]]
    return df, records, plan


def _h(s: pd.DataFrame, d: int) -> float:
    """The interval's half-width of depth ``d`` (0 where there is none: one seed)."""
    v = float(s.loc[d, "ci95"])
    return 0.0 if math.isnan(v) else v


def _gain(s: pd.DataFrame, d: int | None) -> tuple[float, float, bool]:
    """(mean of depth d − mean of depth 1, the larger of their standard deviations, whether the
    gain is clear: larger than that spread and the two intervals disjoint)."""
    if d is None or 1 not in s.index:
        return math.nan, math.nan, False
    gain = float(s.loc[d, "mean"] - s.loc[1, "mean"])
    spread = float(np.nanmax([s.loc[d, "std"], s.loc[1, "std"]]))
    disjoint = s.loc[d, "mean"] - _h(s, d) > s.loc[1, "mean"] + _h(s, 1)
    return gain, spread, bool(gain > spread and disjoint)


def value_at(record: dict[str, Any], epoch: float, curve: str = "test_metric") -> float:
    """A run's ``curve`` at ``epoch``, linearly between the recorded (thinned) epochs; NaN
    outside the epochs it trained."""
    c = record.get("curve") or {}
    ep = np.asarray(c.get("epoch") or [], dtype=float)
    v = np.asarray([np.nan if x is None else x for x in (c.get(curve) or [])], dtype=float)
    ok = np.isfinite(v)
    if not ok.any() or not ep[ok].min() <= epoch <= ep[ok].max():
        return math.nan
    return float(np.interp(epoch, ep[ok], v[ok]))


def findings(summary: pd.DataFrame, datasets: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per dataset, from the summary (``results.summarize`` by dataset and depth): the best
    depth, the best depth ≥ ``DEEP``, depth 1, the gain over depth 1 and whether it is clear
    (the two 95% intervals do not overlap, and the gap exceeds both seeds' standard
    deviations), and the depths clearly worse than the best (their interval below the best's).
    """
    out = {}
    for ds in datasets:
        s = summary[summary["dataset"] == ds].set_index("depth")
        best = int(s["mean"].idxmax())
        deep = s[s.index >= DEEP]
        best_deep = int(deep["mean"].idxmax()) if len(deep) else None
        gain, spread, clear = _gain(s, best)
        deep_gain, deep_spread, deep_clear = _gain(s, best_deep)
        worse = [int(d) for d in s.index
                 if s.loc[d, "mean"] + _h(s, int(d)) < s.loc[best, "mean"] - _h(s, best)]
        out[ds] = {"best": best, "best_deep": best_deep, "gain": gain, "spread": spread,
                   "clear": clear, "deep_gain": deep_gain, "deep_spread": deep_spread,
                   "deep_clear": deep_clear, "worse": worse,
                   "mean": {int(d): float(s.loc[d, "mean"]) for d in s.index},
                   "ci95": {int(d): float(s.loc[d, "ci95"]) for d in s.index},
                   "std": {int(d): float(s.loc[d, "std"]) for d in s.index}}
    return out


def _and(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ci(m: float, h: float) -> str:
    return f"{m:.3f}" if math.isnan(h) else f"{m:.3f} ± {h:.3f}"


def early_words(found: dict[str, dict[str, Any]], early: dict[str, dict[str, Any]],
                epoch: int, epochs: int) -> str:
    """The paragraph on the study read at ``epoch``: per dataset the best depth ≥ DEEP against
    depth 1 then, and where a clear gain then is gone by the end (depth only learned faster).
    """
    parts, faster = [], []
    for ds, e in early.items():
        d = e["best_deep"]
        if d is None or 1 not in e["mean"]:
            continue
        m, h = e["mean"], e["ci95"]
        verdict = "a clear gain" if e["deep_clear"] else "no clear gain"
        parts.append(f"on {ds} depth {d} reaches {_ci(m[d], h[d])} against depth 1's "
                     f"{_ci(m[1], h[1])}, {verdict}")
        if e["deep_clear"] and not found[ds]["deep_clear"]:
            faster.append(ds)
    if not parts:
        return ""
    text = (f"**Earlier in training** (epoch {epoch} of {epochs}, from the runs' curves): "
            + "; ".join(parts) + ".")
    if faster:
        text += (f" So on {' and '.join(faster)} depth learns faster, and by epoch {epochs} "
                 "one wide layer has caught up: how much depth helps depends on the training "
                 "budget as much as on the parameter budget.")
    return text


def conclusions(found: dict[str, dict[str, Any]], plan: dict[str, dict[int, tuple]],
                early: str = "") -> str:
    """What the numbers say, one paragraph per dataset, ``early`` (``early_words``), then where
    depth does not help."""
    paras, no_help = [], []
    for ds, f in found.items():
        m, h = f["mean"], f["ci95"]
        best, lay = f["best"], plan[ds][f["best"]]
        text = (f"**{ds}**: the best depth is {best} ({len(lay)} × {lay[0]} units, "
                f"{_ci(m[best], h[best])})")
        if 1 in m and best != 1:
            text += (f"; one hidden layer of {plan[ds][1][0]} units reaches "
                     f"{_ci(m[1], h[1])}, {f['gain']:.3f} less")
            text += (f": more than the seeds' spread (s = {f['spread']:.3f}) and the intervals "
                     "do not overlap, so depth helps here." if f["clear"] else
                     f", which is within the seeds' spread (s = {f['spread']:.3f}) or the "
                     "intervals overlap: no clear gain from depth.")
        elif best == 1:
            text += ": one wide layer is as good as any deeper one here."
        else:
            text += "."  # no depth 1 in this sweep to compare with
        clause = ""
        if best == 1:
            clause = f"on {ds} one wide layer is the best"
        elif not f["clear"] and 1 in m:
            clause = (f"on {ds} depth {best} is not clearly better than one layer "
                      f"({_ci(m[best], h[best])} against {_ci(m[1], h[1])})")
        if [d for d in f["worse"] if d != 1]:
            worse = ", ".join(f"{d} ({_ci(m[d], h[d])})" for d in f["worse"] if d != 1)
            text += (f" Clearly below the best (interval under the best's): depth {worse}.")
            deeper = [d for d in f["worse"] if d > best]
            if deeper:
                many = len(deeper) > 1
                clause += (", and " if clause else f"on {ds} ") + (
                    f"depth{'s' if many else ''} {_and([str(d) for d in deeper])} "
                    f"({_and([str(plan[ds][d][0]) for d in deeper])} units a layer) "
                    f"{'are' if many else 'is'} clearly worse than depth {best}: too narrow "
                    "layers, or too deep to train in this many epochs")
        if clause:
            no_help.append(clause)
        paras.append(text)
    if early:
        paras.append(early)
    if no_help:
        paras.append("**Where depth does not help**: " + "; ".join(no_help) + ".")
    else:
        paras.append("**Where depth does not help**: nowhere in this sweep is the best depth "
                     "1, and no depth deeper than the best is clearly worse than it.")
    return "\n\n".join(paras)


def _numbers(found: dict[str, dict[str, Any]], early: dict[str, dict[str, Any]],
             early_epoch: int, plan: dict[str, dict[int, tuple]], df: pd.DataFrame,
             seeds: int, epochs: int, budget: int) -> dict[str, Any]:
    n: dict[str, Any] = {"budget": budget, "seeds": seeds, "epochs": epochs, "runs": len(df),
                         "failed": int((df["status"] == "error").sum()),
                         "diverged": int((df["status"] == "diverged").sum()),
                         "early_epoch": early_epoch}
    for ds, f in found.items():
        n[f"{ds}_layers"] = " / ".join(layers_text(plan[ds][d]) for d in sorted(plan[ds]))
        n[f"{ds}_n_params"] = ", ".join(
            str(n_params(plan[ds][d], 2, n_outputs(ds))) for d in sorted(plan[ds]))
        for d in sorted(f["mean"]):
            n[f"{ds}_depth{d}_mean"] = f["mean"][d]
            n[f"{ds}_depth{d}_ci95"] = f["ci95"][d]
        n[f"{ds}_best_depth"] = f["best"]
        n[f"{ds}_best_deep_depth"] = f["best_deep"] if f["best_deep"] is not None else "none"
        n[f"{ds}_gain_best_deep_over_depth1"] = f["deep_gain"]
        n[f"{ds}_spread"] = f["deep_spread"]
        n[f"{ds}_depth_helps"] = f["deep_clear"]
        e = early[ds]
        n[f"{ds}_early_best_deep_depth"] = e["best_deep"] if e["best_deep"] is not None \
            else "none"
        n[f"{ds}_early_gain_best_deep_over_depth1"] = e["deep_gain"]
        n[f"{ds}_early_depth_helps"] = e["deep_clear"]
    return n


def run(quick: bool = False, budget: float | None = None, progress: bool = False,
        param_budget: int = BUDGET, datasets: str | Sequence[str] | None = None,
        depths: str | Sequence[int] | None = None, seeds: int | None = None,
        epochs: int | None = None, sweep_out: str | Path | None = None,
        scheduler: str | None = None, workers: int | None = None) -> ExampleResult:
    """The study (module docstring). ``budget`` (a time limit) does not apply; the others
    override the study's settings (``quick``: ``QUICK``). ``sweep_out``: keep the sweep's
    folder there (runs/, results.csv, results.parquet, report.html; a rerun resumes it),
    else it is temporary."""
    from depthlens.sweep import figures, report
    from depthlens.sweep.results import summarize

    start = time.perf_counter()
    preset = QUICK if quick else {"datasets": DATASETS, "depths": DEPTHS, "seeds": SEEDS,
                                  "epochs": EPOCHS}
    if isinstance(datasets, str):
        datasets = [d.strip() for d in datasets.split(",") if d.strip()]
    if isinstance(depths, str):
        depths = [int(d) for d in depths.split(",") if d.strip()]
    datasets = tuple(datasets or preset["datasets"])
    depths = tuple(sorted(set(depths or preset["depths"])))
    seeds = int(seeds or preset["seeds"])
    epochs = int(epochs or preset["epochs"])
    with _folder(sweep_out) as out:
        df, records, plan = run_study(datasets, depths, seeds, epochs, param_budget, out,
                                      scheduler, workers, progress)
        summary = summarize(df, ["dataset", "depth"])
        found = findings(summary, datasets)
        early_epoch = max(1, round(EARLY * epochs))
        df["early_test_metric"] = [value_at(r, early_epoch) for r in records]
        early = findings(summarize(df, ["dataset", "depth"], "early_test_metric"), datasets)
        numbers = _numbers(found, early, early_epoch, plan, df, seeds, epochs, param_budget)
        words = conclusions(found, plan, early_words(found, early, early_epoch, epochs))
        heat = figures.heatmap(df, "depth", "dataset",
                               title=f"Test accuracy at ~{param_budget} parameters by depth: "
                               f"mean of {seeds} seeds ± 95% interval")
        first = datasets[0]
        curves = figures.curves([r for r in records if r["params"].get("dataset") == first],
                                ["layers"], title=f"{first}: test loss per epoch by hidden "
                                "layers (mean over seeds, 95% band)")
        probes = figures.probes_by_depth(df, panel="dataset")
        if sweep_out is not None:
            report.write_report(out, df, records, axes=["depth", "dataset"], panel="dataset",
                                title=TITLE, lead=words)
        pictures = {"": png(heat, dpi=figures.DPI), "probes": png(probes, dpi=figures.DPI),
                    "curves": png(curves, dpi=figures.DPI)}
    numbers["words"] = words
    result = finish(NAME, TITLE, numbers, start, explanation, pictures,
                    {"table": df, "summary": summary, "records": records, "findings": found,
                     "early": early})
    del result.numbers["words"]
    return result


def explanation(n: dict[str, Any]) -> str:
    """The page's text: how the study was run, then what its numbers say."""
    return f"""
Does depth help at a fixed size? Every network here has about {n['budget']} parameters: for
each depth d the hidden layers are d equal layers as wide as the budget allows (so a deeper
net has narrower layers), and every network is trained identically (tanh, Adam at 0.01,
batches of 10, Glorot init, {n['epochs']} epochs) from {n['seeds']} seeds — {n['runs']} runs
as a `depthlens sweep` on a local Dask cluster ({n['failed']} failed, {n['diverged']}
diverged). Each number is the seeds' mean test accuracy ± the half-width of its 95%
interval (Student t over the seeds).

{n['words']}

**Why depth can help**: a layer can only bend the space it is given; a deeper net bends the
result of the previous bend, so a few narrow layers can fold the plane many times, where one
wide layer adds its smooth ridges side by side. The probe chart shows it layer by layer: the
linear read-out of each stage of a deep net climbs towards the output. At a fixed budget,
depth is paid for in width, and a net too narrow per layer, or too deep to train in this
many epochs, loses again; the paragraph on where depth does not help says where that happened
in this sweep.
"""
