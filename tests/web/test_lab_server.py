"""The Lab's races on a real uvicorn server (#13 item 3): waiting requests hold no thread, a
tab's newer race supersedes its older one, a race whose client went away is stopped, a network
race stops at its time budget with every contender trained alike, and whose job a request is."""

from __future__ import annotations

import http.client
import json
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
import websockets.sync.client
from starlette.requests import Request

from depthlens.web import lab, lab_queue
from depthlens.web.lab import SESSION_HEADER, client_key
from depthlens.web.lab_queue import Budget
from depthlens.web.server import server_config
from tests.web.support import free_port, serving

CLIENT_HEADER = "x-test-client"


@pytest.fixture(scope="module")
def server():
    """A real server (``depthlens serve``'s Config) on a free port: (port, app)."""
    port = free_port()
    with serving(server_config("127.0.0.1", port)) as srv:
        yield port, srv.config.loaded_app


def post(port: int, path: str, body: dict, headers: dict | None = None,
         timeout: float = 60) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, json.dumps(body),
                     {"content-type": "application/json", **(headers or {})})
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def wait_for(check, what: str, limit: float = 30.0) -> None:
    """Wait until ``check()`` is true; fail naming ``what`` after ``limit`` s."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not after {limit:g} s")
        time.sleep(0.01)


class Endless:
    """A stand-in for ``run_network``: a job that yields until it is closed (it ignores its
    budget), noting every close."""

    def __init__(self) -> None:
        self.made = 0
        self.closed = 0
        self.lock = threading.Lock()

    def __call__(self, req: Any, budget: Budget | None = None):
        with self.lock:
            self.made += 1
        return self._slices()

    def _slices(self):
        try:
            while True:
                time.sleep(0.005)
                yield
        finally:
            with self.lock:
                self.closed += 1


@pytest.fixture
def endless(monkeypatch, server):
    job = Endless()
    monkeypatch.setattr(lab, "run_network", job)
    queue = server[1].state.services.lab
    monkeypatch.setattr(queue, "seconds", 1000.0)  # only a cancel stops these
    yield job
    for client, _ in queue.jobs():
        queue.cancel(client, "the test is over")


def in_threads(n: int, target) -> tuple[list[threading.Thread], list[Any]]:
    answers: list[Any] = [None] * n

    def run(i: int) -> None:
        answers[i] = target(i)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    return threads, answers


def test_forty_waiting_races_leave_the_static_files_served(server, endless, monkeypatch):
    """40 network races from 40 clients (keyed by a test header: loopback gives every script
    one address) wait on the Lab's queue; the server's thread pool has 40 threads, so had each
    waiting request held one, the page's files would wait for a race to end (forever here)."""
    port, app = server
    queue = app.state.services.lab
    monkeypatch.setattr(lab, "client_key", lambda request: "t:" + request.headers[CLIENT_HEADER])
    threads, answers = in_threads(40, lambda i: post(port, "/api/lab/network", {"budget": 500},
                                                     {CLIENT_HEADER: str(i)}))
    wait_for(lambda: len(queue) == 40, "40 races queued")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/static/js/http.js")
    r = conn.getresponse()
    assert r.status == 200 and b"fetchJSON" in r.read()
    conn.close()
    assert len(queue) == 40  # answered while every race was still waiting or running
    assert sorted(queue.jobs()) == sorted((f"t:{i}", "network") for i in range(40))
    assert sum(queue.cancel(f"t:{i}", "the test is over") for i in range(40)) == 40
    for t in threads:
        t.join(30)
    assert all(a == (409, {"field": "request", "message": "stopped: the test is over"})
               for a in answers), answers
    wait_for(lambda: endless.closed >= 1, "the running race closed")


def test_a_newer_race_of_the_same_client_answers_the_older_409(server, endless):
    port, app = server
    queue = app.state.services.lab
    threads, answers = in_threads(1, lambda i: post(port, "/api/lab/network", {"budget": 500}))
    wait_for(lambda: endless.made == 1, "the first race running")
    later, later_answer = in_threads(1, lambda i: post(port, "/api/lab/network",
                                                       {"budget": 600}))
    threads[0].join(30)
    status, body = answers[0]
    assert status == 409 and set(body) == {"field", "message"}
    assert body["field"] == "request" and "superseded" in body["message"]
    assert queue.jobs() == [("ip:127.0.0.1", "network")]
    assert queue.cancel("ip:127.0.0.1", "the test is over") == 1
    later[0].join(30)
    assert later_answer[0][0] == 409
    # the first was closed; the second too if it had begun before its cancel
    wait_for(lambda: endless.closed == endless.made >= 1, "every race begun closed")


def test_a_race_whose_client_went_away_is_stopped(server, endless):
    port, app = server
    queue = app.state.services.lab
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/lab/network", json.dumps({"budget": 500}),
                 {"content-type": "application/json"})
    wait_for(lambda: endless.made == 1, "the race running")
    conn.close()  # the client goes away without reading the answer
    wait_for(lambda: len(queue) == 0, "the race of a gone client stopped")
    wait_for(lambda: endless.closed == 1, "its generator closed")


