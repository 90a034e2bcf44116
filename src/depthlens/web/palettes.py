"""Colour look-up tables and uint8 colour codes for the page's heatmaps.

The page never computes a colour: it gets a code (uint8) per pixel and a table of 256 RGB
colours made here from ``depthlens.draw.colors``. Two tables are in use at a time:

- ``node`` (every input feature, hidden unit and output unit thumbnail, edge colours, regression
  maps): Playground's orange #f59322 → grey #e8eaeb → blue #0877bd over [−1, 1], quantized into
  its 31 shades. Code ``c`` in 0..30 is the value ``c/15 − 1``. Codes 31..250 hold one ramp per
  class for the output units of a k ≥ 3-class network: code ``31 + 22·j + level`` is class j's
  probability p_j = level/21, coloured from white (p_j = 0) to class j's colour (p_j = 1):

      rgb = white + p_j · (class colour − white)        (then rounded to the 22 levels)

  so hovering output unit j shows where the network believes in class j, in that class's
  colour (a k-class output unit is not an orange-or-blue vote).
- ``output`` (the large map and the data points): the node table for two classes and
  regression (value / scale, the scale from :func:`robust_scale`: one far-out target does not
  wash the map out; values beyond ±scale take the end colours), or for k ≥ 3 classes
  ``class·25 + level``, ``level`` in 0..24 the confidence c (the winning probability from
  1/k → 0 to 1 → 24), faded toward a neutral grey N with a floor f = ``CONFIDENCE_FLOOR``:

      rgb = N + (f + (1 − f)·c) · (class colour − N)

  Mixing with a neutral grey (r = g = b) keeps the hue, so even the least sure region (c = 0)
  shows its winning class's hue, paler (``draw.colors.classes`` draws the pictures so too).

Code 255 means "not a number" in both tables (drawn grey, as Playground shows a diverged map).
"""

from __future__ import annotations

import numpy as np

from depthlens.draw import colors

SHADES = colors.NUM_SHADES  # 30 steps: 31 colours
CLASS_LEVELS = 25
MAX_CLASSES = 10
NAN_CODE = 255
PROBABILITY_BASE = SHADES + 1
"""First code of the per-class probability ramps in the node table (after the 31 shades)."""
PROBABILITY_LEVELS = 22
"""Levels of one class's probability ramp: p = level/21 (10 classes × 22 = codes 31..250)."""
WHITE = (0xFF, 0xFF, 0xFF)
"""The light end of a class's probability ramp (p = 0)."""
NEUTRAL = colors.NEUTRAL
"""The neutral grey a k-class map fades toward (``draw.colors.NEUTRAL``: r = g = b keeps the
class's hue)."""
CONFIDENCE_FLOOR = colors.CONFIDENCE_FLOOR
"""The share of its class colour the least sure region of a k-class map keeps (see
:func:`class_palette`): enough to tell its winning class at a glance."""
OUTLIER_IQRS = 3.0
"""A regression target further than this many interquartile ranges outside the quartiles
(Tukey's "far out") does not set the output map's colour scale (:func:`robust_scale`)."""


def probability_ramp(c: int) -> np.ndarray:
    """(22, 3) uint8: class c's probability p = level/21 from white (0) to its colour (1)."""
    p = np.arange(PROBABILITY_LEVELS, dtype=np.float64)[:, None] / (PROBABILITY_LEVELS - 1)
    white = np.array(WHITE, dtype=np.float64)
    colour = np.array(colors.class_color(c), dtype=np.float64)
    return np.round(white + p * (colour - white)).astype(np.uint8)


def node_palette() -> np.ndarray:
    """The (256, 3) uint8 table of the nodes: codes 0..30 = values −1..+1 on the two-class
    scale, codes 31 + 22·c + level = class c's probability level/21 (:func:`probability_ramp`,
    for c in 0..9)."""
    lut = np.tile(np.array(colors.GREY, dtype=np.uint8), (256, 1))
    values = np.arange(SHADES + 1) / SHADES * 2.0 - 1.0
    lut[: SHADES + 1] = colors.two_class(values, quantize=True)
    for c in range(MAX_CLASSES):
        start = PROBABILITY_BASE + c * PROBABILITY_LEVELS
        lut[start : start + PROBABILITY_LEVELS] = probability_ramp(c)
    return lut


def class_palette(k: int) -> np.ndarray:
    """The (256, 3) uint8 table for k classes: code ``c·25 + level`` = class c at confidence
    ``conf = level/24`` (0 = as unsure as 1/k, 24 = certain), coloured

        rgb = N + (f + (1 − f)·conf) · (colour_c − N),   N = ``NEUTRAL``, f = ``CONFIDENCE_FLOOR``

    so the colour goes from class c's colour (certain) to a pale tint of it (unsure) with the
    same hue, never to a grey that no longer says which class wins."""
    if not 2 <= k <= MAX_CLASSES:
        raise ValueError(f"k = {k} classes; the palette holds 2..{MAX_CLASSES}")
    lut = np.tile(np.array(colors.GREY, dtype=np.uint8), (256, 1))
    conf = np.arange(CLASS_LEVELS, dtype=np.float64) / (CLASS_LEVELS - 1)
    share = (CONFIDENCE_FLOOR + (1.0 - CONFIDENCE_FLOOR) * conf)[:, None]
    neutral = np.array(NEUTRAL, dtype=np.float64)
    for c in range(k):
        colour = np.array(colors.class_color(c), dtype=np.float64)
        ramp = np.round(neutral + share * (colour - neutral))
        lut[c * CLASS_LEVELS:(c + 1) * CLASS_LEVELS] = ramp.astype(np.uint8)
    return lut


