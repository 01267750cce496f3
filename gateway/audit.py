"""Who changed what: one audit row per change a person makes, written in the same
transaction as the change (so neither exists without the other) and never pruned. Entry ids
come from the caller's id factory on the event loop (factories are not thread-safe).

Actions: ``alarm.acknowledge``, ``alarm.clear``, ``ticket.create``, ``ticket.move``,
``ticket.classify``, ``ticket.supervise``, ``ticket.refer``, ``token.create``,
``token.revoke``, ``building.put``, ``device.put``, ``pending.discard``.
``before`` and ``after`` are the target as JSON (None: it did not exist / no longer does);
a token's digest is never in them.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from gateway.store import schema
from gateway.store.rows import AuditRow

_encode = msgspec.json.Encoder(order="sorted").encode


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """Who is acting: a token's holder (API) or someone at the command line."""

    name: str
    role: str
    token_id: str | None = None  # None: the configured admin token, or the command line
    address: str | None = None  # the client's address, for API requests


SYSTEM = Actor(name="rules", role="system")


def command_line(user: str) -> Actor:
    return Actor(name=f"cli:{user}"[:128], role="admin")


def audit_row(
    *,
    entry_id: str,
    at_ms: int,
    actor: Actor,
    action: str,
    target_kind: str,
    target_id: str,
    before: Any = None,
    after: Any = None,
) -> AuditRow:
    return AuditRow(
        id=entry_id,
        at_ms=at_ms,
        actor=actor.name[:128],
        role=actor.role,
        token_id=actor.token_id,
        address=actor.address,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        before=None if before is None else _encode(before).decode(),
        after=None if after is None else _encode(after).decode(),
    )


def record(conn: Connection, row: AuditRow) -> None:
    """Writes ``row`` in the caller's transaction."""
    conn.execute(sa.insert(schema.audit_log), msgspec.structs.asdict(row))


def record_upsert(
    conn: Connection,
    *,
    entry_id: str,
    at_ms: int,
    actor: Actor,
    kind: str,
    target_id: str,
    before: BaseModel | None,
    after: BaseModel,
) -> None:
    """A registry row's fields written: audited as ``{kind}.put`` unless nothing changed (a
    CSV import run twice leaves one entry, not two)."""
    was = None if before is None else before.model_dump()
    becomes = after.model_dump()
    if was == becomes:
        return
    entry = audit_row(
        entry_id=entry_id,
        at_ms=at_ms,
        actor=actor,
        action=f"{kind}.put",
        target_kind=kind,
        target_id=target_id,
        before=was,
        after=becomes,
    )
    record(conn, entry)
