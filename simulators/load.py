"""Load mode: a fixed rate of realistic telemetry from many devices, for benchmarks and
capacity tests (``siteguard simulate --buildings N --devices-per-building M --rate R``)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from simulators.message import PREFIX, SimMessage
from simulators.models import DeviceModel, EbikeBlocker, GasDetector
from simulators.models.factory import make_model


def load_messages(
    *,
    buildings: int,
    per_building: int,
    rate: float,
    duration_s: float,
    seed: int,
    qos: int = 0,
    prefix: str = PREFIX,
) -> Iterator[SimMessage]:
    """``rate`` msg/s for ``duration_s``: 60 % gas readings, 25 % smoke heartbeats, 15 %
    e-bike blockers (heartbeats, and detections too unsure to alarm)."""
    rng = random.Random(seed)
    devices: list[DeviceModel] = []
    for b in range(buildings):
        building = f"L{b:04d}"
        for d in range(per_building):
            roll = (d * 20) % 100
            kind = "gas" if roll < 60 else "smoke" if roll < 85 else "ebike"
            device_id = f"{building}-{kind[0].upper()}{d:03d}"
            devices.append(
                make_model(
                    kind,
                    device_id=device_id,
                    building_id=building,
                    rng=rng,
                    prefix=prefix,
                    run=str(seed),
                )
            )
    count = int(rate * duration_s)
    for i in range(count):
        at_ms = int(i * 1000 / rate)
        device = devices[rng.randrange(len(devices))]
        if isinstance(device, GasDetector):
            messages = device.reading(at_ms)
            yield from (
                SimMessage(at_ms=m.at_ms, topic=m.topic, payload=m.payload, qos=qos)
                for m in messages[:1]
            )
        elif isinstance(device, EbikeBlocker) and rng.random() < 0.2:
            yield device.message(
                at_ms, "ebike_detected", qos=qos, confidence=round(rng.uniform(0.3, 0.7), 2)
            )
        else:
            yield device.message(
                at_ms, "heartbeat", channel="heartbeat", qos=qos, **device.vitals(at_ms)
            )
