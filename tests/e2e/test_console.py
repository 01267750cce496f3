"""The web pages in a real headless Chromium (Debian's, driven by Playwright): the duty officer
sees a confirmed fire appear and acknowledges it; a property manager sees only their own
buildings' devices. Screenshots are saved in test-artifacts/ for a person to look at."""

from __future__ import annotations

import pytest

from tests.conftest import GatewayFactory
from tests.support.barrier import barrier
from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher, topic
from tests.support.servers import ROOT, Mosquitto

ARTIFACTS = ROOT / "test-artifacts"


def token(gateway: Gateway, role: str, buildings: list[str] | None = None) -> str:
    body: dict[str, object] = {"name": f"{role} test", "role": role}
    if buildings is not None:
        body["buildings"] = buildings
    value: str = gateway.call("POST", "/api/v1/tokens", json=body).json()["token"]
    return value


def sign_in(page: object, base: str, value: str, *, sound: bool = False) -> None:
    page.goto(base + "/")  # type: ignore[attr-defined]
    page.fill("[data-testid=token]", value)  # type: ignore[attr-defined]
    page.click("[data-testid=signin]")  # type: ignore[attr-defined]
    if sound:  # the duty console's blocking prompt, after every sign-in
        page.click("[data-testid=enable-sound]")  # type: ignore[attr-defined]


def no_dialogs(page: object, errors: list[str]) -> None:
    """A browser alert, confirm or prompt is a failure: the console has none."""
    page.on("pageerror", lambda error: errors.append(str(error)))  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))  # type: ignore[attr-defined]


@pytest.mark.services
def test_duty_officer_sees_the_fire_live_and_acknowledges_it(
    browser: object, mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    gateway.call(
        "PUT",
        f"/api/v1/buildings/{building}",
        json={"name": "金泰里9号楼", "community": "金泰里社区"},
    )
    page = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    no_dialogs(page, errors)
    page.goto(gateway.base + "/")
    page.wait_for_selector("[data-testid=token]")  # shown once the labels have loaded
    assert not page.is_visible("[data-testid=alarm-list]")  # nothing without a token
    page.fill("[data-testid=token]", "sg_not_a_token")
    page.click("[data-testid=signin]")
    page.wait_for_selector("#signin-error:not([hidden])")
    assert "无效" in page.inner_text("#signin-error")
    sign_in(page, gateway.base, token(gateway, "duty"), sound=True)
    page.wait_for_selector("#duty:not([hidden])")
    page.wait_for_selector("[data-testid=live]:not([hidden])")  # listening

    with Publisher(mosquitto.url) as pub:
        pub.publish(topic(building, "smoke", "s1"), {"type": "alarm"})
        pub.publish(topic(building, "smoke", "s2"), {"type": "alarm"})
    # Arrives through the stream, without a reload (how fast is bench/alarms.py's to say).
    page.wait_for_selector("[data-testid=alarm-fire]", timeout=10_000)
    card = page.locator("[data-testid=alarm-fire]")
    assert "火警确认" in card.inner_text() and "金泰里9号楼" in card.inner_text()

    card.click()
    page.wait_for_selector("[data-testid=ack-form]")
    page.fill("[data-testid=ack-note]", "已通知119，物业到场")
    page.click("[data-testid=verdict-real]")  # the verdict is the acknowledgement
    page.wait_for_selector("[data-testid=acked]")
    page.wait_for_selector("[data-testid=ticket-fire]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-duty.png"))

    fire = gateway.get("/api/v1/alarms", building=building, kind="fire")["items"][0]
    assert fire["acknowledged_at"] is not None
    assert fire["verdict"] == "real" and fire["ack_note"] == "已通知119，物业到场"
    assert fire["acknowledged_by"] == "duty test"

    page.click("[data-testid=lang]")
    assert "Live alarms" in page.inner_text("#duty")
    assert errors == []


