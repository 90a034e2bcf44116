"""Rotations: fractional powers along the geodesic, and words for them.

For a rotation R ∈ SO(d) the geodesic from I to R is R^t = exp(t·log R), t ∈ [0, 1]. R is
normal, so R = Q·diag(e^{iθ_j})·Q^H with unit eigenvalues, and R^t = Q·diag(e^{itθ_j})·Q^H.
Q is found from one Hermitian matrix that shares R's eigenvectors,

    H = (R + Rᵀ)/2 + c·(R − Rᵀ)/(2i)   with eigenvalues cos θ_j + c·sin θ_j,

whose ``eigh`` gives an orthonormal Q even when eigenvalues repeat. cos θ + c·sin θ is the same
for two angles that sum to 2·atan c, so no one c works for every R (with c = 0.577…, a 3-D turn
by 59.985° would collide with its axis): c is picked from a few constants to keep R's distinct
eigenvalues apart in H. Eigenvalue −1 (a half turn, θ = ±π, which comes in
pairs in SO(d)) has no unique logarithm: its eigenspace is split into real planes, each turned
by π·t, so R^t stays real and a rotation for every t.
"""

from __future__ import annotations

import math

import numpy as np

# Candidates for c, the weight that mixes the two parts of H (see the module docstring).
_MIXERS = (0.5772156649015329, -1.2020569031595942, 2.6854520010653062, -0.2614972128476428,
           4.6692016091029907)
_MIN_GAP = 1e-4  # a gap between H's eigenvalues that eigh resolves to ~1e-12
_HALF_TURN_TOL = 1e-9


def is_rotation(r: np.ndarray, tol: float = 1e-8) -> bool:
    """Whether r is orthogonal with determinant +1."""
    r = np.asarray(r, dtype=np.float64)
    d = r.shape[0]
    return bool(np.allclose(r.T @ r, np.eye(d), atol=tol) and np.linalg.det(r) > 0)


def _mixer(r: np.ndarray) -> float:
    """The c (of ``_MIXERS``) that keeps R's distinct eigenvalues furthest apart in H."""
    lam = np.linalg.eigvals(r)
    distinct = np.abs(lam[:, None] - lam[None, :]) > 1e-7
    if not distinct.any():
        return _MIXERS[0]
    best, best_gap = _MIXERS[0], -1.0
    for c in _MIXERS:
        f = lam.real + c * lam.imag
        gap = float(np.abs(f[:, None] - f[None, :])[distinct].min())
        if gap > best_gap:
            best, best_gap = c, gap
        if gap > _MIN_GAP:
            break
    return best


def rotation_power(r: np.ndarray, t: float) -> np.ndarray:
    """R^t along the geodesic from I (t = 0) to R (t = 1); R must be in SO(d)."""
    r = np.asarray(r, dtype=np.float64)
    d = r.shape[0]
    if d == 1 or t == 1.0:
        return r.copy()
    if t == 0.0:
        return np.eye(d)
    if d == 2:
        theta = math.atan2(r[1, 0], r[0, 0])
        c, s = math.cos(t * theta), math.sin(t * theta)
        return np.array([[c, -s], [s, c]])
    h = (r + r.T) / 2 + _mixer(r) * (r - r.T) / 2j
    _, q = np.linalg.eigh(h)
    lam = np.einsum("ji,jk,ki->i", q.conj(), r, q)
    theta = np.angle(lam)
    half = np.abs(np.abs(theta) - math.pi) < 1e-6
    out = np.zeros((d, d), dtype=np.complex128)
    keep = ~half
    if keep.any():
        qk = q[:, keep]
        out += (qk * np.exp(1j * t * theta[keep])) @ qk.conj().T
    result = out.real
    if half.any():
        # A real orthonormal basis of the −1 eigenspace, paired into planes turned by π·t.
        span = np.concatenate([q[:, half].real, q[:, half].imag], axis=1)
        u, s, _ = np.linalg.svd(span, full_matrices=False)
        basis = u[:, s > _HALF_TURN_TOL * max(1.0, s.max())]
        c, sn = math.cos(math.pi * t), math.sin(math.pi * t)
        for j in range(0, basis.shape[1] - 1, 2):
            e1, e2 = basis[:, j], basis[:, j + 1]
            result += c * (np.outer(e1, e1) + np.outer(e2, e2)) + sn * (np.outer(e2, e1)
                                                                      - np.outer(e1, e2))
    return result


def plane_angles(r: np.ndarray) -> np.ndarray:
    """The rotation angles (radians, ≥ 0, largest first) of R's invariant planes."""
    r = np.asarray(r, dtype=np.float64)
    if r.shape[0] == 1:
        return np.zeros(0)
    lam = np.linalg.eigvals(r)
    theta = np.sort(np.abs(np.angle(lam)))[::-1]
    # Each plane shows up as a conjugate pair ±θ; keep one of each.
    return theta[::2][: r.shape[0] // 2]


def axis_angle(r: np.ndarray) -> tuple[np.ndarray, float]:
    """Axis (unit, 3-vector) and angle (radians, in [0, π]) of a 3-D rotation."""
    r = np.asarray(r, dtype=np.float64)
    angle = math.acos(max(-1.0, min(1.0, (np.trace(r) - 1.0) / 2.0)))
    if angle < 1e-12:
        return np.array([0.0, 0.0, 1.0]), 0.0
    axis = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    n = np.linalg.norm(axis)
    if n < 1e-9:  # a half turn: the axis is the eigenvector of eigenvalue +1
        w, v = np.linalg.eigh((r + r.T) / 2)
        axis = v[:, np.argmax(w)]
    else:
        axis = axis / n
    return axis, angle


def describe(r: np.ndarray) -> str:
    """Words for a rotation: 'rotate by 37°', 'rotate by 50° about axis (0.27, 0.96, 0.00)',
    'rotate in 4-D: planes turned by 80° and 12°'."""
    d = r.shape[0]
    if d == 1:
        return "no rotation (1-D)"
    if d == 2:
        # round() first, so a tiny negative angle reads "0°", not "-0°".
        return f"rotate by {round(math.degrees(math.atan2(r[1, 0], r[0, 0])))}°"
    if d == 3:
        axis, angle = axis_angle(r)
        ax = ", ".join(f"{round(a, 2) + 0.0:.2f}" for a in axis)  # + 0.0: no "-0.00"
        return f"rotate by {math.degrees(angle):.0f}° about axis ({ax})"
    angles = [f"{math.degrees(a):.0f}°" for a in plane_angles(r)]
    return f"rotate in {d}-D: planes turned by {' and '.join(angles)}"
