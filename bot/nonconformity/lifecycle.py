"""The nonconformity lifecycle and its vocabulary: every allowed step, from which status, to which, and who.

One table, so the card's buttons, the server's checks and the tests read the same rules.
A step that is not in the table for the current status is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

SOURCES = {
    "internal_audit": "Internal audit",
    "customer_complaint": "Customer complaint",
    "supplier": "Supplier",
    "process_monitoring": "Process monitoring",
    "employee_report": "Employee report",
    "external_audit": "External audit",
}
SEVERITY_LABELS = {"critical": "Critical", "major": "Major", "minor": "Minor", "observation": "Observation"}
ROOT_CAUSE_METHODS = {"five_whys": "5 whys", "fishbone": "Fishbone (Ishikawa)", "other": "Other"}
ELSEWHERE = {"yes": "Yes", "no": "No"}
ACTION_KINDS = {"corrective": "Corrective", "preventive": "Preventive"}


class Status(str, Enum):
    OPEN = "open"
    CONTAINED = "contained"
    ROOT_CAUSE_FOUND = "root_cause_found"
    ACTIONS_PLANNED = "actions_planned"
    ACTIONS_DONE = "actions_done"
    EFFECTIVENESS_VERIFIED = "effectiveness_verified"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def finished(self) -> bool:
        return self in (Status.CLOSED, Status.CANCELLED)


STATUS_LABELS = {
    Status.OPEN: "Open",
    Status.CONTAINED: "Contained",
    Status.ROOT_CAUSE_FOUND: "Root cause found",
    Status.ACTIONS_PLANNED: "Actions planned",
    Status.ACTIONS_DONE: "Actions done",
    Status.EFFECTIVENESS_VERIFIED: "Effectiveness verified",
    Status.CLOSED: "Closed",
    Status.CANCELLED: "Cancelled",
}


class Step(str, Enum):
    CONTAIN = "contain"
    RECORD_ROOT_CAUSE = "record_root_cause"
    ADD_ACTION = "add_action"
    COMPLETE_ACTIONS = "complete_actions"  # taken when the last open action is marked done
    VERIFY_EFFECTIVE = "verify_effective"
    VERIFY_NOT_EFFECTIVE = "verify_not_effective"
    CLOSE = "close"
    CANCEL = "cancel"


class Who(str, Enum):
    OWNER_OR_MANAGER = "owner_or_manager"
    ACTION_OWNER_NC_OWNER_OR_MANAGER = "action_owner_nc_owner_or_manager"
    MANAGER = "manager"
    INDEPENDENT_MANAGER = "independent_manager"  # a QMS manager who did none of the actions


@dataclass(frozen=True)
class Rule:
    step: Step
    who: Who
    doing: str  # completes "Only … can …"; {nc} is the record number
    moves: dict[Status, Status]


_ACTIVE = [s for s in Status if not s.finished]

RULES: dict[Step, Rule] = {
    rule.step: rule
    for rule in (
        Rule(Step.CONTAIN, Who.OWNER_OR_MANAGER, "record containment on {nc}", {Status.OPEN: Status.CONTAINED}),
        Rule(
            Step.RECORD_ROOT_CAUSE,
            Who.OWNER_OR_MANAGER,
            "record the root cause of {nc}",
            {Status.CONTAINED: Status.ROOT_CAUSE_FOUND},
        ),
        Rule(
            Step.ADD_ACTION,
            Who.OWNER_OR_MANAGER,
            "add actions to {nc}",
            {
                Status.ROOT_CAUSE_FOUND: Status.ACTIONS_PLANNED,
                Status.ACTIONS_PLANNED: Status.ACTIONS_PLANNED,
                # A further action after the others are done reopens the action phase.
                Status.ACTIONS_DONE: Status.ACTIONS_PLANNED,
            },
        ),
        Rule(
            Step.COMPLETE_ACTIONS,
            Who.ACTION_OWNER_NC_OWNER_OR_MANAGER,
            "mark actions of {nc} done",
            {Status.ACTIONS_PLANNED: Status.ACTIONS_DONE},
        ),
        Rule(
            Step.VERIFY_EFFECTIVE,
            Who.INDEPENDENT_MANAGER,
            "verify the effectiveness of {nc}",
            {Status.ACTIONS_DONE: Status.EFFECTIVENESS_VERIFIED},
        ),
        # Not effective: the root cause was not the real one, so the analysis starts again.
        Rule(
            Step.VERIFY_NOT_EFFECTIVE,
            Who.INDEPENDENT_MANAGER,
            "verify the effectiveness of {nc}",
            {Status.ACTIONS_DONE: Status.CONTAINED},
        ),
        Rule(Step.CLOSE, Who.MANAGER, "close {nc}", {Status.EFFECTIVENESS_VERIFIED: Status.CLOSED}),
        Rule(Step.CANCEL, Who.MANAGER, "cancel {nc}", {s: Status.CANCELLED for s in _ACTIVE}),
    )
}


class StepNotPossible(Exception):
    """The step does not apply to the record's current status."""


def next_status(current: Status | str, step: Step) -> Status:
    status = Status(current)
    moves = RULES[step].moves
    if status not in moves:
        raise StepNotPossible(f"{step.value} is not possible when the NC is {status.label.lower()}")
    return moves[status]


def can(current: Status | str, step: Step) -> bool:
    return Status(current) in RULES[step].moves


def next_steps(current: Status | str) -> list[Step]:
    """The steps the card offers now, in the order people take them."""
    return [step for step in Step if step is not Step.COMPLETE_ACTIONS and can(current, step)]
