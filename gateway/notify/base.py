"""The notifier interface."""

from __future__ import annotations

from typing import Protocol

from gateway.notification import Notification


class NotifyError(Exception):
    """A channel could not deliver; the dispatcher retries."""


class Notifier(Protocol):
    """One channel. ``send`` raises (NotifyError, or anything) when it did not deliver; the
    dispatcher bounds each attempt by ``timeout_s``, makes ``retries`` more, and sends at
    most ``rate_limit_per_min`` a minute (merging minor notices into digests past it)."""

    name: str
    timeout_s: float
    retries: int
    rate_limit_per_min: int | None  # None: no limit

    async def send(self, notification: Notification) -> None: ...

    async def close(self) -> None: ...
