"""态势图: the duty officer's view of the street by community, coloured by risk level; a fire
turns its building red live (no reload); a building without devices is marked as a coverage
gap; a click opens the building's devices. At desktop and phone width."""

from __future__ import annotations

import pytest

from tests.e2e.console.conftest import Console


@pytest.mark.services
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_fire_turns_its_building_red_live(console: Console, building: str, width: str) -> None:
    quiet = f"{building}-q"
    console.building(building, name="金泰里3号楼", community="东园")
    console.building(quiet, name="金泰里5号楼", community="西园")
    page = console.page(width, axe=True)
    console.sign_in(page, console.token("duty"))
    page.click("[data-testid=nav-situation]")
    tile = page.locator(f"[data-testid=tile][data-building='{building}']")
    tile.wait_for()
    assert tile.get_attribute("data-level") != "red"
    assert (
        page.locator(f"[data-testid=tile][data-building='{quiet}'] [data-testid=tile-gap]").count()
        == 1
    )
    problems = console.axe(page, f"situation view, {width}")
    console.fire(building)
    page.wait_for_selector(f"[data-testid=tile][data-building='{building}'][data-level=red]")
    assert "报警" in tile.inner_text()
    other = page.locator(f"[data-testid=tile][data-building='{quiet}']")
    assert other.get_attribute("data-level") != "red"
    page.wait_for_selector("[data-testid=rollout-row]")
    assert page.locator("[data-testid=rollout-row]").count() == 3  # blockers, smoke, gas
    console.shot(page, f"situation-zh-{width}")
    problems += console.axe(page, f"situation view with a fire, {width}")
    assert problems == []
    tile.click()
    page.wait_for_function(
        "id => document.getElementById('building-filter').value === id", arg=building
    )
    assert page.is_visible("[data-testid=device-table]")
