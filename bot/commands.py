"""Every slash command, shortcut and event the bot has, in one place.

Handlers register their listeners from these names, `/qms help` lists them, and a test
holds manifest.yml to exactly this set. A feature adds its entries here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str
    usage_hint: str


@dataclass(frozen=True)
class Usage:
    example: str
    summary: str
    who: str = "everyone"


@dataclass(frozen=True)
class Shortcut:
    callback_id: str
    name: str
    description: str
    kind: str  # "global" or "message"


SLASH_COMMANDS: list[SlashCommand] = [
    SlashCommand("/qms", "Quality management system: help, your role, the digest, delivery status, evidence export", "help | whoami | digest | outbox | export [from] [to]"),
    SlashCommand("/nc", "Raise a nonconformity, list open ones, or show one", "[title] | list [mine|open|overdue] | NC-2026-0001"),
    SlashCommand("/feedback", "Log customer feedback: complaints, compliments, suggestions, survey responses", "[what the customer said] | list | stats [days] | FB-2026-0001"),
    SlashCommand("/kpi", "Quality objectives against their targets", "[list] | new | log OBJ-3 97.5 [2026-11]"),
    SlashCommand("/audit", "The internal audit programme: plan, checklist, findings", "list | plan | AU-2026-0001 | checklist AU-2026-0001 | cancel AU-2026-0001 reason"),
    SlashCommand("/doc", "The document register and its periodic reviews", "list | add | SOP-012"),
    SlashCommand("/review", "Management reviews: schedule, input pack, minutes and actions", "list | schedule | MR-2026-0001 | pack MR-2026-0001 | record MR-2026-0001 | cancel MR-2026-0001 reason"),
    SlashCommand("/training", "Trainings and document revisions to read and acknowledge", "me | list | new | status TR-2026-0001 | close TR-2026-0001 | matrix"),
]

USAGES: list[Usage] = [
    Usage("/qms help", "List every command with its usage"),
    Usage("/qms whoami", "Show the QMS roles the bot gives you (QMS manager, leader, employee)"),
    Usage("/qms digest", "The leaders' weekly digest, as it stands now", "leaders, QMS managers"),
    Usage("/qms outbox", "Nudge delivery status: waiting, sent, failed, with the latest failures", "QMS managers"),
    Usage("/qms export 2026-01-01 2026-06-30", "Every register and the audit trail as one workbook, sent to you in a DM (dates optional)", "QMS managers"),
    Usage("/nc", "Raise a nonconformity (the form opens)"),
    Usage("/nc Label missing on batch 4711", "Raise a nonconformity with the title filled in"),
    Usage("/nc list", "Your open NCs and actions; also `/nc list open` and `/nc list overdue`"),
    Usage("/nc NC-2026-0001", "One NC with its history"),
    Usage("/feedback", "Log customer feedback (the form opens); a complaint gets a card in the QMS channel"),
    Usage("/feedback list", "Open complaints and the latest feedback"),
    Usage("/feedback stats 90", "Average rating, complaints, share turned into NCs, median days to answer, for the last 90 days"),
    Usage("/feedback FB-2026-0001", "One feedback entry"),
    Usage("/kpi", "Quality objectives with this period's value, target and status (met, at risk, missed)"),
    Usage("/kpi new", "Define a quality objective: measured by the bot or entered by hand", "QMS managers"),
    Usage("/kpi log OBJ-3 97.5 2026-11", "Enter a value by hand for an objective and period", "QMS managers, leaders"),
    Usage("/training me", "What you still have to read, with your training record"),
    Usage("/training list", "Open training rounds with how far each has got"),
    Usage("/training new", "Publish a document revision or training for people to acknowledge", "QMS managers and document owners"),
    Usage("/training status TR-2026-0001", "Completion and who has not read it yet", "its publisher, QMS managers, leaders"),
    Usage("/training close TR-2026-0001", "Close a round: reminders stop, acknowledgements stay on record", "its publisher, QMS managers"),
    Usage("/training matrix", "Who acknowledged what, person by person", "QMS managers"),
    Usage("/audit list", "The audit programme this cycle: overdue, planned, done, and processes not yet audited"),
    Usage("/audit plan", "Plan an internal audit: process, scope, clauses, lead auditor, auditees, date", "QMS managers"),
    Usage("/audit AU-2026-0001", "One audit with its checklist progress and findings"),
    Usage("/audit checklist AU-2026-0001", "The checklist in your DM, to answer line by line", "its lead auditor, QMS managers"),
    Usage("/audit cancel AU-2026-0001 <reason>", "Cancel a planned audit; its reminders stop", "QMS managers"),
    Usage("/doc list", "The document register, reviews overdue and due soon first"),
    Usage("/doc add", "Register a document: reference, title, owner, revision, review interval", "QMS managers"),
    Usage("/doc SOP-012", "One document with its review history"),
    Usage("/review list", "Management reviews planned and held"),
    Usage("/review schedule", "Plan a management review: date, attendees, recurrence", "QMS managers"),
    Usage("/review MR-2026-0001", "One management review with its actions"),
    Usage("/review pack MR-2026-0001", "The input pack (ISO 9001 9.3.2) compiled from the records", "attendees, leaders, QMS managers"),
    Usage("/review record MR-2026-0001", "Record the meeting: minutes, decisions, output actions", "QMS managers"),
    Usage("/review cancel MR-2026-0001 <reason>", "Cancel a planned review; its pack and reminders stop", "QMS managers"),
    Usage("Raise nonconformity", "Shortcut (⚡ in the message box): raise an NC from anywhere"),
    Usage("Log customer feedback", "Message shortcut (⋮ on any message): log it as customer feedback, keeping a link"),
    Usage("Raise nonconformity from message", "Message shortcut (⋮ on any message): raise an NC, keeping a copy of the message and a link to it"),
]

SHORTCUTS: list[Shortcut] = [
    Shortcut("raise_nc", "Raise nonconformity", "Report a problem with a product, process or supplier", "global"),
    Shortcut("raise_nc_from_message", "Raise nonconformity from message", "Raise an NC from this message, keeping a copy and a link", "message"),
    Shortcut("log_feedback_from_message", "Log customer feedback", "Log what a customer said in this message", "message"),
]

# Events the bot subscribes to (manifest: settings.event_subscriptions.bot_events).
EVENTS: list[str] = ["member_joined_channel", "app_home_opened"]
