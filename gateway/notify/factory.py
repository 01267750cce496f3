"""The channels a configuration names, plus the log, which is always on."""

from __future__ import annotations

from core.config import (
    DingtalkChannel,
    EmailChannel,
    FeishuChannel,
    NotifyConfig,
    WebhookChannel,
    WecomChannel,
)
from gateway.notify import text
from gateway.notify.base import Notifier
from gateway.notify.dingtalk import DingtalkNotifier
from gateway.notify.email import EmailNotifier
from gateway.notify.feishu import FeishuNotifier
from gateway.notify.log import LogNotifier
from gateway.notify.webhook import WebhookNotifier
from gateway.notify.wecom import WecomNotifier


def create_notifiers(
    config: NotifyConfig, describe: text.Describe | None = None
) -> dict[str, Notifier]:
    notifiers: dict[str, Notifier] = {"log": LogNotifier()}
    for name, channel in config.channels.items():
        notifier: Notifier
        if isinstance(channel, WebhookChannel):
            notifier = WebhookNotifier(name=name, config=channel, describe=describe)
        elif isinstance(channel, WecomChannel):
            notifier = WecomNotifier(name=name, config=channel, describe=describe)
        elif isinstance(channel, DingtalkChannel):
            notifier = DingtalkNotifier(name=name, config=channel, describe=describe)
        elif isinstance(channel, FeishuChannel):
            notifier = FeishuNotifier(name=name, config=channel, describe=describe)
        elif isinstance(channel, EmailChannel):
            notifier = EmailNotifier(name=name, config=channel, describe=describe)
        notifiers[name] = notifier
    return notifiers
