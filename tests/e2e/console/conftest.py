"""What the console's browser tests share: Debian's Chromium driven by Playwright, a gateway
per test, pages at desktop (1400x900) and phone (390x844) width in either language, and a
guard on every page: a browser dialog (alert, confirm, prompt) or an uncaught script error
fails the test. Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import GatewayFactory
from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher, topic
from tests.support.servers import ROOT, Mosquitto, require_services

ARTIFACTS = ROOT / "test-artifacts" / "console"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1400, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

# Records every browser notification the page creates (window.__notes), whatever the
# permission: the test grants or denies it on the context.
NOTIFICATION_HOOK = """
window.__notes = [];
if (window.Notification) {
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: options && options.body, tag: options && options.tag });
    }
  };
}
"""


class Console:
    """A gateway with the console's pages open on it."""

    def __init__(self, browser: Any, gateway: Gateway, mosquitto: Mosquitto) -> None:
        self.browser = browser
        self.gateway = gateway
        self.mosquitto = mosquitto
        self.contexts: list[Any] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    @property
    def base(self) -> str:
        return self.gateway.base

    def token(self, role: str = "duty", buildings: list[str] | None = None) -> str:
        body: dict[str, object] = {"name": f"{role} test", "role": role}
        if buildings is not None:
            body["buildings"] = buildings
        made = self.gateway.call("POST", "/api/v1/tokens", json=body)
        assert made.status_code == 201, made.text
        value: str = made.json()["token"]
        return value

    def page(
        self,
        width: str = "desktop",
        *,
        lang: str | None = None,
        notifications: str | None = None,
        axe: bool = False,
    ) -> Any:
        """A page in a context of its own. ``notifications``: "granted" or "denied".
        ``axe``: the context may add axe-core's script (the page's CSP forbids any inline
        script, axe's included, so that context bypasses it)."""
        context = self.browser.new_context(**WIDTHS[width], bypass_csp=axe)
        self.contexts.append(context)
        if notifications == "granted":
            context.grant_permissions(["notifications"], origin=self.base)
        context.add_init_script(NOTIFICATION_HOOK)
        if notifications == "denied":
            context.add_init_script(
                "Object.defineProperty(Notification, 'permission', { get: () => 'denied' });"
            )
        if lang is not None:
            context.add_init_script(  # not in the report's sandboxed frame, which has no storage
                f"try {{ localStorage.setItem('siteguard.lang', {json.dumps(lang)}); }} catch {{}}"
            )
        page = context.new_page()

        def dialog(d: Any) -> None:
            self.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def sign_in(self, page: Any, value: str, *, sound: bool = True) -> None:
        page.goto(self.base + "/")
        page.fill("[data-testid=token]", value)
        page.click("[data-testid=signin]")
        if sound:
            self.enable_sound(page)

    def enable_sound(self, page: Any) -> None:
        """The blocking prompt after sign-in and every reload: one click turns the tone on."""
        page.wait_for_selector("[data-testid=sound-dialog][open]")
        page.click("[data-testid=enable-sound]")
        page.wait_for_selector("[data-testid=sound-dialog]:not([open])", state="attached")

    def publish(self, building: str, device_type: str, device: str, payload: dict[str, Any],
                channel: str = "event") -> None:  # fmt: skip
        with Publisher(self.mosquitto.url) as pub:
            pub.publish(topic(building, device_type, device, channel), payload)

    def fire(self, building: str, detectors: tuple[str, ...] = ("s1", "s2")) -> None:
        """A confirmed fire: two detectors of one building in alarm."""
        with Publisher(self.mosquitto.url) as pub:
            for device in detectors:
                pub.publish(topic(building, "smoke", f"{building}-{device}"), {"type": "alarm"})

    def building(self, building: str, **fields: Any) -> None:
        answer = self.gateway.call("PUT", f"/api/v1/buildings/{building}", json=fields)
        assert answer.status_code in (200, 201), answer.text

    def shot(self, page: Any, name: str) -> None:
        """The whole page; with a dialog open, what the screen shows."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        modal = page.evaluate("() => Boolean(document.querySelector('dialog[open]'))")
        if not modal:
            page.evaluate("() => window.scrollTo(0, 0)")  # sticky bars drawn where they belong
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=not modal)

    def axe(self, page: Any, where: str) -> list[str]:
        """axe-core over the page: the serious and critical violations, described."""
        if not AXE.exists():
            message = f"{AXE} is missing: run `npm ci` (make lint-js does)"
            if require_services():
                pytest.fail(message + " and SITEGUARD_REQUIRE_SERVICES=1")
            pytest.skip(message)
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        found = page.evaluate(
            """async () => {
                 const result = await axe.run(document, { resultTypes: ["violations"] });
                 if (!result.passes.length) return ["axe-core checked nothing"];
                 return result.violations
                 .filter(v => v.impact === "serious" || v.impact === "critical")
                 .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4)
                   .map(n => n.target.join(" ")).join(", ")}`);
               }"""
        )
        return [f"{where}: {line}" for line in found]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def console(browser: Any, mosquitto: Mosquitto, make_gateway: GatewayFactory) -> Iterator[Console]:
    # A 1 s heartbeat: a revoked token is noticed within a second or two.
    gateway = make_gateway(mqtt_url=mosquitto.url, api={"stream_heartbeat_s": 1}).start()
    pages = Console(browser, gateway, mosquitto)
    yield pages
    pages.close()
    assert pages.dialogs == [], "a browser dialog was opened"
    assert pages.errors == [], "a script error in the page"
