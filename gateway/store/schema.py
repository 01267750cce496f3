"""Tables. Times are ``BIGINT`` milliseconds since the epoch (UTC), as everywhere inside SiteGuard.

Changes to this file need an Alembic migration in ``migrations/versions``; a test checks that
the migrated schema and this metadata agree.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = sa.String(64)
Ulid = sa.String(26)
Ms = sa.BigInteger

buildings = sa.Table(
    "buildings",
    metadata,
    sa.Column("building_id", Id, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("community", sa.Text),
    sa.Column("address", sa.Text),
    sa.Column("property_company", sa.Text),
    sa.Column("manager_contact", sa.Text),
    # The venue register (docs/venues.md): the 九小场所 and other kinds the plan names.
    sa.Column("venue_type", sa.String(32)),
    sa.Column("floors", sa.Integer),
    sa.Column("responsible_person", sa.Text),
    sa.Column("responsible_phone", sa.String(32)),
    # Where the responsible person's notices go (docs/notifications.md): an e-mail address.
    sa.Column("responsible_email", sa.String(254)),
    sa.Column("auto", sa.Boolean, nullable=False, default=False),
    sa.Column("created_ms", Ms, nullable=False),
    # Indexed: running gateways pick up registry changes by it every few seconds.
    sa.Column("updated_ms", Ms, nullable=False, index=True),
)

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("device_id", Id, primary_key=True),
    sa.Column("device_type", sa.String(16), nullable=False),
    sa.Column(
        "building_id", Id, sa.ForeignKey("buildings.building_id"), nullable=False, index=True
    ),
    sa.Column("floor", sa.Integer),
    sa.Column("location", sa.Text),
    sa.Column("imei", sa.String(32), unique=True),
    sa.Column("dev_eui", sa.String(32), unique=True),
    # The device's id on a carrier or cloud platform (CTWing deviceId, IoTDA device_id,
    # OneNET dev_id, Aliyun deviceName), for pushes that name it only so.
    sa.Column("platform_id", sa.String(128), unique=True),
    sa.Column("vendor", sa.String(64)),
    # Its product model (adapters/models): which file reads what it sends.
    sa.Column("model", sa.String(64)),
    sa.Column("auto", sa.Boolean, nullable=False, default=False),
    sa.Column("first_seen_ms", Ms),
    sa.Column("last_seen_ms", Ms),
    sa.Column("battery_pct", sa.Float),
    sa.Column("rssi", sa.Float),
    sa.Column("fw", sa.String(64)),
    sa.Column("online", sa.Boolean, nullable=False, default=False),
    sa.Column("created_ms", Ms, nullable=False),
    sa.Column("updated_ms", Ms, nullable=False, index=True),
)

# Accepted non-telemetry events (alarms, faults, detections...): the record that rules restore
# from and reports count. Readings and heartbeats go to the series only.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("device_id", Id, nullable=False),
    sa.Column("building_id", Id, nullable=False),
    sa.Column("device_type", sa.String(16), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("received_ms", Ms, nullable=False),
    sa.Column("ts_ms", Ms, nullable=False),
    sa.Column("msg_id", sa.String(128)),
    sa.Column("source", sa.String(32), nullable=False),
    # E-bike detections' confidence, as a column so reports filter without parsing data.
    sa.Column("confidence", sa.Float),
    sa.Column("data", sa.Text, nullable=False),
    sa.Index("ix_events_building_received", "building_id", "received_ms"),
    sa.Index("ix_events_device_received", "device_id", "received_ms"),
    sa.Index("ix_events_received", "received_ms"),
)

# Recent readings per device for the device page, thinned and pruned (devices.readings_*).
device_readings = sa.Table(
    "device_readings",
    metadata,
    sa.Column("device_id", Id, primary_key=True),
    sa.Column("at_ms", Ms, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Index("ix_device_readings_at", "at_ms"),
)

# (device, message id) pairs seen within the dedup window; survives restarts so that a
# message redelivered after a crash is not applied twice.
seen_messages = sa.Table(
    "seen_messages",
    metadata,
    sa.Column("device_id", Id, primary_key=True),
    sa.Column("msg_id", sa.String(128), primary_key=True),
    sa.Column("received_ms", Ms, nullable=False, index=True),
    sa.Column("point_us", sa.BigInteger, nullable=False),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("received_ms", Ms, nullable=False, index=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("adapter", sa.String(32), nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("reason", sa.String(64), nullable=False, index=True),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("device_id", Id),
    sa.Column("building_id", Id),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    # The platform product ("ctwing:15017088") or product model it came through, for what
    # is counted and noticed by product (unmapped fields).
    sa.Column("product", sa.String(128), index=True),
)

# Vendor messages from devices the registry does not know, held until the device is
# registered (then replayed as history) or pruned (ingest.pending_keep_days).
pending_messages = sa.Table(
    "pending_messages",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("adapter", sa.String(32), nullable=False),
    sa.Column("identifier", sa.String(128), nullable=False, index=True),
    sa.Column("device_type", sa.String(16)),
    sa.Column("summary", sa.String(64)),
    sa.Column("received_ms", Ms, nullable=False, index=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
)

# One row per alarm, its latest state; ``alarm_history`` keeps every change.
alarms = sa.Table(
    "alarms",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("identity", sa.String(128), nullable=False),
    sa.Column("building_id", Id, nullable=False),
    sa.Column("device_id", Id),
    sa.Column("device_ids", sa.Text, nullable=False),
    sa.Column("opened_ms", Ms, nullable=False),
    sa.Column("updated_ms", Ms, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("latched", sa.Boolean, nullable=False),
    sa.Column("acknowledged_ms", Ms),
    sa.Column("acknowledged_by", sa.String(128)),
    sa.Column("verdict", sa.String(16)),
    sa.Column("ack_note", sa.Text),
    sa.Column("cleared_ms", Ms),
    sa.Column("cleared_by", sa.String(128)),
    sa.Column("clear_note", sa.Text),
    sa.Column("ticket_id", Ulid),
    sa.Column("peak", sa.Float),
    sa.Column("notified_ms", Ms),
    sa.Column("held", sa.Boolean, nullable=False),
    sa.Index("ix_alarms_building_opened", "building_id", "opened_ms"),
    sa.Index("ix_alarms_status_opened", "status", "opened_ms"),
    sa.Index("ix_alarms_device", "device_id"),
    # The engine keeps one active alarm per identity; the database makes sure of it.
    sa.Index(
        "uq_alarms_active_identity",
        "identity",
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    ),
)

alarm_history = sa.Table(
    "alarm_history",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("alarm_id", Ulid, nullable=False, index=True),
    sa.Column("building_id", Id, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("at_ms", Ms, nullable=False, index=True),
    sa.Column("by", sa.String(128), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("notify", sa.String(8), nullable=False),
)

# The outbox of notifications: written with the change that caused them, marked when sent.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("subject", sa.String(16), nullable=False, server_default="alarm"),  # or "ticket"
    sa.Column("alarm_id", Ulid, index=True),
    sa.Column("ticket_id", Ulid, index=True),
    sa.Column("reason", sa.String(16), nullable=False),
    sa.Column("building_id", Id, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("created_ms", Ms, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending, held, sent
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("sent_ms", Ms),
    sa.Column("last_error", sa.Text),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Index("ix_notifications_status_created", "status", "created_ms"),
)

# Rule state that the alarms themselves do not hold, per building (alerting/state.py).
rule_states = sa.Table(
    "rule_states",
    metadata,
    sa.Column("building_id", Id, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("updated_ms", Ms, nullable=False),
)

# Bearer tokens, stored as SHA-256 digests only (the token itself is shown once, at creation).
tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("buildings", sa.Text),  # JSON list for managers; NULL: every building
    sa.Column("communities", sa.Text),  # JSON list for inspectors: their buildings follow
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_ms", Ms, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("revoked_ms", Ms),
    sa.Column("expires_ms", Ms),  # NULL: until revoked
    sa.Column("last_used_ms", Ms),  # written now and then, not on every request
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    # At most one ticket per alarm, whatever retries, restarts or replays do.
    sa.Column("alarm_id", Ulid, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("venue_type", sa.String(32)),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("building_id", Id, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("responsible", sa.Text, nullable=False),
    sa.Column("due_ms", Ms, nullable=False),
    sa.Column("escalation_level", sa.Integer, nullable=False),
    sa.Column("created_ms", Ms, nullable=False),
    sa.Column("updated_ms", Ms, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("closed_ms", Ms),
    # The hazard register (docs/tickets.md): class with the criterion cited, where it came
    # from, 挂牌督办 (supervised since, by the office's deadline in due_ms) and 移送.
    sa.Column("hazard_class", sa.String(8), nullable=False, server_default="general"),
    sa.Column("hazard_criterion", sa.Text),
    sa.Column("source", sa.String(16), nullable=False, server_default="manual"),
    sa.Column("supervised_ms", Ms),
    sa.Column("referred_to", sa.Text),
    sa.Column("referred_ms", Ms),
    sa.Column("referral_reply", sa.Text),
    sa.Column("inspection_id", Ulid, index=True),  # the inspection whose failed item opened it
    sa.Index("ix_tickets_status_due", "status", "due_ms"),
)

# 九小场所 inspections (docs/inspections.md): one visit to one venue, its checklist answered.
inspections = sa.Table(
    "inspections",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("building_id", Id, nullable=False, index=True),
    # As they were at the visit: coverage is counted by them, whatever the register says later.
    sa.Column("community", sa.Text),
    sa.Column("venue_type", sa.String(32)),
    sa.Column("quarter", sa.String(7), nullable=False),  # e.g. 2026-Q4, in the street's zone
    sa.Column("at_ms", Ms, nullable=False),
    sa.Column("inspector", sa.String(128), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Index("ix_inspections_quarter_building", "quarter", "building_id"),
)

inspection_items = sa.Table(
    "inspection_items",
    metadata,
    sa.Column("inspection_id", Ulid, primary_key=True),
    sa.Column("item", sa.String(32), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("photo_id", Ulid),
    sa.Column("ticket_id", Ulid),
)

# Photos of inspections (and public reports): the bytes live in data_dir/photos/<id>.
photos = sa.Table(
    "photos",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("building_id", Id, nullable=False, index=True),
    sa.Column("media_type", sa.String(16), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_ms", Ms, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
)

# Public hazard reports (举报, docs/public-reports.md): the reporter's tracking code, what they
# reported, the ticket it opened (or the report it was folded into), and their phone number
# until the retention period ends (PIPL): then it is deleted, the row kept.
public_reports = sa.Table(
    "public_reports",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("tracking_code", sa.String(16), nullable=False, unique=True),
    sa.Column("building_id", Id, nullable=False, index=True),
    sa.Column("category", sa.String(24), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("photo_id", Ulid),
    sa.Column("contact", sa.String(32)),
    sa.Column("address_digest", sa.String(64), nullable=False),  # keyed hash, never the address
    sa.Column("ticket_id", Ulid, index=True),
    sa.Column("folded_into", Ulid),  # a duplicate of this report: no ticket of its own
    sa.Column("created_ms", Ms, nullable=False, index=True),
    sa.Column("rewarded_ms", Ms),  # confirmed real (its ticket closed as real): 奖励
)

# The risk index per building as last computed (docs/risk.md): to notice a level rising.
risk_levels = sa.Table(
    "risk_levels",
    metadata,
    sa.Column("building_id", Id, primary_key=True),
    sa.Column("level", sa.String(8), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("factors", sa.Text, nullable=False),  # JSON
    sa.Column("computed_ms", Ms, nullable=False),
    sa.Column("changed_ms", Ms, nullable=False),  # when the level last changed
)

ticket_history = sa.Table(
    "ticket_history",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("ticket_id", Ulid, nullable=False, index=True),
    sa.Column("at_ms", Ms, nullable=False),
    sa.Column("by", sa.String(128), nullable=False),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("escalation_level", sa.Integer, nullable=False),
)

# Ticket changes for the district's hazard system, written with the change itself and
# delivered in order; the id is the idempotency key the receiver dedupes by.
ticket_outbox = sa.Table(
    "ticket_outbox",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("ticket_id", Ulid, nullable=False),
    sa.Column("created_ms", Ms, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending, sent, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("sent_ms", Ms),
    sa.Column("last_error", sa.Text),
    sa.Index("ix_ticket_outbox_status", "status", "id"),
)

# Reports delivered by the schedule, as delivered: one row per period, so a restart never
# generates or announces one twice.
reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # e.g. month:2026-10
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("created_ms", Ms, nullable=False),
    sa.Column("json", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
)

# Who changed what, with the row before and after (JSON). Kept: never pruned with the
# operational tables, so an office can answer "who acknowledged that fire" years later.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", Ulid, primary_key=True),
    sa.Column("at_ms", Ms, nullable=False, index=True),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("token_id", Ulid),  # NULL: the configured admin token or the command line
    sa.Column("address", sa.String(64)),
    sa.Column("action", sa.String(32), nullable=False, index=True),
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target_id", sa.String(64), nullable=False),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Index("ix_audit_log_target", "target_kind", "target_id"),
)

# Leadership of `ha.enabled` instances (gateway/store/lease.py): one row per role, times in
# seconds of the database's own clock, so that instances' clocks never have to agree.
ha_lease = sa.Table(
    "ha_lease",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("epoch", sa.BigInteger, nullable=False),  # the fencing token: +1 per takeover
    sa.Column("expires_s", sa.Float(precision=53), nullable=False),
    sa.Column("acquired_s", sa.Float(precision=53), nullable=False),
)
