"""Point 1 of the 3 a.m. console: a lost live connection cannot be missed. The banner comes
within 5 s of the server going, with the last update's time and a countdown; the lists are
marked stale; it goes once the stream is back, which resumes with Last-Event-ID (an alarm
raised while away appears); a revoked token lands on the sign-in page with a message."""

from __future__ import annotations

import time

import pytest

from tests.e2e.console.conftest import Console


@pytest.mark.services
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_server_stopped_under_an_open_page_shows_the_banner_and_clears_on_reconnect(
    console: Console, building: str, width: str
) -> None:
    console.building(building, name="金泰里9号楼")
    page = console.page(width)
    console.sign_in(page, console.token("duty"))
    page.wait_for_selector("[data-testid=live]:not([hidden])")
    assert page.is_hidden("[data-testid=conn-banner]")

    console.gateway.stop()
    stopped = time.monotonic()
    page.wait_for_selector("[data-testid=conn-banner]:not([hidden])", timeout=5000)
    assert time.monotonic() - stopped < 5.0
    banner = page.inner_text("[data-testid=conn-banner]")
    assert "实时连接已断开" in banner and "最后更新" in banner
    page.wait_for_function(
        "() => /秒后重连|正在重连/"
        ".test(document.querySelector('[data-testid=conn-retry]').textContent)"
    )
    assert page.is_hidden("[data-testid=live]")
    assert page.evaluate("document.body.classList.contains('stale')")
    assert page.is_visible("#duty .stale-tag")
    # Full width, at the top, even scrolled down.
    box = page.locator("[data-testid=conn-banner]").bounding_box()
    assert box is not None and box["width"] >= (1400 if width == "desktop" else 390) - 1
    page.evaluate("window.scrollTo(0, 2000)")
    header = page.evaluate("document.querySelector('header').offsetHeight - window.scrollY")
    assert abs(page.locator("[data-testid=conn-banner]").bounding_box()["y"] - max(0, header)) <= 1
    console.shot(page, f"connection-lost-zh-{width}")

    # While away a fire starts; the stream comes back and replays it (Last-Event-ID).
    console.gateway.start()
    console.fire(building)
    # "Reconnect now" while it is shown; the page may have reconnected by itself already.
    page.evaluate(
        "() => { const b = document.querySelector('[data-testid=conn-now]');"
        " if (b && b.offsetParent !== null) b.click(); }"
    )
    page.wait_for_selector("[data-testid=conn-banner]", state="hidden", timeout=20000)
    page.wait_for_selector("[data-testid=live]:not([hidden])")
    assert not page.evaluate("document.body.classList.contains('stale')")
    page.wait_for_selector("[data-testid=alarm-fire]", timeout=5000)


@pytest.mark.services
def test_the_lost_tone_starts_after_thirty_seconds(console: Console) -> None:
    page = console.page()
    page.clock.install()
    console.sign_in(page, console.token("duty"))
    page.wait_for_selector("[data-testid=live]:not([hidden])")
    console.gateway.stop()
    page.wait_for_selector("[data-testid=conn-banner]:not([hidden])", timeout=5000)
    page.clock.fast_forward(29_000)
    assert not page.evaluate("document.body.dataset.lostTone === 'on'")
    page.clock.fast_forward(2_000)
    page.wait_for_function("() => document.body.dataset.lostTone === 'on'")


@pytest.mark.services
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_revoked_token_lands_on_the_sign_in_page_with_a_message(
    console: Console, width: str
) -> None:
    made = console.gateway.call("POST", "/api/v1/tokens", json={"name": "夜班", "role": "duty"})
    page = console.page(width)
    console.sign_in(page, made.json()["token"])
    page.wait_for_selector("[data-testid=live]:not([hidden])")
    gone = console.gateway.call("DELETE", f"/api/v1/tokens/{made.json()['id']}")
    assert gone.status_code == 204
    # The stream says `event: ended` at its next check (1 s here): signed out, told why.
    page.wait_for_selector("[data-testid=signin-note]:not([hidden])", timeout=10000)
    assert "登录已失效" in page.inner_text("[data-testid=signin-note]")
    assert page.is_visible("[data-testid=token]")
    assert page.evaluate("sessionStorage.getItem('siteguard.token')") is None
    console.shot(page, f"signin-expired-zh-{width}")
    page.click("[data-testid=lang]")
    assert "revoked" in page.inner_text("[data-testid=signin-note]")
