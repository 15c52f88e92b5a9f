"""The register's forms and their checks: adding equipment, recording a calibration."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.delivery.due import add_months, parse_day
from bot.workspace.people_checks import assignee_error
from storage import equipment as store

if TYPE_CHECKING:
    from bot.context import Context

TAG = re.compile(r"^[\w][\w./ -]*$")  # the tag on the gauge: G-012, MIC 04, CMM/1
INTERVALS = [("3 months", "3"), ("6 months", "6"), ("1 year", "12"), ("2 years", "24"), ("3 years", "36")]
MONTHS = {int(v) for _, v in INTERVALS}
RESULTS = {"pass": "Pass", "adjusted": "Adjusted, then passed", "fail": "Fail"}
PERFORMERS = {"internal": "Internal", "lab": "External laboratory"}
LINK = re.compile(r"^https?://[^\s<>|]+$")


def tag_key(tag: str) -> str:
    """How tags are compared: case and spacing do not matter (G-012 is g-012)."""
    return re.sub(r"\s+", " ", tag.strip()).casefold()


@dataclass
class Registration:
    tag: str
    description: str
    location: str
    owner: str
    interval_months: int
    last_calibrated: date | None
    next_due: date


def _text_errors(text: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, what, limit in (("tag", "tag", 40), ("description", "description", 150), ("location", "location", 100)):
        if not text[name]:
            errors[name] = f"Enter the {what}."
        elif len(text[name]) > limit:
            errors[name] = f"Keep the {what} under {limit} characters."
    if text["tag"] and "tag" not in errors and not TAG.match(text["tag"]):
        errors["tag"] = "Use the tag as it is printed on the equipment, such as G-012."
    return errors


def check_add(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Registration | None]:
    text = {name: (values.get(name) or "").strip() for name in ("tag", "description", "location")}
    errors = _text_errors(text)
    owner = values.get("owner")
    problem = assignee_error(ctx, owner) if owner else "Choose who looks after the equipment."
    if problem:
        errors["owner"] = problem
    try:
        months = int(values.get("interval_months") or "")
    except ValueError:
        months = 0
    if months not in MONTHS:
        errors["interval_months"] = "Choose how often the equipment is calibrated."
    last = parse_day(values.get("last_calibrated")) if values.get("last_calibrated") else None
    if values.get("last_calibrated") and last is None:
        errors["last_calibrated"] = "Choose the date of the last calibration from the calendar, or leave it empty."
    elif last is not None and last > ctx.today():
        errors["last_calibrated"] = f"The last calibration cannot be in the future; today is {ctx.today():%d %b %Y}."
    if not errors:
        with ctx.db.read() as session:
            if store.by_key(session, tag_key(text["tag"])):
                errors["tag"] = f"{text['tag']} is already in the register; `/equipment {text['tag']}` shows it."
    if errors:
        return errors, None
    assert owner
    # Never calibrated in the bot's knowledge: due now, so the first reminder asks for it.
    next_due = add_months(last, months) if last else ctx.today()
    return {}, Registration(text["tag"], text["description"], text["location"], owner, months, last, next_due)


@dataclass
class CalibrationForm:
    calibrated_on: date
    performed_by: str
    by_lab: bool
    result: str
    certificate: str | None
    note: str | None


def check_calibration(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], CalibrationForm | None]:
    errors: dict[str, str] = {}
    day = parse_day(values.get("calibrated_on"))
    if day is None:
        errors["calibrated_on"] = "Choose the date of the calibration from the calendar."
    elif day > ctx.today():
        errors["calibrated_on"] = f"The calibration cannot be in the future; today is {ctx.today():%d %b %Y}."
    performer = values.get("performer")
    if performer not in PERFORMERS:
        errors["performer"] = "Choose who calibrated it: internal, or an external laboratory."
    by_whom = (values.get("performed_by") or "").strip()
    if not by_whom:
        errors["performed_by"] = "Enter who calibrated it (the person, or the laboratory's name)."
    elif len(by_whom) > 150:
        errors["performed_by"] = "Keep who calibrated it under 150 characters."
    result = values.get("result")
    if result not in RESULTS:
        errors["result"] = "Choose the result: pass, adjusted, or fail."
    certificate = (values.get("certificate") or "").strip() or None
    if certificate and len(certificate) > 1000:
        errors["certificate"] = "Keep the certificate's number or link under 1000 characters."
    note = (values.get("note") or "").strip() or None
    if result == "fail" and not note:
        errors["note"] = "Say what was found out of tolerance: the NC that assesses earlier results starts from it."
    elif note and len(note) > 3000:
        errors["note"] = "Keep the note under 3000 characters."
    if errors:
        return errors, None
    assert day is not None and isinstance(result, str)
    return {}, CalibrationForm(day, by_whom, performer == "lab", result, certificate, note)
