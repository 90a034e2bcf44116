"""The messages the page sends, validated, and the playground's limits.

Every message is a JSON object whose ``type`` picks its model (a pydantic discriminated union):

==============  ==============================================================================
``config``      ``{config: {...}}`` (a Config as a dict) or ``{query: "k=v&…"}`` (its URL form):
                a new experiment; a change of ``lr``, ``epochs`` (play pauses there when > 0) or
                ``shuffle`` alone, or of ``target_loss`` (a number, or ``target_loss=`` in the
                query: play pauses once the test loss is at most it), applies live.
``play``        train continuously, streaming frames.
``pause``       stop after the chunk under way.
``step``        ``{unit: 'epoch'|'batch', count: 1..1000}``: train and send one frame.
``reset``       the same Config again: the same initial weights.
``regenerate``  ``{seed?: int}``: new data (a new Config seed), the network kept.
``speed``       ``{epochs_per_frame: 1..1000 | 'max'}``; 'max' trains for a time budget a frame.
``edit``        ``{layer, kind: 'weight'|'bias', index: [i, j] | [i], value}``: set one parameter.
``points``      ``{add: [[x1, (x2,) value], …], clear?}``: your own data — points added to the
                data (the session's points become the user's own; ``clear`` empties them first).
==============  ==============================================================================

The panels of ``panels`` (``space``, ``probes``, ``operations``, ``gradients``, ``backprop``)
bring their own message models; ``parse_message`` takes them as ``extra``. A CSV upload is an
HTTP POST (``/api/session/{id}/upload``), not a websocket message: it is larger than one.

A message that does not parse or validate raises :class:`ProtocolError` with the field at fault
and a message; the server sends it back as ``{"type": "error", "field", "message"}``.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from depthlens.data import DATASETS
from depthlens.data.features import FEATURES, FEATURES_1D
from depthlens.errors import ConfigError
from depthlens.experiment.config import QUERY_GROUPS, Config
from depthlens.nn.serialize import json_depth
from depthlens.web.dataset_params import check_dataset_params

MAX_HIDDEN_LAYERS = 10
MAX_NEURONS = 16
MAX_POINTS = 5000
MAX_BATCH = MAX_POINTS
MAX_EPOCHS_PER_FRAME = 1000
MAX_STEP_COUNT = 1000
MAX_PARAM = 1000.0
MAX_MESSAGE_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
"""A socket message or a Lab request nested deeper is refused (before ``json.loads`` recurses
on it: 5,000 levels are a RecursionError)."""
MAX_TARGET_LOSS = 1e6
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_POINTS_PER_MESSAGE = 200
PAGE_DEFAULTS = {"epochs": 0}
"""Where the page's defaults differ from a Config's: a link that does not name ``epochs`` plays
on without a pause, as Playground does (the bare link learns the circle within its first ten
seconds instead of pausing at epoch 200 part-way). A link made from a Config (``to_query``,
``depthlens train``) names every field, so it still reproduces that run."""
TARGET_KEY = "target_loss"
"""The playground's own URL key (not a Config field): pause once the test loss is at most it."""

LIMITS = {
    "hidden_layers": MAX_HIDDEN_LAYERS,
    "neurons": MAX_NEURONS,
    "points": MAX_POINTS,
    "batch_size": MAX_BATCH,
    "epochs_per_frame": MAX_EPOCHS_PER_FRAME,
    "step_count": MAX_STEP_COUNT,
    "param": MAX_PARAM,
    "message_bytes": MAX_MESSAGE_BYTES,
    "upload_bytes": MAX_UPLOAD_BYTES,
}

PLAYGROUND_DATASETS = tuple(
    name for name, spec in DATASETS.items()
    if spec.n_features in (1, 2) and spec.domain is not None
)
"""The datasets the page offers: those with a picture, the 2-D ones (a plane) and the 1-D ones
(a line, y = f(x)); not the sequence set (39 inputs). A CSV file comes by upload instead."""


