"""``siteguard registry import`` checks rows as the API does, and audits what it changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


def test_venue_attributes_come_from_the_csv_with_bad_rows_by_line(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade(engine)
    buildings = tmp_path / "venues.csv"
    buildings.write_text(
        "building_id,name,community,venue_type,floors,responsible_person,responsible_phone\n"
        "V1,好又多超市,东区,shop,1,李明,022-23456789\n"
        "V2,老街网吧,东区,internet_cafe,,,\n"
        "V3,某城堡,东区,castle,3,,\n"
        "V4,某楼,东区,residential,-1,,\n",
        encoding="utf-8",
    )
    report = import_registry(
        engine, buildings=buildings, devices=None, clock=FakeClock(), actor=command_line("li")
    )
    assert report.created == 2
    assert [e.split(":")[1] for e in report.errors] == ["4", "5"]
    assert "venue_type" in report.errors[0] and "floors" in report.errors[1]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                schema.buildings.c.building_id,
                schema.buildings.c.venue_type,
                schema.buildings.c.floors,
                schema.buildings.c.responsible_phone,
            ).order_by(schema.buildings.c.building_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("V1", "shop", 1, "022-23456789"),
        ("V2", "internet_cafe", None, None),
    ]
    engine.dispose()


def test_the_command_line_imports_buildings_then_the_hazard_backlog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from siteguard.cli import main

    config = tmp_path / "siteguard.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "c.db"}"\n')
    buildings = tmp_path / "buildings.csv"
    buildings.write_text("building_id,name,venue_type\nH1,老街网吧,internet_cafe\n")
    hazards = tmp_path / "hazards.csv"
    hazards.write_text(
        "ref,building_id,title,hazard_class\nA-1,H1,安全出口锁闭,general\nA-2,H9,x,general\n"
    )
    args = ["registry", "import", "--config", str(config), "--buildings", str(buildings)]
    assert main([*args, "--hazards", str(hazards)]) == 1  # one bad row
    out, err = capsys.readouterr()
    assert "hazards: 1 created, 0 already there, 1 bad rows" in out
    assert "hazards.csv:3: building_id: unknown building 'H9'" in err
    assert main(["registry", "import", "--config", str(config), "--hazards", str(hazards)]) == 1
    assert "hazards: 0 created, 1 already there, 1 bad rows" in capsys.readouterr().out
