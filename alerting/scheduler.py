"""Keyed timers on an injected clock.

One timer per key; setting a key again moves its timer. Extending a timer (the common case:
a device lease renewed by every message) costs a dict write, not a heap push, so the heap
holds about one entry per key however busy the devices are.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Scheduler(Generic[K]):
    def __init__(self) -> None:
        self._due: dict[K, int] = {}  # the authoritative due time of each armed key
        self._queued: dict[K, int] = {}  # due time of the key's live heap entry
        self._heap: list[tuple[int, int, K]] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, key: object) -> bool:
        return key in self._due

    @property
    def heap_entries(self) -> int:
        """Entries in the heap, live or superseded: what the timers cost in memory (about one
        per key, however often a key is extended)."""
        return len(self._heap)

    def set(self, key: K, due_ms: int) -> None:
        self._due[key] = due_ms
        queued = self._queued.get(key)
        if queued is None or due_ms < queued:
            self._queued[key] = due_ms
            heapq.heappush(self._heap, (due_ms, next(self._seq), key))

    def cancel(self, key: K) -> None:
        self._due.pop(key, None)

    def due(self, key: K) -> int | None:
        return self._due.get(key)

    def next_due(self) -> int | None:
        """Earliest time anything may fire (may be early after a cancel or an extension)."""
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now_ms: int) -> list[tuple[K, int]]:
        """Remove and return the (key, due) pairs due at or before ``now_ms``, earliest first."""
        fired: list[tuple[K, int]] = []
        heap = self._heap
        while heap and heap[0][0] <= now_ms:
            due, _, key = heapq.heappop(heap)
            if self._queued.get(key) != due:
                continue  # superseded by an earlier entry
            actual = self._due.get(key)
            if actual is None:
                del self._queued[key]
            elif actual > due:
                self._queued[key] = actual
                heapq.heappush(heap, (actual, next(self._seq), key))
            else:
                del self._queued[key]
                del self._due[key]
                fired.append((key, actual))
        return fired
