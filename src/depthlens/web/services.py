"""What one playground app owns while it runs: its interactive thread pool, its panel registry
and the Lab's queue (one worker thread for every tab's Lab races: ``lab_queue.py``).

``create_app``'s lifespan makes one :class:`Services` when the app starts
(``app.state.services``) and shuts its pool and queue down when the app stops, so two apps in one
process (the tests make several) share none of it, and importing ``depthlens.web`` starts no
thread. Each ``LiveSession`` is given the app's services when its socket opens.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field

from depthlens.web import backprop, player, space
from depthlens.web.lab_queue import LabQueue
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
    """One app's pool, panels and Lab queue; :meth:`close` shuts the pool and the queue
    down."""

    pool: concurrent.futures.ThreadPoolExecutor = field(default_factory=interactive_pool)
    """Threads for what a user waits on (steps, edits, panels), apart from the training
    chunks."""
    panels: PanelRegistry = field(default_factory=default_panels)
    lab: LabQueue = field(default_factory=LabQueue)
    """The Lab's races, a slice at a time on one thread (its thread starts with the first
    race)."""

    def close(self) -> None:
        """Shut the pool and the Lab's queue down: what is still queued is dropped; the work
        under way finishes on its own (not awaited: this runs on the event loop)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.lab.close()
