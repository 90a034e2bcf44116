"""A dense layer y = a(W·x + b) as its five operations, one step at a time.

With the SVD W = U Σ Vᵀ (W is m×n, k = min(m, n) singular values σ₁ ≥ … ≥ σ_k ≥ 0), a point x
goes through

    1. rotate by Vᵀ                         (n-D, det +1)
    1'. reflect one axis                    only when m = n and det W < 0
    2. scale by σ₁ … σ_k                    along the first k coordinate axes (still n-D)
    3. change dimension n → m               keep the first k coordinates, pad zeros up to m
    4. rotate by U                          (m-D, det +1)
    5. translate by b                       (m-D)
    6. bend by the activation a             elementwise (softmax for a softmax head; m-D)

So every step before the change of dimension acts in the input's n-D space and every step
after it in the output's m-D space (``Step.space``: 'in', 'out', or for the change itself the
larger of the two, where it is seen). The steps fall under the five operations of the
article (``GROUPS``, ``Step.group``): raise/lower dimension, scale, rotate (twice: Vᵀ and U;
a reflection is filed with them), translate, bend.

U and V come out of the SVD with det ±1. A column flip that lands on a direction W ignores
(V's null directions when n > m, U's padded directions when m > n) costs nothing, and a sign
that lands on a singular value can be moved to the other side; so only a square W with
det W < 0 needs a reflection (step 1'), which no rotation can replace.

Animation. All frames live in one ambient space of D = max(n, m) coordinates (points padded
with zeros), so a picture can show every step in the same axes. Each step interpolates in
t ∈ [0, 1]: rotations along the geodesic R^t, the scale geometrically (σ^t; linearly for
σ = 0), the translation linearly (t·b), the bend as (1 − t)·z + t·a(z), a lowered dimension by
squashing the dropped coordinates as (1 − t)·x. The reflection turns the axis through one extra
coordinate, x_i → x_i·cos πt with depth x_i·sin πt (a page turning over), so no frame is
degenerate unless W itself is singular or lowers the dimension.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from depthlens.lens import rotations
from depthlens.nn.activations import ACTIVATIONS
from depthlens.nn.losses import softmax

Array = np.ndarray

KINDS = ("rotate", "reflect", "dimension", "scale", "translate", "bend")

GROUPS = ("raise/lower dimension", "scale", "rotate", "translate", "bend")
"""The five operations a layer is made of, in the order the article names them."""

GROUP_OF = {"rotate": "rotate", "reflect": "rotate", "dimension": "raise/lower dimension",
            "scale": "scale", "translate": "translate", "bend": "bend"}
"""Which of the five operations (``GROUPS``) each step kind belongs to."""


@dataclass
class Frame:
    """Points at some t of a step: ``points`` (N, D) in the ambient space, and ``depth`` (N,)
    the out-of-space coordinate of a reflection (zeros otherwise)."""

    points: Array
    depth: Array


@dataclass
class Step:
    """One operation: its kind, a caption in words, and how it moves points.

    ``move(points, t)`` maps ambient points (N, D) at the step's start to the frame at t.
    """

    kind: str
    caption: str
    move: Callable[[Array, float], Frame] = field(repr=False)
    params: dict[str, object] = field(default_factory=dict)
    label: str = ""
    """A short name of the step (the player's chip): Vᵀ, Σ, lift 2→4, U, + b, tanh."""
    space: str = "in"
    """Where the step acts: 'in' (the input's n-D space) or 'out' (the output's m-D)."""

    @property
    def group(self) -> str:
        """Which of the five operations (``GROUPS``) the step is."""
        return GROUP_OF[self.kind]

    def frame(self, points: Array, t: float) -> Frame:
        return self.move(np.asarray(points, dtype=np.float64), float(t))

    def apply(self, points: Array) -> Array:
        """The step's end (t = 1)."""
        return self.frame(points, 1.0).points


def _flat(points: Array) -> Frame:
    return Frame(points, np.zeros(points.shape[0]))


def _fmt(values: Array, digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}g}" for v in values)


def _dim_word(d: int) -> str:
    return f"{d}-D"


