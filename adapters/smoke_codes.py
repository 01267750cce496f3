"""The smoke alarm status codes that Li'an (力安) NB-IoT alarms (CTWing ``Alarm_Status``,
OneNET, IoTDA and Aliyun pass-throughs) and Milesight GS524N (``event``) share.

Source: ../shared/vendor-samples.md; Milesight-IoT/SensorDecoders
``GS_Series/GS524N/GS524N_Decoder.js`` (getMessageType).
"""

from __future__ import annotations

from typing import Final

from adapters.base import DeviceDirectory

# code -> (name in the vendor's tables, canonical event types)
CODES: Final[dict[int, tuple[str, tuple[str, ...]]]] = {
    1: ("alarm", ("alarm",)),
    2: ("silenced", ("silenced",)),
    4: ("low battery", ("low_battery",)),
    5: ("fault", ("fault",)),
    6: ("data abnormal", ("fault",)),  # Li'an 数据异常
    7: ("normal", ()),  # a clear after an alarm or a fault, else a heartbeat: see below
    8: ("silence command", ("heartbeat",)),  # Li'an: answers to a silence command
    9: ("silence command", ("heartbeat",)),
    10: ("tamper", ("tamper",)),  # 拆卸报警: taken off its base
    11: ("tamper restored", ("tamper_clear",)),
    12: ("online", ("heartbeat",)),
    13: ("abnormal", ("fault",)),
    14: ("self-test", ("test",)),
    15: ("self-test, low battery", ("test", "low_battery")),  # Milesight
}


def events_for(
    code: int, directory: DeviceDirectory, device_id: str | None
) -> tuple[str, ...] | None:
    """The canonical event types a status code stands for; None for an unknown code.

    "Normal" (7) is what these alarms send both as a heartbeat and when an alarm or a fault
    ends, so it clears what is active on the device (``alarm_clear`` for a ``smoke``
    alarm, ``fault_clear`` for a ``device_fault``) and is a heartbeat otherwise.
    """
    known = CODES.get(code)
    if known is None:
        return None
    if code != 7:
        return known[1]
    if device_id is None:
        return ("heartbeat",)
    clears = []
    if directory.alarm_active("smoke", device_id):
        clears.append("alarm_clear")
    if directory.alarm_active("device_fault", device_id):
        clears.append("fault_clear")
    return tuple(clears) or ("heartbeat",)


def summary(code: int) -> str:
    known = CODES.get(code)
    return known[0] if known else f"status {code}"
