"""Analytic 2-D loss surfaces for racing optimizers, with exact values and gradients.

Each :class:`Surface` is a function f(x, y) with its gradient ∇f = (∂f/∂x, ∂f/∂y) written out
by hand (tested against central finite differences), the place to look at it (``extent``), a
start point, its minima (so a race can say which one an optimizer reached) and a learning rate
per optimizer that makes every optimizer move on this surface's scale.

The surfaces (x, y ∈ ℝ):

- **double_well**  f = (x² − 1)² + 0.3·x + ½·y².
  ∇f = (4x(x² − 1) + 0.3, y). Two valleys: a global minimum near (−1.04, 0), f ≈ −0.31, and a
  local one near (0.96, 0), f ≈ 0.29, with a ridge (f ≈ 0) at x ≈ 0.08 between them. The start
  (1.8, 1) is in the local basin: plain gradient descent stops in the local valley, momentum
  rolls through it and over the ridge (the founding text's picture of a local minimum).
- **rosenbrock**  f = (1 − x)² + 100·(y − x²)².
  ∇f = (−2(1 − x) − 400·x(y − x²), 200(y − x²)). A curved, flat-bottomed banana valley;
  minimum (1, 1), f = 0.
- **beale**  f = Σᵢ (cᵢ − x + x·yⁱ)², c = (1.5, 2.25, 2.625), i = 1, 2, 3.
  With rᵢ = cᵢ − x + x·yⁱ: ∇f = (Σ 2rᵢ(yⁱ − 1), Σ 2rᵢ·i·x·yⁱ⁻¹). Minimum (3, 0.5), f = 0, at
  the end of a long flat arm; gradients differ by orders of magnitude across the map.
- **saddle**  f = x² + ¼y⁴ − ½y².
  ∇f = (2x, y³ − y). A saddle point at the origin (curvature +2 across, −1 along y) between
  two minima (0, ±1), f = −¼. Started almost on the ridge (y₀ = 10⁻³), plain gradient descent
  needs ~ln(10³)/lr steps to notice the way down; sign-like steps (Adam, RMSprop) leave at once.
- **himmelblau**  f = (x² + y − 11)² + (x + y² − 7)².
  ∇f = (4x(x² + y − 11) + 2(x + y² − 7), 2(x² + y − 11) + 4y(x + y² − 7)). Four minima of
  equal value 0: which one an optimizer reaches depends on its path.
- **rastrigin**  f = 20 + Σ_{u ∈ {x, y}} (u² − 10·cos 2πu).
  ∇f = (2x + 20π·sin 2πx, 2y + 20π·sin 2πy). A bowl covered with local minima near every
  integer point; the global one is (0, 0), f = 0.
- **ravine**  f = u²/20 + 5·v², with (u, v) = (x, y) rotated by 30°: u = x·cos θ + y·sin θ,
  v = −x·sin θ + y·cos θ. ∇f = (u/10·cos θ − 10v·sin θ, u/10·sin θ + 10v·cos θ).
  A narrow straight valley, curvature 100× larger across than along, tilted so that no
  per-coordinate rescaling straightens it; minimum (0, 0), f = 0.

``value`` and ``gradient`` take scalars or arrays of any (equal) shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from depthlens.errors import ConfigError

Array = np.ndarray
Number = float | Array

OPTIMIZER_ORDER = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam")
"""The optimizers a race runs by default (names for ``make_optimizer``; 'sgd' is plain
gradient descent, 'momentum' and 'nesterov' are SGD with μ = 0.9)."""


@dataclass(frozen=True)
class Minimum:
    """A minimum of a surface: where, its value, and whether it is a global one."""

    label: str
    x: float
    y: float
    value: float
    kind: str = "global"

    @property
    def point(self) -> Array:
        return np.array([self.x, self.y])


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface (module docstring).

    Attributes:
        name, title, formula: identifiers and the formula in words.
        value(x, y) → f, gradient(x, y) → (∂f/∂x, ∂f/∂y): exact, vectorized.
        extent: (x_min, x_max, y_min, y_max) of the picture.
        start: default start point.
        minima: every minimum the race should name (inside the extent).
        lrs: default learning rate per optimizer name.
        steps: default number of steps of a race.
        tol: value tolerance: 'steps to tolerance' counts steps until f − f* ≤ tol.
        radius: a race ends 'in' a minimum when it is within this distance of it.
        log_contours: draw contours of log(f − f* + 1e-3) (surfaces with huge walls).
    """

    name: str
    title: str
    formula: str
    value: Callable[[Number, Number], Number] = field(repr=False)
    gradient: Callable[[Number, Number], tuple[Number, Number]] = field(repr=False)
    extent: tuple[float, float, float, float]
    start: tuple[float, float]
    minima: tuple[Minimum, ...]
    lrs: dict[str, float] = field(repr=False)
    steps: int = 500
    tol: float = 1e-3
    radius: float = 0.15
    log_contours: bool = False

    @property
    def f_min(self) -> float:
        """The global minimum value f*."""
        return min(m.value for m in self.minima)

    def grad_into(self, point: Array, out: Array) -> None:
        """∇f at ``point`` (2,) written into ``out`` (2,): the flat-buffer form an optimizer
        reads (a 2-D point is a parameter buffer of two numbers)."""
        gx, gy = self.gradient(float(point[0]), float(point[1]))
        out[0] = gx
        out[1] = gy

    def nearest_minimum(self, point: Array) -> Minimum | None:
        """The listed minimum within ``radius`` of ``point`` (the closest), or None."""
        p = np.asarray(point, dtype=np.float64)
        if not np.all(np.isfinite(p)):
            return None
        best, dist = None, math.inf
        for m in self.minima:
            d = math.hypot(p[0] - m.x, p[1] - m.y)
            if d < dist:
                best, dist = m, d
        return best if dist <= self.radius else None

    def describe(self) -> dict[str, object]:
        """Plain JSON types: name, title, formula, extent, start, minima, default lrs."""
        return {"name": self.name, "title": self.title, "formula": self.formula,
                "extent": list(self.extent), "start": list(self.start),
                "minima": [{"label": m.label, "x": m.x, "y": m.y, "value": m.value,
                            "kind": m.kind} for m in self.minima],
                "lrs": dict(self.lrs), "steps": self.steps, "tol": self.tol}

    def grid(self, resolution: int = 200) -> tuple[Array, Array, Array]:
        """(X, Y, F) on a resolution × resolution grid over ``extent`` (for contour maps)."""
        x0, x1, y0, y1 = self.extent
        xs = np.linspace(x0, x1, resolution)
        ys = np.linspace(y0, y1, resolution)
        gx, gy = np.meshgrid(xs, ys)
        return gx, gy, np.asarray(self.value(gx, gy), dtype=np.float64)


