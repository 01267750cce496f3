"""Sections for what SiteGuard talks to: broker, database, series store, ingest, API, sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.config.base import (
    Section,
)


class MqttConfig(Section):
    url: str | None = Field(
        default=None, description="mqtt://host:port or mqtts://host:port; required for `run`"
    )
    username: str | None = Field(default=None, description="broker user name")
    password: SecretStr | None = Field(default=None, description="broker password")
    topic_prefix: str = Field(default="siteguard/v1", description="root of the canonical topics")
    client_id: str = Field(
        default="siteguard-gateway",
        description="fixed client id, so the persistent session survives restarts",
    )
    protocol: Literal["5", "3.1.1"] = Field(default="5", description="MQTT protocol version")
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keep-alive")
    session_expiry_s: int = Field(
        default=7 * 86400,
        ge=60,
        description="how long the broker keeps the session (and queued messages) while we are away",
    )
    ca_file: Path | None = Field(default=None, description="CA bundle for mqtts://")
    cert_file: Path | None = Field(default=None, description="client certificate for mqtts://")
    key_file: Path | None = Field(default=None, description="client key for mqtts://")
    tls_insecure: bool = Field(default=False, description="skip broker certificate checks")
    reconnect_min_s: float = Field(default=0.5, gt=0, description="first reconnect delay")
    reconnect_max_s: float = Field(
        default=30.0, gt=0, description="reconnect delay cap (doubling, with jitter)"
    )
    receive_maximum: int = Field(
        default=32768,
        ge=20,
        le=65535,
        description="QoS 1 messages the broker may send before our (batched) acknowledgements",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("must be mqtt://host:port or mqtts://host:port")
        try:
            _ = parts.port
        except ValueError as exc:
            raise ValueError(f"bad port: {exc}") from exc
        return value

    @field_validator("topic_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if (
            not value
            or value.startswith("/")
            or value.endswith("/")
            or any(c in value for c in "+#")
        ):
            raise ValueError("a topic path without wildcards or leading/trailing '/'")
        return value

    @property
    def host(self) -> str:
        return urlsplit(self.url or "").hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url or "")
        return parts.port or (8883 if parts.scheme == "mqtts" else 1883)

    @property
    def tls(self) -> bool:
        return urlsplit(self.url or "").scheme == "mqtts"


class DatabaseConfig(Section):
    url: str = Field(
        default="sqlite:///siteguard.db", description="sqlite:///path or postgresql://"
    )
    spool_max_bytes: int = Field(
        default=256 * 1024**2, ge=1024, description="disk budget for write-sets while it is down"
    )
    retry_max_s: float = Field(default=10.0, gt=0, description="replay backoff cap")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        # Our own messages: SQLAlchemy's would quote the URL, password and all.
        try:
            url = make_url(value)
            _ = url.port
        except (ArgumentError, ValueError):
            raise ValueError(
                "not a database URL: sqlite:///path.db or postgresql://user@host:port/db"
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must be sqlite:///path.db or postgresql://user@host/db")
        return value


class InfluxConfig(Section):
    url: str = Field(default="", description="InfluxDB base URL; empty = embedded series store")
    api: Literal["v1", "v2"] = Field(default="v2", description="v2 (/api/v2/write) or v1 (/write)")
    token: SecretStr | None = Field(default=None, description="v2 API token")
    org: str | None = Field(
        default=None,
        description="v2 organisation; unset: '-' (1.8 and 3.x ignore it, 2.x needs a real one)",
    )
    bucket: str = Field(default="siteguard", description="v2 bucket")
    database: str = Field(default="siteguard", description="v1 database")
    username: str | None = Field(default=None, description="v1 user")
    password: SecretStr | None = Field(default=None, description="v1 password")
    timeout_s: float = Field(default=10.0, gt=0, description="per write")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL, or empty")
        return value.rstrip("/")

    @property
    def write_org(self) -> str:
        """The organisation the v2 sink writes to."""
        return self.org or "-"


class SeriesConfig(Section):
    batch_size: int = Field(default=5000, ge=1, le=100_000, description="points per write")
    flush_interval_s: float = Field(
        default=0.2,
        gt=0,
        le=10,
        description="longest a point waits for a write; also bounds QoS 1 acknowledgement delay",
    )
    spool_max_bytes: int = Field(
        default=1024**3, ge=1024, description="disk budget for points while the server is down"
    )
    retry_min_s: float = Field(default=0.5, gt=0, description="first replay delay")
    retry_max_s: float = Field(default=30.0, gt=0, description="replay backoff cap")
    fsync: bool = Field(default=True, description="fsync spool appends (off only for benchmarks)")
    status_every_s: float = Field(
        default=60.0,
        gt=0,
        description="how often per-building status points (devices online, alarms) are written",
    )
    embedded_path: Path | None = Field(
        default=None, description="embedded store file; default data_dir/series.db"
    )


class IngestConfig(Section):
    max_payload_bytes: int = Field(
        default=64 * 1024, ge=256, description="larger payloads are rejected"
    )
    batch_max: int = Field(
        default=1000,
        ge=1,
        description="telemetry messages per pipeline turn (an alarm waits for at most one)",
    )
    urgent_batch_max: int = Field(
        default=500, ge=1, description="alarm events per pipeline turn (the urgent lane)"
    )
    dedup_window_s: int = Field(default=600, ge=1, description="(device, id) repeats dropped")
    reject_log_interval_s: int = Field(
        default=60, ge=1, description="at most one rejection log line per device per interval"
    )
    dead_letter_keep_days: int = Field(default=30, ge=1, description="then pruned")
    dead_letter_max_rows: int = Field(
        default=100_000, ge=100, description="and at most this many are kept (the newest)"
    )
    intake_max: int = Field(
        default=500_000,
        ge=1000,
        description="messages waiting for the pipeline; past it QoS 0 messages are dropped "
        "(counted) and HTTP pushes answered 503; QoS 1 waits at the broker",
    )
    pending_keep_days: int = Field(
        default=30, ge=1, description="vendor messages held for unregistered devices, then pruned"
    )
    pending_max_per_device: int = Field(
        default=500, ge=1, description="held messages kept per unregistered device (the newest)"
    )
    pending_max_rows: int = Field(
        default=200_000, ge=100, description="held messages kept in all (the newest)"
    )
    http_accept_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="an HTTP push not durable by then is answered 503 (the platform retries)",
    )


class ApiConfig(Section):
    host: str = Field(default="127.0.0.1", description="listen address")
    port: int = Field(default=8000, ge=0, le=65535, description="listen port (0: any free one)")
    stream_heartbeat_s: float = Field(
        default=15.0, gt=0, le=300, description="a comment on a quiet event stream this often"
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="a request body larger than this is refused (413) before it is read on; "
        "the ingest routes have ingest.max_payload_bytes",
    )
    max_connections: int = Field(
        default=1000, ge=10, description="connections served at once; more are answered 503"
    )
    max_streams: int = Field(
        default=200, ge=1, description="event streams open at once; more are answered 503"
    )
    docs: bool = Field(
        default=True, description="serve /docs and /openapi.json (off in production: deploy/)"
    )
    tls_cert_file: Path | None = Field(
        default=None, description="serve HTTPS with this certificate (PEM, with its chain)"
    )
    tls_key_file: Path | None = Field(default=None, description="...and this private key")

    @model_validator(mode="after")
    def _tls_pair(self) -> ApiConfig:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("api.tls_cert_file and api.tls_key_file go together")
        return self


class AuthConfig(Section):
    admin_token: SecretStr | None = Field(
        default=None,
        min_length=24,
        description="bootstrap admin bearer token (at least 24 characters)",
    )
    failures_per_minute: int = Field(
        default=20,
        ge=1,
        description="failed sign-ins a client address may make a minute; then 429",
    )


class HaConfig(Section):
    """Active/standby: several ``siteguard run`` on one PostgreSQL database, one active."""

    enabled: bool = Field(
        default=False,
        description="several `siteguard run` share one PostgreSQL database; one is active",
    )
    takeover_s: float = Field(
        default=10.0,
        ge=2.0,
        le=300.0,
        description="a standby is active at most this long after the active one died",
    )
    instance: str = Field(
        default="",
        max_length=64,
        description="this instance's name in logs and metrics; empty = host name and pid",
    )

    @property
    def lease_s(self) -> float:
        """How long a renewal holds the lease: half the takeover budget, so that expiry,
        the standby's next poll and its start-up (restore, connect) all fit in it."""
        return self.takeover_s / 2

    @property
    def renew_s(self) -> float:
        """Three or four renewals per lease: one slow renewal does not lose it."""
        return self.lease_s / 4

    @property
    def poll_s(self) -> float:
        return min(1.0, self.takeover_s / 10)
