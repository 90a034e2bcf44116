"""A sweep's spec: a base Config, a grid of values per axis, seeds and an optional target.

    SweepSpec.parse(base, grid, seeds, target)   from Python values or command-line texts
    parse_grid_arg("layers=8;8,8")               one ``--grid`` flag → (axis, [values])
    load_spec(path)                              a TOML or JSON spec file
    spec.runs()                                  every run: (Config, params), validated

**Grid syntax.** ``--grid FIELD=VALUES``. A *list field* (``layers``, ``features``,
``activation``: a value is itself a comma list) separates its values with ``;`` and the items
of one value with ``,``: ``layers=8;8,8;8,8,8`` is three values, (8,), (8, 8), (8, 8, 8);
``layers=;4`` is no hidden layer, then one of 4. Every other field separates its values with
``,``: ``optimizer=sgd,adam``, ``lr=0.1,0.03``. A parameter of a group is an axis as
``--set`` names it: ``optimizer.momentum=0.5,0.9`` sets ``optimizer_params['momentum']``.
Each value text is parsed as the Config's own parser parses it (``config._parse_field``, the
URL query's and the flags' rule), so ``--grid lr=0.1`` means what ``--lr 0.1`` means.

**Run order.** Runs are the product of the axes in the order given, the first axis slowest,
with the seeds 0..N−1 innermost. A run's ``params`` are its axis values as the user wrote
them (list values comma-joined, as on the command line) plus ``seed``.

**Checked up front.** Every run's Config is built before any run starts; a value the Config
refuses is a ``ConfigError`` naming the grid axis (``grid.layers``), the value and what is
allowed; an unknown axis names the fields and groups allowed; two values of one axis that
give the same Config (``tanh`` and ``Tanh``) are refused, since a run is identified by its
Config.

**Target.** ``test_metric=0.95`` (reached when the test accuracy or R² is ≥ the value) or
``test_loss=0.1`` (reached when the test loss is ≤ it).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depthlens.errors import ConfigError, DataError
from depthlens.experiment.config import Config, _parse_field, _parse_scalar
from depthlens.experiment.flags import GROUPS

LIST_FIELDS = ("layers", "features", "activation")
"""Fields whose one value is a comma list: their grid values are separated by ';'."""

FIELDS = tuple(f.name for f in dataclasses.fields(Config) if f.name != "seed")
"""The Config fields a grid axis may name (the seed comes from ``seeds``)."""

TARGET_METRICS = {"test_metric": "≥", "test_loss": "≤"}
"""A target's metric → how it is reached (the value is a floor for the metric, a ceiling for
the loss)."""

MAX_SEEDS = 100_000
MAX_RUNS = 1_000_000


def _allowed_axes() -> str:
    return (", ".join(FIELDS) + "; or GROUP.NAME with GROUP one of " + ", ".join(GROUPS))


@dataclass(frozen=True)
class Target:
    """Reach ``metric`` (``test_metric`` ≥ value, or ``test_loss`` ≤ value)."""

    metric: str
    value: float

    def reached(self, test_loss: float, test_metric: float) -> bool:
        """Whether an epoch with these numbers reaches the target."""
        if self.metric == "test_loss":
            return test_loss <= self.value
        return test_metric >= self.value

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value}

    @classmethod
    def parse(cls, value: Target | str | Mapping[str, Any] | None) -> Target | None:
        """From ``"test_metric=0.95"``, ``{"metric": …, "value": …}`` or a Target; None: none."""
        if value is None or isinstance(value, Target):
            return value
        allowed = "METRIC=VALUE with METRIC one of test_metric, test_loss (e.g. test_metric=0.95)"
        if isinstance(value, str):
            metric, sep, raw = value.partition("=")
            if not sep:
                raise ConfigError("target", value, allowed)
            try:
                number = float(raw)
            except ValueError:
                raise ConfigError("target", value, allowed) from None
            value = {"metric": metric.strip(), "value": number}
        if not isinstance(value, Mapping) or set(value) != {"metric", "value"}:
            raise ConfigError("target", value, "an object {metric, value}: " + allowed)
        metric, number = value["metric"], value["value"]
        if metric not in TARGET_METRICS:
            raise ConfigError("target.metric", metric, list(TARGET_METRICS))
        if (isinstance(number, bool) or not isinstance(number, int | float)
                or not math.isfinite(number)):
            raise ConfigError("target.value", number, "a finite number")
        return cls(str(metric), float(number))


@dataclass(frozen=True)
class Run:
    """One run of a sweep: its Config, its grid values (``params``, with ``seed``) and id."""

    config: Config
    params: dict[str, Any]
    id: str


def split_values(axis: str, text: str) -> list[str]:
    """The value texts of one ``--grid`` flag's right-hand side (module docstring's rule)."""
    sep = ";" if axis in LIST_FIELDS else ","
    return text.split(sep)


def parse_grid_arg(text: str) -> tuple[str, list[str]]:
    """``"layers=8;8,8"`` → ``("layers", ["8", "8,8"])``: the axis and its value texts."""
    axis, sep, rhs = text.partition("=")
    axis = axis.strip()
    if not sep or not axis:
        raise ConfigError("--grid", text, "FIELD=VALUES, e.g. optimizer=sgd,adam or "
                          "layers=8;8,8 (';' between the values of a list field)")
    check_axis(axis)
    return axis, split_values(axis, rhs)


def format_grid_arg(axis: str, values: Sequence[Any]) -> str:
    """The ``--grid`` text of an axis's values (the inverse of ``parse_grid_arg``)."""
    return f"{axis}=" + (";" if axis in LIST_FIELDS else ",").join(value_text(v) for v in values)


