"""A member of the public at phone width (举报): opens the building's page, reports a hazard with
a photo, gets a tracking code and follows it; the duty officer's console shows the ticket it
opened, live; moving the ticket shows on the reporter's status page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.console.conftest import Console
from tests.e2e.console.test_inspections import png


@pytest.mark.services
def test_a_public_report_with_a_photo_reaches_the_duty_console_and_can_be_followed(
    console: Console, building: str, tmp_path: Path
) -> None:
    console.building(building, name="金泰里3号楼", community="东园")
    duty = console.page("desktop")
    duty_token = console.token("duty")
    console.sign_in(duty, duty_token)
    duty.wait_for_selector("[data-testid=ticket-list]")

    phone = console.page("phone", axe=True)
    phone.goto(f"{console.base}/r/{building}")
    assert phone.inner_text("[data-testid=building-name]") == "金泰里3号楼"
    phone.check("input[value=ebike_charging]")
    phone.fill("[data-testid=report-text]", "2单元楼道里每天晚上都有电动车充电")
    photo = tmp_path / "corridor.png"
    photo.write_bytes(png())
    phone.set_input_files("[data-testid=report-photo]", str(photo))
    phone.fill("[data-testid=report-contact]", "13800138000")
    console.shot(phone, "public-report-zh-phone")
    problems = console.axe(phone, "public report page, phone")
    phone.click("[data-testid=report-submit]")
    phone.wait_for_selector("[data-testid=report-done]:not([hidden])")
    code = phone.inner_text("[data-testid=report-code]")
    assert len(code) == 11
    phone.click("[data-testid=track-submit]")  # the code is filled in already
    phone.wait_for_selector("[data-testid=track-status]")
    assert "已受理" in phone.inner_text("[data-testid=track-status]")
    console.shot(phone, "public-done-zh-phone")
    problems += console.axe(phone, "public report done, phone")
    assert problems == []

    title = duty.locator("[data-testid=ticket-open]", has_text="群众举报：电动车室内或楼道充电")
    title.wait_for()
    (ticket,) = console.gateway.get("/api/v1/tickets", building=building, source="public")["items"]
    assert "13800138000" not in str(ticket)
    (stored,) = console.gateway.get("/api/v1/public-reports", building=building)["items"]
    assert stored["photo_id"] and stored["contact"] == "13800138000"
    moved = console.gateway.call(
        "POST", f"/api/v1/tickets/{ticket['id']}/transition", token=duty_token,
        json={"to": "assigned"},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    phone.click("[data-testid=track-submit]")
    phone.wait_for_selector("[data-testid=track-status]:has-text('已派发处理')")
    text = phone.inner_text("[data-testid=track-result]")
    assert "duty" not in text and "13800138000" not in text


@pytest.mark.services
def test_the_duty_console_shows_each_buildings_qr_code_for_its_lobby(
    console: Console, building: str
) -> None:
    console.building(building, name="金泰里3号楼", community="东园")
    page = console.page("desktop")
    console.sign_in(page, console.token("duty"))
    page.click("[data-testid=nav-devices]")
    card = page.locator("[data-testid=building-card]", has_text="金泰里3号楼")
    card.locator("[data-testid=qr-open]").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=qr-image]')?.naturalWidth > 100"
    )
    assert "举报二维码 · 金泰里3号楼" in page.inner_text("[data-testid=dialog]")
    console.shot(page, "qr-zh-desktop")