def robust_scale(y: np.ndarray) -> tuple[float, int]:
    """(scale, beyond): the half-width of a regression map's colour scale for targets ``y``
    (any shape; non-finite values ignored), and how many targets lie beyond ±scale.

    The scale is the largest |y| among the targets that are not far out: with quartiles
    Q1, Q3 and IQR = Q3 − Q1, a target is far out when y < Q1 − 3·IQR or y > Q3 + 3·IQR
    (``OUTLIER_IQRS``). Data without such targets keeps max |y| (nothing is clamped); one
    clicked target of 1000 among targets in [−1, 1] leaves the scale at about 1, and the map
    draws 1000 at the end colour. A scale of 0 (every target 0) is 1."""
    v = np.asarray(y, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 1.0, 0
    q1, q3 = np.percentile(v, [25.0, 75.0])
    spread = OUTLIER_IQRS * (q3 - q1)
    inside = v[(v >= q1 - spread) & (v <= q3 + spread)]
    top = float(np.abs(inside).max()) if inside.size else 0.0
    if top <= 0.0:
        top = float(np.abs(v).max())
    if top <= 0.0:
        return 1.0, 0
    return top, int(np.count_nonzero(np.abs(v) > top))


def value_codes(values: np.ndarray) -> np.ndarray:
    """Values (any shape; clipped to [−1, 1]) → node-table codes 0..30; NaN → 255."""
    v = np.asarray(values, dtype=np.float64)
    codes = np.rint((np.clip(v, -1.0, 1.0) + 1.0) * (SHADES / 2.0))
    codes = np.where(np.isnan(v), NAN_CODE, codes)
    return codes.astype(np.uint8)


def probability_codes(probabilities: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Probabilities p (any shape; clipped to [0, 1]) of the classes ``classes`` (broadcast
    against p) → node-table codes ``31 + 22·class + round(21·p)``; NaN → 255."""
    p = np.asarray(probabilities, dtype=np.float64)
    c = np.broadcast_to(np.asarray(classes, dtype=np.int64) % MAX_CLASSES, p.shape)
    level = np.rint(np.clip(np.nan_to_num(p), 0.0, 1.0) * (PROBABILITY_LEVELS - 1))
    codes = PROBABILITY_BASE + c * PROBABILITY_LEVELS + level
    return np.where(np.isnan(p), NAN_CODE, codes).astype(np.uint8)


def class_codes(probabilities: np.ndarray) -> np.ndarray:
    """Class probabilities (..., k) → class-table codes ``argmax·25 + level``; NaN rows → 255."""
    p = np.asarray(probabilities, dtype=np.float64)
    k = p.shape[-1]
    best = np.nan_to_num(p, nan=-1.0).argmax(axis=-1)
    conf = (p.max(axis=-1) - 1.0 / k) / (1.0 - 1.0 / k)
    level = np.rint(np.clip(np.nan_to_num(conf), 0.0, 1.0) * (CLASS_LEVELS - 1))
    codes = np.where(np.isnan(p).any(axis=-1), NAN_CODE, best * CLASS_LEVELS + level)
    return codes.astype(np.uint8)


def label_codes(y: np.ndarray, problem: str, n_classes: int, scale: float) -> np.ndarray:
    """Codes of the data points in the output table: a class at full colour, or a regression
    target as ``y / scale`` on the node scale."""
    if problem == "regression":
        y = np.asarray(y, dtype=np.float64)
        return value_codes((y if y.ndim == 1 else y[:, 0]) / scale)
    y = np.asarray(y, dtype=np.int64)
    if n_classes <= 2:
        return np.where(y == 1, SHADES, 0).astype(np.uint8)
    return (y * CLASS_LEVELS + CLASS_LEVELS - 1).astype(np.uint8)


def rgb_of_labels(y: np.ndarray, problem: str, n_classes: int) -> np.ndarray:
    """RGB uint8 (n, 3) of data points, for thumbnails: class colours, or a regression target
    on the diverging scale (±max |y| at the ends)."""
    if problem == "regression":
        y = np.asarray(y, dtype=np.float64)
        return colors.diverging(y if y.ndim == 1 else y[:, 0])
    if n_classes <= 2:
        return colors.two_class(np.where(np.asarray(y) == 1, 1.0, -1.0))
    return colors.PALETTE[np.asarray(y, dtype=np.int64) % len(colors.PALETTE)]
