"""Run the playground with uvicorn: ``depthlens serve``."""

from __future__ import annotations

import ipaddress
import socket
import threading
import webbrowser

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    """True if ``host`` names this machine only (127.0.0.0/8, ::1, 'localhost')."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def url_of(host: str, port: int) -> str:
    """The address a browser on this machine opens for the server bound to ``host``."""
    if host in ("0.0.0.0", "::", ""):
        host = DEFAULT_HOST
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = False,
          log_level: str = "warning") -> None:
    """Serve the playground until Ctrl-C; with ``open_browser`` open it in the default browser
    once the server is up."""
    import uvicorn

    from depthlens.web.app import create_app

    config = uvicorn.Config(create_app(), host=host, port=port, log_level=log_level,
                            ws_max_size=1 << 20)
    server = uvicorn.Server(config)
    if open_browser:
        def opener() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                webbrowser.open(url_of(host, port))

        threading.Thread(target=opener, daemon=True).start()
    server.run()
