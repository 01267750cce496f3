"""One channel's pending notices, in the order they should go: critical first, always.

A channel with a rate limit (the group robots: DingTalk and WeCom take 20 messages a
minute) keeps part of each minute for critical notices, and merges the minor ones that
piled up into one digest instead of sending them one by one: a storm of 300 offline notices
becomes a digest, and a fire that comes after it still goes out at once. A notice that
reaches a building's responsible person goes alone, and never as a critical one. Retries wait their
turn here too, so a failing notice never holds up the ones behind it.

Pure logic on an explicit time (ms): the dispatcher asks ``take(now)`` what to send next.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Final

from alerting.model import SEVERITY_RANK
from gateway.notification import Notification

WINDOW_MS: Final = 60_000
DIGEST_MAX: Final = 200  # notices in one digest; the rest wait for the next


def rank(notification: Notification) -> int:
    """0 for critical; higher is less urgent. A ticket notice that reaches a building's
    responsible person is never critical here: it never takes the share of the minute kept
    for critical notices, so it cannot hold an alarm back."""
    rank = SEVERITY_RANK["critical"] - SEVERITY_RANK.get(notification.severity, 0)
    return max(rank, 1) if notification.responsible is not None else rank


@dataclass(order=True)
class Entry:
    rank: int
    not_before_ms: int
    seq: int
    notification: Notification = field(compare=False)
    attempts: int = field(default=0, compare=False)

    @property
    def critical(self) -> bool:
        return self.rank == 0

    @property
    def solo(self) -> bool:
        """Sent on its own, never in a digest: a notice addressed to one building's
        responsible person must not carry other buildings' notices to them."""
        return self.notification.responsible is not None


class ChannelQueue:
    def __init__(self, *, per_minute: int | None) -> None:
        self._per_minute = per_minute
        # Slots of the window that only critical notices may use.
        self._reserve = 0 if per_minute is None else min(per_minute - 1, max(1, per_minute // 4))
        self._heap: list[Entry] = []
        self._sent: deque[int] = deque()  # send times within the window
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def put(self, notification: Notification, *, now_ms: int, attempts: int = 0) -> None:
        heapq.heappush(
            self._heap,
            Entry(rank(notification), now_ms, next(self._seq), notification, attempts),
        )

    def retry(self, entry: Entry, *, at_ms: int) -> None:
        """Put a failed notice back, not to be tried before ``at_ms``."""
        entry.not_before_ms = at_ms
        entry.seq = next(self._seq)
        heapq.heappush(self._heap, entry)

    def take(self, now_ms: int) -> list[Entry] | int | None:
        """The next notice to send (or several, to send as one digest); else how many ms
        until one may go, or None when there is nothing to send."""
        ready = [e for e in self._heap if e.not_before_ms <= now_ms]
        if not ready:
            if not self._heap:
                return None
            return min(e.not_before_ms for e in self._heap) - now_ms
        best = min(ready)
        free = self._free(now_ms)
        needed = 1 if best.critical else 1 + self._reserve
        if free < needed:
            return self._wait_for(needed - free, now_ms)
        if best.critical or best.solo or self._per_minute is None:
            taken = [best]
        else:
            taken = sorted(e for e in ready if not e.critical and not e.solo)[:DIGEST_MAX]
        chosen = {id(e) for e in taken}
        self._heap = [e for e in self._heap if id(e) not in chosen]
        heapq.heapify(self._heap)
        if self._per_minute is not None:
            self._sent.append(now_ms)
        return taken

    def _free(self, now_ms: int) -> int:
        if self._per_minute is None:
            return 1 << 30
        while self._sent and self._sent[0] <= now_ms - WINDOW_MS:
            self._sent.popleft()
        return self._per_minute - len(self._sent)

    def _wait_for(self, slots: int, now_ms: int) -> int:
        """Until ``slots`` more sends have left the window."""
        return max(1, self._sent[slots - 1] + WINDOW_MS - now_ms)
