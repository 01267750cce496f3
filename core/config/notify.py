"""The ``[notify]`` section: channels, routes and delivery."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    SecretStr,
    model_validator,
)

from core.config.base import (
    Section,
)


class ChannelBase(Section):
    timeout_s: float = Field(default=10.0, gt=0, description="per attempt")
    retries: int = Field(default=3, ge=0, le=20, description="attempts after the first")
    rate_limit_per_min: int | None = Field(
        default=None,
        ge=1,
        description="messages a minute the channel accepts (none: no limit); past it, "
        "non-critical notices are merged into digests (docs/notifications.md)",
    )


class WebhookChannel(ChannelBase):
    type: Literal["webhook"]
    url: str = Field(description="receives the notification as JSON (POST)")
    secret: SecretStr | None = Field(
        default=None, description="signs the body: X-SiteGuard-Signature: sha256=<hmac>"
    )
    token: SecretStr | None = Field(default=None, description="sent as a bearer token")


class WecomChannel(ChannelBase):
    type: Literal["wecom"]
    url: str = Field(description="企业微信群机器人 webhook URL (with its key)")
    # WeCom's documented limit: 20 messages a minute per robot.
    rate_limit_per_min: int | None = Field(default=20, ge=1, description="messages a minute")
    mention_mobiles: list[str] = Field(default_factory=list, description="@ these mobiles")


class DingtalkChannel(ChannelBase):
    type: Literal["dingtalk"]
    url: str = Field(description="钉钉机器人 webhook URL (with its access_token)")
    # DingTalk's documented limit: 20 messages a minute per robot, then 10 minutes blocked.
    rate_limit_per_min: int | None = Field(default=20, ge=1, description="messages a minute")
    secret: SecretStr | None = Field(default=None, description="加签 secret (SEC...)")
    mention_mobiles: list[str] = Field(default_factory=list, description="@ these mobiles")


class FeishuChannel(ChannelBase):
    type: Literal["feishu"]
    url: str = Field(description="飞书机器人 webhook URL")
    # Feishu's documented limit for custom bots: 100 a minute (and 5 a second).
    rate_limit_per_min: int | None = Field(default=100, ge=1, description="messages a minute")
    secret: SecretStr | None = Field(default=None, description="签名校验 secret")


class EmailChannel(ChannelBase):
    type: Literal["email"]
    host: str = Field(description="SMTP server")
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = Field(default="starttls")
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(description="From:")
    to: list[str] = Field(min_length=1, description="To:")

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> EmailChannel:
        if self.password is not None and self.security == "none":
            raise ValueError(
                "security: 'none' would send the SMTP password unencrypted; use starttls or ssl"
            )
        return self


Channel = Annotated[
    WebhookChannel | WecomChannel | DingtalkChannel | FeishuChannel | EmailChannel,
    Field(discriminator="type"),
]


class Route(Section):
    """Which notifications go to which channels. Every condition given must hold."""

    channels: list[str] = Field(min_length=1, description="channel names")
    subjects: list[Literal["alarm", "ticket", "report", "notice"]] = Field(
        default=["alarm", "ticket"],
        description="alarms, tickets, scheduled reports and administrator notices (these two "
        "not sent unless a route names them)",
    )
    kinds: list[str] | None = Field(
        default=None, description="alarm kinds or ticket categories; none: all"
    )
    min_severity: Literal["info", "warning", "critical"] = Field(default="info")
    buildings: list[str] | None = Field(default=None, description="none: every building")
    failover: str | None = Field(
        default=None, description="a channel to use when one of these gives up"
    )


class NotifyConfig(Section):
    repeat_critical_s: int = Field(
        default=60, ge=1, description="critical alarms are notified again this often until acked"
    )
    channels: dict[str, Channel] = Field(
        default_factory=dict, description="named channels; the log is always on"
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
