"""Pruning what is held for unregistered devices: by age, and per device by count."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from core.ids import IdFactory
from gateway.pending import held_identifiers
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.retention import prune_pending


def test_prune_keeps_the_newest_per_device_and_drops_the_old(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'p.db'}")
    upgrade(engine)
    ids = IdFactory()
    rows = [
        {
            "id": ids.new(1_000_000 + i),
            "adapter": "ctwing",
            "identifier": identifier,
            "received_ms": 1_000_000 + i,
            "source": "http",
            "topic": "t",
            "payload": b"{}",
        }
        for identifier, count in (("imei-a", 8), ("imei-b", 2))
        for i in range(count)
    ]
    rows.append({**rows[0], "id": ids.new(10), "identifier": "imei-old", "received_ms": 10})
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.pending_messages), rows)
        dropped = prune_pending(conn, before_ms=1000, keep_per_device=3)
        assert dropped == 1 + 5
        assert sorted(held_identifiers(conn)) == ["imei-a", "imei-b"]
        p = schema.pending_messages
        kept = conn.execute(
            sa.select(p.c.received_ms).where(p.c.identifier == "imei-a").order_by(p.c.id)
        ).scalars()
        assert list(kept) == [1_000_005, 1_000_006, 1_000_007]
    engine.dispose()
