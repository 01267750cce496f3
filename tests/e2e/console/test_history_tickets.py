"""Points 6 to 9: the alarm history (a period, a building, a kind) with a fire's smoke alarms
nested under it; alarms and tickets linked both ways; a ticket's detail with its timeline
and escalation; ticket filters, time left and the assignee picker; errors told in the page's
language; the language switch redrawing an open detail and dialog."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.console.conftest import Console
from tests.support.barrier import barrier
from tests.support.mqtt import Publisher, topic


def cleared_fire(console: Console, building: str, duty: str) -> dict[str, Any]:
    with Publisher(console.mosquitto.url) as pub:
        for device in ("s1", "s2"):
            pub.publish(topic(building, "smoke", f"{building}-{device}"), {"type": "alarm"})
        barrier(console.gateway, pub)
    fire: dict[str, Any] = console.gateway.get("/api/v1/alarms", building=building, kind="fire")[
        "items"
    ][0]
    for action, body in (
        ("ack", {"verdict": "real", "note": "119 到场"}),
        ("clear", {"note": "火已扑灭"}),
    ):
        done = console.gateway.call(
            "POST", f"/api/v1/alarms/{fire['id']}/{action}", token=duty, json=body
        )
        assert done.status_code == 200, done.text
    with Publisher(console.mosquitto.url) as pub:
        for device in ("s1", "s2"):
            pub.publish(topic(building, "smoke", f"{building}-{device}"), {"type": "alarm_clear"})
        barrier(console.gateway, pub)
    return fire


@pytest.mark.services
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_history_nests_the_fire_and_links_alarm_and_ticket_both_ways(
    console: Console, building: str, width: str
) -> None:
    console.building(building, name="金泰里9号楼")
    duty = console.token("duty")
    fire = cleared_fire(console, building, duty)
    assert fire["ticket_id"]
    page = console.page(width)
    console.sign_in(page, duty)
    assert page.locator("#alarm-list [data-testid=alarm-fire]").count() == 0  # not live
    page.click("[data-testid=nav-history]")
    page.wait_for_selector("#history-list [data-testid=alarm-fire]")
    assert page.locator("#history-list > li").count() == 1  # the fire, its smoke alarms under it
    assert page.locator("#history-list [data-testid=nested] [data-testid=alarm-smoke]").count() == 2
    page.click("#history-list [data-testid=alarm-fire]")
    page.wait_for_selector("#history-detail [data-testid=alarm-ticket]")
    detail = page.inner_text("#history-detail")
    assert "解除人" in detail and "火已扑灭" in detail and "确认人" in detail

    page.click("#history-detail [data-testid=alarm-ticket]")  # alarm -> ticket
    page.wait_for_selector("[data-testid=dialog][open] [data-testid=ticket-timeline]")
    assert fire["ticket_id"] in page.url
    dialog = page.inner_text("[data-testid=dialog]")
    assert "处理记录" in dialog and "超期升级" in dialog and "函告" in dialog
    page.click("[data-testid=dialog] [data-testid=ticket-alarm]")  # ticket -> alarm
    page.wait_for_selector("[data-testid=dialog]:not([open])", state="attached")
    page.wait_for_function(
        f"() => document.querySelector('#history-detail').dataset.alarm === '{fire['id']}'"
    )

    # The filters: a kind, then a period with nothing in it.
    page.select_option("[data-testid=history-kind]", "smoke")
    page.click("[data-testid=history-search]")
    # Before the answer the fire is still listed with its two smoke alarms nested: wait for
    # the list that has the smoke alarms and no fire.
    page.wait_for_function(
        "() => document.querySelectorAll('#history-list [data-testid=alarm-smoke]').length === 2"
        " && !document.querySelector('#history-list [data-testid=alarm-fire]')"
    )
    assert "hk=smoke" in page.url
    page.fill("[data-testid=history-from]", "2020-01-01T00:00")
    page.fill("[data-testid=history-to]", "2020-01-02T00:00")
    page.click("[data-testid=history-search]")
    page.wait_for_selector("#history-none:not([hidden])")
    assert "没有符合条件的报警" in page.inner_text("#history-none")


@pytest.mark.services
def test_ticket_filters_time_left_and_the_assignee_picker(console: Console, building: str) -> None:
    other = f"{building}-2"
    console.building(building, name="金泰里9号楼")
    console.building(other, name="新兴家园5号楼")
    duty = console.token("duty")
    for title, where, category, due in (
        ("楼道堆放电动车", building, "inspection", "2026-01-01T00:00:00Z"),
        ("消防通道堵塞", building, "fire", "2099-01-01T00:00:00Z"),
        ("电动车充电", other, "ebike", "2099-01-01T00:00:00Z"),
    ):
        made = console.gateway.call(
            "POST", "/api/v1/tickets", token=duty,
            json={"title": title, "category": category, "building_id": where,
                  "responsible": f"{where} 物业", "due_at": due},
        )  # fmt: skip
        assert made.status_code == 201, made.text
    page = console.page()
    console.sign_in(page, duty)

    def titles() -> list[str]:
        page.wait_for_timeout(300)
        found: list[str] = page.locator("#ticket-list [data-testid=ticket-open]").all_inner_texts()
        return sorted(found)

    page.wait_for_selector("#ticket-list [data-testid=ticket-open]")
    assert titles() == ["楼道堆放电动车", "消防通道堵塞", "电动车充电"]
    late = page.locator("#ticket-list li", has_text="楼道堆放电动车")
    assert "已超期" in late.inner_text() and "late" in (late.get_attribute("class") or "")
    assert late.locator(".due").evaluate("d => getComputedStyle(d).color") == "rgb(179, 18, 42)"
    assert "剩余" in page.inner_text("#ticket-list li:has-text('消防通道堵塞')")
    page.check("[data-testid=ticket-overdue]")
    assert titles() == ["楼道堆放电动车"]
    page.uncheck("[data-testid=ticket-overdue]")
    page.select_option("[data-testid=ticket-building]", other)
    assert titles() == ["电动车充电"]
    page.select_option("[data-testid=ticket-building]", "")
    page.select_option("[data-testid=ticket-category]", "fire")
    assert titles() == ["消防通道堵塞"]
    page.select_option("[data-testid=ticket-category]", "")
    page.fill("[data-testid=ticket-search]", "电动车")
    assert titles() == ["楼道堆放电动车", "电动车充电"]
    page.fill("[data-testid=ticket-search]", "通道")
    assert titles() == ["消防通道堵塞"]

    # 派发: an in-page form with the responsibles seen so far, or anyone typed in.
    page.click("#ticket-list [data-testid=move-assigned]")
    page.wait_for_selector("[data-testid=move-form]")
    options = page.locator("[data-testid=move-form] datalist option").evaluate_all(
        "os => os.map(o => o.value)"
    )
    assert f"{building} 物业" in options and f"{other} 物业" in options
    page.fill("[data-testid=move-responsible]", "金泰里维修班")
    page.fill("[data-testid=move-note]", "今天下午清理")
    page.click("[data-testid=move-submit]")
    page.wait_for_selector("#ticket-list [data-testid=move-rectifying]")
    ticket = console.gateway.get("/api/v1/tickets", building=building, category="fire")["items"][0]
    assert ticket["status"] == "assigned" and ticket["responsible"] == "金泰里维修班"
    # Work, hand in, then close: one form each, and closing needs its note.
    page.click("#ticket-list [data-testid=move-rectifying]")
    page.click("[data-testid=move-submit]")
    page.click("#ticket-list [data-testid=move-review]")
    page.click("[data-testid=move-submit]")
    page.click("#ticket-list [data-testid=move-closed]")
    page.click("[data-testid=move-submit]")
    page.wait_for_selector("[data-testid=move-form] [data-testid=form-error]")
    page.fill("[data-testid=move-note]", "已清理，复查合格")
    page.click("[data-testid=move-submit]")
    page.wait_for_selector("#ticket-list li:has-text('消防通道堵塞')", state="detached")
    page.select_option("[data-testid=ticket-status]", "closed")
    page.wait_for_selector("#ticket-list [data-testid=ticket-open]")
    page.click("#ticket-list [data-testid=ticket-open]")
    timeline = page.inner_text("[data-testid=ticket-timeline]")
    assert "已清理，复查合格" in timeline and "今天下午清理" in timeline and "duty test" in timeline
    console.shot(page, "ticket-closed-zh-desktop")


@pytest.mark.services
def test_errors_are_told_in_the_page_and_its_language(console: Console, building: str) -> None:
    console.building(building, name="金泰里9号楼")
    console.fire(building)
    page = console.page()
    console.sign_in(page, console.token("duty"))
    page.click("[data-testid=alarm-fire]")
    page.wait_for_selector("[data-testid=ack-form]")
    # The server refuses (here: a stand-in answer), in English: the page says it in Chinese.
    page.route(
        "**/ack",
        lambda route: route.fulfill(status=409, json={"detail": "alarm is already acknowledged"}),
    )
    page.click("[data-testid=verdict-real]")
    error = page.wait_for_selector("[data-testid=ack-form] [data-testid=form-error]")
    assert (
        "冲突" in error.inner_text()
        and "服务器说明：alarm is already acknowledged" in error.inner_text()
    )
    page.unroute("**/ack")
    # No server at all: said so, and the verdict can be given again once it is back.
    console.gateway.stop()
    page.click("[data-testid=verdict-test]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=ack-form]').innerText"
        ".includes('无法连接服务器')"
    )
    assert page.is_enabled("[data-testid=verdict-test]")
    page.click("[data-testid=lang]")  # the language switch redraws the open detail
    page.wait_for_function(
        "() => document.querySelector('#alarm-detail h2').textContent.startsWith('Fire confirmed')"
    )
    assert "Acknowledge" in page.inner_text("[data-testid=ack-form]")
    console.gateway.start()
    # The page reconnects by itself (back-off up to 10 s), perhaps already while the gateway
    # started; "reconnect now" only hurries it, so it is pressed only while it is shown.
    page.evaluate(
        "() => { const b = document.querySelector('[data-testid=conn-now]');"
        " if (b && b.offsetParent !== null) b.click(); }"
    )
    page.wait_for_selector("[data-testid=conn-banner]", state="hidden", timeout=20000)
    page.click("[data-testid=verdict-test]")
    page.wait_for_selector("[data-testid=acked]")
    page.click("[data-testid=alarm-ticket]")
    page.wait_for_selector("[data-testid=dialog][open] [data-testid=ticket-timeline]")
    assert "Timeline" in page.inner_text("[data-testid=dialog]")


def test_a_ticket_shows_its_place_in_the_hazard_register(console: Console, building: str) -> None:
    """Classified major with its criterion, supervised (挂牌督办) and referred (移送): the
    detail says so, and the timeline shows those lines as register changes, not escalations."""
    console.building(building, name="金泰里9号楼", venue_type="restaurant")
    duty = console.token("duty")
    made = console.gateway.call(
        "POST", "/api/v1/tickets", token=duty,
        json={"title": "后厨燃气软管老化", "category": "gas", "building_id": building,
              "hazard_class": "major", "hazard_criterion": "GB 35181-2017 第6.3条"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    ticket_id = made.json()["id"]
    for path, body in (
        ("supervise", {"due_at": "2099-01-01T00:00:00Z", "note": "街道挂牌"}),
        ("refer", {"department": "区市场监管局", "note": "燃气具"}),
    ):
        answer = console.gateway.call(
            "POST", f"/api/v1/tickets/{ticket_id}/{path}", token=duty, json=body
        )
        assert answer.status_code == 200, answer.text
    page = console.page()
    console.sign_in(page, duty)
    page.wait_for_selector("#ticket-list [data-testid=ticket-open]")
    page.click("#ticket-list [data-testid=ticket-open]")
    page.wait_for_selector("[data-testid=dialog][open] [data-testid=ticket-timeline]")
    detail = page.inner_text("[data-testid=dialog][open]")
    assert "重大事故隐患（GB 35181-2017 第6.3条）" in detail
    assert "人工录入" in detail and "区市场监管局" in detail
    timeline = page.inner_text("[data-testid=ticket-timeline]")
    assert timeline.count("隐患台账") == 2  # supervised, referred
    assert "挂牌督办" in timeline and "移送 区市场监管局" in timeline
    assert "升级为" not in timeline
    console.shot(page, "ticket-register-zh-desktop")
