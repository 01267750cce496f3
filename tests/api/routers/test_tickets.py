"""``/api/v1/tickets``: the list and one ticket from the store, in the token's scope and with
the moves the caller's role may make; opening and moving one, which the gateway carries out
(a fake here; real in tests/gateway/test_commands.py and tests/e2e/test_tickets.py)."""

from __future__ import annotations

import msgspec
import pytest
from fastapi.testclient import TestClient

from alerting.tickets import (
    Ticket,
    TicketEntry,
    TicketError,
    TicketForbidden,
    TicketInvalid,
    opened_entry,
)
from gateway.commands import TicketNotFound
from gateway.shapes import TicketObject
from gateway.store import schema
from tests.api.conftest import ADMIN, Api
from tests.api.routers.conftest import T0, bearer, building_row

DAY_MS = 86_400_000


def ticket(
    ticket_id: str,
    *,
    building: str = "B1",
    status: str = "open",
    category: str = "inspection",
    created: int = 0,
    due: int = DAY_MS,
) -> Ticket:
    return Ticket(
        id=ticket_id,
        alarm_id=None,
        title=f"隐患 {ticket_id}",
        category=category,
        severity="warning",
        building_id=building,
        status=status,
        responsible="物业公司",
        due_ms=T0 + due,
        escalation_level=0,
        created_ms=T0 + created,
        updated_ms=T0 + created,
        created_by="duty",
        closed_ms=T0 + created if status == "closed" else None,
    )


def store(api: Api, *tickets: Ticket) -> None:
    api.insert(schema.tickets, list(tickets))
    entries: list[TicketEntry] = []
    for t in tickets:
        was_open = msgspec.structs.replace(t, status="open")
        first = opened_entry(was_open, entry_id=f"{t.id}-0", note="巡查发现")
        entries.append(first)
        if t.status != "open":
            moved = {"id": f"{t.id}-1", "from_status": "open", "to_status": t.status, "note": None}
            entries.append(msgspec.structs.replace(first, **moved))
    api.insert(schema.ticket_history, entries)


@pytest.fixture
def street(api: Api) -> None:
    api.clock.set(T0 + 2 * DAY_MS)
    api.insert(schema.buildings, [building_row("B1"), building_row("B2")])
    store(
        api,
        ticket("T1", created=1000),  # overdue: due a day after creation
        ticket("T2", created=2000, status="assigned", due=10 * DAY_MS),
        ticket("T3", created=3000, building="B2", category="fire", due=10 * DAY_MS),
        ticket("T4", created=4000, status="closed"),  # closed: never overdue
    )


