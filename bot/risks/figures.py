"""The register's figures for the other processes' outputs: the management review's input
9.3.2 e), the leaders' digest (scores that rose, reviews overdue) and the objective measure
"risks with overdue treatment". Read-only, inside the caller's session."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.risks.blocks import ref
from bot.risks.forms import TREATMENT_LABELS, band
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural
from storage import risks as store
from storage.models_risks import Risk

LISTED = 10


def pack_lines(session: Session, start: datetime, end: datetime, settings: Any) -> list[str]:
    """Risks and opportunities, their treatments, their actions done and open, and whether the
    scores fell from when they were raised: the effectiveness of what was done about them."""
    risks = store.active(session)
    if not risks:
        return []
    ids = [r.id for r in risks if r.id]
    actions = [a for found in store.actions_of_many(session, ids).values() for a in found]
    kinds = Counter(r.kind for r in risks)
    treated = [r for r in risks if r.treatment]
    lines = [
        f"Open: *{plural(kinds['risk'], 'risk')}* and *{plural(kinds['opportunity'], 'opportunity', 'opportunities')}*; "
        f"{len(treated)} treated, {len(risks) - len(treated)} awaiting a treatment decision.",
    ]
    if treated:
        chosen = Counter(TREATMENT_LABELS[r.treatment or ""] for r in treated)
        lines.append("Treatments: " + ", ".join(f"{name.lower()} {n}" for name, n in chosen.most_common()) + ".")
    done_in = [a for a in actions if a.status == "done" and a.done_at and start <= a.done_at < end]
    still = [a for a in actions if a.status == "open"]
    late = [a for a in still if a.due_date < end.date()]
    lines.append(f"Treatment actions: {len(done_in)} done in the period, {len(still)} open ({len(late)} overdue).")
    initial = _initial_scores(session, ids)
    lines += _effectiveness(treated, initial, settings)
    return lines


def _initial_scores(session: Session, ids: list[int]) -> dict[int, int]:
    found = {}
    for risk_id in ids:
        scores = store.scores_of(session, risk_id)
        if scores:
            found[risk_id] = scores[0].score
    return found


def _effectiveness(treated: list[Risk], initial: dict[int, int], settings: Any) -> list[str]:
    """Residual against initial: each treated risk's score now (its last review) against when raised."""
    if not treated:
        return []
    lower = sum(1 for r in treated if r.score < initial.get(r.id or 0, r.score))
    lines = [f"Scores now lower than when raised: *{lower} of {len(treated)}* treated risks and opportunities."]
    for r in sorted(treated, key=lambda r: -r.score)[:LISTED]:
        first = initial.get(r.id or 0, r.score)
        expected = f", residual expected {r.residual_score}" if r.residual_score else ""
        lines.append(
            f"{ref(r)} · {safe(r.title, 100)}: initial {first} → now {r.score} ({band(r.score, settings)}){expected}"
        )
    return lines


def rose_between(session: Session, start: datetime, end: datetime) -> list[tuple[Risk, int, int]]:
    """Risks re-scored higher in [start, end): (risk, the score before the week, the score now)."""
    found = []
    for risk_id in dict.fromkeys(s.risk_id for s in store.scored_between(session, start, end)):
        before = store.last_score_before(session, risk_id, start)
        risk = store.get(session, risk_id)
        if risk is None or before is None or risk.status == "closed":
            continue
        if risk.score > before.score:
            found.append((risk, before.score, risk.score))
    return found


def digest_lines(session: Session, start: datetime, end: datetime, today: date) -> list[str]:
    """For the leaders: risks whose score rose in the week, and risk reviews overdue."""
    lines = [
        f":chart_with_upwards_trend: {ref(r)} · {safe(r.title, 100)}: score rose from {was} to *{now}*"
        for r, was, now in rose_between(session, start, end)[:LISTED]
    ]
    late = store.reviews_overdue(session, today)
    if late:
        named = ", ".join(f"{ref(r)} ({mention(r.owner)})" for r in late[:5])
        more = f" and {len(late) - 5} more" if len(late) > 5 else ""
        lines.append(f":hourglass: Risk reviews overdue: *{len(late)}*: {named}{more}")
    return lines


def overdue_treatment(session: Session, today: date) -> int:
    """Risks whose treatment is overdue: an open treatment action past its due date, or a risk
    still awaiting its treatment decision past its review date."""
    with_late_actions = {a.risk_id for a in store.open_actions_overdue(session, today) if a.risk_id is not None}
    untreated = {r.id for r in store.reviews_overdue(session, today) if r.status == "open"}
    return len(with_late_actions | untreated)
