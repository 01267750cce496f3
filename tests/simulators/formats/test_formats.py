"""Simulated vendor messages decode, through the real adapters, into what was simulated."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters import Event, RawMessage, Rejection, default_registry
from adapters.events import EVENT_TYPES
from simulators.formats import ENCODERS, FORMATS, convert, format_of, identifiers
from simulators.formats.base import Canonical
from simulators.message import canonical
from simulators.push import HttpPusher
from simulators.scenario import builtin
from tests.adapters.directory import FakeDirectory

NOW = 1_795_881_800_000
REGISTRY = default_registry(topic_prefix="siteguard/v1", max_payload_bytes=64 * 1024)
FIELDS: dict[str, dict[str, Any]] = {
    "reading": {"lel_pct": 31.5},
    "alarm": {"level": "high", "lel_pct": 55},
    "ebike_detected": {"confidence": 0.91, "door_hold_s": 150, "floor": 1},
}
# What clears need to be clears (a vendor's "normal" is a clear only after an alarm).
ACTIVE = {
    ("smoke", "alarm_clear"): "smoke",
    ("smoke", "fault_clear"): "device_fault",
    ("smoke", "tamper_clear"): "tamper",
    ("gas", "alarm_clear"): "gas",
}


def _round_trip(adapter: str, device_type: str, event_type: str) -> list[Event] | None:
    device = f"{device_type}-sim-1"
    fields = {"battery_pct": 64, "rssi": -103, **FIELDS.get(event_type, {})}
    if device_type != "gas":
        fields.pop("lel_pct", None)
        fields.pop("level", None)
    encoded = ENCODERS[adapter].encode(
        Canonical(
            building="B1",
            device_type=device_type,
            device=device,
            channel="event",
            body={"type": event_type, **fields},
            wall_ms=NOW - 1000,
        )
    )
    if encoded is None:
        return None
    ids = list(identifiers(adapter, device, device_type).values()) or [device]
    active = (
        [(ACTIVE[(device_type, event_type)], device)] if (device_type, event_type) in ACTIVE else []
    )
    directory = FakeDirectory(
        [
            {
                "device_id": device,
                "building_id": "B1",
                "device_type": device_type,
                "identifiers": ids,
            }
        ],
        active,
    )
    topic = f"siteguard/v1/vendor/{adapter}/{encoded.identifier}"
    body = encoded.payload
    if adapter == "onenet":
        body = HttpPusher.signed(body, "token")  # as the pusher sends it
    result = REGISTRY.decode(RawMessage(topic=topic, payload=body, received_ms=NOW), directory)
    assert not isinstance(result, Rejection), (adapter, event_type, result)
    events = [e for e in result if isinstance(e, Event)]
    assert len(events) == len(result), result
    return events


def _says(adapter: str, device_type: str, event_type: str) -> bool:
    probe = Canonical(
        building="B1", device_type=device_type, device="d", channel="event",
        body={"type": event_type}, wall_ms=NOW,
    )  # fmt: skip
    return ENCODERS[adapter].encode(probe) is not None


CASES = [
    pytest.param(adapter, device_type, event_type, id=f"{adapter}-{device_type}-{event_type}")
    for adapter, encoder in ENCODERS.items()
    for device_type in sorted(encoder.device_types)
    for event_type in sorted(EVENT_TYPES[device_type])
    if _says(adapter, device_type, event_type)
]
# The GS101 reports a state, not a concentration: a simulated reading is its status report.
SAID_AS = {("milesight", "gas", "reading"): "heartbeat"}


@pytest.mark.parametrize(("adapter", "device_type", "event_type"), CASES)
def test_what_a_format_says_decodes_back(adapter: str, device_type: str, event_type: str) -> None:
    events = _round_trip(adapter, device_type, event_type)
    assert events is not None
    expected = SAID_AS.get((adapter, device_type, event_type), event_type)
    types = [e.type for e in events]
    assert expected in types, (adapter, types)
    event = events[types.index(expected)]
    assert event.device_id == f"{device_type}-sim-1" and event.source == adapter
    assert event.ts_ms == NOW - 1000 or adapter == "iotda"  # IoTDA's times are whole seconds
    if adapter != "ebike_board" and (adapter, device_type) != ("milesight", "gas"):
        # OneNET sends the battery as a data point of its own: an event of its own.
        assert any(e.battery_pct == 64 for e in events), events
    if expected != event_type:
        return
    wanted = dict(FIELDS.get(event_type, {}))
    if device_type != "gas" or adapter == "milesight":
        wanted.pop("lel_pct", None)  # the GS101 reports no concentration
        wanted.pop("level", None)
    if event_type == "alarm":
        wanted.pop("lel_pct", None)  # the level rides on the reading sent with the alarm
    if adapter == "aliyun":
        wanted.pop("level", None)  # Alibaba's standard gas model has none: %LEL says it
    for name, value in wanted.items():
        assert getattr(event, name) == value, (name, event)


def test_every_format_says_what_its_devices_mostly_send() -> None:
    must = {
        "smoke": {"alarm", "alarm_clear", "heartbeat", "fault", "tamper", "test", "low_battery"},
        "gas": {"alarm", "alarm_clear", "heartbeat"},
        "ebike": {"ebike_detected", "ebike_left", "heartbeat", "camera_blocked", "blocker_fault"},
    }
    for adapter, encoder in ENCODERS.items():
        for device_type in encoder.device_types:
            said = {t for t in EVENT_TYPES[device_type] if _round_trip(adapter, device_type, t)}
            assert must[device_type] <= said, (adapter, device_type, must[device_type] - said)


def test_convert_a_scenario_to_mixed_formats() -> None:
    messages = builtin("fire_double_knock").messages(tag="t1")
    converted = list(convert(messages, "mixed", origin_wall_ms=NOW))
    assert [m.at_ms for m in converted] == [m.at_ms for m in messages]
    vendor = [m for m in converted if "/vendor/" in m.topic]
    assert len(vendor) == len(messages)
    assert all(json.loads(m.payload) for m in vendor)


def test_mixed_spreads_devices_over_formats_and_keeps_each_device_in_one() -> None:
    picks = {format_of("mixed", f"JT01-S{i:03d}", "smoke") for i in range(200)}
    assert picks == {"ctwing", "onenet", "iotda", "aliyun", "milesight"}
    assert format_of("mixed", "x", "smoke") == format_of("mixed", "x", "smoke")
    assert format_of("milesight", "g", "gas") == "milesight"
    assert format_of("ctwing", "e", "ebike") == "ebike_board"
    assert format_of("canonical", "s", "smoke") is None
    assert "mixed" in FORMATS


def test_messages_a_format_cannot_say_stay_canonical() -> None:
    message = canonical(
        0, building="B1", device_type="gas", device="g1", channel="event",
        payload={"type": "valve_closed"},
    )  # fmt: skip
    (out,) = convert([message], "milesight", origin_wall_ms=NOW)
    assert out == message
