"""The playground's ASGI app: the static page and one websocket session per tab.

Routes:

- ``GET /``: ``static/index.html``.
- ``GET /static/...``: files of the package's own ``static`` folder only (Starlette's
  ``StaticFiles`` refuses any path that leaves it).
- ``GET /api/session/{id}/model.zip``: the current network of the live session named ``id``
  (sent to its page in ``hello``) as ``model.json`` + ``model.npz`` + ``config.json``; an
  unknown id is a 404, and no other file can be named.
- ``WS /ws``: one :class:`~depthlens.web.live.LiveSession` per connection, ended (its training
  task cancelled, its memory freed) when the socket closes.

Every response carries a Content-Security-Policy that allows nothing but this server, so the
page works offline and cannot load anything from elsewhere; a websocket from a page of another
origin is refused (a web site the user visits cannot drive the local server), and so is every
request for a host name this server does not serve (DNS rebinding: :mod:`depthlens.web.guards`,
which also caps every body). A refused socket is accepted and closed at once with a reason the
page shows (1008 another origin or host, 1013 too many tabs). Every error a client gets is
``{"field": ..., "message": ...}``, unknown routes and methods included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from urllib.parse import urlsplit

import starlette.websockets
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from depthlens.errors import DepthlensError
from depthlens.web import lab
from depthlens.web.guards import BodyLimit, HostGuard, allowed_hosts
from depthlens.web.live import LiveSession
from depthlens.web.protocol import MAX_UPLOAD_BYTES
from depthlens.web.services import Services

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
MAX_SESSIONS = 32
FIRST_MESSAGE_TIMEOUT = 20.0
"""Seconds a new socket has to send its first message (a page sends its Config at once); one
that stays silent is closed, so sockets opened and left idle cannot lock new tabs out. An app's
own value is ``app.state.first_message_timeout``."""
GONE: tuple[type[BaseException], ...] = tuple(
    e for e in (WebSocketDisconnect, OSError,
                # a send after the page closed (newer starlette names it apart)
                getattr(starlette.websockets, "WebSocketDisconnected", None))
    if e is not None)
"""What sending raises once the page has gone: the session ends quietly."""
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-cache"),
    (b"referrer-policy", b"no-referrer"),
]

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/css", ".css")


class _SecurityHeaders:
    """Adds the CSP and friends to every HTTP response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def same_origin(websocket: WebSocket) -> bool:
    """True unless the socket comes from a page of another origin than this server."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser page (a script, a test client)
    host = websocket.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


def find_session(sessions: set[LiveSession], session_id: str) -> LiveSession | None:
    """The live session named ``session_id`` (compared in constant time), or None."""
    if not SESSION_ID.fullmatch(session_id):
        return None
    for live in list(sessions):
        if secrets.compare_digest(live.id, session_id):
            return live
    return None


def create_app(limit_blas_threads: bool = True, hosts: frozenset[str] | None = None) -> FastAPI:
    """The playground app, serving the host names ``hosts`` (default: the loopback names;
    :func:`~depthlens.web.guards.allowed_hosts`). ``app.state.sessions`` holds the live
    sessions (one per tab);
    ``app.state.services`` its interactive pool, panel registry and Lab queue
    (:class:`~depthlens.web.services.Services`), made when the app starts and shut down when it
    stops, so no two apps share them. The app is: the page and its static files, the Lab's
    API, a session's HTTP routes (the model download, the CSV upload) and the websocket."""
    app = FastAPI(title="depthlens playground", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=_lifespan(limit_blas_threads))
    app.state.sessions = set()
    app.state.first_message_timeout = FIRST_MESSAGE_TIMEOUT
    app.add_middleware(BodyLimit)
    app.add_middleware(HostGuard, allowed=allowed_hosts() if hosts is None else hosts)
    app.add_middleware(_SecurityHeaders)  # outermost: refusals carry the headers too
    _add_error_shape(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(lab.router)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    _add_session_routes(app)
    _add_socket(app)
    return app


def _add_error_shape(app: FastAPI) -> None:
    """Unknown routes, wrong methods and bugs answer ``{field, message}`` too, not the
    framework's texts (a bug is logged with its traceback: it is not the client's mistake)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = f"nothing is served at {request.url.path[:80]!r}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed at {request.url.path[:80]!r}"
        else:
            message = "the request was refused"
        return JSONResponse({"field": "path" if exc.status_code in (404, 405) else "request",
                             "message": message}, exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        # starlette raises exc again after this answer: the server logs it with its traceback
        return JSONResponse({"field": "server", "message": "the server could not do this (a "
                             "bug: it is in the server's log)"}, 500)


def _lifespan(limit_blas_threads: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """What the app holds while it runs: its Services, and with ``limit_blas_threads`` BLAS on
    one thread (the server's matrices are tiny, and OpenBLAS's thread pool on a busy two-core
    machine made a 10000×8 by 8×8 product of the heatmap grid 100× slower: 12 ms, not 0.1)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limits = None
        if limit_blas_threads:
            from threadpoolctl import threadpool_limits

            limits = threadpool_limits(limits=1, user_api="blas")
        app.state.services = Services()
        try:
            yield
        finally:
            app.state.services.close()
            if limits is not None:
                limits.restore_original_limits()

    return lifespan


def _add_session_routes(app: FastAPI) -> None:
    """A session's HTTP routes, found by its token: the model as a zip, a CSV upload."""

    @app.get("/api/session/{session_id}/model.zip", include_in_schema=False)
    async def model_zip(session_id: str) -> Response:
        live = find_session(app.state.sessions, session_id)
        data = await live.model_zip() if live is not None else None
        if data is None:
            return JSONResponse({"field": "session", "message": "no such session"}, 404)
        return Response(data, media_type="application/zip", headers={
            "content-disposition": 'attachment; filename="depthlens-model.zip"'})

    @app.post("/api/session/{session_id}/upload", include_in_schema=False)
    async def upload(session_id: str, request: Request) -> JSONResponse:
        """A CSV file as the request body (``?name=`` its file name): the session's new data."""
        live = find_session(app.state.sessions, session_id)
        if live is None:
            return JSONResponse({"field": "session", "message": "no such session"}, 404)
        name = request.query_params.get("name", "upload.csv")[:200]
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
            return _too_large(int(declared))
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD_BYTES:
                return _too_large(len(body))
        try:
            summary = await live.upload(name, bytes(body))
        except DepthlensError as e:
            field = getattr(e, "field", None) or "file"
            await live.error(str(field), str(e))
            return JSONResponse({"field": field, "message": str(e)}, 400)
        return JSONResponse(summary)


def _add_socket(app: FastAPI) -> None:
    """The websocket of a tab: same origin only, at most MAX_SESSIONS at once; one LiveSession
    for its life, gone (and its work stopped) when the tab closes. A refused socket is accepted
    and closed at once, so the page gets the reason (a handshake refused outright reaches a
    page as a bare 1006)."""

    @app.websocket("/ws")
    async def playground_socket(websocket: WebSocket) -> None:
        sessions: set[LiveSession] = app.state.sessions
        refusal = None
        if not same_origin(websocket):
            refusal = (1008, "connection refused: the page comes from another site")
        elif len(sessions) >= MAX_SESSIONS:
            refusal = (1013, f"too many open tabs ({MAX_SESSIONS}): close one")
        await websocket.accept()
        if refusal is not None:
            await websocket.close(code=refusal[0], reason=refusal[1])
            return
        live = LiveSession(websocket.send_text, websocket.send_bytes, app.state.services,
                           disconnect_errors=GONE)
        sessions.add(live)
        reader: asyncio.Task[None] | None = None
        try:
            await live.start()
            inbox: asyncio.Queue[object] = asyncio.Queue(INBOX)
            reader = asyncio.create_task(
                _read(websocket, live, inbox, app.state.first_message_timeout))
            while (message := await inbox.get()) is not None and not live.closing:
                await live.answer(message)
        except WebSocketDisconnect:
            pass
        except RuntimeError:  # sending on a socket the page just closed
            log.debug("websocket closed while sending", exc_info=True)
        finally:  # no await here: this also runs when the task is being cancelled
            if reader is not None:
                reader.cancel()
            sessions.discard(live)
            live.close()
            app.state.services.lab.cancel("s:" + live.id, "the tab closed")


INBOX = 16
"""Messages of a tab read and not yet answered; beyond, the reader waits (and the socket's own
flow control holds the page back)."""


async def _read(websocket: WebSocket, live: LiveSession, inbox: asyncio.Queue[object],
                first_timeout: float) -> None:
    """Read a tab's messages as they come, each through ``live.read`` (so a newer one can
    supersede a step under way), into ``inbox``; when the socket closes, or stays silent
    ``first_timeout`` seconds from the start (it must not keep a tab's place), set
    ``live.closing`` (work under way stops) and put None."""
    try:
        first = True
        while True:
            if first:
                try:
                    message = await asyncio.wait_for(websocket.receive(), first_timeout)
                except TimeoutError:
                    await websocket.close(code=1001, reason=(
                        f"no message in {first_timeout:g} s: closed to free the place for "
                        "another tab"))
                    break
                first = False
            else:
                message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            await inbox.put(live.read(text if text is not None else message.get("bytes") or b""))
    except (WebSocketDisconnect, RuntimeError):  # gone, or closed while we read
        pass
    finally:
        live.closing = True
        with contextlib.suppress(asyncio.QueueFull):  # full: the answering loop sees closing
            inbox.put_nowait(None)


def _too_large(size: int) -> JSONResponse:
    return JSONResponse({"field": "file", "message": f"{size} bytes is more than the upload "
                         f"limit of {MAX_UPLOAD_BYTES} bytes"}, 413)
