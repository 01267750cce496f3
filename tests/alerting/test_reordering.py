"""Two lanes reorder a device's messages: an alarm event overtakes the telemetry queued before
it. Telemetry older (device time) than the device's latest event is recorded but never
clears, reopens or downgrades what the event raised (docs/alarms.md, "Reordering")."""

from __future__ import annotations

import pytest

from tests.alerting.harness import Harness


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_an_older_low_reading_does_not_clear_what_the_device_alarm_raised(h: Harness) -> None:
    # The device alarmed at t=100 (its clock); its reading from t=90 was queued behind
    # telemetry and arrives later.
    h.send("gas", "g1", "alarm", at=101, ts=100, level="low")
    h.send("gas", "g1", "reading", at=105, ts=90, lel_pct=2.0)
    alarm = h.active("gas", device="g1")
    assert alarm is not None and alarm.severity == "warning"
    # A newer reading is judged as usual: below the hysteresis it clears.
    h.send("gas", "g1", "reading", at=110, ts=109, lel_pct=2.0)
    assert h.active("gas", device="g1") is None


def test_an_older_reading_does_not_reopen_what_the_device_cleared(h: Harness) -> None:
    h.send("gas", "g1", "reading", at=10, ts=10, lel_pct=30.0)
    h.send("gas", "g1", "alarm_clear", at=101, ts=100)
    assert h.active("gas", device="g1") is None
    h.send("gas", "g1", "reading", at=105, ts=95, lel_pct=30.0)  # from before the clear
    assert h.active("gas", device="g1") is None
    assert h.actions("gas") == [("gas", "opened"), ("gas", "cleared")]


def test_an_older_reading_does_not_reopen_an_alarm_the_operator_cleared(h: Harness) -> None:
    h.send("gas", "g1", "alarm", at=101, ts=100, level="high")
    alarm = h.active("gas", device="g1")
    assert alarm is not None and alarm.severity == "critical"
    h.engine.clear(alarm.id, note="vented", by="duty", now=h.ms(102))
    h.send("gas", "g1", "reading", at=105, ts=99, lel_pct=60.0)
    assert h.active("gas", device="g1") is None


def test_an_older_battery_level_does_not_clear_a_low_battery_event(h: Harness) -> None:
    h.send("smoke", "s1", "low_battery", at=101, ts=100)
    h.send("smoke", "s1", "heartbeat", at=105, ts=50, battery_pct=80.0)
    assert h.active("low_battery", device="s1") is not None
    h.send("smoke", "s1", "heartbeat", at=200, ts=199, battery_pct=80.0)
    assert h.active("low_battery", device="s1") is None


def test_an_older_message_still_proves_the_device_alive(h: Harness) -> None:
    h.send("gas", "g1", "heartbeat", at=0)
    h.advance(3 * 300 + 1)
    assert h.active("device_offline", device="g1") is not None
    h.send("gas", "g1", "fault", at=1000, ts=1000)
    assert h.active("device_offline", device="g1") is None
    h.advance(1000 + 3 * 300 + 1)
    assert h.active("device_offline", device="g1") is not None
    # Telemetry from before the fault, delivered late: the device is alive after all.
    h.send("gas", "g1", "reading", at=2000, ts=999, lel_pct=1.0)
    assert h.active("device_offline", device="g1") is None


def test_other_devices_and_same_time_readings_are_judged_as_usual(h: Harness) -> None:
    h.send("gas", "g1", "alarm", at=101, ts=100, level="low")
    h.send("gas", "g2", "reading", at=105, ts=50, lel_pct=30.0)  # another device: no event
    assert h.active("gas", device="g2") is not None
    h.send("gas", "g1", "reading", at=106, ts=100, lel_pct=1.0)  # not older: judged
    assert h.active("gas", device="g1") is None


def test_event_times_survive_a_restart(h: Harness) -> None:
    h.send("gas", "g1", "alarm", at=101, ts=100, level="low")
    alarms = h.engine.book.all_active()
    restarted = Harness()
    restarted.engine.restore(
        alarms=alarms, states=[], seen=[], now=h.ms(200), event_times=[("g1", h.ms(100))]
    )
    restarted.send("gas", "g1", "reading", at=201, ts=90, lel_pct=1.0)
    assert restarted.active("gas", device="g1") is not None
