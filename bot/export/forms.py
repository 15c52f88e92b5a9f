"""What an export is asked for: the period, from `--from`/`--to` or `/qms export`, and what may go wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.workspace.config_checks import DEFAULT_RISK_BANDS


class ExportError(ValueError):
    """The export cannot be written as asked; the message says what to change."""


@dataclass(frozen=True)
class Period:
    """From the start of `first` to the end of `last`, both in the organisation's timezone; open when None."""

    first: date | None
    last: date | None
    zone: tzinfo
    today: date  # from the bot's clock: the objectives' current period
    risk_bands: str = DEFAULT_RISK_BANDS  # QMS_RISK_BANDS: the risk register's bands

    @property
    def start(self) -> datetime | None:
        return datetime.combine(self.first, time(0), self.zone) if self.first else None

    @property
    def end(self) -> datetime | None:
        return datetime.combine(self.last + timedelta(days=1), time(0), self.zone) if self.last else None

    @property
    def end_date(self) -> date | None:
        return self.last + timedelta(days=1) if self.last else None

    def describe(self) -> str:
        if not (self.first or self.last):
            return "everything on record"
        return f"{self.first or 'the start'} to {self.last or 'today'}"


def parse_period(
    first: str | None, last: str | None, zone: tzinfo, today: date, risk_bands: str = DEFAULT_RISK_BANDS
) -> Period:
    """--from/--to (YYYY-MM-DD, both optional); ExportError naming the bad one."""
    found: list[date | None] = []
    for flag, raw in (("--from", first), ("--to", last)):
        if raw in (None, ""):
            found.append(None)
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
            raise ExportError(f"{flag}: expected a date such as 2026-01-31, got {raw!r}")
        try:
            found.append(date.fromisoformat(raw.strip()))
        except ValueError:
            raise ExportError(f"{flag}: {raw!r} is not a date") from None
    if found[0] and found[1] and found[0] > found[1]:
        raise ExportError(f"--from ({found[0]}) is after --to ({found[1]})")
    if found[0] and found[0] > today:
        # Otherwise it is queued as "<future> to today": an empty period that reads like a mistake.
        raise ExportError(f"--from ({found[0]}) is in the future; today is {today}")
    return Period(found[0], found[1], zone, today, risk_bands)