def value_text(value: Any) -> str:
    """A grid value as the command line writes it: lists comma-joined, booleans lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(value_text(v) for v in value)
    if value is None:
        return "none"
    return str(value)


def check_axis(axis: str) -> None:
    """A grid axis must be a Config field (not ``seed``) or ``GROUP.NAME``."""
    if axis == "seed":
        raise ConfigError("grid", axis, "a field other than seed: the seeds are --seeds N "
                          "(seeds 0..N-1)")
    group, dot, name = axis.partition(".")
    if dot:
        if group in GROUPS and name:
            return
        raise ConfigError("grid", axis, _allowed_axes())
    if axis not in FIELDS:
        raise ConfigError("grid", axis, _allowed_axes())


def _value_of(axis: str, value: Any) -> Any:
    """A grid value as the Config takes it: a text is parsed by the Config's own parser."""
    if not isinstance(value, str):
        return list(value) if isinstance(value, tuple) else value
    return _parse_scalar(value) if "." in axis else _parse_field(axis, value)


def _apply(data: dict[str, Any], axis: str, value: Any) -> None:
    group, dot, name = axis.partition(".")
    if dot:
        key = GROUPS[group]
        data[key] = {**data.get(key, {}), name: value}
    else:
        data[axis] = value


def run_id(config: Config) -> str:
    """First 16 hex digits of the SHA-256 of the Config's canonical JSON (sorted keys, no
    spaces): the same Config is the same run, in every sweep."""
    import hashlib

    text = json.dumps(config.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class SweepSpec:
    """What a sweep runs: ``base`` with every combination of ``grid``'s values, ``seeds``
    seeds each (0..seeds−1), and the ``target`` each run's record reports."""

    base: Config
    grid: dict[str, list[Any]]
    seeds: int = 1
    target: Target | None = None

    @classmethod
    def parse(cls, base: Config | Mapping[str, Any] | None,
              grid: Mapping[str, Sequence[Any] | str] | Sequence[str] | None = None,
              seeds: int = 1, target: Target | str | Mapping[str, Any] | None = None
              ) -> SweepSpec:
        """Check everything and list every run once (``runs``), so a bad value fails here.

        ``grid``: ``{axis: [values]}`` (a value: a Python value, or a text as the command
        line writes one; a whole text is split as ``--grid``'s right-hand side), or a list of
        ``--grid`` texts."""
        if base is None:
            base = Config()
        elif not isinstance(base, Config):
            base = Config.from_dict(dict(base))
        axes: dict[str, list[Any]] = {}
        items: list[tuple[str, Any]]
        if grid is None:
            items = []
        elif isinstance(grid, Mapping):
            items = list(grid.items())
        elif isinstance(grid, str):
            raise ConfigError("grid", grid, "a list of FIELD=VALUES texts or a mapping")
        else:
            items = [parse_grid_arg(g) for g in grid]
        for axis, values in items:
            if not isinstance(axis, str):
                raise ConfigError("grid", axis, _allowed_axes())
            check_axis(axis)
            if isinstance(values, str):
                values = split_values(axis, values)
            if not isinstance(values, Sequence) or not values:
                raise ConfigError(f"grid.{axis}", values, "a non-empty list of values")
            if axis in axes:
                raise ConfigError("grid", axis, "each axis once (give all its values together)")
            axes[axis] = list(values)
        if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
            raise ConfigError("seeds", seeds, f"a whole number in [1, {MAX_SEEDS}]")
        n = math.prod(len(v) for v in axes.values()) * seeds
        if n > MAX_RUNS:
            raise ConfigError("grid", f"{n} runs", f"at most {MAX_RUNS} runs in one sweep")
        spec = cls(base, axes, seeds, Target.parse(target))
        spec.runs()  # every Config built and checked now, before anything runs
        return spec

    def runs(self) -> list[Run]:
        """Every run, in the grid's order (module docstring), each Config validated."""
        base = self.base.to_dict()
        axes = list(self.grid)
        configs: dict[tuple, Config] = {}
        for combo in itertools.product(*(range(len(self.grid[a])) for a in axes)):
            data = dict(base)
            for axis, i in zip(axes, combo):
                _apply(data, axis, _value_of(axis, self.grid[axis][i]))
            try:
                configs[combo] = Config.from_dict({**data, "seed": 0})
            except ConfigError as e:
                raise self._named(e, combo) from None
        seen: dict[str, tuple] = {}
        for combo, cfg in configs.items():
            key = run_id(cfg)
            if key in seen:
                other = seen[key]
                axis = next(a for a, i, j in zip(axes, combo, other) if i != j)
                raise ConfigError(f"grid.{axis}", self._text(axis, combo),
                                  f"values that give different runs: it gives the same Config "
                                  f"as {self._text(axis, other)!r}")
            seen[key] = combo
        out = []
        for combo, cfg in configs.items():
            params = {a: value_text(self.grid[a][i]) if isinstance(self.grid[a][i], str | list
                                                                    | tuple)
                      else self.grid[a][i] for a, i in zip(axes, combo)}
            for seed in range(self.seeds):
                run_cfg = cfg if seed == 0 else cfg.replace(seed=seed)
                out.append(Run(run_cfg, {**params, "seed": seed}, run_id(run_cfg)))
        return out

    def _text(self, axis: str, combo: tuple) -> Any:
        return self.grid[axis][combo[list(self.grid).index(axis)]]

    def _named(self, e: ConfigError, combo: tuple) -> ConfigError:
        """The Config's error said in the grid's terms: the axis whose value it refused (and,
        when there are other axes, the run's other values, which may be the cause)."""
        where = ", ".join(f"{a}={value_text(self.grid[a][i])}" for a, i in zip(self.grid, combo))
        for axis, i in zip(self.grid, combo):
            field = GROUPS[axis.split(".")[0]] + "." + axis.split(".", 1)[1] if "." in axis \
                else axis
            if e.field == field or e.field.startswith(field + ".") or (
                    "." in axis and e.field == axis):
                allowed = e.allowed if len(self.grid) == 1 else f"{e.allowed} (in the run " \
                    f"{where})"
                return ConfigError(f"grid.{axis}", self.grid[axis][i], allowed)
        return ConfigError(e.field, e.value, f"{e.allowed} (in the run {where})"
                           if where else e.allowed)

    def to_dict(self) -> dict[str, Any]:
        """The spec file's shape: ``{"base", "grid", "seeds", "target"}`` (JSON types)."""
        grid = {a: [list(v) if isinstance(v, tuple) else v for v in vals]
                for a, vals in self.grid.items()}
        return {"base": self.base.to_dict(), "grid": grid, "seeds": self.seeds,
                "target": None if self.target is None else self.target.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepSpec:
        """A spec file's content (``to_dict``'s shape; ``grid``, ``seeds``, ``target`` may be
        left out)."""
        if not isinstance(data, Mapping):
            raise ConfigError("spec", type(data).__name__, "an object with base, grid, seeds, "
                              "target")
        unknown = [k for k in data if k not in ("base", "grid", "seeds", "target")]
        if unknown:
            raise ConfigError("spec", unknown[0], "one of 'base', 'grid', 'seeds', 'target'")
        grid = data.get("grid") or {}
        if not isinstance(grid, Mapping):
            raise ConfigError("grid", grid, "an object of axis → list of values")
        base = data.get("base") or {}
        if not isinstance(base, Mapping):
            raise ConfigError("base", base, "an object of Config fields")
        return cls.parse(base, grid, data.get("seeds", 1), data.get("target"))


def load_spec(path: str | Path) -> SweepSpec:
    """A spec file: TOML (``.toml``; Python ≥ 3.11's tomllib, else the tomli package) or
    JSON (any other name)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"--spec: cannot read {path} ({e.strerror})", file=str(path)) from None
    if path.suffix.lower() == ".toml":
        try:
            import tomllib  # type: ignore[import-not-found]
        except ImportError:  # Python 3.10
            try:
                import tomli as tomllib  # type: ignore[import-not-found,no-redef]
            except ImportError:
                raise DataError(f"--spec: {path} is TOML, which needs Python 3.11 or the tomli "
                                "package here; or give the spec as JSON", file=str(path)
                                ) from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise DataError(f"--spec: {path} is not valid TOML ({e})", file=str(path)) from None
    else:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise DataError(f"--spec: {path} is not valid JSON ({e})", file=str(path)) from None
    return SweepSpec.from_dict(data)


__all__ = ["LIST_FIELDS", "Run", "SweepSpec", "Target", "format_grid_arg", "load_spec",
           "parse_grid_arg", "run_id", "split_values", "value_text"]
