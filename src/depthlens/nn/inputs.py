"""The engine's data boundary: arrays that train a network must be finite and not empty.

Every entry point that *trains* or *measures a loss* (``MLP.loss``, ``MLP.loss_and_grad``,
``Trainer`` for x, y, x_test, y_test) passes its arrays through :func:`check_rows`, which raises
a ``DataError`` naming the argument and the first bad row, so a NaN never reaches the weights
(a network trained on one NaN has NaN weights, or, through a ReLU, silently becomes a constant).

``MLP.forward`` does *not* check: a numerical user expects f(NaN) = NaN row by row (numpy's
rule, and PyTorch's), and a picture of the network over a grid may hold a hole. Both backends
then give NaN in exactly the rows whose inputs hold a NaN (or an inf that meets a 0 or an
opposite inf), and an empty batch gives an empty (0, m) answer.

The error's fields (``errors.DataError``): ``field`` the argument's name, ``value`` the first
non-finite value (a float; None for an empty array), and ``line``/``column`` None (they are a
CSV file's); ``index`` is the numpy index of the value, ``(row, column)`` (0-based), or
``(row,)`` for a 1-D array.

>>> import numpy as np
>>> check_rows("x", np.array([[0.0, 1.0], [2.0, np.nan]]))
Traceback (most recent call last):
  ...
depthlens.errors.DataError: x: row 1 has a value that is not a finite number (x[1, 1] = nan)
"""

from __future__ import annotations

import numpy as np

from depthlens.errors import DataError

Array = np.ndarray


def check_rows(name: str, array: Array, *, source: object = None) -> Array:
    """Return ``array`` unchanged when it has at least one row and every value is finite.

    Else raise ``DataError`` naming ``name``: "x: 0 rows; at least one is needed", or
    "x: row 3 has a value that is not a finite number (x[3, 1] = nan)" for the first row
    (in row order, then column order) holding NaN, inf or −inf. ``source``: the caller's data
    before its conversion to the network's dtype, so that a finite value too large for float32
    (|v| > 3.4e38, which the conversion made inf) is reported as itself: "x: row 0 has a value
    too large for float32 (x[0, 1] = 1e+39; the largest is 3.4e+38)". Integer and boolean
    arrays are finite by construction and only checked for emptiness (callers pass the
    engine's float arrays). The scan is one pass of ``np.isfinite`` (the row search runs only
    when something is wrong).
    """
    a = np.asarray(array)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.shape[0] == 0:
        raise DataError(f"{name}: 0 rows; at least one is needed", field=name)
    if a.dtype.kind != "f":  # ints and bools are finite; the caller converts anything else
        return array
    ok = np.isfinite(a)
    if ok.all():
        return array
    index = tuple(int(i) for i in np.argwhere(~ok)[0])
    value = float(a[index])
    shown = ", ".join(str(i) for i in index)
    message = (f"{name}: row {index[0]} has a value that is not a finite number "
               f"({name}[{shown}] = {value!r})")
    original = _original(source, a.shape, index)
    if original is not None and np.isfinite(original):
        value = original
        message = (f"{name}: row {index[0]} has a value too large for {a.dtype.name} "
                   f"({name}[{shown}] = {original!r}; the largest is "
                   f"{float(np.finfo(a.dtype).max):.3g})")
    err = DataError(message, field=name, value=value)
    err.index = index
    raise err


def _original(source: object, shape: tuple[int, ...], index: tuple[int, ...]) -> float | None:
    """The caller's value at ``index`` of its data laid out as ``shape``, or None."""
    if source is None:
        return None
    try:
        return float(np.asarray(source, dtype=np.float64).reshape(shape)[index])
    except (TypeError, ValueError, OverflowError):
        return None
