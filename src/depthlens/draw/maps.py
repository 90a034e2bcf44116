"""What a trained network predicts over its input plane, as numbers and as RGB uint8 images.

For two classes the network's output is mapped to a value in [−1, 1] (−1 sure of class 0,
+1 sure of class 1) and drawn on Playground's orange–grey–blue scale; for k classes each point
gets its class's colour faded by confidence; for regression the value itself on a diverging
scale. Row 0 of an image is the top of the plane (largest x2), as on screen.
"""

from __future__ import annotations

import numpy as np

from depthlens.draw import colors
from depthlens.nn.losses import Head

DEFAULT_EXTENT = (-6.0, 6.0)


def grid(extent: tuple[float, float] = DEFAULT_EXTENT, resolution: int = 100) -> np.ndarray:
    """Cell centres of a resolution × resolution grid over extent², as (res·res, 2) points in
    image order (row 0 at the top)."""
    lo, hi = extent
    step = (hi - lo) / resolution
    centres = lo + step * (np.arange(resolution) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def signed_score(head: Head, outputs: np.ndarray) -> np.ndarray:
    """Two-class outputs → value in [−1, 1]: 2·p(class 1) − 1."""
    return 2.0 * head.probabilities(outputs)[:, 1] - 1.0


def colorize(head: Head, problem: str, outputs: np.ndarray, discretize: bool = False,
             scale: float | None = None) -> np.ndarray:
    """Outputs (n, m) → RGB uint8 (n, 3) as the module docstring describes."""
    if problem == "regression":
        return colors.diverging(outputs[:, 0], scale)
    if outputs.shape[1] <= 2:
        v = signed_score(head, outputs)
        if discretize:
            v = np.where(v >= 0, 1.0, -1.0)
        return colors.two_class(v)
    p = head.probabilities(outputs)
    if discretize:
        p = np.eye(p.shape[1])[p.argmax(axis=1)]
    return colors.classes(p)
