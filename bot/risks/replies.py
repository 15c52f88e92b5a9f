"""Read-side answers: the register's list and one risk with its history."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import nonconformity as nc
from bot.errors import Refused
from bot.registry import Action
from bot.risks import blocks
from bot.risks.forms import band
from bot.risks.record import RECORD_TYPE, load_record
from bot.surfaces.blocks import Reply, button, context, due_text, section
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace.captures import copy_shown_to
from storage import audits as audit_store
from storage import risks as store
from storage.audit import history
from storage.models import AuditFinding

if TYPE_CHECKING:
    from bot.context import Context
    from bot.workspace.config import Settings

LIST_LIMIT = 15


def list_reply(ctx: Context) -> Reply:
    with ctx.db.read() as session:
        found = store.active(session)
        return blocks.risk_list(found, ctx.today(), ctx.settings, LIST_LIMIT)


def record_reply(ctx: Context, number: str, reader: str) -> Reply:
    """One risk with its history; the copy of a private message only for who may read it, its
    buttons only for who may press them (the reply is theirs alone)."""
    manager = ctx.roles.is_manager(reader)
    with ctx.db.read() as session:
        risk = store.by_number(session, number)
        if risk is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/risk list` shows the register.")
        record = load_record(session, risk)
        events = sorted(
            history(session, RECORD_TYPE, risk.number) + history(session, "nudge", risk.number), key=lambda e: e.id or 0
        )
        show_copy = record.capture is not None and copy_shown_to(ctx, record.capture, reader)
        may_act = manager or reader == risk.owner
        return blocks.record_with_history(
            record, events, ctx.today(), ctx.settings, show_copy=show_copy, may_act=may_act
        )


HOME_SHOWN = 5


def home_blocks(session: Session, today: date, settings: Settings) -> list[dict[str, Any]]:
    """The register on a QMS manager's Home tab: open risks by band, and the reviews overdue
    (the first few, each with its Review button)."""
    found = store.active(session)
    if not found:
        return [context("The risk register is empty: `/risk` raises a risk or an opportunity.")]
    counts: dict[str, int] = {}
    for risk in found:
        name = band(risk.score, settings)
        counts[name] = counts.get(name, 0) + 1
    by_band = " · ".join(
        f"{blocks.BAND_EMOJI.get(name, '')} {counts.get(name, 0)} {name}"
        for name, _, _ in reversed(settings.risk_band_ranges)
    )
    late = store.reviews_overdue(session, today)
    shown = [section(f"*Risk register*: {len(found)} open · {by_band} · reviews overdue: {len(late)}")]
    for risk in late[:HOME_SHOWN]:
        line = f"{blocks.ref(risk)} · {safe(risk.title, 100)} · {mention(risk.owner)} · review was due {risk.review_date:%d %b}"
        shown.append(section(line, accessory=button("Review", Action.RISK_REVIEW, str(risk.id))))
    if len(late) > HOME_SHOWN:
        shown.append(context(f"… and {len(late) - HOME_SHOWN} more: `/risk list`"))
    return shown


def choices(ctx: Context) -> list[tuple[str, str]]:
    """The open risks as options of a select (an NC's "Related risk"): highest score first."""
    with ctx.db.read() as session:
        return [(f"{r.number} · {r.title}"[:75], str(r.id)) for r in store.active(session, limit=100)]


def from_finding(ctx: Context, finding_id: int) -> tuple[dict[str, Any], str]:
    """An audit's opportunity for improvement as the risk form's prefill, and where it came from."""
    with ctx.db.read() as session:
        finding = session.get(AuditFinding, finding_id)
        audit = audit_store.get(session, finding.audit_id) if finding else None
    if finding is None or audit is None or finding.kind != "improvement":
        raise Refused("That opportunity for improvement is no longer on its audit; `/audit` shows the programme.")
    first = (finding.text.splitlines() or [""])[0]
    prefill = {
        "kind": "opportunity",
        "title": first[:150],
        "description": f"From internal audit {audit.number} ({audit.process}): {finding.text}"[:3000],
        "process": audit.process,
    }
    return prefill, f"{audit.number} finding {finding.seq}"


REVIEW_AHEAD_DAYS = 14  # a risk's review is on its owner's Home this long before it falls due


def home_items(session: Session, user: str, today: date) -> list[tuple[date, str, dict[str, Any] | None]]:
    """A person's risk work for their Home tab: the reviews of the risks they own falling due
    (with Review, or Treat while untreated), and their open treatment actions (with Mark done)."""
    found: list[tuple[date, str, dict[str, Any] | None]] = []
    for risk in store.owned_by(session, user):
        untreated = risk.status == "open"
        if not untreated and (risk.review_date - today).days > REVIEW_AHEAD_DAYS:
            continue
        what = "choose its treatment" if untreated else "review it"
        line = f"{blocks.ref(risk)} · {safe(risk.title, 120)} · {what} · review {due_text(risk.review_date, today)}"
        press = button(
            "Treat" if untreated else "Review", Action.RISK_TREAT if untreated else Action.RISK_REVIEW, str(risk.id)
        )
        found.append((risk.review_date, line, press))
    for action, risk in store.open_actions_of_person(session, user):
        line = f"{blocks.ref(risk)} *A{action.seq}* · {safe(action.description, 120)} · due {due_text(action.due_date, today)}"
        found.append((action.due_date, line, nc.held_done_button(blocks.holder(risk), action)))
    return found
