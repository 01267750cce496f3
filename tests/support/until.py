"""Waiting in async tests for a condition that another task makes true."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def until(predicate: Callable[[], bool], timeout: float = 5) -> None:
    """Poll ``predicate`` until it holds; TimeoutError after ``timeout`` seconds. Measured by
    the monotonic clock, not the loop's: some tests move the loop's clock."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.002)
