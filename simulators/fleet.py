"""Many devices at once: the street's background traffic, oldest message first, for ever."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator

from simulators.message import PREFIX, SimMessage
from simulators.models import DeviceModel
from simulators.models.factory import make_model
from simulators.street import Building

WINDOW_MS = 10_000


class Fleet:
    def __init__(
        self,
        street: Iterable[Building],
        *,
        seed: int,
        smoke_heartbeat_s: float = 86_400,
        gas_report_s: float = 30,
        ebike_heartbeat_s: float = 60,
        prefix: str = PREFIX,
    ) -> None:
        self.models: dict[str, DeviceModel] = {}
        for building in street:
            for device in building.devices:
                # A generator per device, seeded by name: a device's messages do not depend
                # on which other devices the fleet holds.
                self.models[device.device_id] = make_model(
                    device.device_type,
                    device_id=device.device_id,
                    building_id=building.building_id,
                    rng=random.Random(f"{seed}:{device.device_id}"),
                    prefix=prefix,
                    run=f"{seed}",
                    smoke_heartbeat_s=smoke_heartbeat_s,
                    gas_report_s=gas_report_s,
                    ebike_heartbeat_s=ebike_heartbeat_s,
                )
        self.silent: set[str] = set()

    def stream(self, start_ms: int, *, window_ms: int = WINDOW_MS) -> Iterator[SimMessage]:
        """Every device's messages from ``start_ms`` on, merged in time order (endless)."""
        w0 = start_ms
        while True:
            w1 = w0 + window_ms
            streams = [
                model.messages(w0, w1)
                for device_id, model in self.models.items()
                if device_id not in self.silent
            ]
            yield from heapq.merge(*streams)
            w0 = w1
