"""Buildings and devices as the registry API and the CSV import give them, and their upserts.

One definition of a valid row serves ``PUT /api/v1/buildings/{id}``, ``PUT
/api/v1/devices/{id}`` and ``siteguard registry import``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from sqlalchemy.engine import Connection

from alerting.labels import VENUE
from core.text import Name, line
from gateway.store import schema
from gateway.store.db import upsert

F = TypeVar("F", bound=BaseModel)
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"  # pydantic patterns match whole strings
_ID = re.compile(ID_PATTERN)
Text = Name  # one line, no control characters (core/text.py)
# A mobile (13812345678), a landline with its area code (022-23456789), an extension.
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{4,23}$")]
# An e-mail address as notices are sent to it: ASCII, one address, no display name, no
# spaces, commas, angle brackets or control characters (nothing that could add a recipient
# or a header), at most 254 characters (64 before the @), a domain with a dot.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+")


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("not one e-mail address such as zhang.san@example.cn")
    return value


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)
]


class RegistryError(Exception):
    """A registry write that cannot be made; ``status`` is the HTTP status that says why."""

    status = 422


class RegistryConflict(RegistryError):
    status = 409


def check_id(value: str, what: str) -> str:
    if not _ID.fullmatch(value):
        raise RegistryError(f"{what}: {value!r} is not 1-64 of A-Z a-z 0-9 _ . : -")
    return value


class BuildingFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text | None = Field(default=None, description="e.g. 3号楼")
    community: Text | None = Field(default=None, description="社区 / 小区")
    address: Text | None = None
    property_company: Text | None = Field(default=None, description="物业公司")
    manager_contact: Text | None = Field(default=None, description="物业联系人及电话")
    venue_type: str | None = Field(
        default=None,
        max_length=32,
        description="the 九小场所 (school, clinic, shop, restaurant, hotel, entertainment, "
        "internet_cafe, bathhouse, workshop) or residential, high_rise_residential, "
        "self_built, old_compound, other (docs/venues.md)",
    )
    floors: int | None = Field(default=None, ge=1, le=200, description="storeys above ground")
    responsible_person: Text | None = Field(
        default=None, description="主要负责人 or 实际控制人: who is told of its hazards"
    )
    responsible_phone: Phone | None = Field(default=None, description="their phone")
    responsible_email: Email | None = Field(
        default=None,
        description="their e-mail address: ticket notices reach it where a route says so "
        "(docs/notifications.md)",
    )

    @field_validator("venue_type")
    @classmethod
    def _venue_type(cls, value: str | None) -> str | None:
        if value is not None and value not in VENUE:
            raise ValueError(f"one of {', '.join(VENUE)}")
        return value


class DeviceFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_type: Literal["smoke", "gas", "ebike"]
    building_id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    floor: int | None = Field(default=None, ge=-20, le=300)
    location: Text | None = Field(default=None, description="e.g. 2单元电梯, 后厨")
    imei: Annotated[str, StringConstraints(pattern=r"^[0-9]{14,17}$")] | None = None
    dev_eui: Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{16}$")] | None = None
    platform_id: (
        Annotated[
            str,
            StringConstraints(pattern=r"^[!-~]{1,128}$"),
            Field(description="the device's id on CTWing, OneNET, IoTDA or Aliyun"),
        ]
        | None
    ) = None
    vendor: Text | None = None
    model: (
        Annotated[
            str,
            *line(64),
            Field(
                description="its product model (adapters/models): a model id such as "
                "lian-smoke-nb, or the vendor's model name a model file lists"
            ),
        ]
        | None
    ) = None

    @field_validator("dev_eui")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


RegistryFields = BuildingFields | DeviceFields


@dataclass(frozen=True, kw_only=True)
class Upserted:
    """A registry row's fields before (None: it was created) and after an upsert."""

    before: RegistryFields | None
    after: RegistryFields

    @property
    def created(self) -> bool:
        return self.before is None


def _stored(conn: Connection, table: sa.Table, key: str, value: str, fields: type[F]) -> F | None:
    """The row's registry fields as stored: not checked again (an older release may have
    stored what today's checks refuse, and it must still be shown and replaced)."""
    names = fields.model_fields
    row = conn.execute(
        sa.select(*(table.c[n] for n in names)).where(table.c[key] == value)
    ).one_or_none()
    return None if row is None else fields.model_construct(**row._mapping)


def upsert_building(
    conn: Connection, building_id: str, fields: BuildingFields, now: int
) -> Upserted:
    check_id(building_id, "building_id")
    b = schema.buildings
    before = _stored(conn, b, "building_id", building_id, BuildingFields)
    row: dict[str, Any] = {
        "building_id": building_id,
        **fields.model_dump(),
        "auto": False,
        "created_ms": now,
        "updated_ms": now,
    }
    update = [*BuildingFields.model_fields, "auto", "updated_ms"]
    conn.execute(upsert(conn, b, ["building_id"], update), row)
    return Upserted(before=before, after=fields)


def upsert_device(conn: Connection, device_id: str, fields: DeviceFields, now: int) -> Upserted:
    """Create or update. The building must exist."""
    check_id(device_id, "device_id")
    b, d = schema.buildings, schema.devices
    if (
        conn.execute(
            sa.select(b.c.building_id).where(b.c.building_id == fields.building_id)
        ).first()
        is None
    ):
        raise RegistryError(
            f"building_id: unknown building {fields.building_id!r}; register it first"
        )
    identifiers = (
        ("imei", fields.imei),
        ("dev_eui", fields.dev_eui),
        ("platform_id", fields.platform_id),
    )
    for column, value in identifiers:
        if value is None:
            continue
        other = conn.execute(
            sa.select(d.c.device_id).where(d.c[column] == value, d.c.device_id != device_id)
        ).first()
        if other is not None:
            raise RegistryConflict(
                f"{column}: {value} already belongs to device {other.device_id!r}"
            )
    before = _stored(conn, d, "device_id", device_id, DeviceFields)
    row: dict[str, Any] = {
        "device_id": device_id,
        **fields.model_dump(),
        "auto": False,
        "online": False,
        "created_ms": now,
        "updated_ms": now,
    }
    update = [*DeviceFields.model_fields, "auto", "updated_ms"]
    conn.execute(upsert(conn, d, ["device_id"], update), row)
    return Upserted(before=before, after=fields)
