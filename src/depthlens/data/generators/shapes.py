"""More 2-D shapes, scaled to fit Playground's window [-6, 6]².

Noise: unless a docstring says otherwise, ``noise`` moves every point by a Gaussian jitter
N(0, noise²) per axis (in window units), so at the slider's 0.5 the jitter's std is half a unit.
``spirals`` follows Playground's spiral (U(-1, 1)·noise per axis) and ``checkerboard`` follows
Playground's xor (label noise). Two-class sets are named ``('orange', 'blue')`` (class 0, class 1);
k-class sets ``('0', ..., 'k-1')``.
"""

from __future__ import annotations

import numpy as np

from depthlens.data._checks import check_common, check_int, halves, rng_for, shares
from depthlens.data.dataset import Dataset, class_names_for
from depthlens.data.generators.playground import XY, spiral_arms

MAX_CLASSES = 10


def _classes(name: str, x: np.ndarray, y: np.ndarray, k: int) -> Dataset:
    return Dataset(
        x=x,
        y=y,
        problem="classification",
        n_classes=k,
        class_names=class_names_for(k),
        feature_names=XY,
        name=name,
    )


def _labels(counts: list[int] | tuple[int, ...]) -> np.ndarray:
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def _annulus(rng: np.random.Generator, m: int, r_in: float, r_out: float) -> np.ndarray:
    """m points uniform in area on the annulus r_in <= r <= r_out: r = sqrt(U(r_in², r_out²))."""
    r = np.sqrt(rng.uniform(r_in**2, r_out**2, m))
    a = rng.uniform(0.0, 2 * np.pi, m)
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def _jitter(rng: np.random.Generator, p: np.ndarray, noise: float) -> np.ndarray:
    return p + noise * rng.standard_normal(p.shape)


def moons(n_samples: int, noise: float, seed: int) -> Dataset:
    """Two interleaved half circles (radius 3), each reaching into the other's hollow.

    t ~ U(0, π). Orange (class 0, ceil(n/2) points): (3 cos t - 1.5, 3 sin t - 0.75); blue
    (class 1): (1.5 - 3 cos t, 0.75 - 3 sin t). This is sklearn's unit moons shifted by
    (-0.5, -0.25) and scaled by 3, so the set is point-symmetric about the origin and spans
    [-4.5, 4.5] × [-2.25, 2.25]. Noise: N(0, noise²) jitter.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    counts = halves(n)
    t = rng.uniform(0.0, np.pi, n)
    c, s = 3 * np.cos(t), 3 * np.sin(t)
    upper = np.column_stack([c - 1.5, s - 0.75])
    y = _labels(counts)
    p = np.where((y == 0)[:, None], upper, -upper)
    return _classes("moons", _jitter(rng, p, noise), y, 2)


def checkerboard(n_samples: int, noise: float, seed: int, tiles: int = 4) -> Dataset:
    """A tiles × tiles board of alternating classes over [-6, 6]² (tiles from 2 to 12, default 4).

    Tile width w = 12 / tiles. Each point picks a tile (i, j) uniformly and a position in it at
    least 0.1·w from the tile's edges (like xor's padding). Label at q = p + U(-w, w)²·noise:
    with (a, b) = floor((q + 6) / w), blue (class 1) iff a + b is even. With tiles = 2 this is
    Playground's xor layout (blue where x1·x2 > 0). Noise flips labels near tile edges; points
    do not move.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    tiles = check_int("tiles", tiles, 2, 12)
    rng = rng_for(seed)
    w = 12.0 / tiles
    cell = rng.integers(0, tiles, (n, 2))
    p = -6.0 + cell * w + rng.uniform(0.1 * w, 0.9 * w, (n, 2))
    q = p + rng.uniform(-w, w, (n, 2)) * noise
    ab = np.floor((q + 6.0) / w).astype(np.int64)
    y = (ab.sum(axis=1) % 2 == 0).astype(np.int64)
    return _classes("checkerboard", p, y, 2)


