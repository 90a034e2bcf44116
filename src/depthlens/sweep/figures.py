"""A sweep's pictures, readable when projected (text ≥ 12 pt, PNGs ≥ 1200 px wide).

- ``heatmap(df, x, y, value)``: the metric over two grid axes, each cell the mean over its runs
  (the seeds) with the half-width h of its 95% interval, "0.912 ± 0.021", and n; the colour is
  the mean on Playground's grey → blue scale (``draw.colors``), the highest mean the darkest.
- ``curves(records, by)``: the test loss per epoch, one colour per group of ``by``: the mean
  over the group's runs as a line and its 95% interval as a shaded band.
- ``probes_by_depth(df)``: the linear probe's test accuracy per stage (0 = the input, then each
  hidden layer, the last = the output), one line per depth (the number of hidden layers),
  averaged over the runs with the 95% interval as error bars.

Every interval is Student's t over the runs of a cell or group, mean ± t₀.₉₇₅(n − 1)·s/√n
(``results.interval``); with one run there is none, and the figure says so. ``save(fig, path)``
writes a PNG atomically at the figure's own resolution (so a point's display position, from
``ax.transData``, is its pixel in the file).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from depthlens.draw import colors
from depthlens.draw.stage_axes import hexcolor, png_bytes
from depthlens.files import write_bytes
from depthlens.sweep.results import axis_value, interval, probe_columns, summarize

DPI = 100
WIDTH = 13.0
"""Figure width in inches: 1300 px at ``DPI``."""
FONT = 14
"""Text size in points (titles larger, footnotes 12): readable on a projector."""
SMALL = 12
LINE = 3.0

CMAP = ListedColormap(colors.two_class(np.linspace(0.0, 1.0, 256)) / 255.0, name="grey-blue")
"""Playground's scale from its grey (low) to its blue (high)."""

LOG_SPAN = 10.0
"""Loss axes are logarithmic when the largest value is at least this many times the smallest
(as ``draw.figures``)."""


def group_color(k: int) -> str:
    """The k-th group's colour: Playground's orange and blue, then the class palette."""
    return hexcolor(colors.class_color(k))


def value_label(df: pd.DataFrame | None, value: str) -> str:
    """'final test accuracy', 'best test R²', 'final test loss', … for a results column."""
    metric = None
    if df is not None and "metric" in df.columns:
        names = {m for m in df["metric"].dropna().unique()}
        metric = names.pop() if len(names) == 1 else None
    name = {"accuracy": "accuracy", "r2": "R²"}.get(str(metric), "metric")
    if value == "metric":
        return name
    return value.replace("_metric", f"_{name}").replace("_", " ")


def _cell_text(mean: float, h: float, n: int, runs: int) -> str:
    if n == 0:
        return f"no result\n(0 of {runs})"
    top = f"{mean:.3f}" if math.isnan(h) else f"{mean:.3f} ± {h:.3f}"
    count = f"n = {n}" if n == runs else f"n = {n} of {runs}"
    return f"{top}\n{count}"


def _text_color(rgba: Sequence[float]) -> str:
    """White on dark cells, black on light ones (relative luminance)."""
    r, g, b = rgba[:3]
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "#111111"


