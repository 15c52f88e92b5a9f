"""Every ID Slack calls the bot by, in one place: slash commands, shortcuts, events, the
callback IDs of forms and the action IDs of buttons and selects.

Handlers register their listeners from these names, builders put them on the surfaces,
`/qms help` lists the commands, and tests hold manifest.yml to exactly this set and walk
every form and button from here. A process adds its entries here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    QMS = "/qms"
    NC = "/nc"
    FEEDBACK = "/feedback"
    KPI = "/kpi"
    AUDIT = "/audit"
    DOC = "/doc"
    REVIEW = "/review"
    TRAINING = "/training"
    EQUIPMENT = "/equipment"
    RISK = "/risk"
    SUPPLIER = "/supplier"


class ShortcutId(StrEnum):
    RAISE_NC = "raise_nc"
    RAISE_NC_FROM_MESSAGE = "raise_nc_from_message"
    LOG_FEEDBACK_FROM_MESSAGE = "log_feedback_from_message"
    ATTACH_EVIDENCE_FROM_MESSAGE = "attach_evidence_from_message"
    RAISE_RISK = "raise_risk"
    RAISE_RISK_FROM_MESSAGE = "raise_risk_from_message"


class Event(StrEnum):
    MEMBER_JOINED_CHANNEL = "member_joined_channel"
    APP_HOME_OPENED = "app_home_opened"
    SUBTEAM_MEMBERS_CHANGED = "subteam_members_changed"


class Callback(StrEnum):
    """The callback_id of each form (modal)."""

    NC_RAISE = "nc_raise"
    NC_CONTAIN = "nc_contain_submit"
    NC_ROOT_CAUSE = "nc_root_cause_submit"
    NC_ACTION = "nc_action_submit"
    NC_ACTION_DONE = "nc_action_done_submit"
    NC_VERIFY = "nc_verify_submit"
    NC_CANCEL = "nc_cancel_submit"
    OUT_RECORD = "nc_output_submit"
    OUT_DECIDE = "nc_disposition_submit"
    OUT_REVERIFY = "disposition_reverify_submit"
    OUT_REJECT = "disposition_reject_submit"
    EVIDENCE_FROM_MESSAGE = "evidence_from_message_submit"
    TRAINING_PUBLISH = "training_publish"
    TRAINING_QUESTION = "training_question_submit"
    FEEDBACK_LOG = "feedback_log"
    AUDIT_PLAN = "audit_plan"
    AUDIT_COMPLETE = "audit_complete"
    AUDIT_OBSERVATION = "audit_observation"
    DOC_ADD = "doc_add"
    DOC_REVISE = "doc_revise"
    REVIEW_SCHEDULE = "review_schedule"
    REVIEW_RECORD = "review_record"
    REVIEW_ACTION_DONE = "review_action_done"
    OBJECTIVE_NEW = "objective_new"
    EQUIPMENT_ADD = "equipment_add"
    EQUIPMENT_CALIBRATE = "equipment_calibrate_submit"
    COMPETENCE_REQUIRE = "competence_require"
    RISK_RAISE = "risk_raise"
    RISK_TREAT = "risk_treat_submit"
    RISK_REVIEW = "risk_review_submit"
    RISK_ACTION = "risk_action_submit"
    RISK_ACTION_DONE = "risk_action_done_submit"
    SUPPLIER_ADD = "supplier_add"
    SUPPLIER_EVALUATE = "supplier_evaluate_submit"
    SUPPLIER_STATUS = "supplier_status_submit"
    SNOOZE = "nudge_snooze_submit"


class Action(StrEnum):
    """The action_id of each button and select the bot listens to."""

    NC_CONTAIN = "nc_contain"
    NC_ROOT_CAUSE = "nc_root_cause"
    NC_ADD_ACTION = "nc_add_action"
    NC_ACTION_DONE = "nc_action_done"
    NC_VERIFY = "nc_verify"
    NC_CLOSE = "nc_close"
    NC_CANCEL = "nc_cancel"
    NC_LINK_RECURRENCE = "nc_link_recurrence"
    NC_DISMISS_RECURRENCE = "nc_dismiss_recurrence"
    OUT_RECORD = "nc_output"
    OUT_DECIDE = "nc_disposition"
    OUT_APPROVE = "disposition_approve"
    OUT_REJECT = "disposition_reject"
    OUT_REVERIFY = "disposition_reverify"
    TRAINING_ACK = "training_ack"
    TRAINING_QUESTION = "training_question"
    TRAINING_STATUS = "training_status"
    FEEDBACK_RAISE_NC = "feedback_raise_nc"
    FEEDBACK_ADVANCE = "feedback_advance"
    AUDIT_ANSWER = "audit_answer"
    AUDIT_CHECKLIST = "audit_checklist"
    AUDIT_COMPLETE = "audit_complete_open"
    DOC_REVIEWED_NO_CHANGE = "doc_reviewed_no_change"
    DOC_REVISED = "doc_revised"
    REVIEW_RECORD = "review_record_open"
    REVIEW_PACK = "review_pack"
    REVIEW_ACTION_DONE = "review_action_done_open"
    EQUIPMENT_CALIBRATE = "equipment_calibrate"
    RISK_TREAT = "risk_treat"
    RISK_REVIEW = "risk_review"
    RISK_ADD_ACTION = "risk_add_action"
    RISK_ACTION_DONE = "risk_action_done"
    RISK_FROM_FINDING = "risk_from_finding"
    SUPPLIER_EVALUATE = "supplier_evaluate"
    SUPPLIER_STATUS = "supplier_status"
    SUPPLIER_OPEN_NC = "supplier_open_nc"
    HOME_RAISE_NC = "home_raise_nc"
    HOME_LOG_FEEDBACK = "home_log_feedback"
    SNOOZE = "nudge_snooze"


class Suggestion(StrEnum):
    """The action_id of each external select: Slack asks the bot for its options as the person
    types (a block_suggestion payload, answered with the options in the ack)."""

    NC_SUPPLIER = "nc_supplier_pick"


# A button shown once per item in one actions block ("Mark A1 done", "Mark A2 done") carries
# its own action_id, because Slack refuses an actions block whose elements share one: the
# registry id, this separator and the item. One listener hears them all, and the plain id
# that cards posted before this change still carry (with the same value format).
ITEM_SEPARATOR = ":"


def item_action_id(action: Action, item: object) -> str:
    """The action_id of the button for one `item` of several in an actions block."""
    return f"{action}{ITEM_SEPARATOR}{item}"


def item_action_ids(action: Action) -> re.Pattern[str]:
    """What one listener matches: the plain registry id and every `item_action_id` of it."""
    sep = re.escape(ITEM_SEPARATOR)
    return re.compile(rf"^{re.escape(action)}(?:{sep}[^{sep}]+)?\Z")


def registered_action(action_id: str) -> str:
    """The registry id a button's action_id stands for (the item, if any, dropped)."""
    return action_id.partition(ITEM_SEPARATOR)[0]


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
    SlashCommand(
        Command.QMS,
        "Quality management system: help, your role, the digest, delivery status, evidence export",
        "help | whoami | digest | outbox | export [from] [to]",
    ),
    SlashCommand(
        Command.NC,
        "Raise a nonconformity, list open ones, or show one",
        "[title] | list [mine|open|overdue] | NC-2026-0001",
    ),
    SlashCommand(
        Command.FEEDBACK,
        "Log customer feedback: complaints, compliments, suggestions, survey responses",
        "[what the customer said] | list | stats [days] | FB-2026-0001",
    ),
    SlashCommand(Command.KPI, "Quality objectives against their targets", "[list] | new | log OBJ-3 97.5 [2026-11]"),
    SlashCommand(
        Command.AUDIT,
        "The internal audit programme: plan, checklist, findings",
        "list | plan | AU-2026-0001 | checklist AU-2026-0001 | cancel AU-2026-0001 reason",
    ),
    SlashCommand(Command.DOC, "The document register and its periodic reviews", "list | add | SOP-012"),
    SlashCommand(
        Command.REVIEW,
        "Management reviews: schedule, input pack, minutes and actions",
        "list | schedule | MR-2026-0001 | pack MR-2026-0001 | record MR-2026-0001 | cancel MR-2026-0001 reason",
    ),
    SlashCommand(
        Command.EQUIPMENT,
        "Monitoring and measuring equipment and its calibrations",
        "list | add | G-012 | out G-012 reason | back G-012",
    ),
    SlashCommand(
        Command.RISK,
        "The risk and opportunity register: raise one, list them, or show one",
        "[title] | list | RK-2026-0001 | close RK-2026-0001 reason | help",
    ),
    SlashCommand(
        Command.TRAINING,
        "Trainings and document revisions to read and acknowledge",
        "me | list | new | status TR-2026-0001 | close TR-2026-0001 | matrix | require",
    ),
    SlashCommand(
        Command.SUPPLIER,
        "The external providers register: suppliers, their status and evaluations",
        "list | add | help | [supplier name]",
    ),
]

