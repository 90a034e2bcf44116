"""The Lab tab's HTTP API: the optimizer race on a 2-D surface and on a small network.

Routes (JSON in, JSON out):

- ``GET /api/lab/surfaces``: every surface of :data:`depthlens.lab.SURFACES` with its window,
  minima, start point, the optimizers a race runs on it (each with its default learning rate,
  other hyperparameters and its colour, from the table the lab's matplotlib figures use:
  :func:`depthlens.lab.figures.color`) and its contour picture: a ``GRID`` × ``GRID`` uint8 array
  (base64, row 0 at the top = largest y) of *band positions* over exactly the window the
  trajectories are drawn in (cell (i, j) is the value at the centre of that cell). The
  position runs from 0 to 255 across the surface's contour levels, piecewise linearly between
  them, so equal steps of it are equal steps between contour levels: the page can draw filled
  bands and lines at ``levels`` evenly spaced positions.
- ``POST /api/lab/race``: :func:`~depthlens.lab.race_on_surface` and
  :func:`~depthlens.lab.race_table`; every trajectory downsampled to at most
  ``MAX_POINTS`` + 1 points (always the start and the last point), with the step number of
  every point kept. Each table row also carries ``final_gap`` = f − f* at the last step, and
  its ``steps_to_tol`` is the first step whose f − f* (the same subtraction) is ≤ ``tol``: a
  row whose final gap is within the tolerance always has a step (:func:`race_rows`).
- ``POST /api/lab/network``: :func:`~depthlens.lab.network_race` on a 2-D dataset, with a
  budget of gradient evaluations per contender turned into whole epochs; its ``curves()`` and
  ``table()``. The race stops after the round (one epoch of every contender) in which it has
  used :data:`~depthlens.web.lab_queue.LAB_SECONDS` of work: then ``epochs``, ``budget``,
  ``curves`` and ``table`` are what was trained (every contender the same epochs),
  ``requested_epochs`` what was asked, and ``stopped`` says so in a sentence (None for a whole
  race). ``GET /api/lab/network/options``: what such a race may ask for, the contenders
  each with its colour (the same table).

Both races run on the app's :class:`~depthlens.web.lab_queue.LabQueue` (one worker thread,
round-robin slices; a waiting request holds no thread), as a job of the client that asked:
``"s:" + id`` when the header ``X-Depthlens-Session`` names a live tab's session, else
``"ip:" + `` its address (:func:`client_key`). A client has at most one race of each kind: a
newer one supersedes the older, which is answered 409 ``{field: "request", message}``; a full
queue answers 503; a race whose client went away or whose tab closed is stopped.

A bad request is answered with ``{"field": ..., "message": ...}``: HTTP 422 when the request
does not have the right shape or range (pydantic) or nests deeper than
:data:`~depthlens.web.protocol.MAX_JSON_DEPTH` (checked before it is parsed), 400 when a lab
function refuses a value (:class:`~depthlens.errors.ConfigError`); its body is at most
:data:`~depthlens.web.guards.MAX_LAB_BODY` bytes (413 otherwise). The message names the
field, the value and what is allowed.
"""

from __future__ import annotations

import base64
import functools
import math
import time
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from depthlens.data.datasets import DATASETS
from depthlens.errors import ConfigError, DepthlensError
from depthlens.lab.figures import color
from depthlens.lab.network_race import (
    DEFAULT_CONTENDERS,
    Contender,
    contenders_from,
    describe,
    network_race_slices,
)
from depthlens.lab.race import Trajectory, optimizers_for, race_on_surface, race_table
from depthlens.lab.surfaces import OPTIMIZER_ORDER, SURFACES, Surface
from depthlens.web.guards import BodyError, check_depth
from depthlens.web.lab_queue import Budget, LabRefused

