"""A channel's queue: critical first, the rate limit kept, minor notices merged into digests,
retries waiting their turn. Pure, on explicit times (ms). (The same through the dispatcher:
test_dispatcher.py.)"""

from __future__ import annotations

from alerting.model import Alarm
from gateway.notification import Notification
from gateway.notify import text
from gateway.notify.queue import ChannelQueue, Entry
from gateway.notify.webhook import body


def notice(i: int, kind: str = "device_offline", severity: str = "warning") -> Notification:
    alarm = Alarm(
        id=f"A{i}",
        kind=kind,
        severity=severity,
        status="active",
        building_id="B1",
        device_id=f"d{i}",
        device_ids=(f"d{i}",),
        opened_ms=i,
        updated_ms=i,
    )
    return Notification(id=f"N{i}", reason="opened", created_ms=i, alarm=alarm)


def ids(taken: list[Entry] | int | None) -> list[str]:
    assert isinstance(taken, list), taken
    return [e.notification.id for e in taken]


def test_critical_goes_first_whatever_arrived_before_it() -> None:
    queue = ChannelQueue(per_minute=None)
    for i in range(3):
        queue.put(notice(i), now_ms=0)
    queue.put(notice(9, "fire", "critical"), now_ms=1)
    assert ids(queue.take(1)) == ["N9"]
    assert [ids(queue.take(1)) for _ in range(3)] == [
        ["N0"],
        ["N1"],
        ["N2"],
    ]  # no limit: one by one
    assert queue.take(1) is None


def test_a_storm_on_a_rate_limited_channel_becomes_a_digest_and_a_fire_still_goes_at_once() -> None:
    queue = ChannelQueue(per_minute=20)  # a DingTalk robot; 5 of each minute kept for critical
    now = 0
    sent: list[list[str]] = []
    # Offline notices trickle in and go one by one while the minute has room for them...
    for i in range(15):
        queue.put(notice(i), now_ms=now)
        sent.append(ids(queue.take(now)))
        now += 100
    assert sent == [[f"N{i}"] for i in range(15)]
    # ...then the storm: 285 more, faster than the limit allows.
    for i in range(15, 300):
        queue.put(notice(i), now_ms=now)
    wait = queue.take(now)
    assert isinstance(wait, int) and wait > 0  # only the critical reserve is left
    # A fire now: it uses the reserve at once, ahead of the 285.
    queue.put(notice(999, "fire", "critical"), now_ms=now)
    assert ids(queue.take(now)) == ["N999"]
    # When a minor slot frees up again, the storm leaves as a digest (at most 200 a digest).
    wait = queue.take(now)
    assert isinstance(wait, int) and wait > 0
    later = now + wait
    assert isinstance(queue.take(later - 1), int)
    assert ids(queue.take(later)) == [f"N{i}" for i in range(15, 215)]
    assert len(queue) == 85


def test_the_window_is_never_exceeded() -> None:
    queue = ChannelQueue(per_minute=20)
    sends: list[int] = []
    now = 0
    for i in range(100):
        queue.put(notice(i, "fire", "critical"), now_ms=0)  # critical: never merged
    while len(queue):
        taken = queue.take(now)
        if isinstance(taken, list):
            sends.append(now)
        else:
            assert isinstance(taken, int)
            now += taken
    assert len(sends) == 100
    assert all(sends[i + 20] - sends[i] >= 60_000 for i in range(len(sends) - 20))


def test_a_retry_waits_its_time_without_holding_up_others() -> None:
    queue = ChannelQueue(per_minute=None)
    queue.put(notice(1), now_ms=0)
    (failed,) = queue.take(0)  # type: ignore[misc]
    queue.retry(failed, at_ms=5_000)
    queue.put(notice(2), now_ms=10)
    assert ids(queue.take(10)) == ["N2"]
    assert queue.take(10) == 4_990
    assert ids(queue.take(5_000)) == ["N1"]


def test_digest_text_names_each_notice_and_counts_the_rest() -> None:
    parts = (*(notice(i) for i in range(40)), notice(50, "low_battery", "info"))
    digest = Notification(id="digest-N0-41", reason="digest", created_ms=0, digest=parts)
    assert digest.subject == "digest" and digest.severity == "warning"
    assert text.title(digest) == "【汇总】41条通知：设备离线 40、设备电量低 1"
    lines = text.lines(digest)
    assert len([line for line in lines if "设备离线" in line]) == text.DIGEST_LINES
    assert "另有 11 条" in lines[text.DIGEST_LINES]
    assert [item["id"] for item in body(digest, None)["items"]] == [p.id for p in parts]