@pytest.mark.services
def test_manager_sees_only_their_buildings_devices(
    browser: object, mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    mine, theirs = f"{building}-M", f"{building}-T"
    gateway.call(
        "PUT",
        f"/api/v1/buildings/{mine}",
        json={"name": "新兴家园5号楼", "community": "新兴家园社区"},
    )
    gateway.call("PUT", f"/api/v1/buildings/{theirs}", json={"name": "别人的楼"})
    with Publisher(mosquitto.url) as pub:
        for i in range(3):
            pub.publish(
                topic(mine, "gas", f"{mine}-g{i}", "telemetry"),
                {"type": "reading", "lel_pct": 2.0 + i, "battery_pct": 15 if i == 0 else 80},
            )
            pub.publish(
                topic(theirs, "gas", f"{theirs}-g{i}", "telemetry"),
                {"type": "reading", "lel_pct": 1.0},
            )
        pub.publish(topic(mine, "ebike", f"{mine}-lift", "event"), {"type": "camera_blocked"})
        barrier(gateway, pub)  # all applied: the page shows what there is, not what came yet
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    no_dialogs(page, errors)
    sign_in(page, gateway.base, token(gateway, "manager", [mine]))
    page.wait_for_selector("[data-testid=device-row]")
    shown = page.locator("[data-testid=device-row]").evaluate_all(
        "rows => rows.map(r => r.dataset.device)"
    )
    assert sorted(shown) == sorted([f"{mine}-g0", f"{mine}-g1", f"{mine}-g2", f"{mine}-lift"])
    assert page.locator("[data-testid=building-card]").count() == 1
    assert "别人的楼" not in page.inner_text("body")

    page.click("[data-testid=filter-battery]")
    assert page.locator("[data-testid=device-row]").evaluate_all(
        "r => r.map(x => x.dataset.device)"
    ) == [f"{mine}-g0"]
    page.click("[data-testid=filter-alarm]")
    in_alarm = page.locator("[data-testid=device-row]").evaluate_all(
        "r => r.map(x => x.dataset.device)"
    )
    assert set(in_alarm) == {f"{mine}-lift", f"{mine}-g0"}  # a blocked camera, a low battery
    page.click("[data-i18n='filter.all']")
    page.click(f"[data-device='{mine}-g2']")
    page.wait_for_selector("[data-testid=reading-chart]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-manager.png"), full_page=True)
    assert errors == []

    # On a phone: one column, nothing wider than the screen (tables scroll inside their box).
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
    sign_in(phone, gateway.base, token(gateway, "manager", [mine]))
    phone.wait_for_selector("[data-testid=device-row]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click(f"[data-device='{mine}-g1']")
    phone.wait_for_selector("[data-testid=reading-chart]")
    phone.screenshot(path=str(ARTIFACTS / "console-manager-phone.png"), full_page=True)


def buttons(page: object, ticket: str) -> list[str]:
    found: list[str] = page.locator(f"[data-testid={ticket}] [data-testid^=move-]").evaluate_all(  # type: ignore[attr-defined]
        "bs => bs.map(b => `${b.dataset.testid}:${b.textContent}`)"
    )
    return found


@pytest.mark.services
def test_ticket_buttons_are_the_moves_the_server_allows_each_viewer(
    browser: object, mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    """The console keeps no copy of the ticket state machine: its buttons are each ticket's
    allowed_moves, as the REST list, a transition's answer and the stream give them."""
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    gateway.call("PUT", f"/api/v1/buildings/{building}", json={"name": "5号楼"})
    duty = token(gateway, "duty")
    created = gateway.call(
        "POST",
        "/api/v1/tickets",
        token=duty,
        json={"title": "楼道堆放电动车", "category": "inspection", "building_id": building},
    )
    assert created.status_code == 201, created.text
    errors: list[str] = []
    officer = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    manager = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    for page in (officer, manager):
        no_dialogs(page, errors)
    sign_in(officer, gateway.base, duty, sound=True)
    sign_in(manager, gateway.base, token(gateway, "manager", [building]))
    ticket = "ticket-inspection"
    officer.wait_for_selector(f"[data-testid={ticket}] [data-testid=move-assigned]")
    assert buttons(officer, ticket) == ["move-assigned:派发"]
    manager.wait_for_selector(f"[data-testid={ticket}]")
    assert buttons(manager, ticket) == []  # managers do not assign

    def officer_moves(to: str, then: str) -> None:
        officer.click(f"[data-testid={ticket}] [data-testid=move-{to}]")
        officer.fill(f"[data-testid={ticket}] [data-testid=move-note]", "巡查说明")  # in the page
        officer.click(f"[data-testid={ticket}] [data-testid=move-submit]")
        officer.wait_for_selector(f"[data-testid={ticket}] [data-testid=move-{then}]")

    officer_moves("assigned", then="rectifying")
    # The manager's page learns of it from the stream, with the manager's own moves.
    manager.wait_for_selector(f"[data-testid={ticket}] [data-testid=move-rectifying]")
    assert buttons(manager, ticket) == ["move-rectifying:开始整改"]
    officer_moves("rectifying", then="review")
    officer_moves("review", then="closed")
    # In review: close, or send back (labelled a rejection, not a fresh start).
    assert sorted(buttons(officer, ticket)) == ["move-closed:销号", "move-rectifying:退回整改"]
    manager.wait_for_selector(f"[data-testid={ticket}] >> text=待复核")
    assert buttons(manager, ticket) == []  # nor review or close
    officer_moves("rectifying", then="review")
    assert buttons(officer, ticket) == ["move-review:提交复核"]
    officer_moves("review", then="closed")
    officer.click(f"[data-testid={ticket}] [data-testid=move-closed]")
    officer.fill(f"[data-testid={ticket}] [data-testid=move-note]", "已整改")
    officer.click(f"[data-testid={ticket}] [data-testid=move-submit]")
    officer.wait_for_selector(f"[data-testid={ticket}]", state="detached")  # off the open list
    closed = gateway.call("GET", f"/api/v1/tickets/{created.json()['id']}", token=duty).json()
    assert closed["status"] == "closed" and closed["allowed_moves"] == []
    assert errors == []
