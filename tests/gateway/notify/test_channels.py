"""Notification channels against local servers that record what they receive: each robot's
documented message format and signature, an error code as a failure, texts that stay text.
(Ordering, rate limits, retries, timeouts and failover: test_dispatcher.py, without sockets.)"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from alerting.model import Alarm
from alerting.tickets import Ticket
from core.config import Route
from gateway.notification import Notification
from gateway.notify.base import NotifyError
from gateway.notify.dingtalk import DingtalkNotifier
from gateway.notify.email import EmailNotifier
from gateway.notify.feishu import FeishuNotifier
from gateway.notify.registry import default_registry
from gateway.notify.routing import Router
from gateway.notify.webhook import WebhookNotifier
from gateway.notify.wecom import WecomNotifier
from tests.support.recorder import Recorder
from tests.support.servers import free_port

FIRE = Alarm(
    id="01FIRE", kind="fire", severity="critical", status="active", building_id="JT01",
    device_id=None, device_ids=("JT01-SM01", "JT01-SM02"), opened_ms=1_790_000_000_000,
    updated_ms=1_790_000_000_000, latched=True, ticket_id="01TICKET",
)  # fmt: skip
NOTE = Notification(id="01NOTE", reason="opened", created_ms=FIRE.opened_ms, alarm=FIRE)


def describe(building_id: str) -> str | None:
    return {"JT01": "金泰里1号楼"}.get(building_id)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def server() -> Iterator[Recorder]:
    with Recorder(body=b'{"errcode": 0, "errmsg": "ok", "code": 0}') as recorder:
        yield recorder


def test_wecom_markdown_and_mentions(server: Recorder) -> None:
    url = server.url + "/cgi-bin/webhook/send?key=abc"
    notifier = WecomNotifier(name="wecom", config=_cfg("wecom", url=url), describe=describe)
    run(notifier.send(NOTE))
    sent = json.loads(server.received[0]["body"])
    assert server.received[0]["path"] == "/cgi-bin/webhook/send?key=abc"
    assert sent["msgtype"] == "markdown"
    content = sent["markdown"]["content"]
    assert content.startswith("### 【严重·新报警】火警确认 · 金泰里1号楼（JT01）")
    assert "JT01-SM01、JT01-SM02" in content and "01TICKET" in content
    mentioning = WecomNotifier(
        name="w", config=_cfg("wecom", url=url, mention_mobiles=["13800000001"])
    )
    run(mentioning.send(NOTE))
    sent = json.loads(server.received[1]["body"])
    assert sent["msgtype"] == "text" and sent["text"]["mentioned_mobile_list"] == ["13800000001"]


def test_robot_error_codes_are_failures() -> None:
    with Recorder(body=b'{"errcode": 93000, "errmsg": "invalid webhook url"}') as bad:
        notifier = WecomNotifier(name="w", config=_cfg("wecom", url=bad.url))
        with pytest.raises(NotifyError, match="errcode=93000"):
            run(notifier.send(NOTE))


def test_dingtalk_signature(server: Recorder) -> None:
    secret = "SEC0123456789abcdef"
    before = int(time.time() * 1000)
    notifier = DingtalkNotifier(
        name="ding", describe=describe,
        config=_cfg("dingtalk", url=server.url + "/robot/send?access_token=T", secret=secret,
                    mention_mobiles=["13900000002"]),
    )  # fmt: skip
    run(notifier.send(NOTE))
    request = server.received[0]
    query = parse_qs(urlsplit(request["path"]).query)
    assert query["access_token"] == ["T"]
    timestamp = query["timestamp"][0]
    assert before <= int(timestamp) <= int(time.time() * 1000)
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    body = json.loads(request["body"])
    assert body["msgtype"] == "markdown" and body["markdown"]["title"].startswith(
        "【严重·新报警】火警确认"
    )
    assert body["at"] == {"atMobiles": ["13900000002"], "isAtAll": False}
    assert "@13900000002" in body["markdown"]["text"]


def test_feishu_signature(server: Recorder) -> None:
    secret = "feishu-secret"
    notifier = FeishuNotifier(
        name="fs", config=_cfg("feishu", url=server.url + "/hook/x", secret=secret)
    )
    run(notifier.send(NOTE))
    body = json.loads(server.received[0]["body"])
    key = f"{body['timestamp']}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and "火警确认" in body["content"]["text"]


def test_webhook_body_signature_and_ticket(server: Recorder) -> None:
    notifier = WebhookNotifier(
        name="hook", describe=describe,
        config=_cfg("webhook", url=server.url + "/in", secret="s3cret", token="tok"),
    )  # fmt: skip
    ticket = Ticket(
        id="T1", alarm_id=None, title="消防通道堆物", category="inspection", severity="warning",
        building_id="JT01", status="open", responsible="公共安全办", due_ms=0,
        escalation_level=1, created_ms=0, updated_ms=0, created_by="duty",
    )  # fmt: skip
    run(notifier.send(Notification(id="N2", reason="escalated", created_ms=0, ticket=ticket)))
    request = server.received[0]
    signature = hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-SiteGuard-Signature"] == f"sha256={signature}"
    assert request["headers"]["Authorization"] == "Bearer tok"
    assert request["headers"]["Idempotency-Key"] == "N2"
    body = json.loads(request["body"])
    assert body["subject"] == "ticket" and body["ticket"]["escalation_level"] == 1
    assert body["title"].startswith("【隐患工单·逾期升级（第1级）】")


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def test_email_over_smtp() -> None:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        notifier = EmailNotifier(
            name="mail", describe=describe,
            config=_cfg("email", host="127.0.0.1", port=port, security="none",
                        sender="siteguard@street.example", to=["duty@street.example"]),
        )  # fmt: skip
        run(notifier.send(NOTE))
    finally:
        controller.stop()
    message = message_from_bytes(inbox.messages[0])
    assert str(make_header(decode_header(message["Subject"]))).startswith("【严重·新报警】火警确认")
    assert message["To"] == "duty@street.example"
    body = message.get_payload(decode=True).decode()
    assert "金泰里1号楼" in body and "01FIRE" in body


def test_router_matches_by_kind_severity_building_and_subject() -> None:
    router = Router([
        Route(channels=["fire_room"], kinds=["fire", "compound"], failover="sms"),
        Route(channels=["ops"], min_severity="critical", subjects=["alarm"]),
        Route(channels=["jt"], buildings=["JT02"]),
    ])  # fmt: skip
    assert router.channels(NOTE) == ["fire_room", "ops"]
    assert router.failover(NOTE, "fire_room") == "sms"
    assert router.failover(NOTE, "ops") is None
    warning = Notification(
        id="x",
        reason="opened",
        created_ms=0,
        alarm=_replace(FIRE, kind="smoke", severity="warning"),
    )
    assert router.channels(warning) == []


def _cfg(kind: str, **values: Any) -> Any:
    """A channel table of ``kind`` checked by its plugin, as the registry does."""
    (plugin,) = [p for p in default_registry().plugins if p.type == kind]
    return plugin.config.model_validate({"type": kind, **values})


def _replace(alarm: Alarm, **changes: Any) -> Alarm:
    import msgspec

    return msgspec.structs.replace(alarm, **changes)


def _named(name: str) -> Any:
    return lambda building_id: name


def test_robot_markdown_shows_names_as_text_not_links_or_tags(server: Recorder) -> None:
    url = server.url + "/cgi-bin/webhook/send?key=abc"
    name = "[请点此确认](http://evil.example) <@all> **急** `x`"
    notifier = WecomNotifier(name="wecom", config=_cfg("wecom", url=url), describe=_named(name))
    run(notifier.send(NOTE))
    content = json.loads(server.received[0]["body"])["markdown"]["content"]
    assert "](" not in content and "<@" not in content and "**" not in content
    assert "［请点此确认］（http://evil.example）" in content


def test_email_subject_of_a_name_with_a_line_break_is_one_line() -> None:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        notifier = EmailNotifier(
            name="mail", describe=_named("金泰里\r\n1号楼"),
            config=_cfg("email", host="127.0.0.1", port=port, security="none",
                        sender="siteguard@street.example", to=["duty@street.example"]),
        )  # fmt: skip
        run(notifier.send(NOTE))  # raised on every retry before: a header cannot hold CRLF
    finally:
        controller.stop()
    subject = str(make_header(decode_header(message_from_bytes(inbox.messages[0])["Subject"])))
    assert "金泰里 1号楼" in subject and "\n" not in subject
