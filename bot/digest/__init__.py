"""The leaders' weekly digest (ISO 9001 5.1, 9.1.3): what happened, what is late, what is next.

Computed from the records at send time and delivered through the outbox under one key per
leader and period (`digest:2026-11-30:U…`: the digest due on 30 November), so restarts and
several instances send it once, and a bot that was down at the time sends it when back
(up to three days late).
Each part appears as soon as its register holds data; audits, reviews and objectives join
when their features land.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from bot.audits import programme_of
from bot.feedback import Figures, figures
from bot.nonconformity.blocks import ref
from bot.objectives import Standing, standings
from bot.objectives import lines as objective_lines
from bot.surfaces.blocks import Reply, capped_lines, context, divider, header, section
from bot.surfaces.charts import Week, trend_png
from bot.surfaces.mrkdwn import mention, safe
from bot.training.blocks import percent
from storage import audits as audit_store
from storage import documents as document_store
from storage import outbox as outbox_rows
from storage import reports
from storage import reviews as review_store
from storage import trainings as training_store
from storage.models import CorrectiveAction, Nonconformity, TrainingRound

CHART = "digest_chart"
CHART_COMMENT = "The last 12 weeks: NCs raised and closed, and the customers' average rating."
TREND_WEEKS = 12
OVERDUE_SHOWN = 5
LATE_AT_MOST = timedelta(days=3)  # a bot down over a weekend still sends Friday's digest on Monday
AHEAD_DAYS = 14
SEVERITY_ORDER = ("critical", "major", "minor", "observation")


@dataclass
class Digest:
    week: str  # ISO week, e.g. 2026-W49
    first: date
    last: date
    raised: int
    raised_before: int
    closed: int
    closed_before: int
    open_by_severity: dict[str, int]
    overdue_actions: list[tuple[CorrectiveAction, Nonconformity]]
    rounds: list[tuple[TrainingRound, dict[str, int]]]
    customers: Figures
    customers_before: Figures
    ncs_due: list[Nonconformity]
    rounds_due: list[TrainingRound]
    objectives: list[Standing]
    programme: Any = None  # bot.audits.blocks.Programme for the current cycle
    audits_due: list[Any] = field(default_factory=list)
    reviews_due: list[Any] = field(default_factory=list)
    document_reviews_overdue: int = 0
    today: date | None = None


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def last_due(now: datetime, settings: Any) -> datetime:
    """The latest scheduled digest moment at or before `now` (QMS_DIGEST in QMS_TIMEZONE)."""
    local = now.astimezone(settings.zone)
    monday = local.date() - timedelta(days=local.weekday())
    due = datetime.combine(monday + timedelta(days=settings.digest_weekday), settings.digest_time, settings.zone)
    return due if due <= local else due - timedelta(days=7)


def compute(session: Session, now: datetime, settings: Any, period_end: date | None = None) -> Digest:
    """The seven days before `period_end` (the digest's day; default: the latest scheduled
    one), and the seven before those for comparison. Monday's digest covers Monday to Sunday."""
    zone = settings.zone
    today = now.astimezone(zone).date()
    end = period_end or last_due(now, settings).date()
    first = end - timedelta(days=7)
    before = first - timedelta(days=7)

    def at(day: date) -> datetime:
        return datetime.combine(day, time(0), zone)

    rounds = training_store.open_rounds(session)
    counts = training_store.counts(session, [r.id for r in rounds if r.id])
    horizon = today + timedelta(days=AHEAD_DAYS)
    return Digest(
        week=week_of(first),
        first=first,
        last=end - timedelta(days=1),
        raised=reports.ncs_raised(session, at(first), at(end)),
        raised_before=reports.ncs_raised(session, at(before), at(first)),
        closed=reports.ncs_closed(session, at(first), at(end)),
        closed_before=reports.ncs_closed(session, at(before), at(first)),
        open_by_severity=reports.open_by(session, "severity"),
        overdue_actions=reports.overdue_actions(session, today),
        rounds=[(r, counts.get(r.id or 0, {"pending": 0, "acknowledged": 0})) for r in rounds],
        customers=figures(session, first, end, zone),
        customers_before=figures(session, before, first, zone),
        ncs_due=reports.ncs_due_between(session, today, horizon),
        rounds_due=[r for r in rounds if today <= r.due_date < horizon],
        # The objectives' periods as of the covered week's last day: on 1 December, November.
        objectives=standings(session, end - timedelta(days=1), zone),
        programme=programme_of(session, settings, today),
        audits_due=[a for a in audit_store.planned(session) if a.planned_date < horizon],
        reviews_due=[r for r in review_store.planned(session) if r.planned_date < horizon],
        document_reviews_overdue=sum(1 for doc in document_store.all_by_due(session) if doc.next_review < today),
        today=today,
    )


