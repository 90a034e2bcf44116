"""The Lab's work queue: one worker thread that runs every tab's Lab jobs a slice at a time.

One :class:`LabQueue` per app (``app.state.services.lab``). A request awaits its job's answer
without holding a thread; the jobs themselves run on the queue's single worker thread (the
machine has two cores: the other is for the playground's tabs).

*Why a thread of its own, not a ThreadPoolExecutor*: a pool is first in, first out and a job
holds its thread to its end, so a 0.15 s surface race asked behind nineteen 4 s network races
waits some 80 s. Here a job is a **generator** that does a slice of work per ``next()``; the
worker runs one job's slices until ``LAB_SLICE`` seconds have passed, then puts it at the back
of the ring and runs the next: **round robin**, so a short job waits a few slices whatever is
queued before it.

The rules:

- *One job per tab and kind*: a client (``"s:" + session id`` for a tab, ``"ip:" + address``
  for a script) has at most one job of each kind ("race", "network"). A newer request of the
  same client and kind **supersedes** the older: a queued job is dropped, a running one is
  stopped at its next slice (its generator closed), and the older request is answered 409.
- *A cap*: at most ``MAX_LAB_JOBS`` jobs at once; the next request is answered 503.
- *A budget of work time*: a job may do ``LAB_SECONDS`` of work (the sum of its slices, not the
  time it waited). It is handed a :class:`Budget` and stops cleanly when it is spent, answering
  what it has done. A job that ignores it is closed past ``OVERRUN`` times the budget and
  answered 503 naming the limit.
- *Cancel*: :meth:`LabQueue.cancel` stops every job of a client (its tab closed); :meth:`run`
  stops its job when the HTTP client goes away (polled every ``POLL`` s) or the awaiting task is
  cancelled.
- An exception raised by a job reaches the request that awaits it, as it was raised.

A job cannot be stopped *inside* a slice (Python threads cannot be interrupted): a plain
callable is a one-slice job, so it must be short (the surface race: ≤ 0.2 s). The thread starts
with the first job (importing or creating an app starts none) and :meth:`LabQueue.close` ends it.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from depthlens.errors import DepthlensError
from depthlens.web.guards import BodyError

log = logging.getLogger(__name__)

LAB_SLICE = 0.1
"""Seconds of one job's work before the worker moves on to the next job."""
LAB_SECONDS = 10.0
"""Seconds of work a job may do (the sum of its slices)."""
OVERRUN = 1.5
"""A job still running past this many times its budget is closed."""
MAX_LAB_JOBS = 2 * 32 + 16
"""Jobs queued or running at once: two per tab (app.py's MAX_SESSIONS = 32: one surface race,
one network race) and 16 for scripts."""
POLL = 0.25
"""Seconds between two checks that the HTTP client of an awaited job is still there."""


class LabRefused(Exception):
    """A Lab request answered without its result: HTTP ``status`` and ``{field, message}``."""

    def __init__(self, status: int, message: str, field: str = "request"):
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message


def superseded() -> LabRefused:
    return LabRefused(409, "superseded by a newer request from this tab")


class Budget:
    """What a job is told of its time: ``seconds`` of work in all; :attr:`used` so far (its
    finished slices plus the one under way). Called, it is a ``stop`` callable: None while time
    is left, else the reason to stop ("10 s of work, the Lab's limit on a shared server")."""

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self._done = 0.0
        self._since: float | None = None  # when the slice under way began

    @property
    def used(self) -> float:
        """Seconds of work done so far."""
        running = 0.0 if self._since is None else time.perf_counter() - self._since
        return self._done + running

    @property
    def spent(self) -> bool:
        """Is the budget used up?"""
        return self.used >= self.seconds

    def reason(self) -> str:
        """The budget in words, for a job that stops at it."""
        return f"{self.seconds:g} s of work, the Lab's limit on a shared server"

    def __call__(self) -> str | None:
        return self.reason() if self.spent else None

    def _begin(self) -> None:
        self._since = time.perf_counter()

    def _end(self) -> None:
        if self._since is not None:
            self._done += time.perf_counter() - self._since
            self._since = None


JobMaker = Callable[[Budget], Any]
"""Called on the worker thread with the job's budget: a generator (run a slice per ``next()``,
its return value the result) or, from a plain function, the result itself (one slice)."""


