"""Play pauses at the same epoch with the same numbers at every speed: a link is a run."""

from __future__ import annotations

import pytest

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session

from .support import open_session, receive, send, until

QUERY = "loss=half_mse&output=tanh&epochs=0&seed=3"
TARGET = 0.1
SPEEDS = (1, 7, "max")


def _first_epoch_at_target(query: str, target: float) -> tuple[int, float]:
    """The first epoch whose test loss is at most ``target``, and that loss (offline)."""
    session = Session(Config.from_query(query))
    for _ in range(5000):
        row = session.train_epoch()
        if row["test_loss"] <= target:
            return session.epoch, row["test_loss"]
    raise AssertionError("the target was never reached offline")


def _play_until_stopped(ws, query: str, speed) -> tuple[dict, dict]:
    """Open ``query``, play at ``speed``; return the ``stopped`` message and the last frame's
    header before it."""
    open_session(ws, query)
    send(ws, type="speed", epochs_per_frame=speed)
    send(ws, type="play")
    last = None
    for _ in range(20_000):
        what, payload = receive(ws)
        if what == "frame" and payload[0]["kind"] == "frame":
            last = payload[0]
        elif what == "text" and payload["type"] == "stopped":
            assert last is not None
            return payload, last
    raise AssertionError("play never stopped")


@pytest.mark.parametrize("speed", SPEEDS)
def test_the_target_loss_pauses_at_its_first_epoch_at_every_speed(ws, speed):
    epoch, loss = _first_epoch_at_target(QUERY, TARGET)
    assert epoch > 10  # a real run, not the first frame
    stopped, frame = _play_until_stopped(ws, f"{QUERY}&target_loss={TARGET}", speed)
    assert stopped["reason"] == "target"
    assert stopped["epoch"] == epoch == frame["epoch"]
    assert frame["rows"][-1][4] == loss  # the history's test loss of that epoch
    assert frame["now"]["test_loss"] == loss


@pytest.mark.parametrize("speed", SPEEDS)
def test_the_stop_epoch_pauses_there_with_the_same_numbers_at_every_speed(ws, speed):
    query = QUERY.replace("epochs=0", "epochs=37")
    offline = Session(Config.from_query(query))
    offline.run()
    stopped, frame = _play_until_stopped(ws, query, speed)
    assert stopped["reason"] == "epochs" and stopped["epoch"] == 37 == frame["epoch"]
    assert frame["now"]["test_loss"] == offline.history.test_loss[-1]
    assert frame["now"]["train_loss"] == offline.history.train_loss[-1]


def test_play_at_the_target_already_trains_on_until_paused(ws):
    epoch, _ = _first_epoch_at_target(QUERY, TARGET)
    stopped, _ = _play_until_stopped(ws, f"{QUERY}&target_loss={TARGET}", "max")
    assert stopped["epoch"] == epoch
    send(ws, type="play")  # at the target already: a second play trains past it
    header = until(ws, "frame", limit=100)[0]
    assert header["epoch"] > epoch
    send(ws, type="pause")