def _change(now: int, before: int) -> str:
    if now == before:
        return "same as the week before"
    return f"{'+' if now > before else '−'}{abs(now - before)} on the week before"


def render(d: Digest) -> Reply:
    open_total = sum(d.open_by_severity.values())
    severities = (
        ", ".join(f"{d.open_by_severity[s]} {s}" for s in SEVERITY_ORDER if d.open_by_severity.get(s)) or "none"
    )
    blocks: list[dict[str, Any]] = [
        header(f"Quality digest · {d.first:%d %b} – {d.last:%d %b %Y}"),
        section(
            f"*Nonconformities*\nRaised: *{d.raised}* ({_change(d.raised, d.raised_before)}) · "
            f"closed: *{d.closed}* ({_change(d.closed, d.closed_before)})\nOpen now: *{open_total}* ({severities})"
        ),
    ]
    if d.overdue_actions:
        lines = [
            f"{ref(nc)} A{a.seq} · {safe(a.description, 120)} · {mention(a.owner)} · due {a.due_date:%d %b}"
            for a, nc in d.overdue_actions
        ]
        blocks.append(
            section(
                f"*Overdue actions* ({len(d.overdue_actions)})\n" + capped_lines(lines, 2800, max_lines=OVERDUE_SHOWN)
            )
        )
    else:
        blocks.append(section("*Overdue actions*\nNone. :tada:"))
    if d.rounds:
        lines = [
            f"{t.number} · {safe(t.doc_ref, 40)} rev {safe(t.revision, 20)} · *{percent(c)}%* ({c['acknowledged']}/{c['acknowledged'] + c['pending']}) · by {t.due_date:%d %b}"
            for t, c in d.rounds
        ]
        blocks.append(section("*Training completion* (open rounds)\n" + capped_lines(lines, 2800, max_lines=8)))
    if d.objectives:
        blocks.append(
            section(
                "*Quality objectives* (this period so far)\n"
                + capped_lines(objective_lines(d.objectives), 2800, max_lines=12)
            )
        )
    c, b = d.customers, d.customers_before
    rating = (
        "no ratings"
        if c.average_rating is None
        else f"*{c.average_rating:g}* from {c.ratings} ratings"
        + ("" if b.average_rating is None else f" (week before {b.average_rating:g})")
    )
    blocks.append(
        section(
            f"*Customers*\nAverage rating: {rating} · complaints: *{c.complaints}* ({_change(c.complaints, b.complaints)})"
        )
    )
    ahead = [f"{ref(nc)} · {safe(nc.title, 100)} · {mention(nc.owner)} · due {nc.due_date:%d %b}" for nc in d.ncs_due]
    ahead += [
        f"{t.number} · {safe(t.doc_ref, 40)} rev {safe(t.revision, 20)} to be read by {t.due_date:%d %b}"
        for t in d.rounds_due
    ]
    ahead += [
        f"{a.number} · internal audit of {safe(a.process, 80)} · {mention(a.lead_auditor)} · {a.planned_date:%d %b}"
        + (" *(overdue)*" if d.today and a.planned_date < d.today else "")
        for a in d.audits_due
    ]
    ahead += [f"{r.number} · management review · {r.planned_date:%d %b}" for r in d.reviews_due]
    if d.programme is not None:
        p = d.programme
        done = sum(1 for a in p.audits if a.status == "completed")
        gaps = (
            f" · not yet planned: {', '.join(safe(g, 60) for g in p.gaps[:8])}{' …' if len(p.gaps) > 8 else ''}"
            if p.gaps
            else " · every process planned"
        )
        blocks.append(
            section(
                f"*Internal audits* (cycle from {p.start:%d %b %Y})\nDone: *{done}* of {len(p.audits)} planned{gaps}\nDocument reviews overdue: *{d.document_reviews_overdue}*"
            )
        )
    blocks.append(
        section(
            f"*Due in the next {AHEAD_DAYS} days*\n"
            + (capped_lines(ahead, 2800, max_lines=12) if ahead else "Nothing.")
        )
    )
    if not d.objectives:
        blocks += [divider(), context("Quality objectives appear here once defined with `/kpi new`.")]
    text = f"Quality digest for {d.first:%d %b} – {d.last:%d %b}: {d.raised} NCs raised, {d.closed} closed, {open_total} open, {len(d.overdue_actions)} overdue actions"
    return Reply(text, blocks)


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
        from bot.delivery.outbox import Nudge

        due = last_due(now, settings)
        recipients = digest_recipients(settings, group_members)
        if not recipients or now - due > LATE_AT_MOST:
            return []  # nobody to send to, or so late the next one is nearly due
        period = f"{due.date():%Y-%m-%d}"
        queued = outbox_rows.keys_with_prefix(session, f"digest:{period}:")
        if all(f"digest:{period}:{r}" in queued for r in recipients):
            return []  # this period's digest is out: do not compute it again every minute
        reply = render(compute(session, now, settings, due.date()))
        # Sent at the scheduled time, not held to each leader's working hours: it is scheduled for
        # them. The chart follows as a file, drawn when it is sent.
        nudges = []
        for r in recipients:
            key = f"digest:{period}:{r}"
            nudges.append(Nudge(key, r, reply.text, reply.blocks, in_working_hours=False))
            # The chart follows its digest: it waits while the digest is retried.
            chart = {"kind": CHART, "period_end": period, "after": key}
            nudges.append(Nudge(f"{key}:chart", r, CHART_COMMENT, in_working_hours=False, attachment=chart))
        return nudges

    return digest_nudges


