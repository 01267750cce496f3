"""An inspector (网格员) on a phone: signs in, sees only the venues of its community with the
quarter's coverage, records an inspection with one failed item and a photo; the duty
officer's console, open on the desktop, shows the ticket it opened (live, over the stream)
with the finding and its photo."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from core.config.inspections import InspectionsConfig
from tests.e2e.console.conftest import Console


def png(width: int = 64, height: int = 48) -> bytes:
    """A real (decodable) PNG: red and white stripes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00"
        + b"".join(b"\xd0\x20\x20" if (x // 8) % 2 else b"\xff\xff\xff" for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.services
def test_an_inspector_records_a_failed_item_with_a_photo_and_the_duty_console_shows_the_ticket(
    console: Console, building: str, tmp_path: Path
) -> None:
    gateway = console.gateway
    west = f"{building}-w"
    console.building(building, name="老王饭馆", community="东园", venue_type="restaurant")
    console.building(west, name="西园小卖部", community="西园", venue_type="shop")
    made = gateway.call(
        "POST",
        "/api/v1/tokens",
        json={"name": "网格员小李", "role": "inspector", "communities": ["东园"]},
    )
    assert made.status_code == 201, made.text
    duty = console.page("desktop")
    console.sign_in(duty, console.token("duty"))
    duty.wait_for_selector("[data-testid=ticket-list]")

    phone = console.page("phone", axe=True)
    console.sign_in(phone, made.json()["token"], sound=False)
    phone.wait_for_selector("[data-testid=venue]")
    # Only the inspector's community: the venue in 西园 is not there.
    venues = phone.locator("[data-testid=venue]")
    assert [venues.nth(i).get_attribute("data-building") for i in range(venues.count())] == [
        building
    ]
    assert phone.inner_text("[data-testid=coverage-table] tbody").split() == [
        "东园",
        "0",
        "/",
        "1",
        "0%",
    ]
    assert phone.is_hidden("[data-testid=nav-alarms]")
    phone.click("[data-testid=inspect-start]")
    phone.wait_for_selector("[data-testid=inspect-form]")
    for item in InspectionsConfig().items_for("restaurant"):
        phone.check(f"[data-testid=item-{item}-{'bad' if item == 'gas_hoses' else 'ok'}]")
    photo = tmp_path / "hose.png"
    photo.write_bytes(png())
    phone.fill("[data-testid=item-gas_hoses-note]", "燃气软管老化开裂，未装切断阀")
    phone.set_input_files("[data-testid=item-gas_hoses-photo]", str(photo))
    console.shot(phone, "inspect-form-zh-phone")
    problems = console.axe(phone, "inspect form, phone")
    phone.click("[data-testid=inspect-submit]")
    phone.wait_for_selector("[data-testid=inspect-saved]")
    assert "1 项不合格" in phone.inner_text("[data-testid=inspect-saved]")
    phone.wait_for_selector("[data-testid=venue-state]:has-text('已检查')")
    assert phone.inner_text("[data-testid=coverage-table] tbody").split() == [
        "东园",
        "1",
        "/",
        "1",
        "100%",
    ]
    console.shot(phone, "inspect-plan-zh-phone")
    problems += console.axe(phone, "inspection plan, phone")
    assert problems == []

    recorded: dict[str, Any] = gateway.get("/api/v1/inspections", building=building)["items"][0]
    failed = [i for i in recorded["items"] if not i["ok"]]
    assert [(i["item"], bool(i["photo_id"]), bool(i["ticket_id"])) for i in failed] == [
        ("gas_hoses", True, True)
    ]
    # The duty console: the ticket arrived over the stream, with the finding and its photo.
    title = duty.locator("[data-testid=ticket-open]", has_text="燃气软管、切断阀完好不合格")
    title.wait_for()
    title.click()
    duty.wait_for_selector("[data-testid=ticket-finding]")
    finding = duty.inner_text("[data-testid=ticket-finding]")
    assert "燃气软管老化开裂" in finding and "网格员小李" in finding
    duty.wait_for_function(
        "() => document.querySelector('[data-testid=finding-photo]')?.naturalWidth > 0"
    )
    assert "巡查检查" in duty.inner_text("[data-testid=dialog]")  # the source, 巡查检查
    console.shot(duty, "ticket-finding-zh-desktop")