def ids(client: TestClient, headers: dict[str, str], **params: object) -> list[str]:
    answer = client.get("/api/v1/tickets", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [t["id"] for t in answer.json()["items"]]


@pytest.mark.usefixtures("street")
def test_list_newest_first_with_filters(client: TestClient) -> None:
    assert ids(client, ADMIN) == ["T4", "T3", "T2", "T1"]
    assert ids(client, ADMIN, status="assigned") == ["T2"]
    assert ids(client, ADMIN, category="fire") == ["T3"]
    assert ids(client, ADMIN, building="B1", overdue="true") == ["T1"]
    assert ids(client, ADMIN, building="B1", overdue="false") == ["T4", "T2"]
    assert ids(client, ADMIN, limit=2, offset=1) == ["T3", "T2"]


@pytest.mark.usefixtures("street")
def test_one_ticket_with_its_history_and_the_callers_moves(client: TestClient) -> None:
    as_admin = client.get("/api/v1/tickets/T2", headers=ADMIN).json()
    assert [(h["from"], h["to"]) for h in as_admin["history"]] == [
        (None, "open"),
        ("open", "assigned"),
    ]
    assert as_admin["history"][0]["note"] == "巡查发现"
    assert as_admin["allowed_moves"] == ["rectifying"]
    open_one = client.get("/api/v1/tickets/T1", headers=ADMIN).json()
    assert open_one["allowed_moves"] == ["assigned"]
    manager = bearer(client, "manager", ["B1"])
    assert client.get("/api/v1/tickets/T1", headers=manager).json()["allowed_moves"] == []
    assert client.get("/api/v1/tickets/T4", headers=ADMIN).json()["allowed_moves"] == []


@pytest.mark.usefixtures("street")
def test_a_manager_sees_only_the_tickets_of_their_buildings(client: TestClient) -> None:
    manager = bearer(client, "manager", ["B2"])
    assert ids(client, manager) == ["T3"]
    assert ids(client, manager, building="B1") == []
    outside = client.get("/api/v1/tickets/T1", headers=manager)
    assert outside.status_code == 404 and outside.json() == {"detail": "ticket 'T1' not found"}
    assert client.get("/api/v1/tickets/NOPE", headers=ADMIN).status_code == 404


@pytest.mark.usefixtures("street")
def test_opening_a_ticket_goes_to_the_gateway(client: TestClient, api: Api) -> None:
    made = ticket("T9", building="B2")
    api.tickets.result = TicketObject.of(made, [opened_entry(made, entry_id="T9-0", note=None)])
    duty = bearer(client, "duty")
    body = {"title": "灭火器过期", "category": "inspection", "building_id": "B2",
            "venue_type": "shop", "due_at": "2026-10-01T00:00:00Z", "note": "巡查"}  # fmt: skip
    answer = client.post("/api/v1/tickets", headers=duty, json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["id"] == "T9" and answer.json()["allowed_moves"] == ["assigned"]
    (call,) = api.tickets.calls
    assert call == (
        "create",
        {"by": "duty test", "title": "灭火器过期", "category": "inspection", "building_id": "B2",
         "severity": "warning", "responsible": None, "due_ms": 1_790_812_800_000,
         "venue_type": "shop", "note": "巡查", "hazard_class": "general",
         "hazard_criterion": None},
    )  # fmt: skip


@pytest.mark.usefixtures("street")
@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"building_id": "B9"}, "building_id: unknown building 'B9'"),
        ({"venue_type": "castle"}, "venue_type: one of school, clinic"),
        ({"due_at": "next tuesday"}, "due_at: "),
        ({"category": "meteor"}, "category: "),
        ({"title": ""}, "title: "),
        ({"severity": "apocalyptic"}, "severity: "),
        ({"assignee": "x"}, "assignee: Extra inputs"),
        ({"hazard_class": "major"}, "hazard_criterion: a major hazard (重大事故隐患) needs"),
        ({"hazard_class": "major", "hazard_criterion": " "}, "hazard_criterion: "),
        ({"hazard_class": "grave"}, "hazard_class: "),
        ({"source": "alarm"}, "source: Extra inputs"),  # opened by hand: always manual
    ],
)
def test_opening_a_ticket_is_validated_before_the_gateway_is_asked(
    client: TestClient, api: Api, body: dict[str, object], says: str
) -> None:
    base = {"title": "通道堵塞", "category": "inspection", "building_id": "B1"}
    answer = client.post("/api/v1/tickets", headers=ADMIN, json={**base, **body})
    assert answer.status_code == 422
    assert says in answer.json()["detail"]
    assert api.tickets.calls == []


@pytest.mark.usefixtures("street")
def test_managers_do_not_open_tickets(client: TestClient, api: Api) -> None:
    manager = bearer(client, "manager", ["B1"])
    body = {"title": "通道堵塞", "category": "inspection", "building_id": "B1"}
    answer = client.post("/api/v1/tickets", headers=manager, json=body)
    assert answer.status_code == 403
    assert answer.json() == {"detail": "this needs a admin or duty token; yours is manager"}
    assert api.tickets.calls == []


