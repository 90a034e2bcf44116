"""Load a dataset from CSV text or a CSV file (parsed with the standard ``csv`` module).

Format: UTF-8 (a BOM is allowed), comma-separated, first non-blank line is the header of column
names (unique, non-empty), every other non-blank line is a data row with exactly one cell per
column. Cells are stripped of surrounding spaces. Feature cells must be finite numbers (Python's
``float`` syntax: ``3``, ``-0.5``, ``1e-3``); there is no missing-value handling.

Target and problem:

- ``target`` defaults to the last column; ``features`` default to every other column.
- ``problem='auto'``: classification if any target cell is not a number, or if every target is an
  integer value and there are at most 10 distinct values; otherwise regression.
- Classification classes are sorted: numerically when every target cell is a number (so -1, 1
  gives class 0 = '-1', class 1 = '1', matching Playground's orange/blue), else as strings
  (Unicode order). Class names are the values as text ('1.0' and '1' are the same class '1').
  At most 1000 classes. A file may hold a single class.
- Regression targets are float64 of shape (n,).

Every error is a DataError that names the line (1-based physical line of the file, the header
normally being line 1), the column and the cell where that applies.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from depthlens.data._checks import check_int
from depthlens.data.dataset import Dataset
from depthlens.errors import ConfigError, DataError

MAX_BYTES = 10_000_000
MAX_ROWS = 100_000
MAX_CLASSES = 1000
AUTO_MAX_CLASSES = 10
PROBLEM_CHOICES = ("auto", "classification", "regression")

Problem = Literal["auto", "classification", "regression"]


def _number(cell: str) -> float | None:
    """The cell as a float, or None if it is not a number."""
    try:
        return float(cell)
    except ValueError:
        return None


def _class_name(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)


def _columns(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _read_table(text: str, max_rows: int) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (cells stripped) and each row's line number."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    last = 0
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            cells = [c.strip() for c in row]
            if not cells or (len(cells) == 1 and not cells[0]):
                continue  # blank line
            if header is None:
                header = cells
                _check_header(header, line)
                continue
            if len(cells) != len(header):
                raise DataError(
                    f"line {line}: {len(cells)} cells, but the header has {len(header)} columns"
                )
            if len(rows) >= max_rows:
                raise DataError(
                    f"line {line}: more than max_rows={max_rows} data rows; "
                    "use a smaller file or raise max_rows"
                )
            rows.append(cells)
            lines.append(line)
    except csv.Error as e:
        raise DataError(f"line {reader.line_num}: not valid CSV: {e}") from None
    if header is None:
        raise DataError("the CSV is empty: expected a header line of column names")
    if not rows:
        raise DataError(f"the CSV has a header ({_columns(header)}) but no data rows")
    return header, rows, lines


def _check_header(header: list[str], line: int) -> None:
    seen: dict[str, int] = {}
    for j, name in enumerate(header, start=1):
        if not name:
            raise DataError(f"line {line}: column {j} of the header has no name")
        if name in seen:
            raise DataError(
                f"line {line}: duplicate column name {name!r} (columns {seen[name]} and {j})"
            )
        seen[name] = j


def _pick_columns(
    header: list[str], target: str | None, features: Sequence[str] | None
) -> tuple[int, list[int]]:
    if target is None:
        target = header[-1]
    if target not in header:
        raise DataError(f"target column {target!r} not found; the columns are {_columns(header)}")
    t = header.index(target)
    if features is None:
        cols = [j for j in range(len(header)) if j != t]
    else:
        if isinstance(features, str):
            features = [features]
        cols = []
        for f in features:
            if f not in header:
                raise DataError(
                    f"feature column {f!r} not found; the columns are {_columns(header)}"
                )
            j = header.index(f)
            if j == t:
                raise DataError(f"column {f!r} is the target; it cannot also be a feature")
            if j in cols:
                raise DataError(f"feature column {f!r} is listed twice")
            cols.append(j)
    if not cols:
        raise DataError(
            f"no feature columns: the CSV needs at least one column besides the target {target!r}"
        )
    return t, cols


def _features(
    header: list[str], rows: list[list[str]], lines: list[int], cols: list[int]
) -> np.ndarray:
    x = np.empty((len(rows), len(cols)))
    for i, (row, line) in enumerate(zip(rows, lines, strict=True)):
        for k, j in enumerate(cols):
            cell = row[j]
            v = _number(cell)
            if v is None or not math.isfinite(v):
                what = "is empty" if not cell else f"{cell!r} is not a finite number"
                raise DataError(f"line {line}, column {header[j]!r}: the feature cell {what}")
            x[i, k] = v
    return x


def _targets(
    name: str, cells: list[str], lines: list[int], problem: str
) -> tuple[str, np.ndarray, tuple[str, ...]]:
    """Resolve the problem and return (problem, y, class_names)."""
    values = [_number(c) for c in cells]
    for cell, line in zip(cells, lines, strict=True):
        if not cell:
            raise DataError(f"line {line}, column {name!r}: the target cell is empty")
    texts = [i for i, v in enumerate(values) if v is None]
    if not texts:
        for i, v in enumerate(values):
            if not math.isfinite(v):  # type: ignore[arg-type]
                raise DataError(
                    f"line {lines[i]}, column {name!r}: target {cells[i]!r} is not a finite number"
                )
    nums = np.array([0.0 if v is None else v for v in values])
    if problem == "auto":
        if texts:
            problem = "classification"
        else:
            integral = bool(np.all(nums == np.round(nums)))
            distinct = len(np.unique(nums))
            few = distinct <= AUTO_MAX_CLASSES
            problem = "classification" if integral and few else "regression"
    if problem == "regression":
        if texts:
            i = texts[0]
            raise DataError(
                f"line {lines[i]}, column {name!r}: target {cells[i]!r} is not a number "
                "(regression needs numeric targets)"
            )
        return problem, nums, ()
    if texts:
        classes, y = np.unique(np.array(cells, dtype=str), return_inverse=True)
        names = tuple(str(c) for c in classes)
    else:
        classes, y = np.unique(nums, return_inverse=True)
        names = tuple(_class_name(float(c)) for c in classes)
    if len(names) > MAX_CLASSES:
        raise DataError(
            f"column {name!r}: {len(names)} distinct target values, over the limit of "
            f"{MAX_CLASSES} classes; use problem='regression' for a numeric target"
        )
    return problem, y.astype(np.int64).reshape(-1), names


def parse_csv_text(
    text: str | bytes,
    target: str | None = None,
    features: Sequence[str] | None = None,
    problem: Problem = "auto",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    name: str = "csv",
) -> Dataset:
    """Parse CSV text (e.g. an upload) into a Dataset; see the module docstring for the rules.

    Returns x (n, d) float64 with feature names from the header, and y: int64 class indices
    (classification) or float64 (n,) (regression). DataError for bad data, ConfigError for a
    bad ``problem``, ``max_bytes`` or ``max_rows``.
    """
    if problem not in PROBLEM_CHOICES:
        raise ConfigError("problem", problem, PROBLEM_CHOICES)
    max_bytes = check_int("max_bytes", max_bytes, 1, 2**62)
    max_rows = check_int("max_rows", max_rows, 1, 2**62)
    if isinstance(text, bytes):
        size = len(text)
        if size > max_bytes:
            raise DataError(f"the CSV is {size} bytes, over the limit of {max_bytes} bytes")
        text = _decode(text, name)
    elif not isinstance(text, str):
        raise DataError(f"expected CSV text, got {type(text).__name__}")
    else:
        size = len(text.encode("utf-8", errors="surrogatepass"))
        if size > max_bytes:
            raise DataError(f"the CSV is {size} bytes, over the limit of {max_bytes} bytes")
        text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise DataError("the CSV contains NUL bytes; it does not look like a text file")
    header, rows, lines = _read_table(text, max_rows)
    t, cols = _pick_columns(header, target, features)
    x = _features(header, rows, lines, cols)
    kind, y, class_names = _targets(header[t], [r[t] for r in rows], lines, problem)
    return Dataset(
        x=x,
        y=y,
        problem=kind,
        n_classes=len(class_names),
        class_names=class_names,
        feature_names=tuple(header[j] for j in cols),
        name=name,
        target_names=(header[t],) if kind == "regression" else (),
    )


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{name}: not UTF-8 text (bad byte at offset {e.start})") from None


def load_csv(
    path_or_text: str | os.PathLike[str] | bytes,
    target: str | None = None,
    features: Sequence[str] | None = None,
    problem: Problem = "auto",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Dataset:
    """Load a CSV file, or CSV text, into a Dataset (rules in the module docstring).

    A ``str`` containing a line break, or ``bytes``, is CSV content; any other ``str`` or a
    path-like is a file path (the Dataset is named after the file's stem). The file size is
    checked against ``max_bytes`` (default 10 MB) before reading; at most ``max_rows``
    (default 100000) data rows.
    """
    if isinstance(path_or_text, bytes) or (
        isinstance(path_or_text, str) and ("\n" in path_or_text or "\r" in path_or_text)
    ):
        return parse_csv_text(path_or_text, target, features, problem, max_bytes, max_rows)
    if not isinstance(path_or_text, (str, os.PathLike)):
        raise DataError(f"expected a CSV path or text, got {type(path_or_text).__name__}")
    path = Path(path_or_text)
    max_bytes = check_int("max_bytes", max_bytes, 1, 2**62)
    try:
        if not path.is_file():
            raise DataError(f"CSV file not found: {str(path)!r}")
        size = path.stat().st_size
        if size > max_bytes:
            raise DataError(
                f"{str(path)!r} is {size} bytes, over the limit of {max_bytes} bytes (max_bytes)"
            )
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read {str(path)!r}: {e.strerror or e}") from None
    return parse_csv_text(
        _decode(data, path.name), target, features, problem, max_bytes, max_rows, path.stem
    )
