"""Notifiers for tests that need no socket, in the manner of ``httpx.MockTransport``.

``FakeNotifier`` keeps every notification it is given and answers as it is told:

- ``sent``: the notifications delivered, in order (a digest is one, its parts in
  ``.digest``); ``attempts``: every call of ``send``, failed ones too; ``closed``.
- ``fail(times=1)``: the next ``times`` sends raise ``NotifyError`` (the dispatcher retries).
- ``hold()``: sends block until ``release()`` (a channel that hangs: the dispatcher's timeout
  ends them).
- ``await wait_sent(n)``, ``await wait_attempts(n)``: until ``n`` were sent (tried); no
  polling, no sleep.
- ``responsible_via="email"`` or ``"mobile"``: a channel that reaches a building's responsible
  person that way (as e-mail and the robots do); what it was given is on each notification's
  ``.responsible``.

Hand one to the ``Dispatcher`` directly (``notifiers={"log": LogNotifier(), "duty": fake}``),
or through the registry: ``fakes = FakeNotifiers()``,
``registry = default_registry().with_plugins(fakes.plugin)``, and a configuration's
``[notify.channels.duty] type = "fake"`` becomes ``fakes["duty"]``. The ``fake`` type is not in
``default_registry()``: a production configuration that names it is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Literal

from pydantic import Field

from gateway.notification import Notification
from gateway.notify import text
from gateway.notify.base import NotifyError
from gateway.notify.channel import ChannelBase
from gateway.notify.plugin import NotifierPlugin
from gateway.notify.responsible import Via


class FakeChannel(ChannelBase):
    """``type = "fake"``: a FakeNotifier with the table's limits (tests only)."""

    type: Literal["fake"]
    fail_first: int = Field(default=0, ge=0, description="sends that fail before one succeeds")
    responsible_via: Literal["email", "mobile"] | None = Field(
        default=None, description="reaches a responsible person that way"
    )


class FakeNotifier:
    def __init__(
        self,
        *,
        name: str = "fake",
        timeout_s: float = 10.0,
        retries: int = 0,
        rate_limit_per_min: int | None = None,
        responsible_via: Via | None = None,
    ) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self.retries = retries
        self.rate_limit_per_min = rate_limit_per_min
        self.responsible_via = responsible_via
        self.sent: list[Notification] = []
        self.attempts: list[Notification] = []
        self.closed = False
        self._failures = 0
        self._open = asyncio.Event()
        self._open.set()
        self._changed = asyncio.Event()

    def fail(self, times: int = 1) -> None:
        """The next ``times`` sends raise NotifyError."""
        self._failures += times

    def hold(self) -> None:
        """Sends block from now until ``release()``."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def send(self, notification: Notification) -> None:
        self.attempts.append(notification)
        self._changed.set()
        await self._open.wait()
        if self._failures:
            self._failures -= 1
            raise NotifyError(f"{self.name}: told to fail")
        self.sent.append(notification)
        self._changed.set()

    async def close(self) -> None:
        self.closed = True

    async def wait_sent(self, count: int) -> list[Notification]:
        """Until ``count`` notifications were delivered; what was."""
        while len(self.sent) < count:
            self._changed.clear()
            await self._changed.wait()
        return self.sent

    async def wait_attempts(self, count: int) -> list[Notification]:
        """Until ``send`` was called ``count`` times."""
        while len(self.attempts) < count:
            self._changed.clear()
            await self._changed.wait()
        return self.attempts


class FakeNotifiers(Mapping[str, FakeNotifier]):
    """The FakeNotifiers a registry built from ``type = "fake"`` tables, by channel name."""

    def __init__(self) -> None:
        self._built: dict[str, FakeNotifier] = {}

    @property
    def plugin(self) -> NotifierPlugin[FakeChannel]:
        return NotifierPlugin(type="fake", config=FakeChannel, build=self._build)

    def _build(
        self, *, name: str, config: FakeChannel, describe: text.Describe | None
    ) -> FakeNotifier:
        notifier = FakeNotifier(
            name=name,
            timeout_s=config.timeout_s,
            retries=config.retries,
            rate_limit_per_min=config.rate_limit_per_min,
            responsible_via=config.responsible_via,
        )
        notifier.fail(config.fail_first)
        self._built[name] = notifier
        return notifier

    def __getitem__(self, name: str) -> FakeNotifier:
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built)

    def __len__(self) -> int:
        return len(self._built)
