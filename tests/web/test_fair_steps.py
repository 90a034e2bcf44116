"""A long step goes in slices (``live.step_slice``, STEP_SLICE seconds each), so two tabs
asking for the heaviest steps the limits allow do not hold the interactive pool's two threads
from a third tab (issue #13 item 3): the same updates as in one call, and the third tab's step
is answered while theirs are still under way."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web import create_app, live
from depthlens.web.protocol import MAX_STEP_COUNT

from .support import open_session, send, until

ORIGIN = {"origin": "http://testserver"}
HEAVY = "layers=16,16,16,16,16,16,16,16,16,16&n_samples=2000&batch_size=1&epochs=0"


def test_a_step_in_slices_is_the_same_as_in_one_call():
    one, sliced = Session(Config(epochs=0, seed=3)), Session(Config(epochs=0, seed=3))
    for _ in range(7):
        one.train_epoch()
    done, slices = 0, 0
    while done < 7:
        n, diverged = live.step_slice(sliced, "epoch", 7 - done, budget=0.0)
        assert diverged is None and n == 1  # a budget of 0: one epoch a slice
        done, slices = done + n, slices + 1
    assert slices == 7 and sliced.epoch == one.epoch == 7
    np.testing.assert_array_equal(sliced.net.params, one.net.params)
    n, _ = live.step_slice(sliced, "batch", 3, budget=10.0)  # a long budget: all at once
    assert n == 3


def test_two_heavy_steps_do_not_hold_up_a_third_tabs_step():
    app = create_app()
    with TestClient(app) as client, \
            client.websocket_connect("/ws", headers=ORIGIN) as a, \
            client.websocket_connect("/ws", headers=ORIGIN) as b, \
            client.websocket_connect("/ws", headers=ORIGIN) as c:
        for ws in (a, b):
            open_session(ws, HEAVY)
        open_session(c, "")
        heavy = [s for s in app.state.sessions if s.session.config.layers == (16,) * 10]
        assert len(heavy) == 2
        for ws in (a, b):  # each as heavy as a page may ask: minutes of work on one thread
            send(ws, type="step", count=MAX_STEP_COUNT)
        send(c, type="step")
        header, _ = until(c, "frame")
        assert header["epoch"] == 1
        # answered while the heavy steps are still under way (they had the pool's two threads)
        assert all(s.session.epoch < MAX_STEP_COUNT for s in heavy)
        for s in heavy:
            s.close()  # the tab goes: its step stops after the slice under way
