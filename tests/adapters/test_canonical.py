from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters import Event, RawMessage, Rejection, default_registry
from adapters.base import DeviceRef, IdentifierKind

NOW = 1_790_000_000_000


class NoDirectory:
    def by_identifier(
        self, identifier: str, *, kinds: frozenset[IdentifierKind]
    ) -> DeviceRef | None:
        return None

    def alarm_active(self, kind: str, device_id: str) -> bool:
        return False


REGISTRY = default_registry(topic_prefix="siteguard/v1", max_payload_bytes=1024)


def decode(topic: str, payload: Any) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return REGISTRY.decode(RawMessage(topic=topic, payload=body, received_ms=NOW), NoDirectory())


def one(topic: str, payload: Any) -> Event:
    result = decode(topic, payload)
    assert isinstance(result, list), result
    assert len(result) == 1
    return result[0]


def reason(topic: str, payload: Any) -> str:
    result = decode(topic, payload)
    assert isinstance(result, Rejection), result
    return result.reason


def test_gas_reading_with_everything() -> None:
    event = one(
        "siteguard/v1/B1/gas/g-1/telemetry",
        {
            "type": "reading",
            "lel_pct": 26,
            "co_ppm": 4.5,
            "gas": "ch4",
            "battery_pct": 80,
            "rssi": -97,
            "fw": "1.2",
            "id": "m1",
            "ts": NOW - 5000,
            "vendor_note": {"x": 1},
        },
    )
    assert (event.building_id, event.device_type, event.device_id, event.channel) == (
        "B1",
        "gas",
        "g-1",
        "telemetry",
    )
    assert event.type == "reading"
    assert event.lel_pct == 26.0 and isinstance(event.lel_pct, float)
    assert event.co_ppm == 4.5 and event.gas == "ch4"
    assert (event.battery_pct, event.rssi, event.fw) == (80.0, -97.0, "1.2")
    assert event.msg_id == "m1"
    assert event.received_ms == NOW and event.ts_ms == NOW - 5000
    assert event.extra == {"vendor_note": {"x": 1}}  # unknown fields are kept
    assert event.numeric_fields() == {
        "lel_pct": 26.0,
        "co_ppm": 4.5,
        "battery_pct": 80.0,
        "rssi": -97.0,
    }


def test_every_event_type_of_each_device_type_is_accepted() -> None:
    from adapters.events import EVENT_TYPES

    for device_type, types in EVENT_TYPES.items():
        for event_type in types:
            payload: dict[str, Any] = {"type": event_type}
            if event_type == "reading":
                payload["lel_pct"] = 1
            assert one(f"siteguard/v1/B/{device_type}/d/event", payload).type == event_type


def test_gas_alarm_without_level_counts_as_low() -> None:
    assert one("siteguard/v1/B/gas/g/event", {"type": "alarm"}).level == "low"
    assert one("siteguard/v1/B/gas/g/event", {"type": "alarm", "level": "high"}).level == "high"


def test_ebike_detection_fields() -> None:
    event = one(
        "siteguard/v1/B/ebike/lift-2/event",
        {
            "type": "ebike_detected",
            "confidence": 0.91,
            "floor": -1,
            "door_hold_s": 130,
            "snapshot_url": "http://cam/1.jpg",
        },
    )
    assert (event.confidence, event.floor, event.door_hold_s) == (0.91, -1, 130.0)
    assert event.snapshot_url == "http://cam/1.jpg"


def test_times_rfc3339_and_implausible() -> None:
    event = one(
        "siteguard/v1/B/smoke/s/event", {"type": "alarm", "ts": "2026-09-12T17:30:41+08:00"}
    )
    assert event.ts_ms == 1_789_205_441_000 and not event.ts_replaced
    unset_clock = one("siteguard/v1/B/smoke/s/event", {"type": "alarm", "ts": 1000})
    assert unset_clock.ts_ms == NOW and unset_clock.ts_replaced  # kept, on the receive time
    future = one("siteguard/v1/B/smoke/s/event", {"type": "alarm", "ts": NOW + 2 * 86_400_000})
    assert future.ts_ms == NOW and future.ts_replaced
    assert one("siteguard/v1/B/smoke/s/event", {"type": "alarm"}).ts_ms == NOW


