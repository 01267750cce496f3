"""Drops repeats of (device, message id) within a window (contract: 10 minutes).

The pairs are also written to the database with each batch, and loaded at start-up, so a
message redelivered by the broker after a crash is recognised as well. Each pair keeps the
time of the series point its first copy produced, so that a duplicate can write that same
point again (a no-op) in case the crash came between the commit and the series write.
"""

from __future__ import annotations

from collections import deque


class Deduplicator:
    """Bounded by ``max_entries`` too: under a flood the oldest pairs are forgotten first
    (the window shrinks rather than memory growing with the sender's rate)."""

    def __init__(self, *, window_ms: int, max_entries: int = 1_000_000) -> None:
        self._window = window_ms
        self._max = max_entries
        self._seen: dict[tuple[str, str], int] = {}  # -> point time (us) of the first copy
        self._order: deque[tuple[int, tuple[str, str]]] = deque()

    def __len__(self) -> int:
        return len(self._seen)

    def seen(self, device_id: str, msg_id: str, now_ms: int) -> int | None:
        """The first copy's point time if (device, id) was seen within the window, else None."""
        self._expire(now_ms)
        return self._seen.get((device_id, msg_id))

    def remember(self, device_id: str, msg_id: str, received_ms: int, point_us: int) -> None:
        key = (device_id, msg_id)
        if key not in self._seen:
            self._seen[key] = point_us
            self._order.append((received_ms, key))
            if len(self._order) > self._max:
                _, oldest = self._order.popleft()
                self._seen.pop(oldest, None)

    def _expire(self, now_ms: int) -> None:
        horizon = now_ms - self._window
        order = self._order
        while order and order[0][0] < horizon:
            _, key = order.popleft()
            self._seen.pop(key, None)