# -- the functions ----------------------------------------------------------------------------
def _double_well(x: Number, y: Number) -> Number:
    return (x * x - 1.0) ** 2 + 0.3 * x + 0.5 * y * y


def _double_well_grad(x: Number, y: Number) -> tuple[Number, Number]:
    return 4.0 * x * (x * x - 1.0) + 0.3, 1.0 * y


def _rosenbrock(x: Number, y: Number) -> Number:
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _rosenbrock_grad(x: Number, y: Number) -> tuple[Number, Number]:
    r = y - x * x
    return -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r


_BEALE_C = (1.5, 2.25, 2.625)


def _beale(x: Number, y: Number) -> Number:
    return sum((c - x + x * y ** (i + 1)) ** 2 for i, c in enumerate(_BEALE_C))


def _beale_grad(x: Number, y: Number) -> tuple[Number, Number]:
    gx: Number = 0.0
    gy: Number = 0.0
    for i, c in enumerate(_BEALE_C):
        k = i + 1
        r = c - x + x * y**k
        gx = gx + 2.0 * r * (y**k - 1.0)
        gy = gy + 2.0 * r * k * x * y ** (k - 1)
    return gx, gy


def _saddle(x: Number, y: Number) -> Number:
    return x * x + 0.25 * y**4 - 0.5 * y * y


def _saddle_grad(x: Number, y: Number) -> tuple[Number, Number]:
    return 2.0 * x, y**3 - y


