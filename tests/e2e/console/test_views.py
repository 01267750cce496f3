"""Every view at desktop (1400x900) and phone (390x844) width, in Chinese and English: a
screenshot of each (test-artifacts/console/<view>-<lang>-<width>.png) and axe-core over it,
with no serious or critical violation. On a phone: nothing wider than the screen, header
words whole, the device table keeps its location column."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.console.conftest import Console
from tests.support.barrier import barrier
from tests.support.mqtt import Publisher, topic


def street(console: Console, building: str) -> dict[str, str]:
    """A building with a cleared fire (history), an active critical gas alarm (the live
    view, the strip), a gas detector's readings and a hand-made overdue ticket."""
    console.building(
        building,
        name="金泰里9号楼",
        community="金泰里社区",
        address="东丽区张贵庄街道金泰里9号",
        property_company="金泰物业",
        manager_contact="王经理 138-0000-1234",
    )
    with Publisher(console.mosquitto.url) as pub:
        for i, level in enumerate((3.0, 5.5, 8.0, 12.0, 30.0)):
            pub.publish(
                topic(building, "gas", f"{building}-g1", "telemetry"),
                {"type": "reading", "lel_pct": level, "battery_pct": 90 - i},
            )
        for device in ("s1", "s2"):
            pub.publish(topic(building, "smoke", f"{building}-{device}"), {"type": "alarm"})
        barrier(console.gateway, pub)
    fire = console.gateway.get("/api/v1/alarms", building=building, kind="fire")["items"][0]
    duty = console.token("duty")
    ack = console.gateway.call(
        "POST", f"/api/v1/alarms/{fire['id']}/ack", token=duty,
        json={"verdict": "test", "note": "消防演练"},
    )  # fmt: skip
    assert ack.status_code == 200, ack.text
    clear = console.gateway.call(
        "POST", f"/api/v1/alarms/{fire['id']}/clear", token=duty, json={"note": "演练结束"}
    )
    assert clear.status_code == 200, clear.text
    with Publisher(console.mosquitto.url) as pub:
        for device in ("s1", "s2"):
            pub.publish(topic(building, "smoke", f"{building}-{device}"), {"type": "alarm_clear"})
        pub.publish(
            topic(building, "gas", f"{building}-g2", "telemetry"),
            {"type": "reading", "lel_pct": 58},
        )
        barrier(console.gateway, pub)
    ticket = console.gateway.call(
        "POST", "/api/v1/tickets", token=duty,
        json={"title": "楼道堆放电动车", "category": "inspection", "building_id": building,
              "responsible": "金泰物业", "due_at": "2026-01-01T00:00:00Z"},
    )  # fmt: skip
    assert ticket.status_code == 201, ticket.text
    return {"duty": duty, "fire": fire["id"], "ticket": ticket.json()["id"]}


def phone_checks(page: Any, where: str) -> list[str]:
    problems = []
    if page.evaluate("document.documentElement.scrollWidth") > 390:
        problems.append(f"{where}: wider than the phone")
    tall = page.locator("header button:visible").evaluate_all(
        "bs => bs.filter(b => b.getClientRects()[0].height > 40).map(b => b.textContent)"
    )
    if tall:
        problems.append(f"{where}: header words broken over lines: {tall}")
    return problems


@pytest.mark.services
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_view_in_both_languages_is_accessible_and_shot(
    console: Console, building: str, width: str
) -> None:
    made = street(console, building)
    manager = console.token("manager", [building])
    found: list[str] = []

    def look(page: Any, name: str, lang: str) -> None:
        page.wait_for_timeout(150)  # the last redraw
        console.shot(page, f"{name}-{lang}-{width}")
        found.extend(console.axe(page, f"{name}/{lang}/{width}"))
        if width == "phone":
            found.extend(phone_checks(page, f"{name}/{lang}"))

    for lang in ("zh", "en"):
        page = console.page(width, lang=lang, axe=True)
        page.goto(console.base + "/")
        page.wait_for_selector("[data-testid=token]")
        look(page, "signin", lang)
        console.sign_in(page, made["duty"])
        page.wait_for_selector("[data-testid=alarm-gas]")
        page.click("[data-testid=alarm-gas]")
        page.wait_for_selector("[data-testid=ack-form]")
        look(page, "alarms", lang)

        page.click("[data-testid=device-open]")
        page.wait_for_selector("[data-testid=dialog][open] [data-testid=reading-chart]")
        look(page, "device-dialog", lang)
        page.click("[data-testid=dialog-close]")

        page.locator("#ticket-list [data-testid=ticket-open]").first.click()
        page.wait_for_selector("[data-testid=dialog][open] [data-testid=ticket-timeline]")
        look(page, "ticket-dialog", lang)
        page.click("[data-testid=dialog-close]")

        page.click("[data-testid=nav-history]")
        page.wait_for_selector("#history-list [data-testid=alarm-fire]")
        page.click("#history-list [data-testid=alarm-fire]")
        page.wait_for_selector("#history-detail h2")
        look(page, "history", lang)

        page.click("[data-testid=nav-devices]")
        page.wait_for_selector("[data-testid=device-row]")
        page.click(f"[data-device='{building}-g1']")
        page.wait_for_selector("#device-detail [data-testid=reading-chart]")
        look(page, "devices", lang)

        page.click("[data-testid=reports-open]")
        page.wait_for_selector("#reports:not([hidden])")
        look(page, "reports", lang)

        page.click("[data-testid=nav-situation]")
        page.wait_for_selector("[data-testid=tile]")
        page.wait_for_selector("[data-testid=rollout-row]")
        look(page, "situation", lang)

        page.click("[data-testid=nav-inspect]")
        page.wait_for_selector("#inspect:not([hidden]) [data-testid=coverage-table]")
        look(page, "inspect", lang)

        other = console.page(width, lang=lang, axe=True)
        console.sign_in(other, manager, sound=False)
        other.wait_for_selector("[data-testid=device-row]")
        other.click(f"[data-device='{building}-g1']")
        other.wait_for_selector("#device-detail [data-testid=reading-chart]")
        look(other, "manager", lang)
        if width == "phone":  # the location column stays
            assert other.is_visible("#device-table th:nth-child(2)")
            assert other.locator(f"[data-device='{building}-g1'] td").nth(1).is_visible()
        other.locator("#manager-tickets [data-testid=ticket-open]").first.click()
        other.wait_for_selector("[data-testid=dialog][open] [data-testid=ticket-timeline]")
        look(other, "manager-ticket", lang)

    assert found == []