class ProtocolError(Exception):
    """A message from the page that cannot be used: ``field`` at fault and a ``message``."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class PageMessage(BaseModel):
    """A message from the page: unknown fields and non-finite numbers are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


_Message = PageMessage


class ConfigMessage(_Message):
    type: Literal["config"]
    config: dict[str, Any] | None = None
    query: str | None = Field(None, max_length=MAX_MESSAGE_BYTES)
    target_loss: float | None = Field(None, gt=0, le=MAX_TARGET_LOSS)
    seq: int | None = Field(None, ge=0, le=2**53)
    """The page's count of the Config changes it sent; the state (or error) answering this
    message carries it back, so the page knows which of its changes the server has seen."""


class PlayMessage(_Message):
    type: Literal["play"]


class PauseMessage(_Message):
    type: Literal["pause"]


class StepMessage(_Message):
    type: Literal["step"]
    unit: Literal["epoch", "batch"] = "epoch"
    count: int = Field(1, ge=1, le=MAX_STEP_COUNT)


class ResetMessage(_Message):
    type: Literal["reset"]


class RegenerateMessage(_Message):
    type: Literal["regenerate"]
    seed: int | None = Field(None, ge=0, le=2**32 - 1)


class SpeedMessage(_Message):
    type: Literal["speed"]
    epochs_per_frame: int | Literal["max"]

    @field_validator("epochs_per_frame")
    @classmethod
    def _in_range(cls, n: int | str) -> int | str:
        if n != "max" and not 1 <= int(n) <= MAX_EPOCHS_PER_FRAME:
            raise ValueError(f"expected 1..{MAX_EPOCHS_PER_FRAME} or 'max'")
        return n


class EditMessage(_Message):
    type: Literal["edit"]
    layer: int = Field(ge=0)
    kind: Literal["weight", "bias"]
    index: list[int] = Field(min_length=1, max_length=2)
    value: float = Field(ge=-MAX_PARAM, le=MAX_PARAM)


class PointsMessage(_Message):
    type: Literal["points"]
    add: list[list[float]] = Field(default_factory=list, max_length=MAX_POINTS_PER_MESSAGE)
    clear: bool = False

    @field_validator("add")
    @classmethod
    def _rows(cls, rows: list[list[float]]) -> list[list[float]]:
        for row in rows:
            if not 2 <= len(row) <= 3:
                raise ValueError("each point is [x1, value] or [x1, x2, value]")
            if any(abs(v) > MAX_PARAM for v in row):
                raise ValueError(f"coordinates and values must lie in [-{MAX_PARAM:g}, "
                                 f"{MAX_PARAM:g}]")
        return rows


Message = Annotated[
    ConfigMessage | PlayMessage | PauseMessage | StepMessage | ResetMessage | RegenerateMessage
    | SpeedMessage | EditMessage | PointsMessage,
    Field(discriminator="type"),
]
TYPES = ("config", "play", "pause", "step", "reset", "regenerate", "speed", "edit", "points")
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Message)


