"""The hazard register (隐患台账) as pure rules: classifying (重大/一般, a major hazard citing
its national criterion), supervising (挂牌督办, the office's deadline becoming the due time
escalation runs on) and referring (移送, to a configured department, and its reply)."""

from __future__ import annotations

import itertools

import pytest

from alerting.tickets import (
    HAZARD_CLASSES,
    NINE_SMALL,
    SOURCES,
    VENUE_TYPES,
    Ticket,
    TicketError,
    TicketForbidden,
    TicketInvalid,
    check_class,
    classify,
    escalation_level,
    refer,
    supervise,
)
from tests.alerting.test_tickets import DAY, T0, ticket

GB = "《重大火灾隐患判定方法》GB 35181-2017 第5.1条"
DEPARTMENTS = ("区应急管理局", "区消防救援支队")
_ids = (f"R{i:05d}" for i in itertools.count())


def major(status: str = "open", **kw: object) -> Ticket:
    return ticket(status, hazard_class="major", hazard_criterion=GB, **kw)


def test_venue_types_are_the_contracts_and_the_nine_small_come_first() -> None:
    assert list(VENUE_TYPES) == [
        "school", "clinic", "shop", "restaurant", "hotel", "entertainment", "internet_cafe",
        "bathhouse", "workshop", "residential", "high_rise_residential", "self_built",
        "old_compound", "other",
    ]  # fmt: skip
    assert tuple(VENUE_TYPES)[:9] == NINE_SMALL
    assert [VENUE_TYPES[v] for v in NINE_SMALL][-2:] == ["小美容洗浴场所", "小生产加工企业"]
    assert HAZARD_CLASSES == ("major", "general")
    assert SOURCES == ("alarm", "inspection", "backlog", "manual", "public")


def test_a_ticket_starts_general_manual_and_outside_the_office() -> None:
    t = ticket()
    assert (t.hazard_class, t.hazard_criterion, t.source) == ("general", None, "manual")
    assert (t.supervised_ms, t.referred_to, t.referred_ms, t.referral_reply) == (None,) * 4


def test_a_major_hazard_cites_its_criterion() -> None:
    assert check_class("major", f"  {GB} ") == GB
    assert check_class("general", None) is None
    assert check_class("general", "  ") is None
    for blank in (None, "", "   "):
        with pytest.raises(TicketInvalid, match="hazard_criterion: a major hazard"):
            check_class("major", blank)
    with pytest.raises(TicketInvalid, match="hazard_class: unknown class 'grave'"):
        check_class("grave", GB)


def test_classified_while_open_or_in_review_with_a_history_line() -> None:
    for status in ("open", "review"):
        t, entry = classify(
            ticket(status), hazard_class="major", criterion=GB, role="duty", by="duty-1",
            note="现场核实", now=T0 + 5, entry_id="E1",
        )  # fmt: skip
        assert (t.hazard_class, t.hazard_criterion, t.status, t.updated_ms) == (
            "major", GB, status, T0 + 5,
        )  # fmt: skip
        assert (entry.from_status, entry.to_status, entry.by) == (status, status, "duty-1")
        assert entry.note == f"隐患分级：重大事故隐患（{GB}）：现场核实"


@pytest.mark.parametrize("status", ["assigned", "rectifying", "closed"])
def test_not_classified_once_it_is_being_dealt_with(status: str) -> None:
    with pytest.raises(TicketError, match=f"is {status}; it is classified only while open or"):
        classify(ticket(status), hazard_class="major", criterion=GB, role="admin", by="a",
                 note=None, now=T0, entry_id="E1")  # fmt: skip


def test_classifying_is_for_admin_and_duty_and_a_major_one_needs_its_criterion() -> None:
    with pytest.raises(TicketForbidden) as forbidden:
        classify(ticket(), hazard_class="general", criterion=None, role="manager", by="m",
                 note=None, now=T0, entry_id="E1")  # fmt: skip
    assert forbidden.value.status == 403
    with pytest.raises(TicketInvalid) as invalid:
        classify(ticket(), hazard_class="major", criterion=None, role="duty", by="d",
                 note=None, now=T0, entry_id="E1")  # fmt: skip
    assert invalid.value.status == 422


def test_a_supervised_hazard_stays_major() -> None:
    supervised = major("review", supervised_ms=T0)
    with pytest.raises(TicketError, match="under supervision"):
        classify(supervised, hazard_class="general", criterion=None, role="duty", by="d",
                 note=None, now=T0, entry_id="E1")  # fmt: skip


