"""What every configured channel shares: its name, its limits, its configuration, the words."""

from __future__ import annotations

from typing import Generic, TypeVar

from core.config import ChannelBase
from gateway.notify import text
from gateway.notify.http import HttpPoster

C = TypeVar("C", bound=ChannelBase)


class ChannelNotifier(Generic[C]):
    def __init__(self, *, name: str, config: C, describe: text.Describe | None = None) -> None:
        self.name = name
        self.timeout_s = config.timeout_s
        self.retries = config.retries
        self.rate_limit_per_min = config.rate_limit_per_min
        self._config = config
        self._describe = describe  # building id -> its name, for the texts

    async def close(self) -> None:
        return None


class HttpChannelNotifier(ChannelNotifier[C]):
    """A channel that POSTs: one client per channel, closed with it."""

    def __init__(self, *, name: str, config: C, describe: text.Describe | None = None) -> None:
        super().__init__(name=name, config=config, describe=describe)
        self._poster = HttpPoster(timeout_s=config.timeout_s)

    async def close(self) -> None:
        await self._poster.close()
