"""E-bike blocker edge boxes (电梯阻车 AI boards) posting their warnings as a webhook.

Shape (../shared/vendor-samples.md, as seen from a deployed board)::

    {"deviceId": "board-17", "warningType": "007", "level": 3,
     "data": {"description": "e-bike entering elevator", "original_timestamp": 1795881789123}}

The board tags a crop as a two-wheeler with its own confidence, the server re-classifies it,
holds the door on suspicion and raises the alarm on confirmation until the bike leaves. The
warning types below beyond ``007`` and the optional ``data`` fields are the ones such boards
document per project; they are listed in docs/adapters.md and must be confirmed with the
box's supplier when one is bought:

========  ===============================  ================
``000``   heartbeat                        ``heartbeat``
``007``   e-bike entering the elevator     ``ebike_detected``
``008``   e-bike left                      ``ebike_left``
``009``   door held open by the blocker    ``ebike_detected`` with ``door_hold_s``
``010``   camera blocked or covered        ``camera_blocked``
``011``   blocker fault                    ``blocker_fault``
``012``   fault cleared                    ``fault_clear``
========  ===============================  ================

``data.action`` ``enter`` / ``leave`` overrides the type for 007/008. ``level`` 3 is a
confirmed detection; 1-2 are suspicions, whose confidence (``data.confidence``, 0-1 or
0-100) is taken as given, or 0.5 when the board sends none, so a suspicion alone never counts
towards a hotspot. ``data.snapshot_url`` (or ``picUrl``, ``imageUrl``) and ``data.floor``
are kept.
"""

from __future__ import annotations

from typing import Any, Final

from adapters.base import Decoded, DeviceDirectory, IdentifierKind, RawMessage, Rejection
from adapters.vendor import (
    EventBuilder,
    JsonAdapter,
    integer,
    number,
    reject,
    resolve,
    text,
)

_TYPES: Final = {
    "000": "heartbeat",
    "007": "ebike_detected",
    "008": "ebike_left",
    "009": "ebike_detected",
    "010": "camera_blocked",
    "011": "blocker_fault",
    "012": "fault_clear",
}
_ACTIONS: Final = {"enter": "ebike_detected", "leave": "ebike_left"}
_SUSPECTED_CONFIDENCE: Final = 0.5


class EbikeBoardAdapter(JsonAdapter):
    name = "ebike_board"
    kinds: frozenset[IdentifierKind] = frozenset({"device_id", "platform_id"})

    def decode_object(
        self, raw: dict[str, Any], message: RawMessage, directory: DeviceDirectory
    ) -> Decoded:
        data = raw.get("data")
        data = data if isinstance(data, dict) else {}
        code = raw.get("warningType")
        code = f"{code:03d}" if isinstance(code, int) and not isinstance(code, bool) else code
        event_type = _TYPES.get(code) if isinstance(code, str) else None
        action = data.get("action") or raw.get("action")
        if isinstance(action, str) and action.lower() in _ACTIONS and code in ("007", "008", None):
            event_type = _ACTIONS[action.lower()]
        if event_type is None:
            return reject(self.name, "unknown_type", f"warningType {code!r} is not known")
        device = resolve(
            directory,
            [text(raw.get("deviceId")), text(raw.get("deviceSn")), text(raw.get("device_id"))],
            adapter=self.name,
            kinds=self.kinds,
            only_type="ebike",  # a box's secret names blockers, never a smoke alarm
            device_type="ebike",
            summary=str(data.get("description") or event_type)[:64],
        )
        if isinstance(device, Rejection):
            return device
        out = EventBuilder(
            adapter=self.name,
            message=message,
            device=device,
            at=data.get("original_timestamp") or raw.get("timestamp"),
        )
        level = integer(raw.get("level"))
        fields: dict[str, Any] = {
            "floor": _floor(data.get("floor")),
            "snapshot_url": text(
                data.get("snapshot_url") or data.get("picUrl") or data.get("imageUrl"),
                max_length=2048,
            ),
        }
        if event_type == "ebike_detected":
            fields["confidence"] = _confidence(data.get("confidence"), level)
            hold = number(data.get("door_hold_s") or data.get("holdSeconds"))
            fields["door_hold_s"] = hold
        extra = {"warning_type": code, "level": level, "description": data.get("description")}
        out.add(event_type, extra={k: v for k, v in extra.items() if v is not None}, **fields)
        return out.events


def _confidence(value: Any, level: int | None) -> float | None:
    given = number(value)
    if given is not None and 1 < given <= 100:
        given /= 100  # boards that report a percentage
    if given is not None:
        return given
    if level is not None and level < 3:
        return _SUSPECTED_CONFIDENCE
    return None  # a confirmed detection: counts as confident


def _floor(value: Any) -> int | None:
    floor = integer(value)
    return floor if floor is not None and -20 <= floor <= 300 else None
