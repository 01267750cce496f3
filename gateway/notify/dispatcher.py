"""Delivers notifications to their channels, each channel on its own worker.

A notification arrives here only after the change that caused it was committed, and it is
already in the ``notifications`` outbox as ``pending``. The router picks its channels (the
log always); each channel works through its own queue (``gateway/notify/queue.py``:
critical first, minor notices merged into digests under the channel's rate limit) with its
own timeout per attempt and retries with backoff, so a slow or failing channel never delays
another or the pipeline, and a failing notice never delays a critical one.
A ticket notice that a route with ``notify_responsible`` sends reaches the building's
responsible person too (``gateway/notify/responsible.py``): for those channels it waits for a
look-up of their contact in the venue register, made by a task of its own in batches, while
the other channels (the log, the duty room) have it at once. Alarms never wait for a look-up,
and a notice that names a responsible person is sent alone and never as a critical one
(``queue.py``). A building without a contact the channel can use gets the notice as the route
would send it anyway, or, for a ticket an alarm opened, not at all there.
When a channel gives up, the route's failover channel gets the notification instead. Once
every channel has delivered or given up, the outbox row is marked ``sent`` (or ``failed``, if
a failure was not covered by a failover); at start-up, rows still ``pending`` are delivered
again, so a restart loses no notification.

Scheduling (rate windows, retry delays, waits, each attempt's timeout) runs on an injected
``Timer`` (``gateway/notify/timer.py``): the event loop's clock in production, a ``FakeTimer``
moved by hand in tests. The injected ``Clock`` dates the outbox marks and digests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.backoff import Backoff
from core.clock import Clock
from gateway.metrics import Metrics
from gateway.notification import Contact, Notification, decode_notification
from gateway.notify import responsible
from gateway.notify.base import Notifier
from gateway.notify.queue import ChannelQueue, Entry
from gateway.notify.routing import Router
from gateway.notify.timer import LoopTimer, Timer
from gateway.store import schema
from gateway.store.db import UNAVAILABLE
from gateway.store.writer import StoreWriter

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


@dataclass
class _Delivery:
    """One notification on its way: which channels still owe an outcome."""

    remaining: int
    tried: set[str] = field(default_factory=set)
    uncovered: int = 0  # failures no failover made good
    attempts: int = 0
    error: str | None = None


@dataclass
class _Lookup:
    """A ticket notice waiting for its building's responsible person to be looked up."""

    notification: Notification
    channels: list[str]  # that reach the responsible person, if the register has them
    anyway: set[str]  # of those, the ones that have the notice even without (a route's own)


