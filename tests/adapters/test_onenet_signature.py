"""OneNET's push signature and URL check, against a published test vector."""

from __future__ import annotations

import json

from adapters.base import PushRequest
from adapters.models import ModelLibrary
from adapters.onenet import OnenetAdapter, signature

TOKEN = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
NONCE = "4KNbK6m3"
# A OneNET Studio message and its signature as computed by a third-party integration test.
MSG = (
    '{"notifyType":"property","productId":"n7Va2Dm5HY","messageType":"notify","data":{"id":"0",'
    '"params":{"imie":{"time":1757948604527,"value":"860870050503148"},"Wear":{"time":'
    '1757948604533,"value":"离线"}}},"deviceName":"860870050503148"}'
)
SIGNED = "2s+sqRL8FG8KJ1pjFjC0WA=="


def adapter() -> OnenetAdapter:
    return OnenetAdapter(max_payload_bytes=65536, models=ModelLibrary.load(), token=TOKEN)


def push(body: dict[str, object]) -> PushRequest:
    return PushRequest(body=json.dumps(body, ensure_ascii=False).encode(), headers={}, query={})


def test_signature_matches_the_published_vector() -> None:
    assert signature(TOKEN, NONCE, MSG.encode()) == SIGNED


def test_studio_push_with_msg_as_a_string() -> None:
    body = {"msg": MSG, "nonce": NONCE, "signature": SIGNED, "time": 1, "id": "x"}
    assert adapter().verify_push(push(body)) is None
    assert adapter().verify_push(push({**body, "nonce": "4KNbK6m4"})) is not None
    assert "token" in (
        OnenetAdapter(max_payload_bytes=10, models=ModelLibrary.load()).verify_push(push(body))
        or ""
    )


def test_classic_push_signs_the_raw_msg_object() -> None:
    raw_msg = (
        '{"at":1552274056993,"imei":"866971031491171","type":1,"ds_id":"3200_0_5500",'
        '"value":1,"dev_id":518816929}'
    )
    sig = signature(TOKEN, "abcdefgh", raw_msg.encode())
    body = ('{"msg":' + raw_msg + ',"msg_signature":"' + sig + '","nonce":"abcdefgh"}').encode()
    assert adapter().verify_push(PushRequest(body=body, headers={}, query={})) is None
    tampered = body.replace(b'"value":1', b'"value":0')
    assert "does not match" in (
        adapter().verify_push(PushRequest(body=tampered, headers={}, query={})) or ""
    )


def test_url_check_answers_msg_only_with_a_good_signature() -> None:
    sig = signature(TOKEN, NONCE, b"verify-me")
    # Query strings turn '+' into a space; OneNET's own SDK undoes it, and so do we.
    query = {"msg": "verify-me", "nonce": NONCE, "signature": sig.replace("+", " ")}
    assert adapter().handshake(query) == "verify-me"
    assert adapter().handshake({**query, "signature": "AAAA"}) is None
    assert adapter().handshake({"msg": "verify-me"}) is None
