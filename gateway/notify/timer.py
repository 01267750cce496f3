"""Scheduling time for the dispatcher: when a notice may go, how long a worker waits, when an
attempt times out.

``LoopTimer`` is the event loop's monotonic clock (what runs in production). ``FakeTimer`` is
moved by hand (``advance``) for tests, over a ``core.clock.FakeClock``: nothing waits on the
wall clock, and ``idle(n)`` tells when the dispatcher's workers have done all they can at the
current time. Times are milliseconds, like the queues'.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from core.clock import FakeClock

T = TypeVar("T")


class Timer(Protocol):
    def now_ms(self) -> int:
        """Monotonic time, for differences only."""
        ...

    async def wait(self, event: asyncio.Event, timeout_ms: int | None) -> None:
        """Until ``event`` is set or ``timeout_ms`` has passed (None: no timeout)."""
        ...

    async def sleep(self, ms: int) -> None: ...

    async def within(self, awaitable: Awaitable[T], timeout_ms: int) -> T:
        """``awaitable``'s result; TimeoutError (and it cancelled) if it takes longer."""
        ...


class LoopTimer:
    """The running event loop's clock."""

    def now_ms(self) -> int:
        return int(asyncio.get_running_loop().time() * 1000)

    async def wait(self, event: asyncio.Event, timeout_ms: int | None) -> None:
        with contextlib.suppress(TimeoutError):
            timeout = None if timeout_ms is None else timeout_ms / 1000
            await asyncio.wait_for(event.wait(), timeout)

    async def sleep(self, ms: int) -> None:
        await asyncio.sleep(ms / 1000)

    async def within(self, awaitable: Awaitable[T], timeout_ms: int) -> T:
        return await asyncio.wait_for(awaitable, timeout_ms / 1000)


@dataclass(eq=False)
class _Parked:
    """A task waiting on the timer: for an event, a deadline, or both."""

    event: asyncio.Event | None
    deadline: asyncio.Future[None] | None

    def idle(self) -> bool:
        woken = self.event is not None and self.event.is_set()
        return not woken and not (self.deadline is not None and self.deadline.done())


class FakeTimer:
    """A timer tests move by hand: ``advance(ms)`` moves ``clock`` and wakes what fell due.

    ``await idle(n)`` returns once ``n`` tasks wait on this timer with nothing to do before a
    deadline that has not come (the dispatcher runs a worker per channel, the log included):
    then whatever the dispatcher could send at this time has been sent.
    """

    def __init__(self, *, clock: FakeClock | None = None) -> None:
        self.clock = clock if clock is not None else FakeClock()
        self._deadlines: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._parked: set[_Parked] = set()
        self._changed = asyncio.Event()

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def advance(self, ms: int) -> None:
        self.clock.advance(ms)
        now = self.now_ms()
        while self._deadlines and self._deadlines[0][0] <= now:
            _, _, future = heapq.heappop(self._deadlines)
            if not future.done():
                future.set_result(None)
        self._changed.set()

    @property
    def next_deadline_ms(self) -> int | None:
        """When the next waiting task falls due, if one waits for a time."""
        pending = [at for at, _, future in self._deadlines if not future.done()]
        return min(pending, default=None)

    async def idle(self, waiters: int) -> None:
        while sum(parked.idle() for parked in self._parked) < waiters:
            self._changed.clear()
            await self._changed.wait()

    async def wait(self, event: asyncio.Event, timeout_ms: int | None) -> None:
        if event.is_set():
            return
        deadline = None if timeout_ms is None else self._deadline(timeout_ms)
        woken = asyncio.ensure_future(event.wait())
        parked = _Parked(event, deadline)
        self._park(parked)
        until: list[asyncio.Future[Any]] = [woken] if deadline is None else [woken, deadline]
        try:
            await asyncio.wait(until, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            if deadline is not None:
                deadline.cancel()
            self._unpark(parked)

    async def sleep(self, ms: int) -> None:
        deadline = self._deadline(ms)
        parked = _Parked(None, deadline)
        self._park(parked)
        try:
            await deadline
        finally:
            deadline.cancel()
            self._unpark(parked)

    async def within(self, awaitable: Awaitable[T], timeout_ms: int) -> T:
        deadline = self._deadline(timeout_ms)
        task = asyncio.ensure_future(awaitable)
        race: list[asyncio.Future[Any]] = [task, deadline]
        try:
            await asyncio.wait(race, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                return task.result()
        finally:
            deadline.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        raise TimeoutError

    def _deadline(self, ms: int) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if ms <= 0:
            future.set_result(None)
        else:
            heapq.heappush(self._deadlines, (self.now_ms() + ms, next(self._seq), future))
        return future

    def _park(self, parked: _Parked) -> None:
        self._parked.add(parked)
        self._changed.set()

    def _unpark(self, parked: _Parked) -> None:
        self._parked.discard(parked)
        self._changed.set()
