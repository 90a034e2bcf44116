"""The server under hostile input (#13 items 1–2): bodies capped before they are read, JSON
nesting bounded, every refusal ``{field, message}``, and only our own host names served (HTTP
and websocket handshakes, on a real uvicorn server)."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import socket

import pytest
import websockets
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depthlens.web import create_app
from depthlens.web.app import MAX_SESSIONS
from depthlens.web.guards import (
    MAX_LAB_BODY,
    MAX_OTHER_BODY,
    BodyLimit,
    allowed_hosts,
    check_depth,
    host_name,
    host_refusal,
)
from depthlens.web.protocol import MAX_JSON_DEPTH, MAX_UPLOAD_BYTES, ProtocolError, parse_message
from depthlens.web.server import is_host_name, server_config
from tests.web.support import free_port, serving

JSON_HEADERS = {"content-type": "application/json"}


def shaped(response: object) -> dict:
    """The response's body, checked to be exactly ``{field, message}`` with text in both."""
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"field", "message"}, body
    assert isinstance(body["field"], str) and body["field"]
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in body["message"] and "Error" not in body["message"]
    return body


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


# -- bounded bodies -------------------------------------------------------------------------
def test_a_large_lab_body_is_refused_from_its_content_length(client):
    r = client.post("/api/lab/race", content=b"{" + b" " * (MAX_LAB_BODY + 10) + b"}",
                    headers=JSON_HEADERS)
    assert r.status_code == 413
    body = shaped(r)
    assert body["field"] == "body" and str(MAX_LAB_BODY) in body["message"]


def test_a_large_streamed_body_is_refused_before_it_is_all_read():
    """No Content-Length (chunked): counted as it comes; 413 once the cap is passed, the app
    never called and the client's later chunks never asked for."""
    asked, sent, called = [], [], []

    async def receive() -> dict:
        asked.append(1)
        return {"type": "http.request", "body": b" " * 65536, "more_body": len(asked) < 64}

    async def send(message: dict) -> None:
        sent.append(message)

    async def app(scope, receive, send) -> None:
        called.append(1)

    scope = {"type": "http", "path": "/api/lab/race", "headers": [], "method": "POST"}
    asyncio.run(BodyLimit(app)(scope, receive, send))
    assert called == [] and len(asked) == MAX_LAB_BODY // 65536 + 1  # 5 of 64 chunks read
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["field"] == "body"


def test_the_upload_keeps_its_1_mb_and_other_routes_take_little(client):
    r = client.post("/api/session/" + "a" * 24 + "/upload", content=b"x" * (MAX_UPLOAD_BYTES + 1))
    assert r.status_code == 413 and shaped(r)["field"] == "file"
    r = client.post("/api/session/" + "a" * 24 + "/upload", content=b"x" * (MAX_LAB_BODY * 2))
    assert r.status_code == 404 and shaped(r)["field"] == "session"  # within its cap: read
    r = client.post("/", content=b"x" * (MAX_OTHER_BODY + 1))
    assert r.status_code == 413 and shaped(r)["field"] == "body"


def test_a_body_within_its_cap_still_works(client):
    r = client.post("/api/lab/race", json={"surface": "saddle", "steps": 5,
                                           "optimizers": ["sgd"]})
    assert r.status_code == 200 and r.json()["surface"] == "saddle"


def test_framework_texts_are_replaced_by_field_and_message(client):
    assert shaped(client.get("/nothing/here"))["field"] == "path"
    assert shaped(client.post("/"))["field"] == "path"  # 405
    assert client.post("/").status_code == 405
    assert shaped(client.get("/api/session/" + "b" * 24 + "/model.zip"))["field"] == "session"


# -- JSON nesting ---------------------------------------------------------------------------
def test_deep_json_to_the_lab_is_a_field_message_error(client, caplog):
    with caplog.at_level(logging.DEBUG):
        r = client.post("/api/lab/race", content="[" * 5000 + "]" * 5000, headers=JSON_HEADERS)
    assert r.status_code == 422
    body = shaped(r)
    assert body["field"] == "body" and "5000 deep" in body["message"]
    assert "Traceback" not in caplog.text


def test_deep_json_on_the_socket_is_a_field_message_error():
    with pytest.raises(ProtocolError) as e:
        parse_message('{"type": "play", "x": ' + "[" * 5000 + "]" * 5000 + "}")
    assert e.value.field == "message" and "5001 deep" in e.value.message
    parse_message('{"type": "play"}')  # shallow: fine


@pytest.mark.parametrize("kind", [["play"], {"a": 1}, 3, None, True])
def test_a_type_that_is_not_a_string_names_the_type_field(kind):
    with pytest.raises(ProtocolError) as e:
        parse_message(json.dumps({"type": kind}))
    assert e.value.field == "type"
    assert repr(kind) in e.value.message and "config" in e.value.message