USAGES: list[Usage] = [
    Usage("/qms help", "List every command with its usage"),
    Usage("/qms whoami", "Show the QMS roles the bot gives you (QMS manager, leader, employee)"),
    Usage("/qms digest", "The leaders' weekly digest, as it stands now", "leaders, QMS managers"),
    Usage("/qms outbox", "Nudge delivery status: waiting, sent, failed, with the latest failures", "QMS managers"),
    Usage(
        "/qms export 2026-01-01 2026-06-30",
        "Every register and the audit trail as one workbook, sent to you in a DM (dates optional)",
        "QMS managers",
    ),
    Usage("/nc", "Raise a nonconformity (the form opens)"),
    Usage("/nc Label missing on batch 4711", "Raise a nonconformity with the title filled in"),
    Usage("/nc list", "Your open NCs and actions; also `/nc list open` and `/nc list overdue`"),
    Usage("/nc NC-2026-0001", "One NC with its history"),
    Usage("/feedback", "Log customer feedback (the form opens); a complaint gets a card in the QMS channel"),
    Usage("/feedback list", "Open complaints and the latest feedback"),
    Usage(
        "/feedback stats 90",
        "Average rating, complaints, share turned into NCs, median days to answer, for the last 90 days",
    ),
    Usage("/feedback FB-2026-0001", "One feedback entry"),
    Usage("/kpi", "Quality objectives with this period's value, target and status (met, at risk, missed)"),
    Usage("/kpi new", "Define a quality objective: measured by the bot or entered by hand", "QMS managers"),
    Usage("/kpi log OBJ-3 97.5 2026-11", "Enter a value by hand for an objective and period", "QMS managers, leaders"),
    Usage("/training me", "What you still have to read, with your training record"),
    Usage("/training list", "Open training rounds with how far each has got"),
    Usage(
        "/training new",
        "Publish a document revision or training for people to acknowledge",
        "QMS managers and document owners",
    ),
    Usage(
        "/training status TR-2026-0001",
        "Completion and who has not read it yet",
        "its publisher, QMS managers, leaders",
    ),
    Usage(
        "/training close TR-2026-0001",
        "Close a round: reminders stop, acknowledgements stay on record",
        "its publisher, QMS managers",
    ),
    Usage(
        "/training matrix",
        "Per role and person what is required, done, due and expired; who acknowledged what",
        "QMS managers",
    ),
    Usage(
        "/training require",
        "Say which documents a user group's or channel's members need, and how often they renew them",
        "QMS managers",
    ),
    Usage("/audit list", "The audit programme this cycle: overdue, planned, done, and processes not yet audited"),
    Usage(
        "/audit plan", "Plan an internal audit: process, scope, clauses, lead auditor, auditees, date", "QMS managers"
    ),
    Usage("/audit AU-2026-0001", "One audit with its checklist progress and findings"),
    Usage(
        "/audit checklist AU-2026-0001",
        "The checklist in your DM, to answer line by line",
        "its lead auditor, QMS managers",
    ),
    Usage("/audit cancel AU-2026-0001 <reason>", "Cancel a planned audit; its reminders stop", "QMS managers"),
    Usage("/doc list", "The document register, reviews overdue and due soon first"),
    Usage("/doc add", "Register a document: reference, title, owner, revision, review interval", "QMS managers"),
    Usage("/doc SOP-012", "One document with its review history"),
    Usage("/equipment list", "The equipment register: quarantined first, then by calibration date"),
    Usage(
        "/equipment add",
        "Register equipment: tag, description, location, owner, calibration interval",
        "QMS managers",
    ),
    Usage("/equipment G-012", "One piece of equipment with its calibrations (and the button to record one)"),
    Usage(
        "/equipment out G-012 sent for repair",
        "Take equipment out of service (not reminded); `/equipment back G-012` returns it",
        "its owner, QMS managers",
    ),
    Usage("/review list", "Management reviews planned and held"),
    Usage("/review schedule", "Plan a management review: date, attendees, recurrence", "QMS managers"),
    Usage("/review MR-2026-0001", "One management review with its actions"),
    Usage(
        "/review pack MR-2026-0001",
        "The input pack (ISO 9001 9.3.2) compiled from the records",
        "attendees, leaders, QMS managers",
    ),
    Usage("/review record MR-2026-0001", "Record the meeting: minutes, decisions, output actions", "QMS managers"),
    Usage(
        "/review cancel MR-2026-0001 <reason>", "Cancel a planned review; its pack and reminders stop", "QMS managers"
    ),
    Usage("/risk", "Raise a risk or an opportunity (the form opens): likelihood and impact 1–5, scored and banded"),
    Usage("/risk The only supplier of seal S-40 is closing", "Raise a risk with the title filled in"),
    Usage("/risk list", "Open risks and opportunities, highest score first, reviews overdue marked"),
    Usage("/risk RK-2026-0001", "One risk with its treatment, actions and score history"),
    Usage(
        "/risk close RK-2026-0001 <reason>",
        "Close a risk that no longer applies: its reminders stop, the record stays",
        "the risk's owner, QMS managers",
    ),
    Usage(
        "Treat, Review (risk card)",
        "Choose the treatment and the residual score; re-score it at its review",
        "the risk's owner, QMS managers",
    ),
    Usage("/supplier list", "The supplier register: evaluations overdue and due soon first, with each status"),
    Usage(
        "/supplier add",
        "Register a supplier: what it supplies, criteria, owner, status, next evaluation",
        "QMS managers",
    ),
    Usage("/supplier ACME Plastics", "One supplier with its evaluations (by name, or SUP-0001)"),
    Usage("Raise nonconformity", "Shortcut (⚡ in the message box): raise an NC from anywhere"),
    Usage("Log customer feedback", "Message shortcut (⋮ on any message): log it as customer feedback, keeping a link"),
    Usage(
        "Raise nonconformity from message",
        "Message shortcut (⋮ on any message): raise an NC, keeping a copy of the message and a link to it",
    ),
    Usage("Raise a risk", "Shortcut (⚡ in the message box): raise a risk or an opportunity from anywhere"),
    Usage(
        "Raise a risk from message",
        "Message shortcut (⋮ on any message): raise a risk, keeping a copy of the message and a link to it",
    ),
    Usage(
        "Attach files as evidence",
        "Message shortcut (⋮ on a message with files): keep your files in it as evidence on an open NC",
        "the NC's owner, whoever raised it, its action owners, QMS managers",
    ),
]

SHORTCUTS: list[Shortcut] = [
    Shortcut(
        ShortcutId.RAISE_NC, "Raise nonconformity", "Report a problem with a product, process or supplier", "global"
    ),
    Shortcut(
        ShortcutId.RAISE_NC_FROM_MESSAGE,
        "Raise nonconformity from message",
        "Raise an NC from this message, keeping a copy and a link",
        "message",
    ),
    Shortcut(
        ShortcutId.LOG_FEEDBACK_FROM_MESSAGE,
        "Log customer feedback",
        "Log what a customer said in this message",
        "message",
    ),
    Shortcut(ShortcutId.RAISE_RISK, "Raise a risk", "Note a risk or an opportunity before it happens", "global"),
    Shortcut(
        ShortcutId.RAISE_RISK_FROM_MESSAGE,
        "Raise a risk from message",
        "Raise a risk from this message, keeping a copy and a link",
        "message",
    ),
    Shortcut(
        ShortcutId.ATTACH_EVIDENCE_FROM_MESSAGE,
        "Attach files as evidence",
        "Keep this message's files on an open NC",
        "message",
    ),
]

# Events the bot subscribes to (manifest: settings.event_subscriptions.bot_events).
EVENTS: list[str] = list(Event)
