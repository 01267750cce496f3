"""A generic webhook: the notification as JSON, optionally signed (HMAC-SHA256 of the body)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Literal

import msgspec
from pydantic import Field, SecretStr

from gateway.notification import Notification
from gateway.notify import text
from gateway.notify.channel import ChannelBase, HttpChannelNotifier
from gateway.notify.plugin import NotifierPlugin
from gateway.shapes import AlarmObject, TicketObject

_json = msgspec.json.Encoder()


class WebhookChannel(ChannelBase):
    type: Literal["webhook"]
    url: str = Field(description="receives the notification as JSON (POST)")
    secret: SecretStr | None = Field(
        default=None, description="signs the body: X-SiteGuard-Signature: sha256=<hmac>"
    )
    token: SecretStr | None = Field(default=None, description="sent as a bearer token")


def body(n: Notification, describe: text.Describe | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": n.id,
        "subject": n.subject,
        "reason": n.reason,
        "title": text.title(n, describe),
        "text": text.plain(n, describe),
    }
    if n.alarm is not None:
        out["alarm"] = AlarmObject.of(n.alarm).wire()
    if n.ticket is not None:
        out["ticket"] = TicketObject.of(n.ticket, []).wire()
    if n.report is not None:
        out["report"] = msgspec.to_builtins(n.report)
    if n.risk is not None:
        out["risk"] = msgspec.to_builtins(n.risk)
    if n.notice is not None:
        out["notice"] = msgspec.to_builtins(n.notice)
    if n.digest:
        out["items"] = [body(part, describe) for part in n.digest]
    return out


class WebhookNotifier(HttpChannelNotifier[WebhookChannel]):
    async def send(self, notification: Notification) -> None:
        payload = _json.encode(body(notification, self._describe))
        headers = {"Content-Type": "application/json", "Idempotency-Key": notification.id}
        if self._config.secret is not None:
            key = self._config.secret.get_secret_value().encode()
            headers["X-SiteGuard-Signature"] = (
                "sha256=" + hmac.new(key, payload, hashlib.sha256).hexdigest()
            )
        if self._config.token is not None:
            headers["Authorization"] = f"Bearer {self._config.token.get_secret_value()}"
        await self._poster.post(self._config.url, content=payload, headers=headers)


PLUGIN = NotifierPlugin(type="webhook", config=WebhookChannel, build=WebhookNotifier)
