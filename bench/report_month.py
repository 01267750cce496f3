"""How long a monthly report takes on a big street: 500 buildings, 20,000 devices, a month of
1,000,000 events (plus six months of history for the early warnings).

Side by side in the same run: the bare floor, reading the month's detection column with
sqlite3 and nothing else, so the report's time is shown as a ratio to it. Each timing runs
in a fresh process (``spawn``), whose peak RSS is reported too, against a process that only
imports the modules and opens the database.

    .venv/bin/python bench/report_month.py [--events 1000000] [--devices 20000] [--buildings 500]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.store.db import create_engine  # noqa: E402
from gateway.store.migrate import upgrade  # noqa: E402
from reports.period import Period  # noqa: E402

TZ = "Asia/Shanghai"
KINDS = ["smoke", "gas", "device_fault", "tamper", "low_battery", "device_offline", "ebike_hotspot"]


def populate(path: Path, *, events: int, devices: int, buildings: int, seed: int = 1) -> None:
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    month = Period.parse("2026-10", timezone=TZ)
    history = month.history(6)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    start = history[0].start_ms
    db.executemany(
        "INSERT INTO buildings (building_id, name, community, auto, created_ms, updated_ms) "
        "VALUES (?, ?, ?, 0, ?, ?)",
        [(f"B{b:04d}", f"{b}号楼", f"社区{b % 12}", start, start) for b in range(buildings)],
    )
    per = devices // buildings
    rows = []
    for d in range(devices):
        kind = "smoke" if d % per < per * 0.6 else "gas" if d % per < per * 0.8 else "ebike"
        rows.append((f"D{d:06d}", kind, f"B{d // per % buildings:04d}", start, start, start))
    db.executemany(
        "INSERT INTO devices (device_id, device_type, building_id, auto, online, first_seen_ms, "
        "created_ms, updated_ms) VALUES (?, ?, ?, 0, 1, ?, ?, ?)",
        rows,
    )
    ebikes = [r[0] for r in rows if r[1] == "ebike"]
    building_of = {r[0]: r[2] for r in rows}
    print(f"  {buildings} buildings, {devices} devices", flush=True)

    def insert_events(period: Period, n: int, offset: int) -> None:
        batch = []
        span = period.end_ms - period.start_ms
        # In arrival order, as the gateway writes them (their ids are time-ordered too).
        times = sorted(period.start_ms + rng.randrange(span) for _ in range(n))
        for i, at in enumerate(times):
            if rng.random() < 0.7:
                device, kind = rng.choice(ebikes), "ebike_detected"
                confidence = rng.choice([None, 0.95, 0.9, 0.85, 0.6])
            else:
                device, kind = (
                    f"D{rng.randrange(devices):06d}",
                    rng.choice(["alarm", "test", "fault", "tamper"]),
                )
                confidence = None
            batch.append(
                (
                    f"E{offset + i:025d}",
                    device,
                    building_of[device],
                    "x",
                    kind,
                    at,
                    at,
                    "bench",
                    confidence,
                    "{}",
                )
            )
            if len(batch) == 100_000:
                db.executemany(
                    "INSERT INTO events (id, device_id, building_id, device_type, type, "
                    "received_ms, ts_ms, source, confidence, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    batch,
                )
                batch.clear()
        if batch:
            db.executemany(
                "INSERT INTO events (id, device_id, building_id, device_type, type, "
                "received_ms, ts_ms, source, confidence, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
                batch,
            )

    offset = 0
    for period in history:
        insert_events(period, events // 5, offset)
        offset += events // 5
    insert_events(month, events, offset)
    print(f"  {offset + events} events ({events} in {month.label})", flush=True)

    alarm_rows, notes, tickets, history_rows = [], [], [], []
    for p_index, period in enumerate([*history, month]):
        for k in range(8000 if period is month else 5000):
            n = p_index * 10_000 + k
            device = f"D{rng.randrange(devices):06d}"
            opened = period.start_ms + rng.randrange(period.end_ms - period.start_ms)
            kind = rng.choice(KINDS) if rng.random() > 0.02 else "fire"
            acked = opened + rng.randrange(5_000, 900_000) if rng.random() < 0.7 else None
            cleared = opened + rng.randrange(60_000, 3 * 86_400_000) if rng.random() < 0.9 else None
            severity = "critical" if kind in ("fire", "gas") and rng.random() < 0.5 else "warning"
            ids = json.dumps([device])
            alarm_id = f"A{n:025d}"
            alarm_rows.append(
                (
                    alarm_id,
                    kind,
                    severity,
                    "cleared" if cleared else "active",
                    alarm_id,
                    building_of[device],
                    device,
                    ids,
                    opened,
                    opened,
                    1,
                    0,
                    acked,
                    rng.choice([None, "real", "false_alarm", "test"]) if acked else None,
                    cleared,
                    rng.uniform(20, 80) if kind == "gas" else None,
                    0,
                )
            )
            if acked:
                notes.append(
                    (
                        f"N{n:025d}",
                        "alarm",
                        alarm_id,
                        "opened",
                        building_of[device],
                        kind,
                        severity,
                        opened,
                        "sent",
                        1,
                        opened + 2000,
                        "{}",
                    )
                )
            if k % 5 == 0:
                tid = f"T{n:025d}"
                closed = opened + rng.randrange(1, 10) * 86_400_000 if rng.random() < 0.7 else None
                tickets.append(
                    (
                        tid,
                        "t",
                        rng.choice(["fire", "gas", "ebike", "device"]),
                        "warning",
                        building_of[device],
                        "closed" if closed else "open",
                        "x",
                        opened + 3 * 86_400_000,
                        0,
                        opened,
                        opened,
                        "x",
                        closed,
                    )
                )
                history_rows.append((f"H{n:025d}", tid, opened, "x", "open", 0))
    db.executemany(
        "INSERT INTO alarms (id, kind, severity, status, identity, building_id, device_id, "
        "device_ids, opened_ms, updated_ms, count, latched, acknowledged_ms, verdict, cleared_ms, "
        "peak, held) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        alarm_rows,
    )
    db.executemany(
        "INSERT INTO notifications (id, subject, alarm_id, reason, building_id, kind, severity, "
        "created_ms, status, attempts, sent_ms, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        notes,
    )
    db.executemany(
        "INSERT INTO tickets (id, title, category, severity, building_id, status, responsible, "
        "due_ms, escalation_level, created_ms, updated_ms, created_by, closed_ms) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        tickets,
    )
    db.executemany(
        "INSERT INTO ticket_history (id, ticket_id, at_ms, by, to_status, escalation_level) "
        "VALUES (?,?,?,?,?,?)",
        history_rows,
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()
    print(f"  {len(alarm_rows)} alarms, {len(tickets)} tickets", flush=True)


def _peak_rss_mb() -> float:
    """This process's own peak RSS. ``ru_maxrss`` would not do: Linux carries the parent's
    high-water mark across fork and exec, so a child spawned by a parent that just generated
    the street would report the parent's peak. ``VmHWM`` belongs to the exec'd image alone."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _floor(path: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    month = Period.parse("2026-10", timezone=TZ)
    started = time.perf_counter()
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT device_id, received_ms, confidence FROM events WHERE type = 'ebike_detected' "
        "AND received_ms >= ? AND received_ms < ?",
        (month.start_ms, month.end_ms),
    ).fetchall()
    out.put(
        {
            "s": time.perf_counter() - started,
            "rows": len(rows),
            "rss_mb": _peak_rss_mb(),
        }
    )