GRID = 160
"""Cells per side of a surface's contour picture."""
LEVELS = 24
"""Contour levels of a picture (bands between them)."""
MAX_STEPS = 5000
MAX_POINTS = 1000
"""A trajectory sent to the page has at most this many steps between its points + 1 points."""
MAX_LR = 100.0
MAX_HIDDEN_LAYERS = 4
MAX_WIDTH = 16
MAX_BUDGET = 50_000
"""Gradient evaluations per contender. Measured on the 2-core development machine while others
were using it (load ≈ 4), all 9 contenders at this budget: 4 × 16 gelu on spirals 4.5 s, 4 × 16
tanh on reg-gauss (600 training samples) 3.3 s, Playground's 4, 2 on circle 0.9 s."""
MAX_SEED = 2**32 - 1
SESSION_HEADER = "x-depthlens-session"
"""The request header by which the page names its tab's session (:func:`client_key`)."""

NETWORK_DATASETS = tuple(name for name, spec in DATASETS.items()
                         if spec.n_features == 2 and spec.domain is not None)
"""The datasets a network race may use: the 2-D ones."""

DESCRIPTIONS = {
    "double_well": "Two valleys side by side. The start lies in the shallower one: plain "
                   "gradient descent settles there, momentum carries over the ridge into the "
                   "deeper one.",
    "rosenbrock": "A curved, flat-bottomed banana valley; finding the valley is easy, "
                  "following it to (1, 1) is the hard part.",
    "beale": "The minimum (3, 0.5) sits at the end of a long flat arm, and the gradient's size "
             "changes by orders of magnitude across the map.",
    "saddle": "A saddle point at the origin between two minima. Started almost on the ridge, "
              "gradient descent waits a long time before it notices the way down; Adam and "
              "RMSprop leave at once.",
    "himmelblau": "Four minima of equal value: which one a racer reaches depends on its path.",
    "rastrigin": "A bowl covered in local minima near every integer point; the global one is "
                 "at the origin.",
    "ravine": "A narrow straight valley, 100 times steeper across than along, tilted so that "
              "no per-coordinate step size straightens it.",
}


# -- errors -----------------------------------------------------------------------------------
def _error(field: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"field": field, "message": message}, status_code=status)


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    """The first problem of a request pydantic refused, as ``{field, message}``."""
    errors = exc.errors()
    if not errors:
        return _error("body", "the request could not be read", 422)
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    field = ".".join(loc) or "body"
    text = str(first.get("msg", "invalid"))
    text = text.removeprefix("Value error, ")
    if first.get("type") == "json_invalid":
        return _error("body", f"the request is not valid JSON: {text}", 422)
    if first.get("type") == "missing":
        return _error(field, f"{field}: is required", 422)
    if first.get("type") == "extra_forbidden":
        return _error(field, f"{field}: is not a field of this request", 422)
    value = first.get("input")
    shown = repr(value) if not isinstance(value, dict) else "that object"
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return _error(field, f"{field}: {shown} is not allowed; {text[:1].lower()}{text[1:]}", 422)