def test_a_network_race_stops_at_its_budget_with_every_contender_trained_alike(server,
                                                                               monkeypatch):
    port, app = server
    monkeypatch.setattr(app.state.services.lab, "seconds", 0.2)
    # A race stops after the round (an epoch of every contender) in which its budget is spent;
    # on a loaded machine one round can pass half of this test's tiny budget, which the
    # queue's overrun guard (1.5× the budget, tested in test_lab_queue.py) would then close.
    monkeypatch.setattr(lab_queue, "OVERRUN", 100.0)
    status, out = post(port, "/api/lab/network", {"dataset": "xor", "layers": [8, 8],
                                                  "budget": 50_000})
    assert status == 200, out
    assert out["requested_budget"] == 50_000
    assert 1 <= out["epochs"] < out["requested_epochs"] == 50_000 // out["n_train"]
    assert out["stopped"] == (f"stopped after 0.2 s of work, the Lab's limit on a shared "
                              f"server: every racer trained {out['epochs']} of the "
                              f"{out['requested_epochs']} epochs asked")
    assert out["budget"] == out["epochs"] * out["n_train"]
    for curve in out["curves"].values():
        assert curve["diverged"] is None
        assert len(curve["train_loss"]) == out["epochs"] + 1
        assert curve["evaluations"][-1] == out["budget"]
    assert {row["evaluations"] for row in out["table"]} == {out["budget"]}
    assert out["seconds"] >= 0.2  # the work the race did, which reached its budget


def test_a_bug_in_a_race_answers_500_in_the_project_shape_and_the_queue_goes_on(server,
                                                                              monkeypatch):
    def broken(req):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(lab, "run_race", broken)
    status, body = post(server[0], "/api/lab/race", {"surface": "ravine"})
    assert status == 500 and body["field"] == "server" and "bug" in body["message"]
    assert "ZeroDivisionError" not in body["message"]
    monkeypatch.undo()
    status, body = post(server[0], "/api/lab/race", {"surface": "ravine", "steps": 5})
    assert status == 200 and body["steps"] == 5


def test_a_whole_network_race_says_it_was_not_stopped(server):
    status, out = post(server[0], "/api/lab/network", {"budget": 500,
                                                       "contenders": ["adam"]})
    assert status == 200, out
    assert out["stopped"] is None and out["epochs"] == out["requested_epochs"] == 2


def test_a_tab_is_keyed_by_its_live_session_and_a_stranger_by_its_address(server, endless):
    port, app = server
    queue = app.state.services.lab
    with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/ws") as ws:
        hello = json.loads(ws.recv(timeout=30))
        assert hello["type"] == "hello"
        session = hello["session"]
        threads, _ = in_threads(1, lambda i: post(port, "/api/lab/network", {"budget": 500},
                                                  {"X-Depthlens-Session": session}))
        wait_for(lambda: len(queue) == 1, "the tab's race queued")
        assert queue.jobs() == [("s:" + session, "network")]
        stranger, _ = in_threads(1, lambda i: post(port, "/api/lab/network", {"budget": 500},
                                                   {"X-Depthlens-Session": "x" * 24}))
        wait_for(lambda: len(queue) == 2, "the stranger's race queued")
        assert sorted(queue.jobs()) == [("ip:127.0.0.1", "network"),
                                        ("s:" + session, "network")]
        queue.cancel("s:" + session, "the test is over")
        queue.cancel("ip:127.0.0.1", "the test is over")
        for t in threads + stranger:
            t.join(30)


def test_a_tabs_races_stop_when_the_tab_closes(server, endless):
    port, app = server
    queue = app.state.services.lab
    with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/ws") as ws:
        session = json.loads(ws.recv(timeout=30))["session"]
        threads, answers = in_threads(1, lambda i: post(
            port, "/api/lab/network", {"budget": 500}, {SESSION_HEADER: session}))
        wait_for(lambda: endless.made == 1, "the tab's race running")
    # the tab closed: its race is stopped and its request answered
    threads[0].join(30)
    assert answers[0] == (409, {"field": "request", "message": "stopped: the tab closed"})
    wait_for(lambda: len(queue) == 0 and endless.closed == 1, "the race closed")


def _request(headers: dict[str, str], sessions: list, client=("10.1.2.3", 5000)) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(sessions=sessions))
    return Request({"type": "http", "method": "POST", "path": "/api/lab/network",
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
                    "client": client, "app": app})


def test_the_client_key_needs_a_live_session_to_name_a_tab():
    live = SimpleNamespace(id="a" * 24)
    assert client_key(_request({SESSION_HEADER: "a" * 24}, [live])) == "s:" + "a" * 24
    for claimed in ("b" * 24, "a" * 23, "a" * 24 + "/", "", "a" * 200):
        assert client_key(_request({SESSION_HEADER: claimed}, [live])) == "ip:10.1.2.3"
    assert client_key(_request({}, [live])) == "ip:10.1.2.3"
    assert client_key(_request({}, [], client=None)) == "ip:unknown"


def test_importing_the_lab_starts_no_thread_and_a_new_app_has_none(server):
    """The queue's thread starts with its first race (the module fixture's server has run
    some by now; a fresh app has not)."""
    from fastapi.testclient import TestClient

    from depthlens.web import create_app

    with TestClient(create_app()) as c:
        queue = c.app.state.services.lab
        assert queue.thread is None
        assert c.get("/api/lab/network/options").status_code == 200
        assert queue.thread is None  # options are no race
        assert c.post("/api/lab/race", json={"surface": "ravine", "steps": 5}).status_code == 200
        assert queue.thread is not None and queue.thread.is_alive()
        thread = queue.thread
    thread.join(10)
    assert not thread.is_alive()  # the app's shutdown closed the queue

