"""钉钉自定义机器人 (DingTalk robot), with 加签 (signing) when a secret is configured.

Signing: ``sign = urlencode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``
with ``timestamp`` in milliseconds, both added to the webhook URL's query. Body:
``{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atMobiles", "isAtAll"}}``;
it answers ``{"errcode": 0, "errmsg": "ok"}``.

A ticket notice that reaches the building's responsible person (a route's
``notify_responsible``) @-mentions their mobile as well: in ``at.atMobiles`` and, as DingTalk
requires for the mention to show, as ``@<mobile>`` in the text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any, Literal

import httpx
from pydantic import Field, SecretStr

from gateway.notification import Notification
from gateway.notify import text
from gateway.notify.base import NotifyError
from gateway.notify.channel import ChannelBase, HttpChannelNotifier
from gateway.notify.plugin import NotifierPlugin
from gateway.notify.responsible import scrub


class DingtalkChannel(ChannelBase):
    type: Literal["dingtalk"]
    url: str = Field(description="钉钉机器人 webhook URL (with its access_token)")
    # DingTalk's documented limit: 20 messages a minute per robot, then 10 minutes blocked.
    rate_limit_per_min: int | None = Field(default=20, ge=1, description="messages a minute")
    secret: SecretStr | None = Field(default=None, description="加签 secret (SEC...)")
    mention_mobiles: list[str] = Field(default_factory=list, description="@ these mobiles")


def sign(secret: str, timestamp_ms: int) -> str:
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()  # httpx URL-encodes it as a query parameter


class DingtalkNotifier(HttpChannelNotifier[DingtalkChannel]):
    responsible_via = "mobile"  # a responsible person is @-mentioned by their mobile

    def message(self, n: Notification) -> dict[str, Any]:
        mobiles = text.mentions(self._config.mention_mobiles, n)
        mentions = "".join(f" @{m}" for m in mobiles)
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": text.title(n, self._describe),
                "text": text.markdown(n, self._describe) + (f"\n\n{mentions}" if mentions else ""),
            },
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }

    async def send(self, notification: Notification) -> None:
        url = httpx.URL(self._config.url)  # keeps its access_token
        if self._config.secret is not None:
            timestamp = int(time.time() * 1000)
            secret = self._config.secret.get_secret_value()
            url = url.copy_merge_params(
                {"timestamp": str(timestamp), "sign": sign(secret, timestamp)}
            )
        try:
            await self._poster.post(str(url), json=self.message(notification), ok_field="errcode")
        except NotifyError as exc:  # an answer may quote the message: no mobile in the log
            raise NotifyError(scrub(str(exc), notification.responsible)) from None


PLUGIN = NotifierPlugin(type="dingtalk", config=DingtalkChannel, build=DingtalkNotifier)
