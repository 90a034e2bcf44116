"""Your own data in the playground: points added by clicking and uploaded CSV files."""

from __future__ import annotations

import math

import numpy as np

from depthlens.data import Dataset


def extent_of(dataset: Dataset) -> tuple[float, float]:
    """A square window (−h, h) holding every point, h rounded up to a whole number (≥ 1)."""
    top = float(np.abs(dataset.x).max()) if dataset.x.size else 1.0
    return (-float(max(1, math.ceil(top * 1.05))), float(max(1, math.ceil(top * 1.05))))
