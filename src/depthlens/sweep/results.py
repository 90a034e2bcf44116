"""A sweep's results as a table: the run records read back, flattened, written, summarized.

Every finished run of a sweep is one JSON record ``<out>/runs/<id>.json`` (the contract is
sweep-core's; its keys are listed in ``RECORD_KEYS``). This module reads them and makes:

- ``table(records)``: one row per record, in the order given (the grid's order), columns
  ``id``, every grid axis (the union of the records' ``params`` keys in the order they first
  appear, ``seed`` last among them), the fixed columns of ``COLUMNS``, then ``probe_0`` …
  ``probe_{k-1}`` (k = the most probe stages of any run; a run with fewer gets NaN);
- ``write(out, records)``: ``results.csv`` and, when pyarrow imports, ``results.parquet``,
  each written whole or not at all (``files.write_bytes``: a temporary file, fsync, rename);
- ``summarize(df, by, value)``: per group, the number of runs with a finite value n, their
  mean x̄ and standard deviation s (n − 1 in the denominator), and the half-width of the 95%
  confidence interval of the mean over seeds, Student's t with n − 1 degrees of freedom:

      h = t₀.₉₇₅(n − 1) · s / √n,      interval [x̄ − h, x̄ + h]

  (NaN when n < 2: one seed says nothing about the spread).

Python::

    from depthlens.sweep import results
    records = results.read_records("runs/sweep")
    df = results.table(records)
    results.summarize(df, ["layers"])
"""

from __future__ import annotations

import io
import json
import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from depthlens.errors import DataError
from depthlens.files import write_bytes

RUNS = "runs"
CSV = "results.csv"
PARQUET = "results.parquet"

RECORD_KEYS = ("id", "config", "params", "status", "error", "metric", "epochs", "final",
               "best", "target", "target_epoch", "diverged_at", "probes", "curve", "n_params",
               "wall_seconds", "worker", "finished_at", "depthlens")
"""The keys of a run record (sweep-core's schema); only ``id`` and ``params`` are required
here, a missing other key reads as a missing value."""

COLUMNS = ("status", "error", "metric", "epochs", "final_train_loss", "final_test_loss",
           "final_test_metric", "best_test_loss", "best_test_metric", "target_epoch",
           "diverged_at", "n_params", "wall_seconds", "worker")
"""The columns between the grid axes and the probes, in the table's order."""

FLOAT_COLUMNS = ("final_train_loss", "final_test_loss", "final_test_metric", "best_test_loss",
                 "best_test_metric", "target_epoch", "diverged_at", "wall_seconds")
"""Columns held as floats (NaN = missing: an errored run's losses, a target never reached)."""

SEED = "seed"
STATUSES = ("ok", "diverged", "error")


# -- reading ------------------------------------------------------------------------------------
def is_record_file(path: Path) -> bool:
    """A finished record's file: ``<id>.json``, not a hidden temporary file (``.x.json.tmp``,
    the atomic writer's) nor anything else in the folder."""
    return path.suffix == ".json" and not path.name.startswith(".") and path.is_file()


