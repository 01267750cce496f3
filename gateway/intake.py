"""Intake: raw messages in, chunks out, in two lanes.

Device alarm events (the ``event`` channel, and vendor messages that decode to one) take the
urgent lane; telemetry, heartbeats and replays of held messages the bulk lane. The pipeline
empties the urgent lane before it takes the next bulk chunk, so an alarm waits for at most
the one bulk chunk being processed, never for a backlog (docs/architecture.md, "Two lanes").

Each chunk carries one future for the QoS 1 messages in it: resolved once everything the
chunk caused is durable, which is when ingest acknowledges them to the broker.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from adapters.base import RawMessage, Rejection
from adapters.events import Event
from adapters.registry import AdapterRegistry
from gateway.directory import Directory


class Chunk:
    __slots__ = ("done", "messages", "urgent")

    def __init__(self, *, urgent: bool) -> None:
        self.messages: list[RawMessage] = []
        self.done: asyncio.Future[None] | None = None
        self.urgent = urgent


class IntakeFull(Exception):
    """The intake holds ``max_pending`` messages: an HTTP push is answered 503 (retry)."""


class Intake:
    """Bounded: past ``max_pending`` queued messages a QoS 0 message is dropped (and counted
    through ``dropped``) and an HTTP push refused; QoS 1 messages are still taken, since the
    broker already bounds them by our Receive Maximum and holds the rest for us."""

    def __init__(
        self,
        *,
        batch_max: int,
        urgent_batch_max: int,
        is_urgent: Callable[[RawMessage], bool],
        wake: Callable[[], None] = lambda: None,
        max_pending: int = 500_000,
        dropped: Callable[[], None] = lambda: None,
    ) -> None:
        self._batch_max = batch_max
        self._urgent_batch_max = urgent_batch_max
        self._is_urgent = is_urgent
        self._wake = wake
        self._max_pending = max_pending
        self._dropped = dropped
        self._urgent: deque[Chunk] = deque()
        self._bulk: deque[Chunk] = deque()
        self._pending = 0

    def submit(
        self,
        message: RawMessage,
        *,
        want_ack: bool,
        urgent: bool | None = None,
        refuse_when_full: bool = False,
    ) -> asyncio.Future[None] | None:
        """Queue ``message``; with ``want_ack``, return a future resolved once it is durable.
        ``urgent`` overrides the lane rule (an HTTP push whose content is already known);
        ``refuse_when_full`` raises IntakeFull rather than queueing past the bound."""
        if self._pending >= self._max_pending:
            if refuse_when_full:
                raise IntakeFull(f"{self._pending} messages are waiting; retry shortly")
            if not want_ack:
                self._dropped()
                return None
        if urgent is None:
            urgent = self._is_urgent(message)
        lane, limit = (
            (self._urgent, self._urgent_batch_max) if urgent else (self._bulk, self._batch_max)
        )
        chunk = lane[-1] if lane else None
        if chunk is None or len(chunk.messages) >= limit:
            chunk = Chunk(urgent=urgent)
            lane.append(chunk)
        chunk.messages.append(message)
        self._pending += 1
        self._wake()
        if not want_ack:
            return None
        if chunk.done is None:
            chunk.done = asyncio.get_running_loop().create_future()
        return chunk.done

    def take_urgent(self) -> Chunk | None:
        return self._take(self._urgent)

    def take_bulk(self) -> Chunk | None:
        return self._take(self._bulk)

    def _take(self, lane: deque[Chunk]) -> Chunk | None:
        if not lane:
            return None
        chunk = lane.popleft()
        self._pending -= len(chunk.messages)
        return chunk

    @property
    def has_urgent(self) -> bool:
        return bool(self._urgent)

    @property
    def has_bulk(self) -> bool:
        return bool(self._bulk)

    @property
    def pending(self) -> int:
        """Messages received and not yet taken."""
        return self._pending


class UrgencyRule:
    """Which lane a message takes. Canonical topics say it by their channel; a vendor message
    is urgent when it decodes to an event on the ``event`` channel (an alarm, a fault, a
    detection). The decode here only picks the lane: the pipeline decodes again when it
    processes the message, against the state of that moment."""

    def __init__(self, *, adapters: AdapterRegistry, directory: Directory, topic_prefix: str):
        self._adapters = adapters
        self._directory = directory
        self._vendor = f"{topic_prefix}/vendor/"

    def __call__(self, message: RawMessage) -> bool:
        if message.held_id is not None:
            return False  # a replay of held history: never ahead of live telemetry
        if message.topic.startswith(self._vendor):
            return self.decodes_to_event(message)
        return message.topic.endswith("/event")

    def decodes_to_event(self, message: RawMessage) -> bool:
        decoded = self._adapters.decode(message, self._directory)
        if isinstance(decoded, Rejection):
            return False
        return any(type(o) is Event and o.channel == "event" for o in decoded)
