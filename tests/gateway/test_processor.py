"""The processor's in-memory decisions, batch by batch (no database, no broker)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from adapters import RawMessage, default_registry
from alerting.rule_engine import RuleEngine
from core.clock import FakeClock
from core.config import (
    AlertingConfig,
    DevicesConfig,
    IngestConfig,
    NotifyConfig,
    TicketsConfig,
)
from core.ids import IdFactory
from gateway.collector import Collector
from gateway.dedup import Deduplicator
from gateway.device_index import BuildingInfo, DeviceIndex, DeviceInfo
from gateway.metrics import Metrics
from gateway.processor import Processor
from gateway.status import StatusTracker
from gateway.tickets import TicketDesk
from gateway.turn import Turn
from gateway.unread import UnreadFields


class Rig:
    """The processor with its in-memory collaborators: no database, no broker."""

    def __init__(self, *, auto_register: bool = True, auto_register_max: int = 1000) -> None:
        self.clock = FakeClock()
        self.metrics = Metrics()
        self.registry = DeviceIndex()
        self.status = StatusTracker(config=DevicesConfig(readings_min_interval_s=60))
        self.rules = RuleEngine(
            rules=AlertingConfig(),
            devices=DevicesConfig(),
            repeat_critical_s=NotifyConfig().repeat_critical_s,
            ids=IdFactory(),
        )
        self.collector = Collector(
            engine=self.rules,
            status=self.status,
            tickets=TicketDesk(config=TicketsConfig(), registry=self.registry, ids=IdFactory()),
            metrics=self.metrics,
        )
        self.processor = Processor(
            adapters=default_registry(topic_prefix="siteguard/v1", max_payload_bytes=4096),
            registry=self.registry,
            dedup=Deduplicator(window_ms=600_000),
            status=self.status,
            engine=self.rules,
            collector=self.collector,
            metrics=self.metrics,
            clock=self.clock,
            ids=IdFactory(),
            ingest=IngestConfig(max_payload_bytes=4096),
            devices=DevicesConfig(auto_register=auto_register, auto_register_max=auto_register_max),
            unread=UnreadFields(metrics=self.metrics, ids=IdFactory(), timezone="Asia/Shanghai"),
        )

    def message(self, topic: str, payload: Any, *, after_ms: int = 0) -> RawMessage:
        self.clock.advance(after_ms)
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return RawMessage(
            topic=f"siteguard/v1/{topic}", payload=body, received_ms=self.clock.now_ms()
        )


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_auto_registration_events_points_and_readings(rig: Rig) -> None:
    turn, points = rig.processor.process(
        [
            rig.message(
                "B1/gas/g1/telemetry", {"type": "reading", "lel_pct": 3, "battery_pct": 90}
            ),
            rig.message("B1/smoke/s1/event", {"type": "alarm", "id": "a1"}, after_ms=5),
        ]
    )
    assert [b.building_id for b in turn.ws.buildings] == ["B1"]
    assert sorted(d.device_id for d in turn.ws.devices) == ["g1", "s1"]
    assert [e.type for e in turn.ws.events] == ["alarm"]  # readings are telemetry: series only
    assert [r.device_id for r in turn.ws.readings] == ["g1"]
    assert [(s.device_id, s.msg_id) for s in turn.ws.seen] == [("s1", "a1")]
    assert [p.measurement for p in points] == ["gas", "smoke"]
    assert rig.registry.device("g1") == DeviceInfo(
        device_id="g1", device_type="gas", building_id="B1"
    )
    status = rig.status.get("g1")
    assert status is not None and status.online and status.battery_pct == 90


def test_duplicate_is_dropped_but_its_point_is_written_again(rig: Rig) -> None:
    turn1, points1 = rig.processor.process(
        [rig.message("B1/smoke/s1/event", {"type": "alarm", "id": "x"})]
    )
    turn2, points2 = rig.processor.process(
        [rig.message("B1/smoke/s1/event", {"type": "alarm", "id": "x"}, after_ms=60_000)]
    )
    assert len(turn1.ws.events) == 1
    assert turn2.ws.is_empty()
    assert points2 == points1  # same point, same time: a no-op write
    assert rig.metrics.registry.get_sample_value("siteguard_messages_duplicate_total") == 1


def test_rejections_become_dead_letters_without_registering(rig: Rig) -> None:
    turn, points = rig.processor.process(
        [
            rig.message("B1/gas/g9/telemetry", b"nonsense"),
            rig.message("B1/gas/g9/telemetry", {"type": "reading", "lel_pct": 500}),
        ]
    )
    assert [d.reason for d in turn.ws.dead_letters] == ["not_json", "out_of_range:lel_pct"]
    assert turn.ws.dead_letters[0].payload == b"nonsense"
    assert not turn.ws.devices and not points and rig.registry.device("g9") is None


def test_type_mismatch_and_registry_building_authority(rig: Rig) -> None:
    rig.registry.put_building(BuildingInfo(building_id="B2", community="东区"))
    rig.registry.put_device(DeviceInfo(device_id="g1", device_type="gas", building_id="B2"))
    turn, points = rig.processor.process(
        [
            rig.message("B1/smoke/g1/event", {"type": "alarm"}),
            rig.message("B7/gas/g1/telemetry", {"type": "reading", "lel_pct": 1}),
        ]
    )
    assert [d.reason for d in turn.ws.dead_letters] == ["device_type_mismatch"]
    assert dict(points[0].tags)["building"] == "B2"  # where the registry says it is
    assert dict(points[0].tags)["community"] == "东区"


def test_unknown_devices_rejected_when_auto_registration_is_off() -> None:
    rig = Rig(auto_register=False)
    turn, _ = rig.processor.process(
        [rig.message("B1/gas/g1/telemetry", {"type": "reading", "lel_pct": 1})]
    )
    assert [d.reason for d in turn.ws.dead_letters] == ["unknown_device"]
    assert not turn.ws.devices


def test_past_the_cap_unknown_devices_are_held_not_registered() -> None:
    rig = Rig(auto_register_max=2)
    turn, points = rig.processor.process(
        [
            rig.message(f"B1/smoke/s{i}/event", {"type": "alarm", "msg_id": f"m{i}"})
            for i in range(4)
        ]
    )
    assert [d.device_id for d in turn.ws.devices] == ["s0", "s1"]
    held = [(p.adapter, p.identifier, p.summary) for p in turn.ws.pending]
    assert held == [("canonical", "s2", "alarm"), ("canonical", "s3", "alarm")]
    assert len(points) == 2 and rig.registry.device("s2") is None
    # Registered by a person, the next message of it is taken (its held ones are replayed
    # by the pending releaser, tests/e2e).
    rig.registry.put_device(DeviceInfo(device_id="s2", device_type="smoke", building_id="B1"))
    turn, points = rig.processor.process([rig.message("B1/smoke/s2/event", {"type": "alarm"})])
    assert len(points) == 1 and not turn.ws.pending


def test_readings_are_thinned_per_device(rig: Rig) -> None:
    batch = [
        rig.message(
            "B1/gas/g1/telemetry", {"type": "reading", "lel_pct": float(i)}, after_ms=20_000
        )
        for i in range(7)
    ]
    turn, points = rig.processor.process(batch)
    assert len(points) == 7
    assert len(turn.ws.readings) == 3  # one per 60 s


def test_alarm_changes_go_into_the_write_set_with_their_notifications(rig: Rig) -> None:
    turn, _ = rig.processor.process(
        [
            rig.message("B1/smoke/s1/event", {"type": "alarm"}),
            rig.message("B1/smoke/s2/event", {"type": "alarm"}, after_ms=1000),
        ]
    )
    assert [(c.alarm.kind, c.action) for c in turn.changes] == [
        ("smoke", "opened"),
        ("smoke", "opened"),
        ("fire", "opened"),
    ]
    assert [a.kind for a in turn.ws.alarms] == ["smoke", "smoke", "fire"]
    assert len(turn.ws.alarm_history) == 3
    # The three alarms, and the fire's ticket (for the routes that tell the building's
    # responsible person: the alarm itself names the ticket to the duty room).
    assert [(n.subject, n.reason) for n in turn.ws.notifications] == [
        *[("alarm", "opened")] * 3,
        ("ticket", "opened"),
    ]
    assert [r.building_id for r in turn.ws.rule_states] == ["B1"]


def test_offline_alarm_marks_the_device_offline(rig: Rig) -> None:
    rig.processor.process([rig.message("B1/gas/g1/heartbeat", {"type": "heartbeat"})])
    rig.clock.advance(DevicesConfig().lease_ms("gas"))
    rig.rules.advance(rig.clock.now_ms())
    turn = Turn(engine=rig.rules, now=rig.clock.now_ms())
    rig.collector.collect(turn)
    assert [(c.alarm.kind, c.action) for c in turn.changes] == [("device_offline", "opened")]
    assert [row.online for row in turn.ws.statuses] == [False]
    status = rig.status.get("g1")
    assert status is not None and not status.online


def test_vendor_batch_holds_the_unknown_device_and_replays_only_its_part(rig: Rig) -> None:
    """A OneNET batch with a registered and an unregistered alarm: the known one is live, the
    other is held; once registered, its part alone is replayed, as history."""
    rig.registry.put_building(BuildingInfo(building_id="B3"))
    rig.registry.put_device(
        DeviceInfo(
            device_id="s-known", device_type="smoke", building_id="B3", imei="866971031491171"
        )
    )
    batch = {
        "msg": [
            {"at": 1, "imei": "866971031491171", "type": 1, "ds_id": "Alarm_Status", "value": 1},
            {"at": 1, "imei": "869999999999999", "type": 1, "ds_id": "Alarm_Status", "value": 1},
        ],
        "msg_signature": "x",
        "nonce": "abcdefgh",
    }
    message = rig.message("vendor/onenet/http", batch)
    turn, points = rig.processor.process([message])
    assert [(e.device_id, e.type) for e in turn.ws.events] == [("s-known", "alarm")]
    (held,) = turn.ws.pending
    assert (held.identifier, held.device_type, held.summary) == (
        "869999999999999", "smoke", "smoke alarm",
    )  # fmt: skip
    assert [c.alarm.device_id for c in turn.changes] == ["s-known"]

    rig.registry.put_device(
        DeviceInfo(device_id="s-new", device_type="smoke", building_id="B3", imei="869999999999999")
    )
    replay = RawMessage(
        topic=message.topic,
        payload=message.payload,
        received_ms=message.received_ms,
        held_id=held.id,
        held_for=held.identifier,
    )
    turn, points = rig.processor.process([replay])
    assert [(e.device_id, e.type) for e in turn.ws.events] == [("s-new", "alarm")]
    assert turn.ws.released == [held.id]
    assert [dict(p.tags)["device"] for p in points] == ["s-new"]
    assert turn.changes == []  # history: no alarm opens for what happened before registration
    assert rig.status.get("s-new") is None


def test_the_rejection_log_limiter_is_bounded(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    # One log line per device per interval, and the memory of who was logged does not grow
    # with the number of distinct senders of bad payloads: past 10,000 the oldest senders are
    # forgotten (one may log once more, early) while the latest are still remembered.
    def rejected_lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if "rejected message" in r.getMessage()]

    with caplog.at_level(logging.WARNING, logger="gateway.processor"):
        rig.processor.process(
            [rig.message(f"B1/smoke/s{i}/event", b"not json") for i in range(12_000)]
        )
        assert len(rejected_lines()) == 12_000  # one each, within the interval
        caplog.clear()
        rig.processor.process(
            [
                rig.message("B1/smoke/s11999/event", b"not json"),  # remembered: quiet
                rig.message("B1/smoke/s0/event", b"not json"),  # forgotten: logs again
            ]
        )
        (line,) = rejected_lines()
    assert "/s0/event" in line
