"""The playground's extra panels: what each one asks for, and how its picture is built.

A panel is a view beside the network that the page asks for by a message of its own ``kind``
(``space``, ``probes``, ``operations``, ``gradients``, ``backprop``). Its message is validated by
the panel's pydantic ``model`` (a :class:`~depthlens.web.protocol.PageMessage`), and its answer is
one binary frame (``frames.encode_frame``) whose header's ``kind`` is the panel's kind, built by
``build(session, view, request)`` in a worker thread while the session's lock is held.

A *live* panel stays subscribed after its first answer: while training plays, the server sends it
again after a chunk whenever ``interval`` seconds have passed since its last one (the hidden-space
panel at 20 frames a second, the probes once a second: each is a small logistic
regression per layer). A request with ``on: false`` ends the subscription. A one-shot panel
(the operation player, the backprop stepper) answers each request once.

Modules register their panels with :func:`register` when imported; ``live`` imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from depthlens.experiment.session import Session
from depthlens.web.heatmaps import PlaneView
from depthlens.web.protocol import PageMessage

Build = Callable[[Session, PlaneView, Any], bytes]


@dataclass(frozen=True)
class Panel:
    """One panel: its message ``kind``, the ``model`` validating it, the ``build`` of its frame,
    whether it is ``live`` (re-sent while playing) and the least ``interval`` (s) between two
    live sends."""

    kind: str
    model: type[PageMessage]
    build: Build
    live: bool = False
    interval: float = 0.05


PANELS: dict[str, Panel] = {}
"""Every registered panel by kind."""


def register(panel: Panel) -> Panel:
    """Add ``panel`` to :data:`PANELS` (its kind must be new and its model's ``type`` literal
    must be the kind)."""
    if panel.kind in PANELS:
        raise ValueError(f"panel {panel.kind!r} is registered twice")
    PANELS[panel.kind] = panel
    return panel


def models() -> dict[str, type[PageMessage]]:
    """The message model of every panel, by message type (for ``protocol.parse_message``)."""
    return {kind: p.model for kind, p in PANELS.items()}
