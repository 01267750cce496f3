"""API tokens as issued: a random value, shown once; its row, which keeps only the value's
SHA-256 digest; and the audit entry of its creation, written in the same transaction. The API
(``POST /api/v1/tokens``), ``siteguard token create`` and the demo all issue them here."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.ids import IdFactory
from gateway.audit import Actor, audit_row, record
from gateway.store import schema
from gateway.store.rows import AuditRow

_json = msgspec.json.Encoder()


def new_token() -> str:
    return "sg_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _names(values: list[str] | None) -> str | None:
    return None if values is None else _json.encode(sorted(set(values))).decode()


def token_row(*, token_id: str, name: str, role: str, buildings: list[str] | None, token: str,
              by: str, now: int, expires_ms: int | None = None,
              communities: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "id": token_id,
        "name": name,
        "role": role,
        "buildings": _names(buildings),
        "communities": _names(communities),
        "token_hash": token_digest(token),
        "created_ms": now,
        "created_by": by,
        "expires_ms": expires_ms,
    }


def audited(row: Mapping[str, Any]) -> dict[str, Any]:
    """A token as the audit log keeps it: never its digest."""
    return {k: v for k, v in row.items() if k != "token_hash"}


@dataclass(frozen=True, kw_only=True)
class IssuedToken:
    token: str  # the value: shown once, stored nowhere
    row: dict[str, Any]  # for ``tokens``
    entry: AuditRow  # ``token.create``


def issue_token(
    *,
    ids: IdFactory,
    now_ms: int,
    actor: Actor,
    name: str,
    role: str,
    buildings: list[str] | None,
    expires_ms: int | None = None,
    communities: list[str] | None = None,
) -> IssuedToken:
    """A new token held by ``name``, created by ``actor``. Ids are taken here, on the
    caller's thread (the factory is not thread-safe); ``store_token`` writes it."""
    token = new_token()
    row = token_row(
        token_id=ids.new(now_ms),
        name=name,
        role=role,
        buildings=buildings,
        communities=communities,
        token=token,
        by=actor.name,
        now=now_ms,
        expires_ms=expires_ms,
    )
    entry = audit_row(
        entry_id=ids.new(now_ms),
        at_ms=now_ms,
        actor=actor,
        action="token.create",
        target_kind="token",
        target_id=row["id"],
        after=audited(row),
    )
    return IssuedToken(token=token, row=row, entry=entry)


def store_token(conn: Connection, issued: IssuedToken) -> None:
    """The token's row and its audit entry, in the caller's transaction."""
    conn.execute(sa.insert(schema.tokens), issued.row)
    record(conn, issued.entry)
