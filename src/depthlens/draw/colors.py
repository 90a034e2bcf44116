"""Colour scales as uint8 arrays, shared by the pictures and the web page.

- ``two_class``: TensorFlow Playground's orange #f59322 → grey #e8eaeb → blue #0877bd over
  values in [−1, 1] (−1 = class 0, orange; +1 = class 1, blue), optionally quantized into
  Playground's 31 shades.
- ``classes``: a qualitative palette for k classes (the first two are Playground's orange and
  blue), blended toward grey as the prediction's confidence falls.
- ``diverging``: the orange–grey–blue scale for regression values, centred on 0.
"""

from __future__ import annotations

import numpy as np

ORANGE = (0xF5, 0x93, 0x22)
GREY = (0xE8, 0xEA, 0xEB)
BLUE = (0x08, 0x77, 0xBD)
PALETTE = np.array(
    [ORANGE, BLUE, (0x2C, 0xA0, 0x2C), (0xD6, 0x27, 0x28), (0x94, 0x67, 0xBD),
     (0x8C, 0x56, 0x4B), (0xE3, 0x77, 0xC2), (0x7F, 0x7F, 0x7F), (0xBC, 0xBD, 0x22),
     (0x17, 0xBE, 0xCF)],
    dtype=np.uint8,
)
"""Class colours: Playground's orange and blue, then a tab10-like set."""

NUM_SHADES = 30


def class_color(k: int) -> tuple[int, int, int]:
    """The colour of class k (cycling after ten)."""
    r, g, b = PALETTE[k % len(PALETTE)]
    return int(r), int(g), int(b)


def two_class(values: np.ndarray, quantize: bool = False) -> np.ndarray:
    """Values in [−1, 1] (clipped) → RGB uint8, shape values.shape + (3,)."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0), -1.0, 1.0)
    if quantize:
        v = np.round((v + 1.0) / 2.0 * NUM_SHADES) / NUM_SHADES * 2.0 - 1.0
    grey, orange, blue = (np.array(c, dtype=np.float64) for c in (GREY, ORANGE, BLUE))
    t = np.abs(v)[..., None]
    end = np.where((v < 0)[..., None], orange, blue)
    return np.round(grey + (end - grey) * t).astype(np.uint8)


def diverging(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Real values → RGB uint8 on the orange–grey–blue scale, ±``scale`` (default max |v|) at
    the ends."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64))
    s = float(np.abs(v).max()) if scale is None else float(scale)
    return two_class(v / s if s > 0 else v)


NEUTRAL = (0xE9, 0xE9, 0xE9)
"""The grey (r = g = b, Playground's #e8eaeb without its tint) a k-class map fades toward as
its confidence falls: mixing with a neutral grey keeps the class's hue."""
CONFIDENCE_FLOOR = 0.4
"""The share of its class colour the least sure region of a k-class map keeps, so that even
there the map says which class wins (the page's maps and these pictures alike)."""


def classes(probabilities: np.ndarray) -> np.ndarray:
    """Class probabilities (..., k) → RGB uint8: the argmax class's colour, faded toward the
    neutral grey N as its confidence c (the winning probability from 1/k → 0 to 1 → 1) falls,
    keeping a floor f = CONFIDENCE_FLOOR of it:

        rgb = N + (f + (1 − f)·c) · (class colour − N)

    the same rule as the page's k-class maps (``web.palettes.class_palette``)."""
    p = np.asarray(probabilities, dtype=np.float64)
    k = p.shape[-1]
    best = p.argmax(axis=-1)
    conf = (p.max(axis=-1) - 1.0 / k) / (1.0 - 1.0 / k) if k > 1 else np.ones(best.shape)
    colors = PALETTE[best % len(PALETTE)].astype(np.float64)
    neutral = np.array(NEUTRAL, dtype=np.float64)
    share = CONFIDENCE_FLOOR + (1.0 - CONFIDENCE_FLOOR) * np.clip(conf, 0.0, 1.0)
    return np.round(neutral + (colors - neutral) * share[..., None]).astype(np.uint8)
