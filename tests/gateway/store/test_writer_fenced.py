"""The store writer with a fence (ha.enabled): every transaction asks the lease before it
commits, and a database that is away holds the caller instead of filling a spool."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.metrics import Metrics
from gateway.spool import Spool
from gateway.store.db import create_engine
from gateway.store.lease import Fenced
from gateway.store.migrate import upgrade
from gateway.store.writer import StoreHeld, StoreWriter
from tests.gateway.store.test_store import sample_writeset


class FakeFence:
    def __init__(self) -> None:
        self.held = True
        self.taken_over = False
        self.checks = 0

    def holds(self) -> bool:
        return self.held

    def check(self, conn: Connection) -> None:
        self.checks += 1
        if self.taken_over:
            raise Fenced("taken over")


def writer(tmp_path: Path, url: str, fence: FakeFence) -> tuple[StoreWriter, Spool, Metrics]:
    spool = Spool(directory=tmp_path / "spool", max_bytes=10**6)
    metrics = Metrics()
    store = StoreWriter(engine=create_engine(url), spool=spool, metrics=metrics,
                        failed_dir=tmp_path / "refused", retry_max_s=1, fence=fence)  # fmt: skip
    return store, spool, metrics


def events(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one())
    finally:
        engine.dispose()


def test_commits_ask_the_fence_and_a_refusal_rolls_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    fence = FakeFence()
    store, spool, metrics = writer(tmp_path, url, fence)

    async def scenario() -> None:
        await store.commit(sample_writeset())
        assert fence.checks == 1 and events(url) > 0
        before = events(url)
        fence.taken_over = True  # the row says another epoch: the transaction rolls back
        ws = sample_writeset()
        for event in ws.events:
            event.msg_id = f"{event.msg_id}-2"
        with pytest.raises(Fenced):
            await store.commit(ws)
        assert events(url) == before
        fence.held = False  # past the local deadline: not even tried
        with pytest.raises(Fenced):
            await store.commit(ws)
        assert fence.checks == 2
        with pytest.raises(Fenced):
            await store.run_in_store(lambda conn: None)

    asyncio.run(scenario())
    store.close()
    spool.close()
    fenced = metrics.registry.get_sample_value("siteguard_ha_fenced_total", {"action": "commit"})
    assert fenced == 2


def test_a_database_away_holds_the_write_set_instead_of_spooling_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "x.db"  # SQLite cannot open it: unavailable
    store, spool, metrics = writer(tmp_path, f"sqlite:///{missing}", FakeFence())
    missing.parent.rmdir()

    async def scenario() -> None:
        with pytest.raises(StoreHeld):
            await store.commit(sample_writeset())

    asyncio.run(scenario())
    store.close()
    assert spool.empty()
    spool.close()
    assert metrics.registry.get_sample_value("siteguard_db_unavailable") == 1
