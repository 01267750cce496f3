"""Intake: two lanes, chunked, one future per chunk; which messages are urgent."""

from __future__ import annotations

import asyncio
import json

import pytest

from adapters import RawMessage, default_registry
from alerting.rule_engine import RuleEngine
from core.config import AlertingConfig, DevicesConfig, NotifyConfig
from core.ids import IdFactory
from gateway.device_index import BuildingInfo, DeviceIndex, DeviceInfo
from gateway.directory import Directory
from gateway.intake import Intake, IntakeFull, UrgencyRule


def raw(topic: str, payload: object = None, **kw: object) -> RawMessage:
    if isinstance(payload, bytes):
        body = payload
    else:
        body = json.dumps(payload if payload is not None else {"type": "heartbeat"}).encode()
    return RawMessage(topic=f"siteguard/v1/{topic}", payload=body, received_ms=1, **kw)  # type: ignore[arg-type]


def rule(registry: DeviceIndex | None = None) -> UrgencyRule:
    registry = registry or DeviceIndex()
    engine = RuleEngine(
        rules=AlertingConfig(),
        devices=DevicesConfig(),
        repeat_critical_s=NotifyConfig().repeat_critical_s,
        ids=IdFactory(),
    )
    return UrgencyRule(
        adapters=default_registry(topic_prefix="siteguard/v1", max_payload_bytes=4096),
        directory=Directory(registry=registry, book=engine.book),
        topic_prefix="siteguard/v1",
    )


def test_the_event_channel_is_urgent_and_the_rest_is_bulk() -> None:
    urgent = rule()
    assert urgent(raw("B1/smoke/s1/event", {"type": "alarm"}))
    assert not urgent(raw("B1/gas/g1/telemetry", {"type": "reading", "lel_pct": 30}))
    assert not urgent(raw("B1/smoke/s1/heartbeat"))
    # A replay of a held message is history, never ahead of live telemetry.
    held = raw("B1/smoke/s1/event", {"type": "alarm"}, held_id="01H", held_for="s1")
    assert not urgent(held)


def test_a_vendor_message_is_urgent_when_it_decodes_to_an_alarm() -> None:
    registry = DeviceIndex()
    registry.put_building(BuildingInfo(building_id="B3"))
    registry.put_device(
        DeviceInfo(device_id="s9", device_type="smoke", building_id="B3", imei="866971031491171")
    )
    urgent = rule(registry)

    def onenet(ds_id: str, value: int) -> RawMessage:
        body = {
            "msg": {"at": 1, "imei": "866971031491171", "type": 1, "ds_id": ds_id, "value": value}
        }
        return raw("vendor/onenet/http", body)

    assert urgent(onenet("Alarm_Status", 1))
    assert not urgent(onenet("Battery_Level", 88))
    assert not urgent(raw("vendor/onenet/http", b"not json"))


def test_lanes_are_chunked_and_urgent_is_taken_first() -> None:
    async def scenario() -> None:
        woken: list[int] = []
        intake = Intake(
            batch_max=3,
            urgent_batch_max=2,
            is_urgent=lambda m: m.topic.endswith("/event"),
            wake=lambda: woken.append(1),
        )
        futures = [intake.submit(raw(f"B1/gas/g{i}/telemetry"), want_ack=True) for i in range(7)]
        alarm = intake.submit(raw("B1/smoke/s1/event", {"type": "alarm"}), want_ack=True)
        qos0 = intake.submit(raw("B1/smoke/s2/event", {"type": "alarm"}), want_ack=False)
        assert qos0 is None
        assert intake.pending == 9 and len(woken) == 9
        assert len({id(f) for f in futures}) == 3  # chunks of 3, 3 and 1: one future each
        first = intake.take_urgent()
        assert first is not None and first.urgent and first.done is alarm
        assert [m.topic.split("/")[-2] for m in first.messages] == ["s1", "s2"]
        assert intake.take_urgent() is None
        sizes = []
        while (chunk := intake.take_bulk()) is not None:
            sizes.append(len(chunk.messages))
        assert sizes == [3, 3, 1] and intake.pending == 0
        # An explicit lane wins over the rule (an HTTP push whose content is known).
        intake.submit(raw("vendor/ctwing/http"), want_ack=False, urgent=True)
        assert intake.has_urgent and not intake.has_bulk

    asyncio.run(scenario())


def test_the_intake_is_bounded_for_what_can_wait_elsewhere() -> None:
    async def scenario() -> None:
        dropped: list[int] = []
        intake = Intake(
            batch_max=10,
            urgent_batch_max=10,
            is_urgent=lambda m: m.topic.endswith("/event"),
            max_pending=3,
            dropped=lambda: dropped.append(1),
        )
        for i in range(3):
            intake.submit(raw(f"B1/gas/g{i}/telemetry"), want_ack=False)
        # Full: QoS 0 is dropped and counted; a push is refused (the platform retries);
        # QoS 1 is still taken (the broker bounds it by our Receive Maximum).
        assert intake.submit(raw("B1/gas/g9/telemetry"), want_ack=False) is None
        assert dropped == [1] and intake.pending == 3
        with pytest.raises(IntakeFull):
            intake.submit(raw("vendor/ctwing/http"), want_ack=True, refuse_when_full=True)
        assert intake.submit(raw("B1/smoke/s1/event", {"type": "alarm"}), want_ack=True)
        assert intake.pending == 4

    asyncio.run(scenario())