def spirals(n_samples: int, noise: float, seed: int, k: int = 3) -> Dataset:
    """k interleaved spiral arms, one class each (k from 3 to 10, default 3).

    Arm j (class j) gets n/k points (the first n mod k arms one more); with m points,
    i = 0..m-1: r = 5·i/m, t = 1.75·2π·i/m + 2π·j/k, point (r sin t, r cos t), as Playground's
    ``spiral`` with k evenly turned arms. Noise: U(-1, 1)·noise per axis, as Playground's spiral.
    For two arms use ``spiral``.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    k = check_int("k", k, 3, MAX_CLASSES)
    rng = rng_for(seed)
    p, arm = spiral_arms(shares(n, k), noise, rng)
    return _classes("spirals", p, arm, k)


def ring_bounds(k: int) -> list[tuple[float, float]]:
    """Radii (inner, outer) of the k bands of ``rings``: band width w = 5/k, gaps 0.3·w."""
    w = 5.0 / k
    gap = 0.3 * w
    return [(0.0 if j == 0 else j * w + gap / 2, (j + 1) * w - gap / 2) for j in range(k)]


def rings(n_samples: int, noise: float, seed: int, k: int = 3) -> Dataset:
    """k concentric bands, one class each (k from 2 to 10, default 3), out to radius 5.

    Band width w = 5/k; class j covers j·w + 0.15·w <= r <= (j+1)·w - 0.15·w (class 0 is a disk
    from r = 0), so neighbouring bands are 0.3·w apart. Points are uniform in area within their
    band, n/k per class. Noise: N(0, noise²) jitter.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    k = check_int("k", k, 2, MAX_CLASSES)
    rng = rng_for(seed)
    counts = shares(n, k)
    p = np.concatenate(
        [_annulus(rng, m, a, b) for m, (a, b) in zip(counts, ring_bounds(k), strict=True)]
    )
    return _classes("rings", _jitter(rng, p, noise), _labels(counts), k)


def two_curves(n_samples: int, noise: float, seed: int) -> Dataset:
    """Two parallel sine curves, each crossing the other's band: no line separates them.

    x1 ~ U(-6, 6). Blue (class 1, ceil(n/2) points): x2 = 3·sin(x1) + 1; orange (class 0):
    x2 = 3·sin(x1) - 1. Over x1 in [-6, 6] each curve rises above and falls below the other's
    band, so a linear classifier on (x1, x2) gets only about 60-70 %. Lifting to 3-D with
    x3 = sin(x1) (Playground's sin(X1) feature) makes them linearly separable: at noise 0 the
    class is exactly [x2 - 3·x3 > 0], a plane in (x1, x2, x3) with margin 1.
    Noise: N(0, noise²) jitter on both coordinates.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    y = (np.arange(n) < halves(n)[0]).astype(np.int64)  # ceil(n/2) blue first
    x1 = rng.uniform(-6.0, 6.0, n)
    x2 = 3.0 * np.sin(x1) + np.where(y == 1, 1.0, -1.0)
    return _classes("two-curves", _jitter(rng, np.column_stack([x1, x2]), noise), y, 2)


def disk_annulus(n_samples: int, noise: float, seed: int) -> Dataset:
    """A blue disk (class 1, r <= 2) inside an orange annulus (class 0, 3.5 <= r <= 5).

    The radial gap 2 < r < 3.5 is empty at noise 0. ceil(n/2) disk points first; both parts are
    uniform in area. Unlike Playground's ``circle`` (label noise, r uniform so points crowd the
    centre), noise here moves the points: N(0, noise²) jitter.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    n_disk, n_ring = halves(n)
    p = np.concatenate([_annulus(rng, n_disk, 0.0, 2.0), _annulus(rng, n_ring, 3.5, 5.0)])
    y = (np.arange(n) < n_disk).astype(np.int64)
    return _classes("disk-annulus", _jitter(rng, p, noise), y, 2)