def sup(t: Ticket, due: int, role: str = "duty", now: int = T0 + 5) -> tuple[Ticket, str | None]:
    done, entry = supervise(
        t, due_ms=due, role=role, by="duty-1", note="区安委会挂牌", now=now, entry_id=next(_ids)
    )  # type: ignore[arg-type]
    assert (entry.from_status, entry.to_status) == (t.status, t.status)
    return done, entry.note


def test_supervision_sets_the_offices_deadline_as_the_due_time() -> None:
    due = T0 + 3 * DAY
    t, note = sup(major("assigned"), due)
    assert (t.supervised_ms, t.due_ms, t.status) == (T0 + 5, due, "assigned")
    assert note == "挂牌督办，整改期限 2026-09-24T14:13:20.000Z：区安委会挂牌"
    again, _ = sup(t, due + DAY, now=T0 + DAY)  # a new deadline: supervised since the first time
    assert (again.supervised_ms, again.due_ms) == (T0 + 5, due + DAY)


def test_escalation_runs_on_the_supervision_deadline() -> None:
    t, _ = sup(major(due_ms=T0 + 30 * DAY), T0 + 2 * DAY)  # sooner than the ticket's own
    assert escalation_level(t, now=T0 + 3 * DAY - 1, every_ms=DAY) == 0
    assert escalation_level(t, now=T0 + 3 * DAY, every_ms=DAY) == 1


def test_supervision_is_for_an_open_major_hazard_by_a_future_deadline() -> None:
    with pytest.raises(TicketError, match="only a major hazard") as general:
        sup(ticket(), T0 + DAY)
    assert general.value.status == 409
    with pytest.raises(TicketError, match="is closed") as closed:
        sup(major("closed"), T0 + DAY)
    assert closed.value.status == 409
    with pytest.raises(TicketInvalid, match="due_at: the supervision deadline must be in the"):
        sup(major(), T0 + 5)
    with pytest.raises(TicketForbidden, match="a manager token cannot supervise"):
        sup(major(), T0 + DAY, role="manager")


def ref(t: Ticket, department: str, reply: str | None = None, role: str = "duty") -> Ticket:
    done, entry = refer(
        t, department=department, departments=DEPARTMENTS, reply=reply, role=role,
        by="duty-1", note="涉及违法建设", now=T0 + 7, entry_id=next(_ids),
    )  # type: ignore[arg-type]  # fmt: skip
    assert entry.to_status == t.status
    return done


def test_referral_and_the_departments_reply() -> None:
    t = ref(ticket("rectifying"), "区消防救援支队")
    assert (t.referred_to, t.referred_ms, t.referral_reply) == ("区消防救援支队", T0 + 7, None)
    answered, entry = refer(
        t, department="区消防救援支队", departments=DEPARTMENTS, reply=" 已立案查处 ",
        role="admin", by="admin-1", note=None, now=T0 + 9, entry_id="E9",
    )  # fmt: skip
    assert (answered.referred_to, answered.referral_reply) == ("区消防救援支队", "已立案查处")
    assert entry.note == "区消防救援支队 答复：已立案查处"
    elsewhere = ref(answered, "区应急管理局")  # referred on: the earlier reply is not theirs
    assert (elsewhere.referred_to, elsewhere.referral_reply) == ("区应急管理局", None)
    closed = ref(ticket("closed", referred_to="区应急管理局"), "区应急管理局", reply="已处罚")
    assert closed.referral_reply == "已处罚"  # the answer may come after 销号


def test_referral_refusals() -> None:
    with pytest.raises(TicketInvalid, match="department: one of 区应急管理局, 区消防救援支队"):
        ref(ticket(), "区教育局")
    with pytest.raises(TicketForbidden):
        ref(ticket(), "区应急管理局", role="manager")
    with pytest.raises(TicketError, match="already referred to 区应急管理局") as twice:
        ref(ticket(referred_to="区应急管理局"), "区应急管理局")
    assert twice.value.status == 409
    with pytest.raises(TicketError, match="referred to no department, not 区应急管理局"):
        ref(ticket(), "区应急管理局", reply="收到")
    with pytest.raises(TicketError, match="is closed"):
        ref(ticket("closed"), "区应急管理局")
