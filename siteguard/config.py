"""Configuration: one TOML file, every key overridable by ``SITEGUARD_`` environment variables.

``SITEGUARD_MQTT__URL=mqtt://broker:1883`` overrides ``[mqtt] url``. Unknown keys and bad
values fail start-up with a message that names the key (``mqtt.urll: unknown key``).
Every section below is documented in ``docs/configuration.md``; keep the two in step.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "SITEGUARD_"
# Environment variables with the prefix that are not configuration keys.
NON_CONFIG_ENV = frozenset({"SITEGUARD_CONFIG", "SITEGUARD_REQUIRE_SERVICES"})


_SECRET_KEYS = frozenset({"password", "token", "admin_token", "export_token", "secret"})


class ConfigError(Exception):
    """The configuration cannot be used; the message names every offending key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    org: str | None = Field(default=None, description="v2 organisation")
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


class HeartbeatConfig(Section):
    smoke: int = Field(default=86400, ge=1, description="NB-IoT smoke alarms: daily")
    gas: int = Field(default=300, ge=1, description="gas detectors: every 5 minutes")
    ebike: int = Field(default=60, ge=1, description="e-bike blockers: every minute")


class DevicesConfig(Section):
    heartbeat_s: HeartbeatConfig = HeartbeatConfig()
    offline_after_missed: int = Field(
        default=3, ge=1, description="heartbeats missed before a device is offline"
    )
    auto_register: bool = Field(
        default=True,
        description="accept unknown devices seen on canonical topics (the demo; off in "
        "production, deploy/siteguard.example.toml)",
    )
    auto_register_max: int = Field(
        default=1000,
        ge=0,
        description="devices registered that way at most; further unknown devices are held "
        "as pending (GET /api/v1/pending) and counted, not registered",
    )
    status_flush_s: float = Field(
        default=30.0,
        gt=0,
        le=300,
        description="device status is written at most this often (the API reads it live; "
        "a device going offline or back online is written at once)",
    )
    readings_keep_s: int = Field(
        default=2 * 86400, ge=60, description="recent readings kept for the device page"
    )
    readings_min_interval_s: int = Field(
        default=60, ge=0, description="at most one stored recent reading per device per interval"
    )

    def lease_ms(self, device_type: str) -> int:
        heartbeat: int = getattr(self.heartbeat_s, device_type)
        return heartbeat * self.offline_after_missed * 1000


class SmokeRules(Section):
    confirm_window_s: int = Field(
        default=120,
        ge=1,
        description="two detectors of one building alarming within this confirm a fire "
        "(GB 50116 two-trigger confirmation)",
    )
    confirm_hold_s: int = Field(
        default=60, ge=1, description="one detector in alarm this long without a clear: fire"
    )


class GasRules(Section):
    low_lel: float = Field(
        default=25, gt=0, lt=100, description="warning at this %LEL (GB/T 50493 first level)"
    )
    high_lel: float = Field(
        default=50, gt=0, le=100, description="critical at this %LEL (GB/T 50493 second level)"
    )
    hysteresis_lel: float = Field(
        default=5, ge=0, description="a warning clears below low_lel - hysteresis_lel"
    )

    @model_validator(mode="after")
    def _levels(self) -> GasRules:
        if not self.low_lel < self.high_lel:
            raise ValueError("low_lel must be below high_lel")
        if self.hysteresis_lel >= self.low_lel:
            raise ValueError("hysteresis_lel must be below low_lel")
        return self


class CompoundRules(Section):
    window_s: int = Field(
        default=300, ge=1, description="smoke/fire and gas alarms of one building this close"
    )


class EbikeRules(Section):
    hotspot_count: int = Field(default=5, ge=1, description="detections that make a hotspot")
    min_confidence: float = Field(
        default=0.8, ge=0, le=1, description="detections below this do not count"
    )
    hotspot_window_s: int = Field(
        default=3600, ge=1, description="...within this window; clears after as long without"
    )
    standoff_s: int = Field(default=120, ge=1, description="a door held this long: standoff")


