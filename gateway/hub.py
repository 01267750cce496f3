"""The in-process event hub: committed alarm and ticket changes (``HubEvent``, the one shape
of the hub and the stream: ``gateway/shapes/event.py``), announced to whoever listens (the
SSE stream, tests). A listener that falls behind is dropped rather than slowing the
pipeline; it resumes from the store with its last event id."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from gateway.shapes import HubEvent

__all__ = ["EventHub", "HubEvent"]


class EventHub:
    def __init__(self, *, queue_size: int = 10_000) -> None:
        self._queue_size = queue_size
        self._listeners: set[asyncio.Queue[HubEvent | None]] = set()

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def publish(self, event: HubEvent) -> None:
        for queue in list(self._listeners):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self._listeners.discard(queue)
                with contextlib.suppress(asyncio.QueueFull):
                    queue.get_nowait()
                    queue.put_nowait(None)  # tells the listener it was dropped

    def close(self) -> None:
        """Tell every listener to stop (shutdown): streams end instead of holding it up."""
        for queue in list(self._listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        self._listeners.clear()

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[HubEvent | None]]:
        """A queue of events from now on; ``None`` in it means "you fell behind, resume"."""
        queue: asyncio.Queue[HubEvent | None] = asyncio.Queue(self._queue_size)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)
