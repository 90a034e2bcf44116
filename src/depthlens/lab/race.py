"""The optimizer race on a 2-D surface: every optimizer from one start point.

A 2-D point θ = (x, y) is a parameter buffer of two numbers and ∇f(θ) its gradient buffer, so
each racer is the engine's own optimizer (``make_optimizer``), stepped exactly as it steps a
network::

    state = opt.init(θ)
    for k in 1 … steps:   g ← ∇f(θ) + σ·εₖ ;  opt.update(θ, g, state)

Gradient noise σ·εₖ (εₖ ~ N(0, I₂), σ = ``noise``) stands in for the error of a mini-batch
gradient. Every racer sees the *same* noise sequence (one generator seeded with ``seed``, drawn
once), so the race compares the rules and not their luck; the same arguments give the same
trajectories bit for bit.

A racer whose point or value stops being finite (or leaves |θ| < 10⁶) is stopped: the rest of
its trajectory is NaN and ``diverged_at`` says when.

Python::

    from depthlens.lab import race_on_surface, race_table
    paths = race_on_surface("double_well", steps=600)
    for row in race_table("double_well", paths):
        print(row.name, row.minimum, row.final_value)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from depthlens.errors import ConfigError
from depthlens.lab.surfaces import OPTIMIZER_ORDER, Surface, get_surface
from depthlens.nn.optimizers import Optimizer, make_optimizer

Array = np.ndarray
BLOW_UP = 1e6


@dataclass
class Trajectory:
    """One racer's path: ``points[k]`` is θ after k steps (k = 0 … steps), ``values[k]`` f(θ)."""

    name: str
    optimizer: str
    points: Array
    values: Array
    diverged_at: int | None = None
    hyper: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return int(self.points.shape[0] - 1)

    @property
    def final_point(self) -> Array:
        return self.points[-1]

    @property
    def final_value(self) -> float:
        return float(self.values[-1])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (for a web page): points [[x, y], …] and values per step, None
        where the racer had stopped (after a divergence)."""
        def num(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        return {"name": self.name, "optimizer": self.optimizer, "hyper": dict(self.hyper),
                "points": [[num(x), num(y)] for x, y in self.points.tolist()],
                "values": [num(v) for v in self.values.tolist()],
                "diverged_at": self.diverged_at}

    def steps_to(self, f_min: float, tol: float) -> int | None:
        """The first step k with f(θₖ) − f* ≤ ``tol`` (None if never): the same subtraction
        the table shows as the final gap, so the two never disagree (``f ≤ f* + tol`` can
        differ from it in the last bit when f* ≠ 0)."""
        hit = np.flatnonzero(self.values - f_min <= tol)
        return int(hit[0]) if hit.size else None


def optimizers_for(surface: str | Surface, names: Sequence[str] | None = None,
                   lrs: Mapping[str, float] | None = None) -> dict[str, Optimizer]:
    """The race's optimizers by name, each with the surface's default learning rate (or one from
    ``lrs``). Names are ``make_optimizer``'s ('sgd', 'momentum', 'nesterov', 'adam', …)."""
    s = get_surface(surface)
    out: dict[str, Optimizer] = {}
    for name in OPTIMIZER_ORDER if names is None else names:
        lr = (lrs or {}).get(name, s.lrs.get(name, 0.01))
        out[name] = make_optimizer(name, lr=lr)
    return out


def race_on_surface(surface: str | Surface,
                    optimizers: Mapping[str, Optimizer] | Sequence[str] | None = None,
                    start: Sequence[float] | None = None, steps: int | None = None,
                    noise: float = 0.0, seed: int = 0) -> dict[str, Trajectory]:
    """Race optimizers on ``surface`` from ``start`` for ``steps`` steps (module docstring).

    Args:
        surface: a Surface or its name (``SURFACES``).
        optimizers: name → Optimizer, or a list of names (learning rates from the surface),
            or None for every optimizer of ``OPTIMIZER_ORDER``.
        start: (x, y); the surface's own start point by default.
        steps: number of updates (the surface's default when None).
        noise: σ of the Gaussian noise added to every gradient component.
        seed: seeds the noise.

    Returns:
        name → Trajectory, in the order given.
    """
    s = get_surface(surface)
    if optimizers is None or not isinstance(optimizers, Mapping):
        optimizers = optimizers_for(s, optimizers)
    n = s.steps if steps is None else int(steps)
    if n < 0:
        raise ConfigError("steps", steps, "a whole number ≥ 0")
    if not noise >= 0:
        raise ConfigError("noise", noise, "a number ≥ 0")
    x0 = np.array(s.start if start is None else start, dtype=np.float64)
    if x0.shape != (2,) or not np.all(np.isfinite(x0)):
        raise ConfigError("start", start, "two finite numbers (x, y)")
    eps = (np.random.default_rng(seed).standard_normal((n, 2)) * noise if noise > 0
           else np.zeros((n, 2)))
    out: dict[str, Trajectory] = {}
    for name, opt in optimizers.items():
        out[name] = _run(s, name, opt, x0, n, eps)
    return out