class LabRoute(APIRoute):
    """A route whose refused requests and refused values answer ``{field, message}``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                check_depth(await request.body())  # the handler parses the same (cached) body
                return await handler(request)
            except BodyError as exc:
                return _error(exc.field, exc.message, 422)
            except LabRefused as exc:
                return _error(exc.field, exc.message, exc.status)
            except RequestValidationError as exc:
                return _validation_response(exc)
            except ConfigError as exc:
                return _error(exc.field, str(exc), 400)
            except DepthlensError as exc:
                return _error(str(getattr(exc, "field", None) or "request"), str(exc), 400)

        return guarded


router = APIRouter(prefix="/api/lab", route_class=LabRoute)


# -- requests ---------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class RaceRequest(_Strict):
    """A race on a surface (module docstring). ``lr`` overrides learning rates by name."""

    surface: str
    optimizers: list[str] | None = None
    steps: int = Field(1000, ge=1, le=MAX_STEPS)
    noise: float = Field(0.0, ge=0.0, le=100.0)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    start: tuple[float, float] | None = None
    lr: dict[str, float] | None = None

    @field_validator("surface")
    @classmethod
    def _known_surface(cls, v: str) -> str:
        key = v.strip().lower().replace("-", "_")
        if key not in SURFACES:
            raise ValueError(f"expected one of {', '.join(SURFACES)}")
        return key

    @field_validator("optimizers")
    @classmethod
    def _known_optimizers(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("expected at least one optimizer")
        for name in v:
            if name not in OPTIMIZER_ORDER:
                raise ValueError(f"{name!r} is not an optimizer of the race; expected some of "
                                 f"{', '.join(OPTIMIZER_ORDER)}")
        if len(set(v)) != len(v):
            raise ValueError("expected each optimizer at most once")
        return v


class NetworkRequest(_Strict):
    """A race on a network (module docstring); ``budget`` in gradient evaluations per
    contender."""

    dataset: str = "circle"
    layers: list[int] = Field(default_factory=lambda: [4, 2], max_length=MAX_HIDDEN_LAYERS)
    activation: str = "tanh"
    contenders: list[str] | None = None
    budget: int = Field(10_000, ge=1)
    seed: int = Field(0, ge=0, le=MAX_SEED)

    @field_validator("dataset")
    @classmethod
    def _two_d(cls, v: str) -> str:
        if v not in NETWORK_DATASETS:
            raise ValueError(f"expected a 2-D dataset: one of {', '.join(NETWORK_DATASETS)}")
        return v

    @field_validator("layers")
    @classmethod
    def _small(cls, v: list[int]) -> list[int]:
        for width in v:
            if not 1 <= width <= MAX_WIDTH:
                raise ValueError(f"a hidden layer of {width} units; expected at most "
                                 f"{MAX_HIDDEN_LAYERS} hidden layers of 1 to {MAX_WIDTH} units")
        return v

    @field_validator("contenders")
    @classmethod
    def _known_contenders(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("expected at least one contender")
        try:
            chosen = contenders_from(v)
        except ConfigError as exc:
            raise ValueError(f"{exc.value!r} is not a contender; expected {exc.allowed}") \
                from None
        if len({c.name for c in chosen}) != len(chosen):
            raise ValueError("expected each contender at most once")
        return v

    @field_validator("budget")
    @classmethod
    def _bounded(cls, v: int) -> int:
        if v > MAX_BUDGET:
            raise ValueError(f"a budget of {v} gradient evaluations per contender is more than "
                             f"this server runs at once; expected at most {MAX_BUDGET}")
        return v


# -- helpers ----------------------------------------------------------------------------------
def _clean(obj: Any) -> Any:
    """Plain JSON: numpy scalars to Python, NaN and ±inf to None, tuples to lists."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    return obj


def band_positions(surface: Surface, resolution: int = GRID) -> tuple[np.ndarray, str]:
    """The contour picture of ``surface``: (resolution, resolution) uint8, row 0 at the top,
    and the name of the contoured quantity (module docstring).

    Surfaces with steep walls are contoured in log₁₀(f − f* + 10⁻³) at evenly spaced levels;
    the others in f at levels placed at quantiles of f, so every band covers about the same
    share of the window and the wells show as much detail as the walls."""
    x0, x1, y0, y1 = surface.extent
    xs = x0 + (np.arange(resolution) + 0.5) * (x1 - x0) / resolution
    ys = y1 - (np.arange(resolution) + 0.5) * (y1 - y0) / resolution
    gx, gy = np.meshgrid(xs, ys)
    f = np.asarray(surface.value(gx, gy), dtype=np.float64)
    if surface.log_contours:
        z = np.log10(np.maximum(f - surface.f_min, 0.0) + 1e-3)
        levels = np.linspace(z.min(), z.max(), LEVELS + 1)
        quantity = "log₁₀(f − f* + 10⁻³)"
    else:
        z = f
        levels = np.quantile(f, np.linspace(0.0, 1.0, LEVELS + 1) ** 1.5)
        quantity = "f"
    levels = np.maximum.accumulate(levels + np.arange(levels.size) * 1e-12)  # strictly rising
    position = np.interp(z, levels, np.linspace(0.0, 255.0, levels.size))
    return np.clip(np.rint(position), 0, 255).astype(np.uint8), quantity


