"""What a product model file says (TOML or JSON), as typed values checked at load.

A model maps one product's named fields to canonical meaning (docs/adapters.md, "Product
models"): which fields are states whose values mean alarm, clear, test, fault, tamper or
low battery; which are readings (%LEL, battery, signal) and how to scale them; which it
knows but SiteGuard does not use (kept in the events' ``extra``); and which products and
devices it is for.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

# What a state value can mean. "normal" clears what the field's other values raise, where
# that is active (else it is a sign of life); "alarm:low"/"alarm:high" are gas levels.
Meaning = Literal[
    "alarm",
    "alarm:low",
    "alarm:high",
    "alarm_clear",
    "silenced",
    "fault",
    "fault_clear",
    "low_battery",
    "tamper",
    "tamper_clear",
    "test",
    "heartbeat",
    "normal",
    "ignore",
]
Canonical = Literal["lel_pct", "co_ppm", "battery_pct", "rssi", "confidence", "door_hold_s", "fw"]
Name = Annotated[str, Meta(min_length=1, max_length=64)]


class Match(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # "<adapter>:<platform product id>": CTWing productId, IoTDA product_id or service_id,
    # Aliyun productKey, OneNET product id.
    products: list[Annotated[str, Meta(pattern=r"^[a-z_]+:[!-~]{1,128}$")]] = []
    # "<vendor>/<model>" as the registry has them (case does not matter).
    registry: list[Annotated[str, Meta(min_length=3, max_length=129)]] = []
    # Fields that, all present, say a message is this product's (devices not registered
    # with a model, pending devices).
    shape: list[Name] = []


class State(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    field: Name | list[Name]  # several names: any of them (the first present is read)
    # value -> meaning(s). Keys are the values as text: 1, "1" and 1.0 are one value; true
    # and false are "true" and "false"; strings compare without case.
    values: dict[str, Meaning | list[Meaning]]
    # The alarm kind this field's alarms are (for "normal" to clear): smoke or gas by the
    # device type when not given.
    kind: Literal["smoke", "gas"] | None = None


class Reading(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    field: Name | list[Name]
    to: Canonical
    scale: float = 1.0
    offset: float = 0.0
    # "dbm": a signal as vendors send it (a positive RSRP means negative dBm; below -200
    # it is tenths of a dB).
    convert: Literal["dbm"] | None = None


class Model(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    device_type: Literal["smoke", "gas", "ebike"] | None = None  # None: any
    sources: list[Annotated[str, Meta(min_length=8)]]  # where the mapping comes from
    frame: str | None = None  # a binary frame decoder (adapters/frames) for raw bytes
    match: Match = msgspec.field(default_factory=Match)
    states: list[State] = []
    readings: list[Reading] = []
    keep: list[Name] = []  # known, not canonical: kept in the events' extra
    ignore: list[Name] = []  # known and of no use (ids, radio details): dropped
