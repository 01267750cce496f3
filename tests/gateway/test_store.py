"""The store: migrations match the tables, write-sets are idempotent, status flushes coalesce."""

from __future__ import annotations

from pathlib import Path

import msgspec
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway.status import flush_status
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.writeset import WriteSet, apply_writeset, decode_writeset, encode_writeset


def test_migrations_produce_exactly_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    engine.dispose()
    assert diff == []


def sample_writeset() -> WriteSet:
    return WriteSet(
        buildings=[{"building_id": "B1", "auto": True, "created_ms": 1, "updated_ms": 1}],
        devices=[
            {
                "device_id": "d1",
                "device_type": "gas",
                "building_id": "B1",
                "auto": True,
                "online": True,
                "created_ms": 1,
                "updated_ms": 1,
            }
        ],
        events=[
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
                "data": "{}",
            }
        ],
        seen=[{"device_id": "d1", "msg_id": "m", "received_ms": 5, "point_us": 5000}],
        dead_letters=[
            {
                "id": "01K",
                "received_ms": 6,
                "source": "mqtt",
                "adapter": "canonical",
                "topic": "t",
                "reason": "not_json",
                "detail": "x",
                "device_id": None,
                "building_id": None,
                "payload": b"\x00\xff",
            }
        ],
        readings=[{"device_id": "d1", "at_ms": 5, "data": '{"lel_pct": 1.0}'}],
    )


def test_writeset_round_trips_and_applies_idempotently(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(engine)
    ws = decode_writeset(encode_writeset(sample_writeset()))  # as if read back from the spool
    assert ws == sample_writeset()
    for _ in range(2):  # a replay after a crash applies the same write-set again
        with engine.begin() as conn:
            apply_writeset(conn, ws)
    with engine.connect() as conn:
        for table in (
            schema.buildings,
            schema.devices,
            schema.events,
            schema.seen_messages,
            schema.dead_letters,
            schema.device_readings,
        ):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 1
        payload = conn.execute(sa.select(schema.dead_letters.c.payload)).scalar_one()
        assert payload == b"\x00\xff"
        flush_status(
            conn,
            [
                {
                    "b_device_id": "d1",
                    "last_seen_ms": 9,
                    "battery_pct": 50.0,
                    "rssi": -80.0,
                    "fw": None,
                    "online": False,
                    "updated_ms": 9,
                }
            ],
        )
        row = conn.execute(sa.select(schema.devices)).one()
    engine.dispose()
    assert (row.last_seen_ms, row.first_seen_ms, row.battery_pct, row.online) == (9, 9, 50.0, False)


def test_alarm_rows_round_trip_and_one_active_alarm_per_identity(tmp_path: Path) -> None:
    import pytest

    from alerting.model import Alarm
    from gateway.store.alarms import active_alarms, alarm_row, load_alarm

    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(engine)
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
        rule_states=[{"building_id": "B1", "state": "{}", "updated_ms": 6}],
    )
    with engine.begin() as conn:
        apply_writeset(conn, WriteSet(alarms=[alarm_row(first)]))
        apply_writeset(conn, ws)
    with engine.connect() as conn:
        assert load_alarm(conn, "A1") == cleared
        assert active_alarms(conn) == [second]
        assert conn.execute(sa.select(schema.rule_states.c.state)).scalar_one() == "{}"
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # a second active one
        apply_writeset(conn, WriteSet(alarms=[alarm_row(msgspec.structs.replace(second, id="A3"))]))
    engine.dispose()
