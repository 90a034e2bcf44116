"""Property tests of the Config's pre-training fields (``pretrain``, ``pretrain_params``).

Any valid Config (``test_config.configs``) with valid pre-training settings drawn on top
round-trips exactly through JSON and the URL query (``pretrain.epochs=…`` in a link); fuzzed
settings (junk values, unknown names) are either refused naming ``pretrain`` or a
``pretrain_params.<name>`` field, or build a Session that pre-trains and trains an epoch.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.nn.optimizers import OPTIMIZERS, PRESETS
from tests.experiment.test_config import configs

_OPTIMIZER_EXTRAS = {
    "sgd": st.fixed_dictionaries({}, optional={"momentum": st.floats(0, 0.99),
                                               "weight_decay": st.floats(0, 1e-2)}),
    "adam": st.fixed_dictionaries({}, optional={
        "betas": st.tuples(st.floats(0, 0.999), st.floats(0, 0.999)).map(list),
        "amsgrad": st.booleans()}),
    "rmsprop": st.fixed_dictionaries({}, optional={"alpha": st.floats(0, 0.999),
                                                   "centered": st.booleans()}),
}


@st.composite
def pretrain_fields(draw: st.DrawFn) -> dict:
    """Valid ``pretrain``/``pretrain_params``: 'none' with no settings, or 'autoencoder' with
    any subset of its settings and its optimizer's parameters."""
    if draw(st.booleans()):
        return {"pretrain": draw(st.sampled_from(["none", "None", "NONE"])),
                "pretrain_params": {}}
    optimizer = draw(st.sampled_from([*OPTIMIZERS, *PRESETS]))
    params = draw(st.fixed_dictionaries({}, optional={
        "epochs": st.integers(1, 1000),
        "lr": st.floats(1e-6, 100.0),
        "batch_size": st.integers(1, 100_000) | st.just("all"),
        "seed": st.integers(0, 2**32 - 1),
    }))
    if draw(st.booleans()):
        params["optimizer"] = optimizer
        params.update(draw(_OPTIMIZER_EXTRAS.get(optimizer, st.just({}))))
    return {"pretrain": draw(st.sampled_from(["autoencoder", "AutoEncoder"])),
            "pretrain_params": params}


@settings(max_examples=60, deadline=None)
@given(configs(), pretrain_fields())
def test_pre_training_fields_round_trip_through_json_and_the_query(config, fields):
    config = config.replace(**fields)
    assert config.pretrain in ("none", "autoencoder")
    assert Config.from_json(config.to_json()) == config
    query = config.to_query()
    assert f"pretrain={config.pretrain}" in query.split("&")
    for name in config.pretrain_params:
        assert f"pretrain.{name}=" in query
    back = Config.from_query(query)
    assert back == config
    assert back.to_query() == query


JUNK = st.sampled_from([math.nan, math.inf, -1, 0, 0.5, 1e9, "abc", "3", True, None, [1, 2],
                        {}, "all", "sgd"])


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["none", "autoencoder", "autoencoder", "rbm", 3, None]),
       st.dictionaries(st.sampled_from(["epochs", "optimizer", "lr", "batch_size", "seed",
                                        "momentum", "betas", "nesterov", "bogus", ""]),
                       st.one_of(JUNK, st.integers(1, 3), st.floats(1e-3, 0.1)), max_size=3))
def test_fuzzed_pre_training_is_refused_naming_its_field_or_trains(method, params):
    try:
        config = Config(dataset="xor", n_samples=40, layers=(3, 2), epochs=1, pretrain=method,
                        pretrain_params=params)
    except ConfigError as e:
        assert e.field == "pretrain" or e.field.startswith("pretrain_params")
        assert str(e).startswith(f"{e.field}: ")
        return
    session = Session(config)
    assert (session.pretraining is None) == (config.pretrain == "none")
    if session.pretraining is not None:
        assert len(session.pretraining.losses) == 2
    session.run(1)
    assert np.isfinite(session.net.params).all() or session.epoch == 0
