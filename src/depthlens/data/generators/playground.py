"""TensorFlow Playground's six datasets, with its formulas, sizes and meaning of noise.

All points lie in (or near) the window [-6, 6]². ``noise`` is Playground's slider value / 100
(0..0.5 on the slider, up to 0.8 from a URL). What noise does depends on the set, as in Playground:

- ``circle``, ``xor``, ``reg-plane``, ``reg-gauss``: the point stays where it is drawn, but its
  label is computed at the jittered position p + U(-s, s)·noise per axis (s = 5, 5, 6, 6), so
  labels near a boundary flip (or, for regression, the target blurs).
- ``gauss``: noise widens the clusters (variance 0.5 + 7·noise, i.e. 0.5..4 over 0..0.5).
- ``spiral``: the points themselves move by U(-1, 1)·noise per axis.

Two-class labels: Playground's +1 (blue) is class 1, -1 (orange) is class 0. When ``n_samples`` is
odd, the first group Playground draws (the +1 group, or arm) gets ceil(n/2) points and the other
floor(n/2) points, so exactly ``n_samples`` come back (Playground would return one extra point).
Points come back grouped by class, in Playground's generation order; :func:`depthlens.data.split`
shuffles them.
"""

from __future__ import annotations

import numpy as np

from depthlens.data._checks import check_common, halves, rng_for
from depthlens.data.dataset import TWO_CLASS_NAMES, Dataset

XY = ("x1", "x2")


def _two_class(name: str, x: np.ndarray, blue: np.ndarray) -> Dataset:
    """A two-class Dataset; ``blue`` is True where Playground's label is +1 (class 1)."""
    return Dataset(
        x=x,
        y=blue.astype(np.int64),
        problem="classification",
        n_classes=2,
        class_names=TWO_CLASS_NAMES,
        feature_names=XY,
        name=name,
    )


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Points (r·sin a, r·cos a), Playground's convention (angle measured from the x2 axis)."""
    return np.column_stack([r * np.sin(angle), r * np.cos(angle)])


def circle(n_samples: int, noise: float, seed: int) -> Dataset:
    """Playground's ``circle``: a blue disk inside an orange ring.

    Radius R = 5. ceil(n/2) points have r ~ U(0, R/2), the rest r ~ U(0.7R, R) = U(3.5, 5); the
    angle is U(0, 2π) and a point is (r sin a, r cos a). Label: blue (class 1) iff
    ||p + U(-5, 5)²·noise|| < 2.5, so at noise 0 the inner points are blue and the ring orange.
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    n_in, n_out = halves(n)
    r = np.concatenate([rng.uniform(0.0, 2.5, n_in), rng.uniform(3.5, 5.0, n_out)])
    p = _polar(r, rng.uniform(0.0, 2 * np.pi, n))
    jitter = rng.uniform(-5.0, 5.0, (n, 2)) * noise
    blue = np.linalg.norm(p + jitter, axis=1) < 2.5
    return _two_class("circle", p, blue)


def xor(n_samples: int, noise: float, seed: int) -> Dataset:
    """Playground's ``xor``: blue in quadrants I and III, orange in II and IV.

    x1, x2 ~ U(-5, 5), then each coordinate is pushed 0.3 away from its axis (v + 0.3 if v > 0,
    else v - 0.3), so |x1|, |x2| >= 0.3. Label: blue (class 1) iff q1·q2 >= 0 where
    q = p + U(-5, 5)²·noise; at noise 0 that is sign(x1·x2).
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    p = rng.uniform(-5.0, 5.0, (n, 2))
    p = p + np.where(p > 0, 0.3, -0.3)
    q = p + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    return _two_class("xor", p, q[:, 0] * q[:, 1] >= 0)


