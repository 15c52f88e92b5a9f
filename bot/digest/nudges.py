"""Sending the digest: to whom, when, and under which outbox key.

The keys are the outbox's unique constraint: each template below must never change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.delivery.keys import Key
from bot.delivery.outbox import Nudge
from bot.digest.blocks import render
from bot.digest.replies import compute, last_due
from storage import outbox as outbox_rows

CHART = "digest_chart"  # the outbox attachment kind
CHART_COMMENT = "The last 12 weeks: NCs raised and closed, and the customers' average rating."
LATE_AT_MOST = timedelta(days=3)  # a bot down over a weekend still sends Friday's digest on Monday

# One digest per period (the day it is due, 2026-11-30) and recipient; its chart follows it.
DIGEST = Key("digest:{period}:{recipient}")
DIGEST_CHART = Key("digest:{period}:{recipient}:chart")


def digest_recipients(settings: Any, group_members: Callable[[str], Iterable[str]] | None = None) -> list[str]:
    """The leaders' channel if set, else every leader (a user group's members, when given one)."""
    if settings.leaders_channel:
        return [settings.leaders_channel]
    people = [leader for leader in settings.leaders if leader[:1] in "UW"]
    for group in (g for g in settings.leaders if g[:1] == "S"):
        if group_members is not None:
            people += sorted(group_members(group))
    return list(dict.fromkeys(people))


def digest_source(
    group_members: Callable[[str], Iterable[str]] | None = None,
) -> Callable[[Session, datetime, Any], list[Any]]:
    """The nudge source for the digest; `group_members` expands QMS_LEADERS given as a user group."""

    def digest_nudges(session: Session, now: datetime, settings: Any) -> list[Any]:
        """Once the digest's moment has passed, queue it for each recipient (once, by key)."""
        due = last_due(now, settings)
        recipients = digest_recipients(settings, group_members)
        if not recipients or now - due > LATE_AT_MOST:
            return []  # nobody to send to, or so late the next one is nearly due
        period = f"{due.date():%Y-%m-%d}"
        queued = outbox_rows.keys_with_prefix(session, DIGEST.prefix(period=period))
        if all(DIGEST.key(period=period, recipient=r) in queued for r in recipients):
            return []  # this period's digest is out: do not compute it again every minute
        reply = render(compute(session, now, settings, due.date()))
        # Sent at the scheduled time, not held to each leader's working hours: it is scheduled for
        # them. The chart follows as a file, drawn when it is sent.
        nudges = []
        for r in recipients:
            key = DIGEST.key(period=period, recipient=r)
            nudges.append(Nudge(key, r, reply.text, reply.blocks, in_working_hours=False))
            # The chart follows its digest: it waits while the digest is retried.
            chart = {"kind": CHART, "period_end": period, "after": key}
            nudges.append(
                Nudge(
                    DIGEST_CHART.key(period=period, recipient=r),
                    r,
                    CHART_COMMENT,
                    in_working_hours=False,
                    attachment=chart,
                )
            )
        return nudges

    return digest_nudges