@pytest.mark.usefixtures("street")
def test_a_move_carries_the_callers_role_and_scope(client: TestClient, api: Api) -> None:
    moved = ticket("T2", status="rectifying")
    api.tickets.result = TicketObject.of(moved, [])
    manager = bearer(client, "manager", ["B1"])
    answer = client.post(
        "/api/v1/tickets/T2/transition", headers=manager, json={"to": "rectifying", "note": "开工"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "rectifying"
    assert answer.json()["allowed_moves"] == ["review"]  # the manager's own next move
    assert api.tickets.calls == [
        (
            "transition",
            {"ticket_id": "T2", "by": "manager test", "to": "rectifying", "note": "开工",
             "responsible": None, "role": "manager", "buildings": frozenset({"B1"})},
        )
    ]  # fmt: skip


@pytest.mark.usefixtures("street")
@pytest.mark.parametrize(
    ("error", "status"),
    [
        (TicketError("cannot move ticket T1 from open to closed"), 409),
        (TicketForbidden("a manager token cannot move a ticket from open to assigned"), 403),
        (TicketNotFound("ticket 'T1' not found"), 404),
    ],
)
def test_the_gateways_refusals_keep_their_status_and_reason(
    client: TestClient, api: Api, error: TicketError, status: int
) -> None:
    api.tickets.result = error
    answer = client.post("/api/v1/tickets/T1/transition", headers=ADMIN, json={"to": "closed"})
    assert answer.status_code == status
    assert answer.json() == {"detail": str(error)}


@pytest.mark.parametrize(
    "body", [{}, {"to": "done"}, {"to": "closed", "note": "x", "by": "someone else"}]
)
def test_a_move_is_validated(client: TestClient, api: Api, body: dict[str, object]) -> None:
    answer = client.post("/api/v1/tickets/T1/transition", headers=ADMIN, json=body)
    assert answer.status_code == 422
    assert api.tickets.calls == []


# ---- the hazard register (隐患台账): classify, supervise (挂牌督办), refer (移送) ----------

GB = "《重大火灾隐患判定方法》GB 35181-2017 第5.1条"
REGISTER = [
    ("supervise", {"due_at": "2026-10-01T00:00:00Z", "note": "挂牌"}),
    ("refer", {"department": "区消防救援支队", "note": "移送"}),
    ("classify", {"hazard_class": "major", "criterion": GB}),
]


@pytest.mark.usefixtures("street")
def test_opening_a_major_hazard_cites_its_criterion(client: TestClient, api: Api) -> None:
    made = ticket("T9", building="B2")
    api.tickets.result = TicketObject.of(made, [])
    body = {"title": "疏散通道堵塞", "category": "inspection", "building_id": "B2",
            "hazard_class": "major", "hazard_criterion": GB}  # fmt: skip
    answer = client.post("/api/v1/tickets", headers=ADMIN, json=body)
    assert answer.status_code == 201, answer.text
    ((_, call),) = api.tickets.calls
    assert (call["hazard_class"], call["hazard_criterion"]) == ("major", GB)


@pytest.mark.usefixtures("street")
def test_the_register_filters(client: TestClient, api: Api) -> None:
    store(
        api,
        msgspec.structs.replace(
            ticket("T5", created=5000), hazard_class="major", hazard_criterion=GB,
            source="inspection", supervised_ms=T0 + 6000,
        ),
        msgspec.structs.replace(ticket("T6", created=6000, building="B2"), source="alarm"),
    )  # fmt: skip
    assert ids(client, ADMIN, hazard_class="major") == ["T5"]
    assert ids(client, ADMIN, hazard_class="general") == ["T6", "T4", "T3", "T2", "T1"]
    assert ids(client, ADMIN, source="alarm") == ["T6"]
    assert ids(client, ADMIN, source="inspection") == ["T5"]
    assert ids(client, ADMIN, supervised="true") == ["T5"]
    assert ids(client, ADMIN, supervised="false", source="manual") == ["T4", "T3", "T2", "T1"]
    one = client.get("/api/v1/tickets/T5", headers=ADMIN).json()
    register = ("hazard_class", "hazard_criterion", "source", "supervised", "referred_to")
    assert [one[key] for key in register] == ["major", GB, "inspection", True, None]
    assert one["supervised_at"] == "2026-09-21T14:13:26.000Z"  # T0 + 6 s
    manager = bearer(client, "manager", ["B2"])
    assert ids(client, manager, source="alarm") == ["T6"]
    assert ids(client, manager, hazard_class="major") == []  # T5 is another building's
    bad = client.get("/api/v1/tickets", headers=ADMIN, params={"hazard_class": "grave"})
    assert bad.status_code == 422


@pytest.mark.usefixtures("street")
def test_supervising_goes_to_the_gateway_with_the_deadline(client: TestClient, api: Api) -> None:
    api.tickets.result = TicketObject.of(ticket("T1"), [])
    duty = bearer(client, "duty")
    answer = client.post(
        "/api/v1/tickets/T1/supervise",
        headers=duty,
        json={"due_at": "2026-10-01T00:00:00Z", "note": "区安委会挂牌"},
    )
    assert answer.status_code == 200, answer.text
    assert api.tickets.calls == [
        (
            "supervise",
            {"ticket_id": "T1", "by": "duty test", "due_ms": 1_790_812_800_000,
             "note": "区安委会挂牌", "role": "duty", "buildings": None},
        )
    ]  # fmt: skip


@pytest.mark.usefixtures("street")
@pytest.mark.parametrize(
    ("due_at", "says"),
    [
        ("2026-01-02T00:00:00Z", "due_at: the supervision deadline must be in the future"),
        ("next week", "due_at: "),
    ],
)
def test_a_supervision_deadline_is_a_future_time(
    client: TestClient, api: Api, due_at: str, says: str
) -> None:
    # The clock is at T0 + 2 days (2026-09-23).
    answer = client.post("/api/v1/tickets/T1/supervise", headers=ADMIN, json={"due_at": due_at})
    assert answer.status_code == 422
    assert says in answer.json()["detail"]
    assert api.tickets.calls == []


@pytest.mark.usefixtures("street")
def test_referral_goes_to_the_gateway_with_the_reply(client: TestClient, api: Api) -> None:
    api.tickets.result = TicketObject.of(ticket("T3", building="B2"), [])
    answer = client.post(
        "/api/v1/tickets/T3/refer",
        headers=ADMIN,
        json={"department": "区市场监管局", "note": "无证经营", "reply": "已查处"},
    )
    assert answer.status_code == 200, answer.text
    assert api.tickets.calls == [
        (
            "refer",
            {"ticket_id": "T3", "by": "admin (config)", "department": "区市场监管局",
             "note": "无证经营", "reply": "已查处", "role": "admin", "buildings": None},
        )
    ]  # fmt: skip


@pytest.mark.usefixtures("street")
def test_an_unknown_department_is_422_naming_the_allowed_ones(client: TestClient, api: Api) -> None:
    answer = client.post("/api/v1/tickets/T1/refer", headers=ADMIN, json={"department": "区教育局"})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "department: one of 区应急管理局, 区消防救援支队, 区市场监管局, 区住建委, "
        "区城市管理委"
    }
    assert api.tickets.calls == []


@pytest.mark.usefixtures("street")
def test_classifying_goes_to_the_gateway_and_a_major_one_needs_its_criterion(
    client: TestClient, api: Api
) -> None:
    api.tickets.result = TicketObject.of(ticket("T1"), [])
    url = "/api/v1/tickets/T1/classify"
    missing = client.post(url, headers=ADMIN, json={"hazard_class": "major"})
    assert missing.status_code == 422 and "hazard_criterion: a major hazard" in missing.text
    assert api.tickets.calls == []
    done = client.post(url, headers=ADMIN, json={"hazard_class": "major", "criterion": GB})
    assert done.status_code == 200, done.text
    assert api.tickets.calls == [
        (
            "classify",
            {"ticket_id": "T1", "by": "admin (config)", "hazard_class": "major",
             "criterion": GB, "note": None, "role": "admin", "buildings": None},
        )
    ]  # fmt: skip


@pytest.mark.usefixtures("street")
@pytest.mark.parametrize(("action", "body"), REGISTER)
def test_a_manager_does_not_keep_the_register(
    client: TestClient, api: Api, action: str, body: dict[str, object]
) -> None:
    """Its own building's ticket: 403; another building's, or none: 404, as if absent."""
    manager = bearer(client, "manager", ["B1"])
    own = client.post(f"/api/v1/tickets/T1/{action}", headers=manager, json=body)
    assert own.status_code == 403
    assert "a manager token cannot" in own.json()["detail"]
    for other in ("T3", "NOPE"):
        hidden = client.post(f"/api/v1/tickets/{other}/{action}", headers=manager, json=body)
        assert hidden.status_code == 404
        assert hidden.json() == {"detail": f"ticket {other!r} not found"}
    assert api.tickets.calls == []


@pytest.mark.usefixtures("street")
@pytest.mark.parametrize(("action", "body"), REGISTER)
@pytest.mark.parametrize(
    "error",
    [
        TicketError("ticket T1 is a general hazard; only a major hazard is supervised"),
        TicketInvalid("due_at: the supervision deadline must be in the future"),
        TicketNotFound("ticket 'T1' not found"),
    ],
)
def test_register_refusals_keep_their_status_and_reason(
    client: TestClient, api: Api, action: str, body: dict[str, object], error: TicketError
) -> None:
    api.tickets.result = error
    answer = client.post(f"/api/v1/tickets/T1/{action}", headers=ADMIN, json=body)
    assert answer.status_code == error.status
    assert answer.json() == {"detail": str(error)}


def test_the_backlog_is_imported_by_an_admin_as_csv(client: TestClient, api: Api) -> None:
    csv_body = "ref,building_id,title\n2023-001,B1,楼道堆放杂物\n".encode()
    headers = ADMIN | {"Content-Type": "text/csv"}
    answer = client.post("/api/v1/tickets/backlog", headers=headers, content=csv_body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"rows": 1, "created": 1, "existing": 0, "errors": []}
    what, call = api.tickets.calls[-1]
    assert what == "import_backlog"
    assert call["rows"] == [(2, {"ref": "2023-001", "building_id": "B1", "title": "楼道堆放杂物"})]
    assert (call["by"], call["where"]) == ("admin (config)", "upload")

    duty = bearer(client, "duty") | {"Content-Type": "text/csv"}
    assert client.post("/api/v1/tickets/backlog", headers=duty, content=csv_body).status_code == 403
    for body, says in (
        (b"building_id,title\nB1,x\n", "'ref' column"),
        ("ref,building_id\n1,B1\n".encode("gb18030") + b"\xff", "CSV in UTF-8"),
    ):
        refused = client.post("/api/v1/tickets/backlog", headers=headers, content=body)
        assert refused.status_code == 422
        assert says in refused.json()["detail"]
    assert len(api.tickets.calls) == 1  # nothing bad reached the gateway
