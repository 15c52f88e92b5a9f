"""What a good value of each setting looks like: the parsers and checks behind `Settings`.

Apart from `config.py` so that the settings' names and defaults read on one page. Each
check raises ValueError with one message saying what a good value looks like; pydantic
turns it into the line `qms-bot check` prints for that setting.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field

from bot.surfaces.mrkdwn import is_channel_id, is_user_id, is_usergroup_id

SEVERITIES = ("critical", "major", "minor", "observation")
DEFAULT_DUE_DAYS = {"critical": 7, "major": 30, "minor": 60, "observation": 90}
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


def unknown(names: Iterable[str], known: Iterable[str]) -> dict[str, str | None]:
    """Each of `names` not among `known` (case aside), with the closest known name or None."""
    spelt = {k.casefold(): k for k in known}
    found: dict[str, str | None] = {}
    for name in sorted(names):
        if name.casefold() not in spelt:
            near = difflib.get_close_matches(name.casefold(), spelt, n=1, cutoff=0.6)
            found[name] = spelt[near[0]] if near else None
    return found


def split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def pairs(value: Any, expected: str, *, lower: bool) -> Any:
    """`a=1,b=2` from the environment as a dict; TOML tables pass through as they are."""
    if not isinstance(value, str):
        return value
    parsed: dict[str, str] = {}
    for part in split(value):
        key, sep, item = part.rpartition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected {expected}, got {part!r}")
        parsed[key.strip().lower() if lower else key.strip()] = item.strip()
    return parsed


def hhmm(text: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not match:
        raise ValueError
    return time(int(match.group(1)), int(match.group(2)))


def people(value: list[str], what: str) -> list[str]:
    groups = [v for v in value if is_usergroup_id(v)]
    users = [v for v in value if is_user_id(v)]
    bad = [v for v in value if v not in groups and v not in users]
    if bad:
        raise ValueError(f"{what} must be Slack user IDs (U…) or one user group ID (S…), got {bad[0]!r}")
    if groups and (users or len(groups) > 1):
        raise ValueError(f"give either user IDs or a single user group ID for {what}, not both")
    return value


def weekday_set(value: str) -> frozenset[int]:
    days: set[int] = set()
    for part in split(value.lower()):
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


def processes(value: list[str]) -> list[str]:
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


def process_owners(value: dict[str, str], listed: list[str]) -> dict[str, str]:
    """Each owner under the process's name as listed (matched regardless of case)."""
    names = {p.casefold(): p for p in listed}
    checked = {}
    for process, owner in value.items():
        if process.casefold() not in names:
            raise ValueError(f"{process!r} is not in QMS_PROCESSES; owners are given for listed processes")
        if not is_user_id(owner):
            raise ValueError(f"the owner of {process!r} must be a Slack user ID (U…), got {owner!r}")
        checked[names[process.casefold()]] = owner
    return checked


class WebhookEndpoint(BaseModel, frozen=True):
    """An outside system (ERP, ticketing, a QMS database) that is sent the events it asks for."""

    name: str
    url: str
    events: tuple[str, ...]
    secret: str = Field(repr=False)  # never in `qms-bot check` or a log line

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events


def webhooks(value: Any) -> list[WebhookEndpoint]:
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
    endpoints = [e if isinstance(e, WebhookEndpoint) else endpoint(e, n) for n, e in enumerate(value, 1)]
    names = [e.name for e in endpoints]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"two endpoints are called {twice[0]!r}; give each a name of its own")
    return endpoints


def endpoint(raw: Any, number: int) -> WebhookEndpoint:
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
    events = split(raw.get("events") or [])
    if not events:
        raise ValueError(f'{where}: list the events it wants, e.g. ["nc.raised", "nc.closed"], or ["*"] for all')
    wrong = [e for e in events if e != "*" and e not in WEBHOOK_EVENTS]
    if wrong:
        raise ValueError(f"{where}: unknown event {wrong[0]!r}; events are {', '.join(WEBHOOK_EVENTS)} or *")
    secret = str(raw.get("secret") or "")
    if len(secret) < 16:
        raise ValueError(f"{where}: secret must be at least 16 characters (the receiver checks the signature with it)")
    return WebhookEndpoint(name=name, url=url, events=tuple(events), secret=secret)


def channel(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if not is_channel_id(value):
        raise ValueError(f"expected a channel ID such as C0123456789 (channel details > About), got {value!r}")
    return value


def timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"expected an IANA timezone such as Europe/Berlin, got {value!r}") from None
    return value


def working_hours(value: str) -> str:
    try:
        start, end = (hhmm(part) for part in value.split("-"))
    except ValueError:
        raise ValueError(f"expected HH:MM-HH:MM such as 09:00-17:30, got {value!r}") from None
    if start >= end:
        raise ValueError(f"the working day must start before it ends, got {value!r}")
    return f"{start:%H:%M}-{end:%H:%M}"


