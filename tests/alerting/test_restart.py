"""An engine rebuilt from what the store holds carries on as if it had never stopped."""

from __future__ import annotations

from alerting.model import Alarm
from alerting.rule_engine import RuleEngine
from core.config import AlertingConfig, DevicesConfig, NotifyConfig
from core.ids import IdFactory
from tests.alerting.harness import Harness


def rebuilt(h: Harness, *, seen: list[tuple[str, str, str, int]], now: float) -> Harness:
    """What the gateway does at start-up: active alarms, rule state, devices' last messages."""
    alarms: dict[str, Alarm] = {}
    for change in h.changes:
        alarms[change.alarm.id] = change.alarm
    states = h.engine.take_states()
    fresh = Harness()
    fresh.engine = RuleEngine(
        rules=AlertingConfig(),
        devices=DevicesConfig(),
        repeat_critical_s=NotifyConfig().repeat_critical_s,
        ids=IdFactory(),
    )
    fresh.engine.restore(
        alarms=[a for a in alarms.values() if a.active], states=states, seen=seen, now=h.ms(now)
    )
    return fresh


def test_fire_hold_and_offline_lease_fire_after_a_restart() -> None:
    h = Harness()
    h.send("smoke", "s1", "alarm", 0)
    h.send("gas", "g1", "heartbeat", 0)
    after = rebuilt(h, seen=[("B1", "g1", "gas", h.ms(0))], now=30)
    after.advance(59.999)
    assert after.active("fire") is None
    after.advance(60)
    assert after.active("fire") is not None
    after.advance(899.999)
    assert after.active("device_offline", device="g1") is None
    after.advance(900)
    assert after.active("device_offline", device="g1") is not None


def test_an_overdue_timer_fires_once_at_restart_and_alarms_are_not_duplicated() -> None:
    h = Harness()
    first = h.send("smoke", "s1", "alarm", 0)[0].alarm
    after = rebuilt(h, seen=[], now=300)  # the hold was due at 60, during the outage
    after.advance(300)
    fire = after.active("fire")
    assert fire is not None and fire.opened_ms == h.ms(60)
    after.send("smoke", "s1", "alarm", 301)
    smoke = after.active("smoke", device="s1")
    assert smoke is not None and smoke.id == first.id and smoke.count == 2
    # Opened once; of the reminders due during the outage, one catches up, at restart.
    fire_changes = [(c.action, c.at_ms) for c in after.changes if c.alarm.kind == "fire"]
    assert fire_changes == [("opened", h.ms(60)), ("reminder", h.ms(300))]
    after.advance(359.999)
    assert len([c for c in after.changes if c.alarm.kind == "fire"]) == 2
    after.advance(360)
    assert [c.action for c in after.changes if c.alarm.kind == "fire"][-1] == "reminder"


def test_a_hold_spent_before_the_restart_does_not_fire_again() -> None:
    h = Harness()
    h.send("smoke", "s1", "alarm", 0)
    h.advance(60)
    fire = h.active("fire")
    assert fire is not None
    h.engine.clear(fire.id, note=None, by="duty", now=h.ms(100))
    h.advance(100)  # collects the clear
    after = rebuilt(h, seen=[], now=200)
    after.advance(1000)
    assert after.active("fire") is None


def test_windows_and_reminders_continue_across_a_restart() -> None:
    h = Harness()
    h.send("smoke", "s1", "alarm", 0)
    h.send("smoke", "s1", "alarm_clear", 5)
    h.send("gas", "g9", "reading", 10, lel_pct=70.0, building="B2")
    for t in (0, 10, 20, 30):
        h.send("ebike", "e1", "ebike_detected", t, confidence=0.9, building="B3")
    after = rebuilt(h, seen=[], now=40)
    after.send("ebike", "e1", "ebike_detected", 50, confidence=0.9, building="B3")
    assert after.active("ebike_hotspot", "B3", "e1") is not None  # the 5th within the window
    after.advance(70)
    after.send("smoke", "s2", "alarm", 100)  # within 120 s of s1, which the state remembers
    assert after.active("fire") is not None
    after.advance(130)
    reminders = [c.at_ms for c in after.changes if c.alarm.kind == "gas" and c.action == "reminder"]
    assert reminders == [h.ms(70), h.ms(130)]  # 60 s after the opening, then every 60 s


def test_hotspot_and_flapping_clear_on_time_after_a_restart() -> None:
    """Their quiet timers are set again from the rule state: the last detection, the last
    transition, not the restart."""
    h = Harness()
    for t in (0, 10, 20, 30, 40):
        h.send("ebike", "e1", "ebike_detected", t, confidence=0.9, building="B3")
    for t in range(0, 50, 10):  # alarm, clear, alarm, clear, alarm: 5 transitions
        h.send("smoke", "s1", "alarm" if t % 20 == 0 else "alarm_clear", t)
    h.send("smoke", "s1", "alarm_clear", 70)
    assert h.active("ebike_hotspot", "B3", "e1") is not None
    assert h.active("flapping", device="s1") is not None
    after = rebuilt(h, seen=[], now=100)
    after.advance(70 + 599.999)
    assert after.active("flapping", device="s1") is not None
    after.advance(70 + 600)
    assert after.active("flapping", device="s1") is None
    after.advance(40 + 3599.999)
    assert after.active("ebike_hotspot", "B3", "e1") is not None
    after.advance(40 + 3600)
    assert after.active("ebike_hotspot", "B3", "e1") is None
