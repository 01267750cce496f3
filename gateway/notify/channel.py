"""What every configured channel shares: the keys every channel table has (``ChannelBase``),
its name, its limits, its configuration, the words."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from core.config import Section
from gateway.notify import text
from gateway.notify.http import HttpPoster


class ChannelBase(Section):
    """The keys of every ``[notify.channels.<name>]`` table. A plugin's configuration class
    extends it with ``type: Literal["<its type>"]`` and its own keys (frozen, unknown keys
    refused, like every section)."""

    timeout_s: float = Field(default=10.0, gt=0, description="per attempt")
    retries: int = Field(default=3, ge=0, le=20, description="attempts after the first")
    rate_limit_per_min: int | None = Field(
        default=None,
        ge=1,
        description="messages a minute the channel accepts (none: no limit); past it, "
        "non-critical notices are merged into digests (docs/notifications.md)",
    )


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