class Dispatcher:
    def __init__(
        self,
        *,
        notifiers: dict[str, Notifier],
        router: Router,
        store: StoreWriter,
        metrics: Metrics,
        clock: Clock,
        retry_min_s: float = 1.0,
        retry_max_s: float = 60.0,
        timer: Timer | None = None,
    ) -> None:
        self._notifiers = notifiers
        self._router = router
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._timer: Timer = timer if timer is not None else LoopTimer()
        self._retry_min = retry_min_s
        self._retry_max = retry_max_s
        self._queues: dict[str, ChannelQueue] = {
            name: ChannelQueue(per_minute=n.rate_limit_per_min) for name, n in notifiers.items()
        }
        self._wakes: dict[str, asyncio.Event] = {name: asyncio.Event() for name in notifiers}
        self._outstanding: dict[str, _Delivery] = {}
        self._finished: list[dict[str, Any]] = []
        self._wake_marks = asyncio.Event()
        # Only with a route that has notify_responsible: ticket notices for such routes.
        self._resolving = router.tells_responsible
        self._lookups: list[_Lookup] = []
        self._wake_lookups = asyncio.Event()

    def _now(self) -> int:
        """Scheduling time (rate windows, retry delays): the timer's, the one the workers
        sleep on. The injected clock dates the outbox marks."""
        return self._timer.now_ms()

    def enqueue(self, notifications: Iterable[Notification]) -> None:
        now = self._now()
        for notification in notifications:
            if notification.id in self._outstanding:
                continue
            channels = [
                name for name in self._router.channels(notification) if name in self._notifiers
            ]
            reaching = self._reaching(notification)
            targets = ["log", *channels, *(c for c in reaching if c not in channels)]
            self._outstanding[notification.id] = _Delivery(
                remaining=len(targets), tried=set(targets)
            )
            for name in targets:
                if name not in reaching:
                    self._put(name, notification, now)
            if reaching:
                self._lookups.append(_Lookup(notification, reaching, set(channels)))
                self._wake_lookups.set()

    def _reaching(self, notification: Notification) -> list[str]:
        """The channels through which ``notification`` may reach its building's responsible
        person: named by a ``notify_responsible`` route, and able to (e-mail, robots)."""
        if not self._resolving:
            return []
        return [
            name
            for name in self._router.responsible_channels(notification)
            if name in self._notifiers and responsible.via(self._notifiers[name]) is not None
        ]

    def _put(self, channel: str, notification: Notification, now: int) -> None:
        self._queues[channel].put(notification, now_ms=now)
        self._wakes[channel].set()

    @property
    def outstanding(self) -> int:
        return len(self._outstanding)

    @property
    def waiters(self) -> int:
        """The tasks that wait on the timer when there is nothing to do: a worker per
        channel (the log's included), and the responsible persons' look-up when a route
        reaches them (``FakeTimer.idle(dispatcher.waiters)``)."""
        return len(self._notifiers) + (1 if self._resolving else 0)

    async def run(self) -> None:
        workers = [
            asyncio.create_task(self._work(notifier), name=f"notify-{name}")
            for name, notifier in self._notifiers.items()
        ]
        if self._resolving:
            workers.append(asyncio.create_task(self._look_up(), name="notify-responsible"))
        try:
            await self._mark_loop()
        finally:
            for worker in workers:
                worker.cancel()
            for worker in workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            for notifier in self._notifiers.values():
                await notifier.close()

    async def flush(self) -> None:
        """Write the outcome of finished notifications now (shutdown)."""
        await self._write_marks()

    @staticmethod
    def load_pending(conn: Connection) -> list[Notification]:
        n = schema.notifications
        rows = conn.execute(
            sa.select(n.c.payload).where(n.c.status == "pending").order_by(n.c.created_ms, n.c.id)
        )
        return [decode_notification(row.payload) for row in rows]

    # ---- responsible persons ----------------------------------------------------------

    async def _look_up(self) -> None:
        """Look the responsible persons of waiting ticket notices up, a batch at a time, and
        hand each notice on to its channels. Its own task: no channel waits for the store."""
        while True:
            self._wake_lookups.clear()
            if not self._lookups:
                await self._timer.wait(self._wake_lookups, None)
                continue
            batch, self._lookups = self._lookups, []
            found = await self._contacts({lookup.notification.building_id for lookup in batch})
            now = self._now()
            for lookup in batch:
                self._hand_on(lookup, found.get(lookup.notification.building_id), now)

    async def _contacts(self, building_ids: set[str]) -> dict[str, Contact]:
        """The register's contacts; none while the database is away (the notices then go as
        the routes send them anyway: a notice is never held back for a look-up)."""
        if not self._store.available:
            log.warning(
                "database unavailable: ticket notices of %d buildings go out without their "
                "responsible persons", len(building_ids),
            )  # fmt: skip
            return {}
        try:
            return await self._store.run_in_store(
                lambda conn: responsible.contacts(conn, building_ids)
            )
        except UNAVAILABLE as exc:
            log.warning("responsible persons not looked up (database unavailable): %s", exc.orig)
        except Exception:  # a failed look-up must never stop the notices
            log.exception("responsible persons not looked up")
        return {}

    def _hand_on(self, lookup: _Lookup, contact: Contact | None, now: int) -> None:
        notification = lookup.notification
        told: list[str] = []
        for name in lookup.channels:
            if responsible.reachable(contact, responsible.via(self._notifiers[name])):
                self._put(name, msgspec.structs.replace(notification, responsible=contact), now)
                told.append(name)
            elif name in lookup.anyway:
                self._put(name, notification, now)
            else:  # only for the responsible person, and no way to reach them there
                self._settle(name, notification, delivered=True)
        if told and contact is not None:
            log.info(
                "ticket %s %s (building %s): to its responsible person (%s) through %s",
                notification.ticket.id if notification.ticket else "-", notification.reason,
                notification.building_id, responsible.masked(contact), ", ".join(told),
            )  # fmt: skip

    # ---- workers ----------------------------------------------------------------------

    async def _work(self, notifier: Notifier) -> None:
        queue, wake = self._queues[notifier.name], self._wakes[notifier.name]
        while True:
            wake.clear()
            taken = queue.take(self._now())
            if isinstance(taken, list):
                await self._attempt(notifier, taken)
                continue
            await self._timer.wait(wake, taken)

    async def _attempt(self, notifier: Notifier, entries: list[Entry]) -> None:
        """One attempt at one notice, or at a digest of several."""
        if len(entries) == 1:
            message = entries[0].notification
        else:
            parts = tuple(e.notification for e in entries)
            message = Notification(
                id=f"digest-{parts[0].id}-{len(parts)}",
                reason="digest",
                created_ms=self._clock.now_ms(),
                digest=parts,
            )
            self._metrics.notifications.labels(notifier.name, "digest").inc()
        for entry in entries:
            self._outstanding[entry.notification.id].attempts += 1
        try:
            await self._timer.within(notifier.send(message), int(notifier.timeout_s * 1000))
        except Exception as exc:  # noqa: BLE001 - a channel's failure must never escape
            reason = "timeout" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            self._metrics.notifications.labels(notifier.name, "failed").inc()
            for entry in entries:
                self._failed(notifier, entry, f"{notifier.name}: {reason}"[:500])
        else:
            self._metrics.notifications.labels(notifier.name, "sent").inc()
            for entry in entries:
                self._settle(notifier.name, entry.notification, delivered=True)

    def _failed(self, notifier: Notifier, entry: Entry, error: str) -> None:
        notification = entry.notification
        self._outstanding[notification.id].error = error
        entry.attempts += 1
        attempts = notifier.retries + 1
        log.warning(
            "notify %s failed (attempt %d/%d) for %s %s: %s",
            notifier.name, entry.attempts, attempts, notification.subject, notification.id, error,
        )  # fmt: skip
        if entry.attempts < attempts:
            backoff = Backoff(initial=self._retry_min, maximum=self._retry_max)
            jittered = backoff.delay(entry.attempts - 1)
            self._queues[notifier.name].retry(entry, at_ms=self._now() + int(jittered * 1000))
            return
        self._settle(notifier.name, notification, delivered=False)

    def _settle(self, channel: str, notification: Notification, *, delivered: bool) -> None:
        state = self._outstanding[notification.id]
        state.remaining -= 1
        if not delivered:
            failover = self._router.failover(notification, channel)
            if failover and failover in self._notifiers and failover not in state.tried:
                log.warning("notify %s gave up; failing over to %s", channel, failover)
                self._metrics.notifications.labels(failover, "failover").inc()
                state.tried.add(failover)
                state.remaining += 1
                self._put(failover, notification, self._now())
            else:
                state.uncovered += 1
        if state.remaining == 0:
            del self._outstanding[notification.id]
            self._finished.append(
                {
                    "b_id": notification.id,
                    "status": "failed" if state.uncovered else "sent",
                    "sent_ms": self._clock.now_ms(),
                    "attempts": state.attempts,
                    "last_error": state.error,
                }
            )
            self._wake_marks.set()

    # ---- outbox -----------------------------------------------------------------------

    async def _mark_loop(self) -> None:
        while True:
            await self._wake_marks.wait()
            self._wake_marks.clear()
            if not await self._write_marks():  # the database is away: try again shortly
                await self._timer.sleep(1000)
                self._wake_marks.set()
            # Marks that finished during the write have set the wake again themselves.

    async def _write_marks(self) -> bool:
        """False when the marks could not be written (they are kept for the next try)."""
        if not self._finished:
            return True
        if not self._store.available:
            return False
        marks, self._finished = self._finished, []
        try:
            await self._store.run_in_store(lambda conn: conn.execute(_MARK, marks))
        except UNAVAILABLE:
            self._finished[:0] = marks
            return False
        return True