def _report(path: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from reports import build_report
    from reports.render import render
    from reports.report import Settings

    engine = create_engine(f"sqlite:///{path}")
    month = Period.parse("2026-10", timezone=TZ)
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    with engine.connect() as conn:
        report = build_report(conn, month, settings=Settings(), now_ms=month.end_ms + 86_400_000)
    took = time.perf_counter() - started
    renders = {}
    for fmt in ("json", "csv", "html"):
        t0 = time.perf_counter()
        size = len(render(report, fmt))  # type: ignore[arg-type]
        renders[fmt] = (time.perf_counter() - t0, size)
    out.put(
        {
            "s": took,
            "steps": report.timings,
            "renders": renders,
            "warnings": len(report.warnings),
            "detections": report.total.figures["ebike.detections"],
            "rss_mb": _peak_rss_mb(),
            "rss_before_mb": baseline,
        }
    )


def _run(target: object, path: Path) -> dict[str, object]:
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=target, args=(str(path), out))
    proc.start()
    result: dict[str, object] = out.get(timeout=600)
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--buildings", type=int, default=500)
    parser.add_argument("--db", type=Path, help="keep the generated database here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if not path.exists():
            print("generating the street ...", flush=True)
            t0 = time.perf_counter()
            populate(path, events=args.events, devices=args.devices, buildings=args.buildings)
            print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
        floor = _run(_floor, path)
        report = _run(_report, path)
        print(
            f"\nfloor   read the month's detection column: {floor['s']:.2f} s "
            f"({floor['rows']} rows), peak RSS {floor['rss_mb']:.0f} MB"
        )
        print(
            f"report  whole street, 2026-10:              {report['s']:.2f} s, "
            f"peak RSS {report['rss_mb']:.0f} MB ({report['rss_before_mb']:.0f} MB before)"
        )
        print(f"ratio   report / floor = {float(report['s']) / float(floor['s']):.1f}x")  # type: ignore[arg-type]
        print("steps   " + ", ".join(f"{k} {v:.2f} s" for k, v in report["steps"].items()))  # type: ignore[attr-defined]
        print(
            "render  "
            + ", ".join(
                f"{k} {t:.2f} s ({n / 1024:.0f} KB)" for k, (t, n) in report["renders"].items()
            )
        )  # type: ignore[attr-defined]
        detections, found = report["detections"], report["warnings"]
        print(f"        {detections:.0f} confident detections, {found} early warnings")


if __name__ == "__main__":
    main()
