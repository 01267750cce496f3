"""A store writer over a migrated SQLite database: the dispatcher keeps its outbox there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.metrics import Metrics
from gateway.spool import Spool
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.store.writer import StoreWriter


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StoreWriter]:
    engine = create_engine(f"sqlite:///{tmp_path / 'n.db'}")
    upgrade(engine)
    with Spool(directory=tmp_path / "spool", max_bytes=10**6) as spool:
        writer = StoreWriter(
            engine=engine, spool=spool, metrics=Metrics(), failed_dir=tmp_path, retry_max_s=1
        )
        yield writer
        writer.close()
    engine.dispose()
