"""Schema migrations with Alembic, run from code (no alembic.ini needed at run time)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from core.backoff import Backoff
from gateway.store.db import UNAVAILABLE

log = logging.getLogger(__name__)

_SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["engine"] = engine
    return config


# Any constant shared by every SiteGuard instance: the key of the migration lock.
_MIGRATION_LOCK = 0x5167_0001


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate; on PostgreSQL under an advisory lock, so that instances starting together
    (``ha.enabled``) migrate one after the other instead of racing to create a table."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
        conn.commit()
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
            conn.commit()


async def wait_for_database(engine: Engine, stop: asyncio.Event, *, retry_max_s: float) -> None:
    """Migrate ``engine`` to the newest schema, retrying with backoff while the database is
    unreachable, until it is done or ``stop`` is set."""
    backoff = Backoff(initial=0.5, maximum=retry_max_s)
    failures = 0
    url = engine.url.render_as_string(hide_password=True)
    while not stop.is_set():
        try:
            await asyncio.to_thread(upgrade, engine)
        except UNAVAILABLE as exc:
            log.warning(
                "database %s unavailable (%s); retrying in %.1fs",
                url,
                exc.orig,
                backoff.base(failures),
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff.delay(failures))
            failures += 1
        else:
            log.info("database %s open and migrated", url)
            return
