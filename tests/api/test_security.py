"""What the security review found in the API, each checked here: bodies bounded before they
are read, headers on every answer, sign-in limits, token expiry and last use, the audit
log, text hygiene, report periods and file names, no driver text in a 503."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from alerting.tickets import Ticket
from api import create_app
from api.limits import HttpLimits
from gateway.shapes import TicketObject
from gateway.store import schema
from gateway.store.retention import write_token_usage
from tests.api.conftest import ADMIN, Api

DAY_MS = 86_400_000


@pytest.fixture
def client(make_client: Callable[[], TestClient]) -> TestClient:
    return make_client()


def _token(client: TestClient, **body: object) -> dict[str, str]:
    answer = client.post("/api/v1/tokens", headers=ADMIN, json={"name": "t", **body})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


# ---- bodies bounded before they are parsed or authenticated ------------------------------


def test_an_oversized_body_is_refused_before_the_token_is_checked(client: TestClient) -> None:
    big = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    answer = client.post(
        "/api/v1/tokens", content=big, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert "at most 1048576 bytes" in answer.json()["detail"]


def test_a_declared_length_over_the_limit_is_refused_without_reading(api: Api) -> None:
    app = create_app(context=api.app.state.context, limits=HttpLimits(max_body_bytes=2048))
    with TestClient(app) as small:
        answer = small.put("/api/v1/buildings/B1", headers=ADMIN, json={"name": "x" * 3000})
        assert answer.status_code == 413
        assert (
            small.put("/api/v1/buildings/B1", headers=ADMIN, json={"name": "3号楼"}).status_code
            == 201
        )


def test_streamed_chunks_past_the_limit_are_refused(api: Api) -> None:
    app = create_app(context=api.app.state.context, limits=HttpLimits(max_body_bytes=4096))

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 1000

    with TestClient(app) as small:
        answer = small.post("/api/v1/tokens", content=chunks(), headers=ADMIN)
        assert answer.status_code == 413


# ---- what the console may load -----------------------------------------------------------


def test_security_headers_on_the_console_and_the_api(client: TestClient) -> None:
    for path in ("/", "/static/main.js", "/api/v1/buildings", "/healthz"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'self'" in script
        assert "frame-ancestors 'self'" in csp
        assert headers["x-frame-options"] == "SAMEORIGIN"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_docs_can_be_switched_off(api: Api, client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 200
    app = create_app(context=api.app.state.context, limits=HttpLimits(docs=False))
    with TestClient(app) as closed:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert closed.get(path).status_code == 404


# ---- sign-in -----------------------------------------------------------------------------


def test_repeated_bad_tokens_are_limited_then_allowed_again(api: Api, client: TestClient) -> None:
    bad = {"Authorization": "Bearer sg_wrong"}
    for _ in range(20):
        assert client.get("/api/v1/buildings", headers=bad).status_code == 401
    limited = client.get("/api/v1/buildings", headers=bad)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    # While limited, even a good token from that address waits: guessing gains nothing.
    assert client.get("/api/v1/buildings", headers=ADMIN).status_code == 429
    api.clock.advance(61_000)
    assert client.get("/api/v1/buildings", headers=ADMIN).status_code == 200


def test_tokens_expire_and_record_their_last_use(api: Api, client: TestClient) -> None:
    made = _token(client, role="duty", expires_in_days=1)
    assert made["expires_at"] is not None
    duty = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/buildings", headers=duty).status_code == 200
    with api.engine.begin() as conn:
        write_token_usage(conn, api.app.state.context.token_usage.take())
    listed = {t["id"]: t for t in client.get("/api/v1/tokens", headers=ADMIN).json()["items"]}
    assert listed[made["id"]]["last_used_at"] is not None
    api.clock.advance(DAY_MS + 1)
    answer = client.get("/api/v1/buildings", headers=duty)
    assert answer.status_code == 401 and "expired" in answer.json()["detail"]


def test_token_expiry_is_bounded(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/tokens", headers=ADMIN, json={"name": "t", "role": "duty", "expires_in_days": 0}
    )
    assert answer.status_code == 422


# ---- the audit log -----------------------------------------------------------------------


def test_token_and_registry_changes_are_audited_with_before_and_after(
    api: Api, client: TestClient
) -> None:
    made = _token(client, role="manager", buildings=["B1"])
    assert (
        client.put("/api/v1/buildings/B1", headers=ADMIN, json={"name": "1号楼"}).status_code == 201
    )
    assert (
        client.put("/api/v1/buildings/B1", headers=ADMIN, json={"name": "一号楼"}).status_code
        == 200
    )
    # The same content again: nothing changed, nothing to audit.
    assert (
        client.put("/api/v1/buildings/B1", headers=ADMIN, json={"name": "一号楼"}).status_code
        == 200
    )
    device = {"device_type": "smoke", "building_id": "B1", "imei": "860000000000001"}
    assert client.put("/api/v1/devices/d1", headers=ADMIN, json=device).status_code == 201
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=ADMIN).status_code == 204

    entries = client.get("/api/v1/audit", headers=ADMIN).json()["items"]
    actions = [e["action"] for e in reversed(entries)]
    assert actions == ["token.create", "building.put", "building.put", "device.put", "token.revoke"]
    by_action = {(e["action"], e["before"] is None): e for e in entries}
    renamed = by_action[("building.put", False)]
    assert renamed["before"]["name"] == "1号楼" and renamed["after"]["name"] == "一号楼"
    assert renamed["actor"] == "admin (config)" and renamed["address"] == "testclient"
    revoked = by_action[("token.revoke", False)]
    assert revoked["before"]["revoked_ms"] is None and revoked["after"]["revoked_ms"] is not None
    assert all("token_hash" not in (e["after"] or {}) for e in entries)
    only_devices = client.get("/api/v1/audit", headers=ADMIN, params={"target_kind": "device"})
    assert [e["target_id"] for e in only_devices.json()["items"]] == ["d1"]

    duty = {"Authorization": f"Bearer {_token(client, role='duty')['token']}"}
    assert client.get("/api/v1/audit", headers=duty).status_code == 403


def test_the_audit_log_is_not_pruned_with_operational_tables(api: Api, client: TestClient) -> None:
    from core.config import Settings
    from gateway.store.retention import prune

    _token(client, role="duty")
    now = api.clock.advance(10 * 365 * DAY_MS)
    with api.engine.begin() as conn:
        prune(conn, settings=Settings(), now_ms=now)  # what the housekeeping runs
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.audit_log)).scalar() == 1


# ---- text people type --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/buildings/B1", {"name": "3号楼\n抄送：全体"}),
        ("/api/v1/buildings/B1", {"community": "幸福里\x1b[2J"}),
        ("/api/v1/buildings/B1", {"name": "\u202egnp.exe"}),
    ],
)
def test_control_characters_in_names_are_refused(
    client: TestClient, path: str, body: dict[str, str]
) -> None:
    answer = client.put(path, headers=ADMIN, json=body)
    assert answer.status_code == 422
    assert "control character" in answer.json()["detail"]


def test_ticket_titles_are_one_line_and_notes_may_have_lines(api: Api, client: TestClient) -> None:
    api.tickets.result = TicketObject.of(
        Ticket(id="T1", alarm_id=None, title="通道堵塞", category="inspection", venue_type=None,
               severity="warning", building_id="B1", status="open", responsible="物业",
               due_ms=0, escalation_level=0, created_ms=0, updated_ms=0, created_by="admin",
               closed_ms=None),
        [],
    )  # fmt: skip
    client.put("/api/v1/buildings/B1", headers=ADMIN, json={"name": "1号楼"})
    base = {"category": "inspection", "building_id": "B1"}
    inner = client.post("/api/v1/tickets", headers=ADMIN, json={**base, "title": "通道\n堵塞"})
    assert inner.status_code == 422
    ok = client.post(
        "/api/v1/tickets", headers=ADMIN, json={**base, "title": "通道堵塞", "note": "一楼\n二楼"}
    )
    assert ok.status_code == 201, ok.text
    assert api.tickets.calls[-1][1]["note"] == "一楼\n二楼"


def test_ids_must_match_whole(client: TestClient) -> None:
    assert client.put("/api/v1/buildings/B1%0A", headers=ADMIN, json={}).status_code == 422


# ---- reports -----------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["0000", "9999", "1969"])
def test_report_years_out_of_range_are_422(client: TestClient, year: str) -> None:
    answer = client.get("/api/v1/reports/yearly", headers=ADMIN, params={"year": year})
    assert answer.status_code == 422
    assert "2000 to 2100" in answer.json()["detail"]


def test_csv_names_cannot_be_formulas_and_file_names_may_be_chinese(
    api: Api, client: TestClient
) -> None:
    put = client.put(
        "/api/v1/buildings/B9",
        headers=ADMIN,
        json={"name": '=HYPERLINK("http://evil","点此")', "community": "@SUM(1)"},
    )
    assert put.status_code == 201, put.text
    answer = client.get(
        "/api/v1/reports/monthly",
        headers=ADMIN,
        params={"month": "2026-10", "format": "csv"},
    )
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    names = {row[3] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil","点此")' in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row[2:5])
    one = client.get(
        "/api/v1/reports/monthly",
        headers=ADMIN,
        params={"month": "2026-10", "format": "csv", "building": "楼1"},
    )
    assert one.status_code == 200
    disposition = one.headers["content-disposition"]
    assert "filename*=UTF-8''siteguard-2026-10-%E6%A5%BC1.csv" in disposition
    assert client.put("/api/v1/buildings/楼1", headers=ADMIN, json={}).status_code == 422