class BatteryRules(Section):
    low_pct: float = Field(default=20, ge=0, le=100, description="low_battery below this")
    recover_pct: float = Field(
        default=30, ge=0, le=100, description="low_battery clears at or above this"
    )

    @model_validator(mode="after")
    def _levels(self) -> BatteryRules:
        if self.recover_pct < self.low_pct:
            raise ValueError("recover_pct must not be below low_pct")
        return self


class FlappingRules(Section):
    transitions: int = Field(
        default=5, ge=2, description="alarm opens and clears of one device that make it flap"
    )
    window_s: int = Field(default=600, ge=1, description="...within this window")
    stable_s: int = Field(default=600, ge=1, description="flapping ends after this long quiet")


class AlertingConfig(Section):
    smoke: SmokeRules = SmokeRules()
    gas: GasRules = GasRules()
    compound: CompoundRules = CompoundRules()
    ebike: EbikeRules = EbikeRules()
    battery: BatteryRules = BatteryRules()
    flapping: FlappingRules = FlappingRules()


class ChannelBase(Section):
    timeout_s: float = Field(default=10.0, gt=0, description="per attempt")
    retries: int = Field(default=3, ge=0, le=20, description="attempts after the first")
    rate_limit_per_min: int | None = Field(
        default=None,
        ge=1,
        description="messages a minute the channel accepts (none: no limit); past it, "
        "non-critical notices are merged into digests (docs/notifications.md)",
    )


class WebhookChannel(ChannelBase):
    type: Literal["webhook"]
    url: str = Field(description="receives the notification as JSON (POST)")
    secret: SecretStr | None = Field(
        default=None, description="signs the body: X-SiteGuard-Signature: sha256=<hmac>"
    )
    token: SecretStr | None = Field(default=None, description="sent as a bearer token")


class WecomChannel(ChannelBase):
    type: Literal["wecom"]
    url: str = Field(description="企业微信群机器人 webhook URL (with its key)")
    # WeCom's documented limit: 20 messages a minute per robot.
    rate_limit_per_min: int | None = Field(default=20, ge=1, description="messages a minute")
    mention_mobiles: list[str] = Field(default_factory=list, description="@ these mobiles")


class DingtalkChannel(ChannelBase):
    type: Literal["dingtalk"]
    url: str = Field(description="钉钉机器人 webhook URL (with its access_token)")
    # DingTalk's documented limit: 20 messages a minute per robot, then 10 minutes blocked.
    rate_limit_per_min: int | None = Field(default=20, ge=1, description="messages a minute")
    secret: SecretStr | None = Field(default=None, description="加签 secret (SEC...)")
    mention_mobiles: list[str] = Field(default_factory=list, description="@ these mobiles")


class FeishuChannel(ChannelBase):
    type: Literal["feishu"]
    url: str = Field(description="飞书机器人 webhook URL")
    # Feishu's documented limit for custom bots: 100 a minute (and 5 a second).
    rate_limit_per_min: int | None = Field(default=100, ge=1, description="messages a minute")
    secret: SecretStr | None = Field(default=None, description="签名校验 secret")


class EmailChannel(ChannelBase):
    type: Literal["email"]
    host: str = Field(description="SMTP server")
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = Field(default="starttls")
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(description="From:")
    to: list[str] = Field(min_length=1, description="To:")

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> EmailChannel:
        if self.password is not None and self.security == "none":
            raise ValueError(
                "security: 'none' would send the SMTP password unencrypted; use starttls or ssl"
            )
        return self


Channel = Annotated[
    WebhookChannel | WecomChannel | DingtalkChannel | FeishuChannel | EmailChannel,
    Field(discriminator="type"),
]


class Route(Section):
    """Which notifications go to which channels. Every condition given must hold."""

    channels: list[str] = Field(min_length=1, description="channel names")
    subjects: list[Literal["alarm", "ticket", "report", "notice"]] = Field(
        default=["alarm", "ticket"],
        description="alarms, tickets, scheduled reports and administrator notices (these two "
        "not sent unless a route names them)",
    )
    kinds: list[str] | None = Field(
        default=None, description="alarm kinds or ticket categories; none: all"
    )
    min_severity: Literal["info", "warning", "critical"] = Field(default="info")
    buildings: list[str] | None = Field(default=None, description="none: every building")
    failover: str | None = Field(
        default=None, description="a channel to use when one of these gives up"
    )


