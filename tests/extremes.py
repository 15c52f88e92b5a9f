"""Extreme data for the Block Kit builder tests: the longest hostile texts, records in every
status at their least and largest, and the check that Slack would accept a surface."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot import nonconformity as nc_process
from bot.nonconformity.lifecycle import ACTION_KINDS, ROOT_CAUSE_METHODS, Status
from bot.standin.blockkit import message_problems, view_problems
from bot.standin.sandbox import ANNA, BEN, QUINN
from bot.surfaces.blocks import Reply
from storage.models import CorrectiveAction, Nonconformity

TODAY = date(2026, 11, 25)


NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)


HOSTILE = "<!channel> & <@U0EVIL0001> *bold* _it_ `code` <https://evil.example|click> " + "W" * 400


TEN = 10


def longest(limit: int, seed: str = HOSTILE) -> str:
    """Text of exactly `limit` characters, hostile from its first character."""
    return (seed * (limit // len(seed) + 1))[:limit]


def accepted(surface: Reply | dict[str, Any]) -> list[str]:
    """Slack's reasons to refuse `surface` (a Reply as message arguments, or a view)."""
    if isinstance(surface, Reply):
        return message_problems(surface.as_kwargs())
    return view_problems(surface)


def an_nc(status: Status, size: str) -> Nonconformity:
    big = size == "longest"

    def text(limit: int, small: str) -> str:
        return longest(limit) if big else small

    return Nonconformity(
        id=7,
        number="NC-2026-0007",
        title=text(nc_process.TITLE_MAX, "Label missing"),
        description=text(nc_process.TEXT_MAX, "x"),
        severity="critical" if big else "observation",
        source="supplier" if big else "employee_report",
        process=text(75, "P"),
        supplier=text(nc_process.SUPPLIER_MAX, "S") if big else None,
        iso_clause="8.7.1.2.3.4.5.6.7.8." if big else None,
        initial_containment=text(nc_process.TEXT_MAX, "held"),
        owner=ANNA.id,
        reporter=BEN.id,
        due_date=TODAY - timedelta(days=400),
        status=status.value,
        raised_at=NOW,
        card_channel="C0QMS",
        card_ts="1.2",
        card_permalink="https://example.slack.com/archives/C0QMS/p12?" + "q" * 400 if big else None,
        containment=text(nc_process.TEXT_MAX, "done") if status is not Status.OPEN else None,
        root_cause_method=next(iter(ROOT_CAUSE_METHODS)),
        root_cause=text(nc_process.TEXT_MAX, "why") if status not in (Status.OPEN, Status.CONTAINED) else None,
        occurs_elsewhere="yes",
        elsewhere_note=text(nc_process.TEXT_MAX, "line 3"),
        verified_by=QUINN.id if status in (Status.EFFECTIVENESS_VERIFIED, Status.CLOSED) else None,
        verification_note=text(nc_process.TEXT_MAX, "ok"),
        failed_verifications=99 if big else 0,
        closed_by=QUINN.id if status.finished else None,
        closed_at=NOW if status is Status.CLOSED else None,
        cancel_reason=text(nc_process.TEXT_MAX, "dup") if status is Status.CANCELLED else None,
        possible_recurrence_of=3 if big else None,
        recurrence_of=2 if big else None,
    )


def its_actions(nc: Nonconformity, count: int, big: bool) -> list[CorrectiveAction]:
    done = nc.status not in (Status.ACTIONS_PLANNED.value,)
    return [
        CorrectiveAction(
            id=100 + n,
            nc_id=7,
            seq=n,
            submission=f"v{n}",
            kind=list(ACTION_KINDS)[n % len(ACTION_KINDS)],
            description=longest(nc_process.TEXT_MAX) if big else "a",
            owner=ANNA.id,
            due_date=TODAY + timedelta(days=n - 5),
            status="done" if done or n % 3 == 0 else "open",
            created_by=ANNA.id,
            done_at=NOW if done else None,
            done_by=BEN.id if done else None,
            evidence=longest(nc_process.TEXT_MAX) if big else None,
        )
        for n in range(1, count + 1)
    ]


SIZES = ["least", "longest"]
