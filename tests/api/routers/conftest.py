"""What the routers' tests share: a client over the test API (``tests/api/conftest.py``),
tokens of each role made through the API itself, and rows of a small street."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN

T0 = 1_790_000_000_000  # 2026-09-21T14:13:20Z


@pytest.fixture
def client(make_client: Callable[[], TestClient]) -> TestClient:
    return make_client()


def bearer(client: TestClient, role: str, buildings: list[str] | None = None) -> dict[str, str]:
    """Headers with a new token of ``role`` (a manager's scoped to ``buildings``)."""
    body: dict[str, Any] = {"name": f"{role} test", "role": role}
    if buildings is not None:
        body["buildings"] = buildings
    made = client.post("/api/v1/tokens", headers=ADMIN, json=body)
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


# Rows inserted together must name the same columns: every optional one is here, None.
_BUILDING = dict.fromkeys(
    ("name", "community", "address", "property_company", "manager_contact", "venue_type",
     "floors", "responsible_person", "responsible_phone")
)  # fmt: skip
_DEVICE = dict.fromkeys(
    ("floor", "location", "imei", "dev_eui", "platform_id", "vendor", "model", "first_seen_ms",
     "last_seen_ms", "battery_pct", "rssi", "fw")
)  # fmt: skip


def building_row(building_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "building_id": building_id,
        **_BUILDING,
        "auto": False,
        "created_ms": 0,
        "updated_ms": 0,
        **fields,
    }


def device_row(
    device_id: str, building_id: str, device_type: str = "smoke", **fields: Any
) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "device_type": device_type,
        "building_id": building_id,
        **_DEVICE,
        "online": True,
        "auto": True,
        "created_ms": 0,
        "updated_ms": 0,
        **fields,
    }
