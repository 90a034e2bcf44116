"""Property test: a Config either refuses its fields (ConfigError naming one) or builds a
Session that trains five epochs — never validates and then crashes when built (#13 item 4).

Hypothesis draws every field from valid values, boundary values, wrong types (a text where a
number belongs, a bool, a list, None), NaN and ±∞, and unknown parameter names, for the
parameter groups too (``init_params``, ``optimizer_params``, ``preprocessing_params``,
``dataset_params``). Data sizes stay small so five epochs are quick.

Allowed outcomes of training: finite losses, or a ``DivergenceError`` (the loss became NaN or
∞: a lesson the page shows, not a crash; the network keeps its last finite weights). CSV
datasets are left out: they name a file, which only building can read.
"""

from __future__ import annotations

import inspect
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from depthlens.data import DATASETS, PREPROCESSORS
from depthlens.data.features import FEATURES, FEATURES_1D
from depthlens.errors import ConfigError, DivergenceError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.nn import ACTIVATIONS
from depthlens.nn.initializers import INITIALIZERS, init_params
from depthlens.nn.optimizers import OPTIMIZERS, PRESETS

JUNK = st.sampled_from([math.nan, math.inf, -math.inf, "abc", "0.5", True, None, [1, 2], {},
                        -1, 0, 1e308, -1e308])
"""Values that are wrong for most fields: non-finite, texts, bools, containers, extremes."""
NUMBER = st.one_of(st.floats(-2.0, 2.0), st.sampled_from([0, 1, -1, 1e-9, 1000.0, 1e6]))


FIELDS = ("dataset", "n_samples", "noise", "train_ratio", "features", "preprocessing", "layers",
          "activation", "init", "dtype", "optimizer", "lr", "regularization", "reg_rate",
          "batch_size", "epochs", "shuffle", "seed")


def _param_dict(names: list[str]) -> st.SearchStrategy:
    """A parameter dict over known ``names`` (numbers, junk, the names' own choices) and
    sometimes an unknown name, ``lr`` among them."""
    choices = st.sampled_from(["fan_in", "fan_out", "fan_up"])
    values = st.one_of(NUMBER, NUMBER, NUMBER, JUNK, st.booleans(), choices,
                       st.lists(st.floats(0.0, 0.999), min_size=2, max_size=2))
    keys = st.sampled_from(names) if names else st.nothing()
    unknown = st.sampled_from(["lr", "bogus", ""])
    return st.dictionaries(st.one_of(keys, keys, keys, keys, unknown), values, max_size=2)


@st.composite
def fuzzed_configs(draw: st.DrawFn) -> dict:
    """A dict of Config fields, each drawn from valid, boundary and wrong values."""
    bad = draw(st.just(set()) | st.sets(st.sampled_from(FIELDS), min_size=1, max_size=2))

    def _maybe(name: str, valid: st.SearchStrategy) -> st.SearchStrategy:
        return JUNK if name in bad else valid

    dataset = draw(_maybe("dataset", st.sampled_from(sorted(DATASETS))))
    fields: dict = {"dataset": dataset}
    spec = DATASETS.get(dataset) if isinstance(dataset, str) else None  # junk: no spec
    if draw(st.integers(0, 3)) == 0:
        fields["dataset_params"] = draw(_param_dict(sorted(spec.params) if spec else []))
    fields["n_samples"] = draw(_maybe("n_samples", st.one_of(st.none(), st.integers(1, 80))))
    fields["noise"] = draw(_maybe("noise", st.sampled_from([0.0, 0.1, 0.8])))
    fields["train_ratio"] = draw(_maybe("train_ratio", st.sampled_from([0.05, 0.5, 0.95])))
    if draw(st.booleans()):
        pool = list(FEATURES_1D) if spec is not None and spec.n_features == 1 else list(FEATURES)
        fields["features"] = draw(_maybe("features", st.lists(st.sampled_from(pool), min_size=1,
                                                              max_size=3, unique=True)))
    fields["preprocessing"] = draw(_maybe("preprocessing",
                                          st.sampled_from(list(PREPROCESSORS))))
    if draw(st.integers(0, 3)) == 0:
        fields["preprocessing_params"] = draw(_param_dict(["eps", "n_components"]))
    layers = draw(_maybe("layers", st.lists(st.integers(1, 8), max_size=3)))
    fields["layers"] = layers
    n = len(layers) if isinstance(layers, list) else 1
    fields["activation"] = draw(_maybe("activation", st.one_of(
        st.sampled_from(sorted(ACTIVATIONS)),
        st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=n, max_size=n))))
    fields["output"] = draw(st.one_of(st.none(), st.sampled_from(
        [*sorted(ACTIVATIONS), "softmax", "nope"])))
    fields["loss"] = draw(st.one_of(st.none(), st.sampled_from(
        ["mse", "half_mse", "bce", "cross_entropy", "hinge"])))
    init = draw(_maybe("init", st.sampled_from(sorted(INITIALIZERS))))
    fields["init"] = init
    known_init = sorted(init_params(init)) if isinstance(init, str) and init in INITIALIZERS \
        else []
    fields["init_params"] = draw(_param_dict(known_init))
    fields["dtype"] = draw(_maybe("dtype", st.sampled_from(["float32", "float64"])))
    optimizer = draw(_maybe("optimizer", st.sampled_from([*OPTIMIZERS, *PRESETS])))
    fields["optimizer"] = optimizer
    factory = OPTIMIZERS.get(PRESETS.get(optimizer, (optimizer,))[0]) \
        if isinstance(optimizer, str) else None
    known_opt = [p for p in inspect.signature(factory).parameters if p != "lr"] if factory \
        else []
    fields["optimizer_params"] = draw(_param_dict(known_opt))
    fields["lr"] = draw(_maybe("lr", st.sampled_from([1e-5, 0.03, 1.0, 100.0])))
    fields["regularization"] = draw(_maybe("regularization", st.sampled_from(["none", "l1", "l2"])))
    fields["reg_rate"] = draw(_maybe("reg_rate", st.sampled_from([0.0, 0.01, 10.0])))
    fields["batch_size"] = draw(_maybe("batch_size", st.one_of(st.just("all"), st.integers(1, 40))))
    fields["epochs"] = draw(_maybe("epochs", st.integers(0, 5)))
    fields["shuffle"] = draw(_maybe("shuffle", st.booleans()))
    fields["seed"] = draw(_maybe("seed", st.integers(0, 2**32 - 1)))
    return fields