def heatmap(df: pd.DataFrame, x: str, y: str | None, value: str = "final_test_metric",
            title: str | None = None) -> plt.Figure:
    """The seeds' mean of ``value`` over grid axes ``x`` (columns) and ``y`` (rows; None for
    one row), each cell annotated "mean ± h" and n (module docstring). The axes list their
    values in the grid's order; a cell with no run is left blank."""
    by = [x] if y is None else [y, x]
    s = summarize(df, by, value)
    xs = list(dict.fromkeys(s[x]))
    ys = [None] if y is None else list(dict.fromkeys(s[y]))
    mean = np.full((len(ys), len(xs)), np.nan)
    cells: dict[tuple[int, int], Any] = {}
    for _, row in s.iterrows():
        i = 0 if y is None else ys.index(row[y])
        j = xs.index(row[x])
        mean[i, j] = row["mean"]
        cells[i, j] = row
    finite = mean[np.isfinite(mean)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    height = min(12.0, max(4.2, 1.05 * len(ys) + 2.6))
    fig, ax = plt.subplots(figsize=(WIDTH, height), dpi=DPI)
    image = ax.imshow(np.ma.masked_invalid(mean), cmap=CMAP, vmin=lo, vmax=hi, aspect="auto",
                      interpolation="nearest")
    ax.set_facecolor("white")
    fsize = FONT if len(xs) <= 6 else SMALL
    for (i, j), row in cells.items():
        rgba = CMAP((row["mean"] - lo) / (hi - lo)) if math.isfinite(row["mean"]) else (1, 1, 1)
        ax.text(j, i, _cell_text(row["mean"], row["ci95"], int(row["n"]), int(row["runs"])),
                ha="center", va="center", fontsize=fsize, color=_text_color(rgba),
                linespacing=1.3)
    ax.set_xticks(range(len(xs)), [str(v) for v in xs], fontsize=FONT)
    ax.set_yticks(range(len(ys)), [str(v) if v is not None else "" for v in ys], fontsize=FONT)
    ax.set_xlabel(x, fontsize=FONT)
    if y is not None:
        ax.set_ylabel(y, fontsize=FONT)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.035, pad=0.02)
    bar.ax.tick_params(labelsize=SMALL)
    label = value_label(df, value)
    bar.set_label(f"mean {label}", fontsize=FONT)
    ax.set_title(title or f"{label} by {x}" + (f" and {y}" if y else "") +
                 ": mean over seeds ± 95% interval", fontsize=FONT + 2)
    note = "± is the half-width of the 95% interval of the mean (Student t over the seeds)."
    if any(int(r["n"]) == 1 for r in cells.values()):
        note += " A cell with n = 1 has no interval: one seed says nothing about the spread."
    fig.text(0.01, 0.015, note, fontsize=SMALL, color="#444444", ha="left", va="bottom",
             wrap=True)
    fig.tight_layout(rect=(0, (0.5 if len(note) > 110 else 0.3) / height, 1, 1))
    return fig


Lookup = Mapping[str, Mapping[str, Any]]
"""A run's id → its row of the results table, for grouping records by a column the table
has and their ``params`` do not (a ``depth`` column the depth study adds, say)."""


def _lookup(table: pd.DataFrame | None) -> Lookup:
    if table is None or "id" not in table.columns:
        return {}
    return {str(row["id"]): row for row in table.to_dict("records")}


def _group_key(record: Mapping[str, Any], by: Sequence[str], rows: Lookup | None = None
               ) -> tuple[Any, ...]:
    params = record.get("params") or {}
    row = (rows or {}).get(str(record.get("id")), {})
    return tuple(axis_value(params[b]) if b in params else row.get(b) for b in by)


def group_curves(records: Sequence[Mapping[str, Any]], by: Sequence[str],
                 curve: str = "test_loss", table: pd.DataFrame | None = None,
                 ) -> dict[tuple[Any, ...], dict[str, np.ndarray]]:
    """Per group of ``by`` (the grid's order; a name not in a record's ``params`` is read from
    its row of ``table``): the epochs (the union of the runs' epochs), the runs' ``curve`` on
    them (linear interpolation between recorded epochs, NaN outside a run's own range: a
    diverged run stops early), and per epoch n, the mean and the interval's half-width h (NaN
    where n < 2)."""
    rows = _lookup(table)
    runs: dict[tuple[Any, ...], list[tuple[np.ndarray, np.ndarray]]] = {}
    for r in records:
        c = r.get("curve") or {}
        ep = np.asarray(c.get("epoch") or [], dtype=float)
        val = np.asarray([np.nan if v is None else v for v in (c.get(curve) or [])], dtype=float)
        ok = np.isfinite(ep[:len(val)]) & np.isfinite(val[:len(ep)])
        key = _group_key(r, by, rows)
        runs.setdefault(key, [])
        if ok.sum():
            runs[key].append((ep[:len(val)][ok], val[:len(ep)][ok]))
    out = {}
    for key, items in runs.items():
        epochs = np.unique(np.concatenate([e for e, _ in items])) if items else np.zeros(0)
        values = np.full((len(items), len(epochs)), np.nan)
        for k, (e, v) in enumerate(items):
            inside = (epochs >= e.min()) & (epochs <= e.max())
            values[k, inside] = np.interp(epochs[inside], e, v)
        stats = np.array([interval(values[:, t]) for t in range(len(epochs))]).reshape(-1, 4)
        out[key] = {"epoch": epochs, "values": values, "n": stats[:, 0], "mean": stats[:, 1],
                    "ci95": stats[:, 3]}
    return out


