"""The ``[notify]`` section: channels, routes and delivery.

A channel's own keys belong to its notifier plugin (``gateway/notify/``, one file per
``type``), which ``core/`` may not import. Here a channel is therefore a ``ChannelTable``: its
``type`` and its other keys as written. The gateway's notifier registry checks each table
against its plugin's configuration class when the configuration is loaded
(``siteguard/config.py``) and again when it builds the notifiers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from core.config.base import (
    Section,
)


class ChannelTable(BaseModel):
    """One ``[notify.channels.<name>]`` table: ``type`` names the notifier plugin, the other
    keys are the plugin's own (checked by the plugin, not here)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = Field(description="the kind of channel; its keys are listed below")

    def values(self) -> dict[str, Any]:
        """The table as written: ``type`` and the plugin's keys."""
        return {"type": self.type, **(self.model_extra or {})}

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # The plugin's keys hold secrets and token URLs, unchecked here: only their names show.
        yield "type", self.type
        for key in self.model_extra or {}:
            yield key, "..."


# What a notification says happened (``Notification.reason``).
Reason = Literal["opened", "supervised", "escalated", "reminder", "cleared", "raised"]


class Route(Section):
    """Which notifications go to which channels. Every condition given must hold."""

    channels: list[str] = Field(min_length=1, description="channel names")
    subjects: list[Literal["alarm", "ticket", "report", "notice", "risk"]] = Field(
        default=["alarm", "ticket"],
        description="alarms, tickets, scheduled reports, administrator notices and risk early "
        "warnings (these three not sent unless a route names them; a risk warning's kind is "
        "its new level: red, orange, yellow)",
    )
    kinds: list[str] | None = Field(
        default=None, description="alarm kinds or ticket categories; none: all"
    )
    min_severity: Literal["info", "warning", "critical"] = Field(default="info")
    buildings: list[str] | None = Field(default=None, description="none: every building")
    failover: str | None = Field(
        default=None, description="a channel to use when one of these gives up"
    )
    reasons: list[Reason] | None = Field(
        default=None,
        description="what happened: opened, escalated, reminder, cleared (alarms); opened, "
        "supervised, escalated (tickets); raised (risk levels); none: all",
    )
    notify_responsible: bool = Field(
        default=False,
        description="ticket notices only: these channels also reach the building's "
        "responsible person (主要负责人, the venue register's responsible_email and "
        "responsible_phone): e-mail adds their address, DingTalk and WeCom robots @ their "
        "mobile; a ticket opened by an alarm is then notified too (docs/notifications.md)",
    )

    @model_validator(mode="after")
    def _responsible_for_tickets(self) -> Route:
        if self.notify_responsible and self.subjects != ["ticket"]:
            raise ValueError(
                "notify_responsible: only ticket notices reach the responsible person; "
                'give this route subjects = ["ticket"] (alarms keep their own routes)'
            )
        return self


class NotifyConfig(Section):
    repeat_critical_s: int = Field(
        default=60, ge=1, description="critical alarms are notified again this often until acked"
    )
    channels: dict[str, ChannelTable] = Field(
        default_factory=dict,
        description="named channels, a table each (its keys by `type`: see Notification "
        "channels below); the log is always on",
    )
    routes: list[Route] = Field(default_factory=list, description="notifications to channels")
    keep_days: int = Field(
        default=180, ge=1, description="sent notifications are kept this long, then pruned"
    )

    @model_validator(mode="after")
    def _known_channels(self) -> NotifyConfig:
        for i, route in enumerate(self.routes):
            for name in [*route.channels, *([route.failover] if route.failover else [])]:
                if name not in self.channels:
                    raise ValueError(f"routes[{i}]: unknown channel {name!r}")
        return self
