"""The records a report needs, pulled in bulk into numpy columns (a few queries, no per-row
queries, no JSON parsing of events).

Ids become small integers (indexes into the building and device lists) so that every figure
is a ``bincount`` or a sort away. Times are float64 milliseconds (exact for integers below
2^53) with NaN for "never".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec
import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.engine import Connection

from gateway.store import schema

KINDS: Final = (
    "smoke", "fire", "gas", "compound", "ebike_hotspot", "ebike_standoff", "device_fault",
    "tamper", "low_battery", "device_offline", "flapping",
)  # fmt: skip
SEVERITIES: Final = ("info", "warning", "critical")
VERDICTS: Final = (None, "real", "false_alarm", "test")
DEVICE_TYPES: Final = ("smoke", "gas", "ebike")
CATEGORIES: Final = ("fire", "gas", "ebike", "device", "inspection")
HAZARD_CLASSES: Final = ("general", "major")  # alerting.tickets.HAZARD_CLASSES
SOURCES: Final = ("alarm", "inspection", "backlog", "manual", "public")  # alerting.tickets.SOURCES
UNKNOWN_VENDOR: Final = "unknown"  # devices.vendor not set, or a device not in the registry
# The alarm kinds whose path to the duty officer is timed (GB 26875: 火灾报警信息, and gas).
TIMED_KINDS: Final = ("smoke", "fire", "gas", "compound")

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Progress = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class Buildings:
    ids: list[str]
    names: list[str | None]
    communities: list[str | None]
    index: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class Devices:
    ids: list[str]
    index: dict[str, int]
    building: I64
    type: I64  # index into DEVICE_TYPES
    since: F64  # registered or first seen, whichever came first
    vendors: list[str]  # the vendors' names, sorted, UNKNOWN_VENDOR last
    vendor: I64  # index into vendors


@dataclass(frozen=True, kw_only=True)
class Alarms:
    """Every alarm that was open at some time from the first history period to the end."""

    kind: I64  # index into KINDS (-1: a kind this report does not know)
    severity: I64
    building: I64
    device: I64  # -1: a building-level alarm, or a device out of scope
    opened: F64
    acked: F64
    cleared: F64
    first_sent: F64  # the first notification delivered for it
    verdict: I64
    peak: F64
    fire_devices: list[list[int]]  # per row: the detectors a fire alarm lists (else empty)
    # its device, or for a building-level alarm (fire, compound) the first device it lists
    first_device: I64


@dataclass(frozen=True, kw_only=True)
class Tickets:
    building: I64
    category: I64
    created: F64
    due: F64
    closed: F64
    # The hazard register (docs/tickets.md): class and source as they are now, since when
    # supervised (挂牌督办, until closed) and when last referred (移送), NaN for never.
    hazard_class: I64  # index into HAZARD_CLASSES
    source: I64  # index into SOURCES
    supervised: F64
    referred: F64
    # escalation history: (ticket row, at_ms, level), sorted by ticket then time
    history_ticket: I64
    history_at: F64
    history_level: I64
    # who answers for it (tickets.responsible: a 科室 or a community's office)
    offices: list[str]  # sorted
    office: I64  # index into offices


@dataclass(frozen=True, kw_only=True)
class Detections:
    """The period's confident e-bike detections, counted by the database per device and local
    hour of the day (at most devices x 24 rows, however many detections)."""

    device: I64  # -1: a device not in the registry (or out of scope)
    hour: I64
    weekday: I64  # local, Monday 0
    count: I64


@dataclass(frozen=True, kw_only=True)
class Transmissions:
    """The period's device alarm messages (events of type ``alarm``): who sent them and how
    long they took from the device's clock to the gateway's receipt."""

    vendor: I64  # index into Devices.vendors
    device_type: I64  # index into DEVICE_TYPES (the event's own)
    delay: F64  # received_ms - ts_ms: negative when the device's clock runs ahead


@dataclass(frozen=True, kw_only=True)
class Dataset:
    buildings: Buildings
    devices: Devices
    alarms: Alarms
    tickets: Tickets
    detections: Detections
    transmissions: Transmissions
    # confident detections per history period and building: [periods, buildings]
    detection_history: I64


def _codes(values: Sequence[Any], table: Sequence[Any]) -> I64:
    lookup = {v: i for i, v in enumerate(table)}
    return np.fromiter((lookup.get(v, -1) for v in values), np.int64, len(values))


def _times(values: Sequence[Any]) -> F64:
    return np.array([np.nan if v is None else v for v in values], np.float64)


def load(
    conn: Connection,
    *,
    start_ms: int,
    end_ms: int,
    history_ms: Sequence[tuple[int, int]],
    buildings: Sequence[str] | None,
    min_confidence: float,
    utc_offset_ms: int,
    progress: Progress | None = None,
) -> Dataset:
    """Everything from the oldest history period's start to ``end_ms``, for the buildings
    given (all when None)."""
    say = progress or (lambda _: None)
    since = min([start_ms, *(s for s, _ in history_ms)])
    b, d, a, t = schema.buildings, schema.devices, schema.alarms, schema.tickets

    def scoped(column: Any) -> Any:
        return sa.true() if buildings is None else column.in_(sorted(buildings))

    brows = conn.execute(
        sa.select(b.c.building_id, b.c.name, b.c.community)
        .where(scoped(b.c.building_id))
        .order_by(b.c.building_id)
    ).all()
    bl = Buildings(
        ids=[r.building_id for r in brows],
        names=[r.name for r in brows],
        communities=[r.community for r in brows],
        index={r.building_id: i for i, r in enumerate(brows)},
    )

    say("buildings")
    drows = conn.execute(
        sa.select(
            d.c.device_id, d.c.building_id, d.c.device_type, d.c.created_ms, d.c.first_seen_ms,
            d.c.vendor,
        )
        .where(scoped(d.c.building_id), d.c.created_ms < end_ms)
        .order_by(d.c.device_id)
    ).all()  # fmt: skip
    vendors = [*sorted({r.vendor for r in drows if r.vendor} - {UNKNOWN_VENDOR}), UNKNOWN_VENDOR]
    dv = Devices(
        ids=[r.device_id for r in drows],
        index={r.device_id: i for i, r in enumerate(drows)},
        building=_codes([r.building_id for r in drows], bl.ids),
        type=_codes([r.device_type for r in drows], DEVICE_TYPES),
        since=np.array(
            [min(r.created_ms, r.first_seen_ms or r.created_ms) for r in drows], np.float64
        ),
        vendors=vendors,
        vendor=_codes([r.vendor or UNKNOWN_VENDOR for r in drows], vendors),
    )

    say("devices")
    n = schema.notifications
    first_sent = (
        sa.select(sa.func.min(n.c.sent_ms))
        .where(n.c.alarm_id == a.c.id, n.c.status == "sent")
        .scalar_subquery()
    )
    arows = conn.execute(
        sa.select(
            a.c.kind, a.c.severity, a.c.building_id, a.c.device_id, a.c.device_ids, a.c.opened_ms,
            a.c.acknowledged_ms, a.c.cleared_ms, a.c.verdict, a.c.peak,
            first_sent.label("first_sent"),
        ).where(
            scoped(a.c.building_id),
            a.c.opened_ms < end_ms,
            sa.or_(a.c.cleared_ms.is_(None), a.c.cleared_ms >= since),
        )
    ).all()  # fmt: skip
    decode_ids = msgspec.json.Decoder(list[str]).decode
    kinds = [r.kind for r in arows]
    al = Alarms(
        kind=_codes(kinds, KINDS),
        severity=_codes([r.severity for r in arows], SEVERITIES),
        building=_codes([r.building_id for r in arows], bl.ids),
        device=np.fromiter((dv.index.get(r.device_id, -1) for r in arows), np.int64, len(arows)),
        opened=_times([r.opened_ms for r in arows]),
        acked=_times([r.acknowledged_ms for r in arows]),
        cleared=_times([r.cleared_ms for r in arows]),
        first_sent=_times([r.first_sent for r in arows]),
        verdict=_codes([r.verdict for r in arows], VERDICTS),
        peak=_times([r.peak for r in arows]),
        # Only fire alarms' detector lists are read: a few per month.
        fire_devices=[
            [dv.index[x] for x in decode_ids(r.device_ids) if x in dv.index]
            if r.kind == "fire"
            else []
            for r in arows
        ],
        # Building-level alarms (fire, compound: a few a month) are timed by their first device.
        first_device=np.fromiter(
            (
                dv.index.get(r.device_id, -1)
                if r.device_id is not None
                else next((dv.index[x] for x in decode_ids(r.device_ids) if x in dv.index), -1)
                if r.kind in TIMED_KINDS
                else -1
                for r in arows
            ),
            np.int64,
            len(arows),
        ),
    )

    say("alarms")
    trows = conn.execute(
        sa.select(
            t.c.id, t.c.building_id, t.c.category, t.c.created_ms, t.c.due_ms, t.c.closed_ms,
            t.c.hazard_class, t.c.source, t.c.supervised_ms, t.c.referred_ms, t.c.responsible,
        )
        .where(scoped(t.c.building_id), t.c.created_ms < end_ms)
        .order_by(t.c.id)
    ).all()  # fmt: skip
    ticket_index = {r.id: i for i, r in enumerate(trows)}
    h = schema.ticket_history
    history = conn.execute(
        sa.select(h.c.ticket_id, h.c.at_ms, h.c.escalation_level)
        .join(t, t.c.id == h.c.ticket_id)
        .where(scoped(t.c.building_id), t.c.created_ms < end_ms, h.c.at_ms < end_ms)
        .order_by(h.c.ticket_id, h.c.at_ms, h.c.id)
    ).all()
    offices = sorted({r.responsible for r in trows})
    tk = Tickets(
        building=_codes([r.building_id for r in trows], bl.ids),
        category=_codes([r.category for r in trows], CATEGORIES),
        created=_times([r.created_ms for r in trows]),
        due=_times([r.due_ms for r in trows]),
        closed=_times([r.closed_ms for r in trows]),
        hazard_class=_codes([r.hazard_class for r in trows], HAZARD_CLASSES),
        source=_codes([r.source for r in trows], SOURCES),
        supervised=_times([r.supervised_ms for r in trows]),
        referred=_times([r.referred_ms for r in trows]),
        history_ticket=np.fromiter(
            (ticket_index[x.ticket_id] for x in history), np.int64, len(history)
        ),
        history_at=_times([x.at_ms for x in history]),
        history_level=np.fromiter((x.escalation_level for x in history), np.int64, len(history)),
        offices=offices,
        office=_codes([r.responsible for r in trows], offices),
    )

    say("tickets")
    e = schema.events
    confident = sa.or_(e.c.confidence.is_(None), e.c.confidence >= min_confidence)
    hour = ((e.c.received_ms + utc_offset_ms) // 3_600_000 % 24).label("hour")
    # 1970-01-01 was a Thursday: Monday is 0.
    weekday = (((e.c.received_ms + utc_offset_ms) // 86_400_000 + 3) % 7).label("weekday")
    drows_ = conn.execute(
        sa.select(e.c.device_id, hour, weekday, sa.func.count())
        .where(
            e.c.type == "ebike_detected",
            e.c.received_ms >= start_ms,
            e.c.received_ms < end_ms,
            confident,
            scoped(e.c.building_id),
        )
        .group_by(e.c.device_id, hour, weekday)
    ).all()
    det = Detections(
        device=np.fromiter((dv.index.get(r[0], -1) for r in drows_), np.int64, len(drows_)),
        hour=np.fromiter((r[1] for r in drows_), np.int64, len(drows_)),
        weekday=np.fromiter((r[2] for r in drows_), np.int64, len(drows_)),
        count=np.fromiter((r[3] for r in drows_), np.int64, len(drows_)),
    )

    say("e-bike detections")
    xrows = conn.execute(
        sa.select(e.c.device_id, e.c.device_type, e.c.received_ms, e.c.ts_ms).where(
            e.c.type == "alarm",
            e.c.received_ms >= start_ms,
            e.c.received_ms < end_ms,
            scoped(e.c.building_id),
        )
    ).all()
    unknown = len(vendors) - 1
    tx = Transmissions(
        vendor=np.fromiter(
            (
                int(dv.vendor[dv.index[r.device_id]]) if r.device_id in dv.index else unknown
                for r in xrows
            ),
            np.int64,
            len(xrows),
        ),
        device_type=_codes([r.device_type for r in xrows], DEVICE_TYPES),
        delay=np.array([r.received_ms - r.ts_ms for r in xrows], np.float64),
    )

    say("alarm transmissions")
    counts = np.zeros((len(history_ms), len(bl.ids)), np.int64)
    for p, (s, end) in enumerate(history_ms):
        per_building = conn.execute(
            sa.select(e.c.building_id, sa.func.count())
            .where(
                e.c.type == "ebike_detected",
                e.c.received_ms >= s,
                e.c.received_ms < end,
                confident,
                scoped(e.c.building_id),
            )
            .group_by(e.c.building_id)
        ).all()
        for building_id, count in per_building:
            if building_id in bl.index:
                counts[p, bl.index[building_id]] = count
    say("detection history")
    return Dataset(
        buildings=bl,
        devices=dv,
        alarms=al,
        tickets=tk,
        detections=det,
        transmissions=tx,
        detection_history=counts,
    )