def _himmelblau(x: Number, y: Number) -> Number:
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


def _himmelblau_grad(x: Number, y: Number) -> tuple[Number, Number]:
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


_TWO_PI = 2.0 * math.pi


def _rastrigin(x: Number, y: Number) -> Number:
    return 20.0 + x * x - 10.0 * np.cos(_TWO_PI * x) + y * y - 10.0 * np.cos(_TWO_PI * y)


def _rastrigin_grad(x: Number, y: Number) -> tuple[Number, Number]:
    k = 20.0 * math.pi
    if isinstance(x, float) and isinstance(y, float):  # the race's hot path: math is faster
        return 2.0 * x + k * math.sin(_TWO_PI * x), 2.0 * y + k * math.sin(_TWO_PI * y)
    return 2.0 * x + k * np.sin(_TWO_PI * x), 2.0 * y + k * np.sin(_TWO_PI * y)


_COS30, _SIN30 = math.cos(math.pi / 6), math.sin(math.pi / 6)


def _ravine(x: Number, y: Number) -> Number:
    u = x * _COS30 + y * _SIN30
    v = -x * _SIN30 + y * _COS30
    return u * u / 20.0 + 5.0 * v * v


def _ravine_grad(x: Number, y: Number) -> tuple[Number, Number]:
    u = x * _COS30 + y * _SIN30
    v = -x * _SIN30 + y * _COS30
    du, dv = u / 10.0, 10.0 * v
    return du * _COS30 - dv * _SIN30, du * _SIN30 + dv * _COS30


# -- minima -----------------------------------------------------------------------------------
def _newton_1d(df: Callable[[float], float], d2f: Callable[[float], float], x: float) -> float:
    for _ in range(60):
        step = df(x) / d2f(x)
        x -= step
        if abs(step) < 1e-15:
            break
    return x


def _double_well_minima() -> tuple[Minimum, ...]:
    def df(x: float) -> float:
        return 4.0 * x * (x * x - 1.0) + 0.3

    def d2f(x: float) -> float:
        return 12.0 * x * x - 4.0

    left = _newton_1d(df, d2f, -1.0)
    right = _newton_1d(df, d2f, 1.0)
    return (Minimum("global", left, 0.0, float(_double_well(left, 0.0)), "global"),
            Minimum("local", right, 0.0, float(_double_well(right, 0.0)), "local"))


def _himmelblau_minima() -> tuple[Minimum, ...]:
    out = []
    for x, y in ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                 (3.584428, -1.848126)):
        for _ in range(50):  # Newton on ∇f = 0 with the exact Hessian
            a, b = x * x + y - 11.0, x + y * y - 7.0
            gx, gy = _himmelblau_grad(x, y)
            hxx = 12.0 * x * x + 4.0 * y - 42.0
            hyy = 12.0 * y * y + 4.0 * x - 26.0
            hxy = 4.0 * (x + y)
            det = hxx * hyy - hxy * hxy
            x, y = x - (hyy * gx - hxy * gy) / det, y - (hxx * gy - hxy * gx) / det
            del a, b
        out.append(Minimum(f"({x:.2f}, {y:.2f})", x, y, float(_himmelblau(x, y)), "global"))
    return tuple(out)


