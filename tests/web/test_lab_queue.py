"""The Lab's queue (#13 item 3): one worker thread, round-robin slices between jobs, one job per
client and kind (a newer one supersedes), a cap, a budget of work time, cancel by client and on
disconnect, errors reaching the caller, a thread only once there is work."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from depthlens.errors import ConfigError
from depthlens.web.app import MAX_SESSIONS
from depthlens.web.lab_queue import MAX_LAB_JOBS, Budget, LabQueue, LabRefused


def endless(log: list[str], name: str, started: threading.Event | None = None,
            nap: float = 0.002) -> Callable[[Budget], Any]:
    """A job that never ends on its own (it ignores its budget); ``log`` gets
    ``name + ":closed"`` when its generator is closed."""

    def make(budget: Budget):
        try:
            while True:
                if started is not None:
                    started.set()
                time.sleep(nap)
                yield
        finally:
            log.append(name + ":closed")

    return make


def steps(log: list[str], name: str, n: int, nap: float = 0.002) -> Callable[[Budget], Any]:
    """A job of ``n`` slices of at least ``nap`` s each; logs ``name`` when it finishes."""

    def make(budget: Budget):
        for _ in range(n):
            time.sleep(nap)
            yield
        log.append(name)
        return name

    return make


async def started_in_worker(event: threading.Event) -> None:
    """Wait (without blocking the loop) until the worker has begun a job that sets ``event``."""
    for _ in range(2000):
        if event.is_set():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the job never started")


def test_a_short_job_behind_long_ones_finishes_first():
    """Three jobs of 200 slices of ≥ 2 ms (≥ 0.4 s each) are queued before a one-slice job: in
    round robin the short one runs after at most one slice of each, so it ends first; first in,
    first out it would end last."""
    order: list[str] = []

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01)
        longs = [asyncio.create_task(q.run(f"c{i}", "network", steps(order, f"long{i}", 200)))
                 for i in range(3)]
        await asyncio.sleep(0)  # the long ones are queued first
        short = asyncio.create_task(q.run("c9", "race",
                                          lambda budget: order.append("short") or "done"))
        assert await short == "done"
        assert await asyncio.gather(*longs) == ["long0", "long1", "long2"]
        q.close()

    asyncio.run(main())
    assert order[0] == "short" and sorted(order[1:]) == ["long0", "long1", "long2"]


def test_a_newer_request_of_the_same_tab_supersedes_the_older():
    log: list[str] = []

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01)
        began = threading.Event()
        old = asyncio.create_task(q.run("s:tab", "network", endless(log, "old", began)))
        await started_in_worker(began)
        new = await q.run("s:tab", "network", steps(log, "new", 3))
        assert new == "new"
        with pytest.raises(LabRefused) as refused:
            await old
        assert refused.value.status == 409 and refused.value.field == "request"
        assert "superseded" in refused.value.message
        assert len(q) == 0
        q.close()

    asyncio.run(main())
    assert log == ["old:closed", "new"]  # closed at its next slice, before the new one ran


def test_a_superseded_queued_job_is_never_started_and_other_kinds_are_kept():
    made: list[str] = []
    log: list[str] = []

    def recorded(name: str) -> Callable[[Budget], Any]:
        def make(budget: Budget) -> str:
            made.append(name)
            return name
        return make

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01)
        began = threading.Event()
        blocker = asyncio.create_task(q.run("other", "network", endless(log, "b", began)))
        await started_in_worker(began)
        first = asyncio.create_task(q.run("s:tab", "race", recorded("first")))
        network = asyncio.create_task(q.run("s:tab", "network", recorded("network")))
        await asyncio.sleep(0)
        second = asyncio.create_task(q.run("s:tab", "race", recorded("second")))
        assert await second == "second" and await network == "network"
        with pytest.raises(LabRefused, match="superseded"):
            await first
        assert q.cancel("other", "test over") == 1
        with pytest.raises(LabRefused, match="test over"):
            await blocker
        q.close()

    asyncio.run(main())
    assert "first" not in made and sorted(made) == ["network", "second"]


def test_cancel_stops_every_job_of_a_client_and_no_other():
    log: list[str] = []

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01)
        began = threading.Event()
        mine = [asyncio.create_task(q.run("s:a", "network", endless(log, "a-net", began))),
                asyncio.create_task(q.run("s:a", "race", endless(log, "a-race")))]
        theirs = asyncio.create_task(q.run("s:b", "network", steps(log, "b", 20)))
        await started_in_worker(began)
        assert q.cancel("s:a", "the tab closed") == 2
        assert q.cancel("s:nobody", "the tab closed") == 0
        for task in mine:
            with pytest.raises(LabRefused) as refused:
                await task
            assert refused.value.status == 409 and "the tab closed" in refused.value.message
        assert await theirs == "b"
        q.close()

    asyncio.run(main())
    assert log[-1] == "b" and "a-net:closed" in log  # a-race was never started: nothing to close


def test_a_request_whose_client_went_away_stops_its_job():
    log: list[str] = []
    asked: list[int] = []

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01, poll=0.01)
        began = threading.Event()

        async def gone() -> bool:
            asked.append(1)
            return began.is_set()

        with pytest.raises(LabRefused, match="went away"):
            await q.run("ip:1.2.3.4", "network", endless(log, "job", began), gone)
        assert len(q) == 0
        # the worker closes the generator at its next slice boundary
        for _ in range(2000):
            if log:
                break
            await asyncio.sleep(0.005)
        q.close()

    asyncio.run(main())
    assert asked and log == ["job:closed"]


def test_a_cancelled_awaiting_task_stops_its_job():
    log: list[str] = []

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01)
        began = threading.Event()
        task = asyncio.create_task(q.run("ip:x", "network", endless(log, "job", began)))
        await started_in_worker(began)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(q) == 0
        q.close()
        q.thread.join(10)

    asyncio.run(main())
    assert log == ["job:closed"]


def test_the_queue_refuses_beyond_its_cap_but_a_tab_may_replace_its_own_job():
    log: list[str] = []
    assert MAX_LAB_JOBS == 2 * MAX_SESSIONS + 16

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01, max_jobs=2)
        began = threading.Event()
        a = asyncio.create_task(q.run("s:a", "network", endless(log, "a", began)))
        await started_in_worker(began)
        b = asyncio.create_task(q.run("s:b", "network", endless(log, "b")))
        await asyncio.sleep(0)
        with pytest.raises(LabRefused) as refused:
            await q.run("s:c", "network", steps(log, "c", 1))
        assert refused.value.status == 503 and refused.value.field == "request"
        assert "busy" in refused.value.message and "2 races" in refused.value.message
        assert len(q) == 2
        b2 = asyncio.create_task(q.run("s:b", "network", steps(log, "b2", 1)))  # replaces b
        assert await b2 == "b2"
        with pytest.raises(LabRefused, match="superseded"):
            await b
        assert q.cancel("s:a", "done") == 1
        with pytest.raises(LabRefused):
            await a
        q.close()

    asyncio.run(main())
    assert "c" not in log


def test_a_job_that_watches_its_budget_stops_with_what_it_has():
    async def main() -> tuple[int, float]:
        q = LabQueue(slice_seconds=0.01, seconds=0.05)

        def make(budget: Budget):
            rounds = 0
            while budget() is None:  # the budget as a stop callable
                time.sleep(0.002)
                rounds += 1
                yield
            assert budget.spent and "0.05 s of work" in budget.reason()
            return rounds, budget.used

        out = await q.run("ip:x", "network", make)
        q.close()
        return out

    rounds, used = asyncio.run(main())
    assert rounds >= 1 and used >= 0.05


def test_a_job_that_ignores_its_budget_is_closed_and_answered_with_the_limit():
    log: list[str] = []

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01, seconds=0.05)
        with pytest.raises(LabRefused) as refused:
            await q.run("ip:x", "network", endless(log, "greedy"))
        assert refused.value.status == 503 and "0.05 s" in refused.value.message
        q.close()
        q.thread.join(10)

    asyncio.run(main())
    assert log == ["greedy:closed"]


def test_the_budget_counts_work_not_waiting():
    """Four jobs share the one worker: their slices never overlap, so the work they count adds
    up to at most the wall time of the whole (counting their waiting, it would be about four
    times more)."""
    async def main() -> tuple[list[float], float]:
        q = LabQueue(slice_seconds=0.01, seconds=60.0)

        def make(budget: Budget):
            for _ in range(20):
                time.sleep(0.003)
                yield
            return budget.used

        began = time.perf_counter()
        spent = await asyncio.gather(*(q.run(f"c{i}", "network", make) for i in range(4)))
        wall = time.perf_counter() - began
        q.close()
        return spent, wall

    spent, wall = asyncio.run(main())
    assert all(s >= 20 * 0.003 for s in spent), spent  # 20 naps of ≥ 3 ms were counted
    assert sum(spent) <= wall, (spent, wall)


def test_an_exception_in_a_job_reaches_the_caller(caplog):
    def refuse(budget: Budget):
        yield
        raise ConfigError("epochs", 0, "a whole number ≥ 1")

    def bug(budget: Budget):
        return 1 / 0

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01)
        with pytest.raises(ConfigError) as err:
            await q.run("ip:x", "network", refuse)
        assert err.value.field == "epochs"
        with pytest.raises(ZeroDivisionError):
            await q.run("ip:x", "race", bug)
        assert await q.run("ip:x", "race", lambda budget: "still working") == "still working"
        q.close()

    with caplog.at_level(logging.ERROR, logger="depthlens.web.lab_queue"):
        asyncio.run(main())
    bugs = [r for r in caplog.records if r.exc_info]
    assert len(bugs) == 1 and bugs[0].exc_info[0] is ZeroDivisionError  # a refusal is no bug


def test_no_thread_before_the_first_job_and_close_ends_it():
    async def main() -> None:
        q = LabQueue()
        assert q.thread is None
        assert await q.run("ip:x", "race", lambda budget: 42) == 42
        assert q.thread is not None and q.thread.is_alive()
        assert q.thread in threading.enumerate()
        q.close()
        q.thread.join(10)
        assert not q.thread.is_alive()
        with pytest.raises(LabRefused) as refused:
            await q.run("ip:x", "race", lambda budget: 1)
        assert refused.value.status == 503

    asyncio.run(main())


def test_closing_the_queue_answers_and_closes_the_jobs_in_it():
    log: list[str] = []

    async def main() -> None:
        q = LabQueue(slice_seconds=0.01)
        began = threading.Event()
        running = asyncio.create_task(q.run("a", "network", endless(log, "running", began)))
        await started_in_worker(began)
        waiting = asyncio.create_task(q.run("b", "network", endless(log, "waiting")))
        await asyncio.sleep(0)
        q.close()
        for task in (running, waiting):
            with pytest.raises(LabRefused, match="stopping"):
                await task
        q.thread.join(10)
        assert not q.thread.is_alive()

    asyncio.run(main())
    assert "running:closed" in log
