"""A long step goes in slices (``live.step_slice``, STEP_SLICE seconds each), so two tabs
asking for the heaviest steps the limits allow do not hold the interactive pool's two threads
from a third tab (issue #13 item 3): the same updates as in one call, and the third tab's step
is answered while theirs are still under way."""

from __future__ import annotations

import asyncio
import contextlib
import json

import numpy as np
import uvicorn
import websockets
from fastapi.testclient import TestClient

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web import create_app, live
from depthlens.web.frames import decode_frame
from depthlens.web.protocol import MAX_STEP_COUNT

from .support import free_port, open_session, send, serving, until, until_true

ORIGIN = {"origin": "http://testserver"}
HEAVY = "layers=16,16,16,16,16,16,16,16,16,16&n_samples=2000&batch_size=1&epochs=0"


def test_a_step_in_slices_is_the_same_as_in_one_call():
    one = Session(Config(epochs=0, seed=3, batch_size=10))
    sliced = Session(Config(epochs=0, seed=3, batch_size=10))
    for _ in range(3):
        one.train_epoch()
    done, slices = 0, 0
    while done < 3:
        steps = sliced.trainer.steps_done
        n, diverged = live.step_slice(sliced, "epoch", 3 - done, budget=0.0)
        assert diverged is None and n in (0, 1)  # a budget of 0: one mini-batch a slice
        assert sliced.trainer.steps_done == steps + 1
        done, slices = done + n, slices + 1
    assert slices == 3 * 25  # 250 training points in batches of 10
    assert sliced.epoch == one.epoch == 3
    np.testing.assert_array_equal(sliced.net.params, one.net.params)
    n, _ = live.step_slice(sliced, "batch", 3, budget=10.0)  # a long budget: all at once
    assert n == 3
    n, _ = live.step_slice(sliced, "epoch", 2, budget=10.0)
    assert n == 2 and sliced.epoch == 5  # the epoch under way counts as the first


@contextlib.contextmanager
def heavy_tab():
    """A socket on the heaviest network the limits allow, its LiveSession and the app."""
    app = create_app()
    with TestClient(app) as client, client.websocket_connect("/ws", headers=ORIGIN) as sock:
        open_session(sock, HEAVY)
        [tab] = [s for s in app.state.sessions if s.session.config.layers == (16,) * 10]
        yield sock, tab, app


def test_a_step_stops_after_its_time_and_says_how_much_it_trained(monkeypatch):
    monkeypatch.setattr(live, "STEP_SECONDS", 0.3)
    with heavy_tab() as (sock, tab, _):
        send(sock, type="step", count=MAX_STEP_COUNT)
        header, _ = until(sock, "frame")
        stepped = header["stepped"]
        assert stepped["cut"] == "time" and stepped["count"] == MAX_STEP_COUNT
        assert 0 <= stepped["done"] < MAX_STEP_COUNT
        assert header["epoch"] == stepped["done"] == tab.session.epoch  # what the page shows
        send(sock, type="step")
        header, _ = until(sock, "frame")
        assert header["stepped"]["cut"] is None and header["stepped"]["done"] == 1


def test_a_pause_supersedes_a_step_under_way():
    with heavy_tab() as (sock, _, _):
        send(sock, type="step", count=MAX_STEP_COUNT)
        send(sock, type="pause")
        header, _ = until(sock, "frame")
        assert header["stepped"]["cut"] == "superseded"
        assert header["stepped"]["done"] < MAX_STEP_COUNT
        assert until(sock, "status")["playing"] is False  # then the pause is answered


def test_a_step_stops_when_its_tab_closes_on_a_real_server(monkeypatch):
    """On uvicorn (a closed socket does not cancel the task answering it, as the test client
    does) the socket's reader sees the close and the step stops after its slice, long before
    its time is up."""
    monkeypatch.setattr(live, "STEP_SECONDS", 600.0)
    app = create_app()
    port = free_port()
    origin = f"http://127.0.0.1:{port}"

    async def tab_closing_mid_step() -> live.LiveSession:
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws", origin=origin,
                                      max_size=None) as ws:
            while not isinstance(await ws.recv(), bytes):  # hello, then the thumbnails
                pass
            await ws.send(json.dumps({"type": "config", "query": HEAVY}))
            while not (isinstance(m := await ws.recv(), bytes)
                       and decode_frame(m)[0]["kind"] == "frame"):
                pass
            [tab] = app.state.sessions
            await ws.send(json.dumps({"type": "step", "count": MAX_STEP_COUNT}))
            while tab.session.trainer.steps_done == 0:  # the step is under way
                await asyncio.sleep(0.01)
        return tab  # the tab closed

    with serving(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")):
        tab = asyncio.run(tab_closing_mid_step())
        until_true(lambda: tab not in app.state.sessions)  # its step ended: the place is free
        assert tab.closing and tab.session is None
        assert app.state.sessions == set()


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
