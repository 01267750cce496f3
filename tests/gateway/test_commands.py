"""API commands when the database fails: a 503 that says so, never the driver's text."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from core.clock import FakeClock
from core.ids import IdFactory
from gateway.audit import Actor
from gateway.commands import RegistryCommands, StoreUnavailable
from gateway.device_index import DeviceIndex
from gateway.store.registry_rows import BuildingFields

DRIVER_SAYS = 'connection to server at "db.internal" (10.0.0.7), user "siteguard" failed'


class _DownStore:
    available = True

    async def run_in_store(self, fn: Callable[[Any], Any]) -> Any:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception(DRIVER_SAYS))


def test_a_database_error_is_a_503_without_the_drivers_text() -> None:
    commands = RegistryCommands(
        store=_DownStore(),  # type: ignore[arg-type]
        registry=DeviceIndex(),
        clock=FakeClock(),
        ids=IdFactory(),
    )
    with pytest.raises(StoreUnavailable) as err:
        asyncio.run(commands.put_building("B1", BuildingFields(), by=Actor(name="a", role="admin")))
    assert err.value.status == 503
    assert "db.internal" not in str(err.value) and "siteguard" not in str(err.value)
