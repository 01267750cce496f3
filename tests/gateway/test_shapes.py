"""The outside shapes (gateway/shapes/): each, built from its domain value or row, is exactly
the JSON of contract section 4 (the keys, the values, the nulls), the same for every
surface that sends it: the API, the stream, the export and the webhook."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from alerting.model import Alarm
from alerting.tickets import Ticket, TicketEntry
from gateway.notification import Notification
from gateway.notify.webhook import body
from gateway.shapes import (
    AlarmObject,
    BuildingObject,
    DeviceDetail,
    DeviceObject,
    ExportRecord,
    HistoryEntry,
    HubEvent,
    TicketObject,
    TicketView,
    Unread,
)

T = 1_767_225_600_000  # 2026-01-01T00:00:00.000Z
AT = "2026-01-01T00:00:00.000Z"
LATER = "2026-01-01T00:01:30.500Z"  # T + 90.5 s

# Contract section 4, and the fields the project adds to it.
ALARM_KEYS = {
    "id", "kind", "severity", "status", "building_id", "device_ids", "opened_at",
    "updated_at", "acknowledged_at", "cleared_at", "count", "ticket_id",
    "device_id", "latched", "acknowledged_by", "verdict", "ack_note", "cleared_by",
    "clear_note", "peak",
}  # fmt: skip
TICKET_KEYS = {
    "id", "alarm_id", "title", "category", "severity", "building_id", "status",
    "responsible", "due_at", "escalation_level", "created_at", "closed_at", "history",
    "venue_type", "updated_at", "created_by",
    # the hazard register (隐患台账), contract section 6
    "hazard_class", "hazard_criterion", "source", "supervised", "supervised_at", "referred_to",
    "referred_at", "referral_reply",
    "inspection_id",  # the inspection whose failed item opened it (docs/inspections.md)
}  # fmt: skip
ENTRY_KEYS = {"at", "by", "from", "to", "note", "escalation_level"}
DEVICE_KEYS = {
    "device_id", "device_type", "building_id", "online", "last_seen", "battery_pct", "rssi",
    "active_alarms", "floor", "location", "fw", "vendor", "first_seen",
}  # fmt: skip


def fire(**changes: Any) -> Alarm:
    alarm = Alarm(
        id="AL1",
        kind="fire",
        severity="critical",
        status="active",
        building_id="B1",
        device_id=None,
        device_ids=("s1", "s2"),
        opened_ms=T,
        updated_ms=T + 90_500,
        count=2,
        latched=True,
    )
    return msgspec.structs.replace(alarm, **changes)


def ticket(**changes: Any) -> Ticket:
    value = Ticket(
        id="TKT1",
        alarm_id="AL1",
        title="火警确认：3号楼",
        category="fire",
        severity="critical",
        building_id="B1",
        status="assigned",
        responsible="公共安全办",
        due_ms=T + 86_400_000,
        escalation_level=0,
        created_ms=T,
        updated_ms=T + 90_500,
        created_by="rules",
    )
    return msgspec.structs.replace(value, **changes)


def entries() -> list[TicketEntry]:
    """Opened, then assigned: in the order they happened."""
    return [
        TicketEntry(id="E1", ticket_id="TKT1", at_ms=T, by="rules", from_status=None,
                    to_status="open", note="由报警 AL1 自动生成", escalation_level=0),
        TicketEntry(id="E2", ticket_id="TKT1", at_ms=T + 90_500, by="duty", from_status="open",
                    to_status="assigned", note=None, escalation_level=0),
    ]  # fmt: skip


class Row(msgspec.Struct, kw_only=True):
    """A stand-in for a database row: the shapes read rows by attribute."""

    device_id: str = "s1"
    device_type: str = "smoke"
    building_id: str = "B1"
    online: bool = True
    last_seen_ms: int | None = T
    first_seen_ms: int | None = T - 1000
    battery_pct: float | None = 87.0
    rssi: float | None = None
    fw: str | None = None
    floor: int | None = 3
    location: str | None = None
    vendor: str | None = None
    active_alarms: int = 1
    imei: str | None = "860000000000001"
    dev_eui: str | None = None
    platform_id: str | None = None
    model: str | None = None


class Live(msgspec.Struct):
    online: bool
    last_seen_ms: int | None
    battery_pct: float | None
    rssi: float | None
    fw: str | None


class ReadingRow(msgspec.Struct):
    at_ms: int
    data: str


class DeadLetter(msgspec.Struct):
    reason: str
    detail: str
    product: str | None
    received_ms: int


class BuildingRow(msgspec.Struct):
    building_id: str
    name: str | None
    community: str | None
    address: str | None
    property_company: str | None
    manager_contact: str | None
    venue_type: str | None
    floors: int | None
    responsible_person: str | None
    responsible_phone: str | None
    responsible_email: str | None
    device_count: int
    active_alarms: int


# ---- alarm -------------------------------------------------------------------------------


def test_an_alarm_is_exactly_the_contract_object() -> None:
    assert AlarmObject.of(fire()).wire() == {
        "id": "AL1",
        "kind": "fire",
        "severity": "critical",
        "status": "active",
        "building_id": "B1",
        "device_id": None,
        "device_ids": ["s1", "s2"],
        "opened_at": AT,
        "updated_at": LATER,
        "acknowledged_at": None,
        "cleared_at": None,
        "count": 2,
        "ticket_id": None,
        "latched": True,
        "acknowledged_by": None,
        "verdict": None,
        "ack_note": None,
        "cleared_by": None,
        "clear_note": None,
        "peak": None,
    }


def test_an_acknowledged_and_cleared_alarm_fills_its_nulls() -> None:
    done = fire(
        status="cleared",
        acknowledged_ms=T + 1000,
        acknowledged_by="duty",
        verdict="real",
        ack_note="已到场",
        cleared_ms=T + 2000,
        cleared_by="duty",
        ticket_id="TKT1",
        peak=55.5,
    )
    wire = AlarmObject.of(done).wire()
    assert set(wire) == ALARM_KEYS
    assert wire["acknowledged_at"] == "2026-01-01T00:00:01.000Z"
    assert wire["cleared_at"] == "2026-01-01T00:00:02.000Z"
    assert (wire["status"], wire["verdict"], wire["ticket_id"], wire["peak"]) == (
        "cleared",
        "real",
        "TKT1",
        55.5,
    )


def test_an_alarm_with_a_severity_outside_the_contract_is_refused() -> None:
    with pytest.raises(ValueError, match="severity"):
        AlarmObject.of(fire(severity="apocalyptic"))


# ---- ticket ------------------------------------------------------------------------------


def test_a_ticket_is_exactly_the_contract_object_with_its_history_in_order() -> None:
    wire = TicketObject.of(ticket(), entries()).wire()
    assert wire == {
        "id": "TKT1",
        "alarm_id": "AL1",
        "title": "火警确认：3号楼",
        "category": "fire",
        "venue_type": None,
        "severity": "critical",
        "building_id": "B1",
        "status": "assigned",
        "responsible": "公共安全办",
        "due_at": "2026-01-02T00:00:00.000Z",
        "escalation_level": 0,
        "created_at": AT,
        "updated_at": LATER,
        "closed_at": None,
        "created_by": "rules",
        "hazard_class": "general",
        "hazard_criterion": None,
        "source": "manual",
        "supervised": False,
        "supervised_at": None,
        "referred_to": None,
        "referred_at": None,
        "referral_reply": None,
        "inspection_id": None,
        "history": [
            {"at": AT, "by": "rules", "from": None, "to": "open",
             "note": "由报警 AL1 自动生成", "escalation_level": 0},
            {"at": LATER, "by": "duty", "from": "open", "to": "assigned", "note": None,
             "escalation_level": 0},
        ],
    }  # fmt: skip
    assert set(wire) == TICKET_KEYS
    assert all(set(line) == ENTRY_KEYS for line in wire["history"])


def test_a_ticket_shows_its_place_in_the_hazard_register() -> None:
    registered = ticket(
        hazard_class="major",
        hazard_criterion="GB 35181-2017 第5.1条",
        source="alarm",
        supervised_ms=T + 1000,
        referred_to="区消防救援支队",
        referred_ms=T + 90_500,
        referral_reply="已立案",
    )
    wire = TicketObject.of(registered, []).wire()
    assert set(wire) == TICKET_KEYS
    assert (wire["hazard_class"], wire["hazard_criterion"], wire["source"]) == (
        "major", "GB 35181-2017 第5.1条", "alarm",
    )  # fmt: skip
    assert (wire["supervised"], wire["supervised_at"]) == (True, "2026-01-01T00:00:01.000Z")
    assert (wire["referred_to"], wire["referred_at"], wire["referral_reply"]) == (
        "区消防救援支队", LATER, "已立案",
    )  # fmt: skip


def test_a_ticket_keeps_the_history_in_the_order_given() -> None:
    first, second = entries()
    backwards = TicketObject.of(ticket(), [second, first])
    assert [line.to for line in backwards.history] == ["assigned", "open"]


def test_a_history_line_is_from_on_the_wire_and_from_underscore_in_python() -> None:
    line = HistoryEntry.of(entries()[1])
    assert line.from_ == "open"
    assert '"from":"open"' in line.wire_json()
    assert "from_" not in line.wire_json()
    assert HistoryEntry.model_validate(line.wire()) == line  # as FastAPI may read it back


def test_a_ticket_seen_by_a_role_adds_its_moves_and_nothing_else() -> None:
    obj = TicketObject.of(ticket(), entries())
    for role, moves in (("manager", ["rectifying"]), ("duty", ["rectifying"])):
        view = obj.seen_by(role)  # type: ignore[arg-type]
        assert isinstance(view, TicketView)
        assert view.wire() == {**obj.wire(), "allowed_moves": moves}
    assert list(obj.seen_by("duty").wire())[-1] == "allowed_moves"  # last, as ever
    in_review = TicketObject.of(ticket(status="review"), [])
    assert sorted(in_review.seen_by("duty").allowed_moves) == ["closed", "rectifying"]
    assert in_review.seen_by("manager").allowed_moves == []


def test_a_closed_ticket_has_its_closing_time() -> None:
    closed = TicketObject.of(ticket(status="closed", closed_ms=T + 1000), []).wire()
    assert closed["closed_at"] == "2026-01-01T00:00:01.000Z" and closed["history"] == []


# ---- device and building -----------------------------------------------------------------


def test_a_device_is_exactly_the_contract_object() -> None:
    assert DeviceObject.of(Row()).wire() == {
        "device_id": "s1",
        "device_type": "smoke",
        "building_id": "B1",
        "online": True,
        "last_seen": AT,
        "battery_pct": 87.0,
        "rssi": None,
        "active_alarms": 1,
        "floor": 3,
        "location": None,
        "fw": None,
        "vendor": None,
        "first_seen": "2025-12-31T23:59:59.000Z",
    }


def test_a_device_shows_the_live_status_over_its_row() -> None:
    live = Live(online=False, last_seen_ms=T + 90_500, battery_pct=None, rssi=-91.0, fw="2.1")
    wire = DeviceObject.of(Row(), live).wire()
    assert (wire["online"], wire["last_seen"], wire["battery_pct"], wire["rssi"], wire["fw"]) == (
        False,
        LATER,
        None,
        -91.0,
        "2.1",
    )
    assert wire["first_seen"] == "2025-12-31T23:59:59.000Z"  # the row's, always
    never = DeviceObject.of(Row(last_seen_ms=None, first_seen_ms=None, online=0)).wire()  # type: ignore[arg-type]
    assert (never["last_seen"], never["first_seen"], never["online"]) == (None, None, False)


def test_a_device_detail_adds_identifiers_readings_and_what_it_sends_unread() -> None:
    readings = [ReadingRow(at_ms=T + 1000, data='{"lel_pct":3.5}'), ReadingRow(T, "{}")]
    unread = Unread.of(DeadLetter("unmapped:foo", "foo=1", None, T), 4)
    wire = DeviceDetail.of_detail(Row(), None, readings=readings, unread=unread).wire()
    assert set(wire) == DEVICE_KEYS | {
        "imei", "dev_eui", "platform_id", "model", "readings", "unread",
    }  # fmt: skip
    assert wire["imei"] == "860000000000001" and wire["dev_eui"] is None
    assert wire["readings"] == [{"at": "2026-01-01T00:00:01.000Z", "lel_pct": 3.5}, {"at": AT}]
    assert list(wire["readings"][0]) == ["at", "lel_pct"]
    assert wire["unread"] == {
        "reason": "unmapped:foo",
        "detail": "foo=1",
        "product": None,
        "last_at": AT,
        "count_7d": 4,
    }
    plain = DeviceDetail.of_detail(Row(), None, readings=[], unread=None).wire()
    assert plain["readings"] == [] and plain["unread"] is None


def test_a_building_is_its_registry_fields_and_counts() -> None:
    row = BuildingRow(
        "B1", "3号楼", None, None, "安居物业", None, "shop", 1, "李明", "022-1234567",
        "li@example.cn", 12, 0,
    )  # fmt: skip
    assert BuildingObject.of(row).wire() == {
        "building_id": "B1",
        "name": "3号楼",
        "community": None,
        "address": None,
        "property_company": "安居物业",
        "manager_contact": None,
        "venue_type": "shop",
        "floors": 1,
        "responsible_person": "李明",
        "responsible_phone": "022-1234567",
        "responsible_email": "li@example.cn",
        "device_count": 12,
        "active_alarms": 0,
    }


# ---- hub event, stream, export, webhook --------------------------------------------------


def test_a_hub_event_carries_the_object_and_its_scope() -> None:
    event = HubEvent.alarm("H1", AlarmObject.of(fire()))
    assert (event.topic, event.id, event.building_id) == ("alarm", "H1", "B1")
    assert json.loads(event.data_json) == AlarmObject.of(fire()).wire()
    assert event.data_for("manager") == event.data_json  # an alarm is the same for everyone
    assert "\n" not in event.data_json


def test_a_ticket_on_the_stream_is_the_object_the_api_answers_with() -> None:
    obj = TicketObject.of(ticket(), entries())
    event = HubEvent.ticket("E2", obj)
    assert (event.topic, event.building_id) == ("ticket", "B1")
    for role in ("admin", "duty", "manager"):
        line = event.data_for(role)  # type: ignore[arg-type]
        assert json.loads(line) == obj.seen_by(role).wire()  # type: ignore[arg-type]
        assert line == json.dumps(
            obj.seen_by(role).wire(),  # type: ignore[arg-type]
            ensure_ascii=False,
            separators=(",", ":"),
        )  # byte for byte what the stream sent before the shapes


def test_an_export_record_is_the_change_and_the_ticket_after_it() -> None:
    obj = TicketObject.of(ticket(), entries())
    record = json.loads(ExportRecord.of("E2", obj).wire_json())
    assert list(record) == ["idempotency_key", "source", "change", "ticket"]
    assert record["idempotency_key"] == "E2" and record["source"] == "siteguard"
    assert record["change"] == obj.wire()["history"][-1]
    assert record["ticket"] == obj.wire()
    assert "allowed_moves" not in record["ticket"]


def test_the_webhook_sends_the_same_objects() -> None:
    alarm, opened = fire(), ticket()
    sent = body(Notification(id="N1", reason="opened", created_ms=T, alarm=alarm), None)
    assert sent["alarm"] == AlarmObject.of(alarm).wire()
    sent = body(Notification(id="N2", reason="opened", created_ms=T, ticket=opened), None)
    assert sent["ticket"] == TicketObject.of(opened, []).wire()
    assert "allowed_moves" not in sent["ticket"]