def _activation_fn(name: str) -> Callable[[Array], Array]:
    if name == "softmax":
        return softmax
    return ACTIVATIONS[name]


@dataclass
class LayerOperations:
    """The decomposition of one dense layer: W (m, n), b (m,), activation name."""

    weight: Array
    bias: Array
    activation: str
    steps: list[Step]
    u: Array
    s: Array
    vt: Array
    reflected: bool

    @property
    def n_in(self) -> int:
        return int(self.weight.shape[1])

    @property
    def n_out(self) -> int:
        return int(self.weight.shape[0])

    @property
    def ambient(self) -> int:
        """D = max(n, m): the dimension every frame is drawn in."""
        return max(self.n_in, self.n_out)

    def embed(self, x: Array) -> Array:
        """Inputs (N, n) → ambient points (N, D), zero-padded."""
        x = np.asarray(x, dtype=np.float64)
        out = np.zeros((x.shape[0], self.ambient))
        out[:, : self.n_in] = x
        return out

    def run(self, x: Array) -> list[Array]:
        """Ambient points after each step, starting with the embedded inputs."""
        pts = [self.embed(x)]
        for step in self.steps:
            pts.append(step.apply(pts[-1]))
        return pts

    def output(self, x: Array) -> Array:
        """a(W·x + b) computed by composing the steps: (N, m)."""
        return self.run(x)[-1][:, : self.n_out]

    def frames(self, x: Array, per_step: int = 12) -> list[tuple[int, float, Frame]]:
        """(step index, t, frame) for ``per_step`` values of t in (0, 1] for every step, after
        one frame of the inputs (step index −1, t = 0)."""
        start = self.embed(x)
        out = [(-1, 0.0, _flat(start))]
        for i, step in enumerate(self.steps):
            for j in range(1, per_step + 1):
                out.append((i, j / per_step, step.frame(start, j / per_step)))
            start = step.apply(start)
        return out

    def captions(self) -> list[str]:
        return [s.caption for s in self.steps]


def proper_svd(w: Array) -> tuple[Array, Array, Array, Array, bool]:
    """W = U·diag(sign·σ)·Vᵀ with det U = det V = +1: (u (m, m), σ (k,), sign (k,) of ±1,
    vᵀ (n, n), reflected).

    A flip on a direction W ignores is free; a flip on a singular direction puts a sign on σ_k,
    which moves across (Σ·D_n = D_m·Σ) to the side that has a free direction to absorb it; only
    a square W with det W < 0 keeps it (``reflected``: sign_k = −1, a reflection step)."""
    m, n = w.shape
    k = min(m, n)
    u, s, vt = np.linalg.svd(w)  # u (m, m), s (k,), vt (n, n)
    v = vt.T.copy()
    sign = np.ones(k)
    if np.linalg.det(v) < 0:
        if n > m:
            v[:, -1] *= -1
        else:
            v[:, k - 1] *= -1
            sign[k - 1] = -1
    if sign[k - 1] < 0 and m > n:
        u[:, k - 1] *= -1
        sign[k - 1] = 1
    if np.linalg.det(u) < 0:
        if m > n:
            u[:, -1] *= -1
        else:
            u[:, k - 1] *= -1
            sign[k - 1] *= -1
    if sign[k - 1] < 0 and n > m:
        v[:, k - 1] *= -1
        v[:, -1] *= -1
        sign[k - 1] = 1
    return u, s, sign, v.T, bool(sign[k - 1] < 0)


def _rotation_step(r: Array, name: str, space: str) -> Step:
    """Rotate the first d coordinates by the proper rotation r (d, d) along its geodesic
    R^t = exp(t·log R)."""
    d = r.shape[0]

    def move(p: Array, t: float) -> Frame:
        out = p.copy()
        out[:, :d] = p[:, :d] @ rotations.rotation_power(r, t).T
        return _flat(out)

    caption = rotations.describe(r).replace("rotate", f"rotate ({name})", 1)
    return Step("rotate", caption, move, {"matrix": r}, name, space)


