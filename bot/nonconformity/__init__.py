"""Nonconformities and corrective action (ISO 9001 8.7 and 10.2).

Anyone raises an NC; its owner records containment, root cause and actions; action owners
mark their actions done with evidence; an independent QMS manager verifies effectiveness
and closes it. Every step is a compare-and-set on the record's status (see
`storage.nonconformities.move`), goes on the audit trail, is posted in the card's thread
through the outbox in the same transaction, and re-renders the card.

This module is the process's public face: other processes, the handlers and the tests use
these names as `nc.<name>`. Inside the package:
- forms.py: what people type into the forms, and its checks;
- raising.py: raising an NC and announcing it;
- rules.py: the steps that move it on; guard.py: who may take them, in one transaction;
- record.py: the NC with what its card shows, and drawing the card;
- nudges.py: the outbox keys and the reminders; replies.py: lists and one record;
- blocks.py and modals.py: Block Kit; lifecycle.py: the statuses and who takes each step;
- attaching.py: who may attach a message's files to an NC as evidence.
"""

from bot.errors import AlreadyDone, NotAllowed, Refused
from bot.nonconformity.actions import ACTION_ALL
from bot.nonconformity.actions import Holder as ActionHolder
from bot.nonconformity.actions import action_line as held_action_line
from bot.nonconformity.actions import action_modal as held_action_form
from bot.nonconformity.actions import add as store_held_action
from bot.nonconformity.actions import complete as complete_held_action
from bot.nonconformity.actions import done_button as held_done_button
from bot.nonconformity.actions import done_modal as held_done_form
from bot.nonconformity.actions import look as look_at_held_action
from bot.nonconformity.actions import tell_owner as tell_action_owner
from bot.nonconformity.asks import OWNER_STEPS, buttons_for, done_button, step_button
from bot.nonconformity.attaching import attach_choices, attach_from_message, check_attach
from bot.nonconformity.blocks import ref
from bot.nonconformity.forms import (
    CLAUSE,
    CLAUSE_MAX,
    NUMBER,
    SUPPLIER_MAX,
    TEXT_MAX,
    TITLE_MAX,
    ActionForm,
    Draft,
    RaiseForm,
    check_action,
    check_raise,
    check_root_cause,
    check_verification,
    due_date_error,
    parse_date,
    required_text,
)
from bot.nonconformity.guard import check_step
from bot.nonconformity.handoffs import redraw_ask
from bot.nonconformity.lifecycle import SEVERITY_LABELS, SOURCES, Status
from bot.nonconformity.nudges import nc_nudges
from bot.nonconformity.raising import (
    ANNOUNCE_GRACE,
    SIMILAR_TITLE,
    Link,
    add_nc,
    announce_raised,
    default_owner,
    possible_recurrence,
    raise_nc,
)
from bot.nonconformity.record import (
    RECORD_TYPE,
    Record,
    attach_evidence,
    cards_touched,
    load_record,
    refresh_card,
    refresh_cards,
)
from bot.nonconformity.replies import LIST_LIMIT, list_reply, record_reply
from bot.nonconformity.rules import (
    add_action,
    cancel,
    close,
    complete_action,
    contain,
    record_root_cause,
    settle_recurrence,
    verify,
)

# Other processes still check their people through here; the checks live in bot.workspace.
from bot.workspace.people_checks import assignee_error, people_error

__all__ = [
    "ACTION_ALL",
    "ActionHolder",
    "complete_held_action",
    "held_action_form",
    "held_action_line",
    "held_done_button",
    "held_done_form",
    "look_at_held_action",
    "store_held_action",
    "tell_action_owner",
    "attach_choices",
    "attach_from_message",
    "check_attach",
    "attach_evidence",
    "OWNER_STEPS",
    "buttons_for",
    "done_button",
    "step_button",
    "SEVERITY_LABELS",
    "SOURCES",
    "Status",
    "ref",
    "ANNOUNCE_GRACE",
    "CLAUSE",
    "CLAUSE_MAX",
    "LIST_LIMIT",
    "NUMBER",
    "RECORD_TYPE",
    "SIMILAR_TITLE",
    "SUPPLIER_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "ActionForm",
    "AlreadyDone",
    "Draft",
    "Link",
    "NotAllowed",
    "RaiseForm",
    "Record",
    "Refused",
    "add_action",
    "add_nc",
    "announce_raised",
    "assignee_error",
    "cancel",
    "cards_touched",
    "check_action",
    "check_raise",
    "check_root_cause",
    "check_step",
    "check_verification",
    "close",
    "complete_action",
    "contain",
    "default_owner",
    "due_date_error",
    "list_reply",
    "load_record",
    "nc_nudges",
    "parse_date",
    "people_error",
    "possible_recurrence",
    "raise_nc",
    "record_reply",
    "record_root_cause",
    "redraw_ask",
    "refresh_card",
    "refresh_cards",
    "required_text",
    "settle_recurrence",
    "verify",
]
