"""Background work on a timer: ``periodic(work, every_s=...)`` waits, runs ``work``, and again,
until its stop event is set or its task is cancelled.

A failure of one run is logged (at most once a minute per loop, with its traceback) and the
loop goes on: a bug in a housekeeping step must not silently end the housekeeping. Expected
failures (a database away) are the work's own to catch and log briefly. Cancellation ends the
loop at once, in the wait or in the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from core.clock import Clock
from core.ratelog import LogLimiter
from gateway.store.lease import Fenced

log = logging.getLogger(__name__)

FAILURE_LOG_INTERVAL_MS = 60_000

Sleep = Callable[[float], Awaitable[None]]


async def periodic(
    work: Callable[[], Awaitable[object]],
    *,
    every_s: float,
    name: str,
    clock: Clock,
    stop: asyncio.Event | None = None,
    sleep: Sleep | None = None,
    failures: LogLimiter | None = None,
) -> None:
    """Run ``work`` every ``every_s`` seconds, the first time after one interval.

    ``stop`` ends the loop at the next wait (a run under way is finished, not cut short);
    without it the loop runs until cancelled. ``sleep`` replaces the wait (tests); ``clock``
    times the rate-limited failure log; ``failures`` may be shared by several loops.
    """
    limiter = failures or LogLimiter(interval_ms=FAILURE_LOG_INTERVAL_MS)
    missed = 0
    while stop is None or not stop.is_set():
        await _wait(every_s, stop, sleep)
        if stop is not None and stop.is_set():
            return
        try:
            await work()
        except Fenced:
            log.info("%s: skipped, the lease is gone (ha.enabled)", name)
            return
        except Exception:
            missed += 1
            if limiter.due(name, clock.now_ms()):
                if missed == 1:
                    log.exception("%s failed", name)
                else:
                    log.exception("%s failed (%d times since the last report)", name, missed)
                missed = 0


async def _wait(seconds: float, stop: asyncio.Event | None, sleep: Sleep | None) -> None:
    if sleep is not None:
        await sleep(seconds)
    elif stop is None:
        await asyncio.sleep(seconds)
    else:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
