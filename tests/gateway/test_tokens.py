"""Issuing an API token: the value shown once, only its digest stored, its creation audited."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import sqlalchemy as sa

from core.ids import IdFactory
from gateway.audit import Actor
from gateway.store import schema
from gateway.store.db import create_engine
from gateway.store.migrate import upgrade
from gateway.tokens import issue_token, store_token, token_digest


def test_a_token_is_stored_as_its_digest_and_its_creation_audited(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    upgrade(engine)
    now = 1_767_225_600_000
    actor = Actor(name="cli:ops", role="admin")
    issued = issue_token(
        ids=IdFactory(),
        now_ms=now,
        actor=actor,
        name="Jintai property",
        role="manager",
        buildings=["JT02", "JT01", "JT02"],
        expires_ms=now + 86_400_000,
    )
    assert issued.token.startswith("sg_")
    with engine.begin() as conn:
        store_token(conn, issued)
        row = conn.execute(sa.select(schema.tokens)).one()
        entry = conn.execute(sa.select(schema.audit_log)).one()
    engine.dispose()

    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert row.token_hash == token_digest(issued.token)
    assert (row.name, row.role, row.created_by) == ("Jintai property", "manager", "cli:ops")
    assert json.loads(row.buildings) == ["JT01", "JT02"]  # sorted, once each
    assert (row.created_ms, row.expires_ms) == (now, now + 86_400_000)

    assert (entry.action, entry.target_kind, entry.target_id) == ("token.create", "token", row.id)
    assert (entry.actor, entry.role, entry.at_ms) == ("cli:ops", "admin", now)
    assert entry.id != row.id
    after = json.loads(entry.after)
    assert after["id"] == row.id and "token_hash" not in after
    assert issued.token not in entry.after


def test_every_token_is_new_and_other_roles_have_no_scope() -> None:
    ids = IdFactory()
    actor = Actor(name="demo", role="system")
    first, second = (
        issue_token(ids=ids, now_ms=1, actor=actor, name="duty", role="duty", buildings=None)
        for _ in range(2)
    )
    assert first.token != second.token
    assert first.row["token_hash"] != second.row["token_hash"]
    assert first.row["buildings"] is None and first.row["expires_ms"] is None
