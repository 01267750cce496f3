"""``siteguard adapters try``: what a payload decodes to, without a broker or a database.

The device it names is taken as registered (any identifier finds it), with the product
model given (``--model``, a model file) or the one the adapter would choose; the output is
one line per outcome: each event with its fields, each rejection with its reason and why.
"""

from __future__ import annotations

import time
from pathlib import Path

import msgspec

from adapters.base import DeviceRef, IdentifierKind, RawMessage, Rejection
from adapters.events import Event
from adapters.models import ModelLibrary, parse
from adapters.registry import default_registry

_PREFIX = "siteguard/v1"
_SKIP = frozenset({"building_id", "device_id", "received_ms", "source", "msg_id"})


class TryDirectory:
    """Every identifier is one registered device, of the given type and model."""

    def __init__(self, *, device_type: str, model: str | None) -> None:
        self._device_type = device_type
        self._model = model

    def by_identifier(
        self, identifier: str, *, kinds: frozenset[IdentifierKind]
    ) -> DeviceRef | None:
        return DeviceRef(
            device_id=identifier,
            building_id="try",
            device_type=self._device_type,
            model=self._model,
        )

    def alarm_active(self, kind: str, device_id: str) -> bool:
        return False


class _Nobody:
    def by_identifier(
        self, identifier: str, *, kinds: frozenset[IdentifierKind]
    ) -> DeviceRef | None:
        return None

    def alarm_active(self, kind: str, device_id: str) -> bool:
        return False


def try_payload(
    *,
    adapter: str,
    payload: bytes,
    model_file: Path | None = None,
    models_dir: Path | None = None,
    device_type: str | None = None,
    topic: str | None = None,
) -> list[str]:
    """The lines ``siteguard adapters try`` prints."""
    library = ModelLibrary.load(models_dir)
    model_id = None
    if model_file is not None:
        model = parse(model_file.read_text(encoding="utf-8"), str(model_file))
        library = ModelLibrary([*library.models(), model])
        model_id = model.id
        device_type = device_type or model.spec.device_type
    registry = default_registry(topic_prefix=_PREFIX, max_payload_bytes=1 << 20, models=library)
    if registry.get(adapter) is None:
        names = ", ".join(registry.names)
        return [f"error: no adapter {adapter!r} (adapters: {names})"]
    if topic is None:
        topic = (
            f"{_PREFIX}/try/{device_type or 'smoke'}/try-device/event"
            if adapter == "canonical"
            else f"{_PREFIX}/vendor/{adapter}/try"
        )
    message = RawMessage(topic=topic, payload=payload, received_ms=int(time.time() * 1000))
    if device_type is None:
        # What the device is, as the adapter reads it for a device nobody registered yet.
        unknown = registry.decode(message, _Nobody())
        if isinstance(unknown, Rejection) and unknown.device_type:
            device_type = unknown.device_type
    directory = TryDirectory(device_type=device_type or "smoke", model=model_id)
    result = registry.decode(message, directory)
    outcomes = [result] if isinstance(result, Rejection) else list(result)
    lines = [
        f"model: {model_id or 'as the adapter chooses'}; device type: {device_type or 'smoke'}"
    ]
    if not outcomes:
        lines.append("nothing: the message carries no device data (a status or a reply)")
    for outcome in outcomes:
        if isinstance(outcome, Event):
            fields = {
                k: v
                for k, v in msgspec.structs.asdict(outcome).items()
                if v is not None and k not in _SKIP and v is not False
            }
            lines.append(f"event {outcome.type}: {msgspec.json.encode(fields).decode()}")
        else:
            where = f" [{outcome.product}]" if outcome.product else ""
            lines.append(f"rejected {outcome.reason}{where}: {outcome.detail}")
    return lines
