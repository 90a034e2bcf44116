"""Helpers of the lens picture tests (no tests here): tiny trained sessions, pixel checks."""

from __future__ import annotations

import io
from functools import cache

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image, ImageSequence

from depthlens.draw.colors import BLUE, ORANGE
from depthlens.draw.stage_axes import png_bytes
from depthlens.experiment import Config, Session

DPI = 50


@cache
def _trained_params(fields: tuple[tuple[str, object], ...]) -> tuple[Config, np.ndarray]:
    s = Session(Config(**dict(fields)))
    s.run()
    return s.config, s.net.params.copy()


def trained(**fields: object) -> Session:
    """A small trained session (trained once per set of fields, then rebuilt from the Config
    and the kept weights, so tests may change it freely)."""
    defaults: dict[str, object] = {"n_samples": 120, "epochs": 40, "layers": (4, 2),
                                   "optimizer": "adam", "lr": 0.03}
    key = tuple(sorted({**defaults, **fields}.items()))
    config, params = _trained_params(key)
    s = Session(config)
    s.net.params[...] = params
    return s


def render(fig: plt.Figure, dpi: int = DPI) -> np.ndarray:
    """The figure as an RGB array; checks the PNG's size against the figure's."""
    w, h = fig.get_size_inches()
    data = png_bytes(fig, dpi)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        assert abs(im.size[0] - w * dpi) <= 1 and abs(im.size[1] - h * dpi) <= 1
        return np.asarray(im.convert("RGB"))


def n_colours(img: np.ndarray) -> int:
    return len(np.unique(img.reshape(-1, 3), axis=0))


def near(img: np.ndarray, rgb: tuple[int, int, int], tol: float = 40.0) -> int:
    """How many pixels lie within ``tol`` (RGB distance) of a colour."""
    d = np.linalg.norm(img.astype(float) - np.array(rgb, dtype=float), axis=-1)
    return int((d < tol).sum())


def assert_two_class_picture(img: np.ndarray, min_colours: int = 100,
                             min_pixels: int = 30) -> None:
    """Not blank, and both Playground class colours present."""
    assert n_colours(img) > min_colours
    assert near(img, ORANGE) > min_pixels
    assert near(img, BLUE) > min_pixels


def gif_frames(path) -> tuple[int, list[int], dict]:
    """(frame count, durations in ms, the first frame's info) of a GIF."""
    with Image.open(path) as im:
        assert im.format == "GIF"
        info = dict(im.info)
        durations = [f.info.get("duration", 0) for f in ImageSequence.Iterator(im)]
    return len(durations), durations, info
