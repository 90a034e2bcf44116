"""``Playground``: the served playground's live page as a notebook widget (anywidget).

The widget owns a :class:`~depthlens.web.live.LiveSession`, the served page's server side,
unchanged: its two send coroutines put each message on the widget's own channel (the kernel's
comm; no second server, port or browser tab), text as the custom message
``{"kind": "text", "text": …}`` and each binary frame as ``{"kind": "bytes"}`` with the frame as
the message's one buffer. Custom messages from the front end are ``{"kind": "text", "text": …}``
(a page message: ``LiveSession.read`` as it arrives, ``answer`` in order, as the served app's
socket reader does) and ``{"kind": "open"}`` (a view was rendered: hello, the thumbnails, and the
Session's state, data and frame).

**The Session is the notebook's.** ``Playground(session)`` trains that very object
(``LiveSession.adopt``): train in the widget, then read ``session.net.weights`` in the next
cell. The reverse: after a cell that trained it (``session.run(100)``), every open widget whose
Session changed refreshes itself (a fresh state, every history row and a frame; ``refresh()``
does it by hand). A Config change made in the widget builds a new Session, as on the page;
``widget.session`` is always the one the widget trains. ``Playground(model, X, y)`` trains a
model trained elsewhere (a torch module, a fitted scikit-learn / depthlens estimator, an MLP) on
its data: the Session of ``depthlens.explain`` (``experiment.imported.session_for``).

**Cells and the widget** (IPython's ``pre_run_cell`` / ``post_run_cell`` events, registered
once per kernel when the first widget is made; nothing is registered outside IPython). Before
each cell, every playing widget is paused, as its pause button would (the page's ``pause``
message: the button shows paused), and the chunk its worker thread is training is waited for,
so a cell never trains a Session the widget is training (two threads on one network). Each
open widget notes its Session's mark (the Session, its network, ``epoch`` and
``trainer.steps_done``); after the cell, a widget whose mark moved refreshes. The hooks hold
widgets by weak reference, and a closed widget is dropped from them.

**The event loop** is the kernel's (ipykernel ≥ 6 runs cells inside its asyncio loop): the
widget takes the loop running when it is made, and comm messages, which may arrive on another
thread, are handed to it with ``call_soon_threadsafe``. A cell that blocks blocks the loop, so
the widget trains between cells, not during them.

**The front end** (``_esm``) is ``web/static/js/widget.js``, read from the package. anywidget
loads that one module from its text, so the page's other modules cannot be imported by URL:
their sources travel in the ``_modules`` trait (file name → text, read once per process), and
widget.js makes a Blob URL of each, with its ``./x.js`` imports rewritten to the Blob URLs of
their targets. So the widget runs the page's own modules, offline, with no bundler and no copy.
The page is the served one: index.html's body (``_page_html``) and its stylesheets scoped to a
shadow root (``_page_css``, :func:`scoped_css`), started by main.js's ``start`` with no address
bar and no Lab tab. The page's two HTTP routes are widget requests here: ``{"kind": "model",
"id"}`` (the network as a zip, ``LiveSession.model_zip``) and ``{"kind": "upload", "id",
"name"}`` with the CSV as its buffer (``LiveSession.upload``), each answered by ``{"kind":
"reply", "id", "ok", …}``.

Several widgets are independent: each has its own LiveSession and Session; they share one
thread pool and panel registry (``services.Services``), as the served page's tabs share their
app's.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sys
import weakref
import zlib
from pathlib import Path
from typing import Any

try:
    import anywidget
    import traitlets
except ImportError as e:  # the notebook extra is not installed
    raise ImportError("depthlens.Playground needs anywidget: pip install "
                      "'depthlens[notebook]'") from e

from depthlens.errors import DepthlensError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web.live import LiveSession
from depthlens.web.protocol import MAX_UPLOAD_BYTES, page_default
from depthlens.web.services import Services

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
"""The served page's files: the widget ships no copy of its own."""
STYLESHEETS = re.compile(r'<link rel="stylesheet" href="/static/(css/[\w-]+\.css)">')
"""index.html's stylesheets, in its order."""
SCOPING = (
    (re.compile(r":root\s*\{"), ":host {"),
    (re.compile(r"html,\s*body\s*\{"), ":host {"),
    (re.compile(r"(?<![\w.-])body\."), ".depthlens-page."),
    (re.compile(r"@media\s*\("), "@container ("),
)
"""The page's CSS made the widget's: the document's root and body are the shadow root's host
and the page box, and the layouts that follow the window's width follow the widget's
(container queries on the page box: a notebook cell is narrower than the window)."""
PAGE_BOX = """:host { display: block; }
.depthlens-page { container-type: inline-size; position: relative; }
"""
"""The widget's own rules: the page box is the container the page's layouts query (and, being
one, the box its fixed toasts and tooltips sit in)."""


