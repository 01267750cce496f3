"""A fixture street with seven months of records, inserted as raw rows, and a second,
plain-Python computation of every report figure straight from those rows (the reference the
numpy implementation is checked against; it shares no code with it)."""

from __future__ import annotations

import json
import math
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.store import schema

TZ = ZoneInfo("Asia/Shanghai")
MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000
UNASSIGNED = "（未归属社区）"
KINDS = (
    "smoke", "fire", "gas", "compound", "ebike_hotspot", "ebike_standoff", "device_fault",
    "tamper", "low_battery", "device_offline", "flapping",
)  # fmt: skip


def local(y: int, m: int, d: int = 1, h: int = 0, mi: int = 0) -> int:
    return int(datetime(y, m, d, h, mi, tzinfo=TZ).timestamp() * 1000)


BUILDINGS = [
    ("A1", "甲一号楼", "甲社区"),
    ("A2", "甲二号楼", "甲社区"),
    ("B1", "乙一号楼", "乙社区"),
    ("C1", "商铺C", None),
]
START = local(2026, 3, 1)  # devices registered
SOURCES = ("alarm", "inspection", "backlog", "manual", "public")
BACKLOG_DEADLINE = local(2025, 1, 1)  # the plan's: the end of 2024


@dataclass
class Records:
    buildings: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    alarms: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    ticket_history: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _id(prefix: str, n: int) -> str:
    return f"{prefix}{n:024d}"[:26]


