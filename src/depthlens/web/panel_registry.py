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

A :class:`PanelRegistry` holds the panels of one app: ``services.default_panels()`` builds it
from the panel modules' ``register_panels`` functions when the app starts (importing a module
registers nothing), and each ``LiveSession`` is given it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


class PanelRegistry:
    """The panels of one app by kind (``kind in registry``, ``registry[kind]``)."""

    def __init__(self) -> None:
        self._panels: dict[str, Panel] = {}

    def register(self, panel: Panel) -> Panel:
        """Add ``panel`` (its kind must be new and its model's ``type`` literal must be the
        kind)."""
        if panel.kind in self._panels:
            raise ValueError(f"panel {panel.kind!r} is registered twice")
        self._panels[panel.kind] = panel
        return panel

    def __getitem__(self, kind: str) -> Panel:
        return self._panels[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._panels

    def __iter__(self) -> Iterator[str]:
        return iter(self._panels)

    def __len__(self) -> int:
        return len(self._panels)

    def models(self) -> dict[str, type[PageMessage]]:
        """The message model of every panel, by message type (for
        ``protocol.parse_message``)."""
        return {kind: p.model for kind, p in self._panels.items()}
