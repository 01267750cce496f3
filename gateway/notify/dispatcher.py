"""Delivers notifications to every channel, each channel on its own worker.

A notification arrives here only after the change that caused it was committed, and it is
already in the ``notifications`` outbox as ``pending``. Each channel works through its own
queue, with a timeout per send and retries with backoff, so a slow or failing channel never
delays the others or the pipeline. Once every channel has delivered (or given up after
``max_attempts``), the outbox row is marked ``sent`` (or ``failed``); at start-up, rows still
``pending`` are delivered again, so a restart loses no notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.metrics import Metrics
from gateway.notify.base import Notification, Notifier, decode_notification
from gateway.store import schema
from gateway.store.db import UNAVAILABLE
from gateway.store.writer import StoreWriter
from siteguard.clock import Clock

log = logging.getLogger(__name__)

_MARK = (
    sa.update(schema.notifications)
    .where(schema.notifications.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("status"),
        sent_ms=sa.bindparam("sent_ms"),
        attempts=sa.bindparam("attempts"),
        last_error=sa.bindparam("last_error"),
    )
)


class Dispatcher:
    def __init__(
        self,
        *,
        notifiers: list[Notifier],
        store: StoreWriter,
        metrics: Metrics,
        clock: Clock,
        timeout_s: float = 10.0,
        retry_min_s: float = 1.0,
        retry_max_s: float = 60.0,
        max_attempts: int = 8,
    ) -> None:
        self._notifiers = notifiers
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._timeout = timeout_s
        self._retry_min = retry_min_s
        self._retry_max = retry_max_s
        self._max_attempts = max_attempts
        self._queues: dict[str, asyncio.Queue[Notification]] = {
            n.name: asyncio.Queue() for n in notifiers
        }
        self._outstanding: dict[
            str, dict[str, Any]
        ] = {}  # id -> remaining, delivered, attempts, error
        self._finished: list[dict[str, Any]] = []
        self._wake_marks = asyncio.Event()

    def enqueue(self, notifications: Iterable[Notification]) -> None:
        for notification in notifications:
            if notification.id in self._outstanding:
                continue
            self._outstanding[notification.id] = {
                "remaining": len(self._notifiers),
                "delivered": 0,
                "attempts": 0,
                "error": None,
            }
            for queue in self._queues.values():
                queue.put_nowait(notification)

    @property
    def outstanding(self) -> int:
        return len(self._outstanding)

    async def run(self) -> None:
        workers = [
            asyncio.create_task(self._work(notifier), name=f"notify-{notifier.name}")
            for notifier in self._notifiers
        ]
        try:
            await self._mark_loop()
        finally:
            for worker in workers:
                worker.cancel()
            for worker in workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker

    async def flush(self) -> None:
        """Write the outcome of finished notifications now (shutdown)."""
        await self._write_marks()

    # ---- start-up ---------------------------------------------------------------------

    @staticmethod
    def load_pending(conn: Connection) -> list[Notification]:
        n = schema.notifications
        rows = conn.execute(
            sa.select(n.c.payload).where(n.c.status == "pending").order_by(n.c.created_ms, n.c.id)
        )
        return [decode_notification(row.payload) for row in rows]

    # ---- workers ----------------------------------------------------------------------

    async def _work(self, notifier: Notifier) -> None:
        queue = self._queues[notifier.name]
        while True:
            notification = await queue.get()
            delivered = await self._deliver(notifier, notification)
            self._settle(notification.id, delivered)

    async def _deliver(self, notifier: Notifier, notification: Notification) -> bool:
        delay = self._retry_min
        for attempt in range(1, self._max_attempts + 1):
            state = self._outstanding[notification.id]
            state["attempts"] += 1
            try:
                await asyncio.wait_for(notifier.send(notification), self._timeout)
            except Exception as exc:  # noqa: BLE001 - a channel's failure must never escape
                state["error"] = f"{notifier.name}: {type(exc).__name__}: {exc}"[:500]
                self._metrics.notifications.labels(notifier.name, "failed").inc()
                log.warning(
                    "notify %s failed (attempt %d/%d) for %s %s: %s",
                    notifier.name,
                    attempt,
                    self._max_attempts,
                    notification.subject,
                    notification.id,
                    exc,
                )
                if attempt == self._max_attempts:
                    return False
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, self._retry_max)
            else:
                self._metrics.notifications.labels(notifier.name, "sent").inc()
                return True
        return False

    def _settle(self, notification_id: str, delivered: bool) -> None:
        state = self._outstanding[notification_id]
        state["remaining"] -= 1
        state["delivered"] += int(delivered)
        if state["remaining"] == 0:
            del self._outstanding[notification_id]
            self._finished.append(
                {
                    "b_id": notification_id,
                    "status": "sent" if state["delivered"] else "failed",
                    "sent_ms": self._clock.now_ms(),
                    "attempts": state["attempts"],
                    "last_error": state["error"],
                }
            )
            self._wake_marks.set()

    # ---- outbox -----------------------------------------------------------------------

    async def _mark_loop(self) -> None:
        while True:
            await self._wake_marks.wait()
            self._wake_marks.clear()
            await self._write_marks()
            if self._finished:  # the database is away: try again shortly
                await asyncio.sleep(1.0)
                self._wake_marks.set()

    async def _write_marks(self) -> None:
        if not self._finished or not self._store.available:
            return
        marks, self._finished = self._finished, []
        try:
            await self._store.run_in_store(lambda conn: conn.execute(_MARK, marks))
        except UNAVAILABLE:
            self._finished[:0] = marks
