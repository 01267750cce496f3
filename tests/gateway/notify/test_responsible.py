"""Notices to a building's responsible person (``gateway/notify/responsible.py``): the routes
that reach them, a notice for them never ahead of an alarm nor inside a digest, a look-up that
fails never holding a notice back, and their address and phone never whole in a log line or an
error. (The whole path, from a ticket to an SMTP server and robots: tests/gateway/
test_responsible.py.)"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from pydantic import ValidationError

from alerting.tickets import Ticket
from core.config import Route
from gateway.notification import Contact, Notification
from gateway.notify import responsible
from gateway.notify.base import NotifyError
from gateway.notify.dingtalk import DingtalkChannel, DingtalkNotifier
from gateway.notify.email import EmailChannel, EmailNotifier
from gateway.notify.fake import FakeNotifier
from gateway.notify.feishu import FeishuChannel, FeishuNotifier
from gateway.notify.routing import Router
from gateway.notify.wecom import WecomChannel, WecomNotifier
from gateway.store.registry_rows import BuildingFields, upsert_building
from gateway.store.writer import StoreWriter
from tests.gateway.notify.test_dispatcher import Desk, fire, notice, run
from tests.support.recorder import Recorder
from tests.support.servers import free_port

EMAIL = "wang.jianguo@fuman.example.cn"
MOBILE = "13812345678"
WANG = Contact(name="王建国", email=EMAIL, phone="138-1234-5678")


def ticket_notice(
    i: int, *, building: str = "B1", reason: str = "opened", source: str = "manual",
    severity: str = "warning", category: str = "inspection",
) -> Notification:  # fmt: skip
    ticket = Ticket(
        id=f"T{i}", alarm_id=None, title="安全出口锁闭", category=category, severity=severity,
        building_id=building, status="open", responsible="公共安全办", due_ms=0,
        escalation_level=0, created_ms=i, updated_ms=i, created_by="duty", source=source,
    )  # fmt: skip
    return Notification(id=f"TN{i}", reason=reason, created_ms=i, ticket=ticket)


class ResponsibleDesk(Desk):
    """The dispatcher desk, counting the responsible persons' look-up among its waiters."""

    async def settle(self) -> None:
        await self.timer.idle(self.dispatcher.waiters)


def _register(store: StoreWriter) -> None:
    def write(conn: Any) -> None:
        upsert_building(
            conn, "B1",
            BuildingFields(name="福满楼", responsible_person="王建国", responsible_email=EMAIL,
                           responsible_phone="138 1234 5678"),
            0,
        )  # fmt: skip
        upsert_building(conn, "B2", BuildingFields(name="老街网吧"), 0)

    asyncio.run(store.run_in_store(write))


TICKETS_TO_THE_RESPONSIBLE = Route(channels=["robot"], subjects=["ticket"], notify_responsible=True)


# ---- routes -------------------------------------------------------------------------------


def test_a_ticket_an_alarm_opened_goes_only_to_routes_that_tell_the_responsible() -> None:
    router = Router([
        Route(channels=["duty"]),
        Route(channels=["mail", "robot"], subjects=["ticket"], kinds=["fire", "inspection"],
              notify_responsible=True),
    ])  # fmt: skip
    by_alarm = ticket_notice(1, source="alarm", category="fire")
    assert (router.channels(by_alarm), router.responsible_channels(by_alarm)) == (
        [],
        ["mail", "robot"],
    )
    by_hand = ticket_notice(2)
    assert router.channels(by_hand) == ["duty", "mail", "robot"]
    assert router.responsible_channels(by_hand) == ["mail", "robot"]
    device = ticket_notice(3, reason="escalated", category="device")
    assert (router.channels(device), router.responsible_channels(device)) == (["duty"], [])
    assert router.responsible_channels(fire(4)) == []  # alarms never
    assert router.tells_responsible and not Router([Route(channels=["duty"])]).tells_responsible


