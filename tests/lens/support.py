"""Shared helpers of the lens tests: random rotations, constructed rotations, random layers."""

from __future__ import annotations

import math

import numpy as np


def random_rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random element of SO(d) (QR of a Gaussian matrix, signs fixed, det made +1)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def plane_rotation(theta: float) -> np.ndarray:
    """The 2-D rotation by theta (radians, counter-clockwise)."""
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def axis_rotation(axis: np.ndarray, theta: float) -> np.ndarray:
    """Rodrigues: the 3-D rotation by theta about the unit vector ``axis`` (right-hand rule)."""
    k = np.asarray(axis, dtype=np.float64)
    k = k / np.linalg.norm(k)
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + math.sin(theta) * cross + (1.0 - math.cos(theta)) * cross @ cross


def block_rotation(angles: list[float], extra: int = 0) -> np.ndarray:
    """Planes (1,2), (3,4), … turned by ``angles``, then ``extra`` fixed axes."""
    d = 2 * len(angles) + extra
    r = np.eye(d)
    for j, a in enumerate(angles):
        r[2 * j : 2 * j + 2, 2 * j : 2 * j + 2] = plane_rotation(a)
    return r


def random_layer(m: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """W (m, n) and b (m,) drawn in float32 (as a network stores them), returned as float32."""
    w = (rng.standard_normal((m, n)) / math.sqrt(n)).astype(np.float32)
    b = (0.5 * rng.standard_normal(m)).astype(np.float32)
    return w, b