class NotifyConfig(Section):
    repeat_critical_s: int = Field(
        default=60, ge=1, description="critical alarms are notified again this often until acked"
    )
    channels: dict[str, Channel] = Field(
        default_factory=dict, description="named channels; the log is always on"
    )
    routes: list[Route] = Field(default_factory=list, description="notifications to channels")
    keep_days: int = Field(
        default=180, ge=1, description="sent notifications are kept this long, then pruned"
    )

    @model_validator(mode="after")
    def _known_channels(self) -> NotifyConfig:
        for i, route in enumerate(self.routes):
            for name in [*route.channels, *([route.failover] if route.failover else [])]:
                if name not in self.channels:
                    raise ValueError(f"routes[{i}]: unknown channel {name!r}")
        return self


class TicketDue(Section):
    fire: int = Field(default=86400, ge=60, description="fire hazards: rectify within a day")
    gas: int = Field(default=86400, ge=60, description="gas hazards: within a day")
    ebike: int = Field(default=3 * 86400, ge=60, description="e-bike hotspots: three days")
    device: int = Field(default=3 * 86400, ge=60, description="device faults: three days")
    inspection: int = Field(default=7 * 86400, ge=60, description="found by inspection: a week")


class TicketResponsible(Section):
    fire: str = Field(default="公共安全办", description="public safety office")
    gas: str = Field(default="公共安全办", description="public safety office")
    ebike: str = Field(
        default="", description="empty: the building's property company (物业), from the registry"
    )
    device: str = Field(default="设备维保单位", description="the devices' maintenance contractor")
    inspection: str = Field(default="公共安全办", description="when a request names none")


class TicketsConfig(Section):
    escalate_every_s: int = Field(
        default=86400,
        ge=1,
        description="one escalation level (函告, 通报, 约谈, 曝光) per this much time overdue",
    )
    scan_s: float = Field(default=10.0, gt=0, description="how often overdue tickets are checked")
    due_s: TicketDue = TicketDue()
    responsible: TicketResponsible = TicketResponsible()
    export_url: str = Field(default="", description="the district hazard system; empty = no export")
    export_token: SecretStr | None = Field(default=None, description="bearer token for export_url")
    export_timeout_s: float = Field(default=10.0, gt=0, description="per delivery")
    outbox_keep_days: int = Field(
        default=180, ge=1, description="exported ticket changes are kept this long, then pruned"
    )

    @field_validator("export_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL, or empty")
        return value


class PushConfig(Section):
    secret: SecretStr | None = Field(
        default=None,
        description=(
            "enables POST /api/v1/ingest/<adapter>; the platform sends it as "
            "'Authorization: Bearer <secret>', an 'X-SiteGuard-Secret' header or '?secret='"
        ),
    )
    replay_window_s: int = Field(
        default=86_400,
        ge=60,
        le=7 * 86_400,
        description="a push taken is recognised this long (its nonce and content), and one "
        "whose signed time is older is refused; longer than the platform retries",
    )


class OnenetConfig(PushConfig):
    token: SecretStr | None = Field(
        default=None,
        description="the push token set in OneNET: verifies msg_signature and the URL check",
    )


class AdaptersConfig(Section):
    """Vendor formats (docs/adapters.md). MQTT topics {prefix}/vendor/<adapter>/# are always
    decoded; HTTP push to an adapter is refused until its secret (or OneNET token) is set."""

    models_dir: Path | None = Field(
        default=None,
        description="a site's own product models (*.toml, *.json; docs/adapters.md), read at "
        "start; one with the id of a built-in model replaces it",
    )
    ctwing: PushConfig = PushConfig()
    onenet: OnenetConfig = OnenetConfig()
    iotda: PushConfig = PushConfig()
    aliyun: PushConfig = PushConfig()
    milesight: PushConfig = PushConfig()
    ebike_board: PushConfig = PushConfig()


