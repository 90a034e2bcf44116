"""A sweep's ``report.html``: one self-contained page (pictures as data URIs, as the lens and
lab reports do) with the summary table, the heatmap, the learning curves, the probes by depth
and a line for every run that failed or diverged.

The pictures are also written beside it (``heatmap.png``, ``curves.png``, ``probes.png``), each
atomically, then the page last::

    from depthlens.sweep import report, results
    records = results.read_records("runs/sweep")
    report.write_report("runs/sweep", results.table(records), records,
                        axes=("layers", "optimizer"))
"""

from __future__ import annotations

import base64
import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from depthlens.files import write_bytes, write_text
from depthlens.sweep import figures
from depthlens.sweep.results import SEED, grid_axes, summarize

REPORT = "report.html"
HEATMAP, CURVES, PROBES = "heatmap.png", "curves.png", "probes.png"

TEXT = {
    HEATMAP: ("The metric over two axes",
              "Each cell is the mean over its runs (the seeds) with the half-width of the 95% "
              "interval of that mean (Student t with n − 1 degrees of freedom: t₀.₉₇₅·s/√n), "
              "and n, the runs with a result. The darker the blue, the higher the mean. Two "
              "cells whose intervals overlap are not shown apart by this many seeds."),
    CURVES: ("Learning curves",
             "The test loss per epoch, one colour per group: the line is the mean over the "
             "group's runs, the shaded band its 95% interval. A run that diverged stops where "
             "it diverged, so later epochs average fewer runs."),
    PROBES: ("How separable each layer makes the data",
             "A linear probe (logistic regression) on each stage's representation of the "
             "training points, scored on the test points: the input, then every hidden layer, "
             "then the output (the square). One line per depth (hidden layers), the mean over "
             "its runs with 95% intervals as bars. A deep network that has learned the task "
             "makes its stages more and more linearly separable."),
}

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1320px; margin: 2em auto;
       padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; }
img { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.7em; text-align: right; }
th { background: #f4f5f6; }
.lead { color: #555; } .file { color: #888; font-size: 0.85em; }
li.diverged { color: #8a5a00; } li.error { color: #a01010; }
"""


def fmt(v: object, digits: int = 4) -> str:
    """A table cell: floats with ``digits`` significant digits, missing as '–', text escaped."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return html.escape(str(v))


def summary_table(summary: pd.DataFrame, by: Sequence[str]) -> str:
    """The summary as an HTML table: the group, runs, n, mean ± h, the 95% interval, the
    standard deviation, diverged and failed."""
    head = [*by, "runs", "n", "mean", "± (95%)", "95% interval", "std", "diverged", "failed"]
    rows = []
    for _, r in summary.iterrows():
        ci = ("–" if math.isnan(r["ci95"]) else
              f"[{fmt(float(r['ci95_low']))}, {fmt(float(r['ci95_high']))}]")
        cells = [*(fmt(r[b]) for b in by), fmt(int(r["runs"])), fmt(int(r["n"])),
                 fmt(float(r["mean"])), fmt(float(r["ci95"]), 2), ci, fmt(float(r["std"]), 2),
                 fmt(int(r["diverged"])), fmt(int(r["failed"]))]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f'<table class="summary"><tr>{header}</tr>{"".join(rows)}</table>'


def problem_lines(records: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(status, text) for every run that did not finish cleanly: 'diverged at epoch 58' or
    the error's one-line message, after the run's id and grid values."""
    out = []
    for r in records:
        status = r.get("status")
        if status == "ok":
            continue
        params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
        if status == "diverged":
            what = f"diverged at epoch {r.get('diverged_at')}"
        else:
            what = f"error: {r.get('error') or 'no message'}"
        out.append((str(status), f"{r.get('id')} ({params}): {what}"))
    return out


def inline(text: str) -> str:
    """A paragraph of text as HTML, escaped, with markdown's **bold** and `code` kept."""
    out = html.escape(" ".join(text.split()), quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def _uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def default_axes(df: pd.DataFrame) -> list[str]:
    """The grid axes other than the seed, in the grid's order."""
    return [a for a in grid_axes(df) if a != SEED]


def report_html(df: pd.DataFrame, records: Sequence[Mapping[str, Any]],
                pictures: Mapping[str, bytes], by: Sequence[str], value: str,
                title: str, lead: str = "") -> str:
    """The page (module docstring) with ``pictures`` (file name → PNG bytes) embedded."""
    status = df["status"].value_counts() if len(df) else pd.Series(dtype=int)
    counts = ", ".join(f"{int(status.get(s, 0))} {s}" for s in ("ok", "diverged", "error"))
    seeds = df[SEED].nunique() if SEED in df.columns else 1
    intro = (f"{len(df)} runs ({counts}) over {', '.join(by) or 'no axis'}"
             f"{f' × {seeds} seeds' if seeds > 1 else ''}; {figures.value_label(df, value)} "
             "as the mean over seeds with its 95% interval.")
    sections = [f"<section><h2>Summary: {html.escape(figures.value_label(df, value))}</h2>"
                f"{summary_table(summarize(df, by, value), by)}</section>"]
    for name, (heading, text) in TEXT.items():
        if name == HEATMAP and len(by) > 2:
            text += (f" Each cell pools the runs of every {', '.join(by[2:])} (see the "
                     "summary table for them apart).")
        if name in pictures:
            sections.append(
                f"<section><h2>{html.escape(heading)}</h2><p>{html.escape(text)}</p>"
                f'<img src="{_uri(pictures[name])}" alt="{html.escape(name)}">'
                f'<p class="file">{html.escape(name)}</p></section>')
    problems = problem_lines(records)
    items = "".join(f'<li class="{html.escape(s)}">{html.escape(t)}</li>' for s, t in problems)
    sections.append("<section><h2>Runs that failed or diverged</h2>" +
                    (f'<ul class="problems">{items}</ul>' if problems
                     else "<p>None: every run finished.</p>") + "</section>")
    extra = "".join(f"<p>{inline(p.strip())}</p>" for p in lead.split("\n\n") if p.strip())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="lead">{html.escape(intro)}</p>
{extra}
{''.join(sections)}
</body></html>
"""


def write_report(out: str | os.PathLike[str], df: pd.DataFrame,
                 records: Sequence[Mapping[str, Any]],
                 axes: Sequence[str] | None = None, value: str = "final_test_metric",
                 panel: str | None = None, title: str | None = None,
                 lead: str = "") -> Path:
    """Write the pictures and ``<out>/report.html``; return the page's path.

    Args:
        df: the results table (``results.table(records)``).
        records: the run records (their curves and failures).
        axes: the grid axes to group by; the first two are the heatmap's x and y (one axis: a
            single row). Default: every grid axis but the seed.
        value: the column summarized and drawn.
        panel: draw the curves and the probes with one panel per value of this column.
        lead: paragraphs (blank-line separated) put under the title."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    by = list(default_axes(df) if axes is None else axes)
    pictures: dict[str, bytes] = {}
    if by and len(df):
        x, y = by[0], by[1] if len(by) > 1 else None
        pictures[HEATMAP] = figures.png(figures.heatmap(df, x, y, value))
    if any((r.get("curve") or {}).get("epoch") for r in records):
        pictures[CURVES] = figures.png(figures.curves(records, by, table=df, panel=panel))
    if len(df) and figures.probe_lines(df):
        pictures[PROBES] = figures.png(figures.probes_by_depth(df, panel=panel))
    for name, data in pictures.items():
        write_bytes(folder / name, data)
    page = report_html(df, records, pictures, by, value,
                       title or f"depthlens sweep · {folder.name or folder.resolve().name}",
                       lead)
    write_text(folder / REPORT, page)
    return folder / REPORT


__all__ = ["REPORT", "problem_lines", "report_html", "summary_table", "write_report"]