def parse_message(text: str | bytes,
                  extra: Mapping[str, type[PageMessage]] | None = None) -> Any:
    """Text of one websocket message → its validated model, or ProtocolError. ``extra`` adds
    message types (the panels') with their models."""
    if isinstance(text, bytes):
        raise ProtocolError("message", "binary messages are not accepted; send JSON text")
    if len(text) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message", f"{len(text)} characters is more than the limit of "
                            f"{MAX_MESSAGE_BYTES}")
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ProtocolError("message", f"JSON nested {depth} deep is more than the "
                            f"{MAX_JSON_DEPTH} levels allowed")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise ProtocolError("message", f"not valid JSON ({getattr(e, 'msg', e)})") from None
    if not isinstance(data, dict):
        raise ProtocolError("message", "a JSON object with a 'type' is expected")
    extra = extra or {}
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("type", f"{_shown(kind)} is not allowed; expected a message type: "
                            "one of " + ", ".join([*TYPES, *extra]))
    if kind not in TYPES and kind not in extra:
        raise ProtocolError("type", f"{_shown(kind)} is not allowed; expected one of "
                            + ", ".join([*TYPES, *extra]))
    try:
        if kind in extra:
            return extra[kind].model_validate(data)
        return _ADAPTER.validate_python(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = err["loc"] if kind in extra else err["loc"][1:]  # [0]: the union's tag
        field = str(loc[0]) if loc else "message"
        raise ProtocolError(field, f"{err['msg']} (got {_shown(err.get('input'))})") from None


def _shown(value: Any) -> str:
    """``value`` as a message shows it: its repr, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def config_of(message: ConfigMessage, own: str | None = None
              ) -> tuple[Config, float | None, list[ConfigError]]:
    """The Config a ``config`` message carries (within the playground's limits), its target
    test loss (``target_loss`` of the message or ``target_loss=`` of its query) and, for a
    query, the errors of the fields that fell back to their defaults (``config_of_link``); a
    Config sent whole (by the page's controls) raises ConfigError naming the field instead.
    ``own``: the dataset name of data the tab already holds (a notebook's own, ``csv:…``),
    which a Config sent whole may name (see ``check_limits``)."""
    if message.config is not None and message.query is not None:
        raise ConfigError("config", "config and query", "one of the two")
    if message.config is not None:
        config = Config.from_dict(message.config)
        check_limits(config, own)
        return config, message.target_loss, []
    config, target, dropped = config_of_link(message.query or "")
    return config, target if target is not None else message.target_loss, dropped


def config_of_link(query: str) -> tuple[Config, float | None, list[ConfigError]]:
    """The Config of a page link (a URL query, ``target_loss=`` included) with every field
    that is not allowed left out, so the rest of the link still holds: (Config, target test
    loss, the errors of the fields that fell back to their defaults, in order).

    A field is left out when its error names it (``layers``, ``optimizer.momentum``,
    ``init.gain``, an unknown key); dropping one can make another fail (``activation`` listed
    for the layers that were dropped), which is then dropped too. An error naming no key of
    the link (a pair of fields at odds) is raised as it is."""
    parts = [p for p in query.lstrip("?#").split("&") if p]
    named = {urllib.parse.unquote_plus(p.partition("=")[0]) for p in parts}
    parts = [f"{k}={v}" for k, v in PAGE_DEFAULTS.items() if k not in named] + parts
    dropped: list[ConfigError] = []
    for _ in range(len(parts) + 1):
        text = "&".join(parts)
        try:
            rest, target = split_target(text)
            config = Config.from_query(rest)
            check_limits(config)
            return config, target, dropped
        except ConfigError as e:
            keys = _link_keys(e)
            kept = [p for p in parts if urllib.parse.unquote_plus(p.partition("=")[0]) not in keys]
            if len(kept) == len(parts):
                raise
            parts = kept
            dropped.append(e)
    raise AssertionError("unreachable: every round drops a part")  # pragma: no cover


def _link_keys(e: ConfigError) -> set[str]:
    """The link keys a ConfigError may be about: its field as written in a link (``init.gain``
    for ``init_params.gain``), or the unknown key itself."""
    keys = {e.field}
    group, dot, name = e.field.partition(".")
    if dot and group in QUERY_GROUPS:
        keys.add(f"{QUERY_GROUPS[group]}.{name}")
    if e.field == "config" and isinstance(e.value, str):
        keys.add(e.value)
    return keys


def split_target(query: str) -> tuple[str, float | None]:
    """A page query without its ``target_loss=`` part, and that target (validated)."""
    parts, target = [], None
    for part in query.split("&"):
        key, _, raw = part.partition("=")
        if key != TARGET_KEY:
            parts.append(part)
            continue
        try:
            target = float(raw)
        except ValueError:
            raise ConfigError(TARGET_KEY, raw, "a number > 0") from None
        if not (0 < target <= MAX_TARGET_LOSS):  # also refuses nan
            raise ConfigError(TARGET_KEY, raw, f"a number in (0, {MAX_TARGET_LOSS:g}]")
    return "&".join(p for p in parts if p), target


def page_default() -> Config:
    """The experiment of the bare link: the Config's defaults but for ``PAGE_DEFAULTS``."""
    return Config(**PAGE_DEFAULTS)


def check_limits(config: Config, own: str | None = None) -> None:
    """The playground's own limits on a (valid) Config; ConfigError naming the field. A
    Config naming ``own``, the data the tab already holds (the notebook's own data a widget
    was given, ``csv:your data``: no file is read), is held to the network's limits only."""
    if own is None or config.dataset != own:
        _check_dataset(config)
    _check_pretraining(config)
    if len(config.layers) > MAX_HIDDEN_LAYERS:
        raise ConfigError("layers", ",".join(map(str, config.layers)),
                          f"at most {MAX_HIDDEN_LAYERS} layers in the playground")
    for size in config.layers:
        if size > MAX_NEURONS:
            raise ConfigError("layers", size,
                              f"at most {MAX_NEURONS} neurons each in the playground")
    if config.batch_size != "all" and int(config.batch_size) > MAX_BATCH:
        raise ConfigError("batch_size", config.batch_size, f"1..{MAX_BATCH} or 'all'")


def _check_pretraining(config: Config) -> None:
    """The playground draws dense networks and does not pre-train (a Reset would run every
    layer's autoencoder on the server): a recurrent model and pre-training are the CLI's,
    the Python API's and the init lab's (``depthlens train --model gru``, ``depthlens lab
    pretrain``)."""
    if config.model != "mlp":
        raise ConfigError("model", config.model, "'mlp' in the playground (recurrent networks "
                          "run in Python and the command line: depthlens train --model gru)")
    if config.pretrain != "none":
        raise ConfigError("pretrain", config.pretrain, "'none' in the playground (pre-training "
                          "runs in Python and the command line: depthlens lab pretrain)")


def _check_dataset(config: Config) -> None:
    """The playground's limits on a Config's dataset: one of its own, ≤ MAX_POINTS points."""
    if config.is_csv:
        raise ConfigError("dataset", config.dataset,
                          "a dataset of the playground; the page reads no file named in a "
                          "Config: upload the file instead (Your data, Upload CSV)")
    if config.dataset not in PLAYGROUND_DATASETS:
        raise ConfigError("dataset", config.dataset,
                          f"a dataset of the playground (1 or 2 inputs): "
                          f"{', '.join(PLAYGROUND_DATASETS)}")
    check_dataset_params(config.dataset, config.dataset_params)  # dataset.k=99 names its field
    if DATASETS[config.dataset].n_features == 1:
        two_d = [f for f in config.features if FEATURES[f].uses_x2]
        if two_d and tuple(config.features) != Config().features:  # the default: x1 alone
            raise ConfigError("features", two_d[0], "for the 1-D dataset "
                              f"{config.dataset!r} a feature of x1: {', '.join(FEATURES_1D)}")
    n = config.n_samples if config.n_samples is not None else DATASETS[config.dataset].n_samples
    if n > MAX_POINTS:
        raise ConfigError("n_samples", n, f"at most {MAX_POINTS} points in the playground")


def check_edit(message: EditMessage, shapes: list[tuple[int, int]]) -> tuple[Any, ...]:
    """The array index an ``edit`` names in a network with layer ``shapes`` (out, in)."""
    n_layers = len(shapes)
    if message.layer >= n_layers:
        raise ProtocolError("layer", f"{message.layer} is not allowed; expected 0..{n_layers - 1}")
    out, inp = shapes[message.layer]
    if message.kind == "weight":
        if len(message.index) != 2:
            raise ProtocolError("index", "a weight takes [unit, input]: two indices")
        i, j = message.index
        if not (0 <= i < out and 0 <= j < inp):
            raise ProtocolError("index", f"{message.index} is outside the ({out}, {inp}) "
                                f"weights of layer {message.layer}")
        return (i, j)
    if len(message.index) != 1:
        raise ProtocolError("index", "a bias takes [unit]: one index")
    (i,) = message.index
    if not 0 <= i < out:
        raise ProtocolError("index", f"{i} is outside the {out} biases of layer {message.layer}")
    return (i,)
