"""``siteguard registry import``: buildings and devices from CSV files, idempotently.

Each file has a header row; the columns are the fields of ``PUT /api/v1/buildings/{id}`` and
``PUT /api/v1/devices/{id}`` plus the id column (``building_id`` / ``device_id``). Empty cells
are absent values. Every row is checked as the API checks it; a bad row is reported with its
file and line number and skipped, and every good row is written (buildings first, so that a
device may name a building from the same import). Running an import twice changes nothing.
A running gateway picks the changes up within a few seconds.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine

from core.clock import Clock
from core.ids import IdFactory
from gateway.audit import Actor, record_upsert
from gateway.store.registry_rows import (
    BuildingFields,
    DeviceFields,
    RegistryError,
    Upserted,
    upsert_building,
    upsert_device,
)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _rows(path: Path, id_column: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    # utf-8-sig: spreadsheets save CSV with a byte-order mark.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or id_column not in reader.fieldnames:
            raise RegistryError(f"{path}: the header row must name a {id_column!r} column")
        for row in reader:
            values = {k.strip(): (v.strip() if v else "") for k, v in row.items() if k}
            identifier = values.pop(id_column, "")
            yield reader.line_num, identifier, {k: v for k, v in values.items() if v != ""}


def import_registry(
    engine: Engine,
    *,
    buildings: Path | None,
    devices: Path | None,
    clock: Clock,
    actor: Actor,
) -> ImportReport:
    report = ImportReport()
    ids = IdFactory()
    sources: list[tuple[Path | None, str, type[BaseModel], Callable[..., Upserted]]] = [
        (buildings, "building_id", BuildingFields, upsert_building),
        (devices, "device_id", DeviceFields, upsert_device),
    ]
    for path, id_column, model, upsert in sources:
        kind = id_column.removesuffix("_id")
        if path is None:
            continue
        try:
            rows = list(_rows(path, id_column))
        except (OSError, UnicodeDecodeError, RegistryError) as exc:
            report.errors.append(f"{path}: {exc}")
            continue
        for line, identifier, values in rows:
            where = f"{path.name}:{line}"
            if not identifier:
                report.errors.append(f"{where}: {id_column} is empty")
                continue
            try:
                fields = model.model_validate(values)
                now = clock.now_ms()
                with engine.begin() as conn:
                    change = upsert(conn, identifier, fields, now)
                    record_upsert(
                        conn,
                        entry_id=ids.new(now),
                        at_ms=now,
                        actor=actor,
                        kind=kind,
                        target_id=identifier,
                        before=change.before,
                        after=change.after,
                    )
            except ValidationError as exc:
                problems = "; ".join(_problem(err) for err in exc.errors())
                report.errors.append(f"{where}: {problems}")
                continue
            except RegistryError as exc:
                report.errors.append(f"{where}: {exc}")
                continue
            if change.created:
                report.created += 1
            else:
                report.updated += 1
    return report


def _problem(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {str(err['msg']).removeprefix('Value error, ')}"
