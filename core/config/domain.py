"""Sections for what SiteGuard decides: devices, alarm rules, tickets, adapters, reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from core.config.base import (
    Section,
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


# The competent departments of the district the plan refers hazards to (移送).
DEFAULT_DEPARTMENTS: Final = (
    "区应急管理局",
    "区消防救援支队",
    "区市场监管局",
    "区住建委",
    "区城市管理委",
)


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
    false_alarms_for_ticket: int = Field(
        default=3,
        ge=0,
        description="a smoke detector acknowledged as a false alarm this many times within "
        "false_alarm_window_days gets a maintenance ticket (category device); 0: never",
    )
    false_alarm_window_days: int = Field(default=30, ge=1, description="see above")
    departments: list[str] = Field(
        default_factory=lambda: list(DEFAULT_DEPARTMENTS),
        min_length=1,
        description="the departments a ticket may be referred to (移送, POST "
        "/api/v1/tickets/{id}/refer), by the names the district uses",
    )

    @field_validator("departments")
    @classmethod
    def _departments(cls, value: list[str]) -> list[str]:
        names = [name.strip() for name in value]
        if not all(names):
            raise ValueError("a department's name cannot be empty")
        if len(set(names)) != len(names):
            raise ValueError("each department is named once")
        return names

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
    # The plan's 夯实基础 phase ends with the 存量 cleared ("2024年底前全面消除2023年及以前
    # 排查发现的重大事故隐患存量"). A date in the report's time zone; its day is still in time.
    backlog_deadline: date = Field(
        default=date(2024, 12, 31),
        description="the plan's deadline for clearing the backlog (存量隐患), its last day",
    )
    false_alarm_threshold: int = Field(
        default=3,
        ge=1,
        description="a smoke detector with at least this many false alarms (verdict "
        "false_alarm) in a report's period is marked over the threshold",
    )


class LogConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="log level"
    )
