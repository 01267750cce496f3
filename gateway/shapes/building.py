"""The building object: a registry entry with its device and active-alarm counts."""

from __future__ import annotations

from typing import Protocol

from gateway.shapes.base import Shape


class BuildingSource(Protocol):
    """What a building object is built from: a ``buildings`` row with its two counts."""

    @property
    def building_id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def community(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def property_company(self) -> str | None: ...
    @property
    def manager_contact(self) -> str | None: ...
    @property
    def venue_type(self) -> str | None: ...
    @property
    def floors(self) -> int | None: ...
    @property
    def responsible_person(self) -> str | None: ...
    @property
    def responsible_phone(self) -> str | None: ...
    @property
    def responsible_email(self) -> str | None: ...
    @property
    def device_count(self) -> int: ...
    @property
    def active_alarms(self) -> int: ...


class BuildingObject(Shape):
    building_id: str
    name: str | None
    community: str | None
    address: str | None
    property_company: str | None
    manager_contact: str | None
    venue_type: str | None
    floors: int | None
    responsible_person: str | None
    responsible_phone: str | None
    responsible_email: str | None = None  # where the responsible person's notices go
    device_count: int
    active_alarms: int

    @classmethod
    def of(cls, row: BuildingSource) -> BuildingObject:
        return cls(
            building_id=row.building_id,
            name=row.name,
            community=row.community,
            address=row.address,
            property_company=row.property_company,
            manager_contact=row.manager_contact,
            venue_type=row.venue_type,
            floors=row.floors,
            responsible_person=row.responsible_person,
            responsible_phone=row.responsible_phone,
            responsible_email=row.responsible_email,
            device_count=row.device_count,
            active_alarms=row.active_alarms,
        )