def trend(session: Session, end: date, zone: Any, weeks: int = TREND_WEEKS) -> list[Week]:
    """NCs raised and closed and the average rating, per seven days, for `weeks` up to `end`."""
    found = []
    for k in range(weeks, 0, -1):
        first = end - timedelta(days=7 * k)
        stop = first + timedelta(days=7)
        start_at, stop_at = datetime.combine(first, time(0), zone), datetime.combine(stop, time(0), zone)
        found.append(
            Week(
                f"{first:%d %b}",
                reports.ncs_raised(session, start_at, stop_at),
                reports.ncs_closed(session, start_at, stop_at),
                figures(session, first, stop, zone).average_rating,
            )
        )
    return found


def chart_renderer(db: Any, settings: Any) -> Callable[[dict[str, Any]], tuple[str, bytes, str]]:
    """Draws the digest's chart for the outbox when the chart's row is sent."""

    def render_chart(spec: dict[str, Any]) -> tuple[str, bytes, str]:
        end = date.fromisoformat(str(spec["period_end"]))
        with db.session() as session:
            weeks = trend(session, end, settings.zone)
        title = f"12 weeks to {end - timedelta(days=1):%d %b %Y}: NCs raised (red) and closed (blue), customer rating (green)"
        return f"qms-trend-{end}.png", trend_png(weeks, title), "Quality trend, 12 weeks"

    return render_chart
