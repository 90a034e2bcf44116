"""Errors that tell the user what went wrong and what is allowed.

Every error a user can cause by a value they chose names the *field*, the *value* and what is
*allowed*, so the message alone is enough to fix the input (a flag, a Config key, a CSV column).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class DepthlensError(Exception):
    """Base class of every error depthlens raises on purpose."""


def _describe_allowed(allowed: str | Iterable[Any]) -> str:
    if isinstance(allowed, str):
        return allowed
    return "one of " + ", ".join(repr(a) for a in allowed)


class ConfigError(DepthlensError, ValueError):
    """A value that is not allowed for a named field.

    >>> str(ConfigError("optimizer", "adamm", ["sgd", "adam"]))
    "optimizer: 'adamm' is not allowed; expected one of 'sgd', 'adam'"
    """

    def __init__(self, field: str, value: Any, allowed: str | Iterable[Any]):
        self.field = field
        self.value = value
        self.allowed = _describe_allowed(allowed)
        super().__init__(f"{field}: {value!r} is not allowed; expected {self.allowed}")


class DataError(DepthlensError, ValueError):
    """Input data (a file, an array) that cannot be used, with the reason.

    The message is the whole explanation; ``line``, ``column`` and ``value`` say the same for a
    program (None where they do not apply): the 1-based physical line of a CSV file, the column
    (its header name, or its 1-based number when it has no name) and the offending cell; a file
    of a saved run or model also gives ``file`` (its path) and ``field`` (the JSON key, array or
    column that is wrong).

    >>> e = DataError("line 3, column 'b': the feature cell 'x' is not a finite number",
    ...               line=3, column="b", value="x")
    >>> (str(e), e.line, e.column, e.value)
    ("line 3, column 'b': the feature cell 'x' is not a finite number", 3, 'b', 'x')
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: str | int | None = None,
        value: Any = None,
        file: str | None = None,
        field: str | None = None,
    ):
        self.line = line
        self.column = column
        self.value = value
        self.file = file
        self.field = field
        super().__init__(message)


class DivergenceError(DepthlensError, FloatingPointError):
    """Training produced NaN or inf. The network keeps the last weights that gave a finite loss."""

    def __init__(self, epoch: int, step: int, loss: float, lr: float | None = None):
        self.epoch = epoch
        self.step = step
        self.loss = loss
        self.lr = lr
        hint = "try a lower learning rate"
        if lr is not None:
            hint += f" (it is {lr:g}; {lr / 10:g} is a good next try)"
        super().__init__(
            f"training diverged at epoch {epoch}, step {step}: the loss became {loss}; "
            f"the weights were restored to the last ones with a finite loss; {hint}"
        )
