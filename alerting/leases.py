"""Offline leases: when each device's runs out, for every device of a street at once.

A lease is renewed by every message, so this is the busiest timer there is, and the most
numerous (one per device online: 100,000 in a district). It is kept apart from the general
timers for its size: keyed by the device id the registry already holds (no key tuple per
device), at most one heap entry per device (a renewal only moves the due time; the entry is
pushed again when it surfaces early), and no second index of queued times. That is about
half the memory of a general timer, which matters at 100,000 devices.
"""

from __future__ import annotations

import heapq


class Leases:
    def __init__(self) -> None:
        self._due: dict[str, int] = {}  # device -> when its lease runs out
        self._building: dict[str, str] = {}  # device -> its building, for the alarm
        self._heap: list[tuple[int, str]] = []  # (due, device); a due may be early

    def __len__(self) -> int:
        return len(self._due)

    def renew(self, device_id: str, building_id: str, due_ms: int) -> None:
        current = self._due.get(device_id)
        self._due[device_id] = due_ms
        if self._building.get(device_id) != building_id:
            self._building[device_id] = building_id
        # A heap entry exists (with a due no later than the current one) unless the device
        # had no lease; a shorter lease than the current one needs an entry of its own.
        if current is None or due_ms < current:
            heapq.heappush(self._heap, (due_ms, device_id))

    def due(self, device_id: str) -> int | None:
        return self._due.get(device_id)

    def next_due(self) -> int | None:
        """Earliest time a lease may run out (may be early: a renewal moved it since)."""
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now_ms: int) -> list[tuple[str, str, int]]:
        """(device, building, due) of the leases that ran out by ``now_ms``, earliest first;
        they are forgotten (the next message arms a new one)."""
        fired: list[tuple[str, str, int]] = []
        heap, due_of = self._heap, self._due
        while heap and heap[0][0] <= now_ms:
            due, device_id = heapq.heappop(heap)
            actual = due_of.get(device_id)
            if actual is None:
                continue  # fired already through another entry
            if actual > due:
                heapq.heappush(heap, (actual, device_id))  # renewed since: look again then
            elif actual == due:
                del due_of[device_id]
                fired.append((device_id, self._building.pop(device_id), due))
        return fired
