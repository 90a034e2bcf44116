"""Config: Playground's defaults, validation messages, aliases, seeds and exact round trips."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.data import DATASETS, FEATURES, PREPROCESSORS
from depthlens.data.features import FEATURES_1D
from depthlens.errors import ConfigError
from depthlens.experiment import Config
from depthlens.nn.activations import ACTIVATIONS
from depthlens.nn.initializers import INITIALIZERS, init_params


# -- defaults ---------------------------------------------------------------------------------
def test_defaults_are_playgrounds_network():
    c = Config()
    assert c.dataset == "circle"
    assert c.noise == 0.0
    assert c.train_ratio == 0.5
    assert c.features == ("x1", "x2")
    assert c.layers == (4, 2)
    assert c.activation == "tanh"
    assert c.init == "playground"
    assert c.optimizer == "sgd"
    assert c.lr == 0.03
    assert c.batch_size == 10
    assert c.regularization == "none"
    assert c.reg_rate == 0.0
    assert c.problem == "classification"


def test_default_loss_is_bce_for_two_classes_cross_entropy_for_more_mse_for_regression():
    c = Config()
    assert c.resolved_loss("classification", 2) == ("sigmoid", "bce")
    assert c.resolved_loss("classification", 3) == ("softmax", "cross_entropy")
    assert c.resolved_loss("regression", 0) == ("linear", "mse")
    assert Config(loss="half_mse").resolved_loss("classification", 2) == ("tanh", "half_mse")


# -- validation -------------------------------------------------------------------------------
BAD = [
    # (fields, field named, bad value named, something the allowed part must mention)
    ({"dataset": "nope"}, "dataset", "nope", "circle"),
    ({"dataset": 3}, "dataset", 3, "circle"),
    ({"n_samples": 0}, "n_samples", 0, "100000"),
    ({"noise": 2}, "noise", 2, "0.8"),
    ({"noise": -0.1}, "noise", -0.1, "0.8"),
    ({"train_ratio": 0}, "train_ratio", 0, "0.95"),
    ({"train_ratio": 1.0}, "train_ratio", 1.0, "0.95"),
    ({"dataset_params": {"k": 4}}, "dataset_params.k", 4, "none"),
    ({"dataset": "spirals", "dataset_params": {"tiles": 4}}, "dataset_params.tiles", 4, "'k'"),
    ({"features": ["x3"]}, "features", "x3", "sin(x1)"),
    ({"features": ["x1", "x1"]}, "features", "x1", "at most once"),
    ({"features": []}, "features", [], "at least one"),
    ({"preprocessing": "whiten"}, "preprocessing", "whiten", "standardize"),
    ({"layers": [0]}, "layers", 0, "1024"),
    ({"layers": [4, 2000]}, "layers", 2000, "1024"),
    ({"layers": [2.5]}, "layers", 2.5, "whole number"),
    ({"layers": [1] * 17}, "layers", [1] * 17, "16"),
    ({"activation": "foo"}, "activation", "foo", "tanh"),
    ({"activation": ["relu"]}, "activation", ["relu"], "one per hidden layer (2)"),
    ({"output": "softmax", "loss": "mse"}, "loss", "mse", "cross_entropy"),
    ({"output": "tanh", "loss": "bce"}, "output", "tanh", "sigmoid"),
    ({"output": "sigmoid", "loss": "cross_entropy"}, "output", "sigmoid", "softmax"),
    ({"output": "foo"}, "output", "foo", "sigmoid"),
    ({"loss": "hinge"}, "loss", "hinge", "cross_entropy"),
    ({"init": "x"}, "init", "x", "glorot_uniform"),
    ({"init": "glorot_uniform", "init_params": {"foo": 1}}, "init_params.foo", 1, "gain"),
    ({"init_params": {"gain": 2.0}}, "init_params.gain", 2.0, "none"),
    ({"dtype": "float16"}, "dtype", "float16", "float64"),
    ({"optimizer": "adamm"}, "optimizer", "adamm", "adam"),
    ({"lr": -1}, "lr", -1, "100"),
    ({"lr": 0}, "lr", 0, "100"),
    ({"lr": math.nan}, "lr", math.nan, "100"),
    ({"lr": math.inf}, "lr", math.inf, "100"),
    ({"lr": "fast"}, "lr", "fast", "100"),
    ({"optimizer": "adam", "optimizer_params": {"momentum": 0.9}}, "optimizer.momentum", 0.9,
     "betas"),
    ({"optimizer_params": {"nesterov": True}}, "optimizer.nesterov", True, "momentum > 0"),
    ({"optimizer_params": {"momentum": -0.5}}, "optimizer.momentum", -0.5, "≥ 0"),
    ({"optimizer": "adam", "optimizer_params": {"betas": [0.9, 1.5]}}, "optimizer.betas",
     [0.9, 1.5], "[0, 1)"),
    ({"regularization": "l3"}, "regularization", "l3", "l2"),
    ({"reg_rate": -1}, "reg_rate", -1, "≥ 0"),
    ({"reg_rate": math.nan}, "reg_rate", math.nan, "≥ 0"),
    ({"batch_size": 0}, "batch_size", 0, "100000"),
    ({"batch_size": "some"}, "batch_size", "some", "whole number"),
    ({"batch_size": 2.5}, "batch_size", 2.5, "whole number"),
    ({"batch_size": True}, "batch_size", True, "whole number"),
    ({"epochs": -1}, "epochs", -1, "1000000"),
    ({"seed": -1}, "seed", -1, str(2**32 - 1)),
    ({"seed": 2**32}, "seed", 2**32, str(2**32 - 1)),
    ({"shuffle": "yes"}, "shuffle", "yes", "True"),
    ({"shuffle": 1}, "shuffle", 1, "False"),
]


@pytest.mark.parametrize(("fields", "field", "value", "allowed"), BAD,
                         ids=[f"{i}-{b[1]}" for i, b in enumerate(BAD)])
def test_bad_value_raises_config_error_naming_field_value_and_allowed(fields, field, value,
                                                                      allowed):
    with pytest.raises(ConfigError) as info:
        Config(**fields)
    err = info.value
    msg = str(err)
    assert err.field == field
    assert msg.startswith(f"{field}: {value!r} is not allowed; expected ")
    assert allowed in err.allowed
    assert msg.endswith(err.allowed)


@pytest.mark.parametrize(("fields", "field", "value", "allowed"), BAD[::5])
def test_from_dict_reports_the_same_errors_as_the_constructor(fields, field, value, allowed):
    with pytest.raises(ConfigError) as info:
        Config.from_dict(fields)
    assert info.value.field == field


def test_unknown_field_in_from_dict_is_named_with_the_list_of_fields():
    with pytest.raises(ConfigError) as info:
        Config.from_dict({"dataset": "xor", "learning_rate": 0.1})
    msg = str(info.value)
    assert "'learning_rate'" in msg
    for name in ("dataset", "lr", "batch_size", "seed"):
        assert name in info.value.allowed


def test_from_dict_rejects_a_non_object():
    with pytest.raises(ConfigError, match="JSON object"):
        Config.from_dict([1, 2])  # type: ignore[arg-type]


def test_from_json_rejects_invalid_json_naming_config():
    with pytest.raises(ConfigError) as info:
        Config.from_json("{not json")
    assert info.value.field == "config"
    assert "valid JSON" in str(info.value)


def test_from_query_rejects_an_unknown_group():
    with pytest.raises(ConfigError) as info:
        Config.from_query("model.depth=3")
    assert info.value.field == "config"
    assert "optimizer" in info.value.allowed


def test_replace_validates_the_changed_field():
    c = Config()
    assert c.replace(lr=0.1).lr == 0.1
    assert c.replace(lr=0.1).layers == c.layers
    with pytest.raises(ConfigError, match=r"^lr: "):
        c.replace(lr=0)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().lr = 1.0  # type: ignore[misc]


# -- normalisation ----------------------------------------------------------------------------
@pytest.mark.parametrize(("fields", "field", "expected"), [
    ({"activation": "silu"}, "activation", "swish"),
    ({"activation": "ReLU"}, "activation", "relu"),
    ({"activation": "identity"}, "activation", "linear"),
    ({"activation": ["relu", "relu"]}, "activation", "relu"),
    ({"activation": ["relu", "silu"]}, "activation", ("relu", "swish")),
    ({"init": "xavier"}, "init", "glorot_uniform"),
    ({"init": "kaiming"}, "init", "he_uniform"),
    ({"loss": "ce"}, "loss", "cross_entropy"),
    ({"loss": "log_loss"}, "loss", "bce"),
    ({"output": "logistic"}, "output", "sigmoid"),
    ({"optimizer": "ADAM"}, "optimizer", "adam"),
    ({"preprocessing": "Standardize"}, "preprocessing", "standardize"),
    ({"regularization": "L2"}, "regularization", "l2"),
    ({"features": "x, y, xSquared, sinx1"}, "features", ("x1", "x2", "x1^2", "sin(x1)")),
    ({"features": ["x1x2"]}, "features", ("x1*x2",)),
    ({"layers": "8,4,2"}, "layers", (8, 4, 2)),
    ({"layers": [3.0, "5"]}, "layers", (3, 5)),
    ({"layers": []}, "layers", ()),
    ({"noise": 0}, "noise", 0.0),
    ({"lr": 1}, "lr", 1.0),
    ({"batch_size": "all"}, "batch_size", "all"),
    ({"batch_size": 32.0}, "batch_size", 32),
    ({"epochs": 5.0}, "epochs", 5),
])
def test_aliases_and_spellings_normalise(fields, field, expected):
    value = getattr(Config(**fields), field)
    assert value == expected
    assert type(value) is type(expected)


def test_normalised_spellings_compare_equal():
    assert Config(activation="silu", init="xavier") == Config(activation="swish",
                                                              init="glorot_uniform")


# -- seeds ------------------------------------------------------------------------------------
def test_seeds_are_four_distinct_deterministic_streams():
    s = Config(seed=7).seeds()
    assert set(s) == {"data", "split", "init", "order"}
    assert len(set(s.values())) == 4
    assert all(isinstance(v, int) and v >= 0 for v in s.values())
    assert Config(seed=7).seeds() == s
    assert Config(seed=7, batch_size=1, lr=1.0).seeds() == s


def test_different_seeds_give_different_streams():
    a, b = Config(seed=0).seeds(), Config(seed=1).seeds()
    assert all(a[k] != b[k] for k in a)


# -- round trips ------------------------------------------------------------------------------
_NUM = st.floats(0.0, 10.0, allow_nan=False, allow_infinity=False)
_DATASET_PARAMS = {
    "checkerboard": st.fixed_dictionaries({}, optional={"tiles": st.integers(2, 12)}),
    "spirals": st.fixed_dictionaries({}, optional={"k": st.integers(3, 10)}),
    "rings": st.fixed_dictionaries({}, optional={"k": st.integers(2, 10)}),
    "line-sign": st.fixed_dictionaries({}, optional={"band": st.floats(0.05, 3.0)}),
    "line-fn": st.fixed_dictionaries(
        {}, optional={"fn": st.sampled_from(["sin", "abs", "cubic", "step"])}),
    "sequence": st.fixed_dictionaries({}, optional={"n_in": st.integers(1, 60),
                                                    "n_out": st.integers(1, 60),
                                                    "n_series": st.integers(20, 100)}),
}
_INIT_VALUES = {"mode": st.sampled_from(["fan_in", "fan_out"]), "n_nonzero": st.integers(1, 30),
                "gain": st.floats(0.01, 10.0), "low": st.floats(-10.0, -0.06),
                "high": st.floats(0.06, 10.0)}  # gain > 0 and low < high, as Config checks
_OPTIMIZER_PARAMS = {
    "sgd": st.one_of(
        st.fixed_dictionaries({}, optional={"momentum": _NUM, "dampening": st.floats(0, 1),
                                            "weight_decay": _NUM}),
        st.fixed_dictionaries({"momentum": st.floats(0.01, 1.0), "nesterov": st.just(True)}),
    ),
    "adam": st.fixed_dictionaries({}, optional={
        "betas": st.tuples(st.floats(0, 0.999), st.floats(0, 0.999)).map(list)
        | st.tuples(st.floats(0, 0.999), st.floats(0, 0.999)),
        "eps": st.floats(1e-12, 1e-3), "weight_decay": _NUM, "amsgrad": st.booleans()}),
    "adamw": st.fixed_dictionaries({}, optional={"weight_decay": _NUM, "amsgrad": st.booleans()}),
    "rmsprop": st.fixed_dictionaries({}, optional={"alpha": st.floats(0, 0.999),
                                                   "momentum": _NUM, "centered": st.booleans()}),
    "adagrad": st.fixed_dictionaries({}, optional={"lr_decay": _NUM,
                                                   "initial_accumulator_value": _NUM}),
    "adadelta": st.fixed_dictionaries({}, optional={"rho": st.floats(0, 1),
                                                    "eps": st.floats(1e-12, 10.0)}),
    "momentum": st.just({}),
    "nesterov": st.just({}),
}
_HEADS = st.one_of(
    st.just((None, None)),
    st.tuples(st.just(None), st.sampled_from(["mse", "half_mse", "bce", "cross_entropy"])),
    st.tuples(st.sampled_from(sorted(ACTIVATIONS)), st.sampled_from(["mse", "half_mse"])),
    st.tuples(st.sampled_from(["sigmoid", "softmax"]), st.none()),  # the loss: bce, ce
    st.sampled_from([("sigmoid", "bce"), ("softmax", "cross_entropy")]),
)

_REGRESSION_HEADS = st.one_of(  # one target value: no class loss, no softmax
    st.just((None, None)),
    st.tuples(st.just(None), st.sampled_from(["mse", "half_mse"])),
    st.tuples(st.sampled_from(sorted(set(ACTIVATIONS) - {"softmax"})),
              st.sampled_from(["mse", "half_mse"])),
)


@st.composite
def configs(draw: st.DrawFn) -> Config:
    dataset = draw(st.sampled_from(sorted(DATASETS)))
    spec = DATASETS[dataset]
    fields: dict = {"dataset": dataset}
    if dataset in _DATASET_PARAMS:
        fields["dataset_params"] = draw(_DATASET_PARAMS[dataset])
    fields["n_samples"] = draw(st.none() | st.integers(20, 100_000))
    fields["noise"] = draw(st.floats(0.0, 0.8))
    fields["train_ratio"] = draw(st.floats(0.05, 0.95))  # leaves some samples to train on
    fields["target"] = draw(st.none() | st.text("abcxyz_0123456789.", min_size=1, max_size=8))
    if spec.n_features <= 2:
        pool = list(FEATURES) if spec.n_features == 2 else list(FEATURES_1D)
        fields["features"] = draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))
    fields["preprocessing"] = draw(st.sampled_from(list(PREPROCESSORS)))
    layers = draw(st.lists(st.integers(1, 1024), max_size=6))
    fields["layers"] = layers
    if draw(st.booleans()):
        fields["activation"] = draw(st.lists(st.sampled_from(sorted(ACTIVATIONS)),
                                             min_size=len(layers), max_size=len(layers)))
    else:
        fields["activation"] = draw(st.sampled_from(sorted(ACTIVATIONS)))
    heads = _HEADS if spec.problem == "classification" else _REGRESSION_HEADS
    fields["output"], fields["loss"] = draw(heads)
    init = draw(st.sampled_from(sorted(INITIALIZERS)))
    fields["init"] = init
    fields["init_params"] = {k: draw(_INIT_VALUES.get(k, _NUM)) for k in init_params(init)
                             if draw(st.booleans())}
    fields["dtype"] = draw(st.sampled_from(["float32", "float64"]))
    optimizer = draw(st.sampled_from(sorted(_OPTIMIZER_PARAMS)))
    fields["optimizer"] = optimizer
    fields["optimizer_params"] = draw(_OPTIMIZER_PARAMS[optimizer])
    fields["lr"] = draw(st.floats(0.0, 100.0, exclude_min=True))
    fields["regularization"] = draw(st.sampled_from(["none", "l1", "l2"]))
    fields["reg_rate"] = draw(_NUM)
    fields["batch_size"] = draw(st.just("all") | st.integers(1, 100_000))
    fields["epochs"] = draw(st.integers(0, 1_000_000))
    fields["shuffle"] = draw(st.booleans())
    fields["seed"] = draw(st.integers(0, 2**32 - 1))
    return Config(**fields)


@settings(max_examples=60, deadline=None)
@given(configs())
def test_valid_config_round_trips_exactly_through_json(config):
    text = config.to_json()
    json.loads(text)  # plain JSON
    back = Config.from_json(text)
    assert back == config
    assert back.to_json() == text


@settings(max_examples=60, deadline=None)
@given(configs())
def test_valid_config_round_trips_exactly_through_the_url_query(config):
    query = config.to_query()
    back = Config.from_query(query)
    assert back == config
    assert back.to_query() == query


@settings(max_examples=60, deadline=None)
@given(configs(), st.sampled_from(["?", "#"]))
def test_from_query_ignores_a_leading_question_mark_or_hash(config, prefix):
    assert Config.from_query(prefix + config.to_query()) == config


def test_from_query_defaults_the_missing_fields():
    c = Config.from_query("?dataset=xor&layers=8,8&optimizer.momentum=0.9&lr=0.1")
    assert c == Config(dataset="xor", layers=(8, 8), optimizer_params={"momentum": 0.9}, lr=0.1)


def test_from_query_reads_none_for_optional_heads():
    c = Config.from_query("loss=none&output=null")
    assert c.loss is None and c.output is None


def test_query_writes_every_field_so_defaults_are_pinned():
    query = Config().to_query()
    for f in dataclasses.fields(Config):
        if f.name.endswith("_params") or getattr(Config(), f.name) is None:
            continue
        assert f"{f.name}=" in query


def test_no_hidden_layers_with_an_empty_activation_list_round_trips_through_the_query():
    c = Config(layers=[], activation=[])
    assert c.activation == ()
    assert Config.from_query(c.to_query()) == c
    assert Config.from_json(c.to_json()) == c


def test_tuple_parameters_are_stored_as_lists_so_they_round_trip():
    c = Config(optimizer="adam", optimizer_params={"betas": (0.5, 0.9)})
    assert c.optimizer_params == {"betas": [0.5, 0.9]}
    assert Config.from_json(c.to_json()) == c
    assert Config.from_query(c.to_query()) == c
