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
normally being line 1), the column and the cell where that applies, in its message and in its
``line``, ``column`` and ``value`` fields.

There is one parser, :func:`read_csv`: CSV text or bytes (a file's contents, an upload's body)
→ a :class:`CsvTable` (header, rows, each row's line) → ``CsvTable.dataset`` (columns, numbers,
problem, classes). :func:`parse_csv_text` is the two in one; :func:`load_csv` reads a file's
bytes and calls it; the playground's upload (``web.userdata``) calls :func:`read_csv` and
adds only its own limits.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
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


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_at(text: str, index: int) -> int:
    """The 1-based physical line (as the ``csv`` module counts them) of ``text[index]``."""
    return len(_LINE_BREAK.findall(text, 0, index)) + 1


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read by :func:`read_csv`: its header (names stripped, unique, non-empty) on
    ``header_line``, and its data rows (cells stripped, one per column), row i on ``lines[i]``."""

    header: tuple[str, ...]
    header_line: int
    rows: list[list[str]]
    lines: list[int]
    name: str = "csv"

    def dataset(
        self,
        target: str | None = None,
        features: Sequence[str] | None = None,
        problem: Problem = "auto",
    ) -> Dataset:
        """The table as a Dataset (rules in the module docstring)."""
        if problem not in PROBLEM_CHOICES:
            raise ConfigError("problem", problem, PROBLEM_CHOICES)
        header = list(self.header)
        t, cols = _pick_columns(header, target, features)
        x = _features(header, self.rows, self.lines, cols)
        kind, y, class_names = _targets(header[t], [r[t] for r in self.rows], self.lines, problem)
        return Dataset(
            x=x,
            y=y,
            problem=kind,
            n_classes=len(class_names),
            class_names=class_names,
            feature_names=tuple(header[j] for j in cols),
            name=self.name,
            target_names=(header[t],) if kind == "regression" else (),
        )


def read_csv(
    data: str | bytes | bytearray,
    max_bytes: int = MAX_BYTES,
    max_rows: int | None = MAX_ROWS,
    name: str = "csv",
) -> CsvTable:
    """Read CSV text or bytes (UTF-8, a BOM allowed) into a :class:`CsvTable`.

    The one CSV parser: decoding, blank lines, line numbers, header and cell counts. At most
    ``max_bytes`` bytes and ``max_rows`` data rows (None: no row limit, for a caller that
    applies its own). Every problem is a DataError with ``line``/``column``/``value`` set
    where they apply; ConfigError for a bad ``max_bytes`` or ``max_rows``.
    """
    max_bytes = check_int("max_bytes", max_bytes, 1, 2**62)
    if max_rows is not None:
        max_rows = check_int("max_rows", max_rows, 1, 2**62)
    if isinstance(data, (bytes, bytearray)):
        size = len(data)
        if size > max_bytes:
            raise DataError(f"the CSV is {size} bytes, over the limit of {max_bytes} bytes")
        text = _decode(bytes(data))
    elif not isinstance(data, str):
        raise DataError(f"expected CSV text, got {type(data).__name__}")
    else:
        size = len(data.encode("utf-8", errors="surrogatepass"))
        if size > max_bytes:
            raise DataError(f"the CSV is {size} bytes, over the limit of {max_bytes} bytes")
        text = data.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        raise DataError(
            "the CSV contains NUL bytes; it does not look like a text file",
            line=_line_at(text, nul),
        )
    header, header_line, rows, lines = _read_table(text, max_rows)
    return CsvTable(tuple(header), header_line, rows, lines, name)


def _read_table(
    text: str, max_rows: int | None
) -> tuple[list[str], int, list[list[str]], list[int]]:
    """Header, its line, data rows (cells stripped) and each row's line number."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
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
                header, header_line = cells, line
                _check_header(header, line)
                continue
            if len(cells) != len(header):
                raise DataError(
                    f"line {line}: {len(cells)} cells, but the header has {len(header)} columns",
                    line=line,
                )
            if max_rows is not None and len(rows) >= max_rows:
                raise DataError(
                    f"line {line}: more than max_rows={max_rows} data rows; "
                    "use a smaller file or raise max_rows",
                    line=line,
                )
            rows.append(cells)
            lines.append(line)
    except csv.Error as e:
        raise DataError(
            f"line {reader.line_num}: not valid CSV: {e}", line=reader.line_num
        ) from None
    if header is None:
        raise DataError("the CSV is empty: expected a header line of column names")
    if not rows:
        raise DataError(f"the CSV has a header ({_columns(header)}) but no data rows")
    return header, header_line, rows, lines


def _check_header(header: list[str], line: int) -> None:
    seen: dict[str, int] = {}
    for j, name in enumerate(header, start=1):
        if not name:
            raise DataError(
                f"line {line}: column {j} of the header has no name", line=line, column=j
            )
        if name in seen:
            raise DataError(
                f"line {line}: duplicate column name {name!r} (columns {seen[name]} and {j})",
                line=line,
                column=name,
                value=name,
            )
        seen[name] = j


def _pick_columns(
    header: list[str], target: str | None, features: Sequence[str] | None
) -> tuple[int, list[int]]:
    if target is None:
        target = header[-1]
    if target not in header:
        raise DataError(
            f"target column {target!r} not found; the columns are {_columns(header)}",
            value=target,
        )
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
                    f"feature column {f!r} not found; the columns are {_columns(header)}",
                    value=f,
                )
            j = header.index(f)
            if j == t:
                raise DataError(
                    f"column {f!r} is the target; it cannot also be a feature", column=f, value=f
                )
            if j in cols:
                raise DataError(f"feature column {f!r} is listed twice", column=f, value=f)
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
                raise DataError(
                    f"line {line}, column {header[j]!r}: the feature cell {what}",
                    line=line,
                    column=header[j],
                    value=cell,
                )
            x[i, k] = v
    return x


def _targets(
    name: str, cells: list[str], lines: list[int], problem: str
) -> tuple[str, np.ndarray, tuple[str, ...]]:
    """Resolve the problem and return (problem, y, class_names)."""
    values = [_number(c) for c in cells]
    for cell, line in zip(cells, lines, strict=True):
        if not cell:
            raise DataError(
                f"line {line}, column {name!r}: the target cell is empty",
                line=line,
                column=name,
                value=cell,
            )
    texts = [i for i, v in enumerate(values) if v is None]
    if not texts:
        for i, v in enumerate(values):
            if not math.isfinite(v):  # type: ignore[arg-type]
                raise DataError(
                    f"line {lines[i]}, column {name!r}: target {cells[i]!r} is not a finite number",
                    line=lines[i],
                    column=name,
                    value=cells[i],
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
                "(regression needs numeric targets)",
                line=lines[i],
                column=name,
                value=cells[i],
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
            f"{MAX_CLASSES} classes; use problem='regression' for a numeric target",
            column=name,
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
    return read_csv(text, max_bytes, max_rows, name).dataset(target, features, problem)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bad = f"{data[e.start]:#04x}"
        before = data[: e.start].decode("utf-8-sig")  # every byte before the bad one is fine
        line = _line_at(before, len(before))
        raise DataError(
            f"not UTF-8 text (byte {e.start} is {bad}, on line {line}); save the file as UTF-8",
            line=line,
            value=bad,
        ) from None


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
    return parse_csv_text(data, target, features, problem, max_bytes, max_rows, path.stem)