class ReportsConfig(Section):
    """Early-warning statistics (docs/reports.md)."""

    history_periods: int = Field(
        default=6, ge=2, le=24, description="earlier periods a figure is compared with"
    )
    warning_sigma: float = Field(default=2.0, gt=0, description="warn above mean + this many SD")
    warning_growth_pct: float = Field(default=50, gt=0, description="or this much over the mean")
    warning_growth_min: int = Field(default=5, ge=1, description="... with at least this many")
    warning_rising_periods: int = Field(
        default=3, ge=2, le=12, description="or risen in each of this many periods"
    )
    warning_min_count: int = Field(
        default=3, ge=1, description="the SD and rising rules need at least this many"
    )
    day_shift: str = Field(
        default="08:00-20:00", pattern=r"^\d{2}:00-\d{2}:00$", description="the duty day shift"
    )
    deliver: bool = Field(default=True, description="generate and announce reports on schedule")
    deliver_at: str = Field(
        default="08:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="local time on the first day of a month (quarter, year)",
    )
    deliver_quarterly: bool = Field(
        default=True, description="also each quarter's, on its first day"
    )
    deliver_yearly: bool = Field(default=True, description="also each year's, on 1 January")
    catch_up_days: int = Field(
        default=7, ge=1, le=31, description="a report missed (the gateway was down) is still made"
    )
    public_url: str | None = Field(
        default=None, description="the console's address, for links in announcements"
    )


class LogConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="log level"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Field(
        default=Path("siteguard-data"), description="spools and the embedded series store"
    )
    timezone: str = Field(default="Asia/Shanghai", description="local time of reports")
    mqtt: MqttConfig = MqttConfig()
    database: DatabaseConfig = DatabaseConfig()
    influx: InfluxConfig = InfluxConfig()
    series: SeriesConfig = SeriesConfig()
    ingest: IngestConfig = IngestConfig()
    api: ApiConfig = ApiConfig()
    auth: AuthConfig = AuthConfig()
    devices: DevicesConfig = DevicesConfig()
    alerting: AlertingConfig = AlertingConfig()
    notify: NotifyConfig = NotifyConfig()
    tickets: TicketsConfig = TicketsConfig()
    adapters: AdaptersConfig = AdaptersConfig()
    reports: ReportsConfig = ReportsConfig()
    log: LogConfig = LogConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init values; the environment overrides it.
        return (env_settings, init_settings)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def series_embedded_path(self) -> Path:
        return self.series.embedded_path or self.data_dir / "series.db"


def load_settings(path: Path | None) -> Settings:
    """Read ``path`` (optional) and the environment; raise ConfigError naming each bad key."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    problems = _unknown_env_sections(os.environ)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems += [_describe(err) for err in exc.errors()]
        settings = None
    if problems:
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid configuration{where}:\n  " + "\n  ".join(problems))
    assert settings is not None
    return settings


def _unknown_env_sections(environ: Mapping[str, str]) -> list[str]:
    known = set(Settings.model_fields)
    problems = []
    for name in environ:
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in NON_CONFIG_ENV:
            continue
        key = upper[len(ENV_PREFIX) :].split("__", 1)[0].lower()
        if key not in known:
            problems.append(f"{name}: unknown key {key!r}")
    return problems


def _describe(err: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    message = str(err["msg"]).removeprefix("Value error, ")
    shown = _shown(err["loc"], err.get("input"))
    return f"{key}: {message}" if shown is None else f"{key}: {message} (got {shown})"


def _shown(loc: Sequence[Any], value: Any) -> str | None:
    """The bad value as an error may show it: ``check-config`` runs before every start and
    its output lands in the journal, so a secret, a table (a channel holds secrets and
    token URLs) or a URL's password or query never does."""
    if any(str(part) in _SECRET_KEYS for part in loc) or isinstance(value, Mapping | list):
        return None
    text = str(value)
    if "://" in text or str(loc[-1]).endswith("url"):
        text = redact_url(text)
    return repr(text if len(text) <= 120 else text[:117] + "...")


def redact_url(url: str) -> str:
    """``scheme://user:***@host/path?key=***``: credentials and query values hidden (webhook
    URLs carry their access tokens in the query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<not a URL>"
    netloc = parts.netloc
    if "@" in netloc:
        user = netloc.rsplit("@", 1)[0].split(":", 1)[0]
        netloc = f"{user}:***@{netloc.rsplit('@', 1)[1]}"
    query = "&".join(f"{pair.split('=', 1)[0]}=***" for pair in parts.query.split("&") if pair)
    return parts._replace(netloc=netloc, query=query, fragment="").geturl()
