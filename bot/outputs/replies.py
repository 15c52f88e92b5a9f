"""The figures leaders ask about nonconforming output: quantities scrapped and reworked, by
process and month, and the cost of poor quality, for a period. One function, read by the
management review pack and the quality objectives' measures.

How they are counted:
- a decision counts in the month (in the organisation's zone) it was *authorised*; a decision
  pending or rejected does not count;
- scrapped: the quantity of authorised scrap decisions;
- reworked: the quantity of authorised rework and repair decisions (the correction was done,
  whatever its re-verification found);
- cost of poor quality = scrapped × cost per unit + reworked × cost per unit, from the cost per
  unit on the NC's affected output; output without a cost adds nothing and is counted apart
  (`uncosted`) so the figure is not read as complete;
- the other decisions (concession, regrade, return, recall) are summed apart (`others`, for
  the digest) and add no cost.
Quantities are summed per unit (pcs and kg never add up); the totals add all units together
and are meant for one kind of output, or as a count of decisions' size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from sqlmodel import Session

from bot.outputs.forms import NEEDS_REVERIFY, amount, said
from bot.surfaces.mrkdwn import safe
from storage import outputs as store


@dataclass
class Line:
    process: str
    month: str  # 2026-12
    unit: str
    scrapped: float = 0.0
    reworked: float = 0.0
    cost: float = 0.0


@dataclass
class Figures:
    lines: list[Line] = field(default_factory=list)
    uncosted: int = 0  # authorised scrap or rework decisions on output with no cost per unit
    # The other authorised decisions (concession, regrade, return, recall): (kind, unit) -> quantity.
    others: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def scrapped(self) -> float:
        return amount(sum(line.scrapped for line in self.lines))

    @property
    def reworked(self) -> float:
        return amount(sum(line.reworked for line in self.lines))

    @property
    def cost(self) -> float:
        return round(sum(line.cost for line in self.lines), 2)


def _at(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def scrap_and_rework(session: Session, start: date, end: date, zone: tzinfo) -> Figures:
    """The figures for days `start` to `end` (exclusive), by process, month and unit."""
    found: dict[tuple[str, str, str], Line] = {}
    uncosted = 0
    others: dict[tuple[str, str], float] = {}
    for d in store.authorised_between(session, _at(start, zone), _at(end, zone)):
        if d.kind != "scrap" and d.kind not in NEEDS_REVERIFY:
            others[(d.kind, d.unit)] = amount(others.get((d.kind, d.unit), 0.0) + d.quantity)
            continue
        month = f"{d.authorised_at.astimezone(zone):%Y-%m}"
        line = found.setdefault((d.process, month, d.unit), Line(d.process, month, d.unit))
        if d.kind == "scrap":
            line.scrapped = amount(line.scrapped + d.quantity)
        else:
            line.reworked = amount(line.reworked + d.quantity)
        if d.unit_cost is None:
            uncosted += 1
        else:
            line.cost = round(line.cost + d.quantity * d.unit_cost, 2)
    return Figures(sorted(found.values(), key=lambda x: (x.process, x.month, x.unit)), uncosted, others)


def figure_lines(f: Figures) -> list[str]:
    """The figures as lines for the review pack: one per process, month and unit."""
    said_lines = [
        f"{safe(line.process, 80)} {line.month}: *{said(line.scrapped)} {safe(line.unit, 20)}* scrapped, "
        f"*{said(line.reworked)} {safe(line.unit, 20)}* reworked or repaired"
        + (f", cost of poor quality {line.cost:,.2f}" if line.cost else "")
        for line in f.lines
    ]
    if said_lines:
        said_lines.append(
            f"Cost of poor quality in the period: *{f.cost:,.2f}* (scrapped and reworked quantities × cost per unit)"
            + (f"; {f.uncosted} decisions on output with no cost per unit are not in it" if f.uncosted else "")
        )
    return said_lines
