"""The page's words for what it may not do, and links that keep every field but a bad one."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.nn.activations import ALIASES
from depthlens.web import wording
from depthlens.web.protocol import PLAYGROUND_DATASETS, config_of_link


def test_a_field_is_named_once_in_the_pages_words():
    text = wording.config_message(ConfigError("optimizer.momentum", -1, "a number ≥ 0"))
    assert text == "Momentum must be a number ≥ 0 (you gave \u22121)"
    assert wording.label("init.gain") == "Initializer's gain"
    assert wording.label("reg_rate") == "Regularization rate"
    assert wording.label("optimizer.weight_decay") == "Weight decay"


def test_only_the_choices_the_page_offers_are_listed():
    with_aliases = None
    try:
        Config(activation="bogus")
    except ConfigError as e:
        with_aliases = e
    assert with_aliases is not None and "silu" in str(with_aliases)  # the engine's own list
    text = wording.config_message(with_aliases)
    assert "relu" in text and not any(f" {alias}," in text or text.endswith(alias)
                                      for alias in ALIASES)
    try:
        Config(dataset="nope")
    except ConfigError as e:
        text = wording.config_message(e)
    assert "sequence" not in text and all(name in text for name in PLAYGROUND_DATASETS)


def test_the_link_of_the_issue_keeps_everything_but_the_layers():
    config, target, dropped = config_of_link(
        "dataset=spiral&layers=99,4&activation=relu&optimizer=adam")
    assert (config.dataset, config.activation, config.optimizer) == ("spiral", "relu", "adam")
    assert config.layers == Config().layers and target is None
    assert [e.field for e in dropped] == ["layers"]
    message = wording.fallback_message(dropped)
    assert message.startswith("Hidden layers must be at most 16 neurons each")
    assert "(4,2)" in message and message.endswith("The link's other settings are kept.")


def test_dropping_the_layers_drops_an_activation_listed_for_them():
    config, _, dropped = config_of_link("layers=99,4,4&activation=relu,sigmoid,relu&lr=0.3")
    assert [e.field for e in dropped] == ["layers", "activation"]
    assert config.lr == 0.3 and config.layers == (4, 2) and config.activation == "tanh"


BAD_PARTS = [
    ("lr=-1", "lr"),
    ("noise=9", "noise"),
    ("epochs=-3", "epochs"),
    ("layers=99", "layers"),
    ("activation=bogus", "activation"),
    ("optimizer.momentum=-1", "optimizer.momentum"),
    ("colour=red", "config"),
    ("dataset=sequence", "dataset"),
    ("batch_size=0", "batch_size"),
    ("target_loss=-1", "target_loss"),
]

configs = st.builds(
    Config,
    dataset=st.sampled_from(["circle", "xor", "gauss", "spiral", "moons"]),
    noise=st.sampled_from([0.0, 0.1, 0.35]),
    layers=st.lists(st.integers(1, 16), max_size=4).map(tuple),
    activation=st.sampled_from(["tanh", "relu", "sigmoid"]),
    lr=st.sampled_from([0.001, 0.03, 0.3]),
    batch_size=st.integers(1, 30),
    epochs=st.integers(0, 500),
    seed=st.integers(0, 2**32 - 1),
)


@settings(max_examples=60, deadline=None)
@given(configs, st.sampled_from(BAD_PARTS), st.randoms())
def test_one_bad_part_anywhere_in_a_link_costs_only_its_own_field(config, bad, rnd):
    part, field = bad
    name = part.partition("=")[0]
    parts = [p for p in config.to_query().split("&") if p.partition("=")[0] != name]
    parts.insert(rnd.randrange(len(parts) + 1), part)
    got, target, dropped = config_of_link("&".join(parts))
    assert [e.field for e in dropped] == [field]
    assert target is None
    expected = config
    if name in {f.name for f in dataclasses.fields(Config)}:
        expected = dataclasses.replace(config, **{name: getattr(Config(), name)})
    assert got == expected