def test_routes_filter_on_reasons_and_only_ticket_routes_tell_the_responsible() -> None:
    router = Router([Route(channels=["boss"], subjects=["ticket"], reasons=["supervised"],
                           notify_responsible=True)])  # fmt: skip
    assert router.channels(ticket_notice(1, reason="supervised")) == ["boss"]
    assert router.channels(ticket_notice(2, reason="escalated")) == []
    with pytest.raises(ValidationError, match='give this route subjects = \\["ticket"\\]'):
        Route(channels=["duty"], notify_responsible=True)  # alarms too: refused
    with pytest.raises(ValidationError, match="reasons"):
        Route(channels=["duty"], reasons=["supervise"])


# ---- the dispatcher -----------------------------------------------------------------------


def test_a_notice_to_the_responsible_goes_alone_and_never_ahead_of_a_fire(
    store: StoreWriter,
) -> None:
    _register(store)
    robot = FakeNotifier(name="robot", rate_limit_per_min=20, responsible_via="mobile")
    desk = ResponsibleDesk(store, [robot], [Route(channels=["robot"]), TICKETS_TO_THE_RESPONSIBLE])

    async def test() -> None:
        desk.dispatcher.enqueue([notice(i) for i in range(300)])  # a storm of offline notices
        desk.dispatcher.enqueue([ticket_notice(1, severity="critical")])
        desk.dispatcher.enqueue([fire(999)])
        async with desk.running():
            await desk.settle()
            assert desk.dispatcher.outstanding == 0

    run(test)
    assert robot.sent[0].id == "N999"  # the fire first
    digests = [n for n in robot.sent if n.digest]
    assert [len(d.digest) for d in digests] == [200, 100]
    assert all(part.responsible is None for d in digests for part in d.digest)
    (alone,) = [n for n in robot.sent if n.ticket is not None]
    assert alone.responsible == Contact(name="王建国", email=EMAIL, phone="138 1234 5678")
    assert alone.responsible.mobile == MOBILE


def test_without_a_contact_nothing_extra_is_sent(store: StoreWriter) -> None:
    _register(store)
    robot = FakeNotifier(name="robot", responsible_via="mobile")
    hook = FakeNotifier(name="hook")  # cannot reach a person (a webhook, say)
    route = Route(channels=["robot", "hook"], subjects=["ticket"], notify_responsible=True)
    desk = ResponsibleDesk(store, [robot, hook], [route])

    async def test() -> None:
        async with desk.running():
            desk.dispatcher.enqueue([
                ticket_notice(1, building="B2"),  # by hand, B2 has nobody: as the route says
                ticket_notice(2, building="B2", source="alarm", category="fire"),  # nowhere
                ticket_notice(3, building="B1", source="alarm", category="fire"),  # the robot
            ])  # fmt: skip
            await desk.settle()
            assert desk.dispatcher.outstanding == 0

    run(test)
    assert [(n.id, n.responsible is not None) for n in robot.sent] == [
        ("TN1", False),
        ("TN3", True),
    ]
    assert [n.id for n in hook.sent] == ["TN1"]


