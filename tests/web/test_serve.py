"""``depthlens serve``: loopback by default, a warning for any other address, a working server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from depthlens import cli
from depthlens.web import server


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False),
])
def test_is_loopback(host, loopback):
    assert server.is_loopback(host) is loopback


def test_url_of_names_an_address_a_browser_can_open():
    assert server.url_of("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert server.url_of("0.0.0.0", 9000) == "http://127.0.0.1:9000/"
    assert server.url_of("::1", 80) == "http://[::1]:80/"


def test_serve_binds_loopback_by_default_and_warns_for_other_hosts(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(server, "serve", lambda *a, **k: calls.append((a, k)))
    assert cli.main(["serve"]) == 0
    assert calls[-1] == (("127.0.0.1", 8000), {"open_browser": False, "allow_hosts": []})
    out, err = capsys.readouterr()
    assert "http://127.0.0.1:8000/" in out and "warning" not in err
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8123", "--open"]) == 0
    assert calls[-1] == (("0.0.0.0", 8123), {"open_browser": True, "allow_hosts": []})
    out, err = capsys.readouterr()
    assert "warning" in err and "0.0.0.0" in err and "other machines" in err


def test_bad_port_is_a_clear_error(capsys):
    assert cli.main(["serve", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


def test_the_command_serves_the_page():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "depthlens.cli", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    page = r.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert "depthlens playground" in page
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out
    assert "Traceback" not in err


def test_frames_are_compressed_off_loopback_only():
    """On this machine bandwidth is free and deflating costs the cores that train and draw; on
    a network the frames shrink several times for a class sharing the Wi-Fi."""
    assert not server.server_config("127.0.0.1", 8000).ws_per_message_deflate
    assert not server.server_config("localhost", 8000).ws_per_message_deflate
    assert server.server_config("0.0.0.0", 8000).ws_per_message_deflate
    config = server.server_config("127.0.0.1", 8123, "info")
    assert (config.host, config.port, config.log_level, config.ws_max_size) == \
        ("127.0.0.1", 8123, "info", 1 << 20)
