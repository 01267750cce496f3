"""The in-memory view of the building and device registry that ingest consults per message.

Loaded from the database at start-up and updated in place by auto-registration and by the
registry API, so a change applies to ingest at once, without a restart.
"""

from __future__ import annotations

from sys import intern

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.base import DeviceRef, IdentifierKind
from adapters.vendor import normalize_identifier
from gateway.store import schema

# Rows read at a time at start-up: a street's 100,000 devices are not all in memory as rows.
_READ_BATCH = 5_000


class BuildingInfo(msgspec.Struct, frozen=True, kw_only=True):
    building_id: str
    name: str | None = None
    community: str | None = None
    property_company: str | None = None


class DeviceInfo(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    device_type: str
    building_id: str
    imei: str | None = None
    dev_eui: str | None = None
    platform_id: str | None = None
    vendor: str | None = None
    model: str | None = None  # its product model, for the adapters

    @property
    def identifiers(self) -> tuple[str, ...]:
        return tuple(i for i in (self.imei, self.dev_eui, self.platform_id) if i)


_SAME_MS_GRACE_MS = 10_000
ALL_KINDS: frozenset[IdentifierKind] = frozenset({"imei", "dev_eui", "platform_id", "device_id"})


class DeviceIndex:
    def __init__(self) -> None:
        self._devices: dict[str, DeviceInfo] = {}
        self._buildings: dict[str, BuildingInfo] = {}
        self._identifiers: dict[str, str] = {}
        self._seen_ms = 0  # the newest registry change loaded
        self.auto_registered = 0  # devices registered from their topics (a capped number)

    def load(self, conn: Connection) -> None:
        self.refresh(conn, auto=True)

    def refresh(self, conn: Connection, *, auto: bool = False, now_ms: int | None = None) -> int:
        """Load what changed in the store since the last call (the API, an import, another
        process); return how many rows. Rows this gateway registered from topics (``auto``)
        are in memory already: only ``load`` reads them, at start-up."""
        b, d = schema.buildings.c, schema.devices.c
        since = self._seen_ms
        count = 0
        buildings = sa.select(b.building_id, b.name, b.community, b.property_company, b.updated_ms)
        # A row written in the same millisecond as the newest one seen may have committed
        # after it was read, so that millisecond is read again ("="), but only while such a
        # commit can still be under way: an import of 100,000 rows in one millisecond must
        # not be read again every few seconds for ever.
        recent = now_ms is None or now_ms - since < _SAME_MS_GRACE_MS
        building_rows = buildings.where(b.updated_ms >= since if recent else b.updated_ms > since)
        if not auto:
            building_rows = building_rows.where(b.auto.is_(False))
        for row in conn.execution_options(yield_per=_READ_BATCH).execute(building_rows):
            info = BuildingInfo(
                building_id=intern(row.building_id),
                name=row.name,
                community=row.community,
                property_company=row.property_company,
            )
            if self._buildings.get(info.building_id) != info:
                self.put_building(info)
                count += 1
            self._seen_ms = max(self._seen_ms, row.updated_ms)
        devices = sa.select(
            d.device_id,
            d.device_type,
            d.building_id,
            d.imei,
            d.dev_eui,
            d.platform_id,
            d.vendor,
            d.model,
            d.auto,
            d.updated_ms,
        )
        device_rows = devices.where(d.updated_ms >= since if recent else d.updated_ms > since)
        if not auto:
            device_rows = device_rows.where(d.auto.is_(False))
        for dev in conn.execution_options(yield_per=_READ_BATCH).execute(device_rows):
            device = DeviceInfo(
                device_id=intern(dev.device_id),
                device_type=dev.device_type,
                building_id=intern(dev.building_id),
                imei=dev.imei,
                dev_eui=dev.dev_eui,
                platform_id=dev.platform_id,
                vendor=dev.vendor,
                model=dev.model,
            )
            if self._devices.get(device.device_id) != device:
                self.put_device(device, auto=dev.auto)
                count += 1
            self._seen_ms = max(self._seen_ms, dev.updated_ms)
        return count

    def __len__(self) -> int:
        return len(self._devices)

    def devices(self) -> list[DeviceInfo]:
        return list(self._devices.values())

    def device(self, device_id: str) -> DeviceInfo | None:
        return self._devices.get(device_id)

    def has_building(self, building_id: str) -> bool:
        return building_id in self._buildings

    def building(self, building_id: str) -> BuildingInfo | None:
        return self._buildings.get(building_id)

    def community(self, building_id: str) -> str | None:
        info = self._buildings.get(building_id)
        return None if info is None else info.community

    def put_building(self, info: BuildingInfo) -> None:
        self._buildings[info.building_id] = info

    def put_device(self, info: DeviceInfo, *, auto: bool = False) -> None:
        old = self._devices.get(info.device_id)
        if old is not None:
            for ident in old.identifiers:
                self._identifiers.pop(normalize_identifier(ident), None)
        elif auto:
            self.auto_registered += 1
        self._devices[info.device_id] = info
        for ident in info.identifiers:
            # As adapters look them up: a platform id of 16 hex digits reads like a DevEUI.
            self._identifiers[normalize_identifier(ident)] = info.device_id

    def by_identifier(
        self, identifier: str, *, kinds: frozenset[IdentifierKind] = ALL_KINDS
    ) -> DeviceRef | None:
        """The device whose IMEI, DevEUI, platform id or device id (those of ``kinds``) is
        ``identifier`` (normalised as ``normalize_identifier`` does)."""
        device_id = self._identifiers.get(identifier)
        info = None if device_id is None else self._devices.get(device_id)
        if info is not None and not any(
            kind in kinds and value and normalize_identifier(value) == identifier
            for kind, value in (
                ("imei", info.imei),
                ("dev_eui", info.dev_eui),
                ("platform_id", info.platform_id),
            )
        ):
            info = None
        if info is None and "device_id" in kinds:
            info = self._devices.get(identifier)
        if info is None:
            return None
        return DeviceRef(
            device_id=info.device_id,
            building_id=info.building_id,
            device_type=info.device_type,
            vendor=info.vendor,
            model=info.model,
        )
