"""Fixtures of the web tests: ``client`` (FastAPI's TestClient on ``create_app()``) and ``ws``
(one websocket session of it) for the protocol; for the browser tests, ``server`` (the
playground on a free loopback port, uvicorn in a thread of this process, so a test can read the
server's own state, ``app.state.sessions``) and ``browser``/``page`` (Debian's headless Chromium
driven by Playwright). Helpers to wait for the page live in ``tests/web/pages.py``."""

from __future__ import annotations

import shutil

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from depthlens.web import create_app
from tests.web.pages import ARGS, CHROMIUM
from tests.web.support import free_port, serving


@pytest.fixture(scope="module")
def server():
    """(base URL, app) of a playground served on a free loopback port."""
    app = create_app()
    port = free_port()
    with serving(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")):
        yield f"http://127.0.0.1:{port}/", app


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
                    "(apt-get install chromium)", pytrace=False)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=ARGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


@pytest.fixture
def page(browser, server):
    """A fresh tab; fails the test if the page logged an error or a request failed."""
    problems: list[str] = []
    tab = browser.new_page()
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
           if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    tab.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
           if r.status >= 400 else None)
    tab.problems = problems
    yield tab
    tab.close()
    assert problems == []


@pytest.fixture(scope="module")
def client():
    """The app under FastAPI's TestClient (no network; one per test module)."""
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def ws(client):
    """A websocket of ``client``: one playground session."""
    with client.websocket_connect("/ws") as socket:
        yield socket
