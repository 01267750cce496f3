"""Scenarios: a timeline of device actions, and the alarms and tickets it must produce.

A scenario is a TOML file (the built-in ones are in ``simulators/scenarios/``)::

    name = "fire_double_knock"
    description = "Two smoke detectors of one building alarm 20 s apart: a confirmed fire."

    [[steps]]
    at = 0                 # seconds from the start
    building = "B1"
    device = "s1"
    type = "smoke"         # device type
    event = "alarm"        # canonical event type; fields = {...} adds payload fields

    [[expect.alarms]]
    kind = "fire"
    severity = "critical"
    building = "B1"

    [[expect.tickets]]
    category = "fire"
    building = "B1"

A step may repeat (``repeat``, ``every``), reuse a message id (``id``, for duplicates), or
send raw bytes (``raw``) or an odd topic (``topic``, relative to the prefix) to exercise the
gateway's rejections. Building and device ids are prefixed with a run tag when the scenario
is run, so that runs never see each other. Time-dependent scenarios assume the gateway runs
with ``simulators/scenarios/profile.toml`` (shorter holds and heartbeats).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import msgspec
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulators.message import PREFIX, SimMessage

_encode = msgspec.json.Encoder().encode


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Step(_Model):
    at: float = Field(ge=0, description="seconds from the start")
    building: str
    device: str
    type: Literal["smoke", "gas", "ebike"]
    event: str | None = None
    channel: Literal["event", "telemetry", "heartbeat"] = "event"
    fields: dict[str, Any] = Field(default_factory=dict)
    id: str | None = Field(default=None, description="a fixed message id (repeats: duplicates)")
    repeat: int = Field(default=1, ge=1, le=10_000)
    every: float = Field(default=0.0, ge=0)
    raw: str | None = Field(default=None, description="send these bytes instead of JSON")
    topic: str | None = Field(default=None, description="topic after the prefix, {building} etc.")
    qos: Literal[0, 1] = 1


class ExpectAlarm(_Model):
    kind: str
    building: str
    severity: Literal["info", "warning", "critical"] | None = None
    status: Literal["active", "cleared", "any"] = "any"
    devices: list[str] | None = Field(default=None, description="exactly these contributors")
    count: int | None = Field(default=None, description="triggers folded into it")
    number: int = Field(default=1, ge=0, description="alarms of this kind in the building")


class ExpectTicket(_Model):
    category: str
    building: str
    number: int = Field(default=1, ge=0)


class Expect(_Model):
    alarms: list[ExpectAlarm] = Field(default_factory=list)
    tickets: list[ExpectTicket] = Field(default_factory=list)
    dead_letters: dict[str, int] = Field(
        default_factory=dict, description="rejected messages of this run, by reason"
    )
    within_s: float = Field(default=15.0, gt=0, description="how long the checks may wait")


class Scenario(_Model):
    name: str
    description: str
    steps: list[Step]
    expect: Expect = Field(default_factory=Expect)
    settle_s: float = Field(default=1.0, ge=0, description="wait after the last step")

    @property
    def duration_s(self) -> float:
        return max((s.at + s.every * (s.repeat - 1) for s in self.steps), default=0.0)

    def messages(self, *, tag: str, prefix: str = PREFIX) -> list[SimMessage]:
        """Every message, in time order, with ids prefixed by ``tag``."""
        out: list[SimMessage] = []
        seq = 0
        for step in self.steps:
            building, device = f"{tag}-{step.building}", f"{tag}-{step.device}"
            for n in range(step.repeat):
                seq += 1
                at_ms = round((step.at + n * step.every) * 1000)
                if step.topic is not None:
                    rest = step.topic.format(building=building, device=device, type=step.type)
                    topic = f"{prefix}/{rest}"
                else:
                    topic = f"{prefix}/{building}/{step.type}/{device}/{step.channel}"
                if step.raw is not None:
                    payload = step.raw.encode()
                else:
                    body: dict[str, Any] = {"type": step.event, "id": step.id or f"{device}-{seq}"}
                    body.update(step.fields)
                    payload = _encode(body)
                out.append(SimMessage(at_ms=at_ms, topic=topic, payload=payload, qos=step.qos))
        return sorted(out, key=lambda m: m.at_ms)


class ScenarioError(Exception):
    pass


def load(path: Path) -> Scenario:
    try:
        return Scenario.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc


def builtin_names() -> list[str]:
    folder = resources.files("simulators") / "scenarios"
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml") and entry.name != "profile.toml"
    )


def builtin(name: str) -> Scenario:
    if name not in builtin_names():
        raise ScenarioError(f"no built-in scenario {name!r}; one of {', '.join(builtin_names())}")
    path = resources.files("simulators") / "scenarios" / f"{name}.toml"
    return Scenario.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


def profile() -> dict[str, Any]:
    """The gateway settings the built-in scenarios assume (shorter holds and heartbeats)."""
    path = resources.files("simulators") / "scenarios" / "profile.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))
