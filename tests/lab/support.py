"""Helpers of the lab tests (no tests here): rendering and pixel checks."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image, ImageSequence

from depthlens.draw.stage_axes import png_bytes

DPI = 40


def render(fig: plt.Figure, dpi: int = DPI) -> np.ndarray:
    """The figure as an RGB array; checks the PNG's size against the figure's inches × dpi."""
    w, h = fig.get_size_inches()
    data = png_bytes(fig, dpi)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        assert abs(im.size[0] - w * dpi) <= 1 and abs(im.size[1] - h * dpi) <= 1
        return np.asarray(im.convert("RGB"))


def assert_not_blank(img: np.ndarray, min_colours: int = 40, min_ink: float = 0.05) -> None:
    """Many distinct colours, and a fair share of pixels that are not white."""
    colours = len(np.unique(img.reshape(-1, 3), axis=0))
    assert colours >= min_colours, colours
    ink = float(np.mean(np.any(img < 235, axis=-1)))
    assert ink >= min_ink, ink


def png_file(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def gif_frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        assert im.format == "GIF"
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