def test_a_failed_look_up_holds_no_notice_back(
    store: StoreWriter, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _register(store)

    def down(conn: Any, building_ids: Any) -> dict[str, Contact]:
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(responsible, "contacts", down)
    robot = FakeNotifier(name="robot", responsible_via="mobile")
    desk = ResponsibleDesk(store, [robot], [TICKETS_TO_THE_RESPONSIBLE])

    async def test() -> None:
        async with desk.running():
            desk.dispatcher.enqueue([ticket_notice(1), ticket_notice(2, source="alarm")])
            await desk.settle()
            assert desk.dispatcher.outstanding == 0

    run(test)
    assert [(n.id, n.responsible) for n in robot.sent] == [("TN1", None)]
    assert "responsible persons not looked up" in caplog.text


# ---- the channels: what they send, what they never say ----------------------------------


def test_robots_mention_the_mobile_and_their_errors_mask_it() -> None:
    with_wang = msgspec.structs.replace(ticket_notice(1), responsible=WANG)
    answer = json.dumps({"errcode": 310000, "errmsg": f"mobile {MOBILE} not in group"})
    with Recorder(body=answer.encode()) as server:
        ding = DingtalkNotifier(
            name="ding",
            config=DingtalkChannel(type="dingtalk", url=server.url, mention_mobiles=["1390000"]),
        )
        assert ding.message(with_wang)["at"]["atMobiles"] == ["1390000", MOBILE]
        wecom = WecomNotifier(name="wecom", config=WecomChannel(type="wecom", url=server.url))
        body = wecom.message(with_wang)
        assert body["text"]["mentioned_mobile_list"] == [MOBILE]
        assert "请王建国（主要负责人、实际控制人）知悉" in body["text"]["content"]
        assert EMAIL not in body["text"]["content"] and MOBILE not in body["text"]["content"]
        for robot in (ding, wecom):
            with pytest.raises(NotifyError) as err:
                asyncio.run(robot.send(with_wang))
            assert MOBILE not in str(err.value) and "138****5678" in str(err.value)
            asyncio.run(robot.close())
    landline = Contact(name="李明", phone="022-23456789")
    assert landline.mobile is None  # a landline cannot be @-mentioned: not reachable
    assert not responsible.reachable(landline, "mobile")
    assert responsible.via(ding) == "mobile" and responsible.via(wecom) == "mobile"
    feishu = FeishuNotifier(name="fs", config=FeishuChannel(type="feishu", url="http://x"))
    assert responsible.via(feishu) is None  # mentions by open_id only: not reachable
    asyncio.run(feishu.close())


class _Refusing:
    """An SMTP server that takes the office's address and refuses the person's."""

    def __init__(self) -> None:
        self.rcpt: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == EMAIL:
            return f"550 5.1.1 <{address}>: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.rcpt += envelope.rcpt_tos
        return "250 OK"


def test_a_refused_address_does_not_fail_the_office_mail_and_is_logged_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler, port = _Refusing(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mail = EmailNotifier(
        name="mail",
        config=EmailChannel(type="email", host="127.0.0.1", port=port, security="none",
                            sender="siteguard@street.example", to=["duty@street.example"]),
    )  # fmt: skip
    try:
        with caplog.at_level(logging.INFO, logger="gateway"):
            asyncio.run(mail.send(msgspec.structs.replace(ticket_notice(1), responsible=WANG)))
        alone = Contact(name="王建国", email=EMAIL)
        only_him = EmailNotifier(
            name="mail",
            config=EmailChannel(type="email", host="127.0.0.1", port=port, security="none",
                                sender="siteguard@street.example", to=[EMAIL]),
        )  # fmt: skip
        with pytest.raises(NotifyError) as err:  # every recipient refused: a failure
            asyncio.run(only_him.send(msgspec.structs.replace(ticket_notice(2), responsible=alone)))
    finally:
        controller.stop()
    assert handler.rcpt == ["duty@street.example"]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("gateway")]
    assert any("refused the responsible person's address (w***@fuman.example.cn)" in m
               for m in ours)  # fmt: skip
    assert not any(EMAIL in m for m in ours)
    assert EMAIL not in str(err.value) and "w***@fuman.example.cn" in str(err.value)


def test_contacts_are_masked_in_what_may_be_logged() -> None:
    assert responsible.mask_phone("138 1234 5678") == "138****5678"
    assert responsible.mask_phone("12345") == "****"
    assert responsible.mask_email(EMAIL) == "w***@fuman.example.cn"
    assert responsible.masked(Contact(phone="+86 138 1234 5678")) == "138****5678"
    assert repr(WANG) == str(WANG) == "Contact(name, email, phone)"  # never the values
    assert Contact(phone="+86 13812345678").mobile == MOBILE
    said = responsible.scrub(f"refused {EMAIL} and 138-1234-5678 / {MOBILE}", WANG)
    assert EMAIL not in said and "1234-5678" not in said and MOBILE not in said
