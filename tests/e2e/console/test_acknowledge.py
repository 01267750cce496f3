"""Points 3, 4 and 5: the keyboard path from a new alarm to its acknowledgement; no way to
acknowledge without choosing a verdict; clearing through an in-page dialog with a required
reason; who acknowledged and cleared it, and when; the sound prompt and the selection and
filters surviving a reload."""

from __future__ import annotations

import pytest

from tests.e2e.console.conftest import Console


@pytest.mark.services
def test_keyboard_from_a_new_alarm_to_its_acknowledgement(console: Console, building: str) -> None:
    console.building(building, name="金泰里9号楼")
    page = console.page()
    console.sign_in(page, console.token("duty"))
    assert "J / K" in page.inner_text("[data-testid=keys-hint]")
    page.wait_for_selector("[data-testid=live]:not([hidden])")
    console.fire(building)
    page.wait_for_selector("[data-testid=alarm-fire]", timeout=5000)
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.dataset.kind") == "fire"
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=ack-form]")
    page.keyboard.press("a")
    assert page.evaluate("document.activeElement.dataset.testid") == "ack-form"
    page.keyboard.press("2")  # 误报
    page.wait_for_selector("[data-testid=acked]")
    fire = console.gateway.get("/api/v1/alarms", building=building, kind="fire")["items"][0]
    assert fire["verdict"] == "false_alarm" and fire["acknowledged_by"] == "duty test"
    detail = page.inner_text("[data-testid=alarm-detail]")
    assert "确认人" in detail and "duty test" in detail and "确认时间" in detail
    # The smoke alarms it was built from sit under it, not beside it.
    assert page.locator("#alarm-list > li").count() == 1
    assert page.locator("#alarm-list [data-testid=nested] [data-testid=alarm-smoke]").count() == 2


@pytest.mark.services
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_no_acknowledgement_without_a_verdict_and_clearing_needs_a_reason(
    console: Console, building: str, width: str
) -> None:
    console.building(building, name="金泰里9号楼", manager_contact="王经理 138-0000-1234")
    console.fire(building)
    page = console.page(width)
    console.sign_in(page, console.token("duty"))
    page.click("[data-testid=alarm-fire]")
    form = page.wait_for_selector("[data-testid=ack-form]")
    if width == "phone":  # the tap brought the detail into view
        page.wait_for_function(
            "() => Math.abs(document.querySelector('#alarm-detail')"
            ".getBoundingClientRect().top) < 200"
        )
    assert page.get_attribute("[data-testid=tel]", "href") == "tel:13800001234"
    # Three verdicts, none chosen; nothing that submits without one.
    verdicts = page.locator("[data-testid=ack-form] [data-verdict]").evaluate_all(
        "bs => bs.map(b => b.dataset.verdict + ':' + b.textContent.trim())"
    )
    assert verdicts == ["real:1 真实", "false_alarm:2 误报", "test:3 测试"]
    assert form.query_selector("form, [type=submit], select") is None
    page.fill("[data-testid=ack-note]", "已到场")
    page.press("[data-testid=ack-note]", "Enter")
    page.press("[data-testid=ack-note]", "Control+Enter")
    page.keyboard.press("a")  # typing in the note: no shortcut
    fire = console.gateway.get("/api/v1/alarms", building=building, kind="fire")["items"][0]
    assert fire["acknowledged_at"] is None
    # Clearing is offered only once acknowledged.
    assert page.locator("[data-testid=clear]").count() == 0
    assert "请先确认" in page.inner_text("[data-testid=alarm-detail]")
    console.shot(page, f"acknowledge-zh-{width}")

    page.click("[data-testid=verdict-real]")
    page.wait_for_selector("[data-testid=acked]")
    page.click("[data-testid=clear]")
    page.wait_for_selector("[data-testid=dialog][open] [data-testid=clear-form]")
    page.click("[data-testid=clear-submit]")  # no reason
    page.wait_for_selector("[data-testid=dialog] [data-testid=form-error]")
    assert "请填写解除原因" in page.inner_text("[data-testid=dialog]")
    assert console.gateway.get(f"/api/v1/alarms/{fire['id']}")["status"] == "active"
    console.shot(page, f"clear-dialog-zh-{width}")
    page.fill("[data-testid=clear-reason]", "现场确认为炊烟，已复位")
    page.click("[data-testid=clear-submit]")
    page.wait_for_selector("[data-testid=dialog]:not([open])", state="attached")
    page.wait_for_selector("#alarm-list [data-testid=alarm-fire]", state="detached")
    cleared = console.gateway.get(f"/api/v1/alarms/{fire['id']}")
    assert cleared["status"] == "cleared" and cleared["clear_note"] == "现场确认为炊烟，已复位"
    page.wait_for_function(
        "() => document.querySelector('#alarm-detail').innerText.includes('解除人')"
    )
    detail = page.inner_text("[data-testid=alarm-detail]")
    assert "解除时间" in detail and "现场确认为炊烟" in detail and "duty test" in detail


@pytest.mark.services
def test_a_reload_asks_for_sound_and_comes_back_to_the_same_alarm_and_filters(
    console: Console, building: str
) -> None:
    console.building(building, name="金泰里9号楼")
    console.fire(building)
    page = console.page()
    console.sign_in(page, console.token("duty"))
    page.click("[data-testid=alarm-fire]")
    page.wait_for_selector("[data-testid=ack-form]")
    page.select_option("[data-testid=ticket-status]", "closed")
    page.check("[data-testid=ticket-overdue]")
    page.fill("[data-testid=ticket-search]", "电动车")
    fire_id = page.get_attribute("[data-testid=alarm-fire]", "data-id")
    assert f"alarm={fire_id}" in page.url and "ts=closed" in page.url

    page.reload()
    # Blocking: the sound prompt is a modal dialog; nothing behind it takes a click.
    page.wait_for_selector("[data-testid=sound-dialog][open]")
    assert page.evaluate("document.querySelector('#sound-dialog').matches(':modal')")
    assert "点击开启报警声音" in page.inner_text("[data-testid=sound-dialog]")
    console.shot(page, "sound-prompt-zh-desktop")
    page.click("[data-testid=enable-sound]")
    page.wait_for_selector("[data-testid=ack-form]")
    assert page.get_attribute("[data-testid=alarm-detail]", "data-alarm") == fire_id
    assert page.input_value("[data-testid=ticket-status]") == "closed"
    assert page.is_checked("[data-testid=ticket-overdue]")
    assert page.input_value("[data-testid=ticket-search]") == "电动车"
    assert "alarm--selected" not in page.url
    assert page.locator(f"[data-id='{fire_id}'].selected").count() == 1
