"""What every device model shares: identity, battery, signal and message ids."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from simulators.message import PREFIX, SimMessage, canonical


class DeviceModel:
    device_type = "device"

    def __init__(
        self,
        *,
        device_id: str,
        building_id: str,
        rng: random.Random,
        heartbeat_s: float,
        battery_pct: float = 100.0,
        drain_per_day: float = 0.05,
        prefix: str = PREFIX,
        run: str = "",
    ) -> None:
        self.device_id = device_id
        # Message ids are "{device}-{run}-{n}": a run of its own keeps a restarted simulator's
        # messages from looking like repeats of the last run's (the gateway drops repeats).
        self._id_prefix = f"{device_id}-{run}-" if run else f"{device_id}-"
        self.building_id = building_id
        self.rng = rng
        self.heartbeat_ms = int(heartbeat_s * 1000)
        self.battery = battery_pct
        self.drain_per_ms = drain_per_day / 86_400_000
        self.prefix = prefix
        self._seq = 0
        self._origin: int | None = None  # the first moment simulated: battery and drift start here
        self._next: dict[str, int] = {}  # when each periodic message is next due
        self.rssi = rng.randint(-112, -78)

    def messages(self, start_ms: int, end_ms: int) -> Iterator[SimMessage]:
        """Everything the device sends in [start_ms, end_ms), oldest first."""
        raise NotImplementedError

    # ---- helpers ----------------------------------------------------------------------

    def message(
        self, at_ms: int, event_type: str, *, channel: str = "event", qos: int = 1, **fields: Any
    ) -> SimMessage:
        self._seq += 1
        payload: dict[str, Any] = {"type": event_type, "id": f"{self._id_prefix}{self._seq}"}
        payload.update(fields)
        return canonical(
            at_ms,
            building=self.building_id,
            device_type=self.device_type,
            device=self.device_id,
            channel=channel,
            payload=payload,
            qos=qos,
            prefix=self.prefix,
        )

    def elapsed(self, at_ms: int) -> int:
        """Milliseconds since this device was first simulated."""
        if self._origin is None:
            self._origin = at_ms
        return max(0, at_ms - self._origin)

    def vitals(self, at_ms: int) -> dict[str, Any]:
        """Battery (draining over time) and signal (wandering a little)."""
        level = max(0.0, self.battery - self.drain_per_ms * self.elapsed(at_ms))
        self.rssi = max(-125, min(-60, self.rssi + self.rng.randint(-2, 2)))
        return {"battery_pct": round(level), "rssi": self.rssi}

    def heartbeats(self, start_ms: int, end_ms: int) -> Iterator[int]:
        """Heartbeat times with a little jitter, the first one at a random phase; the rhythm
        carries on from one span to the next."""
        yield from self.periodic("heartbeat", self.heartbeat_ms, start_ms, end_ms, jitter=0.05)

    def periodic(
        self, name: str, every_ms: int, start_ms: int, end_ms: int, *, jitter: float = 0.0
    ) -> Iterator[int]:
        t = self._next.get(name)
        if t is None or t < start_ms:
            t = start_ms + int(self.rng.random() * every_ms)
        while t < end_ms:
            yield t
            t += max(1, int(every_ms * (1 + self.rng.uniform(-jitter, jitter))))
        self._next[name] = t
