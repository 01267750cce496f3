"""``/api/v1/ingest/{adapter}``: vendor platforms' pushes, handed to the gateway's HTTP ingest
as the platform sent them (bytes, headers, query), answered with what the push held; and the
URL check some platforms make first. The ingest is a fake here; the real one, with its
secrets, signatures and replay checks: tests/gateway/test_http_ingest.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import pytest
from fastapi.testclient import TestClient

from adapters.base import PushRequest
from api import create_app
from gateway.http_ingest import PushRefused, PushResult
from tests.api.conftest import Api


class FakeIngest:
    max_bytes = 100

    def __init__(self) -> None:
        self.pushes: list[tuple[str, PushRequest]] = []
        self.refusal: PushRefused | None = None

    async def push(self, name: str, request: PushRequest) -> PushResult:
        if self.refusal is not None:
            raise self.refusal
        self.pushes.append((name, request))
        return PushResult(accepted=True, events=1, held=["866971012345678"], rejected=[])

    def handshake(self, name: str, query: Mapping[str, str]) -> str:
        if self.refusal is not None:
            raise self.refusal
        return query["msg"]


@pytest.fixture
def ingest() -> FakeIngest:
    return FakeIngest()


@pytest.fixture
def pushes(api: Api, ingest: FakeIngest) -> Iterator[TestClient]:
    app = create_app(context=dataclasses.replace(api.app.state.context, ingest=ingest))
    with TestClient(app) as client:
        yield client


def test_a_push_goes_to_the_ingest_as_sent_and_its_answer_comes_back(
    pushes: TestClient, ingest: FakeIngest
) -> None:
    answer = pushes.post(
        "/api/v1/ingest/ctwing",
        params={"secret": "s"},
        content=b'{"IMEI": "866971012345678"}',
        headers={"X-Platform-Sign": "abc", "Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "accepted": True,
        "events": 1,
        "held": ["866971012345678"],
        "rejected": [],
        "duplicate": False,
    }
    ((name, request),) = ingest.pushes
    assert name == "ctwing" and request.body == b'{"IMEI": "866971012345678"}'
    assert request.headers["x-platform-sign"] == "abc"  # names lower-cased
    assert request.query == {"secret": "s"}


def test_no_api_token_is_needed_the_adapter_authenticates(
    pushes: TestClient, ingest: FakeIngest
) -> None:
    ingest.refusal = PushRefused(401, "the push secret does not match")
    answer = pushes.post("/api/v1/ingest/ctwing", content=b"{}")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "the push secret does not match"}


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (404, "no adapter 'nope' takes HTTP pushes (known: ctwing, onenet)"),
        (403, "HTTP push to iotda is not enabled: set adapters.iotda.secret"),
        (503, "the gateway is busy: 9 messages are waiting"),
    ],
)
def test_refusals_keep_their_status_and_reason(
    pushes: TestClient, ingest: FakeIngest, status: int, detail: str
) -> None:
    ingest.refusal = PushRefused(status, detail)
    answer = pushes.post("/api/v1/ingest/nope", content=b"{}")
    assert (answer.status_code, answer.json()) == (status, {"detail": detail})


def test_a_push_over_the_size_limit_is_refused_before_it_is_taken(
    pushes: TestClient, ingest: FakeIngest
) -> None:
    declared = pushes.post("/api/v1/ingest/ctwing", content=b"x" * 101)
    assert declared.status_code == 413
    assert declared.json() == {"detail": "a push may be at most 100 bytes"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        for _ in range(5):
            yield b"x" * 30

    streamed = pushes.post("/api/v1/ingest/ctwing", content=chunks())
    assert streamed.status_code == 413
    assert pushes.post("/api/v1/ingest/ctwing", content=b"x" * 100).status_code == 200
    assert len(ingest.pushes) == 1


def test_the_url_check_is_answered_in_plain_text(pushes: TestClient, ingest: FakeIngest) -> None:
    answer = pushes.get("/api/v1/ingest/onenet", params={"msg": "hello", "nonce": "n"})
    assert answer.status_code == 200 and answer.text == "hello"
    assert answer.headers["content-type"].startswith("text/plain")
    ingest.refusal = PushRefused(405, "ctwing pushes are POSTed; there is no URL check to answer")
    refused = pushes.get("/api/v1/ingest/ctwing")
    assert refused.status_code == 405 and refused.json()["detail"].startswith("ctwing pushes")


def test_without_an_ingest_in_this_process_it_is_503(client: TestClient) -> None:
    for answer in (
        client.post("/api/v1/ingest/ctwing", content=b"{}"),
        client.get("/api/v1/ingest/onenet", params={"msg": "x"}),
    ):
        assert answer.status_code == 503
        assert answer.json() == {"detail": "HTTP ingest is not running in this process"}
