"""One Config describes an experiment completely; a run is a pure function of it.

The same Config drives the command line (flags or a JSON file), the Python API and the web page
(whose URL query *is* the Config). It validates every field when built: an unknown field or a
value that is not allowed raises ``ConfigError`` naming the field, the value and what is allowed.

Seeds: one ``seed`` feeds four independent streams (numpy ``SeedSequence(seed).spawn(4)``): the
data, the train/test split, the initial weights and the batch order. So changing the batch size
does not change the data or the initial weights, and Reset with the same seed is the same run.
Pre-training (``pretrain='autoencoder'``, its settings in ``pretrain_params``: epochs, optimizer,
lr, batch_size, seed and the optimizer's own parameters; ``nn/pretraining.py``) draws from a
fifth stream unless ``pretrain_params`` names its own ``seed``.

``model`` names the architecture: 'mlp' (the default: dense layers of ``layers`` units) or a
recurrent cell, 'elman', 'gru' or 'lstm' (``nn/recurrent.py``'s ``RecurrentNet``): then
``layers`` lists the stacked recurrent layers, all of one size H (``layers=(64,)`` is one layer
of 64 units), the Elman cell's ``activation`` is tanh or relu (the GRU's and LSTM's is tanh),
each sample's inputs are read as a sequence, one value a time step (n, T, 1), and a linear
readout of the last state feeds the head. ``clip_norm`` (None or c > 0) clips every batch's
gradient to 2-norm c before the step (PyTorch's ``clip_grad_norm_``), for any model.

Derived choices, made when a field is left ``None``:
- ``loss``: the one an ``output`` of sigmoid or softmax is made for ('bce', 'cross_entropy');
  else 'bce' for two classes, 'cross_entropy' for more, 'mse' for regression;
  Playground's own head is ``loss='half_mse', output='tanh'``.
- ``output``: the loss's natural output (sigmoid, softmax, linear; tanh for half_mse).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from depthlens.data import (
    DATASETS,
    PREPROCESSORS,
    make_dataset,
    make_preprocessor,
    parse_features,
)
from depthlens.data.dataset import Dataset
from depthlens.data.features import FEATURES, FEATURES_1D
from depthlens.errors import ConfigError
from depthlens.nn.activations import get_activation
from depthlens.nn.initializers import check_params as check_init_params
from depthlens.nn.initializers import init_name, init_params
from depthlens.nn.losses import DEFAULT_OUTPUT, loss_name, make_head
from depthlens.nn.optimizers import OPTIMIZERS, PRESETS, make_optimizer
from depthlens.nn.pretraining import check_params as check_pretrain_params
from depthlens.nn.pretraining import method_name as pretrain_name
from depthlens.nn.regularization import check as check_regularization

MAX_LAYERS = 16
MAX_UNITS = 1024
MAX_EPOCHS = 1_000_000
MODELS = ("mlp", "elman", "gru", "lstm")
"""``model``: dense layers, or a recurrent cell (``RecurrentNet``)."""
MAX_CLIP_NORM = 1e6
DTYPES = ("float32", "float64")
CSV_PREFIX = "csv:"


@dataclass(frozen=True)
class Config:
    """Every choice of an experiment. Build with ``Config(...)``, ``from_dict``, ``from_json``
    or ``from_query``; all of them validate. Defaults are TensorFlow Playground's default network
    (circle, hidden layers 4-2 tanh, SGD at 0.03, batch 10, its U(−0.5, 0.5) init)."""

    # data
    dataset: str = "circle"
    n_samples: int | None = None
    noise: float = 0.0
    dataset_params: dict[str, Any] = field(default_factory=dict)
    target: str | None = None
    train_ratio: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    preprocessing: str = "none"
    preprocessing_params: dict[str, Any] = field(default_factory=dict)
    # architecture
    layers: tuple[int, ...] = (4, 2)
    activation: str | tuple[str, ...] = "tanh"
    output: str | None = None
    loss: str | None = None
    init: str = "playground"
    init_params: dict[str, Any] = field(default_factory=dict)
    pretrain: str = "none"
    pretrain_params: dict[str, Any] = field(default_factory=dict)
    dtype: str = "float32"
    model: str = "mlp"
    # training
    optimizer: str = "sgd"
    lr: float = 0.03
    optimizer_params: dict[str, Any] = field(default_factory=dict)
    regularization: str = "none"
    reg_rate: float = 0.0
    clip_norm: float | None = None
    batch_size: int | str = 10
    epochs: int = 200
    shuffle: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        _validate(self)

    # -- derived ------------------------------------------------------------------------------
    @property
    def is_csv(self) -> bool:
        return self.dataset.startswith(CSV_PREFIX)

    @property
    def recurrent(self) -> bool:
        """Whether ``model`` names a recurrent cell (the Session builds a RecurrentNet)."""
        return self.model != "mlp"

    @property
    def problem(self) -> str | None:
        """'classification' or 'regression' for a generated set; None for a CSV until loaded."""
        return None if self.is_csv else DATASETS[self.dataset].problem

    def seeds(self) -> dict[str, int]:
        """Independent seeds for data, split, init and batch order, derived from ``seed``."""
        kids = np.random.SeedSequence(self.seed).spawn(4)
        names = ("data", "split", "init", "order")
        return {n: int(k.generate_state(1)[0]) for n, k in zip(names, kids)}

    def pretrain_seed(self) -> int:
        """The seed of the pre-training (``nn/pretraining.py``): ``pretrain_params['seed']``
        when given, else a fifth stream of ``seed`` (``SeedSequence(seed).spawn(5)[4]``:
        the four of ``seeds`` are unchanged by it, child i not depending on the count)."""
        if "seed" in self.pretrain_params:
            return int(self.pretrain_params["seed"])
        return int(np.random.SeedSequence(self.seed).spawn(5)[4].generate_state(1)[0])

    def pretrain_settings(self) -> dict[str, Any]:
        """The complete pre-training settings (defaults filled, ``seed`` left to
        ``pretrain_seed``); {} for pretrain 'none'."""
        settings = check_pretrain_params(self.pretrain, self.pretrain_params,
                                         prefix="pretrain_params")
        settings.pop("seed", None)
        return settings

    def resolved_loss(self, problem: str, n_classes: int) -> tuple[str, str]:
        """(output, loss) names for a problem, filling the defaults of the module docstring."""
        loss = self.loss
        if loss is None:
            if problem == "regression":
                loss = "mse"
            elif self.output in ("sigmoid", "softmax"):
                loss = "bce" if self.output == "sigmoid" else "cross_entropy"
            else:
                loss = "bce" if n_classes <= 2 else "cross_entropy"
        output = self.output or DEFAULT_OUTPUT[loss]
        head = make_head(output, loss)
        return head.output, head.loss

    def make_optimizer(self):
        """The optimizer this Config names, with lr and its parameters."""
        return make_optimizer(self.optimizer, lr=self.lr, **self.optimizer_params)

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed (validated again)."""
        return Config.from_dict({**self.to_dict(), **changes})

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: tuples become lists."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else (dict(v) if isinstance(v, dict)
                                                                else v)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        if not isinstance(data, dict):
            raise ConfigError("config", type(data).__name__, "a JSON object of fields")
        names = [f.name for f in dataclasses.fields(cls)]
        for key in data:
            if key not in names:
                raise ConfigError("config", key, f"a field name: {', '.join(names)}")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> Config:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError("config", text[:40], f"valid JSON ({e})") from None
        return cls.from_dict(data)

    # -- URL query ----------------------------------------------------------------------------
    def to_query(self) -> str:
        """``key=value&…`` with lists comma-joined and parameter dicts as ``group.name=value``.

        Every field is written, so a link reproduces the run even if defaults change later."""
        pairs: list[tuple[str, str]] = []
        for key, value in self.to_dict().items():
            if key in QUERY_GROUPS:
                for name, v in value.items():
                    pairs.append((f"{QUERY_GROUPS[key]}.{name}", _query_value(v)))
            elif value is not None:
                pairs.append((key, _query_value(value)))
        return urllib.parse.urlencode(pairs, safe=",:()^*/")

    @classmethod
    def from_query(cls, query: str) -> Config:
        """Parse ``to_query``'s text (a leading '?' or '#' is ignored); missing fields default."""
        query = query.lstrip("?#")
        data: dict[str, Any] = {}
        groups_back = {v: k for k, v in QUERY_GROUPS.items()}
        for key, raw in urllib.parse.parse_qsl(query, keep_blank_values=True):
            if "." in key:
                group, name = key.split(".", 1)
                if group not in groups_back:
                    groups = ", ".join(sorted(groups_back))
                    raise ConfigError("config", key, f"a field, or a group among {groups}")
                data.setdefault(groups_back[group], {})[name] = _parse_scalar(raw)
            else:
                data[key] = _parse_field(key, raw)
        return cls.from_dict(data)