FUZZ_EXAMPLES = int(os.environ.get("DEPTHLENS_FUZZ_EXAMPLES", "60"))
"""Configs tried per run: 60 fits CI; set the variable to 5000 to hunt for new failures."""


@settings(max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(fields=fuzzed_configs())
def test_a_config_is_refused_or_trains_five_epochs(fields):
    try:
        config = Config(**fields)
    except ConfigError as e:
        event(f"refused: {e.field.partition('.')[0]}")
        assert e.field and str(e).startswith(f"{e.field}: ")  # names the field at fault
        return
    if config.n_samples is None and DATASETS[config.dataset].n_samples > 400:
        config = config.replace(n_samples=400)  # small data: five epochs stay quick
    session = Session(config)  # anything raised here is the bug this test is for
    try:
        history = session.run(5)
    except DivergenceError as e:
        event("trained: diverged")
        assert not math.isfinite(e.loss)  # a divergence: NaN or ∞, a lesson, not a crash
        assert np.isfinite(session.net.params).all()  # the last finite weights kept
        return
    event("trained: finite")
    assert len(history) == 5
    assert np.isfinite(history.train_loss).all()


@pytest.mark.parametrize(("fields", "field"), [
    ({"optimizer_params": {"lr": 0.1}}, "optimizer_params.lr"),
    ({"init": "glorot_uniform", "init_params": {"gain": -1}}, "init_params.gain"),
    ({"init": "glorot_uniform", "init_params": {"gain": math.nan}}, "init_params.gain"),
    ({"init": "glorot_normal", "init_params": {"gain": math.inf}}, "init_params.gain"),
    ({"init": "he_normal", "init_params": {"mode": "fan_up"}}, "init_params.mode"),
    ({"init": "sparse", "init_params": {"n_nonzero": "many"}}, "init_params.n_nonzero"),
    ({"init": "gaussian", "init_params": {"mean": "x"}}, "init_params.mean"),
    ({"init": "uniform", "init_params": {"low": 1.0}}, "init_params.high"),
    ({"optimizer": "adam", "optimizer_params": {"amsgrad": "no"}}, "optimizer.amsgrad"),
    ({"optimizer_params": {"momentum": "0.5"}}, "optimizer.momentum"),
    ({"optimizer": "adagrad", "optimizer_params": {"eps": 0.0}}, "optimizer.eps"),
    ({"dataset": "checkerboard", "dataset_params": {"tiles": 0.0}}, "dataset_params.tiles"),
    ({"dataset": "line-sign", "dataset_params": {"band": 0}}, "dataset_params.band"),
    ({"dataset": "sequence", "train_ratio": 0.01}, "train_ratio"),
    ({"dataset": "sequence", "dataset_params": {"n_series": 3}, "train_ratio": 0.3},
     "train_ratio"),
    ({"dataset": "circle", "output": "tanh"}, "output"),
    ({"optimizer": "adam", "optimizer_params": {"eps": 0}}, "optimizer.eps"),
    ({"preprocessing": "pca", "preprocessing_params": {"n_components": "all"}},
     "preprocessing_params.n_components"),
])
def test_values_that_crashed_the_build_are_refused_by_config_naming_them(fields, field):
    with pytest.raises(ConfigError) as err:
        Config(**fields)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


@pytest.mark.parametrize(("dataset", "output", "loss"), [
    ("spirals", "sigmoid", "bce"), ("circle", "softmax", "cross_entropy"),
    ("circle", None, "bce"), ("spirals", None, "cross_entropy")])
def test_an_output_without_a_loss_takes_the_loss_it_is_made_for(dataset, output, loss):
    session = Session(Config(dataset=dataset, n_samples=60, output=output))
    assert session.loss == loss
    assert np.isfinite(session.run(2).train_loss).all()
