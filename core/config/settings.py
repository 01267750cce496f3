"""The whole configuration: one TOML file, every key overridable by ``SITEGUARD_`` environment
variables, loaded with errors that name each bad key."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.config.base import (
    ENV_PREFIX,
    NON_CONFIG_ENV,
    SECRET_KEYS,
    ConfigError,
    redact_url,
)
from core.config.domain import (
    AdaptersConfig,
    AlertingConfig,
    DevicesConfig,
    LogConfig,
    ReportsConfig,
    TicketsConfig,
)
from core.config.inspections import InspectionsConfig
from core.config.notify import (
    NotifyConfig,
)
from core.config.public import PublicConfig
from core.config.risk import RiskConfig
from core.config.rollout import RolloutConfig
from core.config.transport import (
    ApiConfig,
    AuthConfig,
    DatabaseConfig,
    HaConfig,
    InfluxConfig,
    IngestConfig,
    MqttConfig,
    SeriesConfig,
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
    ha: HaConfig = HaConfig()
    influx: InfluxConfig = InfluxConfig()
    series: SeriesConfig = SeriesConfig()
    ingest: IngestConfig = IngestConfig()
    api: ApiConfig = ApiConfig()
    auth: AuthConfig = AuthConfig()
    devices: DevicesConfig = DevicesConfig()
    alerting: AlertingConfig = AlertingConfig()
    notify: NotifyConfig = NotifyConfig()
    tickets: TicketsConfig = TicketsConfig()
    inspections: InspectionsConfig = InspectionsConfig()
    risk: RiskConfig = RiskConfig()
    rollout: RolloutConfig = RolloutConfig()
    public: PublicConfig = PublicConfig()
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

    def run_problems(self) -> list[str]:
        """What ``siteguard run`` needs beyond a valid configuration (the other commands do
        without it), one line per missing key; ``check-config`` reports the same."""
        problems = []
        if not self.mqtt.url:
            problems.append("mqtt.url: required for `siteguard run` (mqtt://host:port)")
        if self.ha.enabled and not self.database.url.startswith("postgres"):
            problems.append(
                "ha.enabled: needs PostgreSQL (database.url = postgresql://...); instances"
                " on other machines cannot share a SQLite file, nor hold a lease in it"
            )
        return problems


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


def describe_errors(exc: ValidationError, *, at: Sequence[str | int] = ()) -> list[str]:
    """One line per error, as ``load_settings`` says it, for a part of the configuration
    validated on its own (a notifier plugin's channel table), its keys under ``at``."""
    return [_describe({**err, "loc": (*at, *err["loc"])}) for err in exc.errors()]


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
    if any(str(part) in SECRET_KEYS for part in loc) or isinstance(value, Mapping | list):
        return None
    text = str(value)
    if "://" in text or str(loc[-1]).endswith("url"):
        text = redact_url(text)
    return repr(text if len(text) <= 120 else text[:117] + "...")
