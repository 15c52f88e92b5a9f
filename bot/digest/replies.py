"""The digest's figures, read from the records at send time, and its 12-week trend chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from bot import competence, outputs, risks, suppliers
from bot.audits import programme_of
from bot.digest.blocks import AHEAD_DAYS, EQUIPMENT_SHOWN, OVERDUE_SHOWN, REVIEWS_SHOWN, SO_FAR_SHOWN
from bot.feedback import Figures, figures
from bot.objectives import Standing, standings
from bot.surfaces.charts import Week, trend_png
from storage import audits as audit_store
from storage import documents as document_store
from storage import equipment as equipment_store
from storage import reports
from storage import reviews as review_store
from storage import trainings as training_store
from storage.models import CorrectiveAction, ManagementReview, Nonconformity, ReviewAction, TrainingRound

TREND_WEEKS = 12


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
    overdue_actions: list[tuple[CorrectiveAction, Nonconformity]]  # the first OVERDUE_SHOWN of them
    overdue_action_count: int
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
    # Measuring equipment quarantined or past its calibration (the first EQUIPMENT_SHOWN), and how many.
    equipment_attention: list[Any] = field(default_factory=list)
    equipment_counts: dict[str, int] = field(default_factory=dict)
    # Each required document's current revision: how many hold it, are due, have expired (7.2).
    competence: list[Any] = field(default_factory=list)
    today: date | None = None
    # The week so far: from the digest's day (`last` + 1) to now, beside the last full week.
    raised_so_far: int = 0
    closed_so_far: int = 0
    raised_lately: list[Nonconformity] = field(default_factory=list)  # the latest SO_FAR_SHOWN of them
    closed_lately: list[Nonconformity] = field(default_factory=list)
    # Management reviews held from `first` to now, with their output actions.
    reviews_held: list[tuple[ManagementReview, list[ReviewAction]]] = field(default_factory=list)
    # Nonconforming output decided and authorised: the last full week, and the week so far.
    output: outputs.Figures = field(default_factory=outputs.Figures)
    output_so_far: outputs.Figures = field(default_factory=outputs.Figures)
    # The risk register: scores that rose in the week, risk reviews overdue (bot.risks).
    risks: list[str] = field(default_factory=list)
    # Supplier evaluations overdue or due within QMS_SUPPLIER_NOTICE_DAYS (8.4).
    suppliers_due: list[str] = field(default_factory=list)


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
    one), the seven before those for comparison, and the week so far (from the digest's day
    to `now`). Monday's digest covers Monday to Sunday."""
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
    so_far = at(today + timedelta(days=1))  # the end of today: what happened up to now, this very second too
    held = reports.reviews_held_between(session, first, today + timedelta(days=1), REVIEWS_SHOWN)
    outputs_of = reports.review_outputs(session, [r.id for r in held if r.id])
    return Digest(
        week=week_of(first),
        first=first,
        last=end - timedelta(days=1),
        raised=reports.ncs_raised(session, at(first), at(end)),
        raised_before=reports.ncs_raised(session, at(before), at(first)),
        closed=reports.ncs_closed(session, at(first), at(end)),
        closed_before=reports.ncs_closed(session, at(before), at(first)),
        open_by_severity=reports.open_by(session, "severity"),
        overdue_actions=reports.overdue_actions(session, today, limit=OVERDUE_SHOWN),
        overdue_action_count=reports.count_overdue_actions(session, today),
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
        equipment_attention=equipment_store.needing_attention(session, today, limit=EQUIPMENT_SHOWN),
        equipment_counts=equipment_store.count_by_state(session, today),
        competence=competence.held_by_document(session, today, zone),
        today=today,
        raised_so_far=reports.ncs_raised(session, at(end), so_far),
        closed_so_far=reports.ncs_closed(session, at(end), so_far),
        raised_lately=reports.ncs_raised_page(session, at(end), so_far, SO_FAR_SHOWN),
        closed_lately=reports.ncs_closed_page(session, at(end), so_far, SO_FAR_SHOWN),
        reviews_held=[(r, outputs_of.get(r.id or 0, [])) for r in held],
        output=outputs.scrap_and_rework(session, first, end, zone),
        output_so_far=outputs.scrap_and_rework(session, end, today + timedelta(days=1), zone),
        risks=risks.digest_lines(session, at(first), at(end), today),
        suppliers_due=suppliers.digest_lines(session, today, settings.supplier_notice_days),
    )


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
        # 36 reads: in a read, which takes no write lock, so the other sender threads' claims
        # and people's writes do not wait behind the chart being drawn.
        with db.read() as session:
            weeks = trend(session, end, settings.zone)
        title = f"12 weeks to {end - timedelta(days=1):%d %b %Y}: NCs raised (red) and closed (blue), customer rating (green)"
        return f"qms-trend-{end}.png", trend_png(weeks, title), "Quality trend, 12 weeks"

    return render_chart
