"""The socket under mutated messages (#13 item 4, socket half): messages built from the real
message models — every page message and every panel's — are mutated (a required field dropped,
an unknown field added, a value of the wrong type, huge and non-finite numbers, 10 KB strings,
deep nesting, binary frames instead of text, a Config's own fields broken) and sent out of
order. After each one the server must have answered with a named error (its ``field`` a real
field, or ``message``/``type``; never ``server``, the answer to a bug) or done what was asked,
the session must still answer a ``step`` with its frame, and a second session opened in the
same test must still answer too."""

from __future__ import annotations

import json
import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from depthlens.experiment.config import Config
from depthlens.web.backprop import BackpropMessage, GradientsMessage
from depthlens.web.player import OperationsMessage
from depthlens.web.protocol import (
    ConfigMessage,
    EditMessage,
    PauseMessage,
    PlayMessage,
    PointsMessage,
    RegenerateMessage,
    ResetMessage,
    SpeedMessage,
    StepMessage,
)
from depthlens.web.space import ProbesMessage, SpaceMessage
from tests.web.support import open_session, receive, send

MODELS = [ConfigMessage, PlayMessage, PauseMessage, StepMessage, ResetMessage,
          RegenerateMessage, SpeedMessage, EditMessage, PointsMessage, SpaceMessage,
          ProbesMessage, GradientsMessage, BackpropMessage, OperationsMessage]
CONFIG_FIELDS = set(Config().to_dict())
NAMED = ({name for m in MODELS for name in m.model_fields} | CONFIG_FIELDS
         | {"message", "type", "config", "regenerate", "target_loss"})
"""Every ``field`` an error may name: a field of a message model or of a Config (a dotted one,
``optimizer.momentum``, by its group), the message as a whole, or its type."""

EXAMPLES = int(os.environ.get("DEPTHLENS_FUZZ_EXAMPLES", "60"))
"""Examples per run: 60 fit CI (about a second); a long hunt sets the variable (and
``DEPTHLENS_FUZZ_RANDOM=1`` for new examples each run, not the fixed CI ones)."""
RANDOM = os.environ.get("DEPTHLENS_FUZZ_RANDOM") == "1"
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ORDER = settings(max_examples=max(12, EXAMPLES // 4), deadline=None, derandomize=not RANDOM,
                 database=None, suppress_health_check=[HealthCheck.too_slow])

def kind_of(model: Any) -> str:
    """The ``type`` a message model takes (its Literal's one value)."""
    return model.model_fields["type"].annotation.__args__[0]


# -- valid messages of every model -------------------------------------------------------------
QUERIES = ["", "dataset=xor", "layers=3,2&lr=0.1", "dataset=spiral&activation=relu",
           "dataset=gauss&optimizer=adam&epochs=5", "target_loss=0.2"]
CONFIG_VALUES: dict[str, list[Any]] = {
    "dataset": ["circle", "xor", "gauss", "spiral"], "noise": [0.0, 10.0],
    "layers": [[4, 2], [3], []], "activation": ["tanh", "relu", "sigmoid", "linear"],
    "lr": [0.03, 0.1, 1.0], "batch_size": [10, 1, "all"], "epochs": [0, 3],
    "regularization": ["none", "l2"], "reg_rate": [0.0, 0.01], "seed": [0, 7],
    "train_ratio": [0.5, 0.8], "optimizer": ["sgd", "adam"],
}


def _config_dict(draw: st.DrawFn) -> dict[str, Any]:
    """The page default's Config as a dict with a few of its fields set to other valid values."""
    d = Config(epochs=0).to_dict()
    for key in draw(st.lists(st.sampled_from(sorted(CONFIG_VALUES)), max_size=3, unique=True)):
        d[key] = draw(st.sampled_from(CONFIG_VALUES[key]))
    return d


@st.composite
def valid_message(draw: st.DrawFn) -> dict[str, Any]:
    """A message of one of ``MODELS`` that the default session (circle, layers 4,2) takes."""
    kind = draw(st.sampled_from([kind_of(model) for model in MODELS]))
    opt = draw(st.booleans())
    m: dict[str, Any] = {"type": kind}
    if kind == "config":
        if draw(st.booleans()):
            m["query"] = draw(st.sampled_from(QUERIES))
        else:
            m["config"] = _config_dict(draw)
        if opt:
            m["target_loss"] = draw(st.floats(0.01, 10))
            m["seq"] = draw(st.integers(0, 1000))
    elif kind == "step" and opt:
        m.update(unit=draw(st.sampled_from(["epoch", "batch"])), count=draw(st.integers(1, 3)))
    elif kind == "regenerate" and opt:
        m["seed"] = draw(st.integers(0, 2**32 - 1))
    elif kind == "speed":
        m["epochs_per_frame"] = draw(st.sampled_from([1, 2, 10, "max"]))
    elif kind == "edit":
        weight = draw(st.booleans())
        m.update(layer=0, kind="weight" if weight else "bias",
                 index=[draw(st.integers(0, 3)), draw(st.integers(0, 1))] if weight
                 else [draw(st.integers(0, 3))], value=draw(st.floats(-5, 5)))
    elif kind == "points":
        m["add"] = draw(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5),
                                           st.sampled_from([0.0, 1.0])).map(list), max_size=4))
        if opt:
            m["clear"] = draw(st.booleans())
    elif kind == "space" and opt:
        m.update(stage=draw(st.integers(0, 3)), mode=draw(st.sampled_from(["units", "pca"])),
                 show=draw(st.sampled_from(["train", "test", "both"])), on=draw(st.booleans()))
    elif kind in ("probes", "gradients") and opt:
        m["on"] = draw(st.booleans())
    elif kind == "backprop":
        m.update(index=draw(st.integers(0, 20)), split=draw(st.sampled_from(["train", "test"])))
    elif kind == "operations" and opt:
        m.update(layer=draw(st.integers(0, 2)), per_step=draw(st.integers(2, 24)),
                 points=draw(st.sampled_from(["train", "test"])))
    return m