def _key_text(by: Sequence[str], key: tuple[Any, ...]) -> str:
    return " · ".join(f"{b}={v}" for b, v in zip(by, key)) or "all runs"


def _curve_axes(ax: plt.Axes, groups: Mapping[tuple[Any, ...], Mapping[str, np.ndarray]],
                by: Sequence[str], color_of: Mapping[tuple[Any, ...], int], curve: str,
                ) -> tuple[bool, bool]:
    """Draw ``groups`` on ``ax``; return (anything drawn, a stretch with one run)."""
    lows, highs, single = [], [], False
    for key, g in groups.items():
        if not len(g["epoch"]):
            continue
        color = group_color(color_of[key])
        band = np.isfinite(g["ci95"])
        if band.any():
            ax.fill_between(g["epoch"], g["mean"] - np.where(band, g["ci95"], 0),
                            g["mean"] + np.where(band, g["ci95"], 0), where=band,
                            color=color, alpha=0.18 if len(groups) <= 3 else 0.1,
                            linewidth=0, zorder=1)
        single |= bool((g["n"] == 1).any())
        ax.plot(g["epoch"], g["mean"], color=color, lw=LINE, zorder=3,
                label=f"{_key_text(by, key)} (n = {len(g['values'])})")
        finite = g["mean"][np.isfinite(g["mean"])]
        if finite.size:
            lows.append(finite.min())
            highs.append(finite.max())
    if lows and min(lows) > 0 and max(highs) >= LOG_SPAN * min(lows) and "loss" in curve:
        ax.set_yscale("log")  # the means' range: a band reaching 0 would stretch it to 1e-9
        ax.set_ylim(min(lows) / 2, max(highs) * 2)
    elif lows and "loss" in curve and min(lows) >= 0:
        ax.set_ylim(bottom=0)  # a loss is never negative, whatever a wide band says
    if not lows:
        ax.text(0.5, 0.5, "no curves recorded", transform=ax.transAxes, ha="center",
                fontsize=FONT)
    ax.set_xlabel("epoch", fontsize=FONT)
    ax.tick_params(which="both", labelsize=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, color="#e4e4e4", lw=0.8)
    return bool(lows), single


