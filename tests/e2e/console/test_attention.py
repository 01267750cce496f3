"""Point 2: a critical alarm reaches the officer on any view. Raised while they read the
reports, it puts its count in the tab's title, a sticky red strip with a jump to it, and a
browser notification (or, with notifications refused, a lasting card in the page); the row
itself is solid red until acknowledged."""

from __future__ import annotations

import pytest

from tests.e2e.console.conftest import Console

RED = "rgb(179, 18, 42)"


@pytest.mark.services
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_critical_alarm_raised_on_the_reports_view_reaches_the_officer(
    console: Console, building: str, width: str
) -> None:
    console.building(building, name="新兴家园5号楼")
    page = console.page(width, notifications="granted")
    console.sign_in(page, console.token("duty"))
    page.wait_for_selector("[data-testid=live]:not([hidden])")
    assert page.title() == "安全卫士"
    page.click("[data-testid=reports-open]")
    page.wait_for_selector("#reports:not([hidden])")

    console.publish(
        building, "gas", f"{building}-g1", {"type": "reading", "lel_pct": 62}, "telemetry"
    )
    page.wait_for_selector("[data-testid=attention]:not([hidden])", timeout=5000)
    assert page.title() == "(1) 严重报警 · 安全卫士"
    strip = page.inner_text("[data-testid=attention]")
    assert "1 条严重报警未确认" in strip and "新兴家园5号楼" in strip
    notes = page.evaluate("window.__notes")
    assert (
        len(notes) == 1 and "严重报警" in notes[0]["title"] and notes[0]["body"] == "新兴家园5号楼"
    )
    console.shot(page, f"attention-reports-zh-{width}")
    # Sticky: still at the top with the page scrolled to its end.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    header = page.evaluate("document.querySelector('header').offsetHeight - window.scrollY")
    assert abs(page.locator("[data-testid=attention]").bounding_box()["y"] - max(0, header)) <= 1

    page.click("[data-testid=attention-go]")
    page.wait_for_selector("#duty:not([hidden])")
    page.wait_for_selector("[data-testid=ack-form]")
    row = page.locator("#alarm-list [data-testid=alarm-gas]")
    assert "unacked" in (row.get_attribute("class") or "")
    assert row.evaluate("r => getComputedStyle(r).backgroundColor") == RED
    assert "alarm=" in page.url and "view=alarms" in page.url
    if width == "phone":  # the jump brings the detail into view
        page.wait_for_function(
            "() => document.querySelector('#alarm-detail')"
            ".getBoundingClientRect().top < innerHeight"
        )
    # A second one: the count follows, one more notification.
    console.publish(
        building, "gas", f"{building}-g2", {"type": "reading", "lel_pct": 70}, "telemetry"
    )
    page.wait_for_function("() => document.title === '(2) 严重报警 · 安全卫士'")
    assert len(page.evaluate("window.__notes")) == 2
    page.click("[data-testid=lang]")
    assert page.title() == "(2) Critical alarms · SiteGuard"
    assert "2 critical alarms unacknowledged" in page.inner_text("[data-testid=attention]")


@pytest.mark.services
def test_with_notifications_refused_the_page_itself_announces_the_alarm(
    console: Console, building: str
) -> None:
    console.building(building, name="金泰里9号楼")
    page = console.page("desktop", notifications="denied")
    console.sign_in(page, console.token("duty"))
    page.wait_for_selector("[data-testid=notify-off]")
    page.click("[data-testid=nav-history]")
    console.fire(building)
    card = page.wait_for_selector("[data-testid=alarm-notice]", timeout=5000)
    assert "新的严重报警" in card.inner_text() and "金泰里9号楼" in card.inner_text()
    assert page.evaluate("window.__notes") == []
    card.query_selector("button").click()  # 查看: to the alarm
    page.wait_for_selector("#duty:not([hidden]) [data-testid=ack-form]")
    assert page.title() == "(1) 严重报警 · 安全卫士"
