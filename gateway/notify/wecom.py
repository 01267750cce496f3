"""企业微信群机器人 (WeCom group robot): markdown, or text when someone is to be @-mentioned.

API: POST the webhook URL (``.../cgi-bin/webhook/send?key=...``) with
``{"msgtype": "markdown", "markdown": {"content": ...}}``; it answers ``{"errcode": 0}``.
"""

from __future__ import annotations

from typing import Any

from gateway.notify import text
from gateway.notify.base import Notification
from gateway.notify.http import HttpPoster
from siteguard.config import WecomChannel


class WecomNotifier:
    def __init__(
        self, *, name: str, config: WecomChannel, describe: text.Describe | None = None
    ) -> None:
        self.name = name
        self.timeout_s = config.timeout_s
        self.retries = config.retries
        self._config = config
        self._describe = describe
        self._poster = HttpPoster(timeout_s=config.timeout_s)

    def message(self, n: Notification) -> dict[str, Any]:
        if self._config.mention_mobiles:
            return {
                "msgtype": "text",
                "text": {
                    "content": text.plain(n, self._describe),
                    "mentioned_mobile_list": self._config.mention_mobiles,
                },
            }
        return {"msgtype": "markdown", "markdown": {"content": text.markdown(n, self._describe)}}

    async def send(self, notification: Notification) -> None:
        await self._poster.post(
            self._config.url, json=self.message(notification), ok_field="errcode"
        )

    async def close(self) -> None:
        await self._poster.close()