def _reflection_step(axis: int) -> Step:
    """Turn coordinate ``axis`` over through an extra dimension: x_a → x_a·cos πt, depth
    x_a·sin πt (a page turning, so no frame flattens)."""

    def reflect(p: Array, t: float) -> Frame:
        out = p.copy()
        out[:, axis] = p[:, axis] * math.cos(math.pi * t)
        return Frame(out, p[:, axis] * math.sin(math.pi * t))

    return Step("reflect", f"reflect axis {axis + 1} (det W < 0): turn it over through a new "
                "dimension", reflect, {"axis": axis}, "reflect", "in")


def _scale_step(s: Array) -> Step:
    """Scale the first k coordinates by σ^t (a zero σ by 1 − t, so it shrinks to 0)."""
    k = s.size

    def scale(p: Array, t: float) -> Frame:
        out = p.copy()
        out[:, :k] *= np.where(s > 0, np.power(np.where(s > 0, s, 1.0), t), 1.0 - t)
        return _flat(out)

    return Step("scale", "scale by " + " and ".join(f"{x:.2g}" for x in s), scale,
                {"factors": s.copy()}, "\u03a3", "in")


def _dimension_step(n: int, m: int) -> Step:
    """n → m: a lift adds m − n axes at 0 (drawn in the larger space); a lowering shrinks the
    n − m directions W ignores to 0."""
    k = min(m, n)
    if m > n:
        caption = f"lift {_dim_word(n)} into {_dim_word(m)} (new axes start at 0)"

        def change(p: Array, t: float) -> Frame:
            return _flat(p.copy())
    else:
        caption = (f"lower {_dim_word(n)} to {_dim_word(m)}: drop {n - m} direction"
                   f"{'s' if n - m > 1 else ''} W ignores")

        def change(p: Array, t: float) -> Frame:
            out = p.copy()
            out[:, k:] *= 1.0 - t
            return _flat(out)

    word = "lift" if m > n else "lower"
    return Step("dimension", caption, change, {"n_in": n, "n_out": m}, f"{word} {n}\u2192{m}",
                "out" if m > n else "in")


def _translation_step(b: Array) -> Step:
    """Add t·b to the first m coordinates."""
    m = b.size

    def translate(p: Array, t: float) -> Frame:
        out = p.copy()
        out[:, :m] += t * b
        return _flat(out)

    return Step("translate", f"translate by ({_fmt(b)})", translate, {"vector": b}, "+ b", "out")


def _bend_step(m: int, activation: str) -> Step:
    """z → (1 − t)·z + t·a(z) on the first m coordinates."""
    fn = _activation_fn(activation)

    def bend(p: Array, t: float) -> Frame:
        out = p.copy()
        z = p[:, :m]
        out[:, :m] = (1.0 - t) * z + t * fn(z)
        return _flat(out)

    word = "nothing to bend (linear)" if activation == "linear" else f"bend by {activation}"
    return Step("bend", word, bend, {"activation": activation}, activation, "out")


def decompose(weight: Array, bias: Array, activation: str) -> LayerOperations:
    """Split the layer a(W·x + b) into the steps of the module docstring: with W = UΣVᵀ
    (``proper_svd``), rotate by Vᵀ (when n > 1), [reflect], scale by Σ, change the dimension
    n → m (when they differ), rotate by U (when m > 1), translate by b, bend by a."""
    w = np.asarray(weight, dtype=np.float64)
    b = np.asarray(bias, dtype=np.float64).reshape(-1)
    m, n = w.shape
    u, s, sign, vt, reflected = proper_svd(w)
    steps: list[Step] = []
    if n > 1:
        steps.append(_rotation_step(vt, "V\u1d40", "in"))
    if reflected:
        steps.append(_reflection_step(min(m, n) - 1))
    steps.append(_scale_step(s))
    if m != n:
        steps.append(_dimension_step(n, m))
    if m > 1:
        steps.append(_rotation_step(u, "U", "out"))
    steps.append(_translation_step(b))
    steps.append(_bend_step(m, activation))
    return LayerOperations(w, b, activation, steps, u, s * sign, vt, reflected)