@dataclass(eq=False)
class _Job:
    client: str
    kind: str
    make: JobMaker
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    budget: Budget
    gen: Generator[Any, None, Any] | None = None
    stop: BaseException | None = None  # set when stopped: what the request was answered
    finished: bool = False
    slices: int = field(default=0)


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class LabQueue:
    """Round-robin slices of every Lab job on one worker thread (module docstring)."""

    def __init__(self, slice_seconds: float = LAB_SLICE, seconds: float = LAB_SECONDS,
                 max_jobs: int = MAX_LAB_JOBS, poll: float = POLL):
        self.slice_seconds = slice_seconds
        self.seconds = seconds
        self.max_jobs = max_jobs
        self.poll = poll
        self._cond = threading.Condition()
        self._ring: collections.deque[_Job] = collections.deque()  # waiting their next slice
        self._jobs: dict[tuple[str, str], _Job] = {}  # live jobs (queued or running)
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- what the app calls -----------------------------------------------------------------
    def __len__(self) -> int:
        """Jobs queued or running."""
        with self._cond:
            return len(self._jobs)

    def jobs(self) -> list[tuple[str, str]]:
        """(client, kind) of every job queued or running."""
        with self._cond:
            return list(self._jobs)

    @property
    def thread(self) -> threading.Thread | None:
        """The worker thread (None before the first job)."""
        return self._thread

    async def run(self, client: str, kind: str, make_job: JobMaker,
                  disconnected: Callable[[], Awaitable[bool]] | None = None) -> Any:
        """Queue ``make_job`` as ``client``'s job of ``kind`` and await its result (or its
        exception). Raises :class:`LabRefused` when the queue is full (503), closed (503), or
        the job was superseded or cancelled (409). ``disconnected`` (e.g.
        ``request.is_disconnected``) is polled every ``poll`` s: True stops the job."""
        loop = asyncio.get_running_loop()
        job = _Job(client, kind, make_job, loop, loop.create_future(), Budget(self.seconds))
        with self._cond:
            if self._closed:
                raise LabRefused(503, "the server is stopping")
            key = (client, kind)
            old = self._jobs.get(key)
            if len(self._jobs) - (old is not None) >= self.max_jobs:
                raise LabRefused(503, f"the Lab is busy: {len(self._jobs)} races wait; try "
                                 "again in a minute")
            if old is not None:
                self._stop(old, superseded())
            self._jobs[key] = job
            self._ring.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="depthlens-lab",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()
        try:
            while True:
                done, _ = await asyncio.wait({job.future}, timeout=self.poll)
                if done:
                    return job.future.result()
                if disconnected is not None and await disconnected():
                    self._stop_one(job, LabRefused(409, "the client went away"))
        except asyncio.CancelledError:
            self._stop_one(job, LabRefused(409, "the request was cancelled"))
            raise

    def cancel(self, client: str, reason: str) -> int:
        """Stop every job of ``client`` (queued: dropped; running: closed at its next slice);
        their requests are answered 409 with ``reason``. Returns how many were stopped."""
        with self._cond:
            mine = [job for (owner, _), job in self._jobs.items() if owner == client]
            for job in mine:
                self._stop(job, LabRefused(409, f"stopped: {reason}"))
            self._cond.notify()
        return len(mine)

    def close(self) -> None:
        """Stop every job (answered 503) and end the worker after its slice under way (not
        awaited: this runs on the event loop). Later requests are answered 503."""
        with self._cond:
            self._closed = True
            for job in list(self._jobs.values()):
                self._stop(job, LabRefused(503, "the server is stopping"))
            self._cond.notify_all()

    # -- inside ---------------------------------------------------------------------------
    def _stop_one(self, job: _Job, error: LabRefused) -> None:
        with self._cond:
            self._stop(job, error)
            self._cond.notify()

    def _stop(self, job: _Job, error: BaseException) -> None:
        """Mark ``job`` stopped and answer its request with ``error`` (lock held). The worker
        closes its generator: a generator may only be closed by the thread that runs it."""
        if job.stop is not None or job.finished:
            return
        job.stop = error
        if self._jobs.get((job.client, job.kind)) is job:
            del self._jobs[(job.client, job.kind)]
        self._answer(job, None, error)

    def _finish(self, job: _Job, result: Any, error: BaseException | None) -> None:
        with self._cond:
            if job.stop is not None:
                return
            job.finished = True
            if self._jobs.get((job.client, job.kind)) is job:
                del self._jobs[(job.client, job.kind)]
        self._answer(job, result, error)

    @staticmethod
    def _answer(job: _Job, result: Any, error: BaseException | None) -> None:
        try:
            job.loop.call_soon_threadsafe(_settle, job.future, result, error)
        except RuntimeError:  # the loop is closed: nobody awaits the answer any more
            pass

    def _next(self) -> _Job | None:
        """The next job to run a slice of (None: closed). Stopped jobs are dropped here, their
        generators closed."""
        while True:
            with self._cond:
                while not self._ring and not self._closed:
                    self._cond.wait()
                if self._closed:
                    dropped = list(self._ring)
                    self._ring.clear()
                    job = None
                else:
                    job = self._ring.popleft()
                    dropped = [job] if job.stop is not None else []
            for stale in dropped:
                self._close(stale)
            if job is None or job.stop is None:
                return job

    def _close(self, job: _Job) -> None:
        if job.gen is not None:
            try:
                job.gen.close()
            except Exception:
                log.exception("a Lab job failed while it was closed")
            job.gen = None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            done = self._slice(job)
            with self._cond:
                if not done and job.stop is None and not self._closed:
                    self._ring.append(job)
                    continue
            self._close(job)

    def _slice(self, job: _Job) -> bool:
        """Run ``job`` for up to ``slice_seconds``; True when it is over (finished, failed,
        stopped or overrun)."""
        began = time.perf_counter()
        job.budget._begin()
        job.slices += 1
        try:
            if job.gen is None:
                made = job.make(job.budget)
                if not inspect.isgenerator(made):
                    self._finish(job, made, None)
                    return True
                job.gen = made
            while True:
                next(job.gen)
                if job.stop is not None:
                    return True
                if job.budget.used > OVERRUN * job.budget.seconds:
                    self._finish(job, None, LabRefused(
                        503, f"the race ran past the Lab's limit of {job.budget.seconds:g} s "
                        "of work and was stopped"))
                    return True
                if time.perf_counter() - began >= self.slice_seconds:
                    return False
        except StopIteration as end:
            self._finish(job, end.value, None)
            return True
        except Exception as exc:
            if not isinstance(exc, DepthlensError | BodyError | LabRefused):
                log.exception("a Lab job failed (%s of %s)", job.kind, job.client)
            job.gen = None  # a generator that raised is finished
            self._finish(job, None, exc)
            return True
        finally:
            job.budget._end()
