"""The page's words for what it may not do, and links that keep every field but a bad one."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.nn.activations import ALIASES
from depthlens.web import live, wording
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


# -- names and help sentences of every control ---------------------------------------------------
STATIC = Path(wording.__file__).parent / "static"
RAISED_BY = ("larger", "more", "closer to 1", "wider")
"""Words that say what raising a number does."""


class _Controls(HTMLParser):
    """The ids of every button, input and select inside the page's top bar and its columns."""

    SECTIONS = ("bar", "column")

    def __init__(self) -> None:
        super().__init__()
        self.depth: list[bool] = []  # per open element: inside a section?
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        inside = bool(self.depth and self.depth[-1]) or any(c in self.SECTIONS for c in classes)
        if tag in ("button", "input", "select") and inside and a.get("id"):
            self.ids.append(a["id"] or "")
        if tag not in ("input", "meta", "link", "br", "img"):
            self.depth.append(inside)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("input", "meta", "link", "br", "img") and self.depth:
            self.depth.pop()


def page_control_ids() -> list[str]:
    """Every control of index.html's bar and columns, and those userdata.js makes by id."""
    parser = _Controls()
    parser.feed((STATIC / "index.html").read_text())
    made = re.findall(r'id: "(ud-[a-z-]+)"', (STATIC / "js" / "userdata.js").read_text())
    made += re.findall(r'\.id = "(ud-[a-z-]+)"', (STATIC / "js" / "userdata.js").read_text())
    # the lens panels' own controls
    made += re.findall(r'el\("(?:select|button|input)", \{ id: "(player-[a-z-]+)"',
                       (STATIC / "js" / "player.js").read_text())
    made += re.findall(r'<(?:button|input)[^>]* id="(bp-[a-z-]+)"',
                       (STATIC / "js" / "backprop.js").read_text())
    return parser.ids + made


def param_keys(hello: dict) -> list[str]:
    """Every parameter box the page makes, as ``group.name`` (a pair as ``.0`` and ``.1``)."""
    keys = []
    o = hello["options"]
    for group, items in (("optimizer", o["optimizers"]), ("init", o["initializers"])):
        for item in items:
            for name, default in item["params"].items():
                if isinstance(default, list):
                    keys += [f"{group}.{name}.{i}" for i in range(len(default))]
                else:
                    keys.append(f"{group}.{name}")
    keys += [f"dataset.{p['name']}" for d in o["datasets"] for p in d["params"]]
    return sorted(set(keys))


def test_every_option_the_server_offers_has_a_human_name():
    hello = live.hello()
    labels, o = hello["labels"], hello["options"]
    offered = {
        "optimizer": [x["name"] for x in o["optimizers"]],
        "init": [x["name"] for x in o["initializers"]],
        "activation": o["activations"],
        "regularization": o["regularizations"],
        "head": [f"{h['loss'] or ''}|{h['output'] or ''}" for h in o["heads"]],
        "dataset": [d["name"] for d in o["datasets"]],
        "choice": [c for x in o["initializers"] for cs in x["choices"].values() for c in cs]
        + [c for d in o["datasets"] for p in d["params"] for c in p.get("choices", [])],
    }
    for menu, values in offered.items():
        assert values, menu
        for value in values:
            name = labels[menu].get(value)
            assert name and name.strip(), f"{menu} {value!r} has no name"
    assert [labels["optimizer"][n] for n in offered["optimizer"]] == [
        "SGD", "Momentum", "Nesterov momentum", "Adagrad", "RMSProp", "Adadelta", "Adam", "AdamW"]
    assert labels["init"]["glorot_normal"] == "Glorot (Xavier) normal"
    assert labels["init"]["he_uniform"] == "He (Kaiming) uniform"
    assert labels["head"]["cross_entropy|softmax"] == "cross-entropy (softmax)"
    assert labels["head"]["bce|sigmoid"] == "binary cross-entropy (sigmoid)"
    for key in param_keys(hello):
        assert labels["param"].get(key, "").strip(), f"parameter box {key} has no label"
    assert labels["param"]["optimizer.lr_decay"] == "learning-rate decay"
    assert labels["param"]["optimizer.weight_decay"] == "weight decay"


def _one_plain_sentence(text: str) -> None:
    assert text.endswith("."), text
    assert len(text) <= 180, f"{len(text)} characters: {text}"
    assert not re.search(r"[.!?] [A-Z]", text[:-1]), f"more than one sentence: {text}"


def test_every_control_and_parameter_has_one_plain_sentence():
    hello = live.hello()
    help_ = hello["help"]
    ids = page_control_ids()
    assert {"lr", "optimizer", "init", "head", "noise", "ratio", "batch", "show-test",
            "export-png", "ud-file", "ud-clear", "play"} <= set(ids)
    for control in ids:
        assert control in help_["controls"], f"#{control} has no sentence"
    for key in param_keys(hello):
        assert key in help_["params"], f"parameter {key} has no sentence"
    for d in hello["options"]["datasets"]:
        assert d["name"] in help_["datasets"], f"dataset {d['name']} has no sentence"
    sentences = [*help_["controls"].values(), *help_["params"].values(),
                 *help_["datasets"].values(), *help_["classes"].values()]
    for text in sentences:
        _one_plain_sentence(text)
    # a number says what raising it does
    numbers = ["lr", "reg-rate", "speed", "ratio", "noise", "batch", "optimizer.momentum",
               "optimizer.weight_decay", "optimizer.dampening", "optimizer.lr_decay",
               "optimizer.betas.0", "optimizer.betas.1", "init.gain", "init.std", "dataset.k",
               "dataset.tiles", "dataset.band"]
    for key in numbers:
        text = help_["controls"].get(key) or help_["params"][key]
        assert any(word in text for word in RAISED_BY), text
    assert help_["controls"]["lr"] == ("Learning rate: how big a step each update takes; "
                                       "larger learns faster but can overshoot and diverge.")