# -- mutations ---------------------------------------------------------------------------------
def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


WRONG = st.sampled_from([[], [1, "a"], {}, {"a": 1}, "x", "", True, False, None, 1.5, -1,
                         0])
ODD_NUMBERS = st.sampled_from([10**30, -10**30, 2**64, math.nan, math.inf, -math.inf, 1e308,
                               -1e308, 5e-324])
ODD = st.one_of(WRONG, ODD_NUMBERS, st.just("é" * 10_000), st.just(nested(300)),
                st.just(nested(40)))
ODD_TEXT = st.sampled_from(["nan", "inf", "-inf", "1e308", "99999999999999999999", "-1", "",
                            "x", "%00", "[]", "{}", "1,,2", "é" * 2000, "0x10", "1e-400"])
QUERY_KEYS = st.sampled_from([
    *sorted(CONFIG_FIELDS), "target_loss", "dataset.k", "dataset.radius",
    "optimizer.momentum", "init.gain", "preprocessing.scale", "unknown"])
MUTATIONS = ("drop", "extra", "wrong", "config_field", "config_param", "query", "inner",
             "binary", "none")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any] | bytes, bool]:
    """(mutation, the message to send — bytes for a binary frame, str for raw text — and
    whether it must be refused)."""
    m = draw(valid_message())
    how = draw(st.sampled_from(MUTATIONS))
    if how == "drop":
        key = draw(st.sampled_from(sorted(m)))
        model = next(x for x in MODELS if kind_of(x) == m["type"])
        del m[key]
        return how, m, model.model_fields[key].is_required()
    if how == "extra":
        m[draw(st.sampled_from(["zzz", "Type", "config2", "__proto__"]))] = draw(ODD)
        return how, m, True
    if how == "wrong":
        key = draw(st.sampled_from(sorted(m)))
        value = draw(ODD)
        m[key] = value
        deep = isinstance(value, list) and len(json.dumps(value)) > 60
        return how, m, deep or (isinstance(value, float) and not math.isfinite(value))
    if how == "config_field":
        m = {"type": "config", "config": _config_dict(draw)}
        key = draw(st.sampled_from([*sorted(CONFIG_FIELDS), "unknown_field"]))
        if draw(st.booleans()) and key in m["config"]:
            del m["config"][key]
            return how, m, False
        m["config"][key] = draw(ODD)
        return how, m, key == "unknown_field"
    if how == "config_param":  # a Config's parameter groups: {name: odd value}
        m = {"type": "config", "config": _config_dict(draw)}
        group = draw(st.sampled_from(["dataset_params", "init_params", "optimizer_params",
                                      "preprocessing_params"]))
        name = draw(st.sampled_from(["k", "radius", "gain", "momentum", "beta1", "eps",
                                     "scale", "mode", ""]))
        m["config"][group] = {name: draw(ODD)}
        return how, m, False
    if how == "query":  # a link with one odd key=value, or any text at all
        text = draw(st.one_of(
            st.builds(lambda k, v: f"{k}={v}", QUERY_KEYS, ODD_TEXT),
            st.text(max_size=200)))
        return how, {"type": "config", "query": text}, False
    if how == "inner":  # an odd value inside a list field (an index, a point, a unit)
        kind = draw(st.sampled_from(["edit", "points", "space"]))
        odd = draw(ODD)
        if kind == "edit":
            index = [0, 0]
            index[draw(st.integers(0, 1))] = odd
            m = {"type": "edit", "layer": 0, "kind": "weight", "index": index, "value": 0.5}
        elif kind == "points":
            row: list[Any] = [0.5, 0.5, 1.0]
            row[draw(st.integers(0, 2))] = odd
            m = {"type": "points", "add": [row]}
        else:
            m = {"type": "space", "mode": "units", "stage": draw(st.integers(0, 3)),
                 "units": [0, odd]}
        return how, m, False
    if how == "binary":
        return how, json.dumps(m).encode(), True
    return how, m, False


