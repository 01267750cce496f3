"""企业微信群机器人 (WeCom group robot): markdown, or text when someone is to be @-mentioned.

API: POST the webhook URL (``.../cgi-bin/webhook/send?key=...``) with
``{"msgtype": "markdown", "markdown": {"content": ...}}``; it answers ``{"errcode": 0}``.

A ticket notice that reaches the building's responsible person (a route's
``notify_responsible``) is sent as text with their mobile in ``mentioned_mobile_list``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gateway.notification import Notification
from gateway.notify import text
from gateway.notify.base import NotifyError
from gateway.notify.channel import ChannelBase, HttpChannelNotifier
from gateway.notify.plugin import NotifierPlugin
from gateway.notify.responsible import scrub


class WecomChannel(ChannelBase):
    type: Literal["wecom"]
    url: str = Field(description="企业微信群机器人 webhook URL (with its key)")
    # WeCom's documented limit: 20 messages a minute per robot.
    rate_limit_per_min: int | None = Field(default=20, ge=1, description="messages a minute")
    mention_mobiles: list[str] = Field(default_factory=list, description="@ these mobiles")


class WecomNotifier(HttpChannelNotifier[WecomChannel]):
    responsible_via = "mobile"  # a responsible person is @-mentioned by their mobile

    def message(self, n: Notification) -> dict[str, Any]:
        mobiles = text.mentions(self._config.mention_mobiles, n)
        if mobiles:
            return {
                "msgtype": "text",
                "text": {
                    "content": text.plain(n, self._describe),
                    "mentioned_mobile_list": mobiles,
                },
            }
        return {"msgtype": "markdown", "markdown": {"content": text.markdown(n, self._describe)}}

    async def send(self, notification: Notification) -> None:
        try:
            await self._poster.post(
                self._config.url, json=self.message(notification), ok_field="errcode"
            )
        except NotifyError as exc:  # an answer may quote the message: no mobile in the log
            raise NotifyError(scrub(str(exc), notification.responsible)) from None


PLUGIN = NotifierPlugin(type="wecom", config=WecomChannel, build=WecomNotifier)
