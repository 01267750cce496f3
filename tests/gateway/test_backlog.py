"""The hazard backlog (存量隐患) into the register: checked row by row, written by batch,
idempotent by the register's own number, audited as one import."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from core.config import TicketsConfig
from gateway.audit import command_line
from gateway.backlog import BacklogReport, backlog_ticket_id, csv_rows, import_backlog
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.tickets import load_ticket

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z

HEADER = "ref,building_id,title,category,hazard_class,hazard_criterion,responsible,due_at,found_at"
REGISTER = (
    "\ufeff"
    + HEADER
    + """
2023-001,B1,楼道堆放杂物,inspection,general,,,2024-12-31,2023-05-04
2023-002,B1,消防车通道被占用,fire,major,GB 35181-2017 第5.1条,街道执法队,,
2023-003,B9,不存在的楼,fire,general,,,,
2023-004,B1,重大但未引用标准,fire,major,,,,
2023-005,B1,日期写错,gas,general,,,2024-13-01,
,B1,没有编号,fire,general,,,,
2023-006,B2,电动车楼道充电,ebike,general,,,,
"""
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.buildings),
            [
                {"building_id": "B1", "property_company": None, "auto": False, "created_ms": 1,
                 "updated_ms": 1},
                {"building_id": "B2", "property_company": "安居物业", "auto": False,
                 "created_ms": 1, "updated_ms": 1},
            ],
        )  # fmt: skip
    yield engine
    engine.dispose()


def run(
    engine: Engine, text: str, progress: Callable[[BacklogReport], None] | None = None
) -> BacklogReport:
    def in_transaction(work: Callable[[Connection], None]) -> None:
        with engine.begin() as conn:
            work(conn)

    return import_backlog(
        in_transaction,
        csv_rows(text),
        config=TicketsConfig(),
        now_ms=NOW,
        actor=command_line("wang"),
        audit_id=f"01AUDIT{len(text):019d}"[:26],
        where="register.csv",
        progress=progress,
    )


def test_good_rows_become_backlog_tickets_and_bad_ones_are_told_by_line(engine: Engine) -> None:
    seen: list[int] = []
    report = run(engine, REGISTER, progress=lambda r: seen.append(r.created))
    assert (report.rows, report.created, report.existing) == (7, 3, 0)
    lines = [e.split(":")[1] for e in report.errors]
    assert lines == ["7", "4", "5", "6"]  # checked first, then the batch's own checks
    assert "ref: Field required" in report.errors[0]
    assert "unknown building 'B9'" in report.errors[1]
    assert "needs the national criterion" in report.errors[2]
    assert "due_at" in report.errors[3]
    assert seen == [3]  # one batch
    with engine.connect() as conn:
        found = load_ticket(conn, backlog_ticket_id("2023-001"))
        major = load_ticket(conn, backlog_ticket_id("2023-002"))
        ebike = load_ticket(conn, backlog_ticket_id("2023-006"))
        audit = conn.execute(sa.select(schema.audit_log)).one()
    assert found is not None and major is not None and ebike is not None
    ticket, history = found
    assert (ticket.source, ticket.status, ticket.hazard_class) == ("backlog", "open", "general")
    assert ticket.created_ms == 1_683_129_600_000  # 2023-05-04 00:00 in Tianjin
    assert ticket.due_ms == 1_735_574_400_000  # 2024-12-31 00:00 in Tianjin: overdue already
    assert history[0].note == "存量隐患 2023-001"
    assert (major[0].hazard_criterion, major[0].responsible) == (
        "GB 35181-2017 第5.1条",
        "街道执法队",
    )
    assert ebike[0].responsible == "安居物业"  # the building's property company
    assert (audit.action, audit.actor) == ("tickets.import", "cli:wang")
    assert json.loads(audit.after) == {"rows": 7, "created": 3, "existing": 0, "bad": 4}


def test_importing_the_register_again_adds_only_what_is_new(engine: Engine) -> None:
    run(engine, REGISTER)
    longer = REGISTER + "2024-001,B2,新发现的隐患,fire,general,,,,\n"
    again = run(engine, longer)
    assert (again.created, again.existing, len(again.errors)) == (1, 3, 4)
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.tickets)
            .where(schema.tickets.c.source == "backlog")
        ).scalar_one()
    assert count == 4


def test_a_csv_without_the_ref_column_is_refused_whole() -> None:
    with pytest.raises(ValueError, match="'ref' column"):
        list(csv_rows("building_id,title\nB1,x\n"))