# -- talking to the socket ---------------------------------------------------------------------
SENTINEL = 7
"""The batch count of the test's own ``step`` (no fuzzed step asks for 7), so its frame is
told from the answer to a fuzzed one."""


def step_answer(ws: Any) -> list[dict[str, Any]]:
    """Send a ``step`` of ``SENTINEL`` batches and read until its frame (``stepped`` with that
    count) and the status after it; returns the text messages read on the way (errors, states,
    notices…)."""
    send(ws, type="step", unit="batch", count=SENTINEL)
    texts: list[dict[str, Any]] = []
    stepped = False
    for _ in range(400):
        what, payload = receive(ws)
        if what == "frame":
            stepped = stepped or payload[0].get("stepped", {}).get("count") == SENTINEL
            continue
        texts.append(payload)
        if stepped and payload["type"] == "status":
            return texts
    raise AssertionError(f"no stepped frame and status among {[t['type'] for t in texts]}")


def named(error: dict[str, Any], sent: Any) -> bool:
    """The error names a real field (a dotted Config field by its group) or a key the message
    carried (an unknown one)."""
    keys = set(sent) if isinstance(sent, dict) else set()
    if isinstance(sent, dict) and isinstance(sent.get("config"), dict):
        keys |= set(sent["config"])
    return error["field"] != "server" and error["field"].partition(".")[0] in NAMED | keys


def check_answer(sent: Any, texts: list[dict[str, Any]], refused: bool) -> None:
    errors = [t for t in texts if t["type"] == "error"]
    for e in errors:
        assert named(e, sent), f"{sent!r:.300} was answered {e}"
        assert isinstance(e["message"], str) and e["message"]
        assert "Traceback" not in e["message"]
    if refused:
        assert errors, f"{sent!r:.300} was taken: {[t['type'] for t in texts]}"


@pytest.fixture(scope="module")
def sessions(client):
    """Two open sessions of one app: the fuzzed one and a bystander, and a list that holds the
    message that closed the fuzzed one, if one did (the examples after it cannot run)."""
    closed: list[Any] = []
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        open_session(a)
        open_session(b)
        yield a, b, closed


