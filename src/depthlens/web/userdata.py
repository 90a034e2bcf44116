"""Your own data in the playground: points added by clicking and uploaded CSV files.

Both end as a :class:`~depthlens.data.Dataset` with 1 or 2 inputs that replaces the Config's
generated data until another dataset is picked:

- :func:`parse_upload` reads a CSV file with ``data.tabular``'s parser and rules (a header, 1
  or 2 input columns, the target last; a few integer or text targets are classes, other
  numbers a regression target), then holds it to the playground's limits;
- :func:`add_points` adds clicked points to the current data, each checked against its inputs
  and problem. A click may start a *new* class (index k when the data has k classes, up to
  :data:`MAX_CLASSES`, the colours the page has): that is how a user grows a two-class set into
  a three-class one without writing a file.

Every refusal is a ``DataError`` (uploads: the page shows it under the file's name, naming the
line, column and cell) or a ``ConfigError('points', value, allowed)`` (clicks), and says what
is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from depthlens.data import Dataset
from depthlens.data.features import FEATURES
from depthlens.data.tabular import AUTO_MAX_CLASSES, read_csv
from depthlens.errors import ConfigError, DataError
from depthlens.experiment.config import Config
from depthlens.web.palettes import MAX_CLASSES
from depthlens.web.protocol import MAX_POINTS, MAX_UPLOAD_BYTES

MIN_POINTS = 4
"""Fewest points a Session is built on (the train/test split needs some of each)."""
MAX_VALUE = 1e6
"""Largest |coordinate| or |target| of an uploaded file (features such as x1·x2 stay finite)."""
MAX_INPUTS = 2


def config_for(config: Config, dataset: Dataset) -> Config:
    """``config`` fitted to the user's data: on 1-input data only features of x1 (those the
    Config has, or the default, which means x1 alone)."""
    if dataset.x.shape[1] != 1 or config.features == Config().features:
        return config
    ones = tuple(f for f in config.features if not FEATURES[f].uses_x2)
    return config.replace(features=ones or Config().features)


def extent_of(dataset: Dataset) -> tuple[float, float]:
    """A square window (−h, h) holding every point, h rounded up to a whole number (≥ 1)."""
    top = float(np.abs(dataset.x).max()) if dataset.x.size else 1.0
    return (-float(max(1, math.ceil(top * 1.05))), float(max(1, math.ceil(top * 1.05))))


# -- uploads ----------------------------------------------------------------------------------
def _refusal(name: str, e: DataError) -> DataError:
    """The parser's DataError, its message prefixed with the file's name, its fields kept."""
    return DataError(f"{name}: {e}", line=e.line, column=e.column, value=e.value)


def parse_upload(name: str, body: bytes) -> Dataset:
    """An uploaded CSV file → the playground's Dataset named ``name``.

    The file is read by ``data.tabular.read_csv`` (the loader's own parser: UTF-8 text, a
    header line, then one row per point), and then held to the playground's limits: 1 or 2
    input columns and the target in the last column; at most ``MAX_POINTS`` rows (and
    ``MAX_UPLOAD_BYTES`` bytes), every number within ±``MAX_VALUE``. The target is a class (at
    most ``MAX_CLASSES`` of them, at least 2) when it is text or a few (≤ 10) distinct
    integers, else a regression value — ``data.tabular``'s rule. Every problem is a DataError
    whose message starts with the file's name and names the line, the column, the cell and
    what is allowed (its ``line``, ``column`` and ``value`` fields say the same)."""
    if not isinstance(body, (bytes, bytearray)):
        raise DataError(f"{name}: expected the file's bytes, got {type(body).__name__}")
    if len(body) > MAX_UPLOAD_BYTES:
        raise DataError(f"{name}: {len(body)} bytes is more than the upload limit of "
                        f"{MAX_UPLOAD_BYTES} bytes")
    try:
        table = read_csv(bytes(body), max_bytes=MAX_UPLOAD_BYTES, max_rows=None, name=name)
    except DataError as e:
        raise _refusal(name, e) from None
    header = table.header
    if not 2 <= len(header) <= MAX_INPUTS + 1:
        columns = ", ".join(repr(c) for c in header)
        count = f"{len(header)} column{'s' if len(header) != 1 else ''}"
        raise DataError(f"{name}, line {table.header_line}: {count} ({columns}); the "
                        "playground takes 1 or 2 input columns and a target column (the last)",
                        line=table.header_line)
    if len(table.rows) > MAX_POINTS:
        line = table.lines[MAX_POINTS]
        raise DataError(f"{name}, line {line}: more than {MAX_POINTS} data rows; "
                        f"the playground takes at most {MAX_POINTS} points", line=line)
    try:
        data = table.dataset()
    except DataError as e:
        raise _refusal(name, e) from None
    _check_values(name, data, header, table.lines)
    if data.problem == "classification":
        target = header[-1]
        if data.n_classes > MAX_CLASSES:
            raise DataError(f"{name}, column {target!r}: {data.n_classes} classes; the "
                            f"playground shows at most {MAX_CLASSES} (a numeric target with "
                            f"more than {AUTO_MAX_CLASSES} values is read as regression)",
                            column=target)
        if data.n_classes < 2:
            raise DataError(f"{name}, column {target!r}: every row has the class "
                            f"{data.class_names[0]!r}; a classification needs at least 2 "
                            "classes", column=target, value=data.class_names[0])
    if len(data.y) < MIN_POINTS:
        raise DataError(f"{name}: {len(data.y)} data row{'s' if len(data.y) != 1 else ''}; the "
                        f"playground needs at least {MIN_POINTS} points to split into training "
                        "and test data")
    return data


def _check_values(name: str, data: Dataset, header: Sequence[str], lines: list[int]) -> None:
    """DataError naming the first cell whose |value| is over MAX_VALUE (the target is the last
    column: the upload's target is always the last)."""
    columns: list[tuple[str, np.ndarray]] = [
        (header[j], data.x[:, j]) for j in range(data.x.shape[1])]
    if data.problem == "regression":
        columns.append((header[-1], np.asarray(data.y).reshape(-1)))
    for column, values in columns:
        bad = np.flatnonzero(np.abs(values) > MAX_VALUE)
        if bad.size:
            i = int(bad[0])
            raise DataError(f"{name}, line {lines[i]}, column {column!r}: {values[i]:g} is too "
                            f"large; values must lie in [-{MAX_VALUE:g}, {MAX_VALUE:g}] "
                            "(rescale the column)", line=lines[i], column=column,
                            value=f"{values[i]:g}")


# -- clicked points ---------------------------------------------------------------------------
def add_points(base: Dataset, rows: Sequence[Sequence[float]], clear: bool = False) -> Dataset:
    """``base`` with ``rows`` added (after dropping every point of ``base`` with ``clear``).

    A row is the point's d coordinates (d = ``base``'s 1 or 2 inputs) then its value: a class
    index 0..k−1, or k to start a new class (at most ``MAX_CLASSES``), or a regression target.
    ConfigError('points', …) when a row does not fit, or when the result would hold more than
    ``MAX_POINTS`` or fewer than ``MIN_POINTS`` points."""
    d = base.x.shape[1]
    if d > MAX_INPUTS:
        raise ConfigError("points", f"{d} inputs", "data with 1 or 2 inputs to click points on")
    if base.problem == "regression" and base.y.ndim == 2 and base.y.shape[1] != 1:
        raise ConfigError("points", f"{base.y.shape[1]} targets", "data with one target")
    kept = 0 if clear else len(base.y)
    total = kept + len(rows)
    if total > MAX_POINTS:
        raise ConfigError("points", total, f"at most {MAX_POINTS} points in all (the "
                          f"playground's limit; {kept} are there already): clear some first")
    if total < MIN_POINTS:
        raise ConfigError("points", total, f"at least {MIN_POINTS} points, so that there is "
                          f"training and test data (a clear needs {MIN_POINTS} new points with it)")
    shape = "[x1, value]" if d == 1 else "[x1, x2, value]"
    x_new = np.empty((len(rows), d))
    y_new = np.empty(len(rows))
    k = base.n_classes
    new_class = False
    for i, row in enumerate(rows):
        values = [float(v) for v in row]
        if len(values) != d + 1:
            raise ConfigError("points", list(row), f"{shape}: the data has {d} input"
                              f"{'s' if d > 1 else ''}, so a point is {d + 1} numbers")
        if not all(math.isfinite(v) for v in values):
            raise ConfigError("points", list(row), "finite numbers")
        x_new[i] = values[:d]
        v = values[d]
        if base.problem == "classification":
            top = k if k < MAX_CLASSES else k - 1
            if v != round(v) or not 0 <= v <= top:
                extra = f", or {k} for a new class" if top == k else ""
                raise ConfigError("points", list(row),
                                  f"a class index 0..{k - 1}{extra} as the last number")
            new_class = new_class or int(v) == k
        y_new[i] = v
    x = x_new if clear else np.concatenate([base.x, x_new])
    if base.problem == "classification":
        y_old = np.asarray(base.y, dtype=np.int64)
        y: np.ndarray = y_new.astype(np.int64) if clear else np.concatenate(
            [y_old, y_new.astype(np.int64)])
        names = (*base.class_names, str(k)) if new_class else base.class_names
        return base.replace(x=x, y=y, n_classes=len(names), class_names=names, groups=None)
    y_old = np.asarray(base.y, dtype=np.float64).reshape(-1)
    y = y_new if clear else np.concatenate([y_old, y_new])
    return base.replace(x=x, y=y, groups=None)
