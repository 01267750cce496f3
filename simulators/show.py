"""The demo's incidents: a confirmed fire, a gas leak, an e-bike hotspot, a device dropping
out, a dusty detector and a standoff, staged on the street's real devices and repeated every
cycle on other buildings, so that a newcomer sees each within the first two minutes."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from simulators.message import PREFIX, SimMessage
from simulators.models import EbikeBlocker, GasDetector, SmokeAlarm
from simulators.models.gas import Leak
from simulators.street import Building, Device

CYCLE_MS = 300_000


@dataclass(frozen=True)
class Cast:
    """Who plays what in one cycle."""

    fire: tuple[Device, Device]
    dust: Device
    leak: Device
    hotspot: Device
    standoff: Device
    dropout: Device


def cast(street: list[Building], cycle: int) -> Cast:
    compounds = [b for b in street if b.building_id.startswith("JT")]
    highrises = [b for b in street if b.building_id.startswith("XX")]
    shops = [b for b in street if b.building_id.startswith("SY")]

    def pick(buildings: list[Building], device_type: str, offset: int) -> Device:
        building = buildings[(cycle + offset) % len(buildings)]
        devices = [d for d in building.devices if d.device_type == device_type]
        return devices[(cycle * 3 + offset) % len(devices)]

    fire_building = compounds[cycle % len(compounds)]
    smokes = [d for d in fire_building.devices if d.device_type == "smoke"]
    first = (cycle * 2) % len(smokes)
    return Cast(
        fire=(smokes[first], smokes[(first + 1) % len(smokes)]),
        dust=pick(compounds, "smoke", 1),
        leak=pick(shops, "gas", 0),
        hotspot=pick(highrises, "ebike", 0),
        standoff=pick(highrises, "ebike", 1),
        dropout=pick(highrises, "ebike", 2),
    )


def incidents(
    street: list[Building],
    *,
    cycle: int,
    start_ms: int,
    seed: int,
    prefix: str = PREFIX,
    leak_into: Callable[[Device], GasDetector] | None = None,
) -> list[SimMessage]:
    """The messages of one cycle's incidents, from ``start_ms``."""
    c = cast(street, cycle)
    rng = random.Random(f"{seed}:show:{cycle}")
    out: list[SimMessage] = []

    run = f"{seed}s{cycle}"  # message ids of their own, apart from the background traffic

    def smoke(device: Device) -> SmokeAlarm:
        return SmokeAlarm(
            device_id=device.device_id, building_id=device.building_id, rng=rng, prefix=prefix,
            run=run,
        )  # fmt: skip

    def ebike(device: Device) -> EbikeBlocker:
        return EbikeBlocker(
            device_id=device.device_id, building_id=device.building_id, rng=rng, prefix=prefix,
            run=run,
        )  # fmt: skip

    # A fire: two detectors of one old building, ten seconds apart (confirmed, GB 50116).
    out.append(smoke(c.fire[0]).alarm(start_ms + 15_000))
    out.append(smoke(c.fire[1]).alarm(start_ms + 25_000))
    # A restaurant kitchen leak ramps through both gas levels; the detector closes its valve.
    # Into the detector that is already reporting (``leak_into``), or one of our own.
    leak = Leak(start_ms + 35_000, 62.0, ramp_ms=30_000, hold_ms=60_000, decay_ms=90_000)
    if leak_into is not None:
        leak_into(c.leak).leak(leak)
    else:
        detector = GasDetector(
            device_id=c.leak.device_id, building_id=c.leak.building_id, rng=rng,
            baseline_lel=2.0, drift_per_day=0, prefix=prefix, run=run,
        )  # fmt: skip
        detector.leak(leak)
        for t in range(start_ms + 35_000, start_ms + 215_000, 5_000):
            out += detector.reading(t)
    # An elevator where e-bikes keep coming in: five confident detections in twelve seconds.
    blocker = ebike(c.hotspot)
    for i in range(5):
        out += blocker.detection(start_ms + 55_000 + i * 3_000, confident=True, hold_s=10)
    # A dusty detector: an alarm that clears itself (a smoke alarm, no fire).
    out += smoke(c.dust).false_alarm(start_ms + 80_000)
    # A rider holding the elevator door with a bike inside: a standoff until it leaves.
    out += ebike(c.standoff).detection(start_ms + 100_000, confident=True, hold_s=150)
    # One blocker says hello once, then falls silent: offline when its lease runs out.
    out.append(ebike(c.dropout).message(start_ms + 1_000, "heartbeat", channel="heartbeat"))
    return sorted(out)
