"""The :class:`Dataset` record every generator and loader returns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from depthlens.errors import DataError

PROBLEMS = ("classification", "regression")

# The two Playground colours: Playground label -1 is orange (class 0), +1 is blue (class 1).
TWO_CLASS_NAMES = ("orange", "blue")


def class_names_for(k: int) -> tuple[str, ...]:
    """Class names of a generated k-class set: ('orange', 'blue') if k = 2, else '0'..'k-1'."""
    return TWO_CLASS_NAMES if k == 2 else tuple(str(j) for j in range(k))


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs and targets of one problem, with the names needed to show them.

    Shapes and types (checked on construction; the arrays are stored as read-only copies):

    - ``x``: ``(n, d)`` float64, all finite.
    - ``y``: classification: ``(n,)`` int64 class indices in ``0..n_classes-1``;
      regression: ``(n,)`` float64, or ``(n, m)`` float64 for m outputs.
    - ``problem``: ``'classification'`` or ``'regression'``.
    - ``n_classes``: number of classes k >= 1 for classification, 0 for regression.
    - ``class_names``: k names, one per class index (empty for regression). The Playground two-class
      sets use ``('orange', 'blue')``: Playground label -1 is class 0, +1 is class 1.
    - ``feature_names``: d names, one per column of ``x`` (e.g. ``('x1', 'x2')``).
    - ``name``: the dataset's registry name or file name.
    - ``groups``: optional ``(n,)`` int64 id of the source each sample came from (e.g. the
      sequence a window was cut from), so a split can hold out whole groups; ``None`` if the
      samples are independent.
    - ``target_names``: names of the m regression outputs (may be empty; for the sequence set
      ``'t+0'..'t+47'``).
    """

    x: np.ndarray
    y: np.ndarray
    problem: str
    n_classes: int
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    name: str
    groups: np.ndarray | None = None
    target_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        x = np.asarray(self.x)
        if x.ndim != 2:
            raise DataError(f"dataset {self.name!r}: x must have shape (n, d), got {x.shape}")
        if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
            raise DataError(f"dataset {self.name!r}: x must be real numbers, got dtype {x.dtype}")
        x = x.astype(np.float64)
        if not np.all(np.isfinite(x)):
            r, c = (int(i) for i in np.argwhere(~np.isfinite(x))[0])
            raise DataError(f"dataset {self.name!r}: x row {r} has a value that is not a finite "
                            f"number (x[{r}, {c}] = {x[r, c]})", field="x", value=float(x[r, c]))
        n, d = x.shape
        if self.problem not in PROBLEMS:
            raise DataError(f"dataset {self.name!r}: problem must be one of {PROBLEMS}")
        y = np.asarray(self.y)
        if y.shape[:1] != (n,):
            raise DataError(f"dataset {self.name!r}: y has {y.shape[:1]} rows but x has {n}")
        if self.problem == "classification":
            y = self._check_labels(y)
        else:
            y = self._check_targets(y)
        if len(self.feature_names) != d:
            raise DataError(
                f"dataset {self.name!r}: {len(self.feature_names)} feature names for {d} columns"
            )
        groups = self.groups
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (n,) or not np.issubdtype(groups.dtype, np.integer):
                raise DataError(f"dataset {self.name!r}: groups must be (n,) integers")
            groups = _frozen(groups.astype(np.int64))
        set_ = object.__setattr__
        set_(self, "x", _frozen(x))
        set_(self, "y", _frozen(y))
        set_(self, "groups", groups)
        set_(self, "class_names", tuple(str(c) for c in self.class_names))
        set_(self, "feature_names", tuple(str(f) for f in self.feature_names))
        set_(self, "target_names", tuple(str(t) for t in self.target_names))

    def _check_labels(self, y: np.ndarray) -> np.ndarray:
        k = self.n_classes
        if y.ndim != 1:
            raise DataError(f"dataset {self.name!r}: class labels must have shape (n,)")
        if k < 1 or len(self.class_names) != k:
            raise DataError(
                f"dataset {self.name!r}: n_classes={k} needs {k} class names, "
                f"got {len(self.class_names)}"
            )
        if y.size and not np.issubdtype(y.dtype, np.integer):
            if not np.issubdtype(y.dtype, np.floating) or not np.all(y == np.round(y)):
                raise DataError(f"dataset {self.name!r}: class labels must be integers")
        y = y.astype(np.int64)
        if y.size and (y.min() < 0 or y.max() >= k):
            raise DataError(f"dataset {self.name!r}: class labels must lie in 0..{k - 1}")
        return y

    def _check_targets(self, y: np.ndarray) -> np.ndarray:
        if self.n_classes != 0 or self.class_names:
            raise DataError(f"dataset {self.name!r}: regression has n_classes 0 and no class names")
        if y.ndim not in (1, 2):
            raise DataError(f"dataset {self.name!r}: targets must have shape (n,) or (n, m)")
        if not np.issubdtype(y.dtype, np.number) or np.iscomplexobj(y):
            raise DataError(f"dataset {self.name!r}: targets must be real numbers")
        y = y.astype(np.float64)
        if not np.all(np.isfinite(y)):
            r = int(np.argwhere(~np.isfinite(y.reshape(len(y), -1)))[0][0])
            raise DataError(f"dataset {self.name!r}: target row {r} is not a finite number "
                            f"({y[r]})", field="y", value=y[r].tolist())
        m = 1 if y.ndim == 1 else y.shape[1]
        if self.target_names and len(self.target_names) != m:
            raise DataError(f"dataset {self.name!r}: {len(self.target_names)} target names for {m}")
        return y

    @property
    def n_samples(self) -> int:
        """Number of samples n."""
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        """Number of input columns d."""
        return int(self.x.shape[1])

    @property
    def n_outputs(self) -> int:
        """Width of the target: k for classification, m for regression (1 when ``y`` is (n,))."""
        if self.problem == "classification":
            return self.n_classes
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])

    def __len__(self) -> int:
        return self.n_samples

    def take(self, indices: np.ndarray) -> Dataset:
        """The samples at ``indices`` (in that order), with every name and the class list kept."""
        idx = np.asarray(indices, dtype=np.int64)
        groups = None if self.groups is None else self.groups[idx]
        return dataclasses.replace(self, x=self.x[idx], y=self.y[idx], groups=groups)

    def replace(self, **changes: object) -> Dataset:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)
