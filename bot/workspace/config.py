"""Settings: Slack credentials and the organisation's QMS set-up.

Read from the environment (Slack's usual names, the organisation's own under `QMS_`) and an
optional `qms.toml` (same names without the prefix, lower case). Every bad value stops
start-up with one line naming the setting, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.surfaces.mrkdwn import is_channel_id, is_user_id, is_usergroup_id

SEVERITIES = ("critical", "major", "minor", "observation")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_PROCESSES = [
    "Management",
    "Sales",
    "Design and development",
    "Purchasing",
    "Production",
    "Warehouse and logistics",
    "Service",
    "Human resources",
    "Quality",
]
# What outbound webhooks can subscribe to (README, "Webhooks"); "*" means all of them.
WEBHOOK_EVENTS = (
    "nc.raised",
    "nc.transitioned",
    "nc.closed",
    "action.added",
    "action.done",
    "training.published",
    "training.acknowledged",
    "feedback.logged",
    "feedback.transitioned",
    "objective.measured",
    "audit.planned",
    "audit.completed",
    "document.reviewed",
    "review.scheduled",
    "review.held",
    "review_action.done",
)
SLACK_API_URL = "https://slack.com/api/"
MANIFEST_HINT = "create the Slack app from manifest.yml (see README, 'Create the Slack app')"

CommaList = Annotated[list[str], NoDecode]


class ConfigError(Exception):
    """Start-up cannot go on; each line names one setting and what to do."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _pairs(value: Any, expected: str, *, lower: bool) -> Any:
    """`a=1,b=2` from the environment as a dict; TOML tables pass through as they are."""
    if not isinstance(value, str):
        return value
    parsed: dict[str, str] = {}
    for part in _split(value):
        key, sep, item = part.rpartition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected {expected}, got {part!r}")
        parsed[key.strip().lower() if lower else key.strip()] = item.strip()
    return parsed


