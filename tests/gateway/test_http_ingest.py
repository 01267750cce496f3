"""HTTP pushes as an attacker would send them: replays, stale signed times, nonces used
again with another body, one adapter naming another platform's devices or ours by id."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from adapters import RawMessage, default_registry
from adapters.base import PushRequest
from adapters.onenet import signature
from alerting.rule_engine import RuleEngine
from core.clock import FakeClock
from core.config import AdaptersConfig, AlertingConfig, DevicesConfig, NotifyConfig
from core.ids import IdFactory
from gateway.device_index import DeviceIndex, DeviceInfo
from gateway.directory import Directory
from gateway.http_ingest import HttpIngest, PushRefused, PushResult
from gateway.intake import IntakeFull
from gateway.replay import ReplayGuard

TOKEN = "onenet-token"
SECRET = "push-secret"
IMEI = "866971012345678"


class Rig:
    def __init__(self, *, full: bool = False) -> None:
        self.clock = FakeClock()
        self.registry = DeviceIndex()
        self.registry.put_device(
            DeviceInfo(device_id="s1", device_type="smoke", building_id="B1", imei=IMEI)
        )
        self.registry.put_device(
            DeviceInfo(device_id="s2", device_type="smoke", building_id="B1", dev_eui="A" * 16)
        )
        self.registry.put_device(DeviceInfo(device_id="e1", device_type="ebike", building_id="B1"))
        engine = RuleEngine(
            rules=AlertingConfig(),
            devices=DevicesConfig(),
            repeat_critical_s=NotifyConfig().repeat_critical_s,
            ids=IdFactory(),
        )
        self.taken: list[RawMessage] = []
        self.lanes: list[bool | None] = []  # the lane each taken message was given (urgent?)
        self.full = full
        self.durable = True  # False: storage is down, nothing taken becomes durable
        configs = AdaptersConfig(
            ctwing={"secret": SECRET},
            ebike_board={"secret": SECRET},
            onenet={"token": TOKEN, "replay_window_s": 3600},
        )
        self.ingest = HttpIngest(
            adapters=default_registry(
                topic_prefix="siteguard/v1", max_payload_bytes=65536, onenet_token=TOKEN
            ),
            configs=configs,
            directory=Directory(registry=self.registry, book=engine.book),
            submit=self.submit,
            clock=self.clock,
            topic_prefix="siteguard/v1",
            max_bytes=65536,
            accept_timeout_s=1,
            guard=ReplayGuard(),
        )

    def submit(self, message: RawMessage, **kwargs: Any) -> asyncio.Future[None]:
        if self.full and kwargs.get("refuse_when_full"):
            raise IntakeFull("9 messages are waiting")
        self.taken.append(message)
        self.lanes.append(kwargs.get("urgent"))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.durable:
            done.set_result(None)
        return done

    def push(
        self, adapter: str, body: bytes, query: dict[str, str] | None = None, **headers: str
    ) -> PushResult:
        request = PushRequest(body=body, headers=headers, query=query or {})
        return asyncio.run(self.ingest.push(adapter, request))

    def refused(
        self, adapter: str, body: bytes, query: dict[str, str] | None = None, **headers: str
    ) -> PushRefused:
        with pytest.raises(PushRefused) as err:
            self.push(adapter, body, query, **headers)
        return err.value


def onenet(at_ms: int, nonce: str = "abcdefgh", value: int = 10) -> bytes:
    msg = json.dumps(
        {"at": at_ms, "imei": IMEI, "type": 1, "ds_id": "Alarm_Status", "value": value}
    )
    sig = signature(TOKEN, nonce, msg.encode())
    return f'{{"msg":{msg},"msg_signature":"{sig}","nonce":"{nonce}"}}'.encode()


def ctwing(identifier_key: str, identifier: str) -> bytes:
    return json.dumps(
        {"messageType": "eventReport", identifier_key: identifier, "timestamp": 1,
         "eventType": 1, "payload": {"serviceId": "smoke_alarm", "smoke_state": 1}}
    ).encode()  # fmt: skip


def test_a_replayed_push_is_taken_once_and_answered_as_a_duplicate() -> None:
    rig = Rig()
    body = onenet(rig.clock.now_ms())
    first = rig.push("onenet", body)
    assert first.events == 1 and not first.duplicate
    again = rig.push("onenet", body)
    assert again.duplicate and again.events == 0
    assert len(rig.taken) == 1


def test_a_nonce_used_again_with_another_body_is_not_taken() -> None:
    rig = Rig()
    now = rig.clock.now_ms()
    assert rig.push("onenet", onenet(now, nonce="n1")).events == 1
    reused = rig.push("onenet", onenet(now + 1, nonce="n1", value=11))
    assert reused.duplicate and len(rig.taken) == 1


def test_a_push_signed_long_ago_is_refused_as_stale() -> None:
    rig = Rig()
    old = onenet(rig.clock.now_ms() - 2 * 3600_000)
    with pytest.raises(PushRefused) as err:
        rig.push("onenet", old)
    assert err.value.status == 401 and "stale" in err.value.detail
    assert not rig.taken


def test_a_push_not_taken_is_taken_when_the_platform_retries() -> None:
    rig = Rig(full=True)
    body = onenet(rig.clock.now_ms())
    with pytest.raises(PushRefused) as err:
        rig.push("onenet", body)
    assert err.value.status == 503
    rig.full = False
    assert rig.push("onenet", body).events == 1


def test_a_non_ascii_signature_is_a_401_not_a_crash() -> None:
    rig = Rig()
    body = onenet(rig.clock.now_ms()).replace(
        b'"msg_signature":"', b'"msg_signature":"\xe7\xad\xbe'
    )
    with pytest.raises(PushRefused) as err:
        rig.push("onenet", body)
    assert err.value.status == 401


def test_an_adapter_finds_devices_only_through_its_platforms_identifiers() -> None:
    rig = Rig()
    auth = {"x-siteguard-secret": SECRET}
    # CTWing names NB-IoT devices by IMEI (or its own device id): that works...
    assert rig.push("ctwing", ctwing("IMEI", IMEI), **auth).events == 1
    # ...but not our device ids, nor a LoRaWAN DevEUI: such a push is held as unknown.
    for key, identifier in (("deviceId", "s1"), ("deviceId", "A" * 16)):
        result = rig.push("ctwing", ctwing(key, identifier), **auth)
        assert result.events == 0 and result.held == [identifier]
    # The e-bike board knows its boxes by our ids, and only e-bike blockers.
    box = {"deviceId": "e1", "warningType": "007", "data": {"original_timestamp": 1}}
    assert rig.push("ebike_board", json.dumps(box).encode(), **auth).events == 1
    smoke = {**box, "deviceId": "s1"}
    refused = rig.push("ebike_board", json.dumps(smoke).encode(), **auth)
    assert refused.events == 0 and refused.held == ["s1"]


# ---- who may push ------------------------------------------------------------------------


def test_a_shared_secret_may_come_three_ways_and_must_match() -> None:
    rig = Rig()
    body = ctwing("IMEI", IMEI)
    assert rig.push("ctwing", body, authorization=f"Bearer {SECRET}").events == 1
    assert rig.push("ctwing", body + b" ", **{"x-siteguard-secret": SECRET}).events == 1
    assert rig.push("ctwing", body + b"  ", {"secret": SECRET}).events == 1
    wrong = rig.refused("ctwing", body + b"   ", authorization="Bearer not-it")
    assert (wrong.status, wrong.detail) == (401, "the push secret does not match")
    missing = rig.refused("ctwing", body + b"    ")
    assert missing.status == 401 and missing.detail.startswith("no push secret: send ")
    assert len(rig.taken) == 3


def test_an_adapter_without_a_secret_takes_no_pushes() -> None:
    rig = Rig()
    refused = rig.refused("iotda", b"{}", authorization="Bearer anything")
    assert (refused.status, refused.detail) == (
        403,
        "HTTP push to iotda is not enabled: set adapters.iotda.secret",
    )
    unknown = rig.refused("nope", b"{}")
    assert unknown.status == 404
    assert unknown.detail.startswith("no adapter 'nope' takes HTTP pushes (known: ")
    assert "canonical" not in unknown.detail and "ctwing" in unknown.detail
    assert rig.refused("canonical", b"{}").status == 404  # MQTT only
    assert rig.taken == []


def test_a_signed_platform_needs_no_secret_but_a_valid_signature() -> None:
    rig = Rig()
    good = onenet(rig.clock.now_ms())
    forged = good.replace(b'"value": 10', b'"value": 11')
    refused = rig.refused("onenet", forged)
    assert refused.status == 401 and refused.detail.startswith("signature check failed: ")
    assert rig.push("onenet", good).events == 1


def test_the_url_check_answers_only_a_correctly_signed_question() -> None:
    rig = Rig()
    query = {
        "msg": "verify-me",
        "nonce": "n0nce123",
        "signature": signature(TOKEN, "n0nce123", b"verify-me"),
    }
    assert rig.ingest.handshake("onenet", query) == "verify-me"
    with pytest.raises(PushRefused) as wrong:
        rig.ingest.handshake(
            "onenet", {**query, "signature": signature("other", "n0nce123", b"verify-me")}
        )
    assert wrong.value.status == 401
    with pytest.raises(PushRefused) as none:
        rig.ingest.handshake("ctwing", query)
    assert none.value.status == 405 and "there is no URL check" in none.value.detail


# ---- what a push becomes -----------------------------------------------------------------


def test_a_push_enters_as_a_vendor_message_in_the_lane_its_content_calls_for() -> None:
    rig = Rig()
    auth = {"x-siteguard-secret": SECRET}
    heartbeat = rig.push("ctwing", ctwing("IMEI", IMEI), **auth)  # the helper's payload
    assert (heartbeat.accepted, heartbeat.events, heartbeat.held, heartbeat.rejected) == (
        True,
        1,
        [],
        [],
    )
    assert rig.push("onenet", onenet(rig.clock.now_ms())).events == 1  # a tamper event
    assert [m.topic for m in rig.taken] == [
        "siteguard/v1/vendor/ctwing/http",
        "siteguard/v1/vendor/onenet/http",
    ]
    assert all((m.source, m.qos, m.received_ms) == ("http", 1, rig.clock.now_ms())
               for m in rig.taken)  # fmt: skip
    assert rig.lanes == [False, True]  # telemetry waits behind alarms; an event does not


def test_content_that_cannot_be_used_is_answered_200_and_kept_as_a_dead_letter() -> None:
    rig = Rig()
    result = rig.push("ctwing", b"not json", **{"x-siteguard-secret": SECRET})
    assert (result.accepted, result.events, result.rejected) == (False, 0, ["not_json"])
    assert len(rig.taken) == 1  # still taken: the pipeline keeps it as a dead letter
    unknown = rig.push(
        "ctwing", ctwing("IMEI", "860000000000000"), **{"x-siteguard-secret": SECRET}
    )
    assert (unknown.accepted, unknown.held) == (True, ["860000000000000"])  # held, not lost


def test_a_push_not_durable_in_time_is_503_and_taken_when_retried() -> None:
    rig = Rig()
    rig.durable = False
    body = onenet(rig.clock.now_ms())
    refused = rig.refused("onenet", body)
    assert (refused.status, refused.detail) == (
        503,
        "not yet durable (storage is slow or down); retry later",
    )
    rig.durable = True
    retried = rig.push("onenet", body)
    assert retried.events == 1 and not retried.duplicate  # not mistaken for a replay
