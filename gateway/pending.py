"""Held vendor messages of unregistered devices: replayed once their device is registered.

A vendor message naming an IMEI, DevEUI or platform id the registry does not know is held in
``pending_messages`` (not dead-lettered: registering the device is the expected fix). When a
device with that identifier is registered, by the API at once or by an import within a few
seconds, its held messages go through the pipeline again, in arrival order and with their
original receive times: they become events and series points (history), and the same
write-set deletes them from the pending list. They do not drive status or rules: an alarm
from before anyone knew where the device hangs is a record, not a call to go there now.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.base import RawMessage
from gateway.device_index import DeviceIndex
from gateway.store import schema
from gateway.store.writer import StoreWriter

log = logging.getLogger(__name__)

_BATCH = 1000


def held_identifiers(conn: Connection) -> list[str]:
    p = schema.pending_messages
    return list(conn.execute(sa.select(p.c.identifier).distinct()).scalars())


def _held(conn: Connection, identifiers: list[str], after: str) -> list[RawMessage]:
    p = schema.pending_messages
    rows = conn.execute(
        sa.select(p.c.id, p.c.identifier, p.c.topic, p.c.payload, p.c.received_ms, p.c.source)
        .where(p.c.identifier.in_(identifiers), p.c.id > after)
        .order_by(p.c.id)
        .limit(_BATCH)
    )
    return [
        RawMessage(
            topic=row.topic,
            payload=bytes(row.payload),
            received_ms=row.received_ms,
            source=row.source,
            qos=1,
            held_id=row.id,
            held_for=row.identifier,
        )
        for row in rows
    ]


Submit = Callable[..., "asyncio.Future[None] | None"]


class PendingReleaser:
    def __init__(self, *, submit: Submit, store: StoreWriter, registry: DeviceIndex) -> None:
        self._submit = submit
        self._store = store
        self._registry = registry
        self._lock = asyncio.Lock()  # one release at a time: no message replayed twice

    async def release(self, identifiers: Iterable[str]) -> int:
        """Replays what is held under ``identifiers``; returns how many, once durable."""
        wanted = sorted({i for i in identifiers if i})
        if not wanted:
            return 0
        released = 0
        async with self._lock:
            after = ""
            while True:
                batch = await self._store.run_in_store(
                    functools.partial(_held, identifiers=wanted, after=after)
                )
                if not batch:
                    break
                done = {self._submit(m, want_ack=True) for m in batch}
                await asyncio.gather(*(f for f in done if f is not None))
                released += len(batch)
                after = batch[-1].held_id or after
        if released:
            log.info("replayed %d held messages of %s", released, ", ".join(wanted))
        return released

    async def release_registered(self) -> int:
        """Replays what is held for identifiers registered since (an import, say)."""
        held = await self._store.run_in_store(held_identifiers)
        known = [i for i in held if self._registry.by_identifier(i) is not None]
        return await self.release(known)
