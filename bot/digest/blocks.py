"""Block Kit for the leaders' weekly digest: one section per part, each shown once it has data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.nonconformity import ref
from bot.objectives import lines as objective_lines
from bot.surfaces.blocks import Reply, capped_lines, context, divider, header, section
from bot.surfaces.mrkdwn import mention, safe
from bot.training import percent

if TYPE_CHECKING:
    from bot.digest.replies import Digest

OVERDUE_SHOWN = 5
AHEAD_DAYS = 14
SEVERITY_ORDER = ("critical", "major", "minor", "observation")


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
        _overdue_actions(d),
    ]
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
    blocks.append(_customers(d))
    ahead = _ahead(d)
    if d.programme is not None:
        blocks.append(_audit_programme(d))
    blocks.append(
        section(
            f"*Due in the next {AHEAD_DAYS} days*\n"
            + (capped_lines(ahead, 2800, max_lines=12) if ahead else "Nothing.")
        )
    )
    if not d.objectives:
        blocks += [divider(), context("Quality objectives appear here once defined with `/kpi new`.")]
    text = f"Quality digest for {d.first:%d %b} – {d.last:%d %b}: {d.raised} NCs raised, {d.closed} closed, {open_total} open, {d.overdue_action_count} overdue actions"
    return Reply(text, blocks)


def _overdue_actions(d: Digest) -> dict[str, Any]:
    if not d.overdue_actions:
        return section("*Overdue actions*\nNone. :tada:")
    lines = [
        f"{ref(nc)} A{a.seq} · {safe(a.description, 120)} · {mention(a.owner)} · due {a.due_date:%d %b}"
        for a, nc in d.overdue_actions
    ]
    return section(
        f"*Overdue actions* ({d.overdue_action_count})\n"
        + capped_lines(lines, 2800, max_lines=OVERDUE_SHOWN, total=d.overdue_action_count)
    )


def _customers(d: Digest) -> dict[str, Any]:
    c, b = d.customers, d.customers_before
    rating = (
        "no ratings"
        if c.average_rating is None
        else f"*{c.average_rating:g}* from {c.ratings} ratings"
        + ("" if b.average_rating is None else f" (week before {b.average_rating:g})")
    )
    return section(
        f"*Customers*\nAverage rating: {rating} · complaints: *{c.complaints}* ({_change(c.complaints, b.complaints)})"
    )


def _ahead(d: Digest) -> list[str]:
    """What falls due in the next AHEAD_DAYS days: NCs, training rounds, audits, management reviews."""
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
    return ahead


def _audit_programme(d: Digest) -> dict[str, Any]:
    p = d.programme
    done = sum(1 for a in p.audits if a.status == "completed")
    gaps = (
        f" · not yet planned: {', '.join(safe(g, 60) for g in p.gaps[:8])}{' …' if len(p.gaps) > 8 else ''}"
        if p.gaps
        else " · every process planned"
    )
    return section(
        f"*Internal audits* (cycle from {p.start:%d %b %Y})\nDone: *{done}* of {len(p.audits)} planned{gaps}\nDocument reviews overdue: *{d.document_reviews_overdue}*"
    )
