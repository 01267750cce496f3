"""The in-memory view of the building and device registry that ingest consults per message.

Loaded from the database at start-up and updated in place by auto-registration and by the
registry API, so a change applies to ingest at once, without a restart.
"""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.base import DeviceRef
from gateway.store import schema


class DeviceInfo(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    device_type: str
    building_id: str
    imei: str | None = None
    dev_eui: str | None = None


class Registry:
    def __init__(self) -> None:
        self._devices: dict[str, DeviceInfo] = {}
        self._communities: dict[str, str | None] = {}
        self._identifiers: dict[str, str] = {}

    def load(self, conn: Connection) -> None:
        for b in conn.execute(
            sa.select(schema.buildings.c.building_id, schema.buildings.c.community)
        ):
            self._communities[b.building_id] = b.community
        columns = schema.devices.c
        query = sa.select(
            columns.device_id,
            columns.device_type,
            columns.building_id,
            columns.imei,
            columns.dev_eui,
        )
        for d in conn.execute(query):
            self.put_device(
                DeviceInfo(
                    device_id=d.device_id,
                    device_type=d.device_type,
                    building_id=d.building_id,
                    imei=d.imei,
                    dev_eui=d.dev_eui,
                )
            )

    def __len__(self) -> int:
        return len(self._devices)

    def device(self, device_id: str) -> DeviceInfo | None:
        return self._devices.get(device_id)

    def has_building(self, building_id: str) -> bool:
        return building_id in self._communities

    def community(self, building_id: str) -> str | None:
        return self._communities.get(building_id)

    def put_building(self, building_id: str, community: str | None) -> None:
        self._communities[building_id] = community

    def put_device(self, info: DeviceInfo) -> None:
        old = self._devices.get(info.device_id)
        if old is not None:
            for ident in (old.imei, old.dev_eui):
                if ident:
                    self._identifiers.pop(ident, None)
        self._devices[info.device_id] = info
        for ident in (info.imei, info.dev_eui):
            if ident:
                self._identifiers[ident] = info.device_id

    def by_identifier(self, identifier: str) -> DeviceRef | None:
        """DeviceDirectory for vendor adapters: device id, IMEI or DevEUI to the device."""
        device_id = self._identifiers.get(identifier, identifier)
        info = self._devices.get(device_id)
        if info is None:
            return None
        return DeviceRef(
            device_id=info.device_id, building_id=info.building_id, device_type=info.device_type
        )
