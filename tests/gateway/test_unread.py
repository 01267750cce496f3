"""Unread fields: counted by product, said to the administrator once per product and day."""

from __future__ import annotations

from core.ids import IdFactory
from gateway.metrics import Metrics
from gateway.unread import UnreadFields

# 2026-11-30 10:00 in Shanghai; local midnight is 14 hours later.
MORNING = 1_796_004_000_000
NEXT_DAY = MORNING + 14 * 3_600_000 + 1


def test_once_per_product_per_local_day_with_the_count_so_far() -> None:
    metrics = Metrics()
    unread = UnreadFields(metrics=metrics, ids=IdFactory(), timezone="Asia/Shanghai")
    first = unread.seen("ctwing:15017088", ("foo",), "g1", MORNING)
    assert first is not None and first.notice is not None
    assert (first.subject, first.kind, first.notice.fields, first.notice.count) == (
        "notice", "unmapped", ("foo",), 1,
    )  # fmt: skip
    assert unread.seen("ctwing:15017088", ("foo",), "g2", MORNING + 60_000) is None
    other = unread.seen("iotda:p-9", ("bar",), "x", MORNING + 60_000)
    assert other is not None  # another product: its own notice
    again = unread.seen("ctwing:15017088", ("foo",), "g1", NEXT_DAY)
    assert again is not None and again.notice is not None and again.notice.count == 1
    counted = metrics.registry.get_sample_value(
        "siteguard_unmapped_messages_total", {"product": "ctwing:15017088"}
    )
    assert counted == 3


def test_a_restart_does_not_say_it_again_the_same_day() -> None:
    unread = UnreadFields(metrics=Metrics(), ids=IdFactory(), timezone="Asia/Shanghai")
    unread.restore(["ctwing:15017088"], now_ms=MORNING)
    assert unread.seen("ctwing:15017088", ("foo",), "g1", MORNING + 1) is None
    assert unread.day_start_ms(MORNING) == MORNING - 10 * 3_600_000


def test_a_flood_of_made_up_products_is_counted_not_noticed_one_by_one() -> None:
    unread = UnreadFields(metrics=Metrics(), ids=IdFactory(), timezone="Asia/Shanghai")
    notices = [unread.seen(f"p{i}", ("x",), "d1", 1_790_000_000_000) for i in range(500)]
    assert sum(n is not None for n in notices) == 200