def curves(records: Sequence[Mapping[str, Any]], by: Sequence[str], curve: str = "test_loss",
           title: str | None = None, table: pd.DataFrame | None = None,
           panel: str | None = None) -> plt.Figure:
    """Learning curves by group (module docstring): the mean ``curve`` ('test_loss',
    'train_loss' or 'test_metric') over each group's runs per epoch and its shaded 95%
    interval. ``table``: the results table, for ``by`` or ``panel`` names that are its columns
    rather than grid axes; ``panel``: one plot per value of that name, side by side (each
    group keeps its colour in all of them)."""
    by = [b for b in by if b != panel]
    name = curve.replace("test_metric", "test " + value_label(table, "metric"))
    name = name.replace("_", " ")
    rows = _lookup(table)
    if panel is None:
        parts = {None: list(records)}
    else:
        parts = {}
        for r in records:
            parts.setdefault(_group_key(r, [panel], rows)[0], []).append(r)
    drawn = {p: group_curves(recs, by, curve, table) for p, recs in parts.items()}
    color_of: dict[tuple[Any, ...], int] = {}
    for groups in drawn.values():
        for key in groups:
            color_of.setdefault(key, len(color_of))
    ncol = min(3, len(parts))
    nrow = math.ceil(len(parts) / ncol)
    legend_rows = 0 if panel is None else math.ceil(len(color_of) / min(6, len(color_of) or 1))
    height = (6.2 if panel is None else 5.0) * nrow + 0.4 * legend_rows
    fig, axs = plt.subplots(nrow, ncol, figsize=(WIDTH, height), dpi=DPI, squeeze=False)
    any_drawn, single = False, False
    for k, (p, groups) in enumerate(drawn.items()):
        ax = axs[k // ncol][k % ncol]
        got, one = _curve_axes(ax, groups, by, color_of, curve)
        any_drawn |= got
        single |= one
        if k % ncol == 0:
            ax.set_ylabel(name, fontsize=FONT)
        if p is not None:
            ax.set_title(f"{panel} = {p}", fontsize=FONT)
    for k in range(len(parts), nrow * ncol):
        axs[k // ncol][k % ncol].set_visible(False)
    head = title or (f"{name} per epoch by {', '.join(by) or 'run'}: mean over seeds, "
                     "shaded 95% interval")
    note = "Shaded: the 95% interval of the mean (Student t over the group's runs at each epoch)."
    if single:
        note += " Where only one run is left (n = 1) there is no band."
    fig.text(0.01, 0.015, note, fontsize=SMALL, color="#444444", ha="left", va="bottom")
    if panel is None:
        ax = axs[0][0]
        ax.set_title(head, fontsize=FONT + 2)
        if any_drawn:
            ax.legend(fontsize=SMALL if len(color_of) > 6 else FONT, loc="best",
                      framealpha=0.9, ncol=1 if len(color_of) <= 6 else 2)
        fig.tight_layout(rect=(0, 0.3 / height, 1, 1))
        return fig
    fig.suptitle(head, fontsize=FONT + 2)
    handles: dict[str, Any] = {}
    for ax in axs.flat:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label.split(" (n = ")[0], h)
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="lower center",
                   bbox_to_anchor=(0.5, 0.3 / height), ncol=min(6, len(handles)),
                   fontsize=SMALL, frameon=False, handlelength=2.5, columnspacing=2.0)
    fig.tight_layout(rect=(0, (0.45 + 0.32 * legend_rows) / height, 1, 1))
    return fig


def depth_of_rows(df: pd.DataFrame) -> pd.Series:
    """The number of hidden layers of each run: a ``depth`` column if the table has one, else
    its probe stages less two (the input and the output: a run's probes are one per stage of
    its Config's layers); NaN for a run without probes."""
    if "depth" in df.columns:
        return pd.to_numeric(df["depth"], errors="coerce")
    cols = probe_columns(df)
    if not cols:
        return pd.Series(np.nan, index=df.index)
    finite = np.isfinite(df[cols].to_numpy(dtype=float))
    last = np.where(finite.any(axis=1), finite.shape[1] - np.argmax(finite[:, ::-1], axis=1),
                    0)
    return pd.Series(np.where(last >= 2, last - 2, np.nan), index=df.index)


def probe_lines(df: pd.DataFrame) -> dict[int, dict[str, np.ndarray]]:
    """Per depth (ascending): per stage 0..depth+1, n, the mean probe score and the interval's
    half-width h over the runs of that depth."""
    depth = depth_of_rows(df)
    cols = probe_columns(df)
    out = {}
    for d in sorted({int(v) for v in depth.dropna()}):
        part = df.loc[depth == d, cols[:d + 2]].to_numpy(dtype=float)
        stats = np.array([interval(part[:, s]) for s in range(d + 2)]).reshape(-1, 4)
        out[d] = {"stage": np.arange(d + 2), "n": stats[:, 0], "mean": stats[:, 1],
                  "ci95": stats[:, 3]}
    return out


