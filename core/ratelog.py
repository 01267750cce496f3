"""Rate-limited logging: at most one line per key per interval, in bounded memory.

A flood (bad payloads from 100,000 devices, a loop failing every second) must neither fill the
log nor grow the memory of who was logged: past ``max_keys`` keys the oldest half is forgotten
(a forgotten key may log once more, early).
"""

from __future__ import annotations


class LogLimiter:
    def __init__(self, *, interval_ms: int, max_keys: int = 10_000) -> None:
        if interval_ms < 0:
            raise ValueError("interval_ms must not be negative")
        if max_keys < 2:
            raise ValueError("max_keys must be at least 2")
        self._interval_ms = interval_ms
        self._max_keys = max_keys
        self._last: dict[str, int] = {}  # key -> when it last logged; oldest first

    def due(self, key: str, now_ms: int) -> bool:
        """Whether a line about ``key`` may be logged at ``now_ms`` (and if so, it counts
        as logged)."""
        last = self._last.get(key)
        if last is not None and now_ms - last < self._interval_ms:
            return False
        if len(self._last) >= self._max_keys:
            for stale in list(self._last)[: self._max_keys // 2]:
                del self._last[stale]
        self._last[key] = now_ms
        return True

    def __len__(self) -> int:
        return len(self._last)
