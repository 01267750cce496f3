"""Property-based tests: whatever arrives, a vendor adapter never raises, and every message
becomes canonical events (valid by contract section 3) or rejections with a bounded reason.

Three kinds of input per adapter: the golden payloads mutated (a value replaced by any JSON,
a key dropped, a key added, a number nudged), arbitrary JSON, and arbitrary bytes. At least
10,000 examples per adapter (``SITEGUARD_PROPERTY_EXAMPLES`` raises it); derandomized, so a
failure in CI reproduces on a laptop.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import EVENT_TYPES, Event, RawMessage, Rejection, default_registry
from adapters.events import CHANNELS, NUMERIC_FIELDS
from tests.adapters.directory import FakeDirectory

GOLDEN = Path(__file__).with_name("golden")
NOW = 1_795_881_800_000
EXAMPLES = max(10_000, int(os.environ.get("SITEGUARD_PROPERTY_EXAMPLES", "10000")))
REGISTRY = default_registry(topic_prefix="siteguard/v1", max_payload_bytes=64 * 1024)
REASON = re.compile(r"^[a-z_]+(:[A-Za-z0-9_]+)?$|^unmapped:[A-Za-z0-9_.,]+$")
RANGES = {
    "battery_pct": (0, 100),
    "rssi": (-200, 0),
    "lel_pct": (0, 100),
    "co_ppm": (0, 100_000),
    "confidence": (0, 1),
    "door_hold_s": (0, 86_400),
}
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "0", "1", "7", "-1", "1e400", "ONLINE", "online", "AAAA", "%%"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=20,
)


def _fixture(adapter: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{adapter}.json").read_text(encoding="utf-8"))
    return data


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@st.composite
def mutated(draw: st.DrawFn, adapter: str) -> Any:
    """A golden payload with one to three changes."""
    cases = _fixture(adapter)["cases"]
    payload = copy.deepcopy(draw(st.sampled_from(cases))["payload"])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(payload)
        path = draw(st.sampled_from(paths))
        if not path:
            payload = draw(json_values) if draw(st.integers(0, 9)) == 0 else payload
            continue
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "drop", "add", "nudge"]))
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "drop":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(json_values)
        elif isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
            parent[key] = parent[key] + draw(st.sampled_from([-1, 1, 255, -256, 0.5, 10**12]))
    return payload


def _payloads(adapter: str) -> st.SearchStrategy[bytes]:
    as_json = (mutated(adapter) | json_values).map(
        lambda value: json.dumps(value, ensure_ascii=False).encode()
    )
    return as_json | st.binary(max_size=200)


def _check(adapter: str, body: bytes, active: list[tuple[str, str]]) -> None:
    fixture = _fixture(adapter)
    directory = FakeDirectory(fixture["registry"], active)
    message = RawMessage(topic=f"siteguard/v1/vendor/{adapter}/x", payload=body, received_ms=NOW)
    adapter_object = REGISTRY.get(adapter)
    assert adapter_object is not None
    result = adapter_object.decode(message, directory)  # not through the registry's safety net
    outcomes = [result] if isinstance(result, Rejection) else list(result)
    for outcome in outcomes:
        if isinstance(outcome, Rejection):
            assert REASON.match(outcome.reason) and len(outcome.reason) <= 64, outcome.reason
            assert outcome.detail and outcome.adapter == adapter
            continue
        assert isinstance(outcome, Event), outcome
        assert outcome.type in EVENT_TYPES[outcome.device_type], outcome
        assert outcome.channel in CHANNELS
        assert outcome.source == adapter and outcome.msg_id
        assert outcome.received_ms == NOW and 0 < outcome.ts_ms <= NOW + 86_400_000
        for name in NUMERIC_FIELDS:
            value = getattr(outcome, name)
            if value is not None:
                low, high = RANGES[name]
                assert low <= value <= high, (name, value)
        if outcome.device_type == "gas" and outcome.type == "reading":
            assert outcome.lel_pct is not None
        msgspec.json.encode(outcome)  # the pipeline stores it as JSON


ACTIVE = st.lists(
    st.tuples(
        st.sampled_from(["smoke", "gas", "device_fault", "tamper"]),
        st.sampled_from(["S-0101", "S-0301", "S-0401", "S-0501", "S-0601", "G-0602", "E-0701"]),
    ),
    max_size=3,
)


def _property_test(adapter: str) -> Any:
    @PROFILE
    @given(body=_payloads(adapter), active=ACTIVE)
    def test(body: bytes, active: list[tuple[str, str]]) -> None:
        _check(adapter, body, active)

    test.__name__ = f"test_{adapter}_never_raises_and_yields_valid_events"
    return test


test_ctwing = _property_test("ctwing")
test_onenet = _property_test("onenet")
test_iotda = _property_test("iotda")
test_aliyun = _property_test("aliyun")
test_milesight = _property_test("milesight")
test_ebike_board = _property_test("ebike_board")


@PROFILE
@given(frame=st.binary(max_size=40), eui=st.sampled_from(["24E124000000A001", "24E124000000B002"]))
def test_milesight_frames(frame: bytes, eui: str) -> None:
    """Arbitrary LoRaWAN frames from registered smoke and gas alarms (the binary decoders)."""
    import base64

    body = json.dumps({"deviceInfo": {"devEui": eui}, "data": base64.b64encode(frame).decode()})
    _check("milesight", body.encode(), [])