@functools.cache
def page_modules() -> dict[str, str]:
    """Every page module's source by file name (``heatmap.js`` → its text), for widget.js's
    Blob-URL loader."""
    return {p.name: p.read_text(encoding="utf-8")
            for p in sorted((STATIC / "js").glob("*.js"))}


def scoped_css(css: str) -> str:
    """The served page's stylesheet ``css`` as the widget's shadow root holds it (SCOPING);
    raises ValueError on a selector of the document it cannot scope (``html``, ``body`` or
    ``:root`` left, a media query), so a new rule of the page cannot leak out of the widget
    or look at the window unnoticed."""
    for pattern, replacement in SCOPING:
        css = pattern.sub(replacement, css)
    bare = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    left = re.search(r"(?<![\w.-])(?:html|body)(?![\w-])|:root|@media", bare)
    if left:
        line = bare[:left.start()].count("\n") + 1
        raise ValueError(f"the page's CSS has {left.group()!r} (line {line}) that the widget "
                         "cannot scope to its shadow root")
    return PAGE_BOX + css


@functools.cache
def page_css() -> str:
    """Every stylesheet of the served page (index.html's, in order), scoped to the widget."""
    index = (STATIC / "index.html").read_text(encoding="utf-8")
    return scoped_css("\n".join((STATIC / name).read_text(encoding="utf-8")
                                 for name in STYLESHEETS.findall(index)))


@functools.cache
def page_html() -> str:
    """The served page's body (index.html's, its scripts left out): the widget's page box."""
    index = (STATIC / "index.html").read_text(encoding="utf-8")
    found = re.search(r"<body>(.*)</body>", index, flags=re.S)
    assert found is not None, "index.html has no <body>"
    return re.sub(r"<script\b.*?</script>", "", found.group(1), flags=re.S)


@functools.cache
def shared_services() -> Services:
    """The thread pool and panel registry every widget of this kernel uses (made on first
    use: importing this module starts no thread)."""
    return Services()


def _session_of(source: Any, X: Any = None, y: Any = None,
                config: Config | None = None) -> Session:
    """The Session a widget trains: ``source`` itself, a new one for a Config, the bare link's
    experiment (``protocol.page_default``) for None, or with data (``X`` and ``y``) the Session
    of the trained model ``source`` on them (``imported.session_for``, on ``config``)."""
    if X is not None or y is not None:
        if X is None or y is None:
            missing = "X" if X is None else "y"
            raise TypeError(f"Playground(model, X, y): {missing} is missing; a model needs "
                            "both its inputs X and its targets y")
        from depthlens.experiment.imported import session_for

        return session_for(source, X, y, config)
    if config is not None:
        raise TypeError("Playground(config=…) is for a model with data, Playground(model, X, "
                        "y, config=…); give a Config alone as Playground(config)")
    if isinstance(source, Session):
        return source
    if isinstance(source, Config):
        return Session(source)
    if source is None:
        return Session(page_default())
    raise TypeError(f"Playground(session_or_config): {type(source).__name__} is not allowed; "
                    "give a depthlens Session, a Config, nothing (the playground's default), "
                    "or a trained model with its data: Playground(model, X, y)")


# -- cells: pause before, refresh after ------------------------------------------------------
_open: weakref.WeakSet[Playground] = weakref.WeakSet()
"""Every open widget of this process (weakly: a deleted widget is not kept alive)."""
_hooked: list[Any] = []
"""The IPython shell whose cell events are registered (one per kernel), once registered."""
PAUSE = json.dumps({"type": "pause"})
"""The page's pause message, sent to a playing widget before a cell."""


