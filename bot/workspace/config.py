"""Settings: Slack credentials and the organisation's QMS set-up.

Read from the environment (Slack's usual names, the organisation's own under `QMS_`) and an
optional `qms.toml` (same names without the prefix, lower case). Every bad value stops
start-up with one line naming the setting, never a traceback. What a good value of each
looks like is checked in `config_checks`.
"""

from __future__ import annotations

import os
import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.surfaces.mrkdwn import is_user_id
from bot.workspace import config_checks as checks
from bot.workspace.config_checks import DEFAULT_PROCESSES as DEFAULT_PROCESSES
from bot.workspace.config_checks import SEVERITIES as SEVERITIES
from bot.workspace.config_checks import SLACK_API_URL as SLACK_API_URL
from bot.workspace.config_checks import WEBHOOK_EVENTS as WEBHOOK_EVENTS
from bot.workspace.config_checks import WEEKDAYS as WEEKDAYS
from bot.workspace.config_checks import WebhookEndpoint as WebhookEndpoint
from bot.workspace.start_checks import credential_problems as credential_problems
from bot.workspace.start_checks import settings_warnings as settings_warnings

CommaList = Annotated[list[str], NoDecode]


class ConfigError(Exception):
    """Start-up cannot go on; each line names one setting and what to do."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="QMS_",
        extra="ignore",
        populate_by_name=True,
        toml_file="qms.toml",
    )
    # False: only the values given and the defaults count (`explicit_settings`).
    reads_environment: ClassVar[bool] = True

    # Slack and the runtime, under the names Slack and hosting platforms use.
    slack_bot_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token"))
    slack_app_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "slack_app_token"))
    slack_signing_secret: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_api_url: str = Field(SLACK_API_URL, validation_alias=AliasChoices("SLACK_API_URL", "slack_api_url"))
    database_url: str = Field("sqlite:///qms.db", validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    port: int = Field(3000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "port"))
    # Socket Mode opens no port of its own; a supervisor that probes one gets /healthz here.
    health_port: int | None = Field(None, ge=1, le=65535)

    # The organisation's QMS.
    managers: CommaList = Field(default_factory=list)
    leaders: CommaList = Field(default_factory=list)
    # Who authorises a disposition of nonconforming output (ISO 9001 8.7.2); empty: the QMS managers.
    disposition_approvers: CommaList = Field(default_factory=list)
    # Calendar days an approver has before a waiting disposition is reminded.
    authorise_within_days: int = Field(2, ge=0, le=30)
    channel: str | None = None
    leaders_channel: str | None = None
    timezone: str = "UTC"
    working_hours: str = "09:00-17:30"
    working_days: str = "mon-fri"
    processes: CommaList = Field(default_factory=lambda: list(checks.DEFAULT_PROCESSES))
    due_days: Annotated[dict[str, int], NoDecode] = Field(default_factory=lambda: dict(checks.DEFAULT_DUE_DAYS))
    reminder_days_before: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [3, 1])
    overdue_every_days: int = Field(2, ge=1, le=30)
    escalate_after_days: int = Field(7, ge=1, le=90)
    verify_after_days: int = Field(14, ge=0, le=365)
    snooze_limit: int = Field(3, ge=0, le=10)
    training_remind_every_days: int = Field(3, ge=1, le=30)
    complaint_respond_days: int = Field(2, ge=1, le=60)
    recurrence_months: int = Field(12, ge=1, le=60)
    process_owners: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    audit_prepare_days: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [14, 7])
    audit_cycle_months: int = Field(12, ge=1, le=36)
    doc_review_notice_days: int = Field(14, ge=0, le=90)
    calibration_notice_days: int = Field(7, ge=0, le=90)
    supplier_evaluation_months: int = Field(12, ge=1, le=36)
    supplier_notice_days: int = Field(14, ge=0, le=90)
    review_pack_days: int = Field(7, ge=1, le=60)
    # The bands of a risk's score (likelihood × impact, 1–25), low to high, covering 1–25 once.
    risk_bands: str = checks.DEFAULT_RISK_BANDS
    digest: str = "mon 08:00"
    outbox_per_second: float = Field(4.0, gt=0, le=50)
    # At least a minute: a file upload is four Slack calls, and a shorter lease could let a
    # second sender take the row over while the first is still uploading.
    outbox_lease_seconds: int = Field(120, ge=60, le=3600)
    outbox_keep_days: int = Field(90, ge=0, le=3650)  # 0: never archive sent messages
    nudge_every_seconds: int = Field(60, ge=5, le=3600)
    # The nudges, sending and clean-up in a process of their own, off the interpreter that
    # answers people (bot/background.py); false: in the bot's own process.
    background_process: bool = True
    webhooks: Annotated[list[WebhookEndpoint], NoDecode] = Field(default_factory=list)
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(10, ge=1, le=30)
    # Where evidence files' bytes are kept: unset, the database; s3://bucket/prefix, a bucket
    # (credentials, region and endpoint as boto3 reads them: AWS_PROFILE, AWS_ENDPOINT_URL_S3…).
    evidence_url: str | None = None
    # text for a person at a terminal; json: one object a line, for a log collector.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if not cls.reads_environment:
            return (init_settings,)
        # The environment wins over qms.toml, so a deployment can override one value.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    # --- validation: one message per setting, saying what a good value looks like ---

    @field_validator(
        "managers",
        "leaders",
        "disposition_approvers",
        "processes",
        "reminder_days_before",
        "audit_prepare_days",
        mode="before",
    )
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return checks.split(value)

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("managers")
    @classmethod
    def _check_managers(cls, value: list[str]) -> list[str]:
        return checks.people(value, "QMS managers")

    @field_validator("disposition_approvers")
    @classmethod
    def _check_approvers(cls, value: list[str]) -> list[str]:
        return checks.people(value, "disposition approvers")

    @field_validator("leaders")
    @classmethod
    def _check_leaders(cls, value: list[str]) -> list[str]:
        return checks.people(value, "leaders")

    @field_validator("processes")
    @classmethod
    def _check_processes(cls, value: list[str]) -> list[str]:
        return checks.processes(value)

    @field_validator("process_owners", mode="before")
    @classmethod
    def _parse_process_owners(cls, value: Any) -> Any:
        return checks.pairs(value, "process=user ID pairs such as Production=U0123456789", lower=False)

    @field_validator("process_owners")
    @classmethod
    def _check_process_owners(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        return checks.process_owners(value, info.data.get("processes") or [])

    @field_validator("webhooks", mode="before")
    @classmethod
    def _parse_webhooks(cls, value: Any) -> Any:
        return checks.webhooks(value)

    @field_validator("channel", "leaders_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        return checks.channel(value)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return checks.timezone(value)

    @field_validator("working_hours")
    @classmethod
    def _check_working_hours(cls, value: str) -> str:
        return checks.working_hours(value)

    @field_validator("working_days")
    @classmethod
    def _check_working_days(cls, value: str) -> str:
        checks.weekday_set(value)
        return value.lower()

    @field_validator("due_days", mode="before")
    @classmethod
    def _parse_due_days(cls, value: Any) -> Any:
        return checks.pairs(value, "severity=days pairs such as critical=7,major=30", lower=True)

    @field_validator("due_days")
    @classmethod
    def _check_due_days(cls, value: dict[str, int]) -> dict[str, int]:
        return checks.due_days(value)

    @field_validator("audit_prepare_days")
    @classmethod
    def _check_audit_prepare(cls, value: list[int]) -> list[int]:
        return checks.audit_prepare_days(value)

    @field_validator("reminder_days_before")
    @classmethod
    def _check_reminders(cls, value: list[int]) -> list[int]:
        return checks.reminder_days(value)

    @field_validator("risk_bands")
    @classmethod
    def _check_risk_bands(cls, value: str) -> str:
        checks.risk_bands(value)
        return value

    @field_validator("digest")
    @classmethod
    def _check_digest(cls, value: str) -> str:
        return checks.digest(value)

    @field_validator("slack_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        return checks.api_url(value)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return checks.database_url(value)

    @field_validator("evidence_url")
    @classmethod
    def _check_evidence_url(cls, value: str | None) -> str | None:
        return checks.evidence_url(value)

    # --- derived values used across the bot ---

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def working_window(self) -> tuple[time, time]:
        start, end = self.working_hours.split("-")
        return checks.hhmm(start), checks.hhmm(end)

    @property
    def working_weekdays(self) -> frozenset[int]:
        return checks.weekday_set(self.working_days)

    def process_owner(self, process: str) -> str | None:
        return self.process_owners.get(process)

    @property
    def approvers(self) -> list[str]:
        """Who authorises dispositions: QMS_DISPOSITION_APPROVERS, else the QMS managers."""
        return self.disposition_approvers or self.managers

    @property
    def manager_ids(self) -> list[str]:
        """QMS managers given as user IDs (empty when they are a user group)."""
        return [m for m in self.managers if is_user_id(m)]

    @property
    def risk_band_ranges(self) -> list[tuple[str, int, int]]:
        """QMS_RISK_BANDS as (name, lowest score, highest score), low to high."""
        return checks.risk_bands(self.risk_bands)

    @property
    def digest_weekday(self) -> int:
        return WEEKDAYS.index(self.digest.split()[0])

    @property
    def digest_time(self) -> time:
        return checks.hhmm(self.digest.split()[1])


def setting_name(field: str) -> str:
    """The environment variable a person sets for a field (errors name aliases as they are)."""
    if field.isupper():
        return field
    info = Settings.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, AliasChoices):
        return str(info.validation_alias.choices[0])
    return f"QMS_{field.upper()}"


# QMS_ variables read by the bot or its tooling that are not settings: never refused as unknown.
NOT_SETTINGS = {
    "QMS_CONFIG": "the settings file to read (load_settings)",
    "QMS_TEST_DATABASE_URL": "the PostgreSQL database the tests may empty (tests/conftest.py)",
    "QMS_REQUIRE_POSTGRES": "the tests fail instead of skipping without PostgreSQL (.ci/run)",
    "QMS_BENCH_DATABASE_URL": "the benchmarks' PostgreSQL database (bench/export_memory.py)",
    "QMS_CI_PGPORT": "the port .ci/run starts PostgreSQL on",
}


def settings_file(config_file: str | os.PathLike[str] | None = None) -> Path | None:
    """The settings file that is read: QMS_CONFIG's (it must exist), else ./qms.toml if there is one."""
    explicit = config_file or os.environ.get("QMS_CONFIG")
    if explicit:
        if not Path(explicit).is_file():
            raise ConfigError([f"QMS_CONFIG: no settings file at {explicit} (unset QMS_CONFIG or create the file)"])
        return Path(explicit)
    return Path("qms.toml") if Path("qms.toml").is_file() else None


