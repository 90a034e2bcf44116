"""Loss landscapes of a network: 2-D slices, 1-D lines and the plane of a training path.

A network's loss L(θ) lives over every weight at once; a picture shows it along one or two
directions d₁, d₂ from a centre θ_c:

    S(α, β) = L(θ_c + α·d₁ + β·d₂)          (a 2-D slice)
    ℓ(α)    = L(θ₀ + α·(θ₁ − θ₀))           (the line from θ₀ to θ₁; α = 0 and 1 are the ends)

**Filter-normalized random directions** (Li, Xu, Taylor, Studer & Goldstein, "Visualizing the
Loss Landscape of Neural Nets", NeurIPS 2018). A Gaussian direction d is rescaled filter by
filter so every filter of d has the norm of the same filter of the weights:

    d_{l,i} ← d_{l,i} / ‖d_{l,i}‖ · ‖θ_{l,i}‖

A filter of a dense layer is one unit's incoming weights: row i of W_l (out, in), as the paper
treats a fully connected layer as a 1×1 convolution. The scale of a network with ReLU-like
units is then irrelevant (a layer scaled by 10 and the next by 1/10 gives the same picture),
so slices of different networks can be compared. Biases: the paper's code
(``tomgoldstein/loss-landscape``, ``net_plotter.normalize_directions_for_weights``) offers two
choices for one-dimensional parameters: ``ignore='biasbn'`` sets the direction to 0 (biases are
not perturbed; the setting of the paper's figures), otherwise the direction *is* the bias
vector itself. ``bias='zero'`` (default) and ``bias='copy'`` select them here.

**The plane of a path.** Random directions in a space of many weights are almost orthogonal
to any training path, so a path projects onto them as a point. The path's own plane is used
instead (the paper's §7): stack the snapshots θ_k − θ₀ of every path (all runs start from the
same θ₀) as rows of M, take its SVD M = UΣVᵀ (not mean-centred: θ₀, the common start, stays at
the origin) and use the first two right singular vectors as d₁, d₂ (orthonormal). A snapshot
projects to (α, β) = ((θ − θ₀)·d₁, (θ − θ₀)·d₂); σ₁² + σ₂² over Σσ² is the share of the paths'
squared length the plane holds (printed on the picture, since a path may leave the plane).

All slices are of the mean data loss on the training set, without the L1/L2 penalty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from depthlens.errors import ConfigError
from depthlens.nn.network import MLP

Array = np.ndarray
BIAS_MODES = ("zero", "copy")


@dataclass
class Landscape:
    """A 2-D slice: ``losses[j, i]`` = L(centre + alphas[i]·d1 + betas[j]·d2)."""

    alphas: Array
    betas: Array
    losses: Array
    center: Array
    d1: Array
    d2: Array
    kind: str = "random"
    explained: float | None = None

    @property
    def min_loss(self) -> float:
        return float(np.nanmin(self.losses))


def _layer_slices(net: MLP) -> list[tuple[slice, tuple[int, int], slice]]:
    """(weight slice, W shape, bias slice) of every layer in the flat buffer."""
    out = []
    for k, (o, i) in enumerate(net.shapes):
        w0 = int(net._w_off[k])
        b0 = int(net._b_off[k])
        out.append((slice(w0, w0 + o * i), (o, i), slice(b0, b0 + o)))
    return out


def filter_normalize(net: MLP, direction: Array, params: Array | None = None,
                     bias: str = "zero") -> Array:
    """Rescale ``direction`` (a flat buffer like ``net.params``) filter by filter: row i of
    every W gets the norm of row i of the weights in ``params`` (the network's own when None);
    biases as ``bias`` says ('zero' or 'copy', module docstring). Returns a new array."""
    if bias not in BIAS_MODES:
        raise ConfigError("bias", bias, BIAS_MODES)
    theta = np.asarray(net.params if params is None else params, dtype=np.float64)
    d = np.array(direction, dtype=np.float64)
    if d.shape != theta.shape:
        raise ConfigError("direction", f"shape {d.shape}", f"shape {theta.shape}")
    for ws, shape, bs in _layer_slices(net):
        rows = d[ws].reshape(shape)
        norms = np.linalg.norm(theta[ws].reshape(shape), axis=1)
        dn = np.linalg.norm(rows, axis=1)
        rows *= np.divide(norms, dn, out=np.zeros_like(dn), where=dn > 0)[:, None]
        d[bs] = 0.0 if bias == "zero" else theta[bs]
    return d


def random_directions(net: MLP, params: Array | None = None, seed: int = 0,
                      bias: str = "zero", count: int = 2) -> list[Array]:
    """``count`` Gaussian directions, each filter-normalized (``filter_normalize``)."""
    rng = np.random.default_rng(seed)
    theta = net.params if params is None else params
    return [filter_normalize(net, rng.standard_normal(theta.shape), theta, bias)
            for _ in range(count)]


def _evaluator(net: MLP, x: Array, t: Array) -> tuple[MLP, Array, Array]:
    twin = net.copy()
    return twin, twin._as_input(x), twin._as_target(t, np.asarray(x).shape[0])


def loss_surface(net: MLP, x: Array, t: Array, center: Array, d1: Array, d2: Array,
                 alphas: Array, betas: Array) -> Array:
    """S[j, i] = L(center + alphas[i]·d1 + betas[j]·d2) on (x, encoded targets t).

    One compiled ``loss`` call per grid point on a copy of ``net`` (the network itself is not
    touched); a non-finite loss stays NaN-free as +inf."""
    twin, xv, tv = _evaluator(net, x, t)
    center = np.asarray(center, dtype=np.float64)
    d1 = np.asarray(d1, dtype=np.float64)
    d2 = np.asarray(d2, dtype=np.float64)
    out = np.empty((len(betas), len(alphas)))
    params = twin.params
    row = np.empty_like(center)
    for j, b in enumerate(betas):
        base = center + b * d2
        for i, a in enumerate(alphas):
            np.multiply(d1, a, out=row)
            row += base
            params[...] = row
            v = twin.loss(xv, tv)
            out[j, i] = v if np.isfinite(v) else np.inf
    return out


def random_landscape(net: MLP, x: Array, t: Array, center: Array | None = None,
                     span: float = 1.0, resolution: int = 51, seed: int = 0,
                     bias: str = "zero") -> Landscape:
    """Li et al.'s picture: the slice through ``center`` (the network's weights by default)
    along two filter-normalized random directions, α, β ∈ [−span, span]."""
    if resolution < 2:
        raise ConfigError("resolution", resolution, "a whole number ≥ 2")
    center = np.array(net.params if center is None else center, dtype=np.float64)
    d1, d2 = random_directions(net, center, seed=seed, bias=bias)
    grid = np.linspace(-span, span, resolution)
    losses = loss_surface(net, x, t, center, d1, d2, grid, grid)
    return Landscape(grid, grid.copy(), losses, center, d1, d2, kind="random")


@dataclass
class PathPlane:
    """The plane of some paths: origin θ₀, orthonormal d1, d2, and each path's (α, β)."""

    origin: Array
    d1: Array
    d2: Array
    coords: dict[str, Array]
    explained: float


