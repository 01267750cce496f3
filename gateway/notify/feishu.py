"""飞书自定义机器人 (Feishu / Lark robot), with 签名校验 when a secret is configured.

Signing: ``sign = base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=""))`` with
``timestamp`` in seconds, both in the JSON body next to ``msg_type`` and ``content``. It
answers ``{"code": 0}`` (older deployments: ``{"StatusCode": 0}``).

It cannot reach a building's responsible person: a custom robot @-mentions only by
``open_id``/``user_id`` (``<at user_id="ou_...">``), which a phone number cannot be turned
into without an app's contacts permission. A ``notify_responsible`` route sends it the notice
as usual (docs/notifications.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any, Literal

from pydantic import Field, SecretStr

from gateway.notification import Notification
from gateway.notify import text
from gateway.notify.channel import ChannelBase, HttpChannelNotifier
from gateway.notify.plugin import NotifierPlugin


class FeishuChannel(ChannelBase):
    type: Literal["feishu"]
    url: str = Field(description="飞书机器人 webhook URL")
    # Feishu's documented limit for custom bots: 100 a minute (and 5 a second).
    rate_limit_per_min: int | None = Field(default=100, ge=1, description="messages a minute")
    secret: SecretStr | None = Field(default=None, description="签名校验 secret")


def sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FeishuNotifier(HttpChannelNotifier[FeishuChannel]):
    def message(self, n: Notification) -> dict[str, Any]:
        body: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": text.plain(n, self._describe)},
        }
        if self._config.secret is not None:
            timestamp = int(time.time())
            body["timestamp"] = str(timestamp)
            body["sign"] = sign(self._config.secret.get_secret_value(), timestamp)
        return body

    async def send(self, notification: Notification) -> None:
        await self._poster.post(self._config.url, json=self.message(notification), ok_field="code")


PLUGIN = NotifierPlugin(type="feishu", config=FeishuChannel, build=FeishuNotifier)