QUERY_GROUPS = {
    "dataset_params": "dataset",
    "preprocessing_params": "preprocessing",
    "init_params": "init",
    "pretrain_params": "pretrain",
    "optimizer_params": "optimizer",
}
_LIST_FIELDS = ("features", "layers")


def _query_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return ",".join(_query_value(x) for x in v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _parse_scalar(raw: str) -> Any:
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        pass
    if "," in raw:
        return [_parse_scalar(p) for p in raw.split(",")]
    return raw


def _parse_field(key: str, raw: str) -> Any:
    if key in _LIST_FIELDS:
        return [_parse_scalar(p) for p in raw.split(",")] if raw else []
    if key == "activation" and ("," in raw or not raw):
        return raw.split(",") if raw else []  # '' is the empty per-layer list (no layers)
    if key in ("dataset", "target", "output", "loss", "init", "optimizer", "preprocessing",
               "regularization", "dtype", "activation", "pretrain", "model"):
        return None if raw.lower() in ("none", "null") and key in ("output", "loss",
                                                                    "target") else raw
    return _parse_scalar(raw)


# -- validation -------------------------------------------------------------------------------
def _set(cfg: Config, name: str, value: Any) -> None:
    object.__setattr__(cfg, name, value)


def _int(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer) or (
            isinstance(value, float) and not value.is_integer()):
        raise ConfigError(name, value, f"a whole number in [{low}, {high}]")
    v = int(value)
    if not low <= v <= high:
        raise ConfigError(name, value, f"a whole number in [{low}, {high}]")
    return v


def _float(name: str, value: Any, low: float, high: float, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ConfigError(name, value, f"a number in {'(' if low_open else '['}{low}, {high}]")
    v = float(value)
    ok = math.isfinite(v) and (low < v if low_open else low <= v) and v <= high
    if not ok:
        raise ConfigError(name, value, f"a number in {'(' if low_open else '['}{low}, {high}]")
    return v


def _params(name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(name, value, "an object of parameter names to values")
    # Tuples become lists, as JSON and the URL query give them back (so a Config round-trips).
    return {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}


def _check_optimizer_params(name: str, params: dict[str, Any]) -> None:
    """The types of the optimizer's parameters, which its factory would coerce (``bool('no')``
    is True, ``float('0.5')`` a number): a flag (nesterov, amsgrad, centered) must be a bool,
    ``betas`` a pair of numbers, every other a number (not a bool, not a text). ``lr`` is the
    Config's own field, never a parameter here. ConfigError naming ``optimizer_params.lr`` or
    ``optimizer.<param>`` (as the factories name their ranges) otherwise; the ranges are the
    factory's (``make_optimizer``)."""
    if "lr" in params:
        raise ConfigError("optimizer_params.lr", params["lr"],
                          "no 'lr' among the optimizer's parameters: the learning rate is the "
                          "Config's own field 'lr'")
    key, _ = PRESETS.get(name, (name, {}))
    defaults = {k: p.default for k, p in inspect.signature(OPTIMIZERS[key]).parameters.items()}
    for k, v in params.items():
        if k not in defaults:
            continue  # make_optimizer names the unknown parameter with the allowed ones
        default = defaults[k]
        if isinstance(default, bool):
            if not isinstance(v, bool):
                raise ConfigError(f"optimizer.{k}", v, [True, False])
        elif isinstance(default, tuple):
            if not (isinstance(v, list | tuple) and len(v) == len(default)
                    and all(_is_number(x) for x in v)):
                raise ConfigError(f"optimizer.{k}", v,
                                  f"a list of {len(default)} numbers in [0, 1)")
        elif not _is_number(v):
            raise ConfigError(f"optimizer.{k}", v, "a finite number")


def _is_number(v: Any) -> bool:
    """A real number (int or float, numpy's too), not a bool and not a text."""
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


PARAM_CHECK_SAMPLES = 24
"""Samples drawn to check a dataset's own parameters: the generator checks them first."""


def _sample_dataset(name: str, params: dict[str, Any]) -> Dataset:
    """A few samples of a generated dataset: its problem and class count for these ``params``.

    Refuses a dataset parameter its generator would refuse (``tiles`` 0 for checkerboard) as
    ``dataset_params.<name>``: the generator's own checks are the single source of the ranges.
    """
    try:
        return make_dataset(name, n_samples=PARAM_CHECK_SAMPLES, **params)
    except ConfigError as e:
        field = e.field if e.field.startswith("dataset_params.") else f"dataset_params.{e.field}"
        raise ConfigError(field, e.value, e.allowed) from None


def _validate(cfg: Config) -> None:
    # data
    if not isinstance(cfg.dataset, str):
        raise ConfigError("dataset", cfg.dataset, sorted(DATASETS))
    if not cfg.dataset.startswith(CSV_PREFIX) and cfg.dataset not in DATASETS:
        raise ConfigError("dataset", cfg.dataset, [*sorted(DATASETS), "csv:PATH"])
    if cfg.n_samples is not None:
        _set(cfg, "n_samples", _int("n_samples", cfg.n_samples, 1, 100_000))
    _set(cfg, "noise", _float("noise", cfg.noise, 0.0, 0.8))
    _set(cfg, "dataset_params", _params("dataset_params", cfg.dataset_params))
    if not cfg.dataset.startswith(CSV_PREFIX):
        allowed = DATASETS[cfg.dataset].params
        for k in cfg.dataset_params:
            if k not in allowed:
                raise ConfigError(f"dataset_params.{k}", cfg.dataset_params[k],
                                  f"a parameter of {cfg.dataset!r}: {sorted(allowed) or 'none'}")
        if cfg.dataset_params:
            _sample_dataset(cfg.dataset, cfg.dataset_params)
    if cfg.target is not None and not isinstance(cfg.target, str):
        raise ConfigError("target", cfg.target, "a CSV column name")
    _set(cfg, "train_ratio", _float("train_ratio", cfg.train_ratio, 0.0, 0.95, low_open=True))
    if isinstance(cfg.features, str):
        _set(cfg, "features", cfg.features.split(","))
    if not isinstance(cfg.features, list | tuple):
        raise ConfigError("features", cfg.features, "a list of feature names")
    if not cfg.dataset.startswith(CSV_PREFIX):
        _set(cfg, "features", tuple(parse_features(list(cfg.features))))
        spec = DATASETS[cfg.dataset]
        default = Config.__dataclass_fields__["features"].default
        if spec.n_features > 2 and cfg.features != default:
            raise ConfigError("features", ",".join(cfg.features),
                              f"the default for {cfg.dataset!r}: expansions apply to 1 or 2 "
                              f"inputs, it has {spec.n_features}")
        two_d = [f for f in cfg.features if FEATURES[f].uses_x2]
        if spec.n_features == 1 and cfg.features != default and two_d:
            raise ConfigError("features", two_d[0], f"for the 1-D dataset {cfg.dataset!r} a "
                              f"feature of x1: {', '.join(FEATURES_1D)}")
        n = cfg.n_samples if cfg.n_samples is not None else spec.n_samples
        if spec.n_features <= 2 and math.floor(n * cfg.train_ratio) == 0:
            raise ConfigError("train_ratio", cfg.train_ratio,
                              f"a ratio that leaves some of the {n} samples for training "
                              f"(at least {1 / n:g})")
        if cfg.dataset == "sequence":  # split by whole series (split_groups)
            g = min(int(cfg.dataset_params.get("n_series", spec.params["n_series"])), n)
            if math.floor(g * cfg.train_ratio) == 0:
                raise ConfigError("train_ratio", cfg.train_ratio,
                                  f"a ratio that leaves some of the {g} series for training "
                                  f"(at least {1 / g:g})")
    else:
        _set(cfg, "features", tuple(str(f) for f in cfg.features))
    prep = str(cfg.preprocessing).lower()
    if prep not in PREPROCESSORS:
        raise ConfigError("preprocessing", cfg.preprocessing, list(PREPROCESSORS))
    _set(cfg, "preprocessing", prep)
    _set(cfg, "preprocessing_params", _params("preprocessing_params", cfg.preprocessing_params))
    try:  # unfitted, so cheap: its parameters are checked as the Session will build it
        make_preprocessor(prep, **cfg.preprocessing_params)
    except ConfigError as e:
        if e.field == "preprocessing":
            raise
        raise ConfigError(f"preprocessing_params.{e.field}", e.value, e.allowed) from None
    # architecture
    layers = cfg.layers
    if isinstance(layers, str):
        layers = [p for p in layers.split(",") if p.strip()]
    if not isinstance(layers, list | tuple) or len(layers) > MAX_LAYERS:
        raise ConfigError("layers", cfg.layers, f"a list of at most {MAX_LAYERS} hidden sizes")
    _set(cfg, "layers", tuple(_int("layers", _parse_scalar(str(s)) if isinstance(s, str) else s,
                                   1, MAX_UNITS) for s in layers))
    act = cfg.activation
    if isinstance(act, list | tuple):
        if len(act) != len(cfg.layers):
            raise ConfigError("activation", list(act),
                              f"one name, or one per hidden layer ({len(cfg.layers)})")
        names = tuple(get_activation(a).name for a in act)
        # One name for all layers is written as that name, so every spelling round-trips.
        _set(cfg, "activation", names[0] if len(set(names)) == 1 else names)
    else:
        _set(cfg, "activation", get_activation(act).name)
    if cfg.loss is not None:
        _set(cfg, "loss", loss_name(cfg.loss))
    if cfg.output is not None:
        out = str(cfg.output).lower()
        _set(cfg, "output", out if out == "softmax" else get_activation(out, "output").name)
    if cfg.loss is not None:
        make_head(cfg.output, cfg.loss)  # checks the pair
    elif cfg.output is not None and not cfg.dataset.startswith(CSV_PREFIX):
        # The loss will be derived from the output, the problem and the class count (module
        # docstring): the output must fit it (tanh on classes fits neither bce nor softmax's).
        sample = _sample_dataset(cfg.dataset, cfg.dataset_params)
        cfg.resolved_loss(sample.problem, sample.n_classes)
    _set(cfg, "init", init_name(cfg.init))
    _set(cfg, "init_params", _params("init_params", cfg.init_params))
    allowed_init = init_params(cfg.init)
    for k in cfg.init_params:
        if k not in allowed_init:
            raise ConfigError(f"init_params.{k}", cfg.init_params[k],
                              f"a parameter of {cfg.init!r}: {sorted(allowed_init) or 'none'}")
    if not cfg.dataset.startswith(CSV_PREFIX) and DATASETS[cfg.dataset].problem == "regression":
        # a generated regression set has one target value: no class losses, and no softmax
        # (over one unit it is always 1)
        if cfg.loss in ("bce", "cross_entropy"):
            raise ConfigError("loss", cfg.loss, ["mse", "half_mse"])
        if cfg.output == "softmax":
            raise ConfigError("output", cfg.output, "an output for one target value, not "
                              "softmax (a softmax over one unit is always 1)")
    # The values too, as building the network will check them (a gain of −1, NaN, a text).
    check_init_params(cfg.init, cfg.init_params, prefix="init_params")
    # pre-training (nn/pretraining.py): its method, then every setting, before anything runs
    _set(cfg, "pretrain", pretrain_name(cfg.pretrain))
    _set(cfg, "pretrain_params", _params("pretrain_params", cfg.pretrain_params))
    check_pretrain_params(cfg.pretrain, cfg.pretrain_params, prefix="pretrain_params")
    if cfg.dtype not in DTYPES:
        raise ConfigError("dtype", cfg.dtype, DTYPES)
    _check_model(cfg)
    # training
    name = str(cfg.optimizer).lower()
    if name not in OPTIMIZERS and name not in PRESETS:
        raise ConfigError("optimizer", cfg.optimizer, [*OPTIMIZERS, *PRESETS])
    _set(cfg, "optimizer", name)
    _set(cfg, "lr", _float("lr", cfg.lr, 0.0, 100.0, low_open=True))
    _set(cfg, "optimizer_params", _params("optimizer_params", cfg.optimizer_params))
    _check_optimizer_params(cfg.optimizer, cfg.optimizer_params)
    cfg.make_optimizer()  # checks every optimizer parameter's range
    if cfg.clip_norm is not None:
        _set(cfg, "clip_norm", _float("clip_norm", cfg.clip_norm, 0.0, MAX_CLIP_NORM,
                                      low_open=True))
    reg, rate = check_regularization(cfg.regularization, cfg.reg_rate)
    _set(cfg, "regularization", reg)
    _set(cfg, "reg_rate", rate)
    if cfg.batch_size != "all":
        _set(cfg, "batch_size", _int("batch_size", cfg.batch_size, 1, 100_000))
    _set(cfg, "epochs", _int("epochs", cfg.epochs, 0, MAX_EPOCHS))
    if not isinstance(cfg.shuffle, bool):
        raise ConfigError("shuffle", cfg.shuffle, [True, False])
    _set(cfg, "seed", _int("seed", cfg.seed, 0, 2**32 - 1))


def _check_model(cfg: Config) -> None:
    """``model`` and what a recurrent one asks of the architecture's other fields: at least
    one layer, every layer the same size (``RecurrentNet``'s one H), the cell's activation, no
    pre-training (its autoencoders are dense layers)."""
    model = str(cfg.model).lower() if isinstance(cfg.model, str) else cfg.model
    if model not in MODELS:
        raise ConfigError("model", cfg.model, MODELS)
    _set(cfg, "model", model)
    if model == "mlp":
        return
    if not cfg.layers or len(set(cfg.layers)) != 1:
        raise ConfigError("layers", list(cfg.layers), f"one or more recurrent layers of one "
                          f"size for model {model!r}, e.g. 64 or 64,64")
    allowed = ("tanh", "relu") if model == "elman" else ("tanh",)
    if cfg.activation not in allowed:
        raise ConfigError("activation", cfg.activation, f"{' or '.join(allowed)} for model "
                          f"{model!r}" + ("" if model == "elman" else " (its gates fix its "
                                          "functions)"))
    if cfg.pretrain != "none":
        raise ConfigError("pretrain", cfg.pretrain, f"'none' for model {model!r} (layer-wise "
                          "pre-training trains dense layers)")
