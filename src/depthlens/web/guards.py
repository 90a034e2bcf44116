"""What the server refuses before the app sees a request: other host names, large bodies, deep
JSON.

- :class:`HostGuard`: a request or websocket handshake whose ``Host`` header names a host this
  server does not serve is refused (HTTP 421 with ``{field: "host", message}``; a websocket is
  accepted and closed at once with code 1008 and the reason, so the page can show it). This is
  what stops DNS rebinding: a page of ``evil.example`` whose name is made to resolve to
  127.0.0.1 is same-origin with itself, so its Origin matches its Host, but that Host is not one
  of ours. The names served (:func:`allowed_hosts`): the loopback names always, the address the
  server is bound to, every ``--allow-host`` name and, bound to every interface (0.0.0.0,
  ``::``), this machine's name and addresses. An IP literal equal to the address the request
  arrived on (the ASGI scope's ``server``) is always served: it is what a student types.
- :class:`BodyLimit`: an HTTP body larger than its route's cap (:func:`body_limit`) is refused
  with 413 and ``{field, message}``: at once when its Content-Length says so, else as soon as
  the bytes received pass the cap; the app is given the body only once it is all in.
- :func:`check_depth`: JSON nested deeper than ``MAX_JSON_DEPTH`` is refused before
  ``json.loads`` recurses on it (5,000 levels are a RecursionError).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from depthlens.nn.serialize import json_depth
from depthlens.web.protocol import MAX_JSON_DEPTH, MAX_UPLOAD_BYTES

MAX_LAB_BODY = 256 * 1024
"""Bytes of a Lab API request (the largest real one, a race with every option, is < 1 KB)."""
MAX_OTHER_BODY = 64 * 1024
"""Bytes of a request to any other route (none of them reads a body)."""
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ANY_ADDRESS = ("0.0.0.0", "::", "")


class BodyError(ValueError):
    """A request body that cannot be used: ``field`` at fault and a ``message``."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def check_depth(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """BodyError (field ``body``) if ``text``'s arrays and objects nest deeper than ``limit``.
    Linear time, no recursion (:func:`~depthlens.nn.serialize.json_depth`)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    depth = json_depth(text)
    if depth > limit:
        raise BodyError("body", f"JSON nested {depth} deep is more than the {limit} levels "
                        "allowed")


def body_limit(path: str) -> tuple[int, str]:
    """(the largest body in bytes, the field named when it is passed) of a request to
    ``path``: the CSV upload 1 MB (``file``), the Lab API ``MAX_LAB_BODY``, anything else
    ``MAX_OTHER_BODY`` (``body``)."""
    if path.startswith("/api/session/") and path.endswith("/upload"):
        return MAX_UPLOAD_BYTES, "file"
    if path.startswith("/api/lab/"):
        return MAX_LAB_BODY, "body"
    return MAX_OTHER_BODY, "body"


def host_name(header: str) -> str:
    """The host part of a ``Host`` header, lower-cased, without port, brackets or final dot:
    ``"[::1]:8000"`` → ``"::1"``, ``"LocalHost.:80"`` → ``"localhost"``."""
    header = header.strip().lower()
    if header.startswith("["):
        name = header[1:].partition("]")[0]
    elif header.count(":") == 1:
        name = header.partition(":")[0]
    else:
        name = header  # a name, or a bare IPv6 address (no port can be told apart)
    return name.rstrip(".")


def _is_loopback_ip(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def machine_names() -> set[str]:
    """This machine's name (and ``NAME.local``) and its addresses as resolved from it."""
    name = socket.gethostname().lower()
    names = {name, f"{name}.local"} if name else set()
    try:
        names |= {str(info[4][0]).split("%")[0].lower()
                  for info in socket.getaddrinfo(name, None)}
    except OSError:
        pass
    return names


def allowed_hosts(bind: str = "127.0.0.1", extra: Iterable[str] = ()) -> frozenset[str]:
    """The host names a server bound to ``bind`` serves: the loopback names, ``bind`` itself
    unless it is every interface (then this machine's names and addresses instead), and the
    ``extra`` names (``--allow-host``), each as :func:`host_name` spells it."""
    names = set(LOOPBACK_NAMES)
    bind_name = host_name(bind) if bind not in ANY_ADDRESS else ""
    if bind_name and bind_name not in ANY_ADDRESS:
        names.add(bind_name)
    else:
        names |= machine_names()
    names |= {host_name(h) for h in extra if host_name(h)}
    return frozenset(names)


def host_refusal(scope: Scope, allowed: frozenset[str]) -> str | None:
    """Why a request of ``scope`` names a host not served (None if it is served)."""
    header = next((v.decode("latin-1") for k, v in scope.get("headers", ())
                   if k == b"host"), None)
    if header is None:
        return "the request has no Host header"
    name = host_name(header)
    if name in allowed or _is_loopback_ip(name):
        return None
    server = scope.get("server")
    if server and name == str(server[0]).lower():  # the address it arrived on, typed as is
        return None
    shown = name.encode("ascii", "replace").decode()  # a close reason is ≤ 123 bytes
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"the host name {shown!r} is not served here (the server's --allow-host names it)"


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


class HostGuard:
    """Refuses every request and websocket handshake for a host name not in ``allowed``
    (module docstring)."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]):
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason = host_refusal(scope, self.allowed)
        if reason is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await _json(send, 421, {"field": "host", "message": reason})
        else:
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": 1008, "reason": reason})


class BodyLimit:
    """Refuses an HTTP body larger than its route's :func:`body_limit` with 413 before the
    app reads any of it; the app gets the body whole (one ``http.request`` message)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, field = body_limit(scope.get("path", ""))
        declared = next((v for k, v in scope.get("headers", ()) if k == b"content-length"),
                        None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, field, f"{int(declared)} bytes", limit)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await _too_large(send, field, f"more than {limit} bytes", limit)
                return
            if not message.get("more_body", False):
                break
        whole: list[Message] = [{"type": "http.request", "body": bytes(body),
                                 "more_body": False}]

        async def replay() -> Message:
            return whole.pop() if whole else await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, field: str, size: str, limit: int) -> None:
    what = "the upload" if field == "file" else "a request to this address"
    await _json(send, 413, {"field": field, "message": f"{size} is more than the limit of "
                            f"{limit} bytes for {what}"})