def load_settings(config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Read settings or raise ConfigError with one line per bad or unknown setting."""
    path = settings_file(config_file)

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        # A misspelt name would leave its setting at the default without a word: refuse it.
        problems = unknown_settings(path)
        loaded = _FromFile(**overrides)
    except ValidationError as exc:
        problems += _explain(exc)
    except ValueError as exc:  # a qms.toml that is not TOML
        raise ConfigError([f"{path}: {exc}"]) from None
    if problems:
        raise ConfigError(problems)
    return loaded


def unknown_settings(path: Path | None) -> list[str]:
    """One line for each key of the settings file and each QMS_ variable that names no setting."""
    fields = Settings.model_fields
    keys = [name for name, info in fields.items() for name in _aliases(name, info.validation_alias)]
    lines = []
    if path is not None:
        with path.open("rb") as file:
            table = tomllib.load(file)
        for key, near in checks.unknown(table, keys).items():
            hint = f"did you mean {near!r}?" if near else "the settings are listed in the README (Settings)"
            lines.append(f"{path}: unknown setting {key!r}; {hint}")
    variables = [setting_name(name) for name in fields] + list(NOT_SETTINGS)
    ours = [name for name in os.environ if name.upper().startswith("QMS_")]
    for name, near in checks.unknown(ours, variables).items():
        # QMS_PORT, QMS_DATABASE_URL: the setting is there, under the name hosting platforms use.
        near = name.upper().removeprefix("QMS_") if name.upper().removeprefix("QMS_") in variables else near
        hint = f"did you mean {near}?" if near else "unset it, or see the README (Settings) for the names"
        lines.append(f"{name}: unknown setting; {hint}")
    return lines


def _aliases(name: str, alias: Any) -> list[str]:
    return [name, *map(str, alias.choices)] if isinstance(alias, AliasChoices) else [name]


def _explain(exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] not in ("value_error",) and "input" in error:
            message = f"{message}, got {error['input']!r}"
        lines.append(f"{setting_name(field)}: {message}")
    return lines


class _ExplicitSettings(Settings):
    model_config = SettingsConfigDict(toml_file=None)
    reads_environment = False


def explicit_settings(**values: Any) -> Settings:
    """Settings from exactly these values and the defaults: no environment, no qms.toml."""
    try:
        return _ExplicitSettings(**values)
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None