def _rastrigin_minima(reach: int = 5) -> tuple[Minimum, ...]:
    k = 20.0 * math.pi

    def df(u: float) -> float:
        return 2.0 * u + k * math.sin(_TWO_PI * u)

    def d2f(u: float) -> float:
        return 2.0 + k * _TWO_PI * math.cos(_TWO_PI * u)

    roots = {i: _newton_1d(df, d2f, float(i)) for i in range(-reach, reach + 1)}
    out = []
    for i in range(-reach, reach + 1):
        for j in range(-reach, reach + 1):
            x, y = roots[i], roots[j]
            kind = "global" if i == 0 and j == 0 else "local"
            label = "global (0, 0)" if kind == "global" else f"local ({i}, {j})"
            out.append(Minimum(label, x, y, float(_rastrigin(x, y)), kind))
    return tuple(out)


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        Surface("double_well", "Double well", "(x² − 1)² + 0.3x + ½y²", _double_well,
                _double_well_grad, (-2.0, 2.2, -1.6, 1.6), (1.8, 1.0), _double_well_minima(),
                {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.3,
                 "rmsprop": 0.01, "adadelta": 1.0, "adam": 0.02},
                steps=600, tol=1e-3, radius=0.2),
        Surface("rosenbrock", "Rosenbrock", "(1 − x)² + 100(y − x²)²", _rosenbrock,
                _rosenbrock_grad, (-2.0, 2.0, -1.0, 3.0), (-1.5, 2.5),
                (Minimum("(1, 1)", 1.0, 1.0, 0.0),),
                {"sgd": 1.5e-3, "momentum": 5e-4, "nesterov": 5e-4, "adagrad": 0.1,
                 "rmsprop": 5e-3, "adadelta": 1.0, "adam": 0.05},
                steps=2000, tol=1e-4, radius=0.1, log_contours=True),
        Surface("beale", "Beale", "Σᵢ (cᵢ − x + x·yⁱ)², c = 1.5, 2.25, 2.625", _beale,
                _beale_grad, (-1.0, 4.5, -1.5, 2.5), (0.7, 1.4),
                (Minimum("(3, 0.5)", 3.0, 0.5, 0.0),),
                {"sgd": 0.01, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5,
                 "rmsprop": 5e-3, "adadelta": 1.0, "adam": 0.05},
                steps=2000, tol=1e-4, radius=0.1, log_contours=True),
        Surface("saddle", "Saddle", "x² + ¼y⁴ − ½y²", _saddle, _saddle_grad,
                (-2.0, 2.0, -2.0, 2.0), (1.5, 1e-3),
                (Minimum("(0, 1)", 0.0, 1.0, -0.25), Minimum("(0, −1)", 0.0, -1.0, -0.25)),
                {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.2,
                 "rmsprop": 0.01, "adadelta": 1.0, "adam": 0.02},
                steps=800, tol=1e-3, radius=0.15),
        Surface("himmelblau", "Himmelblau", "(x² + y − 11)² + (x + y² − 7)²", _himmelblau,
                _himmelblau_grad, (-5.5, 5.5, -5.5, 5.5), (-0.27, -0.92), _himmelblau_minima(),
                {"sgd": 0.005, "momentum": 0.001, "nesterov": 0.001, "adagrad": 0.5,
                 "rmsprop": 0.02, "adadelta": 1.0, "adam": 0.1},
                steps=500, tol=1e-3, radius=0.2, log_contours=True),
        Surface("rastrigin", "Rastrigin", "20 + Σ (u² − 10 cos 2πu)", _rastrigin,
                _rastrigin_grad, (-1.5, 4.0, -4.0, 1.5), (2.7, -1.8), _rastrigin_minima(),
                {"sgd": 0.002, "momentum": 0.003, "nesterov": 0.003, "adagrad": 0.5,
                 "rmsprop": 0.05, "adadelta": 1.0, "adam": 0.2},
                steps=500, tol=1e-3, radius=0.25),
        Surface("ravine", "Narrow ravine", "u²/20 + 5v², (u, v) = (x, y) turned by 30°",
                _ravine, _ravine_grad, (-5.0, 3.0, -3.5, 1.5), (-4.0, 0.5),
                (Minimum("(0, 0)", 0.0, 0.0, 0.0),),
                {"sgd": 0.1, "momentum": 0.02, "nesterov": 0.02, "adagrad": 1.0,
                 "rmsprop": 0.1, "adadelta": 1.0, "adam": 0.2},
                steps=400, tol=1e-3, radius=0.15),
    )
}
"""Every surface by name."""


def get_surface(surface: str | Surface) -> Surface:
    """A surface by name (or the Surface itself); ConfigError naming 'surface' otherwise."""
    if isinstance(surface, Surface):
        return surface
    key = str(surface).lower().replace("-", "_")
    if key not in SURFACES:
        raise ConfigError("surface", surface, list(SURFACES))
    return SURFACES[key]