@functools.cache
def surfaces_payload() -> list[dict[str, Any]]:
    """What ``GET /api/lab/surfaces`` answers (computed once)."""
    out = []
    for s in SURFACES.values():
        grid, quantity = band_positions(s)
        info = s.describe()
        info["description"] = DESCRIPTIONS.get(s.name, s.title)
        info["radius"] = s.radius
        info["f_min"] = s.f_min
        info["optimizers"] = [{"name": name, "rule": opt.name, "lr": opt.lr,
                               "hyper": _clean(opt.hyper), "color": color(name, i)}
                              for i, (name, opt) in enumerate(optimizers_for(s).items())]
        info["grid"] = {"width": GRID, "height": GRID, "levels": LEVELS,
                        "quantity": quantity, "origin": "top-left, x right, y up",
                        "data": base64.b64encode(grid.tobytes()).decode("ascii")}
        out.append(_clean(info))
    return out


def downsample(n_points: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` + 1 of ``n_points`` points, evenly spread, always the
    first and the last."""
    if n_points <= limit + 1:
        return np.arange(n_points)
    return np.unique(np.rint(np.linspace(0, n_points - 1, limit + 1)).astype(np.int64))


def race_rows(surface: Surface, paths: Mapping[str, Trajectory]) -> list[dict[str, Any]]:
    """The race table as the page shows it: :func:`~depthlens.lab.race_table`'s rows, whose
    ``steps_to_tol`` and ``final_gap`` come from one subtraction f − f* (None for a gap after a
    divergence)."""
    return [{**asdict(row), "final_gap": None if math.isnan(row.final_gap) else row.final_gap}
            for row in race_table(surface, paths)]


def run_race(req: RaceRequest) -> dict[str, Any]:
    """The race a request asks for, as the page draws it."""
    s = SURFACES[req.surface]
    x0, x1, y0, y1 = s.extent
    if req.start is not None and not (x0 <= req.start[0] <= x1 and y0 <= req.start[1] <= y1):
        raise ConfigError("start", list(req.start),
                          f"a point inside the window x ∈ [{x0:g}, {x1:g}], "
                          f"y ∈ [{y0:g}, {y1:g}]")
    for name, rate in (req.lr or {}).items():
        if name not in OPTIMIZER_ORDER:
            raise ConfigError("lr", name, f"learning rates keyed by optimizer: one of "
                              f"{', '.join(OPTIMIZER_ORDER)}")
        if not 0.0 < rate <= MAX_LR:
            raise ConfigError(f"lr.{name}", rate, f"a learning rate > 0 and ≤ {MAX_LR:g}")
    began = time.perf_counter()
    opts = optimizers_for(s, req.optimizers, req.lr)
    paths = race_on_surface(s, opts, start=req.start, steps=req.steps, noise=req.noise,
                            seed=req.seed)
    trajectories = []
    for tr in paths.values():
        last = tr.steps if tr.diverged_at is None else tr.diverged_at - 1
        keep = downsample(last + 1)
        trajectories.append({"name": tr.name, "rule": tr.optimizer, "hyper": tr.hyper,
                             "steps": keep, "points": tr.points[keep], "values": tr.values[keep],
                             "diverged_at": tr.diverged_at})
    start = s.start if req.start is None else req.start
    return _clean({"surface": s.name, "start": start, "steps": req.steps, "noise": req.noise,
                   "seed": req.seed, "tol": s.tol, "f_min": s.f_min,
                   "trajectories": trajectories, "table": race_rows(s, paths),
                   "seconds": time.perf_counter() - began})


def run_network(req: NetworkRequest, budget: Budget | None = None,
                ) -> Generator[object, None, dict[str, Any]]:
    """The network race a request asks for, as a generator of slices (one per epoch of a
    contender) whose return value is the answer; it stops after the round in which
    ``budget`` (a :class:`~depthlens.web.lab_queue.Budget`) is spent (module docstring)."""
    from depthlens.experiment.config import Config

    config = Config(dataset=req.dataset, layers=tuple(req.layers), activation=req.activation,
                    seed=req.seed)
    n_train = max(1, round(DATASETS[req.dataset].n_samples * config.train_ratio))
    epochs = int(min(max(1, round(req.budget / n_train)), max(1, MAX_BUDGET // n_train)))
    chosen = (list(DEFAULT_CONTENDERS) if req.contenders is None
              else contenders_from(req.contenders))
    began = time.perf_counter()
    race = yield from network_race_slices(config, chosen, epochs=epochs, stop=budget)
    seconds = budget.used if budget is not None else time.perf_counter() - began
    stopped = None
    if race.stopped is not None:
        stopped = (f"stopped after {race.stopped}: every racer trained {race.epochs} of the "
                   f"{race.requested_epochs} epochs asked")
    return _clean({"dataset": req.dataset, "problem": race.session.problem,
                   "metric": race.metric, "layers": req.layers, "activation": req.activation,
                   "n_train": race.n_train, "epochs": race.epochs, "budget": race.budget,
                   "requested_epochs": race.requested_epochs,
                   "requested_budget": req.budget, "stopped": stopped,
                   "contenders": _contenders(chosen),
                   "curves": race.curves(), "table": race.table(), "seconds": seconds})


def _contenders(chosen: Sequence[Contender]) -> list[dict[str, Any]]:
    """Name, rule, batch size and colour (:func:`~depthlens.lab.figures.color`, as the lab's
    figures draw them) of each contender."""
    return [{"name": c.name, "rule": describe(c), "batch": c.batch_size,
             "color": color(c.name, i)} for i, c in enumerate(chosen)]


# -- routes -----------------------------------------------------------------------------------
@router.get("/surfaces")
async def surfaces() -> JSONResponse:
    """Every surface with its minima, optimizers and contour picture."""
    return JSONResponse(await run_in_threadpool(surfaces_payload))


@router.post("/race")
async def race(req: RaceRequest, request: Request) -> JSONResponse:
    """Race optimizers on a surface (a one-slice job of the Lab's queue)."""
    lab = request.app.state.services.lab
    return JSONResponse(await lab.run(client_key(request), "race", lambda _: run_race(req),
                                      request.is_disconnected))


@router.post("/network")
async def network(req: NetworkRequest, request: Request) -> JSONResponse:
    """Race optimizers on a small network with equal gradient budgets (a job of the Lab's
    queue, in slices, within its time budget)."""
    lab = request.app.state.services.lab
    return JSONResponse(await lab.run(client_key(request), "network",
                                      lambda budget: run_network(req, budget),
                                      request.is_disconnected))


def client_key(request: Request) -> str:
    """Whose Lab job a request is: ``"s:" + id`` when its ``X-Depthlens-Session`` header is the
    id of a live session of this app (a tab), else ``"ip:" + `` the client's address. An
    unknown header value counts as no header, so a script cannot make itself many clients."""
    from depthlens.web.app import find_session  # app.py imports this module

    claimed = request.headers.get(SESSION_HEADER)
    if claimed:
        live = find_session(request.app.state.sessions, claimed)
        if live is not None:
            return "s:" + live.id
    host = request.client.host if request.client is not None else "unknown"
    return "ip:" + host


def network_contenders() -> list[dict[str, Any]]:
    """The contenders a network race may name (for the page), each with its colour."""
    return _contenders(DEFAULT_CONTENDERS)


@router.get("/network/options")
async def network_options() -> JSONResponse:
    """What a network race may be asked for: datasets, activations, contenders, limits."""
    from depthlens.nn.activations import ACTIVATIONS

    return JSONResponse({"datasets": list(NETWORK_DATASETS), "activations": list(ACTIVATIONS),
                         "contenders": network_contenders(), "max_layers": MAX_HIDDEN_LAYERS,
                         "max_width": MAX_WIDTH, "max_budget": MAX_BUDGET,
                         "default_budget": 10_000})