QUIET = {"play", "pause", "step", "speed", "reset", "edit", "probes", "gradients"}
"""Message types whose valid form the default session always takes without an error."""


@FUZZ
@given(case=mutated())
# found by the fuzz: a parameter with an empty name ("optimizer.") broke the error's wording
# and closed the socket
@example(case=("config_param", {"type": "config", "config": {"optimizer_params": {"": {}}}},
               False))
@example(case=("wrong", {"type": ["play"]}, True))  # #13: both were tracebacks
@example(case=("raw", '{"type": ' + "[" * 5000 + "]" * 5000 + "}", True))
@example(case=("wrong", {"type": "step", "count": 10**30}, True))
@example(case=("binary", b"\xff\xfe\x00", True))
def test_mutated_messages_get_named_errors_and_the_sessions_go_on(sessions, case):
    a, b, closed = sessions
    assert not closed, f"the socket was closed by an earlier message: {closed[0]!r:.300}"
    how, message, refused = case
    try:
        if isinstance(message, bytes):
            a.send_bytes(message)
        elif isinstance(message, str):  # text as it is (JSON too deep for json.dumps)
            a.send_text(message)
        else:
            a.send_text(json.dumps(message))  # NaN and Infinity as JSON's non-standard tokens
        texts = step_answer(a)
    except AssertionError:
        raise
    except Exception as e:  # the server closed the socket
        closed.append(message)
        raise AssertionError(f"the socket closed answering {message!r:.300}: {e!r}") from e
    check_answer(message, texts, refused)
    if how == "none" and message["type"] in QUIET:  # the valid effect, no error
        assert not [t for t in texts if t["type"] == "error"], (message, texts)
    if how == "none" and message["type"] == "config":
        assert [t for t in texts if t["type"] in ("state", "error")], (message, texts)
    event(f"{how}: " + ",".join(sorted({t.get("field", t["type"]) for t in texts})))
    assert not [t for t in step_answer(b) if t["type"] == "error"]


# -- messages out of order ---------------------------------------------------------------------
SEQUENCES = {
    "edit before any config": [{"type": "edit", "layer": 0, "kind": "weight", "index": [0, 0],
                                "value": 1.0}],
    "points before any config": [{"type": "points", "add": [[0.5, 0.5, 1.0]]}],
    "a panel before any config": [{"type": "backprop", "index": 0}],
    "step while playing": [{"type": "play"}, {"type": "step", "count": 2}],
    "pause twice": [{"type": "pause"}, {"type": "pause"}],
    "play twice": [{"type": "play"}, {"type": "play"}],
    "reset while playing": [{"type": "play"}, {"type": "reset"}],
    "config while playing": [{"type": "play"}, {"type": "config", "query": "dataset=xor"}],
    "regenerate on your own points": [{"type": "points", "add": [[0.1, 0.2, 0.0]]},
                                      {"type": "regenerate"}],
    "unsubscribe before subscribing": [{"type": "space", "on": False},
                                       {"type": "probes", "on": False}],
    "edit a layer the new network lost": [{"type": "config", "query": "layers="},
                                          {"type": "edit", "layer": 2, "kind": "bias",
                                           "index": [0], "value": 1.0}],
    "panel of a lost layer": [{"type": "space", "stage": 3},
                              {"type": "config", "query": "layers=2"},
                              {"type": "operations", "layer": 2}],
}


@ORDER
@given(names=st.lists(st.sampled_from(sorted(SEQUENCES)), min_size=1, max_size=3),
       greet_config=st.booleans())
def test_messages_out_of_order_get_named_errors_or_their_effect(client, names, greet_config):
    with client.websocket_connect("/ws") as ws, client.websocket_connect("/ws") as other:
        open_session(other)
        what, payload = receive(ws)  # hello
        assert what == "text" and payload["type"] == "hello"
        if greet_config:
            open_session(ws)
        for name in names:
            for message in SEQUENCES[name]:
                send(ws, **message)
        check_answer(names, step_answer(ws), refused=False)
        check_answer(names, step_answer(ws), refused=False)
        assert not [t for t in step_answer(other) if t["type"] == "error"]
