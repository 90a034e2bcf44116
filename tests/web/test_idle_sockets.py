"""A socket that never sends a message is closed after ``app.state.first_message_timeout``
seconds, so idle sockets cannot keep the session slots from new tabs (issue #13 item 3); a
page that speaks at once is never timed out."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from depthlens.web import create_app
from depthlens.web.app import FIRST_MESSAGE_TIMEOUT

from .support import open_session, receive, send, until

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def quick_app():
    app = create_app()
    with TestClient(app) as client:
        app.state.first_message_timeout = 0.5
        yield client


def test_a_silent_socket_is_closed_and_frees_its_place(quick_app):
    app = quick_app.app
    assert FIRST_MESSAGE_TIMEOUT > 1  # a real page sends its Config at once; 20 s is lenient
    with quick_app.websocket_connect("/ws", headers=ORIGIN) as ws:
        assert receive(ws)[1]["type"] == "hello"
        assert len(app.state.sessions) == 1
        closed = None
        for _ in range(20):  # the thumbnails, then the close
            try:
                message = ws.receive()
            except WebSocketDisconnect as e:
                closed = (e.code, e.reason)
                break
            if message["type"] == "websocket.close":
                closed = (message["code"], message.get("reason", ""))
                break
        assert closed is not None and closed[0] == 1001 and "no message in 0.5 s" in closed[1]
    deadline = time.monotonic() + 5
    while app.state.sessions and time.monotonic() < deadline:
        time.sleep(0.01)
    assert app.state.sessions == set()


def test_a_socket_that_speaks_at_once_is_never_timed_out(quick_app):
    with quick_app.websocket_connect("/ws", headers=ORIGIN) as ws:
        open_session(ws, "")  # the greeting, the Config, its data and first frame
        time.sleep(1.0)  # twice the timeout
        send(ws, type="step")
        header, _ = until(ws, "frame")
        assert header["epoch"] == 1
