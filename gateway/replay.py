"""Replay protection for vendor pushes: what was already taken is not taken again.

A push is remembered by its nonce (where the platform signs one) and by a digest of the
content its credential covers, for the adapter's replay window. A platform's own retry of a
push already durable is answered 200 without being taken twice; an old push replayed after
the window is refused where the platform signs a send time (``PushFreshness.sent_ms``).
Memory only, bounded: after a restart the event deduplication (message ids, kept in the
database for ``ingest.dedup_window_s``) still drops repeated alarms.
"""

from __future__ import annotations

from collections import deque


class ReplayGuard:
    def __init__(self, *, max_entries: int = 200_000) -> None:
        self._expires: dict[str, int] = {}
        self._order: deque[tuple[int, str]] = deque()
        self._max = max_entries

    def seen(self, key: str, now_ms: int) -> bool:
        self._expire(now_ms)
        return key in self._expires

    def remember(self, key: str, now_ms: int, ttl_ms: int) -> None:
        expires = now_ms + ttl_ms
        self._expires[key] = expires
        self._order.append((expires, key))
        while len(self._expires) > self._max and self._order:
            _, oldest = self._order.popleft()
            self._expires.pop(oldest, None)

    def forget(self, key: str) -> None:
        self._expires.pop(key, None)

    def _expire(self, now_ms: int) -> None:
        order, expires = self._order, self._expires
        while order and order[0][0] <= now_ms:
            at, key = order.popleft()
            if expires.get(key) == at:
                del expires[key]

    def __len__(self) -> int:
        return len(self._expires)