def test_the_socket_answers_bad_types_and_deep_json_with_errors(client, caplog):
    with caplog.at_level(logging.DEBUG), client.websocket_connect("/ws") as ws:
        for text in ('{"type": ["play"]}', "[" * 5000 + "]" * 5000, '{"type": {"x": 1}}'):
            ws.send_text(text)
            while True:
                raw = ws.receive()
                m = json.loads(raw["text"]) if raw.get("text") else {"type": "frame"}
                if m["type"] == "error":
                    break
            assert m["field"] in ("type", "message"), m
    assert "Traceback" not in caplog.text and "message failed" not in caplog.text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
    | st.text(alphabet='[]{}"\\ab,:', max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(alphabet='[]{}"\\ab', max_size=4), inner, max_size=3),
    max_leaves=30)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@given(json_values, st.integers(0, 40))
def test_depth_check_agrees_with_the_parsed_depth(value, wrap):
    """Brackets inside strings (escaped quotes too) are not counted; the depth is exact."""
    text = "[" * wrap + json.dumps(value) + "]" * wrap
    depth = _depth(value) + wrap
    if depth > MAX_JSON_DEPTH:
        with pytest.raises(ValueError, match=f"nested {depth} deep"):
            check_depth(text)
    else:
        check_depth(text)


lab_bodies = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries({}, optional={
        "surface": st.sampled_from(["saddle", "beale", "x"]) | json_values,
        "steps": st.integers(-5, 30) | json_values,
        "optimizers": st.lists(st.sampled_from(["sgd", "adam", "nope"]), max_size=3)
        | json_values,
        "start": st.tuples(st.floats(-5, 5), st.floats(-5, 5)) | json_values,
        "lr": st.dictionaries(st.sampled_from(["sgd", "adam", "zz"]), st.floats(-1, 200))
        | json_values,
        "noise": st.floats(-1, 200) | json_values,
        "extra": json_values,
    }).map(json.dumps),
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lab_bodies, st.sampled_from(["/api/lab/race", "/api/lab/network"]))
def test_random_lab_bodies_get_200_or_a_field_message_4xx(body, path):
    with TestClient(create_app(limit_blas_threads=False), raise_server_exceptions=True) as c:
        if path == "/api/lab/network":
            body = body.replace('"budget"', '"b"')  # keep the network races small
            data = None
            try:
                data = json.loads(body)
            except ValueError:
                pass
            if isinstance(data, dict):
                data["budget"] = 50
                body = json.dumps(data)
        r = c.post(path, content=body.encode("utf-8", "surrogatepass"), headers=JSON_HEADERS)
    if r.status_code == 200:
        return
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    shaped(r)


# -- host names -----------------------------------------------------------------------------
@pytest.mark.parametrize(("header", "name"), [
    ("localhost:8000", "localhost"), ("LocalHost.", "localhost"), ("[::1]:8000", "::1"),
    ("[::1]", "::1"), ("127.0.0.1", "127.0.0.1"), ("Evil.Example:80", "evil.example"),
    ("::1", "::1"),
])
def test_host_name_of_a_header(header, name):
    assert host_name(header) == name


def _scope(host: str | None, server: tuple[str, int] = ("127.0.0.1", 8000)) -> dict:
    headers = [] if host is None else [(b"host", host.encode())]
    return {"type": "http", "headers": headers, "server": server}


def test_which_hosts_are_served():
    loop = allowed_hosts("127.0.0.1")
    for ok in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.2"):
        assert host_refusal(_scope(ok), loop) is None, ok
    for bad in ("evil.example:8000", "127.0.0.1.evil.example", "localhost.evil", "0.0.0.0"):
        assert "not served" in host_refusal(_scope(bad), loop), bad
    assert "no Host" in host_refusal(_scope(None), loop)
    named = allowed_hosts("0.0.0.0", ["Teacher-PC", "192.168.1.20"])
    assert host_refusal(_scope("teacher-pc:8000"), named) is None
    assert host_refusal(_scope("192.168.1.20:8000"), named) is None
    assert host_refusal(_scope(socket.gethostname() + ":8000"), named) is None
    # the address a request arrived on, typed as it is, is served; a name is not
    assert host_refusal(_scope("10.1.2.3:8000", ("10.1.2.3", 8000)), loop) is None
    assert host_refusal(_scope("evil.example", ("10.1.2.3", 8000)), loop) is not None
    assert "evil.example" not in allowed_hosts("0.0.0.0")
    assert "192.168.1.20" in allowed_hosts("192.168.1.20")


def test_allow_host_names_are_checked():
    for ok in ("teacher-pc", "lab.school.example", "192.168.1.20", "::1", "[fe80::1]"):
        assert is_host_name(ok), ok
    for bad in ("http://x", "x:8000", "a b", "-x", "", "a..b", "x/y"):
        assert not is_host_name(bad), bad


def test_the_cli_refuses_a_bad_allow_host(capsys):
    from depthlens import cli

    assert cli.main(["serve", "--allow-host", "http://teacher:8000"]) == 2
    err = capsys.readouterr().err
    assert "--allow-host" in err and "http://teacher:8000" in err


@pytest.fixture(scope="module")
def real_server():
    """`depthlens serve`'s own Config (server_config) on a free loopback port, in a thread;
    it also serves the name ``teacher-pc`` (an --allow-host)."""
    port = free_port()
    with serving(server_config("127.0.0.1", port, allow_hosts=["teacher-pc"])) as srv:
        yield port, srv.config.loaded_app