DEFAULT_RISK_BANDS = "low:1-4,medium:5-9,high:10-25"
RISK_SCORES = range(1, 26)  # likelihood × impact on a 5×5 matrix


def risk_bands(value: str) -> list[tuple[str, int, int]]:
    """`name:low-high` pairs, low to high, that cover the scores 1–25 once, without gaps."""
    bands: list[tuple[str, int, int]] = []
    for part in (p.strip() for p in value.split(",")):
        name, colon, span = part.partition(":")
        low, dash, high = span.partition("-")
        if not colon or not dash or not name.strip() or not low.strip().isdigit() or not high.strip().isdigit():
            raise ValueError(f"{part!r} is not name:low-high, as in low:1-4,medium:5-9,high:10-25")
        bands.append((name.strip().lower(), int(low), int(high)))
    expected = 1
    for band, start, end in bands:
        if start != expected or end < start:
            raise ValueError(f"band {band!r} must start at {expected} and end at or after it (got {start}-{end})")
        expected = end + 1
    if expected != RISK_SCORES.stop:
        raise ValueError(f"the bands must end at {RISK_SCORES.stop - 1}, the highest score (5 × 5)")
    if len({b[0] for b in bands}) != len(bands):
        raise ValueError("each band needs a name of its own")
    return bands


def due_days(value: dict[str, int]) -> dict[str, int]:
    unknown = sorted(set(value) - set(SEVERITIES))
    if unknown:
        raise ValueError(f"unknown severity {unknown[0]!r}; severities are {', '.join(SEVERITIES)}")
    for severity, days in value.items():
        if not 1 <= days <= 365:
            raise ValueError(f"{severity} due days must be between 1 and 365, got {days}")
    return {**DEFAULT_DUE_DAYS, **value}


def audit_prepare_days(value: list[int]) -> list[int]:
    if any(not 2 <= d <= 120 for d in value):
        raise ValueError(
            "days before an audit to remind the auditor to prepare must be between 2 and 120 (the day before and the day itself always come)"
        )
    return sorted(set(value), reverse=True)


def reminder_days(value: list[int]) -> list[int]:
    if any(not 0 <= d <= 90 for d in value):
        raise ValueError("reminder days before the due date must be between 0 and 90")
    return sorted(set(value), reverse=True)


def digest(value: str) -> str:
    parts = value.lower().split()
    try:
        if len(parts) != 2 or parts[0] not in WEEKDAYS:
            raise ValueError
        at = hhmm(parts[1])
    except ValueError:
        raise ValueError(f"expected a weekday and a time such as 'mon 08:00', got {value!r}") from None
    return f"{parts[0]} {at:%H:%M}"


def api_url(value: str) -> str:
    if not re.match(r"https?://", value):
        raise ValueError(f"expected an http(s) URL such as {SLACK_API_URL}, got {value!r}")
    return value if value.endswith("/") else value + "/"


def database_url(value: str) -> str:
    if not value.startswith(("sqlite:", "postgresql")):
        scheme = value.split(":")[0]
        raise ValueError(f"expected sqlite:///path.db or postgresql+psycopg://user:password@host/db, got {scheme!r}…")
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        # psycopg 3 is the driver we ship; say so rather than failing on a missing psycopg2.
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


# What AWS allows in a bucket's name, and the characters it names safe in a key.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_KEY_PART = re.compile(r"[A-Za-z0-9!_.*'()-]+")
EVIDENCE_URL_EXPECTED = (
    "expected s3://bucket or s3://bucket/prefix (or unset it to keep evidence files in the database)"
)


def evidence_url(value: str | None) -> str | None:
    """QMS_EVIDENCE_URL as the bot reads it: None keeps the files in the database."""
    if value in (None, ""):
        return None
    bucket, prefix = evidence_location(value)
    return f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"


def evidence_location(value: str) -> tuple[str, str]:
    """The bucket and the key prefix (no slash at either end) an s3:// URL names."""
    scheme, sep, rest = value.partition("://")
    if scheme.lower() != "s3" or not sep:
        # Only the scheme is shown of a URL: the rest may hold a password.
        shown = f"{scheme}://…" if sep else value
        raise ValueError(f"{EVIDENCE_URL_EXPECTED}, got {shown!r}")
    bucket, _, prefix = rest.partition("/")
    if "@" in bucket or ":" in bucket:
        # Not echoed: what stands before the @ may well be a secret key.
        raise ValueError(
            "give only s3://bucket/prefix: credentials, region and endpoint come from the AWS settings boto3 reads "
            "(AWS_ACCESS_KEY_ID or AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3)"
        )
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise ValueError(
            f"{bucket!r} is not an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit"
        )
    parts = [part for part in prefix.split("/") if part]
    bad = next((part for part in parts if part in (".", "..") or not _KEY_PART.fullmatch(part)), None)
    if bad is not None:
        raise ValueError(
            f"the prefix part {bad!r} is not a safe S3 key part: letters, digits and !_.*'()- only, between slashes"
        )
    return bucket, "/".join(parts)
