"""A diverging run says once what blew up and the likely cause, and offers Reset when the
weights it went back to would diverge again."""

from __future__ import annotations

import pytest

from depthlens.errors import DivergenceError
from depthlens.experiment.config import Config
from depthlens.experiment.diagnosis import Edit, explain_divergence, number
from depthlens.experiment.session import Session

from .support import open_session, send, until

CASES = [  # (link, cause, words the message must hold, restored weights trainable)
    ("dataset=reg-plane&activation=linear&lr=10", "lr", ["learning rate", "1 is a good"], True),
    ("regularization=l2&reg_rate=10&lr=0.3", "l2", ["L2 rate", "= \u22122", "below 6.667"],
     False),
    ("optimizer=sgd&optimizer.momentum=1.5", "momentum", ["momentum", "below 1"], False),
]


def _diverge(query: str, edit: Edit | None = None):
    session = Session(Config.from_query(query))
    if edit is not None:
        session.net.weights[edit.layer][edit.index] = edit.value
    with pytest.raises(DivergenceError) as info:
        session.run(400)
    return session, info.value


@pytest.mark.parametrize("query, cause, words, ok", CASES)
def test_the_likely_cause_comes_from_the_settings(query, cause, words, ok):
    session, error = _diverge(query)
    d = explain_divergence(session, error)
    assert d.cause == cause and d.restored_ok is ok
    for w in words:
        assert w in d.message, (w, d.message)
    assert d.message.count("diverged") == 1
    if cause != "lr":
        assert "learning rate:" not in d.message  # not always "lower the learning rate"
    if not ok:
        assert d.largest_param > 1e6 and "press Reset" in d.message


def test_a_large_weight_set_by_hand_is_named():
    edit = Edit(0, "weight", (0, 0), 1000.0, 0)
    session, error = _diverge("dataset=reg-plane&activation=linear&lr=0.03", edit)
    d = explain_divergence(session, error, edit)
    assert d.cause == "edit" and "(layer 1, [1, 1] = 1000)" in d.message
    assert explain_divergence(session, error, None).cause == "lr"  # without the edit: lr


def test_numbers_are_compact():
    assert number(1.580355623622885e+31) == "1.58e+31"
    assert number(-0.03) == "\u22120.03" and number(1000.0) == "1000"
    assert number(float("inf")) == "\u221e" and number(float("nan")) == "NaN"


@pytest.mark.parametrize("query, cause, words, ok", CASES)
def test_the_page_hears_the_cause_once(ws, query, cause, words, ok):
    open_session(ws, query + "&epochs=0")
    send(ws, type="speed", epochs_per_frame="max")
    send(ws, type="play")
    diverged = until(ws, "diverged", limit=2000)
    assert diverged["cause"] == cause and diverged["restored_ok"] is ok
    assert diverged["message"].count("diverged") == 1 and words[0] in diverged["message"]


def test_an_edit_before_a_divergence_is_the_cause_over_the_socket(ws):
    open_session(ws, "dataset=reg-plane&activation=linear&lr=0.03&epochs=0")
    send(ws, type="edit", layer=0, kind="weight", index=[0, 0], value=1000)
    until(ws, "frame")
    send(ws, type="step", count=5)
    diverged = until(ws, "diverged", limit=100)
    assert diverged["cause"] == "edit" and "your value included" in diverged["message"]
    send(ws, type="reset")  # a reset forgets the edit
    until(ws, "state")
    send(ws, type="config", query="dataset=reg-plane&activation=linear&lr=10&epochs=0")
    until(ws, "state")
    send(ws, type="step", count=5)
    assert until(ws, "diverged", limit=100)["cause"] == "lr"