class _Answer:
    """A real server's answer: status, headers, body."""

    def __init__(self, r: http.client.HTTPResponse):
        self.status_code = r.status
        self.headers = {k.lower(): v for k, v in r.getheaders()}
        self.body = r.read()

    def json(self) -> dict:
        return json.loads(self.body)


def _request(port: int, method: str, path: str, headers: dict[str, str],
             body: bytes | None = None) -> _Answer:
    """One request to the real server on 127.0.0.1 with exactly these headers (Host too)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        return _Answer(conn.getresponse())
    finally:
        conn.close()


def test_a_real_server_refuses_other_host_names_over_http(real_server):
    port, _ = real_server
    assert _request(port, "GET", "/", {"Host": f"127.0.0.1:{port}"}).status_code == 200
    assert _request(port, "GET", "/", {"Host": f"[::1]:{port}"}).status_code == 200
    assert _request(port, "GET", "/", {"Host": f"teacher-pc:{port}"}).status_code == 200
    r = _request(port, "GET", "/", {"Host": f"evil.example:{port}"})
    assert r.status_code == 421
    body = shaped(r)
    assert body["field"] == "host" and "evil.example" in body["message"]
    assert "content-security-policy" in r.headers  # refusals carry the headers too
    r = _request(port, "POST", "/api/lab/race", {"Host": "evil.example"},
                 b"x" * (MAX_LAB_BODY + 1))
    assert r.status_code == 421  # refused before its body is looked at
    r = _request(port, "POST", "/api/lab/race", {"Host": "localhost",
                                                  "X-Forwarded-For": "8.8.8.8"},
                 b"x" * (MAX_LAB_BODY + 1))
    assert r.status_code == 413 and shaped(r)["field"] == "body"


def _connect(port: int, host: str, origin: str | None = None) -> websockets.connect:
    """A websocket handshake to the real server on 127.0.0.1 naming ``host`` (Host header)."""
    return websockets.connect(f"ws://{host}/ws", sock=socket.create_connection(
        ("127.0.0.1", port)), open_timeout=10, max_size=None,
        additional_headers={"Origin": origin} if origin else None)


async def _close_of(port: int, host: str = "", origin: str | None = None) -> tuple[int, str]:
    """(code, reason) of the close that ends a websocket to the real server, after reading
    what it sends first."""
    async with _connect(port, host or f"127.0.0.1:{port}", origin) as ws:
        async def drain() -> None:
            try:
                async for _ in ws:
                    pass
            except websockets.ConnectionClosed:
                pass

        await asyncio.wait_for(drain(), 30)  # not closed by then: a session was opened
        return ws.close_code, ws.close_reason


def test_a_real_server_refuses_websockets_of_other_hosts_with_a_reason(real_server):
    port, _ = real_server
    code, reason = asyncio.run(_close_of(port, f"evil.example:{port}"))
    assert code == 1008 and "evil.example" in reason and "not served" in reason
    code, reason = asyncio.run(_close_of(port, f"localhost:{port}", "http://evil.example"))
    assert code == 1008 and "another site" in reason  # the Origin check stays


def test_a_real_server_accepts_its_own_hosts_websockets(real_server):
    port, _ = real_server

    async def hello(host: str) -> str:
        async with _connect(port, host, f"http://{host}") as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 10))["type"]

    assert asyncio.run(hello(f"127.0.0.1:{port}")) == "hello"
    assert asyncio.run(hello(f"teacher-pc:{port}")) == "hello"


def test_the_session_cap_is_refused_with_a_reason_the_page_shows(real_server):
    port, app = real_server
    sessions = app.state.sessions if hasattr(app, "state") else None
    if sessions is None:  # the app under uvicorn's wrappers
        inner = app
        while not hasattr(inner, "state"):
            inner = inner.app
        sessions = inner.state.sessions
    fakes = [object() for _ in range(MAX_SESSIONS)]
    sessions.update(fakes)
    try:
        code, reason = asyncio.run(_close_of(port))
    finally:
        sessions.difference_update(fakes)
    assert code == 1013 and reason == f"too many open tabs ({MAX_SESSIONS}): close one"


def test_the_page_shows_why_the_server_refused_it(server, page):
    """A tab over the session cap: the banner says why and the status says refused (it would
    otherwise retry silently); once a tab is free it connects by itself."""
    url, app = server
    fakes = [object() for _ in range(MAX_SESSIONS)]
    app.state.sessions.update(fakes)
    try:
        page.goto(url)
        page.wait_for_function("() => !document.getElementById('banner').hidden", timeout=15_000)
        assert "too many open tabs (32): close one" in page.inner_text("#banner-text")
        assert page.inner_text("#connection").startswith("refused")
        assert page.is_hidden("#banner-reset")  # no session: nothing to reset
    finally:
        app.state.sessions.difference_update(fakes)
    page.wait_for_function("() => window.depthlens && window.depthlens.drawn > 0",
                           timeout=30_000)
    assert page.inner_text("#connection") == "connected"
    assert page.is_hidden("#banner")