def gauss(n_samples: int, noise: float, seed: int) -> Dataset:
    """Playground's ``gauss``: two isotropic Gaussian clusters.

    ceil(n/2) blue points (class 1) around (2, 2), then floor(n/2) orange points around (-2, -2).
    Each coordinate is N(centre, σ²) with variance σ² = 0.5 + 7·noise (0.5 at noise 0, 4 at 0.5:
    the linear map of [0, 0.5] onto [0.5, 4], extended beyond 0.5 as Playground's unclamped scale).
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    n_blue, n_orange = halves(n)
    std = np.sqrt(0.5 + 7.0 * noise)
    centres = np.repeat(np.array([[2.0, 2.0], [-2.0, -2.0]]), [n_blue, n_orange], axis=0)
    p = centres + std * rng.standard_normal((n, 2))
    blue = np.arange(n) < n_blue
    return _two_class("gauss", p, blue)


def spiral_arms(
    counts: list[int], noise: float, rng: np.random.Generator, turns: float = 1.75
) -> tuple[np.ndarray, np.ndarray]:
    """Points on k = len(counts) interleaved spiral arms, and the arm index of each point.

    Arm j has m = counts[j] points i = 0..m-1 with r = 5·i/m and angle
    t = turns·2π·i/m + 2π·j/k; the point is (r sin t, r cos t) + U(-1, 1)²·noise.
    With k = 2 this is Playground's spiral (offsets 0 and π).
    """
    k = len(counts)
    pts, arm = [], []
    for j, m in enumerate(counts):
        s = np.arange(m) / max(m, 1)
        pts.append(_polar(5.0 * s, turns * 2 * np.pi * s + 2 * np.pi * j / k))
        arm.append(np.full(m, j, dtype=np.int64))
    p = np.concatenate(pts)
    p = p + rng.uniform(-1.0, 1.0, p.shape) * noise
    return p, np.concatenate(arm)


def spiral(n_samples: int, noise: float, seed: int) -> Dataset:
    """Playground's ``spiral``: two interleaved spirals of 1.75 turns out to radius 5.

    Arm of m points, i = 0..m-1: r = 5·i/m, t = 1.75·2π·i/m + δ, point (r sin t, r cos t) plus
    U(-1, 1)·noise per axis. δ = 0 for the blue arm (class 1, ceil(n/2) points), π for the orange
    arm (class 0).
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    p, arm = spiral_arms(list(halves(n)), noise, rng)
    return _two_class("spiral", p, arm == 0)


def _regression(name: str, x: np.ndarray, y: np.ndarray) -> Dataset:
    return Dataset(
        x=x,
        y=y,
        problem="regression",
        n_classes=0,
        class_names=(),
        feature_names=XY,
        name=name,
        target_names=("y",),
    )


def reg_plane(n_samples: int, noise: float, seed: int) -> Dataset:
    """Playground's ``reg-plane``: y = (q1 + q2) / 10 with q = p + U(-6, 6)²·noise.

    p ~ U(-6, 6)². This is x1 + x2 mapped linearly from [-10, 10] onto [-1, 1], not clamped, so
    at noise 0 the targets span [-1.2, 1.2].
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    p = rng.uniform(-6.0, 6.0, (n, 2))
    q = p + rng.uniform(-6.0, 6.0, (n, 2)) * noise
    return _regression("reg-plane", p, q.sum(axis=1) / 10.0)


# Playground's six bumps: (centre x1, centre x2, sign).
GAUSS_BUMPS = np.array(
    [
        [-4.0, 2.5, 1.0],
        [0.0, 2.5, -1.0],
        [4.0, 2.5, 1.0],
        [-4.0, -2.5, -1.0],
        [0.0, -2.5, 1.0],
        [4.0, -2.5, -1.0],
    ]
)


def reg_gauss_target(q: np.ndarray) -> np.ndarray:
    """The ``reg-gauss`` surface at points q (n, 2), values in [-1, 1].

    Each bump c gives v_c = sign_c · clamp(1 - ||q - c|| / 2, 0, 1); the target is the v_c of
    largest |v_c| (the first such bump on ties; 0 far from every bump).
    """
    d = np.linalg.norm(q[:, None, :] - GAUSS_BUMPS[None, :, :2], axis=2)
    v = GAUSS_BUMPS[None, :, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    best = np.argmax(np.abs(v), axis=1)
    return v[np.arange(len(q)), best]


def reg_gauss(n_samples: int, noise: float, seed: int) -> Dataset:
    """Playground's ``reg-gauss``: six signed cone-shaped bumps, y = reg_gauss_target(q).

    p ~ U(-6, 6)², q = p + U(-6, 6)²·noise; bumps at (±4, ±2.5) and (0, ±2.5) with signs
    + - + on the top row and - + - on the bottom row (see :func:`reg_gauss_target`).
    """
    n, noise, seed = check_common(n_samples, noise, seed)
    rng = rng_for(seed)
    p = rng.uniform(-6.0, 6.0, (n, 2))
    q = p + rng.uniform(-6.0, 6.0, (n, 2)) * noise
    return _regression("reg-gauss", p, reg_gauss_target(q))