def _hook_cells() -> None:
    """Register ``_before_cell`` and ``_after_cell`` with IPython's cell events, once per
    kernel; nothing outside IPython (IPython not imported, or no shell running)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or any(s is shell for s in _hooked):
        return
    shell.events.register("pre_run_cell", _before_cell)
    shell.events.register("post_run_cell", _after_cell)
    _hooked.append(shell)


def _before_cell(_info: Any = None) -> None:
    """Before a cell: pause every playing widget (the guard) and note each Session's mark."""
    for widget in list(_open):
        widget._before_cell()


def _after_cell(_result: Any = None) -> None:
    """After a cell: every widget whose Session's mark moved during it refreshes."""
    for widget in list(_open):
        widget._after_cell()


def _mark(session: Session) -> tuple[Any, ...]:
    """What a cell that trained, rebuilt or edited ``session`` changes: the Session, its
    network and data (objects), its epoch, the trainer's step count and a CRC-32 of every
    parameter (a weight set in place, ``session.net.weights[0][:] = …``, or copied from
    another network: a pass over the network's bytes, microseconds for the playground's)."""
    return (session, session.net, session.dataset, session.epoch, session.trainer.steps_done,
            zlib.crc32(session.net.params))  # the buffer itself: no copy


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Two marks agree: the same objects (``is``), counters and parameters."""
    return all(x is y for x, y in zip(a[:3], b[:3])) and a[3:] == b[3:]


class Playground(anywidget.AnyWidget):  # type: ignore[misc]
    """The live playground in a notebook cell, training ``session_or_config``'s Session.

    ``session_or_config``: a Session (trained itself), a Config (a new Session), nothing (the
    playground's default), or a trained model (a torch module, a fitted scikit-learn or
    depthlens estimator, an MLP) given with its data ``X`` and ``y`` (and optionally the
    ``config`` that splits and trains them on): ``experiment.imported.session_for``.

    **Cells.** A cell that trains the widget's Session (``session.run(5)``) is shown when it
    ends: the widget refreshes itself. A cell never races the widget: before every cell each
    playing widget is paused (its play button shows paused; press play again after the cell),
    and the chunk its worker thread trains is waited for.

    >>> import depthlens as dl                                    # doctest: +SKIP
    >>> session = dl.Session(dl.Config(dataset="xor"))            # doctest: +SKIP
    >>> dl.Playground(session)                                    # doctest: +SKIP
    >>> dl.Playground(torch_model, X, y)                          # doctest: +SKIP
    """

    _esm = STATIC / "js" / "widget.js"
    _modules = traitlets.Dict().tag(sync=True)
    _page_html = traitlets.Unicode().tag(sync=True)
    _page_css = traitlets.Unicode().tag(sync=True)

    def __init__(self, session_or_config: Any = None, X: Any = None, y: Any = None, *,
                 config: Config | None = None, **kwargs: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("depthlens.Playground runs in a Jupyter kernel (IPython's "
                               "kernel ≥ 6, whose cells run in its asyncio loop): no asyncio "
                               "loop is running here") from None
        self._session = _session_of(session_or_config, X, y, config)
        super().__init__(_modules=page_modules(), _page_html=page_html(),
                         _page_css=page_css(), **kwargs)
        self._loop = loop
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.live = LiveSession(self._send_text, self._send_bytes, shared_services(),
                                disconnect_errors=())
        self._cell_mark: tuple[Any, ...] | None = None
        self._answering: asyncio.Task[None] | None = None
        self.on_msg(self._on_custom)
        _open.add(self)
        _hook_cells()

    # -- the Session -------------------------------------------------------------------------
    @property
    def session(self) -> Session:
        """The Session the widget trains: the one it was given until a Config change in the
        widget builds another."""
        return self.live.session if self.live.session is not None else self._session

    def refresh(self) -> None:
        """Show what the notebook did to the Session since (``session.run(100)``): the widget
        pauses and gets its state, every history row and a frame (after the cell ends)."""
        self._loop.call_soon_threadsafe(self._put, ("adopt", self.session))

    def close(self) -> None:
        """Stop training, drop the LiveSession and close the widget's channel."""
        _open.discard(self)
        live = getattr(self, "live", None)  # None: __init__ failed (ipywidgets' __del__)
        if live is not None:
            live.close()
        if getattr(self, "_answering", None) is not None:
            self._answering.cancel()
        super().close()

    # -- cells -------------------------------------------------------------------------------
    def _before_cell(self) -> None:
        """A cell starts: pause if playing (at once, then the page's ``pause`` message, answered
        after the cell), wait for the chunk under way, and note the Session's mark."""
        if self.live.playing:
            self.live.playing = False
            self._loop.call_soon_threadsafe(self._put, ("text", PAUSE))
        with self.live.training:  # a chunk or step slice training now ends first
            pass
        self._cell_mark = _mark(self.session)

    def _after_cell(self) -> None:
        """A cell ended: refresh when it changed the Session (its mark moved) and a view has
        opened (before that, the opening sends the Session as it is)."""
        before, self._cell_mark = self._cell_mark, None
        if before is not None and self.live.session is not None \
                and not _same(before, _mark(self.session)):
            self.refresh()

    # -- the transport -----------------------------------------------------------------------
    async def _send_text(self, text: str) -> None:
        self.send({"kind": "text", "text": text})

    async def _send_bytes(self, data: bytes) -> None:
        self.send({"kind": "bytes"}, buffers=[data])

    def _on_custom(self, _widget: object, content: Any, buffers: list[Any]) -> None:
        """A custom message of the front end (perhaps on the comm's thread): to the loop."""
        if not isinstance(content, dict):
            return
        kind = content.get("kind")
        if kind == "open":
            item: Any = ("open", None)
        elif kind == "text" and isinstance(content.get("text"), str):
            item = ("text", content["text"])
        elif kind in ("model", "upload") and isinstance(content.get("id"), int):
            item = (kind, (content["id"], content.get("name"), buffers))
        else:
            return
        self._loop.call_soon_threadsafe(self._put, item)

    async def _model(self, request: int) -> None:
        """The page's model download: the network as a zip (``LiveSession.model_zip``, the
        served page's ``model.zip``) in the reply's buffer."""
        data = await self.live.model_zip()
        if data is None:
            self._reply(request, ok=False, field="session", message="no network yet")
        else:
            self._reply(request, data, ok=True)

    async def _upload(self, request: int, name: Any, buffers: list[Any]) -> None:
        """The page's CSV upload (the served page's ``upload`` route): the file in the
        message's buffer becomes the Session's data; the reply has its summary or the error."""
        name = str(name or "upload.csv")[:200]
        body = bytes(buffers[0]) if buffers else b""
        if len(body) > MAX_UPLOAD_BYTES:
            self._reply(request, ok=False, field="file", message=f"{len(body)} bytes is more "
                        f"than the upload limit of {MAX_UPLOAD_BYTES} bytes")
            return
        try:
            summary = await self.live.upload(name, body)
        except DepthlensError as e:
            field = str(getattr(e, "field", None) or "file")
            await self.live.error(field, str(e))
            self._reply(request, ok=False, field=field, message=str(e))
            return
        self._reply(request, ok=True, body=summary)

    def _reply(self, request: int, data: bytes | None = None, **answer: Any) -> None:
        """Answer the page's request ``request`` (``{kind: "reply", id, ok, …}``)."""
        self.send({"kind": "reply", "id": request, **answer},
                  buffers=[data] if data is not None else None)

    def _put(self, item: tuple[str, Any]) -> None:
        """On the loop: a page message is ``read`` now (so a newer one supersedes a step under
        way, as on the served page) and answered in turn by ``_answer``."""
        kind, value = item
        self._inbox.put_nowait((kind, self.live.read(value) if kind == "text" else value))
        if self._answering is None or self._answering.done():
            self._answering = self._loop.create_task(self._answer())

    async def _answer(self) -> None:
        """Answer the inbox in order: page messages, view openings and refreshes."""
        while not self._inbox.empty():
            kind, value = self._inbox.get_nowait()
            if kind == "text":
                await self.live.answer(value)
            elif kind == "open":
                await self.live.start()
                await self.live.adopt(self.session)
            elif kind == "adopt":
                await self.live.adopt(value)
            elif kind == "model":
                await self._model(value[0])
            elif kind == "upload":
                await self._upload(*value)

