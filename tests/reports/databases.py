"""The fixture street in a fresh database: SQLite, and PostgreSQL (the production database),
so the reports' bulk queries are checked not to lean on SQLite's typing or integer division."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from tests.reports.fixture import Records, insert
from tests.support.servers import Postgres

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)]


def street_engine(request: pytest.FixtureRequest, directory: Path, records: Records) -> sa.Engine:
    """For a fixture parametrised with ``DATABASES``: migrated, with ``records`` inserted."""
    if request.param == "postgresql":
        server: Postgres = request.getfixturevalue("postgres_server")
        url = server.create_database(f"street_{uuid.uuid4().hex[:12]}")
    else:
        url = f"sqlite:///{directory / 'street.db'}"
    engine = create_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        insert(conn, records)
    return engine
