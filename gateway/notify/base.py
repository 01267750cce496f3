"""The notifier interface."""

from __future__ import annotations

from typing import Protocol

import msgspec

from alerting.model import Alarm


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    reason: str  # opened, escalated, reminder, cleared
    created_ms: int
    alarm: Alarm


class NotifyError(Exception):
    """A channel could not deliver; the dispatcher retries."""


class Notifier(Protocol):
    name: str

    async def send(self, notification: Notification) -> None: ...
