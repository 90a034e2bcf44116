"""What one playground app owns while it runs: its interactive thread pool, its panel registry
and the Lab's network-race lock.

``create_app``'s lifespan makes one :class:`Services` when the app starts (``app.state.services``)
and shuts its pool down when the app stops, so two apps in one process (the tests make several)
share none of it, and importing ``depthlens.web`` starts no thread. Each ``LiveSession`` is given
the app's services when its socket opens.
"""

from __future__ import annotations

import concurrent.futures
import threading
from dataclasses import dataclass, field

from depthlens.web import backprop, player, space
from depthlens.web.panel_registry import PanelRegistry

INTERACTIVE_THREADS = 2
"""Threads of an app's interactive pool (steps, edits, panels), apart from the training
chunks, which run on asyncio's default pool."""

PANEL_MODULES = (space, player, backprop)
"""The modules whose ``register_panels`` make the playground's panels."""


def default_panels() -> PanelRegistry:
    """A new registry of every playground panel (space, probes, operations, gradients,
    backprop)."""
    registry = PanelRegistry()
    for module in PANEL_MODULES:
        module.register_panels(registry)
    return registry


def interactive_pool() -> concurrent.futures.ThreadPoolExecutor:
    """A new interactive pool (its threads start on first use)."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=INTERACTIVE_THREADS,
                                                 thread_name_prefix="depthlens-interactive")


@dataclass
class Services:
    """One app's pool, panels and Lab lock; :meth:`close` shuts the pool down."""

    pool: concurrent.futures.ThreadPoolExecutor = field(default_factory=interactive_pool)
    """Threads for what a user waits on (steps, edits, panels), apart from the training
    chunks."""
    panels: PanelRegistry = field(default_factory=default_panels)
    network_lock: threading.Lock = field(default_factory=threading.Lock)
    """The Lab's network races run one at a time (the machine is small)."""

    def close(self) -> None:
        """Shut the pool down: what is still queued is dropped; the work under way finishes
        on its own (not awaited: this runs on the event loop)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
