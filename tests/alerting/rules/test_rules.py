"""Every row of contract section 5, on a fake clock, including the window boundaries."""

from __future__ import annotations

import pytest

from alerting.model import AlarmError
from tests.alerting.harness import Harness


@pytest.fixture
def h() -> Harness:
    return Harness()


# ---- smoke ----------------------------------------------------------------------------


def test_smoke_alarm_opens_and_clears_on_alarm_clear_or_silenced(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    alarm = h.active("smoke", device="s1")
    assert alarm is not None and alarm.severity == "warning" and alarm.device_ids == ("s1",)
    h.send("smoke", "s1", "alarm_clear", 10)
    assert h.active("smoke", device="s1") is None
    h.send("smoke", "s1", "alarm", 20)
    h.send("smoke", "s1", "silenced", 25)
    assert h.active("smoke", device="s1") is None
    assert h.actions("smoke") == [("smoke", a) for a in ("opened", "cleared", "opened", "cleared")]


def test_smoke_test_never_alarms(h: Harness) -> None:
    for second in range(0, 300, 10):
        h.send("smoke", "s1", "test", second)
        h.send("smoke", "s2", "test", second)
    assert h.kinds() == set()
    assert h.changes == []


def test_repeats_fold_into_one_alarm(h: Harness) -> None:
    first = h.send("smoke", "s1", "alarm", 0)[0].alarm
    h.send("smoke", "s1", "alarm", 5)
    h.send("smoke", "s1", "alarm", 9)
    alarm = h.active("smoke", device="s1")
    assert alarm is not None and alarm.id == first.id
    assert alarm.count == 3 and alarm.updated_ms == h.ms(9) and alarm.opened_ms == h.ms(0)
    assert h.actions("smoke") == [("smoke", "opened"), ("smoke", "updated"), ("smoke", "updated")]
    assert h.notified("smoke") == [("opened", "send")]  # repeats are not notified again


# ---- fire -----------------------------------------------------------------------------


def test_two_detectors_within_the_window_confirm_a_fire(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    h.send("smoke", "s2", "alarm", 30)
    fire = h.active("fire")
    assert fire is not None
    assert fire.severity == "critical" and fire.latched and fire.device_id is None
    assert fire.device_ids == ("s1", "s2") and fire.opened_ms == h.ms(30)


@pytest.mark.parametrize(("gap", "fire"), [(120.0, True), (120.001, False)])
def test_fire_window_boundary(h: Harness, gap: float, fire: bool) -> None:
    h.send("smoke", "s1", "alarm", 0)
    h.send("smoke", "s1", "alarm_clear", 1)  # the first may have cleared since
    h.send("smoke", "s2", "alarm", gap)
    assert (h.active("fire") is not None) is fire


def test_detectors_in_different_buildings_never_confirm_a_fire(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0, building="B1")
    h.send("smoke", "s2", "alarm", 1, building="B2")
    h.send("smoke", "s1", "alarm_clear", 2, building="B1")
    h.send("smoke", "s2", "alarm_clear", 3, building="B2")
    h.advance(600)
    assert h.active("fire", "B1") is None and h.active("fire", "B2") is None


def test_the_same_detector_twice_is_not_two_detectors(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    h.send("smoke", "s1", "alarm_clear", 1)
    h.send("smoke", "s1", "alarm", 2)
    h.send("smoke", "s1", "alarm_clear", 3)
    h.advance(600)
    assert h.active("fire") is None


@pytest.mark.parametrize(("at", "fire"), [(59.999, False), (60.0, True)])
def test_one_detector_held_in_alarm_confirms_a_fire(h: Harness, at: float, fire: bool) -> None:
    h.send("smoke", "s1", "alarm", 0)
    h.advance(at)
    found = h.active("fire")
    assert (found is not None) is fire
    if fire:
        assert found is not None and found.device_ids == ("s1",) and found.opened_ms == h.ms(60)


def test_a_clear_before_the_hold_cancels_it(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    h.send("smoke", "s1", "silenced", 59)
    h.advance(3600)
    assert h.active("fire") is None


def test_repeats_do_not_restart_the_hold(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    h.send("smoke", "s1", "alarm", 40)  # folds; the episode began at 0
    h.advance(60)
    assert h.active("fire") is not None


def test_fire_latches_and_folds_further_detectors(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    fire_id = h.send("smoke", "s2", "alarm", 10)[-1].alarm.id
    h.send("smoke", "s3", "alarm", 20)
    for device in ("s1", "s2", "s3"):
        h.send("smoke", device, "alarm_clear", 30)
    fire = h.active("fire")
    assert fire is not None and fire.id == fire_id  # devices clearing does not clear a fire
    assert fire.device_ids == ("s1", "s2", "s3") and fire.count == 2


def test_fire_holds_back_smoke_notifications_of_its_building(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    h.send("smoke", "s2", "alarm", 10)
    h.send("smoke", "s3", "alarm", 20)
    h.send("smoke", "s9", "alarm", 20, building="B2")
    notes = [
        (c.alarm.device_ids, c.notify)
        for c in h.changes
        if c.alarm.kind == "smoke" and c.action == "opened"
    ]
    # s2's smoke alarm opened in the same event that confirmed the fire, just before it
    assert notes == [(("s1",), "send"), (("s2",), "send"), (("s3",), "hold"), (("s9",), "send")]
    s3 = h.active("smoke", device="s3")
    assert s3 is not None and s3.held  # recorded, not announced
    assert h.notified("fire") == [("opened", "send")]


def test_operator_clears_fire_only_and_then_it_can_open_again(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    fire = h.send("smoke", "s2", "alarm", 10)[-1].alarm
    with pytest.raises(AlarmError, match="does not latch"):
        h.engine.clear(h.active("smoke", device="s1").id, note=None, by="duty", now=h.ms(11))  # type: ignore[union-attr]
    cleared = h.engine.clear(fire.id, note="检查无火情", by="duty", now=h.ms(20))
    assert (
        cleared.status == "cleared"
        and cleared.cleared_by == "duty"
        and cleared.clear_note == "检查无火情"
    )
    with pytest.raises(AlarmError, match="not active"):
        h.engine.clear(fire.id, note=None, by="duty", now=h.ms(21))
    h.send("smoke", "s1", "alarm_clear", 22)
    h.send("smoke", "s2", "alarm_clear", 22)
    h.send("smoke", "s1", "alarm", 30)  # the old triggers were spent by the clear
    assert h.active("fire") is None
    h.send("smoke", "s3", "alarm", 40)
    again = h.active("fire")
    assert again is not None and again.id != fire.id and again.device_ids == ("s1", "s3")


# ---- gas ------------------------------------------------------------------------------


def test_gas_hysteresis_26_22_19(h: Harness) -> None:
    h.send("gas", "g1", "reading", 0, lel_pct=26.0)
    alarm = h.active("gas", device="g1")
    assert alarm is not None and alarm.severity == "warning" and not alarm.latched
    h.send("gas", "g1", "reading", 30, lel_pct=22.0)
    assert h.active("gas", device="g1") is not None  # still active inside the band
    h.send("gas", "g1", "reading", 60, lel_pct=19.0)
    assert h.active("gas", device="g1") is None


@pytest.mark.parametrize(
    ("level", "severity"),
    [(24.99, None), (25.0, "warning"), (49.99, "warning"), (50.0, "critical")],
)
def test_gas_thresholds_exactly_at(h: Harness, level: float, severity: str | None) -> None:
    h.send("gas", "g1", "reading", 0, lel_pct=level)
    alarm = h.active("gas", device="g1")
    assert (alarm.severity if alarm else None) == severity


def test_gas_clears_at_exactly_the_hysteresis_edge_only_below_it(h: Harness) -> None:
    h.send("gas", "g1", "reading", 0, lel_pct=30.0)
    h.send("gas", "g1", "reading", 1, lel_pct=20.0)
    assert h.active("gas", device="g1") is not None  # 20 is not below 25 - 5
    h.send("gas", "g1", "reading", 2, lel_pct=19.99)
    assert h.active("gas", device="g1") is None


def test_gas_escalates_in_place_and_latches(h: Harness) -> None:
    warning = h.send("gas", "g1", "reading", 0, lel_pct=30.0)[0].alarm
    h.send("gas", "g1", "reading", 30, lel_pct=55.0)
    critical = h.active("gas", device="g1")
    assert critical is not None and critical.id == warning.id
    assert critical.severity == "critical" and critical.latched and critical.peak == 55.0
    h.send("gas", "g1", "reading", 60, lel_pct=30.0)
    h.send("gas", "g1", "reading", 90, lel_pct=0.0)
    h.send("gas", "g1", "alarm_clear", 91)
    still = h.active("gas", device="g1")
    assert still is not None and still.severity == "critical"  # only an operator clears it
    # 60 s after the escalation, the unacknowledged critical alarm is notified again.
    assert h.actions("gas") == [("gas", a) for a in ("opened", "escalated", "updated", "reminder")]
    assert h.notified("gas") == [("opened", "send"), ("escalated", "send"), ("reminder", "send")]


def test_severity_never_drops_while_active(h: Harness) -> None:
    h.send("gas", "g1", "alarm", 0, level="high")
    h.send("gas", "g1", "alarm", 5, level="low")
    alarm = h.active("gas", device="g1")
    assert alarm is not None and alarm.severity == "critical" and alarm.count == 2


def test_gas_device_alarm_levels_and_clear(h: Harness) -> None:
    h.send("gas", "g1", "alarm", 0, level="low")
    assert h.active("gas", device="g1").severity == "warning"  # type: ignore[union-attr]
    h.send("gas", "g1", "alarm_clear", 5)
    assert h.active("gas", device="g1") is None
    h.send("gas", "g2", "alarm", 10, level="high")
    assert h.active("gas", device="g2").latched  # type: ignore[union-attr]


# ---- compound -------------------------------------------------------------------------


@pytest.mark.parametrize(("gap", "compound"), [(300.0, True), (300.001, False)])
def test_compound_gas_then_smoke(h: Harness, gap: float, compound: bool) -> None:
    h.send("gas", "g1", "reading", 0, lel_pct=30.0)
    h.send("smoke", "s1", "alarm", gap)
    found = h.active("compound")
    assert (found is not None) is compound
    if compound:
        assert found is not None and found.severity == "critical" and found.latched
        assert set(found.device_ids) >= {"s1", "g1"}


def test_compound_needs_the_earlier_alarm_still_active(h: Harness) -> None:
    h.send("gas", "g1", "reading", 0, lel_pct=30.0)
    h.send("gas", "g1", "reading", 10, lel_pct=5.0)  # cleared
    h.send("smoke", "s1", "alarm", 20)
    assert h.active("compound") is None


def test_compound_needs_one_building(h: Harness) -> None:
    h.send("gas", "g1", "reading", 0, lel_pct=30.0, building="B1")
    h.send("smoke", "s1", "alarm", 5, building="B2")
    assert h.active("compound", "B1") is None and h.active("compound", "B2") is None


def test_compound_smoke_then_gas_and_fire_counts_as_smoke(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    h.send("smoke", "s1", "silenced", 10)
    h.send("smoke", "s2", "alarm", 100)  # with s1 within 120 s: a fire
    h.send("smoke", "s2", "alarm_clear", 101)  # the fire stays (latched), the smoke alarms are gone
    assert h.kinds() == {"fire"}
    h.send("gas", "g1", "reading", 400, lel_pct=60.0)  # 300 s after the fire opened
    compound = h.active("compound")
    assert compound is not None and set(compound.device_ids) == {"s1", "s2", "g1"}


# ---- e-bikes --------------------------------------------------------------------------


def detections(h: Harness, times: list[float], confidence: float | None = 0.9) -> None:
    for t in times:
        h.send("ebike", "lift1", "ebike_detected", t, confidence=confidence)


@pytest.mark.parametrize(("last", "hotspot"), [(3600.0, True), (3600.001, False)])
def test_hotspot_five_within_the_window(h: Harness, last: float, hotspot: bool) -> None:
    detections(h, [0, 100, 200, 300, last])
    assert (h.active("ebike_hotspot", device="lift1") is not None) is hotspot


def test_hotspot_ignores_low_confidence_and_counts_missing_confidence(h: Harness) -> None:
    detections(h, [0, 1, 2, 3], confidence=0.79)
    detections(h, [4, 5, 6, 7], confidence=0.8)
    assert h.active("ebike_hotspot", device="lift1") is None
    detections(h, [8], confidence=None)
    assert h.active("ebike_hotspot", device="lift1") is not None


def test_hotspot_clears_after_a_quiet_window(h: Harness) -> None:
    detections(h, [0, 10, 20, 30, 40])
    detections(h, [1000])  # keeps it going
    h.advance(1000 + 3599.999)
    assert h.active("ebike_hotspot", device="lift1") is not None
    h.advance(1000 + 3600)
    assert h.active("ebike_hotspot", device="lift1") is None


@pytest.mark.parametrize(("hold", "standoff"), [(119.9, False), (120.0, True)])
def test_standoff(h: Harness, hold: float, standoff: bool) -> None:
    h.send("ebike", "lift1", "ebike_detected", 0, confidence=0.95, door_hold_s=hold)
    assert (h.active("ebike_standoff", device="lift1") is not None) is standoff
    h.send("ebike", "lift1", "ebike_left", 10)
    assert h.active("ebike_standoff", device="lift1") is None


# ---- device health --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "event"),
    [("smoke", "fault"), ("ebike", "blocker_fault"), ("ebike", "camera_blocked"), ("gas", "fault")],
)
def test_device_fault(h: Harness, device_type: str, event: str) -> None:
    h.send(device_type, "d1", event, 0)
    assert h.active("device_fault", device="d1") is not None
    h.send(device_type, "d1", "fault_clear", 1)
    assert h.active("device_fault", device="d1") is None


def test_tamper(h: Harness) -> None:
    h.send("smoke", "s1", "tamper", 0)
    assert h.active("tamper", device="s1").severity == "warning"  # type: ignore[union-attr]
    h.send("smoke", "s1", "tamper_clear", 1)
    assert h.active("tamper", device="s1") is None


def test_low_battery_by_event_and_by_level_with_recovery_at_30(h: Harness) -> None:
    h.send("smoke", "s1", "low_battery", 0)
    assert h.active("low_battery", device="s1").severity == "info"  # type: ignore[union-attr]
    h.send("smoke", "s1", "heartbeat", 1, battery_pct=29.9)
    assert h.active("low_battery", device="s1") is not None
    h.send("smoke", "s1", "heartbeat", 2, battery_pct=30.0)
    assert h.active("low_battery", device="s1") is None
    h.send("gas", "g1", "reading", 3, lel_pct=1.0, battery_pct=20.0)
    assert h.active("low_battery", device="g1") is None  # not below 20
    h.send("gas", "g1", "reading", 4, lel_pct=1.0, battery_pct=19.9)
    assert h.active("low_battery", device="g1") is not None


@pytest.mark.parametrize(
    ("device_type", "lease_s"), [("gas", 900), ("ebike", 180), ("smoke", 3 * 86400)]
)
def test_device_offline_after_missed_heartbeats(h: Harness, device_type: str, lease_s: int) -> None:
    h.send(device_type, "d1", "heartbeat", 0)
    h.advance(lease_s - 0.001)
    assert h.active("device_offline", device="d1") is None
    h.advance(lease_s)
    offline = h.active("device_offline", device="d1")
    assert offline is not None and offline.opened_ms == h.ms(lease_s)
    h.send(device_type, "d1", "heartbeat", lease_s + 100)
    assert h.active("device_offline", device="d1") is None


def test_every_message_renews_the_lease() -> None:
    h = Harness(offline_after_missed=2, heartbeat_s={"gas": 10, "smoke": 10, "ebike": 10})
    for t in range(0, 100, 15):
        h.send("gas", "g1", "reading", t, lel_pct=1.0)
    h.advance(90 + 19.999)
    assert h.active("device_offline", device="g1") is None
    h.advance(90 + 20)
    assert h.active("device_offline", device="g1") is not None


# ---- flapping -------------------------------------------------------------------------


def flap(h: Harness, start: float, times: int, step: float = 10) -> float:
    t = start
    for i in range(times):
        h.send("smoke", "s1", "alarm" if i % 2 == 0 else "alarm_clear", t)
        t += step
    return t


def test_flapping_holds_back_and_releases_after_stable_period(h: Harness) -> None:
    flap(h, 0, 4)  # alarm, clear, alarm, clear: 4 transitions
    assert h.active("flapping", device="s1") is None
    h.send("smoke", "s1", "alarm", 40)  # the 5th, within 600 s
    flapping = h.active("flapping", device="s1")
    assert flapping is not None and flapping.severity == "warning"
    assert h.notified("flapping") == [("opened", "send")]
    h.send("smoke", "s1", "alarm_clear", 50)
    h.send("smoke", "s1", "alarm", 60)
    smoke_notes = [
        c.notify for c in h.changes if c.alarm.kind == "smoke" and c.action in ("opened", "cleared")
    ]
    assert smoke_notes == ["send"] * 5 + ["hold", "hold"]  # further notifications held back
    h.send("smoke", "s1", "alarm_clear", 70)
    h.advance(70 + 599.999)
    assert h.active("flapping", device="s1") is not None
    h.advance(70 + 600)
    assert h.active("flapping", device="s1") is None
    h.send("smoke", "s1", "alarm", 2000)
    assert h.notified("smoke")[-1] == ("opened", "send")  # released


def test_slow_transitions_are_not_flapping(h: Harness) -> None:
    flap(h, 0, 8, step=151)  # 5 transitions never fall within 600 s
    assert h.active("flapping", device="s1") is None


# ---- acknowledgement and reminders ----------------------------------------------------


def test_critical_alarms_are_reminded_until_acknowledged(h: Harness) -> None:
    h.send("gas", "g1", "reading", 0, lel_pct=60.0)
    h.advance(59.999)
    assert h.notified("gas") == [("opened", "send")]
    for second in range(60, 186):  # the gateway advances the engine at least every second
        h.advance(second)
    reminded = [c.at_ms for c in h.changes if c.alarm.kind == "gas" and c.action == "reminder"]
    assert reminded == [h.ms(60), h.ms(120), h.ms(180)]
    assert h.notified("gas") == [("opened", "send")] + [("reminder", "send")] * 3
    alarm = h.active("gas", device="g1")
    assert alarm is not None
    acked = h.engine.acknowledge(alarm.id, verdict="real", note="已关阀", by="duty", now=h.ms(190))
    assert (
        acked.acknowledged_ms == h.ms(190)
        and acked.verdict == "real"
        and acked.ack_note == "已关阀"
    )
    h.advance(1000)
    assert [a for a, _ in h.notified("gas")].count("reminder") == 3
    with pytest.raises(AlarmError, match="already acknowledged"):
        h.engine.acknowledge(alarm.id, verdict="real", note=None, by="duty", now=h.ms(1001))


def test_warnings_are_not_reminded(h: Harness) -> None:
    h.send("gas", "g1", "reading", 0, lel_pct=30.0)
    h.advance(3600)
    assert h.notified("gas") == [("opened", "send")]


def test_cleared_alarms_can_be_acknowledged_with_a_verdict(h: Harness) -> None:
    h.send("smoke", "s1", "alarm", 0)
    cleared = h.send("smoke", "s1", "alarm_clear", 5)[0].alarm
    acked = h.engine.acknowledge(
        cleared, verdict="false_alarm", note="灰尘", by="duty", now=h.ms(30)
    )
    assert acked.status == "cleared" and acked.verdict == "false_alarm"
    assert h.engine.take_changes()[-1].action == "acknowledged"
