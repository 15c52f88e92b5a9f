"""Block Kit for the leaders' weekly digest: one section per part, each shown once it has data."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot import competence, equipment, outputs
from bot.nonconformity import ref
from bot.objectives import lines as objective_lines
from bot.surfaces.blocks import Reply, capped_lines, context, divider, header, section
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural
from bot.training import percent, status_button

if TYPE_CHECKING:
    from bot.digest.replies import Digest

OVERDUE_SHOWN = 5
SO_FAR_SHOWN = 5  # NCs raised (and closed) this week listed by number; the rest counted
ROUNDS_SHOWN = 8  # training rounds with a Status button each; the rest counted
REVIEWS_SHOWN = 3
AHEAD_DAYS = 14
EQUIPMENT_SHOWN = 6  # measuring equipment quarantined or overdue, by tag; the rest counted
SEVERITY_ORDER = ("critical", "major", "minor", "observation")


def _change(now: int, before: int) -> str:
    if now == before:
        return "same as the week before"
    return f"{'+' if now > before else '−'}{abs(now - before)} on the week before"


def render(d: Digest) -> Reply:
    open_total = sum(d.open_by_severity.values())
    blocks: list[dict[str, Any]] = [
        header(f"Quality digest · {d.first:%d %b} – {d.last:%d %b %Y} and this week so far"),
        section(_nonconformities(d, open_total)),
        _overdue_actions(d),
    ]
    output = _output(d)
    if output is not None:
        blocks.append(output)
    blocks += _training(d)
    if d.reviews_held:
        blocks.append(_reviews_held(d))
    if d.objectives:
        blocks.append(
            section(
                "*Quality objectives* (this period so far)\n"
                + capped_lines(objective_lines(d.objectives), 2800, max_lines=12)
            )
        )
    blocks.append(_customers(d))
    if d.risks:
        blocks.append(section("*Risks and opportunities*\n" + capped_lines(d.risks, 2800, max_lines=12)))
    ahead = _ahead(d)
    if d.programme is not None:
        blocks.append(_audit_programme(d))
    if d.equipment_counts.get("overdue") or d.equipment_counts.get("quarantined"):
        blocks.append(_equipment(d))
    if any(h.due or h.expired or h.number is None for h in d.competence):
        blocks.append(
            section(
                "*Competence by role* (required documents)\n"
                + capped_lines(competence.held_lines(d.competence), 2800, max_lines=10)
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
    text = (
        f"Quality digest for {d.first:%d %b} – {d.last:%d %b}: {plural(d.raised, 'NC')} raised, {d.closed} closed, "
        f"{open_total} open, {plural(d.overdue_action_count, 'overdue action')}; "
        f"this week so far {d.raised_so_far} raised, {d.closed_so_far} closed"
    )
    return Reply(text, blocks)


def _nonconformities(d: Digest, open_total: int) -> str:
    severities = (
        ", ".join(f"{d.open_by_severity[s]} {s}" for s in SEVERITY_ORDER if d.open_by_severity.get(s)) or "none"
    )
    lines = [
        "*Nonconformities*",
        f"Last week ({d.first:%d %b} – {d.last:%d %b}): raised *{d.raised}* ({_change(d.raised, d.raised_before)}) · "
        f"closed *{d.closed}* ({_change(d.closed, d.closed_before)})",
        f"This week so far (since {d.last + timedelta(days=1):%a %d %b}): raised *{d.raised_so_far}* · closed *{d.closed_so_far}*",
    ]
    for label, shown, total in (
        ("Raised", d.raised_lately, d.raised_so_far),
        ("Closed", d.closed_lately, d.closed_so_far),
    ):
        if shown:
            more = f" … and {total - len(shown)} more" if total > len(shown) else ""
            lines.append(f"{label}: " + ", ".join(f"{ref(nc)} {safe(nc.title, 60)}" for nc in shown) + more)
    lines.append(f"Open now: *{open_total}* ({severities})")
    return "\n".join(lines)


def _quantity(value: float) -> str:
    """1200.5 → "1,200.5": up to the thousandth the quantities are kept to."""
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _output_said(f: outputs.Figures) -> str:
    """One period's figures: what was scrapped, reworked and otherwise decided, per unit (pcs
    and kg never add up), and the cost of poor quality where the output has a cost per unit."""
    by_unit: dict[str, list[float]] = {}
    for line in f.lines:
        pair = by_unit.setdefault(line.unit, [0.0, 0.0])
        pair[0] += line.scrapped
        pair[1] += line.reworked
    parts = []
    for i, what in ((0, "scrapped"), (1, "reworked or repaired")):
        said = [f"{_quantity(q[i])} {safe(unit, 20)}" for unit, q in sorted(by_unit.items()) if q[i]]
        if said:
            parts.append(f"*{' + '.join(said)}* {what}")
    parts += [
        f"*{_quantity(q)} {safe(unit, 20)}* {outputs.KINDS[kind].lower()}"
        for (kind, unit), q in sorted(f.others.items(), key=lambda kv: (list(outputs.KINDS).index(kv[0][0]), kv[0][1]))
    ]
    if not parts:
        return "none"
    if f.cost:
        unpriced = f" ({plural(f.uncosted, 'decision')} without a cost per unit not in it)" if f.uncosted else ""
        parts.append(f"cost of poor quality *{f.cost:,.2f}*{unpriced}")
    return " · ".join(parts)


def _output(d: Digest) -> dict[str, Any] | None:
    """Nonconforming output decided and authorised (8.7): last week and this week so far;
    nothing when neither had any."""
    if not any((f.lines or f.others) for f in (d.output, d.output_so_far)):
        return None
    return section(
        "*Nonconforming output* (dispositions authorised)\n"
        f"Last week: {_output_said(d.output)}\n"
        f"This week so far: {_output_said(d.output_so_far)}"
    )


def _training(d: Digest) -> list[dict[str, Any]]:
    """Open rounds and how far each has got; each with **Status** (leaders may see who is missing)."""
    if not d.rounds:
        return []
    blocks = [section("*Training completion* (open rounds)")]
    for t, c in d.rounds[:ROUNDS_SHOWN]:
        line = (
            f"{t.number} · {safe(t.doc_ref, 40)} rev {safe(t.revision, 20)} · *{percent(c)}%* "
            f"({c['acknowledged']}/{c['acknowledged'] + c['pending']}) · by {t.due_date:%d %b}"
        )
        blocks.append(section(line, accessory=status_button(t)))
    if len(d.rounds) > ROUNDS_SHOWN:
        blocks.append(context(f"… and {len(d.rounds) - ROUNDS_SHOWN} more: `/training list`"))
    return blocks


def _reviews_held(d: Digest) -> dict[str, Any]:
    lines = []
    for review, taken in d.reviews_held:
        held = f"{review.held_on:%d %b}" if review.held_on else ""
        lines.append(f"*{review.number}* · held {held} · {plural(len(taken), 'output action')}")
        lines += [
            f"    A{a.seq} · {safe(a.description, 100)} · {mention(a.owner)} · due {a.due_date:%d %b}"
            + (" · done" if a.status == "done" else "")
            for a in taken
        ]
    return section("*Management reviews held*\n" + capped_lines(lines, 2800, max_lines=15))


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
        else f"*{c.average_rating:g}* from {plural(c.ratings, 'rating')}"
        + ("" if b.average_rating is None else f" (week before {b.average_rating:g})")
    )
    return section(
        f"*Customers*\nAverage rating: {rating} · complaints: *{c.complaints}* ({_change(c.complaints, b.complaints)})"
    )


def _ahead(d: Digest) -> list[str]:
    """What falls due in the next AHEAD_DAYS days: NCs, training rounds, audits, management reviews,
    and supplier evaluations (overdue, or due within QMS_SUPPLIER_NOTICE_DAYS)."""
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
    ahead += [f"Supplier evaluation · {line}" for line in d.suppliers_due]
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


def _equipment(d: Digest) -> dict[str, Any]:
    """Measuring equipment that must not be relied on (7.1.5): quarantined, or past its calibration."""
    counts = d.equipment_counts
    today = d.today or d.last
    lines = [
        f"{safe(e.tag, 40)} · {safe(e.description, 60)} · {equipment.status_text(e, today, 0)} · {mention(e.owner)}"
        for e in d.equipment_attention
    ]
    shown = len(lines)
    total = counts.get("overdue", 0) + counts.get("quarantined", 0)
    more = f"\n… and {total - shown} more: `/equipment list`" if total > shown else ""
    return section(
        f"*Measuring equipment*: *{counts.get('overdue', 0)}* overdue for calibration, "
        f"*{counts.get('quarantined', 0)}* quarantined, of {counts.get('total', 0)}\n" + "\n".join(lines) + more
    )
