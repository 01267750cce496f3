"""Delivers ticket changes to the district's hazard system (``tickets.export_url``).

Each change was written to ``ticket_outbox`` in the same transaction as the change itself;
this worker POSTs them oldest first, as JSON, with the change's id as ``Idempotency-Key``
(the receiver dedupes by it, so a change re-sent after a crash is never a new ticket). A
server error or a timeout is retried with backoff and holds back the later changes, which
keeps them in order; a request the server refuses as malformed (4xx other than 408/429) is
marked ``failed`` and logged, and does not block the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.backoff import Backoff
from core.clock import Clock
from gateway.metrics import Metrics
from gateway.store import schema
from gateway.store.db import UNAVAILABLE
from gateway.store.writer import StoreWriter

log = logging.getLogger(__name__)
_RETRYABLE = frozenset({408, 429})


class TicketExporter:
    def __init__(
        self,
        *,
        url: str,
        token: str | None,
        timeout_s: float,
        store: StoreWriter,
        metrics: Metrics,
        clock: Clock,
        poll_s: float = 1.0,
        retry_min_s: float = 1.0,
        retry_max_s: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``transport``: httpx's default (the network) unless a test passes its own."""
        self._url = url
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout_s
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._poll = poll_s
        self._backoff = Backoff(initial=retry_min_s, maximum=retry_max_s)
        self._transport = transport

    async def run(self) -> None:
        failures = 0
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
            while True:
                batch = await self._pending()
                if not batch:
                    await asyncio.sleep(self._poll)
                    continue
                for row in batch:
                    outcome = await self._deliver(client, row)
                    if outcome == "retry":
                        await asyncio.sleep(self._backoff.delay(failures))
                        failures += 1
                        break
                    failures = 0

    async def _deliver(self, client: httpx.AsyncClient, row: Any) -> str:
        headers = {**self._headers, "Idempotency-Key": row.id}
        try:
            response = await client.post(self._url, content=row.payload, headers=headers)
        except httpx.HTTPError as exc:
            return await self._failed_attempt(row, f"{type(exc).__name__}: {exc}")
        if response.is_success:
            await self._mark(row.id, status="sent", attempts=row.attempts + 1, error=None)
            self._metrics.tickets_exported.labels("sent").inc()
            return "sent"
        if 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE:
            detail = f"HTTP {response.status_code}: {response.text[:300]}"
            log.error("hazard system refused ticket change %s: %s", row.id, detail)
            await self._mark(row.id, status="failed", attempts=row.attempts + 1, error=detail)
            self._metrics.tickets_exported.labels("refused").inc()
            return "failed"
        return await self._failed_attempt(row, f"HTTP {response.status_code}")

    async def _failed_attempt(self, row: Any, error: str) -> str:
        log.warning("ticket export of %s failed, will retry: %s", row.id, error)
        self._metrics.tickets_exported.labels("retry").inc()
        await self._mark(row.id, status="pending", attempts=row.attempts + 1, error=error)
        return "retry"

    async def _pending(self) -> list[Any]:
        if not self._store.available:
            return []
        o = schema.ticket_outbox

        def load(conn: Connection) -> list[Any]:
            query = sa.select(o).where(o.c.status == "pending").order_by(o.c.id).limit(100)
            return list(conn.execute(query))

        try:
            return await self._store.run_in_store(load)
        except UNAVAILABLE:
            return []

    async def _mark(self, outbox_id: str, *, status: str, attempts: int, error: str | None) -> None:
        o = schema.ticket_outbox
        values: dict[str, Any] = {"status": status, "attempts": attempts, "last_error": error}
        if status == "sent":
            values["sent_ms"] = self._clock.now_ms()
        statement = sa.update(o).where(o.c.id == outbox_id).values(**values)
        with contextlib.suppress(*UNAVAILABLE):
            await self._store.run_in_store(lambda conn: conn.execute(statement))
