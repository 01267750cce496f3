"""Golden tests: realistic payloads of every vendor adapter and the canonical events (or the
rejection, or the pending hold) each must become. The fixtures in ``golden/`` say where
each payload's shape comes from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from adapters import Event, RawMessage, Rejection, default_registry
from tests.adapters.directory import FakeDirectory

GOLDEN = Path(__file__).with_name("golden")
NOW = 1_795_881_800_000  # 2026-11-28T16:03:20Z, after every device time in the fixtures
ADAPTERS = ["ctwing", "onenet", "iotda", "aliyun", "milesight", "ebike_board"]
REGISTRY = default_registry(topic_prefix="siteguard/v1", max_payload_bytes=64 * 1024)


def _cases() -> list[Any]:
    params = []
    for adapter in ADAPTERS:
        fixture = json.loads((GOLDEN / f"{adapter}.json").read_text(encoding="utf-8"))
        for case in fixture["cases"]:
            params.append(
                pytest.param(adapter, fixture["registry"], case, id=f"{adapter}: {case['name']}")
            )
    return params


def decode(adapter: str, payload: Any, directory: FakeDirectory) -> Any:
    body = json.dumps(payload, ensure_ascii=False).encode()
    message = RawMessage(topic=f"siteguard/v1/vendor/{adapter}/x", payload=body, received_ms=NOW)
    return REGISTRY.decode(message, directory)


def _fields(event: Event) -> dict[str, Any]:
    return msgspec.structs.asdict(event)


@pytest.mark.parametrize(("adapter", "registry", "case"), _cases())
def test_golden(adapter: str, registry: list[dict[str, Any]], case: dict[str, Any]) -> None:
    assert case["source"], "every fixture says where its shape comes from"
    directory = FakeDirectory(registry, case.get("active", ()))
    result = decode(adapter, case["payload"], directory)
    if "reject" in case:
        assert isinstance(result, Rejection), result
        assert result.reason == case["reject"], result.detail
        assert result.detail
        return
    if "held" in case:
        assert isinstance(result, Rejection), result
        assert result.reason == "unknown_device"
        for name, value in case["held"].items():
            assert getattr(result, name) == value, (name, result)
        return
    assert not isinstance(result, Rejection), result
    assert len(result) == len(case["expect"]), result
    for got, want in zip(result, case["expect"], strict=True):
        if "held" in want:
            assert isinstance(got, Rejection) and got.identifier == want["held"], got
            continue
        if "reject" in want:  # a part that could not be read, beside the events
            assert isinstance(got, Rejection) and got.reason == want["reject"], got
            assert got.device_id and got.product, got
            continue
        assert isinstance(got, Event), got
        fields = _fields(got)
        assert got.source == adapter and got.received_ms == NOW
        assert got.msg_id, "vendor events carry a content id, so platform retries are dropped"
        for name, value in want.items():
            if name == "extra":
                for key, item in value.items():
                    assert (got.extra or {}).get(key) == item, (key, got.extra)
            else:
                assert fields[name] == value, (name, fields)
        if "ts_ms" not in want:
            assert got.ts_ms <= NOW


def test_every_adapter_has_its_cases() -> None:
    """The issue's list: alarm, clear, fault, low battery, tamper, test and heartbeat where the
    vendor has them."""
    needed = {
        "ctwing": {"alarm", "alarm_clear", "fault", "low_battery", "tamper", "test", "heartbeat"},
        "milesight": {
            "alarm",
            "alarm_clear",
            "fault",
            "low_battery",
            "tamper",
            "test",
            "heartbeat",
        },
        "onenet": {"alarm", "alarm_clear", "heartbeat", "tamper", "test"},
        "iotda": {"alarm", "alarm_clear", "fault", "tamper", "test", "heartbeat"},
        "aliyun": {"alarm", "alarm_clear", "fault", "tamper", "heartbeat"},
        "ebike_board": {
            "ebike_detected",
            "ebike_left",
            "blocker_fault",
            "fault_clear",
            "heartbeat",
        },
    }
    for adapter, types in needed.items():
        fixture = json.loads((GOLDEN / f"{adapter}.json").read_text(encoding="utf-8"))
        covered = {e["type"] for c in fixture["cases"] for e in c.get("expect", ()) if "type" in e}
        assert types <= covered, (adapter, types - covered)


def test_the_same_push_twice_has_the_same_ids() -> None:
    """A platform retrying a push resends its bytes: the ids match, so dedup drops the copy."""
    fixture = json.loads((GOLDEN / "ctwing.json").read_text(encoding="utf-8"))
    directory = FakeDirectory(fixture["registry"])
    first = decode("ctwing", fixture["cases"][0]["payload"], directory)
    again = decode("ctwing", fixture["cases"][0]["payload"], directory)
    other = decode("ctwing", fixture["cases"][1]["payload"], directory)
    assert [e.msg_id for e in first] == [e.msg_id for e in again]
    assert first[0].msg_id != other[0].msg_id
