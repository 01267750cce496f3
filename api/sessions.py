"""What the API remembers about tokens between requests: failed sign-ins per address (a
brute-force limit), when each token was last used (written to the store now and then, not
on every request), and hourly quotas (photo uploads)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import deque

_WINDOW_MS = 60_000
_HOUR_MS = 3_600_000
_ADDRESSES_MAX = 10_000  # a flood of addresses forgets the oldest first


class AuthFailures:
    """Failed sign-ins per client address over the last minute; thread-safe (auth runs in
    FastAPI's thread pool)."""

    def __init__(self, *, per_minute: int) -> None:
        self._per_minute = per_minute
        self._failures: dict[str, deque[int]] = {}
        self._lock = threading.Lock()

    def blocked_for_s(self, address: str, now_ms: int) -> int:
        """Seconds until ``address`` may try again; 0 when it may now."""
        with self._lock:
            times = self._failures.get(address)
            if times is None:
                return 0
            while times and times[0] <= now_ms - _WINDOW_MS:
                times.popleft()
            if len(times) < self._per_minute:
                return 0
            return max(1, (times[0] + _WINDOW_MS - now_ms + 999) // 1000)

    def failed(self, address: str, now_ms: int) -> None:
        with self._lock:
            times = self._failures.get(address)
            if times is None:
                if len(self._failures) >= _ADDRESSES_MAX:
                    del self._failures[next(iter(self._failures))]
                times = self._failures[address] = deque(maxlen=self._per_minute)
            times.append(now_ms)


class TokenUsage:
    """Token id -> when it was last used, taken by the housekeeping (``take``) and written
    to ``tokens.last_used_ms`` in one statement."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def used(self, token_id: str, now_ms: int) -> None:
        with self._lock:
            if len(self._used) < _ADDRESSES_MAX:
                self._used[token_id] = now_ms

    def take(self) -> dict[str, int]:
        with self._lock:
            used, self._used = self._used, {}
        return used


class HourlyQuota:
    """At most ``per_hour`` takes per key over the last hour (photo uploads per token);
    thread-safe, and bounded in the keys it remembers."""

    def __init__(self) -> None:
        self._taken: dict[str, deque[int]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now_ms: int, *, per_hour: int) -> bool:
        """Count one for ``key`` if it has room, and say whether it had."""
        with self._lock:
            times = self._taken.get(key)
            if times is None:
                if len(self._taken) >= _ADDRESSES_MAX:
                    del self._taken[next(iter(self._taken))]
                times = self._taken[key] = deque()
            while times and times[0] <= now_ms - _HOUR_MS:
                times.popleft()
            if len(times) >= per_hour:
                return False
            times.append(now_ms)
            return True


class PublicGuards:
    """What the public endpoints remember (docs/public-reports.md): reports per address and
    per building, photos per address, and the key that turns an address into a digest (the
    address itself is never stored; a new key each start, so digests do not outlive it)."""

    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)
        self.reports = HourlyQuota()
        self.buildings = HourlyQuota()
        self.photos = HourlyQuota()

    def digest(self, address: str) -> str:
        return hmac.new(self.key, address.encode(), hashlib.sha256).hexdigest()
