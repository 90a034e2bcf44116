"""A dataset's own parameters (k classes, tiles, the zero band, the function of a 1-D set): the
page's controls match the generators, and they go into the link and back; a bad one costs only
its own field, with a sentence naming the field, the value and what is allowed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.data import DATASETS, make_dataset
from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.web import wording
from depthlens.web.dataset_params import PARAM_CONTROLS, check_dataset_params, param_controls
from depthlens.web.protocol import PLAYGROUND_DATASETS, ConfigMessage, config_of, config_of_link


def test_every_parameter_of_an_offered_set_has_a_control():
    for name in PLAYGROUND_DATASETS:
        assert [c["name"] for c in param_controls(name)] == list(DATASETS[name].params), name
    assert set(PARAM_CONTROLS) <= set(PLAYGROUND_DATASETS)


@pytest.mark.parametrize("name", sorted(PARAM_CONTROLS))
def test_the_ranges_are_the_generators_own(name):
    """Both ends of a range make the set, one step beyond does not (naming the parameter)."""
    for control in param_controls(name):
        key = control["name"]
        if control["kind"] == "choice":
            good, bad = control["choices"], ["nope"]
        else:
            step = 1 if control["kind"] == "int" else 0.01
            good, bad = [control["min"], control["max"]], [control["min"] - step,
                                                           control["max"] + step]
        for v in good:
            make_dataset(name, n_samples=4, **{key: v})
        for v in bad:
            with pytest.raises(ConfigError) as e:
                make_dataset(name, n_samples=4, **{key: v})
            assert e.value.field == key


def valid_params(name: str):
    """A strategy of one valid value for each parameter of ``name``."""
    parts = {}
    for c in param_controls(name):
        if c["kind"] == "choice":
            parts[c["name"]] = st.sampled_from(c["choices"])
        elif c["kind"] == "int":
            parts[c["name"]] = st.integers(c["min"], c["max"])
        else:
            parts[c["name"]] = st.floats(c["min"], c["max"], allow_nan=False)
    return st.fixed_dictionaries(parts)


with_params = st.sampled_from(sorted(PARAM_CONTROLS)).flatmap(
    lambda name: st.tuples(st.just(name), valid_params(name)))


@settings(max_examples=80, deadline=None)
@given(with_params, st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.2]))
def test_a_sets_parameters_go_into_the_link_and_back(named, seed, noise):
    name, params = named
    config = Config(dataset=name, dataset_params=params, seed=seed, noise=noise)
    query = config.to_query()
    for key in params:
        assert f"dataset.{key}=" in query
    got, target, dropped = config_of_link(query)
    assert dropped == [] and target is None
    assert got == config and got.dataset_params == params


def test_links_made_before_the_controls_still_open_as_they_did():
    old = "dataset=rings&dataset.k=5&layers=4,2&lr=0.03"
    got, _, dropped = config_of_link(old)
    assert got.dataset_params == {"k": 5} and dropped == []
    got, _, dropped = config_of_link("dataset=spiral&lr=0.3")
    assert got.dataset_params == {} and got.lr == 0.3 and dropped == []


BAD = [("rings", "k", 99, "an integer from 2 to 10", "Number of classes (k)"),
       ("spirals", "k", 2, "an integer from 3 to 10", "Number of classes (k)"),
       ("checkerboard", "tiles", 13, "an integer from 2 to 12", "Tiles per side"),
       ("line-sign", "band", 9.5, "a number from 0.05 to 3", "Width of the zero band"),
       ("line-fn", "fn", "tan", "one of 'abs', 'cubic', 'sin', 'step'", "Function f(x)")]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(BAD), st.sampled_from(["lr=0.3", "layers=3", "noise=0.1", "seed=7"]),
       st.randoms())
def test_a_bad_parameter_in_a_link_costs_only_its_own_field(bad, other, rnd):
    name, key, value, allowed, label = bad
    parts = [f"dataset={name}", other, f"dataset.{key}={value}"]
    rnd.shuffle(parts)
    got, _, dropped = config_of_link("&".join(parts))
    assert [e.field for e in dropped] == [f"dataset_params.{key}"]
    assert got.dataset == name and got.dataset_params == {}
    assert got == Config.from_query(f"dataset={name}&{other}&epochs=0")
    message = wording.fallback_message(dropped)
    shown = wording.shown(value)
    assert message.startswith(f"{label} must be {allowed} (you gave {shown})"), message


def test_a_bad_parameter_sent_by_the_controls_is_refused_naming_it():
    message = ConfigMessage(type="config", config=Config(dataset="rings").to_dict()
                            | {"dataset_params": {"k": 11}})
    with pytest.raises(ConfigError) as e:
        config_of(message)
    assert e.value.field == "dataset_params.k"
    assert wording.config_message(e.value) == ("Number of classes (k) must be an integer from "
                                               "2 to 10 (you gave 11)")
    check_dataset_params("rings", {"k": 10})  # the top of the range is allowed
    check_dataset_params("circle", {})
