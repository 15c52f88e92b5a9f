"""The audit forms' answers and their checks: planning, an observation, completing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot import nonconformity as nc_rules
from bot.delivery.due import parse_day
from bot.workspace.config import SEVERITIES
from bot.workspace.people_checks import assignee_error, people_error

if TYPE_CHECKING:
    from bot.context import Context

NUMBER = re.compile(r"^AU-(\d{4})-(\d{4,})$", re.IGNORECASE)
SCOPE_MAX, CLAUSES_MAX, SUMMARY_MAX, FINDING_MAX, NOTE_MAX = 2000, 200, 3000, 1000, 2000
FINDINGS_MAX = 20  # per kind in one form: more is a sign the audit needs an NC of its own about the process
AUDITEES_MAX = 50

# --- planning ---------------------------------------------------------------------------------


@dataclass
class PlanForm:
    process: str | None = None
    scope: str | None = None
    clauses: str | None = None
    lead_auditor: str | None = None
    auditees: list[str] = field(default_factory=list)
    planned_date: str | None = None


@dataclass
class Plan:
    process: str
    scope: str
    clauses: list[str]
    lead_auditor: str
    auditees: list[str]
    planned_date: date


def _scope_errors(scope: str) -> dict[str, str]:
    if not scope:
        return {"scope": "Say what the audit covers."}
    if len(scope) > SCOPE_MAX:
        return {"scope": f"Keep the scope under {SCOPE_MAX} characters (it has {len(scope)})."}
    return {}


def _clause_errors(clauses: list[str]) -> dict[str, str]:
    bad = [c for c in clauses if not nc_rules.CLAUSE.match(c)]
    if len(", ".join(clauses)) > CLAUSES_MAX:  # as stored: joined with ", "
        return {"clauses": f"Keep the clauses under {CLAUSES_MAX} characters."}
    if bad:
        return {
            "clauses": f"Entry {clauses.index(bad[0]) + 1} is not a clause number: give ISO 9001 clauses such as 7.5, 8.5.1, separated by commas."
        }
    return {}


def _people_errors(ctx: Context, form: PlanForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.lead_auditor:
        errors["lead_auditor"] = "Choose the lead auditor."
    else:
        problem = assignee_error(ctx, form.lead_auditor)
        if problem:
            errors["lead_auditor"] = problem
        elif form.lead_auditor in form.auditees:
            # 9.2.2 c): auditors are chosen so that the audit is objective and impartial.
            errors["auditees"] = (
                "The lead auditor cannot be among the auditees: nobody audits their own work (ISO 9001 9.2.2)."
            )
    if "auditees" not in errors:
        try:
            problem = people_error(ctx, form.auditees)
        except SlackApiError as exc:
            problem = f"Slack did not answer just now ({exc.response.get('error')}); please send the form again."
        if problem:
            errors["auditees"] = problem
    if len(form.auditees) > AUDITEES_MAX:
        errors["auditees"] = f"Choose at most {AUDITEES_MAX} auditees; name the team's lead for a larger area."
    return errors


def _date_errors(ctx: Context, planned: date | None) -> dict[str, str]:
    if planned is None:
        return {"planned_date": "Choose the date of the audit from the calendar."}
    if planned < ctx.today():
        return {"planned_date": f"The audit cannot be planned in the past; today is {ctx.today():%d %b %Y}."}
    return {}


def check_plan(ctx: Context, form: PlanForm) -> tuple[dict[str, str], Plan | None]:
    errors: dict[str, str] = {}
    scope = (form.scope or "").strip()
    if form.process not in ctx.settings.processes:
        errors["process"] = "Choose the process or area to audit."
    errors.update(_scope_errors(scope))
    clauses = [c for c in re.split(r"[,;\s]+", (form.clauses or "").strip()) if c]
    errors.update(_clause_errors(clauses))
    errors.update(_people_errors(ctx, form))
    planned = parse_day(form.planned_date)
    errors.update(_date_errors(ctx, planned))
    if errors:
        return errors, None
    assert form.process and form.lead_auditor and planned
    return {}, Plan(form.process, scope, clauses, form.lead_auditor, list(dict.fromkeys(form.auditees)), planned)


# --- answering the checklist -------------------------------------------------------------------


def check_observation(raw: str | None) -> tuple[dict[str, str], str]:
    """The note of a line answered "observation": what was observed, within NOTE_MAX."""
    note = (raw or "").strip()
    if not note:
        return {"note": "Say what you observed."}, note
    if len(note) > NOTE_MAX:
        return {"note": f"Keep the note under {NOTE_MAX} characters."}, note
    return {}, note


# --- completing -----------------------------------------------------------------------------------


@dataclass
class Completion:
    summary: str
    nonconformities: list[str]
    severity: str
    improvements: list[str]
    positives: list[str]


def _lines(text: str | None) -> list[str]:
    return [line.strip(" -•*\t") for line in (text or "").splitlines() if line.strip(" -•*\t")]


def check_completion(values: dict[str, Any]) -> tuple[dict[str, str], Completion | None]:
    errors: dict[str, str] = {}
    summary = (values.get("summary") or "").strip()
    if not summary:
        errors["summary"] = "Write the audit's summary: what was audited and the conclusion."
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Keep the summary under {SUMMARY_MAX} characters."
    found: dict[str, list[str]] = {}
    for block, what in (
        ("nonconformities", "nonconformity"),
        ("improvements", "opportunity for improvement"),
        ("positives", "positive observation"),
    ):
        found[block] = _lines(values.get(block))
        if len(found[block]) > FINDINGS_MAX:
            errors[block] = f"At most {FINDINGS_MAX} lines here; group related ones."
        elif any(len(line) > FINDING_MAX for line in found[block]):
            errors[block] = f"Keep each {what} under {FINDING_MAX} characters, one per line."
    severity = values.get("severity") or "minor"
    if severity == "observation":
        errors["severity"] = "An observation is no nonconformity: put it under opportunities for improvement."
    elif severity not in SEVERITIES:
        errors["severity"] = "Choose the severity of the nonconformities."
    if errors:
        return errors, None
    return {}, Completion(summary, found["nonconformities"], severity, found["improvements"], found["positives"])