def _run(s: Surface, name: str, opt: Optimizer, x0: Array, n: int, eps: Array) -> Trajectory:
    points = np.full((n + 1, 2), np.nan)
    values = np.full(n + 1, np.nan)
    theta = x0.copy()
    grad = np.zeros(2)
    state = opt.init(theta)
    points[0] = theta
    values[0] = s.value(float(theta[0]), float(theta[1]))
    gradient, value, update = s.gradient, s.value, opt.update
    diverged = None
    for k in range(n):
        x, y = theta.tolist()
        try:  # Python floats raise OverflowError where numpy would give inf
            gx, gy = gradient(x, y)
            grad[0] = gx + eps[k, 0]
            grad[1] = gy + eps[k, 1]
            update(theta, grad, state)
            x, y = theta.tolist()
            f = value(x, y)
        except OverflowError:
            f = math.inf
        if not (math.isfinite(f) and abs(x) < BLOW_UP and abs(y) < BLOW_UP):
            diverged = k + 1
            break
        points[k + 1, 0] = x
        points[k + 1, 1] = y
        values[k + 1] = f
    hyper = {k: v for k, v in opt.hyper.items()}
    return Trajectory(name, opt.name, points, values, diverged, hyper)


@dataclass(frozen=True)
class RaceRow:
    """One line of the race table.

    ``steps_to_tol``: first step with f − f* ≤ tol (f* the global minimum value), None if never;
    ``final_gap``: f − f* after the last step (NaN after a divergence);
    ``minimum``: label of the minimum the racer ended in ('global'/'local'/…, 'none' if it ended
    away from every listed minimum, 'diverged').
    """

    name: str
    lr: float
    steps_to_tol: int | None
    final_value: float
    final_x: float
    final_y: float
    minimum: str
    kind: str
    final_gap: float


def race_table(surface: str | Surface, trajectories: Mapping[str, Trajectory],
               tol: float | None = None) -> list[RaceRow]:
    """A row per racer: steps to tolerance, final value, final point and minimum reached."""
    s = get_surface(surface)
    tol = s.tol if tol is None else float(tol)
    rows = []
    for name, tr in trajectories.items():
        if tr.diverged_at is not None:
            rows.append(RaceRow(name, float(tr.hyper.get("lr", math.nan)), None, math.nan,
                                math.nan, math.nan, f"diverged at step {tr.diverged_at}",
                                "diverged", math.nan))
            continue
        m = s.nearest_minimum(tr.final_point)
        rows.append(RaceRow(name, float(tr.hyper.get("lr", math.nan)),
                            tr.steps_to(s.f_min, tol), tr.final_value,
                            float(tr.final_point[0]), float(tr.final_point[1]),
                            "none" if m is None else m.label, "none" if m is None else m.kind,
                            float(tr.values[-1] - s.f_min)))
    return rows


def gap_text(gap: float, tol: float, digits: int = 3) -> str:
    """f − f* with at least ``digits`` significant digits, and more until the number shown is on
    the same side of ``tol`` as ``gap`` (1.00027e-4 beside a tolerance of 1e-4 reads 1.0003e-04,
    never 1.00e-04 beside "never reached")."""
    if not math.isfinite(gap):
        return "nan" if math.isnan(gap) else str(gap)
    for d in range(digits, 18):
        text = f"{gap:.{d}g}"
        if (float(text) <= tol) == (gap <= tol):
            return text
    return repr(gap)


def table_text(rows: Sequence[RaceRow], tol: float) -> str:
    """The race table as aligned plain text."""
    head = f"{'optimizer':10} {'lr':>8} {'steps to tol ' + format(tol, 'g'):>18} " \
           f"{'final f - f*':>13} {'final (x, y)':>20}  minimum"
    lines = [head]
    for r in rows:
        steps = "–" if r.steps_to_tol is None else str(r.steps_to_tol)
        point = f"({r.final_x:.3f}, {r.final_y:.3f})"
        lines.append(f"{r.name:10} {r.lr:>8g} {steps:>18} {gap_text(r.final_gap, tol):>13} "
                     f"{point:>20}  {r.minimum}")
    return "\n".join(lines)