def read_records(out: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every run record in ``<out>/runs/``, sorted by finishing time then id.

    Temporary files of a write under way are ignored; a file that is not a JSON object with an
    ``id`` and ``params`` (cut short, edited by hand) is named in a ``RuntimeWarning`` and
    skipped, so one bad file does not hide the other results. The records do not know the
    grid's order: a caller that does (the sweep) passes them to ``table`` in that order."""
    folder = Path(out) / RUNS
    if not folder.is_dir():
        return []
    records = []
    for path in sorted(folder.iterdir()):
        if not is_record_file(path):
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            check_record(record)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            warnings.warn(f"{path}: not a readable run record, skipped ({e})", RuntimeWarning,
                          stacklevel=2)
            continue
        records.append(record)
    records.sort(key=lambda r: (str(r.get("finished_at") or ""), str(r["id"])))
    return records


def check_record(record: Any, index: int | None = None) -> None:
    """DataError naming the field when ``record`` lacks what ``table`` needs: a JSON object
    with a string ``id``, a ``params`` object and, if present, a known ``status`` and a list of
    ``probes``."""
    where = "record" if index is None else f"record {index}"
    if not isinstance(record, Mapping):
        raise DataError(f"{where}: a run record is a JSON object, not {type(record).__name__}",
                        field="record")
    if not isinstance(record.get("id"), str) or not record["id"]:
        raise DataError(f"{where}: 'id' must be a non-empty string, not {record.get('id')!r}",
                        field="id", value=record.get("id"))
    if not isinstance(record.get("params"), Mapping):
        raise DataError(f"{where} {record['id']}: 'params' must be an object of grid axes, not "
                        f"{record.get('params')!r}", field="params", value=record.get("params"))
    status = record.get("status")
    if status is not None and status not in STATUSES:
        raise DataError(f"{where} {record['id']}: 'status' {status!r} is not allowed; expected "
                        f"one of {', '.join(map(repr, STATUSES))}", field="status", value=status)
    probes = record.get("probes")
    if probes is not None and not isinstance(probes, list):
        raise DataError(f"{where} {record['id']}: 'probes' must be a list, not {probes!r}",
                        field="probes", value=probes)


# -- the table ----------------------------------------------------------------------------------
def axes_of(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The grid axes: the union of the records' ``params`` keys in the order they first
    appear, ``seed`` last."""
    seen: dict[str, None] = {}
    for r in records:
        for k in r["params"]:
            seen.setdefault(str(k), None)
    names = [k for k in seen if k != SEED]
    return names + ([SEED] if SEED in seen else [])


def axis_value(v: Any) -> Any:
    """A grid value as a table cell: lists (``layers: [8, 8]`` from a spec file) become the
    command line's text ``'8,8'`` so a column can be grouped on; scalars stay as they are."""
    if isinstance(v, list | tuple):
        return ",".join(str(axis_value(x)) for x in v)
    if isinstance(v, Mapping):
        return json.dumps(v, sort_keys=True)
    return v


def _num(v: Any) -> float:
    """A JSON number (or null) as a float, NaN for missing or non-numeric."""
    if isinstance(v, bool) or v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _sub(record: Mapping[str, Any], key: str, sub: str) -> float:
    part = record.get(key)
    return _num(part.get(sub)) if isinstance(part, Mapping) else math.nan


def row_of(record: Mapping[str, Any], axes: Sequence[str]) -> dict[str, Any]:
    """One record as a table row (the probes apart)."""
    params = record["params"]
    row: dict[str, Any] = {"id": record["id"]}
    for a in axes:
        row[a] = axis_value(params[a]) if a in params else None
    row.update(
        status=record.get("status"), error=record.get("error"), metric=record.get("metric"),
        epochs=record.get("epochs"),
        final_train_loss=_sub(record, "final", "train_loss"),
        final_test_loss=_sub(record, "final", "test_loss"),
        final_test_metric=_sub(record, "final", "test_metric"),
        best_test_loss=_sub(record, "best", "test_loss"),
        best_test_metric=_sub(record, "best", "test_metric"),
        target_epoch=_num(record.get("target_epoch")),
        diverged_at=_num(record.get("diverged_at")),
        n_params=record.get("n_params"), wall_seconds=_num(record.get("wall_seconds")),
        worker=record.get("worker"))
    return row


def table(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The results table: one row per record, in the order given (module docstring).

    ``epochs`` and ``n_params`` are nullable integers (pandas ``Int64``), the losses, metrics,
    epochs of a target or a divergence and the wall time floats with NaN for missing, the
    probes floats with NaN where a run has fewer stages (or none: an errored run)."""
    for i, r in enumerate(records):
        check_record(r, i)
    axes = axes_of(records)
    k = max((len(r.get("probes") or []) for r in records), default=0)
    probe_names = [f"probe_{j}" for j in range(k)]
    columns = ["id", *axes, *COLUMNS, *probe_names]
    rows = [row_of(r, axes) for r in records]
    df = pd.DataFrame(rows, columns=columns[:len(columns) - k])
    probes = np.full((len(records), k), np.nan)
    for i, r in enumerate(records):
        values = [_num(v) for v in (r.get("probes") or [])]
        probes[i, :len(values)] = values
    for j, name in enumerate(probe_names):
        df[name] = probes[:, j]
    for c in FLOAT_COLUMNS:
        df[c] = df[c].astype("float64")
    for c in ("epochs", "n_params"):
        df[c] = pd.array([None if v is None or (isinstance(v, float) and math.isnan(v))
                          else int(v) for v in df[c]], dtype="Int64")
    for c in ("id", "status", "error", "metric", "worker"):
        df[c] = df[c].astype("object")
    return df[columns]


def probe_columns(df: pd.DataFrame) -> list[str]:
    """The table's ``probe_j`` columns, in stage order."""
    names = [c for c in df.columns if str(c).startswith("probe_") and str(c)[6:].isdigit()]
    return sorted(names, key=lambda c: int(str(c)[6:]))


def grid_axes(df: pd.DataFrame) -> list[str]:
    """The grid axes of a results table: the columns between ``id`` and ``status``."""
    cols = list(df.columns)
    return cols[cols.index("id") + 1:cols.index("status")]


# -- files --------------------------------------------------------------------------------------
def _parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns of mixed types (a grid axis given as 8 in one run and 'x' in another)
    as text, which Parquet's typed columns can hold."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            kinds = {type(v) for v in out[c] if v is not None and v == v}
            if len(kinds) > 1:
                out[c] = [None if v is None or v != v else str(v) for v in out[c]]
    return out


def write(out: str | os.PathLike[str], records: Sequence[Mapping[str, Any]] | pd.DataFrame,
          ) -> list[Path]:
    """Write ``<out>/results.csv`` and, when pyarrow imports, ``<out>/results.parquet``.

    Both are made in memory first, then each is written atomically, so a reader (or a kill)
    sees the old file or the new one, never part of one. Without pyarrow an older
    ``results.parquet`` is removed, so the two files never disagree. ``records`` may be the
    records or their table. Returns the paths written."""
    df = records if isinstance(records, pd.DataFrame) else table(records)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    blobs = {CSV: df.to_csv(index=False).encode("utf-8")}
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        (folder / PARQUET).unlink(missing_ok=True)
    else:
        buf = io.BytesIO()
        _parquet_ready(df).to_parquet(buf, index=False, engine="pyarrow")
        blobs[PARQUET] = buf.getvalue()
    paths = []
    for name, data in blobs.items():
        write_bytes(folder / name, data)
        paths.append(folder / name)
    return paths


# -- summaries ----------------------------------------------------------------------------------
def t_quantile(dof: int) -> float:
    """Student's t quantile t₀.₉₇₅(dof): the 95% two-sided critical value (NaN for dof < 1)."""
    if dof < 1:
        return math.nan
    from scipy.stats import t

    return float(t.ppf(0.975, dof))


def interval(values: Iterable[float]) -> tuple[int, float, float, float]:
    """(n, mean, std, h) of the finite values: the 95% interval of the mean is mean ± h,
    h = t₀.₉₇₅(n − 1)·s/√n (std and h NaN for n < 2; everything NaN for n = 0)."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    n = len(v)
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n < 2:
        return 1, mean, math.nan, math.nan
    std = float(v.std(ddof=1))
    return n, mean, std, t_quantile(n - 1) * std / math.sqrt(n)


SUMMARY_COLUMNS = ("runs", "n", "mean", "std", "ci95", "ci95_low", "ci95_high", "diverged",
                   "failed")
"""summarize()'s columns after the group keys: ``runs`` in the group, ``n`` of them with a
finite value, ``mean``, ``std``, ``ci95`` (the half-width h), the interval's ends, and how many
runs ``diverged`` or ``failed`` (status 'error'; their value is missing and not counted in n)."""


def summarize(df: pd.DataFrame, by: Sequence[str], value: str = "final_test_metric",
              ) -> pd.DataFrame:
    """Per group of ``by`` (in the order the groups first appear: the grid's), the statistics
    of ``value`` over the group's runs (``SUMMARY_COLUMNS``; the interval in the module
    docstring). A diverged run counts with the value it reached; an errored one has none."""
    by = list(by)
    for name in [*by, value]:
        if name not in df.columns:
            raise DataError(f"summarize: {name!r} is not a column of the results; expected one "
                            f"of {', '.join(map(repr, map(str, df.columns)))}", field=name)
    rows = []
    if len(df):
        groups = df.groupby(by, sort=False, dropna=False) if by else [((), df)]
        for key, part in groups:
            key = key if isinstance(key, tuple) else (key,)
            n, mean, std, h = interval(pd.to_numeric(part[value], errors="coerce"))
            status = part["status"] if "status" in part else pd.Series([], dtype=object)
            rows.append({**dict(zip(by, key)), "runs": len(part), "n": n, "mean": mean,
                         "std": std, "ci95": h, "ci95_low": mean - h, "ci95_high": mean + h,
                         "diverged": int((status == "diverged").sum()),
                         "failed": int((status == "error").sum())})
    return pd.DataFrame(rows, columns=[*by, *SUMMARY_COLUMNS])


__all__ = ["COLUMNS", "CSV", "PARQUET", "RECORD_KEYS", "SUMMARY_COLUMNS", "axes_of",
           "check_record", "grid_axes", "interval", "probe_columns", "read_records",
           "summarize", "table", "write"]
