"""The pipeline: the gateway's single writer, one turn at a time.

A turn is one urgent chunk, one command, the timers that fell due, or one bulk chunk, chosen
in that order: an alarm is never queued behind telemetry, and an operator's acknowledgement
never behind a backlog. Each turn is applied in memory (``gateway/processor.py`` for
messages), committed (or spooled) as one write-set, announced (event hub, notifications),
and its points are handed to the series writer with the chunk's future, which resolves once
those points are durable too: ingest acknowledges the chunk's QoS 1 messages then
(docs/architecture.md, "What accepted means").

Every change to an alarm is made here, by one writer, in one order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from alerting.model import Alarm
from alerting.rule_engine import RuleEngine
from core.clock import Clock
from gateway.collector import Collector
from gateway.hub import EventHub
from gateway.intake import Chunk, Intake
from gateway.metrics import Metrics
from gateway.notify.dispatcher import Dispatcher
from gateway.processor import Processor
from gateway.series.point import Point
from gateway.series.writer import SeriesWriter
from gateway.spool import SpoolFull
from gateway.store.writer import StoreHeld, StoreWriter
from gateway.turn import Turn

log = logging.getLogger(__name__)

T = TypeVar("T")
Command = Callable[[Turn], Awaitable[Any]]
# Messages processed between two yields to the event loop (a few milliseconds of work).
_SLICE = 200
_HELD_RETRY_S = 0.25


class Pipeline:
    def __init__(
        self,
        *,
        intake: Intake,
        processor: Processor,
        collector: Collector,
        engine: RuleEngine,
        store: StoreWriter,
        series: SeriesWriter,
        hub: EventHub,
        dispatcher: Dispatcher,
        metrics: Metrics,
        clock: Clock,
        wake: asyncio.Event,
    ) -> None:
        """``wake`` is set by whatever gives the loop work: the intake on a new message, the
        series writer when its buffer has room again."""
        self._intake = intake
        self._processor = processor
        self._collector = collector
        self._engine = engine
        self._store = store
        self._series = series
        self._hub = hub
        self._dispatcher = dispatcher
        self._metrics = metrics
        self._clock = clock
        self._commands: deque[tuple[Command, asyncio.Future[Any]]] = deque()
        self._wake = wake
        self._closing = False
        # A bulk turn's commit runs while the next chunk is processed: the store thread and
        # the loop work at once. At most one is in flight, and turns commit in order.
        self._committing: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        return self._intake.pending

    def active_alarms(self) -> list[Alarm]:
        return self._engine.book.all_active()

    async def execute(self, command: Callable[[Turn], Awaitable[T]]) -> T:
        """Run ``command`` in a turn of its own; what it changes is committed and announced
        before its result is returned (or its error raised, with its own change dropped)."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._commands.append((command, done))
        self._wake.set()
        return await done

    async def drain(self) -> None:
        """Stop once what was submitted so far is processed."""
        self._closing = True
        self._wake.set()

    # ---- the loop ---------------------------------------------------------------------

    async def run(self) -> None:
        """Take turns until ``drain`` and everything queued is done."""
        intake = self._intake
        while True:
            chunk = intake.take_urgent()
            if chunk is not None:
                await self._handle(chunk)
            elif self._commands:
                await self._run_command(*self._commands.popleft())
            elif self._timers_due():
                await self._tick()
            elif intake.has_bulk and self._series.has_room:
                bulk = intake.take_bulk()
                assert bulk is not None
                await self._handle(bulk)
            elif self._closing and not intake.has_bulk:
                await self._settle()
                return
            else:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._next_timer_s())

    def _timers_due(self) -> bool:
        due = self._engine.next_due()
        return due is not None and due <= self._clock.now_ms()

    def _next_timer_s(self) -> float:
        due = self._engine.next_due()
        if due is None:
            return 1.0
        return min(1.0, max(0.0, (due - self._clock.now_ms()) / 1000))

    def _turn(self) -> Turn:
        return Turn(engine=self._engine, now=self._clock.now_ms())

    async def _settle(self) -> None:
        """Wait until the turn committing in the background is durable and announced."""
        if self._committing is not None:
            task, self._committing = self._committing, None
            await task

    async def _tick(self) -> None:
        """Fire the rule engine's due timers (holds, leases, quiet periods, reminders)."""
        await self._settle()
        turn = self._turn()
        self._engine.advance(turn.now)
        self._collector.collect(turn)
        await self._finish(turn)

    async def _run_command(self, command: Command, done: asyncio.Future[Any]) -> None:
        # The timers due by the command's time fire first and belong to the turn whatever
        # the command does: a refusal must not take a fire hold that fell due with it.
        await self._settle()  # what the command reads from the store is there
        turn = self._turn()
        self._engine.advance(turn.now)
        self._collector.collect(turn)
        try:
            result = await command(turn)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who decides
            self._collector.discard()
            await self._finish(turn)
            if not done.done():
                done.set_exception(exc)
            return
        self._collector.collect(turn)
        await self._finish(turn)
        if not done.done():
            done.set_result(result)

    async def _handle(self, chunk: Chunk) -> None:
        processor, messages = self._processor, chunk.messages
        turn = processor.start()
        points: list[Point] = []
        for i in range(0, len(messages), _SLICE):
            if i:
                # Let the commit running meanwhile announce what it made durable (an alarm
                # waits for a slice, not for the whole chunk), and the sockets be read.
                await asyncio.sleep(0)
            processor.feed(turn, points, messages[i : i + _SLICE])
        processor.finish(turn, messages)
        await self._settle()
        self._committing = asyncio.create_task(self._complete(turn, points, chunk))

    async def _complete(self, turn: Turn, points: list[Point], chunk: Chunk) -> None:
        await self._finish(turn)
        self._series.add(points, chunk.done)
        live = [m.received_ms for m in chunk.messages if m.held_id is None]
        if live:
            lag = max(0, self._clock.now_ms() - min(live)) / 1000
            self._metrics.pipeline_lag.set(lag)
            self._metrics.pipeline_latency.observe(lag)
        self._metrics.pipeline_pending.set(self._intake.pending)

    async def _finish(self, turn: Turn) -> None:
        """Commit the turn, then announce it: nothing is told before it is durable."""
        held = False
        while True:
            try:
                await self._store.commit(turn.ws)
                break
            except SpoolFull as exc:
                log.error("database spool full, holding ingest: %s", exc)
                self._metrics.db_spool_full.set(1)
                await asyncio.sleep(1.0)
            except StoreHeld as exc:
                # ha.enabled: no spool; the turn waits for the database (or for the lease to
                # run out, when the commit raises Fenced and this instance stands down).
                if not held:
                    log.error("database unavailable, holding ingest: %s", exc)
                held = True
                await asyncio.sleep(_HELD_RETRY_S)
        if held:
            log.info("database back; ingest resumes")
        self._metrics.db_spool_full.set(0)
        for event in turn.events:
            self._hub.publish(event)
        self._dispatcher.enqueue(turn.notifications)
        if turn.changes:
            self._metrics.alarms_active.set(len(self._engine.book.all_active()))
