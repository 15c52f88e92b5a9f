"""Control of nonconforming outputs (ISO 9001 8.7): what an NC affected, where it is held,
the disposition decisions on it, who authorised them, and the re-verification of corrected
output. Output still on hold keeps its NC from closing.

The process's public face, used as `outputs.<name>`. Inside the package:
- forms.py: the forms' checks, and how much is still on hold (`holding`);
- rules.py: the changes, each in one transaction with the NC's trail and thread note;
  authorisation.py: an approver authorising or rejecting a decision;
- blocks.py: the card's part, the forms, the request to an approver (its Authorise / Reject
  also on the approver's Home tab); nudges.py: outbox keys and the reminders of decisions
  awaiting authorisation;
- replies.py: the scrap and rework figures for a period (review pack, objectives).
"""

from bot.outputs.authorisation import authorise, check_authoriser, check_rejection
from bot.outputs.blocks import (
    OUTPUT_BLOCK,
    authorise_buttons,
    card_blocks,
    decision_line,
    decision_modal,
    hold_said,
    output_modal,
    reject_modal,
    reverify_modal,
)
from bot.outputs.blocks import after_authorising as authorised_note
from bot.outputs.forms import KINDS, NEEDS_REVERIFY, Holding, holding
from bot.outputs.nudges import disposition_nudges
from bot.outputs.replies import Figures, figure_lines, scrap_and_rework
from bot.outputs.rules import (
    RECORD_TYPE,
    Outputs,
    check_owner,
    close_refusal,
    decide,
    find_decision,
    load,
    record_output,
    reverify,
    withdraw_requests,
)

__all__ = [
    "KINDS",
    "OUTPUT_BLOCK",
    "NEEDS_REVERIFY",
    "RECORD_TYPE",
    "Figures",
    "Holding",
    "Outputs",
    "authorise",
    "authorise_buttons",
    "authorised_note",
    "card_blocks",
    "check_authoriser",
    "check_owner",
    "check_rejection",
    "close_refusal",
    "decide",
    "decision_line",
    "decision_modal",
    "disposition_nudges",
    "figure_lines",
    "find_decision",
    "hold_said",
    "holding",
    "load",
    "output_modal",
    "record_output",
    "reject_modal",
    "reverify",
    "reverify_modal",
    "scrap_and_rework",
    "withdraw_requests",
]