def make_records(seed: int = 7) -> Records:
    """Random volume over April-October 2026 plus the edge cases the definitions turn on."""
    rng = random.Random(seed)
    r = Records()
    for bid, name, community in BUILDINGS:
        r.buildings.append({"building_id": bid, "name": name, "community": community})
        for kind, count in (("smoke", 3), ("gas", 1), ("ebike", 1)):
            for i in range(count):
                r.devices.append(
                    {
                        "device_id": f"{bid}-{kind[0].upper()}{i}",
                        "building_id": bid,
                        "device_type": kind,
                        "created_ms": START,
                        "first_seen_ms": START + DAY,
                    }
                )
    # a device installed in the middle of October: its online time counts from then
    r.devices.append(
        {"device_id": "A1-S9", "building_id": "A1", "device_type": "smoke",
         "created_ms": local(2026, 10, 16), "first_seen_ms": None}
    )  # fmt: skip
    counter = iter(range(1, 10**6))

    def alarm(**a: Any) -> dict[str, Any]:
        row = {
            "id": _id("AL", next(counter)), "kind": "smoke", "severity": "warning",
            "device_id": None, "device_ids": [], "acknowledged_ms": None, "cleared_ms": None,
            "verdict": None, "peak": None, **a,
        }  # fmt: skip
        if row["device_id"] and not row["device_ids"]:
            row["device_ids"] = [row["device_id"]]
        r.alarms.append(row)
        return row

    months = [(2026, m) for m in range(4, 11)]
    smoke_per_month = {"A1": [1, 1, 1, 1, 1, 1, 8], "A2": [0, 0, 0, 2, 3, 4, 5], "B1": [2] * 7}
    for mi, (y, m) in enumerate(months):
        for bid, per in smoke_per_month.items():
            for k in range(per[mi]):
                opened = local(y, m, 3 + k, 2 + 3 * k % 20, 7)
                delay = rng.choice([None, 90_000, 300_000])
                cleared = None if delay is None else opened + delay
                verdict = rng.choice([None, None, "false_alarm", "real", "test"])
                acked = opened + rng.choice([20_000, 45_000, 61_000, 600_000]) if verdict else None
                alarm(kind="smoke", building_id=bid, device_id=f"{bid}-S{k % 3}", opened_ms=opened,
                      cleared_ms=cleared, verdict=verdict, acknowledged_ms=acked)  # fmt: skip
        for _ in range(rng.randint(3, 8)):
            bid = rng.choice(BUILDINGS)[0]
            kind = rng.choice(["device_fault", "tamper", "ebike_hotspot", "low_battery"])
            device = f"{bid}-{'E0' if kind == 'ebike_hotspot' else 'S1'}"
            opened = local(y, m, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
            alarm(kind=kind, severity="info" if kind == "low_battery" else "warning",
                  building_id=bid, device_id=device, opened_ms=opened,
                  cleared_ms=opened + rng.randint(1, 72) * HOUR if rng.random() < 0.8 else None)  # fmt: skip

    oct1 = local(2026, 10, 1)
    # Fires: A1's, listing two detectors; the smoke alarm of S0 at 10-03 02:07 is confirmed.
    fire = alarm(kind="fire", severity="critical", building_id="A1", device_ids=["A1-S0", "A1-S1"],
                 opened_ms=local(2026, 10, 3, 2, 8), acknowledged_ms=local(2026, 10, 3, 2, 8) + 40_000,
                 verdict="real", cleared_ms=local(2026, 10, 3, 5))  # fmt: skip
    alarm(kind="smoke", building_id="A1", device_id="A1-S1", opened_ms=local(2026, 10, 3, 2, 7, ),
          cleared_ms=local(2026, 10, 3, 2, 20))  # confirmed by the fire: not a false alarm  # fmt: skip
    alarm(kind="fire", severity="critical", building_id="B1", device_ids=["B1-S0"],
          opened_ms=local(2026, 10, 20, 22, 0), acknowledged_ms=local(2026, 10, 20, 22, 5))  # fmt: skip
    # Gas: one across the month's start, one still open, one in B1 twice (a repeat device).
    alarm(kind="gas", building_id="A2", device_id="A2-G0", opened_ms=oct1 - HOUR,
          cleared_ms=oct1 + 30 * MIN, peak=31.5)  # fmt: skip
    alarm(kind="gas", severity="critical", building_id="C1", device_id="C1-G0",
          opened_ms=local(2026, 10, 30, 23, 0), peak=62.0, acknowledged_ms=local(2026, 10, 30, 23, 2))  # fmt: skip
    for d in (5, 9):
        alarm(kind="gas", building_id="B1", device_id="B1-G0", opened_ms=local(2026, 10, d, 12),
              cleared_ms=local(2026, 10, d, 12, 45), peak=27.0, acknowledged_ms=local(2026, 10, d, 12, 1))  # fmt: skip
    alarm(kind="gas", building_id="B1", device_id="B1-G0", opened_ms=local(2026, 9, 9, 12),
          cleared_ms=local(2026, 9, 9, 13), peak=40.0)  # fmt: skip
    # Offline: across the month's start, inside the month, still open at its end.
    alarm(kind="device_offline", building_id="A1", device_id="A1-S2", opened_ms=oct1 - DAY,
          cleared_ms=oct1 + 2 * DAY)  # fmt: skip
    alarm(kind="device_offline", building_id="B1", device_id="B1-E0", opened_ms=local(2026, 10, 10),
          cleared_ms=local(2026, 10, 12, 6))  # fmt: skip
    alarm(kind="device_offline", building_id="C1", device_id="C1-S0", opened_ms=local(2026, 10, 25))
    for i in range(4):  # a critical compound alarm acknowledged fast, one slow
        alarm(kind="compound", severity="critical", building_id="A2",
              opened_ms=local(2026, 10, 11 + i, 9), acknowledged_ms=local(2026, 10, 11 + i, 9) + (30_000 if i < 3 else 400_000))  # fmt: skip
    # Notifications: when the first delivery reached the duty room (day and night shifts).
    for a in r.alarms:
        if a["opened_ms"] >= local(2026, 9, 1) and a["acknowledged_ms"]:
            sent = a["opened_ms"] + rng.randint(1, 9) * 1000
            r.notifications.append({"alarm_id": a["id"], "created_ms": a["opened_ms"], "sent_ms": sent,
                                    "status": "sent", "building_id": a["building_id"], "kind": a["kind"]})  # fmt: skip
            if rng.random() < 0.3:  # a reminder, later: not the first delivery
                r.notifications.append({"alarm_id": a["id"], "created_ms": sent + 60_000,
                                        "sent_ms": sent + 61_000, "status": "sent",
                                        "building_id": a["building_id"], "kind": a["kind"]})  # fmt: skip
    _ = fire
    # Tickets across the months, with escalations.
    for n in range(60):
        bid = BUILDINGS[n % 4][0]
        y, m = months[n % 7]
        created = local(y, m, 1 + n % 27, n % 24)
        due = created + rng.choice([1, 3, 7]) * DAY
        closed = created + rng.randint(1, 12) * DAY if rng.random() < 0.7 else None
        tid = _id("TK", n + 1)
        r.tickets.append({"id": tid, "building_id": bid, "category": rng.choice(["fire", "gas", "ebike", "device"]),
                          "created_ms": created, "due_ms": due, "closed_ms": closed})  # fmt: skip
        r.ticket_history.append(
            {"id": _id("TH", 2 * n + 1), "ticket_id": tid, "at_ms": created, "escalation_level": 0}
        )
        if closed is None or closed > due + DAY:
            level_at = due + DAY
            r.ticket_history.append({"id": _id("TH", 2 * n + 2), "ticket_id": tid, "at_ms": level_at,
                                     "escalation_level": rng.randint(1, 4)})  # fmt: skip
    _register(r, random.Random(seed + 1))
    # E-bike detections: rising in A2's elevator, busy evenings, some unsure or unconfirmed.
    for mi, (y, m) in enumerate(months):
        for bid, base in (("A1", 20), ("A2", 5 + 10 * mi), ("B1", 12), ("C1", 0)):
            for k in range(base + rng.randint(0, 4)):
                at = local(
                    y, m, 1 + k % 28, rng.choice([7, 8, 18, 19, 19, 20, 21, 23]), rng.randint(0, 59)
                )
                confidence = rng.choice([None, 0.95, 0.9, 0.85, 0.81, 0.6, 0.4])
                r.events.append({"device_id": f"{bid}-E0", "building_id": bid, "received_ms": at,
                                 "confidence": confidence, "type": "ebike_detected"})  # fmt: skip
    # Other events the report does not count as detections.
    r.events.append(
        {
            "device_id": "A1-S0",
            "building_id": "A1",
            "received_ms": oct1 + HOUR,
            "confidence": None,
            "type": "alarm",
        }
    )
    return r


def _register(r: Records, rng: random.Random) -> None:
    """Each ticket's place in the hazard register (its own random numbers, so the rest of the
    fixture stays as it was), and a backlog (存量) found before the plan's deadline: cleared in
    time, cleared late, and still open."""
    for t in r.tickets:
        major = rng.random() < 0.35
        closed = t["closed_ms"]
        supervised = (
            t["created_ms"] + rng.randint(0, 3) * DAY if major and rng.random() < 0.6 else None
        )
        referred = t["created_ms"] + rng.randint(0, 5) * DAY if rng.random() < 0.3 else None
        t.update(hazard_class="major" if major else "general", source=rng.choice(SOURCES),
                 supervised_ms=supervised if closed is None or (supervised or 0) < closed else None,
                 referred_ms=referred if closed is None or (referred or 0) < closed else None)  # fmt: skip
    found = [local(2023, 5, 10), local(2023, 11, 2), local(2024, 2, 1), local(2024, 8, 20)]
    cleared = [local(2024, 12, 31, 16), local(2025, 3, 2), local(2026, 10, 7, 10), None]
    for n in range(12):
        bid = BUILDINGS[n % 4][0]
        closed = cleared[n % 4] if n < 8 else cleared[(n + 1) % 4]
        r.tickets.append({"id": _id("TB", n + 1), "building_id": bid, "category": "inspection",
                          "created_ms": found[n % 4], "due_ms": local(2024, 12, 31),
                          "closed_ms": closed, "hazard_class": "major" if n % 3 else "general",
                          "source": "backlog", "supervised_ms": None, "referred_ms": None})  # fmt: skip


def _rows(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:  # an empty list would insert one row of defaults
        conn.execute(sa.insert(table), rows)


def insert(conn: Connection, r: Records) -> None:
    """``r`` as raw rows; a table with no records is left empty (a street of tickets only)."""
    now = START
    _rows(conn, schema.buildings, [
        {**b, "auto": False, "created_ms": now, "updated_ms": now} for b in r.buildings])  # fmt: skip
    _rows(conn, schema.devices, [
        {**d, "auto": False, "online": True, "updated_ms": d["created_ms"]} for d in r.devices])  # fmt: skip
    _rows(conn, schema.alarms, [
        {**{k: v for k, v in a.items() if k != "device_ids"}, "device_ids": json.dumps(a["device_ids"]),
         "status": "cleared" if a["cleared_ms"] else "active",
         "identity": a["id"], "updated_ms": a["opened_ms"], "count": 1, "latched": False, "held": False}
        for a in r.alarms])  # fmt: skip
    _rows(conn, schema.notifications, [
        {**n, "id": _id("NT", i + 1), "subject": "alarm", "reason": "opened", "severity": "warning",
         "attempts": 1, "payload": "{}"} for i, n in enumerate(r.notifications)])  # fmt: skip
    _rows(conn, schema.tickets, [
        {"responsible": "x", **t, "title": "t", "severity": "warning",
         "status": "closed" if t["closed_ms"] else "open",
         "escalation_level": 0, "updated_ms": t["created_ms"], "created_by": "x"}
        for t in r.tickets])  # fmt: skip
    _rows(conn, schema.ticket_history, [
        {**h, "by": "x", "from_status": None, "to_status": "open"} for h in r.ticket_history])  # fmt: skip
    _rows(conn, schema.events, [
        {"device_type": "ebike" if e["type"] == "ebike_detected" else "smoke",
         "ts_ms": e["received_ms"], **e, "id": _id("EV", i + 1), "msg_id": None, "source": "test",
         "data": "{}"}
        for i, e in enumerate(r.events)])  # fmt: skip


# ---- the reference computation ------------------------------------------------------------


def _overlap(a0: int, a1: int | None, w0: int, w1: int) -> int:
    return max(0, min(w1 if a1 is None else a1, w1) - max(a0, w0))


def _quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    pos = (len(values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def expected(r: Records, start: int, end: int, now: int) -> dict[str, dict[str, float | None]]:
    """Figures per unit key ('A1'..., community names, 'street') for the window."""
    until = min(end, now)
    building_of = {d["device_id"]: d["building_id"] for d in r.devices}
    community_of = {b["building_id"]: b["community"] or UNASSIGNED for b in r.buildings}

    def units_of(building: str) -> list[str]:
        return [building, community_of[building], "street"]

    keys = [b["building_id"] for b in r.buildings] + sorted(set(community_of.values())) + ["street"]
    out: dict[str, dict[str, float | None]] = {k: defaultdict(float) for k in keys}  # type: ignore[misc]
    lists: dict[tuple[str, str], list[float]] = defaultdict(list)

    def add(building: str, metric: str, value: float = 1.0) -> None:
        for unit in units_of(building):
            out[unit][metric] += value

    def collect(building: str, metric: str, value: float) -> None:
        for unit in units_of(building):
            lists[(unit, metric)].append(value)

    fires = [a for a in r.alarms if a["kind"] == "fire"]
    for a in r.alarms:
        b, opened = a["building_id"], a["opened_ms"]
        inside = start <= opened < end
        if inside:
            add(b, "alarms.total")
            add(b, f"alarms.kind.{a['kind']}")
            add(b, f"alarms.severity.{a['severity']}")
            if a["kind"] == "fire" and a["verdict"] == "real":
                add(b, "fires.real")
            if a["kind"] == "smoke" and a["verdict"] != "test":
                add(b, "smoke.alarms")
                confirmed = any(
                    a["device_id"] in f["device_ids"]
                    and f["opened_ms"] >= opened - 120_000
                    and (a["cleared_ms"] is None or f["opened_ms"] <= a["cleared_ms"])
                    for f in fires
                )
                unconfirmed_clear = (
                    a["verdict"] is None and a["cleared_ms"] is not None and not confirmed
                )
                if a["verdict"] == "false_alarm" or unconfirmed_clear:
                    add(b, "smoke.false")
            if a["acknowledged_ms"] is not None:
                add(b, "ack.count")
                collect(b, "ack", (a["acknowledged_ms"] - opened) / 1000)
            if a["severity"] == "critical":
                add(b, "critical.count")
                if a["acknowledged_ms"] is not None and a["acknowledged_ms"] - opened <= 60_000:
                    add(b, "critical.acked_60s")
            if a["kind"] == "device_fault":
                add(b, "devices.faults")
            if a["kind"] == "device_offline":
                add(b, "devices.offline_alarms")
        if a["kind"] == "gas":
            ms = _overlap(opened, a["cleared_ms"], start, until)
            add(b, "gas.alarm_minutes", ms / MIN)
            if ms > 0 and a["peak"] is not None:
                for unit in units_of(b):
                    out[unit]["gas.peak_lel"] = max(out[unit].get("gas.peak_lel") or 0, a["peak"])
    gas_count: dict[str, int] = defaultdict(int)
    for a in r.alarms:
        if a["kind"] == "gas" and start <= a["opened_ms"] < end and a["device_id"]:
            gas_count[a["device_id"]] += 1
    for device, n in gas_count.items():
        if n >= 2:
            add(building_of[device], "gas.repeat_devices")

    for d in r.devices:
        since = min(d["created_ms"], d["first_seen_ms"] or d["created_ms"])
        if since >= end:
            continue
        b = d["building_id"]
        add(b, "devices.count")
        life = max(0, until - max(since, start))
        off = sum(
            _overlap(a["opened_ms"], a["cleared_ms"], start, until)
            for a in r.alarms
            if a["kind"] == "device_offline" and a["device_id"] == d["device_id"]
        )
        add(b, "life", life)
        add(b, "online", life - min(off, life))
        if any(
            a["kind"] == "low_battery"
            and a["device_id"] == d["device_id"]
            and _overlap(a["opened_ms"], a["cleared_ms"], start, until) > 0
            for a in r.alarms
        ):
            add(b, "devices.low_battery")

    _expected_register(r, start, end, until, add, out)
    history = defaultdict(list)
    for h in sorted(r.ticket_history, key=lambda h: (h["at_ms"], h["id"])):
        history[h["ticket_id"]].append(h)
    for t in r.tickets:
        b, created, closed, due = t["building_id"], t["created_ms"], t["closed_ms"], t["due_ms"]
        if start <= created < end:
            add(b, "tickets.opened")
            if closed is not None and closed < until:
                add(b, "closed_of_opened")
            if t["category"] == "ebike":
                add(b, "ebike.hotspot_tickets")
        if closed is not None and start <= closed < end:
            add(b, "tickets.closed")
            if closed <= due:
                add(b, "closed_on_time")
            collect(b, "close_h", (closed - created) / HOUR)
        if created < until and not (closed is not None and closed < until):
            add(b, "tickets.open_at_end")
            if due < until:
                add(b, "tickets.overdue")
            level = 0
            for h in history[t["id"]]:
                if h["at_ms"] < until:
                    level = h["escalation_level"]
            add(b, f"tickets.level.{level}")

    hours: dict[str, list[int]] = {k: [0] * 24 for k in keys}
    for e in r.events:
        if e["type"] != "ebike_detected" or not start <= e["received_ms"] < end:
            continue
        if e["confidence"] is not None and e["confidence"] < 0.8:
            continue
        b = building_of[e["device_id"]]
        add(b, "ebike.detections")
        hour = datetime.fromtimestamp(e["received_ms"] / 1000, TZ).hour
        for unit in units_of(b):
            hours[unit][hour] += 1

    result: dict[str, dict[str, float | None]] = {}
    for k in keys:
        f = dict(out[k])
        ack = lists.get((k, "ack"), [])
        close_h = lists.get((k, "close_h"), [])

        def rate(num: str, den: str, f: dict[str, Any] = f) -> float | None:
            return f.get(num, 0) / f[den] if f.get(den) else None

        f["smoke.false_rate"] = rate("smoke.false", "smoke.alarms")
        f["critical.acked_60s_rate"] = rate("critical.acked_60s", "critical.count")
        f["ack.mean_s"] = statistics.fmean(ack) if ack else None
        f["ack.p90_s"] = _quantile(ack, 0.9) if ack else None
        f["tickets.closure_rate"] = rate("closed_of_opened", "tickets.opened")
        f["tickets.on_time_rate"] = rate("closed_on_time", "tickets.closed")
        f["tickets.mean_close_h"] = statistics.fmean(close_h) if close_h else None
        f["devices.online_rate"] = rate("online", "life")
        f["major.closure_rate"] = rate("major_closed_of_opened", "register.major")
        f["major.on_time_rate"] = rate("major_closed_on_time", "major.closed")
        if until < BACKLOG_DEADLINE:  # not known before the deadline
            f["backlog.open_at_deadline"] = None
        f.setdefault("gas.peak_lel", None)
        for drop in ("closed_of_opened", "closed_on_time", "online", "life",
                     "major_closed_of_opened", "major_closed_on_time"):  # fmt: skip
            f.pop(drop, None)
        f["by_hour"] = hours[k]  # type: ignore[assignment]
        result[k] = f
    return result


def _expected_register(
    r: Records,
    start: int,
    end: int,
    until: int,
    add: Any,
    out: dict[str, dict[str, float | None]],
) -> None:
    """The hazard register's figures, ticket by ticket (docs/reports.md)."""
    community_of = {b["building_id"]: b["community"] or UNASSIGNED for b in r.buildings}
    for t in r.tickets:
        b, created, closed, due = t["building_id"], t["created_ms"], t["closed_ms"], t["due_ms"]
        major, backlog = t["hazard_class"] == "major", t["source"] == "backlog"
        is_open = created < until and not (closed is not None and closed < until)
        if start <= created < end:
            add(b, f"register.{t['hazard_class']}")
            add(b, f"register.source.{t['source']}")
            if not backlog:
                add(b, "increment.opened")
                if major:
                    add(b, "increment.major_opened")
            if major and closed is not None and closed < until:
                add(b, "major_closed_of_opened")
        if closed is not None and start <= closed < end:
            add(b, "backlog.closed" if backlog else "increment.closed")
            if major:
                add(b, "major.closed")
                if closed <= due:
                    add(b, "major_closed_on_time")
        if is_open:
            if backlog:
                add(b, "backlog.open_at_end")
                if major:
                    add(b, "backlog.major_open_at_end")
            if major:
                add(b, "major.open_at_end")
            if t["supervised_ms"] is not None and t["supervised_ms"] < until:
                add(b, "supervised.active")
                if due < until:
                    add(b, "supervised.overdue")
            if t["referred_ms"] is not None and t["referred_ms"] < until:
                add(b, "referred.active")
        for column, figure in (
            ("supervised_ms", "supervised.new"),
            ("referred_ms", "referred.new"),
        ):
            if t[column] is not None and start <= t[column] < end:
                add(b, figure)
        if backlog and created < BACKLOG_DEADLINE:
            if until >= BACKLOG_DEADLINE and not (closed is not None and closed < BACKLOG_DEADLINE):
                add(b, "backlog.open_at_deadline")
            if created < until:
                stop = until if closed is None else min(closed, until)
                late = max(0, stop - BACKLOG_DEADLINE) / DAY
                for unit in (b, community_of[b], "street"):
                    out[unit]["backlog.days_past_deadline"] = max(
                        out[unit].get("backlog.days_past_deadline") or 0.0, late
                    )
