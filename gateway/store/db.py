"""Engine creation for SQLite and PostgreSQL, and the dialect differences the store needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

# Errors that mean "the database is unreachable right now", as opposed to a bug or bad data.
UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def normalise_url(url: str) -> str:
    """Accept the contract's ``postgresql://`` and pick the psycopg 3 driver for it."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_engine(
    url: str, *, idle_in_transaction_ms: int | None = None, application_name: str | None = None
) -> Engine:
    """``idle_in_transaction_ms`` (PostgreSQL): the server ends a session that sits in an
    open transaction this long, so that a paused instance (``ha.enabled``) cannot hold row
    locks its successor needs. ``application_name``: how its sessions are found (and ended)
    by a successor (``gateway/store/lease.py``)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = sa.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=8,
        max_overflow=8,
        connect_args=_pg_connect_args(idle_in_transaction_ms, application_name),
    )


def _pg_connect_args(
    idle_in_transaction_ms: int | None, application_name: str | None
) -> dict[str, Any]:
    args: dict[str, Any] = {"connect_timeout": 5}
    if application_name is not None:
        args["application_name"] = application_name
    if idle_in_transaction_ms is not None:
        args["options"] = f"-c idle_in_transaction_session_timeout={idle_in_transaction_ms}"
        # A machine gone silent (no reset) fails a statement in seconds, not the kernel's
        # quarter of an hour of retransmissions.
        args |= {
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": 10_000,
        }
    return args


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the pipeline writes; FULL makes a commit survive power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def insert_ignore(conn: Connection, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the connection's dialect."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return dialect.insert(table).on_conflict_do_nothing()


def upsert(conn: Connection, table: sa.Table, keys: list[str], update: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET update...`` in the connection's dialect."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={name: stmt.excluded[name] for name in update}
    )


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as conn:
        yield conn
