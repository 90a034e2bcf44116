"""Helpers for the playground tests: talk to the websocket the way the page does."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from depthlens.web.frames import decode_frame


def receive(ws: Any) -> tuple[str, Any]:
    """The next message: ('text', dict) or ('frame', (header, arrays))."""
    message = ws.receive()
    if message.get("text") is not None:
        return "text", json.loads(message["text"])
    if message.get("bytes") is not None:
        return "frame", decode_frame(message["bytes"])
    raise AssertionError(f"unexpected websocket message {message!r}")


def until(ws: Any, kind: str, limit: int = 50) -> Any:
    """Read messages until one of ``kind``: a text message's ``type`` ('state', 'error', …) or a
    binary frame's ``kind`` ('frame', 'data', 'thumbnails'); return it (dict or (header,
    arrays)). Fails after ``limit`` other messages."""
    seen = []
    for _ in range(limit):
        what, payload = receive(ws)
        name = payload["type"] if what == "text" else payload[0]["kind"]
        if name == kind:
            return payload
        seen.append(name)
    raise AssertionError(f"no {kind!r} message among {seen}")


def until_true(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait until ``check()`` is true; AssertionError after ``seconds`` (a generous bound on
    what should take a fraction of a second, not a timing test)."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"not true within {seconds:g} s")
        time.sleep(0.02)


def send(ws: Any, **message: Any) -> None:
    ws.send_text(json.dumps(message))


def open_session(ws: Any, query: str = "", greet: bool = True) -> tuple[dict, tuple, tuple]:
    """Read the greeting (unless ``greet`` is False: the socket was opened before), send a
    Config query, return (state, data frame, first frame)."""
    if greet:
        until(ws, "thumbnails")
    send(ws, type="config", query=query)
    state = until(ws, "state")
    data = until(ws, "data")
    frame = until(ws, "frame")
    return state, data, frame


def free_port() -> int:
    """A free TCP port on loopback, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(config: Any):
    """A uvicorn server of ``config`` (a ``uvicorn.Config``) running in a thread of this
    process until the block ends; fails the test if it does not start within 20 s."""
    import pytest
    import uvicorn

    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.02)
    try:
        yield srv
    finally:
        srv.should_exit = True
        thread.join(10)
