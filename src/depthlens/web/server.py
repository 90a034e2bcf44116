"""Run the playground with uvicorn: ``depthlens serve``."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import webbrowser
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn

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


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def is_host_name(name: str) -> bool:
    """True if ``name`` can be an ``--allow-host``: an IP address (IPv6 with or without
    brackets) or a DNS name of letters, digits and hyphens between dots."""
    try:
        ipaddress.ip_address(name.strip("[]") if name.startswith("[") else name)
        return True
    except ValueError:
        pass
    labels = name.lower().rstrip(".").split(".")
    return len(name) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def url_of(host: str, port: int) -> str:
    """The address a browser on this machine opens for the server bound to ``host``."""
    if host in ("0.0.0.0", "::", ""):
        host = DEFAULT_HOST
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def compress_frames(host: str) -> bool:
    """Whether websocket messages are compressed (permessage-deflate) for a server bound to
    ``host``: not on loopback, where bandwidth is free and the CPU is not (a 10×16 network's
    87 KB frame takes 3.5 ms to deflate, 60 times a second, on the cores that train and draw;
    with it the page at 1920×1080 drew 3 frames a second fewer); yes on a network, where a
    class of tabs shares the Wi-Fi and the frames shrink 3–5×."""
    return not is_loopback(host)


def server_config(host: str, port: int, log_level: str = "warning",
                  allow_hosts: Iterable[str] = ()) -> uvicorn.Config:
    """The uvicorn Config of ``depthlens serve``: the app serving the host names of
    :func:`~depthlens.web.guards.allowed_hosts` (``host``, the loopback names and
    ``allow_hosts``), messages of at most 1 MB, frames compressed off loopback only
    (``compress_frames``), no proxy headers (nothing stands between the page and this server:
    an ``X-Forwarded-For`` is a page's own words)."""
    import uvicorn

    from depthlens.web.app import create_app
    from depthlens.web.guards import allowed_hosts

    app = create_app(hosts=allowed_hosts(host, allow_hosts))
    return uvicorn.Config(app, host=host, port=port, log_level=log_level,
                          ws_max_size=1 << 20, ws_per_message_deflate=compress_frames(host),
                          proxy_headers=False, server_header=False)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = False,
          log_level: str = "warning", allow_hosts: Iterable[str] = ()) -> None:
    """Serve the playground until Ctrl-C; with ``open_browser`` open it in the default browser
    once the server is up. Pages opened by another host name than ``host``, the loopback names
    and ``allow_hosts`` are refused (``server_config``)."""
    import uvicorn

    server = uvicorn.Server(server_config(host, port, log_level, allow_hosts))
    if open_browser:
        def opener() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                webbrowser.open(url_of(host, port))

        threading.Thread(target=opener, daemon=True).start()
    server.run()
