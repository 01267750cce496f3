"""What people change through the API (``gateway/commands.py``): alarms and tickets in the
pipeline's turn, registry rows on the store's thread; refusals with their HTTP status and no
trace, changes with an audit row; a 503 that says so, never the driver's text, when the
database fails."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alerting.model import Alarm, AlarmError, AlarmNotFound
from alerting.tickets import TicketError
from core.clock import FakeClock
from core.ids import IdFactory
from gateway.audit import Actor
from gateway.commands import RegistryCommands, StoreUnavailable, TicketNotFound
from gateway.device_index import DeviceIndex
from gateway.store import schema
from gateway.store.registry_rows import (
    BuildingFields,
    DeviceFields,
    RegistryConflict,
    RegistryError,
)
from tests.gateway.test_pipeline import Rig, running

DRIVER_SAYS = 'connection to server at "db.internal" (10.0.0.7), user "siteguard" failed'


class _DownStore:
    available = True

    async def run_in_store(self, fn: Callable[[Any], Any]) -> Any:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception(DRIVER_SAYS))


def test_a_database_error_is_a_503_without_the_drivers_text() -> None:
    commands = RegistryCommands(
        store=_DownStore(),  # type: ignore[arg-type]
        registry=DeviceIndex(),
        clock=FakeClock(),
        ids=IdFactory(),
    )
    with pytest.raises(StoreUnavailable) as err:
        asyncio.run(commands.put_building("B1", BuildingFields(), by=Actor(name="a", role="admin")))
    assert err.value.status == 503
    assert "db.internal" not in str(err.value) and "siteguard" not in str(err.value)


# ---- alarms and tickets: in the pipeline's turn, over a real store -----------------------
# The pipeline rig of tests/gateway/test_pipeline.py: SQLite, a fake series sink, a fake
# clock. A refused command raises with its HTTP status and leaves no trace: no change, no
# audit row; one carried out is audited with the target before and after.


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path, batch_max=10)
    yield r
    r.close()


def _audit(rig: Rig) -> list[tuple[str, str, str, str | None, str | None]]:
    rows = sorted(rig.rows(schema.audit_log), key=lambda r: r.id)
    return [(r.action, r.target_id, r.actor, r.token_id, r.address) for r in rows]


OFFICER = Actor(name="值班 李", role="duty", token_id="01TOKEN", address="10.0.0.8")


async def _alarm(rig: Rig, *devices: str) -> Alarm:
    """Alarms from ``devices`` in B1 (two of them confirm a fire); the newest alarm."""
    for device in devices:
        message = rig.message(f"B1/smoke/{device}/event", {"type": "alarm", "id": device})
        done = rig.intake.submit(message, want_ack=True)
        assert done is not None
        await asyncio.wait_for(done, 5)
    return max(rig.pipeline.active_alarms(), key=lambda a: (a.latched, a.opened_ms))


def test_an_acknowledgement_is_audited_and_a_second_is_refused(rig: Rig) -> None:
    async def scenario() -> tuple[Alarm, AlarmError, AlarmError]:
        async with running(rig):
            smoke = await _alarm(rig, "s1")
            acked = await rig.alarms.acknowledge(smoke.id, verdict="test", note="演练", by=OFFICER)
            with pytest.raises(AlarmError) as twice:
                await rig.alarms.acknowledge(smoke.id, verdict="real", note=None, by=OFFICER)
            with pytest.raises(AlarmNotFound) as unknown:
                await rig.alarms.acknowledge("NOPE", verdict="real", note=None, by=OFFICER)
            return acked, twice.value, unknown.value

    acked, twice, unknown = asyncio.run(scenario())
    assert (acked.verdict, acked.ack_note, acked.acknowledged_by) == ("test", "演练", "值班 李")
    assert twice.status == 409 and "already acknowledged by 值班 李" in str(twice)
    assert unknown.status == 404
    assert _audit(rig) == [("alarm.acknowledge", acked.id, "值班 李", "01TOKEN", "10.0.0.8")]
    (stored,) = [a for a in rig.rows(schema.alarms) if a.id == acked.id]
    assert stored.verdict == "test"  # the one that was carried out, committed


def test_an_alarm_cleared_meanwhile_can_still_be_given_a_verdict(rig: Rig) -> None:
    async def scenario() -> Alarm:
        async with running(rig):
            smoke = await _alarm(rig, "s1")
            message = rig.message("B1/smoke/s1/event", {"type": "alarm_clear", "id": "c1"})
            done = rig.intake.submit(message, want_ack=True)
            assert done is not None
            await asyncio.wait_for(done, 5)
            assert rig.pipeline.active_alarms() == []
            return await rig.alarms.acknowledge(smoke.id, verdict="false_alarm", note=None,
                                                by=OFFICER)  # fmt: skip

    acked = asyncio.run(scenario())
    assert (acked.status, acked.verdict) == ("cleared", "false_alarm")  # read from the store
    assert [a for a, *_ in _audit(rig)] == ["alarm.acknowledge"]


def test_only_latched_alarms_are_cleared_by_hand(rig: Rig) -> None:
    async def scenario() -> tuple[AlarmError, Alarm, AlarmError]:
        async with running(rig):
            smoke = await _alarm(rig, "s1")
            with pytest.raises(AlarmError) as latches_not:
                await rig.alarms.clear(smoke.id, note=None, by=OFFICER)
            fire = await _alarm(rig, "s2")  # two detectors: a fire, which latches
            assert fire.kind == "fire"
            cleared = await rig.alarms.clear(fire.id, note="现场处置完毕", by=OFFICER)
            with pytest.raises(AlarmError) as again:
                await rig.alarms.clear(fire.id, note=None, by=OFFICER)
            return latches_not.value, cleared, again.value

    latches_not, cleared, again = asyncio.run(scenario())
    assert latches_not.status == 409 and "does not latch" in str(latches_not)
    assert (cleared.status, cleared.cleared_by, cleared.clear_note) == (
        "cleared",
        "值班 李",
        "现场处置完毕",
    )
    assert again.status == 409 and "is not active" in str(again)
    assert [(a, t) for a, t, *_ in _audit(rig)] == [("alarm.clear", cleared.id)]


def test_ticket_moves_refused_by_role_state_or_scope_leave_no_trace(rig: Rig) -> None:
    manager = Actor(name="物业 王", role="manager", token_id="01MGR")

    async def scenario() -> list[TicketError]:
        refused: list[TicketError] = []
        async with running(rig):
            opened = await rig.tickets.create(
                by=OFFICER, title="楼道堆物", category="inspection", building_id="B1",
                severity="warning", responsible=None, due_ms=None, venue_type=None, note=None,
            )  # fmt: skip
            attempts: list[dict[str, Any]] = [
                {"to": "closed", "note": "x", "role": "duty", "by": OFFICER, "buildings": None},
                {"to": "assigned", "note": None, "role": "manager", "by": manager,
                 "buildings": frozenset({"B1"})},
                {"to": "assigned", "note": None, "role": "manager", "by": manager,
                 "buildings": frozenset({"B2"})},
            ]  # fmt: skip
            for attempt in attempts:
                with pytest.raises(TicketError) as err:
                    await rig.tickets.transition(opened.id, responsible=None, **attempt)
                refused.append(err.value)
            with pytest.raises(TicketNotFound) as missing:
                await rig.tickets.transition("NOPE", to="assigned", note=None, responsible=None,
                                             role="duty", by=OFFICER, buildings=None)  # fmt: skip
            refused.append(missing.value)
        return refused

    refused = asyncio.run(scenario())
    assert [e.status for e in refused] == [409, 403, 404, 404]  # another building's: not found
    assert "from open to closed" in str(refused[0])
    (ticket,) = rig.rows(schema.tickets)
    assert ticket.status == "open"
    assert [h.to_status for h in rig.rows(schema.ticket_history)] == ["open"]
    assert [a for a, *_ in _audit(rig)] == ["ticket.create"]


def test_overdue_tickets_are_escalated_a_level_per_period(rig: Rig) -> None:
    day = 86_400_000

    async def scenario() -> tuple[int, int]:
        async with running(rig):
            await rig.tickets.create(
                by=OFFICER, title="灭火器过期", category="inspection", building_id="B1",
                severity="warning", responsible=None, due_ms=rig.clock.now_ms() + day,
                venue_type=None, note=None,
            )  # fmt: skip
            early = await rig.tickets.escalate_overdue()
            rig.clock.advance(day + 2 * day)  # due, then two periods of one day past it
            return early, await rig.tickets.escalate_overdue()

    early, raised = asyncio.run(scenario())
    assert (early, raised) == (0, 2)
    (ticket,) = rig.rows(schema.tickets)
    assert ticket.escalation_level == 2
    steps = [h.note for h in rig.rows(schema.ticket_history) if h.by == "escalation"]
    assert steps == ["逾期升级：函告（第1级）", "逾期升级：通报（第2级）"]


GB = "《重大火灾隐患判定方法》GB 35181-2017 第5.1条"


async def _opened(rig: Rig, **fields: Any) -> str:
    base: dict[str, Any] = {
        "title": "疏散通道堵塞", "category": "inspection", "building_id": "B1",
        "severity": "warning", "responsible": None, "due_ms": None, "venue_type": None,
        "note": None,
    }  # fmt: skip
    return (await rig.tickets.create(by=OFFICER, **{**base, **fields})).id


def test_a_supervised_major_hazard_escalates_on_the_offices_deadline(rig: Rig) -> None:
    """Opened general with a month to go; classified major and supervised (挂牌督办) with two
    days: escalation follows the office's deadline, not the ticket's own."""
    day = 86_400_000

    async def scenario() -> tuple[int, int]:
        async with running(rig):
            start = rig.clock.now_ms()
            tid = await _opened(rig, due_ms=start + 30 * day)
            scope = {"role": "duty", "by": OFFICER, "buildings": None}
            await rig.tickets.classify(
                tid, hazard_class="major", criterion=GB, note="复核", **scope
            )
            done = await rig.tickets.supervise(
                tid, due_ms=start + 2 * day, note="区安委会挂牌", **scope
            )
            assert (done.supervised, done.hazard_class) == (True, "major")
            rig.clock.advance(3 * day - 1)  # a day past the deadline, less a millisecond
            early = await rig.tickets.escalate_overdue()
            rig.clock.advance(1)
            return early, await rig.tickets.escalate_overdue()

    assert asyncio.run(scenario()) == (0, 1)
    (ticket,) = rig.rows(schema.tickets)
    assert (ticket.hazard_class, ticket.hazard_criterion, ticket.source) == ("major", GB, "manual")
    assert ticket.supervised_ms is not None and ticket.escalation_level == 1
    notes = {h.note for h in rig.rows(schema.ticket_history)}
    assert notes == {
        None,  # opened
        f"隐患分级：重大事故隐患（{GB}）：复核",
        "挂牌督办，整改期限 2026-01-03T00:00:00.000Z：区安委会挂牌",
        "逾期升级：函告（第1级）",
    }
    actions = [a for a, *_ in _audit(rig)]
    assert actions == ["ticket.create", "ticket.classify", "ticket.supervise"]


def test_referral_and_its_reply_are_recorded_and_audited(rig: Rig) -> None:
    async def scenario() -> tuple[str | None, str | None]:
        async with running(rig):
            tid = await _opened(rig)
            scope = {"role": "admin", "by": OFFICER, "buildings": None}
            await rig.tickets.refer(
                tid, department="区住建委", note="违法搭建", reply=None, **scope
            )
            done = await rig.tickets.refer(
                tid, department="区住建委", note=None, reply="已责令拆除", **scope
            )
            return done.referred_to, done.referral_reply

    assert asyncio.run(scenario()) == ("区住建委", "已责令拆除")
    (ticket,) = rig.rows(schema.tickets)
    assert (ticket.referred_to, ticket.referral_reply) == ("区住建委", "已责令拆除")
    assert ticket.referred_ms is not None
    assert [a for a, *_ in _audit(rig)] == ["ticket.create", "ticket.refer", "ticket.refer"]


def test_register_changes_refused_leave_no_trace(rig: Rig) -> None:
    manager = Actor(name="物业 王", role="manager", token_id="01MGR")
    day = 86_400_000

    async def scenario() -> list[TicketError]:
        refused: list[TicketError] = []
        async with running(rig):
            general = await _opened(rig)
            now = rig.clock.now_ms()
            duty: dict[str, Any] = {"role": "duty", "by": OFFICER, "buildings": None}
            mine: dict[str, Any] = {
                "role": "manager",
                "by": manager,
                "buildings": frozenset({"B1"}),
            }
            theirs: dict[str, Any] = {**mine, "buildings": frozenset({"B2"})}
            refer = rig.tickets.refer
            attempts: list[Callable[[], Any]] = [
                lambda: rig.tickets.supervise(general, due_ms=now + day, note=None, **duty),
                lambda: refer(general, department="区教育局", note=None, reply=None, **duty),
                lambda: refer(general, department="区住建委", note=None, reply=None, **mine),
                lambda: refer(general, department="区住建委", note=None, reply=None, **theirs),
                lambda: rig.tickets.classify(
                    general, hazard_class="major", criterion=None, note=None, **duty
                ),
                lambda: rig.tickets.supervise("NOPE", due_ms=now + day, note=None, **duty),
            ]
            for attempt in attempts:
                with pytest.raises(TicketError) as err:
                    await attempt()
                refused.append(err.value)
        return refused

    refused = asyncio.run(scenario())
    assert [e.status for e in refused] == [409, 422, 403, 404, 422, 404]
    assert "only a major hazard" in str(refused[0])
    assert str(refused[1]).startswith("department: one of 区应急管理局, 区消防救援支队")
    (ticket,) = rig.rows(schema.tickets)
    assert (ticket.hazard_class, ticket.supervised_ms, ticket.referred_to) == (
        "general",
        None,
        None,
    )
    assert [h.to_status for h in rig.rows(schema.ticket_history)] == ["open"]
    assert [a for a, *_ in _audit(rig)] == ["ticket.create"]


# ---- the registry: stored, audited, applied to ingest, held messages released ----------


class Releaser:
    def __init__(self) -> None:
        self.released: list[list[str]] = []

    async def release(self, identifiers: list[str]) -> int:
        self.released.append(list(identifiers))
        return 0


def test_registry_puts_are_audited_only_when_something_changed(rig: Rig) -> None:
    index, releaser = DeviceIndex(), Releaser()
    commands = RegistryCommands(store=rig.store, registry=index, clock=rig.clock,
                                ids=IdFactory(), pending=releaser)  # type: ignore[arg-type]  # fmt: skip
    device = DeviceFields(device_type="smoke", building_id="B1", imei="860000000000001")

    async def scenario() -> list[bool]:
        return [
            await commands.put_building("B1", BuildingFields(name="1号楼"), by=OFFICER),
            await commands.put_building("B1", BuildingFields(name="1号楼"), by=OFFICER),
            await commands.put_building("B1", BuildingFields(name="一号楼"), by=OFFICER),
            await commands.put_device("s1", device, by=OFFICER),
        ]

    assert asyncio.run(scenario()) == [True, False, False, True]
    assert [(a, t) for a, t, *_ in _audit(rig)] == [
        ("building.put", "B1"),
        ("building.put", "B1"),  # renamed; the identical put left nothing
        ("device.put", "s1"),
    ]
    building = index.building("B1")
    assert building is not None and building.name == "一号楼"
    found = index.by_identifier("860000000000001")  # vendor pushes find it by its IMEI
    assert found is not None and found.device_id == "s1"
    assert releaser.released == [["s1", "860000000000001"]]  # what was held for it, replayed


def test_registry_refusals_keep_their_status_and_change_nothing(rig: Rig) -> None:
    index = DeviceIndex()
    commands = RegistryCommands(store=rig.store, registry=index, clock=rig.clock, ids=IdFactory())

    async def scenario() -> list[RegistryError]:
        await commands.put_building("B1", BuildingFields(), by=OFFICER)
        first = DeviceFields(device_type="smoke", building_id="B1", imei="860000000000001")
        await commands.put_device("s1", first, by=OFFICER)
        refused = []
        for device_id, fields in (
            ("s2", DeviceFields(device_type="smoke", building_id="B9")),
            ("s2", DeviceFields(device_type="smoke", building_id="B1", imei="860000000000001")),
            ("bad id", DeviceFields(device_type="smoke", building_id="B1")),
        ):
            with pytest.raises(RegistryError) as err:
                await commands.put_device(device_id, fields, by=OFFICER)
            refused.append(err.value)
        return refused

    refused = asyncio.run(scenario())
    assert [e.status for e in refused] == [422, 409, 422]
    assert isinstance(refused[1], RegistryConflict)
    assert "already belongs to device 's1'" in str(refused[1])
    assert index.device("s2") is None
    assert [a for a, *_ in _audit(rig)] == ["building.put", "device.put"]


def test_while_the_store_catches_up_commands_are_refused_not_queued() -> None:
    class CatchingUp:
        available = False

        async def run_in_store(self, fn: Callable[[Any], Any]) -> Any:
            raise AssertionError("not while catching up")

    commands = RegistryCommands(store=CatchingUp(), registry=DeviceIndex(), clock=FakeClock(),  # type: ignore[arg-type]
                                ids=IdFactory())  # fmt: skip
    with pytest.raises(StoreUnavailable) as err:
        asyncio.run(commands.put_building("B1", BuildingFields(), by=OFFICER))
    assert err.value.status == 503