@pytest.mark.parametrize(
    ("topic", "payload", "expected"),
    [
        ("siteguard/v1/B/gas/g/telemetry", b"{nope", "not_json"),
        ("siteguard/v1/B/gas/g/telemetry", b"\xff\xfe", "not_json"),
        ("siteguard/v1/B/gas/g/telemetry", b"42", "not_object"),
        ("siteguard/v1/B/gas/g/telemetry", {"lel_pct": 1}, "missing_type"),
        ("siteguard/v1/B/gas/g/telemetry", {"type": 7}, "unknown_type"),
        ("siteguard/v1/B/gas/g/telemetry", {"type": "ebike_detected"}, "unknown_type"),
        ("siteguard/v1/B/gas/g/telemetry", {"type": "reading"}, "missing_field:lel_pct"),
        (
            "siteguard/v1/B/gas/g/telemetry",
            {"type": "reading", "lel_pct": True},
            "wrong_type:lel_pct",
        ),
        (
            "siteguard/v1/B/gas/g/telemetry",
            {"type": "reading", "lel_pct": -0.1},
            "out_of_range:lel_pct",
        ),
        (
            "siteguard/v1/B/gas/g/telemetry",
            {"type": "reading", "lel_pct": 100.01},
            "out_of_range:lel_pct",
        ),
        (
            "siteguard/v1/B/gas/g/telemetry",
            {"type": "reading", "lel_pct": 1, "gas": "h2"},
            "bad_value:gas",
        ),
        ("siteguard/v1/B/gas/g/event", {"type": "alarm", "level": "medium"}, "bad_value:level"),
        (
            "siteguard/v1/B/smoke/s/event",
            {"type": "alarm", "battery_pct": 101},
            "out_of_range:battery_pct",
        ),
        ("siteguard/v1/B/smoke/s/event", {"type": "alarm", "rssi": 12}, "out_of_range:rssi"),
        ("siteguard/v1/B/smoke/s/event", {"type": "alarm", "rssi": "weak"}, "wrong_type:rssi"),
        ("siteguard/v1/B/smoke/s/event", {"type": "alarm", "id": ""}, "out_of_range:id"),
        ("siteguard/v1/B/smoke/s/event", {"type": "alarm", "ts": "noon"}, "bad_value:ts"),
        (
            "siteguard/v1/B/smoke/s/event",
            {"type": "alarm", "ts": "2026-01-01T00:00:00"},
            "bad_value:ts",
        ),
        ("siteguard/v1/B/smoke/s/event", {"type": "alarm", "ts": 1.5e12}, "wrong_type:ts"),
        (
            "siteguard/v1/B/ebike/e/event",
            {"type": "ebike_detected", "confidence": 2},
            "out_of_range:confidence",
        ),
        (
            "siteguard/v1/B/ebike/e/event",
            {"type": "ebike_detected", "floor": 1.5},
            "wrong_type:floor",
        ),
        ("siteguard/v1/B/smoke/s/event", b"x" * 1025, "payload_too_large"),
        ("siteguard/v1/B/smoke/s", {"type": "alarm"}, "bad_topic"),
        ("siteguard/v1/B/smoke/s/event/more", {"type": "alarm"}, "bad_topic"),
        ("siteguard/v1/B/heater/s/event", {"type": "alarm"}, "bad_topic"),
        ("siteguard/v1/B/smoke/s/chatter", {"type": "alarm"}, "bad_topic"),
        ("siteguard/v1/B B/smoke/s/event", {"type": "alarm"}, "bad_topic"),
        ("siteguard/v1/B/smoke/" + "x" * 65 + "/event", {"type": "alarm"}, "bad_topic"),
        ("other/v1/B/smoke/s/event", {"type": "alarm"}, "bad_topic"),
        ("siteguard/v1/vendor/acme/x", {"type": "alarm"}, "unknown_adapter"),
    ],
)
def test_rejections_have_a_reason(topic: str, payload: Any, expected: str) -> None:
    assert reason(topic, payload) == expected


def test_rejection_names_device_when_topic_is_good() -> None:
    result = decode("siteguard/v1/B9/smoke/s9/event", b"nope")
    assert isinstance(result, Rejection)
    assert (result.device_id, result.building_id, result.adapter) == ("s9", "B9", "canonical")
    assert "malformed" in result.detail or "invalid" in result.detail.lower()


def test_invalid_utf8_inside_a_string_is_not_json() -> None:
    # msgspec raises UnicodeDecodeError rather than DecodeError for these.
    assert reason("siteguard/v1/B9/smoke/s9/event", b'{"type": "alarm", "x": "\xff"}') == "not_json"
    assert reason("siteguard/v1/B9/smoke/s9/event", b'{"\xc3": 1}') == "not_json"


def test_a_decoder_bug_is_a_rejection_not_a_crash() -> None:
    class Broken:
        name = "broken"

        def decode(self, message: RawMessage, directory: object) -> list[Event]:
            raise KeyError("oops")

    registry = default_registry(topic_prefix="siteguard/v1", max_payload_bytes=1024)
    registry.register(Broken())  # type: ignore[arg-type]
    result = registry.decode(
        RawMessage(topic="siteguard/v1/vendor/broken/x", payload=b"{}", received_ms=NOW),
        NoDirectory(),
    )
    assert isinstance(result, Rejection) and result.reason == "adapter_error"
    assert "KeyError" in result.detail


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-500, max_value=500),
    st.sampled_from(["low", "high", "ch4", "co", "", "x", "2026-11-30T08:00:00+08:00"]),
)
_FIELDS = ["id", "ts", "battery_pct", "rssi", "fw", "lel_pct", "co_ppm", "gas", "level"]
_FIELDS += ["confidence", "floor", "door_hold_s", "snapshot_url"]


@settings(max_examples=2000, deadline=None, derandomize=True, database=None)
@given(
    device_type=st.sampled_from(["smoke", "gas", "ebike"]),
    event_type=st.sampled_from(["alarm", "reading", "heartbeat", "ebike_detected", "test"]),
    fields=st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=6),
)
def test_the_one_pass_decode_agrees_with_the_general_path(
    device_type: str, event_type: str, fields: dict[str, Any]
) -> None:
    """Payloads with known fields only take a one-pass decode; one more (unknown) field sends
    the same payload down the general path. Both must say the same, but for ``extra``."""
    topic = f"siteguard/v1/B1/{device_type}/d1/event"
    payload = {"type": event_type, **fields}
    fast = decode(topic, payload)
    general = decode(topic, {**payload, "zz_unknown": 1})
    if isinstance(general, Rejection):
        assert isinstance(fast, Rejection) and fast.reason == general.reason
        return
    assert isinstance(fast, list) and len(fast) == len(general) == 1
    extra = dict(general[0].extra or {})
    assert extra.pop("zz_unknown") == 1
    assert fast[0] == msgspec.structs.replace(general[0], extra=extra or None)
