"""Ticket notices that reach a building's responsible person (主要负责人, docs/notifications.md):
opened (by hand and by an alarm), put under supervision (挂牌督办) and escalated, through a real
SMTP server and robot receivers, from the venue register; nothing extra, and no error, for a
building without a contact; never the address or the phone in a log line."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from core.clock import FakeClock
from core.config import Route
from gateway.audit import command_line
from gateway.notify.base import Notifier
from gateway.notify.dingtalk import DingtalkChannel, DingtalkNotifier
from gateway.notify.email import EmailChannel, EmailNotifier
from gateway.notify.wecom import WecomChannel, WecomNotifier
from gateway.store import schema
from gateway.store.registry_rows import BuildingFields, upsert_building
from siteguard.registry_import import import_registry
from tests.gateway.test_commands import GB, OFFICER, _alarm, _opened
from tests.gateway.test_pipeline import Rig, running
from tests.support.recorder import Recorder
from tests.support.servers import free_port
from tests.support.until import until

DAY = 86_400_000
EMAIL = "wang.jianguo@fuman.example.cn"
PHONE = "+86 138 1234 5678"  # as registered
MOBILE = "13812345678"  # as the robots take it


class Inbox:
    def __init__(self) -> None:
        self.mail: list[tuple[list[str], Message]] = []  # (envelope recipients, message)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mail.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for _, m in self.mail]


class Street:
    """The pipeline rig with an e-mail channel (a local SMTP server) and two robots (local
    HTTP receivers) on a route that tells responsible persons; B1 has one, B2 has none."""

    def __init__(self, tmp_path: Path, inbox: Inbox, port: int, robots: Recorder) -> None:
        notifiers: dict[str, Notifier] = {
            "mail": EmailNotifier(
                name="mail",
                config=EmailChannel(type="email", host="127.0.0.1", port=port, security="none",
                                    sender="siteguard@street.example", to=["duty@street.example"],
                                    retries=0),
            ),
            "ding": DingtalkNotifier(
                name="ding", config=DingtalkChannel(type="dingtalk", url=robots.url + "/ding")
            ),
            "wecom": WecomNotifier(
                name="wecom", config=WecomChannel(type="wecom", url=robots.url + "/wecom")
            ),
        }  # fmt: skip
        routes = [
            Route(channels=["mail", "ding", "wecom"], subjects=["ticket"], notify_responsible=True)
        ]
        self.rig = Rig(tmp_path, batch_max=10, notifiers=notifiers, routes=routes)
        self.inbox = inbox
        self.robots = robots
        with self.rig.db.begin() as conn:
            upsert_building(
                conn,
                "B1",
                BuildingFields(name="福满楼饭店", responsible_person="王建国",
                               responsible_email=EMAIL, responsible_phone=PHONE),
                0,
            )  # fmt: skip
            upsert_building(conn, "B2", BuildingFields(name="老街网吧"), 0)

    def robot(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.robots.received if r["path"] == path]

    async def delivered(self, mails: int, robots: int) -> None:
        await until(lambda: len(self.inbox.mail) >= mails and len(self.robots.received) >= robots)
        await self.settled()

    async def settled(self) -> None:
        """Until every notification is delivered and marked so in the outbox."""
        await until(lambda: self.rig.dispatcher.outstanding == 0)
        await until(lambda: {r.status for r in self.rig.rows(schema.notifications)} == {"sent"})


@pytest.fixture
def street(tmp_path: Path) -> Iterator[Street]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with Recorder(body=b'{"errcode": 0, "errmsg": "ok"}') as robots:
            s = Street(tmp_path, inbox, port, robots)
            yield s
            s.rig.close()
    finally:
        controller.stop()


# The test servers' own loggers show what they received; SiteGuard's must not.
_SERVERS = ("mail.log", "httpx", "httpcore", "asyncio")


def _ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if not r.name.startswith(_SERVERS)]


def _no_contact_in(caplog: pytest.LogCaptureFixture) -> None:
    said = "\n".join(record.getMessage() for record in _ours(caplog))
    assert EMAIL not in said and MOBILE not in said and "1234 5678" not in said


def test_opening_supervision_and_escalation_reach_the_responsible_person(
    street: Street, caplog: pytest.LogCaptureFixture
) -> None:
    rig = street.rig
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        async with running(rig):
            start = rig.clock.now_ms()
            tid = await _opened(rig, title="后厨燃气管道锈蚀", hazard_class="major",
                                hazard_criterion=GB, due_ms=start + 30 * DAY)  # fmt: skip
            await street.delivered(mails=1, robots=2)
            scope = {"role": "duty", "by": OFFICER, "buildings": None}
            await rig.tickets.supervise(tid, due_ms=start + 2 * DAY, note="区安委会挂牌", **scope)
            await street.delivered(mails=2, robots=4)
            rig.clock.advance(3 * DAY)
            assert await rig.tickets.escalate_overdue() == 1
            await street.delivered(mails=3, robots=6)

    asyncio.run(scenario())
    assert street.inbox.subjects() == [
        "【隐患工单·新工单】后厨燃气管道锈蚀",
        "【隐患工单·挂牌督办】后厨燃气管道锈蚀",
        "【隐患工单·逾期升级（第1级）】后厨燃气管道锈蚀",
    ]
    for recipients, message in street.inbox.mail:
        assert recipients == ["duty@street.example", EMAIL]  # the office, and the person
        assert (message["To"], message["Cc"]) == ("duty@street.example", EMAIL)
        body = message.get_payload(decode=True).decode()
        assert "请王建国（主要负责人、实际控制人）知悉" in body
        assert "隐患等级：重大事故隐患" in body
    last = street.inbox.mail[-1][1].get_payload(decode=True).decode()
    assert "逾期升级：第1级，函告" in last and "挂牌督办" in last
    dings = street.robot("/ding")
    assert [d["at"] for d in dings] == [{"atMobiles": [MOBILE], "isAtAll": False}] * 3
    assert all(d["markdown"]["text"].endswith(f"@{MOBILE}") for d in dings)
    wecoms = street.robot("/wecom")
    assert [w["text"]["mentioned_mobile_list"] for w in wecoms] == [[MOBILE]] * 3
    assert "挂牌督办" in wecoms[1]["text"]["content"]
    assert {r.status for r in rig.rows(schema.notifications)} == {"sent"}
    # The duty room's route has them as ever, without the contact.
    assert all(n.responsible is None for n in rig.recorder.sent)
    assert [n.reason for n in rig.recorder.sent] == ["opened", "supervised", "escalated"]
    _no_contact_in(caplog)
    assert any("138****5678" in r.getMessage() for r in _ours(caplog))  # masked, if at all


def test_a_ticket_an_alarm_opened_reaches_only_the_responsible_person(street: Street) -> None:
    rig = street.rig

    async def scenario() -> None:
        async with running(rig):
            fire = await _alarm(rig, "s1", "s2")  # two detectors in B1: a fire, and its ticket
            assert fire.kind == "fire" and fire.ticket_id is not None
            await street.delivered(mails=1, robots=2)

    asyncio.run(scenario())
    ((recipients, message),) = street.inbox.mail
    assert recipients == ["duty@street.example", EMAIL]
    assert str(make_header(decode_header(message["Subject"]))).startswith("【隐患工单·新工单】")
    assert [d["at"]["atMobiles"] for d in street.robot("/ding")] == [[MOBILE]]
    # The duty room heard of the fire from the alarm (which names the ticket), not twice.
    assert {n.subject for n in rig.recorder.sent} == {"alarm"}
    assert {r.status for r in rig.rows(schema.notifications)} == {"sent"}


def test_a_building_without_a_responsible_person_gets_nothing_extra_and_no_error(
    street: Street, caplog: pytest.LogCaptureFixture
) -> None:
    rig = street.rig

    async def scenario() -> None:
        async with running(rig):
            await _opened(rig, building_id="B2", title="安全出口锁闭")
            await street.delivered(mails=1, robots=2)
            # A fire in B2 (not registered with anyone): its ticket's notice goes nowhere.
            for device in ("s1", "s2"):
                message = rig.message(f"B2/smoke/{device}/event", {"type": "alarm", "id": device})
                done = rig.intake.submit(message, want_ack=True)
                assert done is not None
                await asyncio.wait_for(done, 5)
            await street.settled()

    asyncio.run(scenario())
    # The ticket opened by hand reached the route's channels as it would anyway: no Cc, no @.
    ((recipients, message),) = street.inbox.mail
    assert recipients == ["duty@street.example"] and message["Cc"] is None
    assert "主要负责人" not in message.get_payload(decode=True).decode()
    assert street.robot("/ding")[0]["at"] == {"atMobiles": [], "isAtAll": False}
    assert street.robot("/wecom")[0]["msgtype"] == "markdown"
    assert len(street.robots.received) == 2  # nothing for the fire's ticket
    assert {r.status for r in rig.rows(schema.notifications)} == {"sent"}
    assert [r.getMessage() for r in _ours(caplog) if r.levelno > logging.WARNING] == []
    assert not [r for r in _ours(caplog) if r.name.startswith("gateway.notify")]


def test_the_responsible_email_comes_from_the_csv_import(tmp_path: Path) -> None:
    from gateway.store.db import create_engine
    from gateway.store.migrate import upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade(engine)
    buildings = tmp_path / "venues.csv"
    buildings.write_text(
        "building_id,name,responsible_person,responsible_phone,responsible_email\n"
        f"V1,福满楼饭店,王建国,13812345678,{EMAIL}\n"
        "V2,老街网吧,,,\n"
        "V3,某店,李明,,li ming@example.cn\n",
        encoding="utf-8",
    )
    report = import_registry(
        engine, buildings=buildings, devices=None, clock=FakeClock(), actor=command_line("li")
    )
    assert report.created == 2
    assert len(report.errors) == 1 and report.errors[0].startswith("venues.csv:4: ")
    assert "responsible_email: not one e-mail address" in report.errors[0]
    with engine.connect() as conn:
        found = dict(
            conn.execute(
                schema.buildings.select()
                .with_only_columns(
                    schema.buildings.c.building_id, schema.buildings.c.responsible_email
                )
                .order_by(schema.buildings.c.building_id)
            ).all()
        )
    assert found == {"V1": EMAIL, "V2": None}
    engine.dispose()
