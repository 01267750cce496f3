"""Operational tables stay within bounds (age and count); nothing grows with a flood."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from core.clock import FakeClock
from core.config import Settings
from core.ids import IdFactory
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.retention import prune

DAY = 86_400_000


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_sent_notifications_and_exports_age_out_and_dead_letters_are_capped(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade(engine)
    clock = FakeClock()
    now = clock.now_ms()
    ids = IdFactory()
    settings = Settings(
        mqtt={"url": "mqtt://127.0.0.1:1"},
        notify={"keep_days": 30},
        tickets={"outbox_keep_days": 30},
        ingest={"dead_letter_max_rows": 100, "pending_max_rows": 100},
    )

    def notification(age_days: int, status: str) -> dict[str, object]:
        return {
            "id": ids.new(now), "subject": "alarm", "alarm_id": None, "ticket_id": None,
            "reason": "opened", "building_id": "B1", "kind": "smoke", "severity": "warning",
            "created_ms": now - age_days * DAY, "status": status, "attempts": 1, "payload": "{}",
        }  # fmt: skip

    def export(age_days: int, status: str) -> dict[str, object]:
        return {"id": ids.new(now), "ticket_id": "T1", "created_ms": now - age_days * DAY,
                "payload": "{}", "status": status, "attempts": 1}  # fmt: skip

    letters = [
        {"id": ids.new(now - i), "received_ms": now - i, "source": "mqtt", "adapter": "canonical",
         "topic": "t", "reason": "bad_json", "detail": "", "payload": b"x"}
        for i in reversed(range(250))
    ]  # fmt: skip
    held = [
        {"id": ids.new(now - i), "adapter": "canonical", "identifier": f"d{i}",
         "received_ms": now - i, "source": "mqtt", "topic": "t", "payload": b"x"}
        for i in reversed(range(150))
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.notifications),
            [notification(40, "sent"), notification(40, "pending"), notification(5, "sent")],
        )
        conn.execute(sa.insert(schema.ticket_outbox), [export(40, "sent"), export(5, "sent")])
        conn.execute(sa.insert(schema.dead_letters), letters)
        conn.execute(sa.insert(schema.pending_messages), held)
        prune(conn, settings=settings, now_ms=now)
        # Unsent notices are kept whatever their age: they are still owed.
        statuses = conn.execute(sa.select(schema.notifications.c.status)).scalars().all()
        assert sorted(statuses) == ["pending", "sent"]
        assert _count(conn, schema.ticket_outbox) == 1
        assert _count(conn, schema.dead_letters) == 100
        assert _count(conn, schema.pending_messages) == 100
        newest = conn.execute(sa.select(sa.func.max(schema.dead_letters.c.received_ms)))
        assert newest.scalar_one() == now  # the newest are the ones kept
    engine.dispose()