def path_plane(paths: dict[str, Array], origin: Array) -> PathPlane:
    """PCA plane (uncentred SVD about ``origin``) of snapshots ``paths[name]`` (k, P).

    Rows containing NaN (a diverged run) are left out of the fit and of the coordinates."""
    origin = np.asarray(origin, dtype=np.float64)
    clean = {n: p[np.all(np.isfinite(p), axis=1)] - origin for n, p in paths.items()}
    m = np.concatenate([p for p in clean.values() if len(p)], axis=0)
    _, s, vt = np.linalg.svd(m, full_matrices=False)
    total = float(np.sum(s**2))
    if vt.shape[0] < 2 or total == 0.0:  # every path stayed put: any two axes will do
        eye = np.eye(origin.size)
        d1, d2 = eye[0], eye[1 % origin.size]
        explained = 1.0
    else:
        d1, d2 = vt[0], vt[1]
        explained = float((s[0] ** 2 + s[1] ** 2) / total)
    # orient each axis so that the paths mostly move to +α, +β (a readable picture)
    ends = np.array([p[-1] for p in clean.values() if len(p)])
    if ends.size and np.sum(ends @ d1) < 0:
        d1 = -d1
    if ends.size and np.sum(ends @ d2) < 0:
        d2 = -d2
    coords = {n: np.stack([p @ d1, p @ d2], axis=1) for n, p in clean.items()}
    return PathPlane(origin, d1, d2, coords, explained)


def plane_landscape(net: MLP, x: Array, t: Array, plane: PathPlane, resolution: int = 51,
                    margin: float = 0.2) -> Landscape:
    """The loss over the plane of the paths, on a square grid covering every path with
    ``margin`` (a fraction of the range) on each side."""
    pts = np.concatenate([c for c in plane.coords.values() if len(c)], axis=0)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = float(max(hi[0] - lo[0], hi[1] - lo[1], 1e-3)) * (1 + 2 * margin)
    mid = (lo + hi) / 2
    alphas = np.linspace(mid[0] - size / 2, mid[0] + size / 2, resolution)
    betas = np.linspace(mid[1] - size / 2, mid[1] + size / 2, resolution)
    losses = loss_surface(net, x, t, plane.origin, plane.d1, plane.d2, alphas, betas)
    return Landscape(alphas, betas, losses, plane.origin, plane.d1, plane.d2, kind="path plane",
                     explained=plane.explained)


def line_profile(net: MLP, x: Array, t: Array, start: Array, end: Array,
                 alphas: Sequence[float] | Array | None = None) -> tuple[Array, Array]:
    """(α, ℓ(α)) with ℓ(α) = L(start + α·(end − start)); α from −0.5 to 1.5 by default."""
    a = np.linspace(-0.5, 1.5, 81) if alphas is None else np.asarray(alphas, dtype=np.float64)
    start = np.asarray(start, dtype=np.float64)
    d = np.asarray(end, dtype=np.float64) - start
    losses = loss_surface(net, x, t, start, d, np.zeros_like(d), a, np.zeros(1))[0]
    return a, losses
