"""``/api/v1/tickets``: the list and one ticket from the store, in the token's scope and with
the moves the caller's role may make; opening and moving one, which the gateway carries out
(a fake here; real in tests/gateway/test_commands.py and tests/e2e/test_tickets.py)."""

from __future__ import annotations

import msgspec
import pytest
from fastapi.testclient import TestClient

from alerting.tickets import Ticket, TicketEntry, TicketError, TicketForbidden, opened_entry
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
         "venue_type": "shop", "note": "巡查"},
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
