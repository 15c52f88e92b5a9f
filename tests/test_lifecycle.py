"""Every step from every status: the allowed ones move the NC where the rules say, the rest are refused."""

from __future__ import annotations

import pytest

from bot.nonconformity.lifecycle import RULES, Status, Step, StepNotPossible, Who, can, next_status, next_steps

S = Status
ALLOWED: dict[tuple[Step, Status], Status] = {
    (Step.CONTAIN, S.OPEN): S.CONTAINED,
    (Step.RECORD_ROOT_CAUSE, S.CONTAINED): S.ROOT_CAUSE_FOUND,
    (Step.ADD_ACTION, S.ROOT_CAUSE_FOUND): S.ACTIONS_PLANNED,
    (Step.ADD_ACTION, S.ACTIONS_PLANNED): S.ACTIONS_PLANNED,
    (Step.ADD_ACTION, S.ACTIONS_DONE): S.ACTIONS_PLANNED,
    (Step.COMPLETE_ACTIONS, S.ACTIONS_PLANNED): S.ACTIONS_DONE,
    (Step.VERIFY_EFFECTIVE, S.ACTIONS_DONE): S.EFFECTIVENESS_VERIFIED,
    (Step.VERIFY_NOT_EFFECTIVE, S.ACTIONS_DONE): S.CONTAINED,
    (Step.CLOSE, S.EFFECTIVENESS_VERIFIED): S.CLOSED,
    **{(Step.CANCEL, s): S.CANCELLED for s in S if s not in (S.CLOSED, S.CANCELLED)},
}


@pytest.mark.parametrize("step", list(Step), ids=lambda s: s.value)
@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_every_step_from_every_status(step: Step, status: Status) -> None:
    expected = ALLOWED.get((step, status))
    assert can(status, step) is (expected is not None)
    if expected is None:
        with pytest.raises(StepNotPossible):
            next_status(status, step)
    else:
        assert next_status(status.value, step) is expected


def test_closed_and_cancelled_are_final() -> None:
    for status in (S.CLOSED, S.CANCELLED):
        assert status.finished and next_steps(status) == []


def test_the_happy_path_reaches_closed() -> None:
    status = S.OPEN
    for step in (
        Step.CONTAIN,
        Step.RECORD_ROOT_CAUSE,
        Step.ADD_ACTION,
        Step.COMPLETE_ACTIONS,
        Step.VERIFY_EFFECTIVE,
        Step.CLOSE,
    ):
        status = next_status(status, step)
    assert status is S.CLOSED


def test_who_may_take_each_step() -> None:
    assert RULES[Step.CLOSE].who is Who.MANAGER and RULES[Step.CANCEL].who is Who.MANAGER
    assert RULES[Step.VERIFY_EFFECTIVE].who is RULES[Step.VERIFY_NOT_EFFECTIVE].who is Who.INDEPENDENT_MANAGER
    for step in (Step.CONTAIN, Step.RECORD_ROOT_CAUSE, Step.ADD_ACTION):
        assert RULES[step].who is Who.OWNER_OR_MANAGER
    assert all("{nc}" in rule.doing for rule in RULES.values())
