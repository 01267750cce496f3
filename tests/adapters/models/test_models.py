"""Product models: every built-in model against the payloads its public sources document
(the ``<model>.json`` files beside this one, each case citing where it comes from), random
payloads that never make a model raise, model files checked with errors that name the file
and the line, and the order a model is chosen in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters import Event, RawMessage
from adapters.base import DeviceRef
from adapters.frames import DECODERS
from adapters.models import ModelError, ModelLibrary, parse
from adapters.vendor import EventBuilder
from tests.adapters.directory import FakeDirectory

CASES = Path(__file__).parent
LIBRARY = ModelLibrary.load()
NOW = 1_795_881_800_000


def _run(
    model_id: str, case: dict[str, Any], device_type: str | None = None
) -> tuple[list[Event], list[str], list[str]]:
    model = LIBRARY.get(model_id)
    assert model is not None
    kind = device_type or model.spec.device_type or "smoke"
    device = DeviceRef(device_id="d", building_id="B", device_type=kind)
    directory = FakeDirectory(
        [{"device_id": "d", "building_id": "B", "device_type": kind}], case.get("active", ())
    )
    if "frame" in case:
        assert model.spec.frame is not None
        values = DECODERS[model.spec.frame](bytes.fromhex(case["frame"]))
        assert isinstance(values, dict), values
    else:
        values = case["values"]
    message = RawMessage(topic="t", payload=json.dumps(case).encode(), received_ms=NOW)
    out = EventBuilder(adapter="test", message=message, device=device)
    problems, unmapped = model.interpret(values, out, directory)
    return out.events, problems, unmapped


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.json")):
        fixture = json.loads(path.read_text(encoding="utf-8"))
        for case in fixture["cases"]:
            params.append(
                pytest.param(
                    fixture["model"], fixture["source"], case, id=f"{path.stem}: {case['name']}"
                )
            )
    return params


@pytest.mark.parametrize(("model_id", "source", "case"), _cases())
def test_builtin_model(model_id: str, source: str, case: dict[str, Any]) -> None:
    assert source and LIBRARY.get(model_id) is not None
    events, problems, unmapped = _run(model_id, case)
    assert [e.type for e in events] == [want["type"] for want in case["expect"]], events
    for got, want in zip(events, case["expect"], strict=True):
        for name, value in want.items():
            if name == "extra":
                for key, item in value.items():
                    assert (got.extra or {}).get(key) == item, (key, got.extra)
            else:
                assert getattr(got, name) == value, (name, got)
    assert [p.split("=")[0] for p in problems] == case.get("problems", [])
    assert unmapped == case.get("unmapped", [])


def test_every_builtin_model_has_cases_and_cites_its_sources() -> None:
    covered = {json.loads(p.read_text())["model"] for p in CASES.glob("*.json")}
    assert covered == set(LIBRARY.ids())
    for model in LIBRARY.models():
        assert model.spec.sources and all(len(s) > 20 for s in model.spec.sources), model.id


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@pytest.mark.parametrize("model_id", LIBRARY.ids())
def test_random_values_never_make_a_model_raise(model_id: str) -> None:
    model = LIBRARY.get(model_id)
    assert model is not None
    names = [
        n for s in model.spec.states for n in ([s.field] if isinstance(s.field, str) else s.field)
    ]
    names += [
        n for r in model.spec.readings for n in ([r.field] if isinstance(r.field, str) else r.field)
    ]
    names += [*model.spec.keep, "unknown", ""]

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(
        values=st.dictionaries(st.sampled_from(names) | st.text(max_size=8), _VALUES, max_size=8)
    )
    def check(values: dict[str, Any]) -> None:
        events, problems, unmapped = _run(model_id, {"values": values})
        assert events, "a message is at least a sign of life"
        for event in events:
            assert event.battery_pct is None or 0 <= event.battery_pct <= 100
            assert event.lel_pct is None or 0 <= event.lel_pct <= 100
        assert all(isinstance(p, str) for p in problems + unmapped)

    check()


@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_random_bytes_never_make_a_frame_decoder_raise(decoder: str) -> None:
    @settings(max_examples=500, deadline=None, derandomize=True, database=None)
    @given(frame=st.binary(max_size=80))
    def check(frame: bytes) -> None:
        result = DECODERS[decoder](frame)
        assert isinstance(result, dict | str)

    check()


GOOD = """\
id = "site-smoke"
name = "A site's smoke alarm"
device_type = "smoke"
sources = ["the vendor's manual, page 12: status 1 alarm, 0 normal"]

[match]
products = ["ctwing:99990001"]

[[states]]
field = "status"
values = { 1 = "alarm", 0 = "normal" }
"""


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (GOOD.replace('values = { 1 = "alarm"', 'values = { 1 = "fire"'), ":11: "),
        (GOOD.replace('device_type = "smoke"', 'device_type = "smoke"\ncolour = "red"'), ":1: "),
        (GOOD.replace("[[states]]", "[[states]\n"), ":9: not TOML"),
        (GOOD.replace("sources = [", 'frame = "w999"\nsources = ['), ":4: frame 'w999'"),
        (GOOD.replace('products = ["ctwing:99990001"]', 'products = ["15017088"]'), ":7: "),
    ],
)
def test_a_bad_model_file_is_refused_with_its_file_and_line(
    tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "site-smoke.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        ModelLibrary.load(tmp_path)
    assert str(caught.value).startswith(str(path)) and where in str(caught.value), caught.value


def test_a_site_model_is_chosen_before_the_generic_one_and_replaces_a_builtin(
    tmp_path: Path,
) -> None:
    (tmp_path / "site.toml").write_text(GOOD, encoding="utf-8")
    replaced = GOOD.replace('id = "site-smoke"', 'id = "lian-smoke-nb"').replace(
        "ctwing:99990001", "ctwing:15014772"
    )
    (tmp_path / "lian.json").write_text(
        json.dumps(
            {
                "id": "lian-smoke-nb",
                "name": "replaced",
                "sources": ["a site's own reading of its Li'an alarms"],
                "match": {"products": ["ctwing:15014772"]},
            }
        ),
        encoding="utf-8",
    )
    library = ModelLibrary.load(tmp_path)
    assert library.choose(adapter="ctwing", product="99990001").id == "site-smoke"
    assert library.choose(adapter="ctwing", product="15014772").spec.name == "replaced"
    assert parse(replaced, "x.toml").id == "lian-smoke-nb"


def test_the_order_a_model_is_chosen_in() -> None:
    registered = DeviceRef(device_id="d", building_id="B", device_type="gas", model="lian-gas-nb")
    by_name = DeviceRef(
        device_id="d", building_id="B", device_type="smoke", vendor="Milesight", model="GS524N"
    )
    gas_shape = {"batteryvalue", "gassensorstate"}  # as names compare: no case, no "_"
    assert LIBRARY.choose(adapter="iotda", product="smokeDetector", device=registered).id == (
        "lian-gas-nb"
    )  # the registry first
    assert LIBRARY.choose(adapter="iotda", device=by_name).id == "milesight-gs524n"
    assert LIBRARY.choose(adapter="ctwing", product="15017088").id == "lian-gas-nb"
    assert LIBRARY.choose(adapter="ctwing", names=gas_shape).id == "lian-gas-nb"
    assert LIBRARY.choose(adapter="ctwing", product="1").id == "generic"