def _probe_axes(ax: plt.Axes, df: pd.DataFrame) -> tuple[bool, int]:
    lines = probe_lines(df)
    single, widest = False, 1
    for k, (d, g) in enumerate(lines.items()):
        color = group_color(k)
        shift = (k - (len(lines) - 1) / 2) * 0.05
        h = np.where(np.isfinite(g["ci95"]), g["ci95"], 0.0)
        single |= bool((g["n"] == 1).any())
        n = int(g["n"].max()) if len(g["n"]) else 0
        ax.errorbar(g["stage"] + shift, g["mean"], yerr=h, color=color, lw=LINE, marker="o",
                    ms=7, capsize=5, elinewidth=2, zorder=3,
                    label=f"depth {d} (n = {n})")
        ax.plot(g["stage"][-1:] + shift, g["mean"][-1:], marker="s", ms=12, color=color,
                mfc="white", mew=2.5, zorder=4, ls="none")
        widest = max(widest, d + 1)
    if not lines:
        ax.text(0.5, 0.5, "no probes recorded", transform=ax.transAxes, ha="center",
                fontsize=FONT)
    ax.set_xticks(range(widest + 1),
                  ["input", *[str(s) for s in range(1, widest + 1)]], fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, axis="y", color="#e4e4e4", lw=0.8)
    return single, len(lines)


def probes_by_depth(df: pd.DataFrame, panel: str | None = None,
                    title: str | None = None) -> plt.Figure:
    """Probe score per stage, one line per depth (module docstring); ``panel``: one plot per
    value of that column (a dataset axis, say), side by side."""
    panels = [None] if panel is None else list(dict.fromkeys(df[panel]))
    ncol = min(3, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    height = 5.2 * nrow + 1.6
    fig, axs = plt.subplots(nrow, ncol, figsize=(WIDTH, height), dpi=DPI,
                            squeeze=False, sharey=True)
    single = False
    for p, value in enumerate(panels):
        ax = axs[p // ncol][p % ncol]
        part = df if panel is None else df[df[panel] == value]
        one, _ = _probe_axes(ax, part)
        single |= one
        if panel is not None:
            ax.set_title(f"{panel} = {value}", fontsize=FONT)
    for p in range(len(panels), nrow * ncol):
        axs[p // ncol][p % ncol].set_visible(False)
    metric = value_label(df, "metric")
    for row in axs:
        row[0].set_ylabel(f"linear probe {metric} (test)", fontsize=FONT)
    fig.suptitle(title or f"How linearly separable is each stage? Probe {metric} by depth, "
                 "mean over seeds ± 95% interval", fontsize=FONT + 2)
    handles: dict[str, Any] = {}
    for ax in axs.flat:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label.split(" (")[0], h)
    labels = {k: k for k in handles}
    for ax in axs.flat:  # the largest n of a depth over the panels, in the legend
        for label in ax.get_legend_handles_labels()[1]:
            key = label.split(" (")[0]
            labels[key] = max(labels[key], label, key=len)
    ncol = len(handles) if len(handles) <= 4 else math.ceil(len(handles) / 2)
    rows = math.ceil(len(handles) / ncol) if handles else 0
    if handles:
        fig.legend(list(handles.values()), [labels[k] for k in handles], loc="lower center",
                   bbox_to_anchor=(0.5, 0.3 / height), ncol=ncol, fontsize=SMALL,
                   frameon=False, handlelength=2.5, columnspacing=2.5)
    label_at = 0.35 + 0.32 * rows
    fig.supxlabel("stage: the input, hidden layer 1, 2, … of a network of that depth "
                  "(depth = hidden layers); □ = its output", fontsize=FONT,
                  y=label_at / height, va="bottom")
    note = "Error bars: the 95% interval of the mean (Student t over the runs of that depth)."
    if single:
        note += " A point from one run (n = 1) has no bar."
    fig.text(0.01, 0.01, note, fontsize=SMALL, color="#444444", ha="left", va="bottom")
    fig.tight_layout(rect=(0, (label_at + 0.3) / height, 1, 1))
    return fig


def png(fig: plt.Figure, close: bool = True) -> bytes:
    """The figure as PNG bytes at its own resolution."""
    return png_bytes(fig, dpi=fig.dpi, close=close)


def save(fig: plt.Figure, path: str | os.PathLike[str], close: bool = True) -> Path:
    """Write the figure as a PNG atomically (a temporary file, then a rename) at its own
    resolution; close it unless ``close`` is False. Returns the path."""
    write_bytes(path, png(fig, close))
    return Path(path)


__all__ = ["CMAP", "curves", "group_curves", "heatmap", "png", "probe_lines",
           "probes_by_depth", "save"]
