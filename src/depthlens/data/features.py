"""Input features computed from the raw inputs (Playground's "Features" column, plus cos).

Canonical names, in this order: ``x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2), cos(x1), cos(x2)``.
The parser also accepts, case-insensitively and ignoring spaces, plain aliases for CLI/URL use
(``x1sq, x2sq, x1x2, sinx1, sinx2, cosx1, cosx2``) and Playground's URL keys (``x, y, xSquared,
ySquared, xTimesY, sinX, sinY, cosX, cosY``). Features are not normalised (x1² reaches 36 on
[-6, 6]), as in Playground.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from depthlens.data.dataset import Dataset
from depthlens.errors import ConfigError, DataError


@dataclass(frozen=True)
class Feature:
    """One input feature: f maps x1, x2 (each (n,)) to a column (n,); ``uses_x2`` if it needs x2."""

    name: str
    formula: Callable[[np.ndarray, np.ndarray], np.ndarray]
    uses_x2: bool
    aliases: tuple[str, ...] = ()


_ALL = [
    Feature("x1", lambda a, b: a, False, ("x",)),
    Feature("x2", lambda a, b: b, True, ("y",)),
    Feature("x1^2", lambda a, b: a * a, False, ("x1sq", "xsquared")),
    Feature("x2^2", lambda a, b: b * b, True, ("x2sq", "ysquared")),
    Feature("x1*x2", lambda a, b: a * b, True, ("x1x2", "xtimesy")),
    Feature("sin(x1)", lambda a, b: np.sin(a), False, ("sinx1", "sinx")),
    Feature("sin(x2)", lambda a, b: np.sin(b), True, ("sinx2", "siny")),
    Feature("cos(x1)", lambda a, b: np.cos(a), False, ("cosx1", "cosx")),
    Feature("cos(x2)", lambda a, b: np.cos(b), True, ("cosx2", "cosy")),
]

FEATURES: dict[str, Feature] = {f.name: f for f in _ALL}
"""Every feature by canonical name, in canonical order."""

FEATURES_1D: tuple[str, ...] = tuple(f.name for f in _ALL if not f.uses_x2)
"""The features defined for a 1-D input (functions of x1 only)."""

_LOOKUP: dict[str, str] = {}
for _f in _ALL:
    for _key in (_f.name, *_f.aliases):
        _LOOKUP[_key.lower()] = _f.name


def canonical_feature(name: str) -> str:
    """The canonical name of one feature name or alias; ConfigError('features', ...) if unknown."""
    key = "".join(name.split()).lower() if isinstance(name, str) else None
    if key not in _LOOKUP:
        raise ConfigError("features", name, list(FEATURES))
    return _LOOKUP[key]


def parse_features(spec: str | Sequence[str]) -> list[str]:
    """Canonical names of a comma-separated string or a list of names, in the user's order.

    ``parse_features("x1, x2, sinx1")`` → ``['x1', 'x2', 'sin(x1)']``. Empty items are skipped.
    ConfigError('features', ...) for an unknown name, a repeated feature or an empty list.
    """
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    names: list[str] = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        name = canonical_feature(item)
        if name in names:
            raise ConfigError("features", item, "each feature at most once")
        names.append(name)
    if not names:
        raise ConfigError("features", spec, "at least one of " + ", ".join(FEATURES))
    return names


def expand_features(x: np.ndarray, names: str | Sequence[str]) -> np.ndarray:
    """Feature matrix (n, k) float64 from raw inputs ``x`` of shape (n, 2) or (n, 1).

    Column j is feature ``names[j]`` (parsed with :func:`parse_features`), e.g. for
    names = ['x1', 'x1*x2']: [x1, x1·x2]. With a 1-D input only functions of x1
    (x1, x1^2, sin(x1), cos(x1)) are allowed; others raise ConfigError('features', ...).
    """
    canon = parse_features(names)
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] not in (1, 2):
        raise DataError(f"features need inputs of shape (n, 1) or (n, 2), got {a.shape}")
    if a.shape[1] == 1:
        for name in canon:
            if FEATURES[name].uses_x2:
                allowed = "for 1-D inputs one of " + ", ".join(FEATURES_1D)
                raise ConfigError("features", name, allowed)
        x1, x2 = a[:, 0], a[:, 0]
    else:
        x1, x2 = a[:, 0], a[:, 1]
    cols = [FEATURES[name].formula(x1, x2) for name in canon]
    return np.column_stack(cols) if cols else np.empty((len(a), 0))


def expand_dataset(dataset: Dataset, names: str | Sequence[str]) -> Dataset:
    """``dataset`` with ``x`` replaced by :func:`expand_features` and feature names updated."""
    canon = parse_features(names)
    return dataset.replace(x=expand_features(dataset.x, canon), feature_names=tuple(canon))