def _hhmm(text: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not match:
        raise ValueError
    return time(int(match.group(1)), int(match.group(2)))


def _people(value: list[str], what: str) -> list[str]:
    groups = [v for v in value if is_usergroup_id(v)]
    users = [v for v in value if is_user_id(v)]
    bad = [v for v in value if v not in groups and v not in users]
    if bad:
        raise ValueError(f"{what} must be Slack user IDs (U…) or one user group ID (S…), got {bad[0]!r}")
    if groups and (users or len(groups) > 1):
        raise ValueError(f"give either user IDs or a single user group ID for {what}, not both")
    return value


class WebhookEndpoint(BaseModel, frozen=True):
    """An outside system (ERP, ticketing, a QMS database) that is sent the events it asks for."""

    name: str
    url: str
    events: tuple[str, ...]
    secret: str = Field(repr=False)  # never in `qms-bot check` or a log line

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events


def _endpoint(raw: Any, number: int) -> WebhookEndpoint:
    where = f"endpoint {number}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a table with url, events and secret, got {raw!r}")
    unknown = sorted(set(raw) - {"name", "url", "events", "secret"})
    if unknown:
        raise ValueError(f"{where} has an unknown key {unknown[0]!r} (keys: name, url, events, secret)")
    url = str(raw.get("url") or "")
    host = re.match(r"https?://([^/:?#]+)", url)
    if not host:
        raise ValueError(f"{where}: url must start with https:// (or http://), got {url!r}")
    name = str(raw.get("name") or host.group(1))
    where = f"endpoint {number} ({name})"
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", name):
        raise ValueError(f"{where}: name is 1-40 letters, digits, '.', '_' or '-'")
    events = _split(raw.get("events") or [])
    if not events:
        raise ValueError(f'{where}: list the events it wants, e.g. ["nc.raised", "nc.closed"], or ["*"] for all')
    wrong = [e for e in events if e != "*" and e not in WEBHOOK_EVENTS]
    if wrong:
        raise ValueError(f"{where}: unknown event {wrong[0]!r}; events are {', '.join(WEBHOOK_EVENTS)} or *")
    secret = str(raw.get("secret") or "")
    if len(secret) < 16:
        raise ValueError(f"{where}: secret must be at least 16 characters (the receiver checks the signature with it)")
    return WebhookEndpoint(name=name, url=url, events=tuple(events), secret=secret)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="QMS_",
        extra="ignore",
        populate_by_name=True,
        toml_file="qms.toml",
    )

    # Slack and the runtime, under the names Slack and hosting platforms use.
    slack_bot_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token"))
    slack_app_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "slack_app_token"))
    slack_signing_secret: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_api_url: str = Field(SLACK_API_URL, validation_alias=AliasChoices("SLACK_API_URL", "slack_api_url"))
    database_url: str = Field("sqlite:///qms.db", validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    port: int = Field(3000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "port"))

    # The organisation's QMS.
    managers: CommaList = Field(default_factory=list)
    leaders: CommaList = Field(default_factory=list)
    channel: str | None = None
    leaders_channel: str | None = None
    timezone: str = "UTC"
    working_hours: str = "09:00-17:30"
    working_days: str = "mon-fri"
    processes: CommaList = Field(default_factory=lambda: list(DEFAULT_PROCESSES))
    due_days: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: {"critical": 7, "major": 30, "minor": 60, "observation": 90}
    )
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
    review_pack_days: int = Field(7, ge=1, le=60)
    digest: str = "mon 08:00"
    outbox_per_second: float = Field(4.0, gt=0, le=50)
    # At least a minute: a file upload is four Slack calls, and a shorter lease could let a
    # second sender take the row over while the first is still uploading.
    outbox_lease_seconds: int = Field(120, ge=60, le=3600)
    nudge_every_seconds: int = Field(60, ge=5, le=3600)
    webhooks: Annotated[list[WebhookEndpoint], NoDecode] = Field(default_factory=list)
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(10, ge=1, le=30)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over qms.toml, so a deployment can override one value.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    # --- validation: one message per setting, saying what a good value looks like ---

    @field_validator("managers", "leaders", mode="before")
    @classmethod
    def _split_people(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("managers")
    @classmethod
    def _check_managers(cls, value: list[str]) -> list[str]:
        return _people(value, "QMS managers")

    @field_validator("leaders")
    @classmethod
    def _check_leaders(cls, value: list[str]) -> list[str]:
        return _people(value, "leaders")

    @field_validator("processes", mode="before")
    @classmethod
    def _split_processes(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("processes")
    @classmethod
    def _check_processes(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one process or area")
        if len(value) > 100:
            raise ValueError("at most 100 processes (a Slack select holds 100 options)")
        too_long = [p for p in value if len(p) > 75]
        if too_long:
            raise ValueError(f"process names are at most 75 characters, {too_long[0][:30]!r}… is longer")
        if len(set(p.casefold() for p in value)) != len(value):
            raise ValueError("process names must be unique")
        return value

    @field_validator("process_owners", mode="before")
    @classmethod
    def _parse_process_owners(cls, value: Any) -> Any:
        return _pairs(value, "process=user ID pairs such as Production=U0123456789", lower=False)

    @field_validator("process_owners")
    @classmethod
    def _check_process_owners(cls, value: dict[str, str], info: Any) -> dict[str, str]:
        processes = {p.casefold(): p for p in info.data.get("processes") or []}
        checked = {}
        for process, owner in value.items():
            if process.casefold() not in processes:
                raise ValueError(f"{process!r} is not in QMS_PROCESSES; owners are given for listed processes")
            if not is_user_id(owner):
                raise ValueError(f"the owner of {process!r} must be a Slack user ID (U…), got {owner!r}")
            checked[processes[process.casefold()]] = owner
        return checked

    @field_validator("webhooks", mode="before")
    @classmethod
    def _parse_webhooks(cls, value: Any) -> Any:
        if isinstance(value, str):  # the environment: a JSON array of endpoints
            try:
                value = json.loads(value) if value.strip() else []
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f'expected a JSON array such as [{{"url": "https://…", "events": ["nc.raised"], "secret": "…"}}] ({exc.msg})'
                ) from None
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            raise ValueError("expected a list of endpoints, each with url, events and secret")
        endpoints = [e if isinstance(e, WebhookEndpoint) else _endpoint(e, n) for n, e in enumerate(value, 1)]
        names = [e.name for e in endpoints]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"two endpoints are called {twice[0]!r}; give each a name of its own")
        return endpoints

    @field_validator("channel", "leaders_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not is_channel_id(value):
            raise ValueError(f"expected a channel ID such as C0123456789 (channel details > About), got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"expected an IANA timezone such as Europe/Berlin, got {value!r}") from None
        return value

    @field_validator("working_hours")
    @classmethod
    def _check_working_hours(cls, value: str) -> str:
        try:
            start, end = (_hhmm(part) for part in value.split("-"))
        except ValueError:
            raise ValueError(f"expected HH:MM-HH:MM such as 09:00-17:30, got {value!r}") from None
        if start >= end:
            raise ValueError(f"the working day must start before it ends, got {value!r}")
        return f"{start:%H:%M}-{end:%H:%M}"

    @field_validator("working_days")
    @classmethod
    def _check_working_days(cls, value: str) -> str:
        _weekday_set(value)
        return value.lower()

    @field_validator("due_days", mode="before")
    @classmethod
    def _parse_due_days(cls, value: Any) -> Any:
        return _pairs(value, "severity=days pairs such as critical=7,major=30", lower=True)

    @field_validator("due_days")
    @classmethod
    def _check_due_days(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(SEVERITIES))
        if unknown:
            raise ValueError(f"unknown severity {unknown[0]!r}; severities are {', '.join(SEVERITIES)}")
        for severity, days in value.items():
            if not 1 <= days <= 365:
                raise ValueError(f"{severity} due days must be between 1 and 365, got {days}")
        defaults = {"critical": 7, "major": 30, "minor": 60, "observation": 90}
        return {**defaults, **value}

    @field_validator("reminder_days_before", "audit_prepare_days", mode="before")
    @classmethod
    def _split_reminders(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("audit_prepare_days")
    @classmethod
    def _check_audit_prepare(cls, value: list[int]) -> list[int]:
        if any(not 2 <= d <= 120 for d in value):
            raise ValueError(
                "days before an audit to remind the auditor to prepare must be between 2 and 120 (the day before and the day itself always come)"
            )
        return sorted(set(value), reverse=True)

    @field_validator("reminder_days_before")
    @classmethod
    def _check_reminders(cls, value: list[int]) -> list[int]:
        if any(not 0 <= d <= 90 for d in value):
            raise ValueError("reminder days before the due date must be between 0 and 90")
        return sorted(set(value), reverse=True)

    @field_validator("digest")
    @classmethod
    def _check_digest(cls, value: str) -> str:
        parts = value.lower().split()
        try:
            if len(parts) != 2 or parts[0] not in WEEKDAYS:
                raise ValueError
            at = _hhmm(parts[1])
        except ValueError:
            raise ValueError(f"expected a weekday and a time such as 'mon 08:00', got {value!r}") from None
        return f"{parts[0]} {at:%H:%M}"

    @field_validator("slack_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not re.match(r"https?://", value):
            raise ValueError(f"expected an http(s) URL such as {SLACK_API_URL}, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            scheme = value.split(":")[0]
            raise ValueError(
                f"expected sqlite:///path.db or postgresql+psycopg://user:password@host/db, got {scheme!r}…"
            )
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver we ship; say so rather than failing on a missing psycopg2.
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    # --- derived values used across the bot ---

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def working_window(self) -> tuple[time, time]:
        start, end = self.working_hours.split("-")
        return _hhmm(start), _hhmm(end)

    @property
    def working_weekdays(self) -> frozenset[int]:
        return _weekday_set(self.working_days)

    def process_owner(self, process: str) -> str | None:
        return self.process_owners.get(process)

    @property
    def manager_ids(self) -> list[str]:
        """QMS managers given as user IDs (empty when they are a user group)."""
        return [m for m in self.managers if is_user_id(m)]

    @property
    def digest_weekday(self) -> int:
        return WEEKDAYS.index(self.digest.split()[0])

    @property
    def digest_time(self) -> time:
        return _hhmm(self.digest.split()[1])


def _weekday_set(value: str) -> frozenset[int]:
    days: set[int] = set()
    for part in _split(value.lower()):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"expected weekdays such as mon-fri or mon,tue,thu, got {value!r}")
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if b < a:
            raise ValueError(f"a day range runs forwards (mon-fri), got {part!r}")
        days.update(range(a, b + 1))
    if not days:
        raise ValueError("name at least one working day")
    return frozenset(days)


def setting_name(field: str) -> str:
    """The environment variable a person sets for a field (errors name aliases as they are)."""
    if field.isupper():
        return field
    info = Settings.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, AliasChoices):
        return str(info.validation_alias.choices[0])
    return f"QMS_{field.upper()}"


def load_settings(config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Read settings or raise ConfigError with one line per bad setting."""
    explicit = config_file or os.environ.get("QMS_CONFIG")
    path = Path(explicit or "qms.toml")
    if explicit and not path.is_file():
        raise ConfigError([f"QMS_CONFIG: no settings file at {path} (unset QMS_CONFIG or create the file)"])

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        loaded = _FromFile(**overrides)
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None
    except ValueError as exc:  # a qms.toml that is not TOML
        raise ConfigError([f"{path}: {exc}"]) from None
    return loaded


def _explain(exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] not in ("value_error",) and "input" in error:
            message = f"{message}, got {error['input']!r}"
        lines.append(f"{setting_name(field)}: {message}")
    return lines


def credential_problems(settings: Settings) -> list[str]:
    """What is missing or malformed for `qms-bot run`; empty when it can start."""
    token = settings.slack_bot_token
    if not token:
        # One line for a fresh set-up: everything it needs, in the order Slack shows it.
        return [
            f"SLACK_BOT_TOKEN is not set: {MANIFEST_HINT}, install it, then set SLACK_BOT_TOKEN (xoxb-…) "
            "and SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
        ]
    problems = []
    if not token.startswith("xoxb-"):
        problems.append(
            "SLACK_BOT_TOKEN must be the Bot User OAuth Token starting with xoxb- (OAuth & Permissions page)"
        )
    if settings.slack_app_token is not None:
        if not settings.slack_app_token.startswith("xapp-"):
            problems.append(
                "SLACK_APP_TOKEN must be an app-level token starting with xapp- with the connections:write scope "
                "(Basic Information > App-Level Tokens), or unset it to run in HTTP mode"
            )
    else:
        secret = settings.slack_signing_secret
        if not secret:
            problems.append(
                "set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode: "
                f"{MANIFEST_HINT}; both are on the app's Basic Information page"
            )
        elif not re.fullmatch(r"[0-9a-f]{32}", secret):
            problems.append(
                "SLACK_SIGNING_SECRET must be the 32-character hex Signing Secret from the app's Basic Information page"
            )
    return problems


class _ExplicitSettings(Settings):
    model_config = SettingsConfigDict(toml_file=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def explicit_settings(**values: Any) -> Settings:
    """Settings from exactly these values and the defaults: no environment, no qms.toml."""
    try:
        return _ExplicitSettings(**values)
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None
