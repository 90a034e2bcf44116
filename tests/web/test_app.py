"""The app over HTTP: the page, its static files, nothing else, and nothing from elsewhere."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from depthlens.web import create_app
from depthlens.web.app import STATIC


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def test_root_serves_the_page(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/page.js">' in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("name", ["main.js", "frames.js", "network.js", "heatmap.js",
                                  "chart.js", "controls.js", "colors.js"])
def test_modules_are_served_as_javascript(client, name):
    r = client.get(f"/static/js/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] in ("text/javascript",
                                                       "application/javascript")


def test_stylesheet_is_served_as_css(client):
    r = client.get("/static/css/playground.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("path", [
    "/static/../app.py",
    "/static/%2e%2e/app.py",
    "/static/%2e%2e/%2e%2e/cli.py",
    "/static/..%2fapp.py",
    "/static/js/%2e%2e/%2e%2e/live.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/app.py",
    "/../pyproject.toml",
])
def test_nothing_outside_the_static_folder_is_served(client, path):
    r = client.get(path)
    assert r.status_code in (400, 404), (path, r.status_code)
    assert "import" not in r.text and "root:" not in r.text


def _local_files():
    return [p for p in STATIC.rglob("*") if p.suffix in (".html", ".js", ".css", ".svg")]


def test_page_references_only_local_paths():
    """Works offline: no CDN, no font service, no external URL anywhere in the page's files."""
    svg_namespace = "http://www.w3.org/2000/svg"
    assert len(_local_files()) >= 8
    for path in _local_files():
        text = path.read_text(encoding="utf-8").replace(svg_namespace, "")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path
        assert "@import" not in text, path
        for ref in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", text):
            assert ref.startswith("/static/"), (path, ref)
        for ref in re.findall(r"""from\s+["']([^"']+)["']""", text):
            assert ref.startswith("./"), (path, ref)


def test_socket_from_another_origin_is_refused(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as e, client.websocket_connect(
            "/ws", headers={"origin": "http://evil.example"}) as ws:
        ws.receive_text()
    assert e.value.code == 1008


def test_a_send_to_a_page_that_has_gone_ends_its_session_quietly(caplog):
    import asyncio

    from depthlens.web.app import GONE
    from depthlens.web.live import LiveSession
    from depthlens.web.services import Services

    closed = GONE[-1]  # what the newest starlette raises on a send after the close

    async def gone(_: object) -> None:
        raise closed("the page closed")

    services = Services()
    live = LiveSession(gone, gone, services, disconnect_errors=GONE)
    try:
        with caplog.at_level("DEBUG"), pytest.raises(closed):
            asyncio.run(live.handle('{"type": "config", "query": ""}'))
    finally:
        services.close()
    assert "message failed" not in caplog.text  # not reported as a bug
