"""The store: migrations match the tables, write-sets are idempotent, status flushes coalesce."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway.status import flush_status
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.rows import (
    BuildingRow,
    DeadLetterRow,
    DeviceRow,
    EventRow,
    ReadingRow,
    RuleStateRow,
    SeenRow,
    StatusRow,
)
from gateway.store.writeset import WriteSet, WriteSetApplier, decode_writeset, encode_writeset
from tests.reports.databases import DATABASES


def test_migrations_produce_exactly_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    engine.dispose()
    assert diff == []


def sample_writeset() -> WriteSet:
    return WriteSet(
        buildings=[BuildingRow(building_id="B1", auto=True, created_ms=1, updated_ms=1)],
        devices=[
            DeviceRow(
                device_id="d1",
                device_type="gas",
                building_id="B1",
                auto=True,
                online=True,
                first_seen_ms=1,
                last_seen_ms=1,
                created_ms=1,
                updated_ms=1,
            )
        ],
        events=[
            EventRow(
                id=f"01J{i:03d}",
                device_id="d1",
                building_id="B1",
                device_type="gas",
                type="alarm",
                received_ms=5 + i,
                ts_ms=5 + i,
                msg_id=f"m{i}",
                source="canonical",
                confidence=None if i % 2 else 0.5,
                data="{}",
            )
            for i in range(20)  # enough rows for PostgreSQL's array path
        ],
        seen=[SeenRow(device_id="d1", msg_id="m", received_ms=5, point_us=5000)],
        dead_letters=[
            DeadLetterRow(
                id="01K",
                received_ms=6,
                source="mqtt",
                adapter="canonical",
                topic="t",
                reason="not_json",
                detail="x",
                device_id=None,
                building_id=None,
                payload=b"\x00\xff",
            )
        ],
        readings=[
            ReadingRow(device_id="d1", at_ms=5, data='{"lel_pct": 1.0}'),
            ReadingRow(device_id="d1", at_ms=5, data='{"lel_pct": 2.0}'),  # the later one wins
        ],
    )


@pytest.fixture(params=DATABASES)
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").create_database(
            f"store_{uuid.uuid4().hex[:12]}"
        )
    else:
        url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = create_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_writeset_round_trips_and_applies_idempotently(store_engine: sa.Engine) -> None:
    ws = decode_writeset(encode_writeset(sample_writeset()))  # as if read back from the spool
    assert ws == sample_writeset()
    applier = WriteSetApplier()
    for _ in range(2):  # a replay after a crash applies the same write-set again
        with store_engine.begin() as conn:
            applier.apply(conn, ws)
    with store_engine.connect() as conn:
        counts = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (
                schema.buildings,
                schema.devices,
                schema.events,
                schema.seen_messages,
                schema.dead_letters,
                schema.device_readings,
            )
        }
        assert counts == {
            "buildings": 1,
            "devices": 1,
            "events": 20,
            "seen_messages": 1,
            "dead_letters": 1,
            "device_readings": 1,
        }
        payload = conn.execute(sa.select(schema.dead_letters.c.payload)).scalar_one()
        assert bytes(payload) == b"\x00\xff"
        assert conn.execute(sa.select(schema.device_readings.c.data)).scalar_one() == (
            '{"lel_pct": 2.0}'
        )
        confidences = conn.execute(
            sa.select(schema.events.c.confidence).order_by(schema.events.c.id).limit(2)
        ).scalars()
        assert list(confidences) == [0.5, None]
    with store_engine.begin() as conn:
        flush_status(
            conn,
            [
                StatusRow(
                    device_id="d1",
                    last_seen_ms=9,
                    battery_pct=50.0,
                    rssi=-80.0,
                    fw=None,
                    online=False,
                )
            ],
        )
    with store_engine.connect() as conn:
        row = conn.execute(sa.select(schema.devices)).one()
    assert (row.last_seen_ms, row.first_seen_ms, row.battery_pct, row.online) == (9, 1, 50.0, False)


def test_writesets_spooled_by_the_previous_release_still_apply(tmp_path: Path) -> None:
    """Rows were maps with the column names (and status rows keyed ``b_device_id``); a spool
    left by the previous release decodes into the typed rows and applies."""
    legacy = msgspec.msgpack.encode(
        {
            "events": [
                {
                    "id": "01J",
                    "device_id": "d1",
                    "building_id": "B1",
                    "device_type": "gas",
                    "type": "alarm",
                    "received_ms": 5,
                    "ts_ms": 5,
                    "msg_id": "m",
                    "source": "canonical",
                    "confidence": None,
                    "data": "{}",
                }
            ],
            "statuses": [
                {
                    "b_device_id": "d1",
                    "last_seen_ms": 9,
                    "battery_pct": 50.0,
                    "rssi": None,
                    "fw": None,
                    "online": True,
                    "updated_ms": 9,
                }
            ],
            "rule_states": [{"building_id": "B1", "state": "{}", "updated_ms": 6}],
        }
    )
    ws = decode_writeset(legacy)
    assert ws.events[0].msg_id == "m"
    assert ws.statuses == [
        StatusRow(device_id="d1", last_seen_ms=9, battery_pct=50.0, rssi=None, fw=None, online=True)
    ]
    engine = create_engine(f"sqlite:///{tmp_path / 'l.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        WriteSetApplier().apply(conn, ws)
        assert conn.execute(sa.select(schema.events.c.id)).scalar_one() == "01J"
    engine.dispose()


def test_alarm_rows_round_trip_and_one_active_alarm_per_identity(store_engine: sa.Engine) -> None:
    from alerting.model import Alarm
    from gateway.store.alarms import active_alarms, alarm_row, load_alarm

    engine = store_engine
    first = Alarm(
        id="A1",
        kind="gas",
        severity="warning",
        status="active",
        building_id="B1",
        device_id="g1",
        device_ids=("g1",),
        opened_ms=1,
        updated_ms=1,
        peak=26.0,
    )
    cleared = msgspec.structs.replace(first, status="cleared", cleared_ms=5, cleared_by="rules")
    second = msgspec.structs.replace(first, id="A2", opened_ms=6, updated_ms=6)
    # The same batch: A1 clears, A2 opens for the same identity.
    ws = WriteSet(
        alarms=[alarm_row(cleared), alarm_row(second)],
        rule_states=[
            RuleStateRow(building_id="B1", state="{}", updated_ms=5),
            RuleStateRow(building_id="B1", state="{}", updated_ms=6),  # a later collect's
        ],
    )
    applier = WriteSetApplier()
    with engine.begin() as conn:
        applier.apply(conn, WriteSet(alarms=[alarm_row(first)]))
        applier.apply(conn, ws)
    with engine.connect() as conn:
        assert load_alarm(conn, "A1") == cleared
        assert active_alarms(conn) == [second]
        assert conn.execute(sa.select(schema.rule_states.c.state)).scalar_one() == "{}"
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # a second active one
        applier.apply(conn, WriteSet(alarms=[alarm_row(msgspec.structs.replace(second, id="A3"))]))
