"""Every value the product can show has a name in both languages, in one table."""

from __future__ import annotations

from alerting import labels
from alerting.model import KINDS, TICKET_CATEGORY, Alarm
from alerting.tickets import CATEGORIES, STATUSES, title_for


def test_every_kind_category_and_status_is_named_in_chinese_and_english() -> None:
    assert set(labels.KIND) == set(KINDS)
    assert set(labels.CATEGORY) == set(CATEGORIES) >= set(TICKET_CATEGORY.values())
    assert set(labels.STATUS) == set(STATUSES)
    for table in (labels.KIND, labels.SEVERITY, labels.CATEGORY, labels.STATUS):
        for label in table.values():
            assert label.zh and label.en and label.zh != label.en


def test_a_value_newer_than_the_table_shows_as_itself() -> None:
    assert labels.zh(labels.KIND, "fire") == "火警确认"
    assert labels.zh(labels.KIND, "co_alarm") == "co_alarm"


def test_ticket_titles_use_the_table() -> None:
    for kind, suffix in (("fire", ""), ("gas", "（严重）")):
        alarm = Alarm(
            id="A1", kind=kind, severity="critical", status="active", building_id="B1",
            device_id="d1", device_ids=("d1",), opened_ms=1, updated_ms=1,
        )  # fmt: skip
        assert title_for(alarm, "金泰里9号楼").startswith(labels.KIND[kind].zh + suffix + "：")
