"""``siteguard registry import`` checks rows as the API does, and audits what it changed."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from core.clock import FakeClock
from gateway.audit import command_line
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from siteguard.registry_import import import_registry


def test_names_with_line_breaks_are_refused_and_changes_audited(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade(engine)
    buildings = tmp_path / "buildings.csv"
    buildings.write_text(
        'building_id,name\nB1,1号楼\nB2,"2号楼\n抄送"\nB3,"=cmd|\' /C calc\'!A0"\n',
        encoding="utf-8",
    )
    actor = command_line("zhang")
    report = import_registry(
        engine, buildings=buildings, devices=None, clock=FakeClock(), actor=actor
    )
    assert report.created == 2
    assert len(report.errors) == 1 and "buildings.csv:4" in report.errors[0]  # where it ends
    assert "control character" in report.errors[0]
    again = import_registry(
        engine, buildings=buildings, devices=None, clock=FakeClock(), actor=actor
    )
    assert again.updated == 2
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_log).order_by(schema.audit_log.c.id)).all()
    # Two created; the second import changed nothing, so it added no entry.
    assert [(r.action, r.target_id, r.actor) for r in rows] == [
        ("building.put", "B1", "cli:zhang"),
        ("building.put", "B3", "cli:zhang"),
    ]
    assert rows[0].before is None and json.loads(rows[0].after)["name"] == "1号楼"
    engine.dispose()
