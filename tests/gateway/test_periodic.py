from __future__ import annotations

import asyncio
import logging

import pytest

from core.clock import FakeClock
from gateway.periodic import periodic


def test_runs_after_each_interval_until_stopped() -> None:
    waits: list[float] = []
    runs: list[int] = []

    async def main() -> None:
        stop = asyncio.Event()

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        async def work() -> None:
            runs.append(len(waits))
            if len(runs) == 3:
                stop.set()

        await periodic(work, every_s=5.0, name="t", clock=FakeClock(), stop=stop, sleep=sleep)

    asyncio.run(main())
    assert runs == [1, 2, 3]  # each run after a wait, the first one too
    assert waits == [5.0, 5.0, 5.0]


def test_a_stop_during_the_wait_ends_the_loop_without_another_run() -> None:
    runs: list[int] = []

    async def main() -> None:
        stop = asyncio.Event()

        async def work() -> None:
            runs.append(1)

        task = asyncio.create_task(
            periodic(work, every_s=3600, name="t", clock=FakeClock(), stop=stop)
        )
        await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 1)

    asyncio.run(main())
    assert runs == []


def test_failures_are_logged_rate_limited_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    runs: list[int] = []

    async def main() -> None:
        stop = asyncio.Event()

        async def sleep(seconds: float) -> None:
            if len(runs) == 5:
                clock.advance(60_000)

        async def work() -> None:
            runs.append(1)
            if len(runs) == 8:
                stop.set()
            raise RuntimeError(f"broken {len(runs)}")

        await periodic(work, every_s=1, name="housekeeping", clock=clock, stop=stop, sleep=sleep)

    with caplog.at_level(logging.ERROR, logger="gateway.periodic"):
        asyncio.run(main())
    assert len(runs) == 8  # every failure was survived
    lines = [r for r in caplog.records if r.name == "gateway.periodic"]
    assert [r.getMessage() for r in lines] == [
        "housekeeping failed",
        "housekeeping failed (5 times since the last report)",
    ]
    assert all(r.exc_info is not None for r in lines)  # with the traceback
    assert "broken 6" in caplog.text


def test_cancellation_ends_the_loop_even_inside_the_work() -> None:
    async def main() -> None:
        started = asyncio.Event()

        async def work() -> None:
            started.set()
            await asyncio.sleep(3600)

        async def sleep(seconds: float) -> None:
            await asyncio.sleep(0)

        task = asyncio.create_task(
            periodic(work, every_s=1, name="t", clock=FakeClock(), sleep=sleep)
        )
        await asyncio.wait_for(started.wait(), 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
