"""The notifier interface."""

from __future__ import annotations

from typing import Protocol

import msgspec

from alerting.model import Alarm
from alerting.tickets import Ticket


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    """What one notification says: an alarm's change, or a ticket's (opened by hand,
    escalated). Stored whole in the outbox, so a restart delivers exactly this."""

    id: str
    reason: str  # opened, escalated, reminder, cleared (alarms); opened, escalated (tickets)
    created_ms: int
    alarm: Alarm | None = None
    ticket: Ticket | None = None

    @property
    def subject(self) -> str:
        return "alarm" if self.alarm is not None else "ticket"

    @property
    def building_id(self) -> str:
        if self.alarm is not None:
            return self.alarm.building_id
        assert self.ticket is not None
        return self.ticket.building_id

    @property
    def severity(self) -> str:
        if self.alarm is not None:
            return self.alarm.severity
        assert self.ticket is not None
        return self.ticket.severity


encode_notification = msgspec.json.Encoder().encode
decode_notification = msgspec.json.Decoder(Notification).decode


class NotifyError(Exception):
    """A channel could not deliver; the dispatcher retries."""


class Notifier(Protocol):
    """One channel. ``send`` raises (NotifyError, or anything) when it did not deliver; the
    dispatcher bounds each attempt by ``timeout_s`` and makes ``retries`` more."""

    name: str
    timeout_s: float
    retries: int

    async def send(self, notification: Notification) -> None: ...

    async def close(self) -> None: ...
