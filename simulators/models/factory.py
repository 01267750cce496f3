"""A model for a device of a given type."""

from __future__ import annotations

import random

from simulators.message import PREFIX
from simulators.models.base import DeviceModel
from simulators.models.ebike import EbikeBlocker
from simulators.models.gas import GasDetector
from simulators.models.smoke import SmokeAlarm


def make_model(
    device_type: str,
    *,
    device_id: str,
    building_id: str,
    rng: random.Random,
    prefix: str = PREFIX,
    run: str = "",
    smoke_heartbeat_s: float = 86_400,
    gas_report_s: float = 30,
    ebike_heartbeat_s: float = 60,
) -> DeviceModel:
    if device_type == "smoke":
        return SmokeAlarm(
            device_id=device_id, building_id=building_id, rng=rng, prefix=prefix, run=run,
            heartbeat_s=smoke_heartbeat_s,
        )  # fmt: skip
    if device_type == "gas":
        return GasDetector(
            device_id=device_id, building_id=building_id, rng=rng, prefix=prefix, run=run,
            report_s=gas_report_s, heartbeat_s=gas_report_s,
        )  # fmt: skip
    if device_type == "ebike":
        return EbikeBlocker(
            device_id=device_id, building_id=building_id, rng=rng, prefix=prefix, run=run,
            heartbeat_s=ebike_heartbeat_s,
        )  # fmt: skip
    raise ValueError(f"unknown device type {device_type!r}")
