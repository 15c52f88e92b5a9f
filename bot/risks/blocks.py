"""Block Kit for the risk register: the card, the lists, one record, the reminders. Pure functions.

Every piece of user text goes through `safe`; a message copied from a private conversation
is only linked on what others read (bot.workspace.captures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import nonconformity as nc
from bot.registry import Action, item_action_id
from bot.risks.forms import KINDS, TREATMENT_LABELS, band
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    context,
    day_text,
    divider,
    due_text,
    header,
    section,
)
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import moment, plural, sentence
from bot.workspace.captures import origin_lines
from bot.workspace.config import Settings
from storage.models import AuditEvent, AuditFinding, CorrectiveAction, MessageCapture
from storage.models_risks import Risk, RiskScore

STEPS_BLOCK = "risk_steps"
WHO_BLOCK = "risk_who_presses"
ASK_BLOCK = "risk_ask"
MAX_DONE_BUTTONS = 3
WHO_PRESSES = "Treat, Review, Add action: the risk's owner or a QMS manager · Mark done: the action owner"
BAND_EMOJI = {"low": ":large_green_circle:", "medium": ":large_yellow_circle:", "high": ":red_circle:"}
STATUS_LABELS = {"open": "Open, not yet treated", "treated": "Treated", "closed": "Closed"}
SCORE_KINDS = {"initial": "initial", "residual": "residual expected", "review": "review"}


@dataclass
class Record:
    """A risk with what its card shows."""

    risk: Risk
    scores: list[RiskScore] = field(default_factory=list)
    actions: list[CorrectiveAction] = field(default_factory=list)
    capture: MessageCapture | None = None
    realised: list[str] = field(default_factory=list)  # the NCs that realised it


def holder(risk: Risk) -> nc.ActionHolder:
    """The risk as its treatment actions see it (the NC package's action machinery)."""
    assert risk.id is not None
    return nc.ActionHolder(
        risk.id,
        risk.number,
        risk.title,
        risk.owner,
        risk.card_permalink,
        risk.status == "closed",
        Action.RISK_ACTION_DONE,
    )


def ref(risk: Risk) -> str:
    return f"<{risk.card_permalink}|{risk.number}>" if risk.card_permalink else risk.number


def scored(likelihood: int | None, impact: int | None, settings: Settings) -> str:
    """`16 (4×4) :red_circle: high`: the score, how it was made, and its band."""
    if not likelihood or not impact:
        return "—"
    score = likelihood * impact
    name = band(score, settings)
    return f"{score} ({likelihood}×{impact}) {BAND_EMOJI.get(name, ':white_circle:')} {name}"


def title(risk: Risk) -> str:
    return safe(risk.title, 200)


# --- the card --------------------------------------------------------------------------------


def card(record: Record, today: date, settings: Settings, *, show_copy: bool = False) -> Reply:
    risk = record.risk
    blocks: list[dict[str, Any]] = [
        header(f"{risk.number} · {risk.title}"),
        section(f"*{KINDS[risk.kind]}*\n{safe(risk.description, 2900)}"),
        section(None, fields=_facts(risk, today, settings)),
        *_treatment(risk),
    ]
    if record.actions:
        lines = [nc.held_action_line(a, today, settings.zone) for a in record.actions]
        blocks.append(section("*Treatment actions*\n" + capped_lines(lines, 2900)))
    if record.scores:
        blocks.append(context(score_history(record.scores, settings)))
    if record.realised:
        blocks.append(context(f":boom: Realised as {', '.join(record.realised[:10])}: reconsider its likelihood."))
    if record.capture:
        blocks += [context(line) for line in origin_lines(record.capture, "Raised", show_copy=show_copy)]
    buttons = step_buttons(record)
    if buttons:
        blocks += [actions(STEPS_BLOCK, buttons), {**context(WHO_PRESSES), "block_id": WHO_BLOCK}]
    return Reply(f"{risk.number} ({KINDS[risk.kind].lower()}, score {risk.score}): {title(risk)}", blocks)


def _facts(risk: Risk, today: date, settings: Settings) -> list[str]:
    return [
        f"*Score*\n{scored(risk.likelihood, risk.impact, settings)}",
        f"*Residual (after treatment)*\n{scored(risk.residual_likelihood, risk.residual_impact, settings)}",
        f"*Status*\n{STATUS_LABELS[risk.status]}",
        f"*Process*\n{safe(risk.process, 100)}",
        f"*Owner*\n{mention(risk.owner)}",
        f"*Review by*\n{due_text(risk.review_date, today, risk.status != 'closed')}",
        f"*Raised by*\n{mention(risk.reporter)} on {risk.raised_at.astimezone(settings.zone):%d %b %Y}",
    ]


def _treatment(risk: Risk) -> list[dict[str, Any]]:
    if not risk.treatment:
        return []
    note = safe(risk.treatment_note or "", 2500)
    return [section(f"*Treatment: {TREATMENT_LABELS[risk.treatment]}*\n{note}")]


def score_history(scores: list[RiskScore], settings: Settings) -> str:
    parts = [
        f"{SCORE_KINDS[s.kind]} {s.score} ({s.likelihood}×{s.impact}) {s.scored_at.astimezone(settings.zone):%d %b}"
        for s in scores[-8:]
    ]
    return ":chart_with_downwards_trend: Scores: " + " → ".join(parts)


def step_buttons(record: Record) -> list[dict[str, Any]]:
    risk = record.risk
    if risk.status == "closed":
        return []
    value = str(risk.id)
    untreated = risk.status == "open"
    found = [
        button("Treat", Action.RISK_TREAT, value, style="primary" if untreated else None),
        button("Review", Action.RISK_REVIEW, value, style=None if untreated else "primary"),
    ]
    if not untreated:
        found.append(button("Add action", Action.RISK_ADD_ACTION, value))
        opened = [a for a in record.actions if a.status == "open"]
        found += [nc.held_done_button(holder(risk), a, style=None) for a in opened[:MAX_DONE_BUTTONS]]
    return found


# --- messages to one person ------------------------------------------------------------------


def _ask(text: str, buttons: list[dict[str, Any]]) -> Reply:
    return Reply(text, [section(text), actions(ASK_BLOCK, buttons)]) if buttons else Reply(text)


def _review_button(risk: Risk) -> dict[str, Any]:
    return button("Review", Action.RISK_REVIEW, str(risk.id), style="primary")


def raised_confirmation(risk: Risk, settings: Settings, card_failed: bool) -> Reply:
    where = f" The card: {ref(risk)}." if risk.card_permalink else f" `/risk {risk.number}` shows it."
    if card_failed and settings.channel:
        where = f" (Its card could not be posted in {mention(settings.channel)}.) `/risk {risk.number}` shows it."
    text = (
        f"Thanks: you raised *{risk.number}* · {sentence(title(risk))} Score {scored(risk.likelihood, risk.impact, settings)}; "
        f"owner {mention(risk.owner)}, review by {day_text(risk.review_date)}.{where}"
    )
    return Reply(text)


def owner_assigned(risk: Risk, settings: Settings) -> Reply:
    text = (
        f"You own *{ref(risk)}* · {title(risk)} ({KINDS[risk.kind].lower()}, score {scored(risk.likelihood, risk.impact, settings)}), "
        f"raised by {mention(risk.reporter)}. Choose its treatment; review it by {day_text(risk.review_date)}."
    )
    return _ask(text, [button("Treat", Action.RISK_TREAT, str(risk.id), style="primary")])


def review_due(risk: Risk, stage: str) -> Reply:
    when = "is due *today*" if stage == "today" else f"was due on {day_text(risk.review_date)} and is *overdue*"
    text = (
        f":alarm_clock: The review of *{ref(risk)}* · {title(risk)} {when}. Re-score it and set the next review date."
    )
    buttons = [_review_button(risk)]
    if risk.status == "open":
        buttons.insert(0, button("Treat", Action.RISK_TREAT, str(risk.id)))
    return _ask(text, buttons)


def escalation(risk: Risk, today: date) -> Reply:
    days = (today - risk.review_date).days
    text = (
        f":rotating_light: The review of *{ref(risk)}* · {title(risk)} is {plural(days, 'day')} overdue; "
        f"owner {mention(risk.owner)}. A QMS manager may review it."
    )
    return _ask(text, [_review_button(risk)])


def finding_buttons(findings: list[AuditFinding]) -> list[dict[str, Any]]:
    """ "Raise as risk/opportunity" for each of an audit's opportunities for improvement (the risk
    form opens filled in from it): the audit's record carries them."""
    ofis = [f for f in findings if f.kind == "improvement"][:5]
    label = "Raise as risk/opportunity"
    found = [button(f"{label}: {f.seq}", item_action_id(Action.RISK_FROM_FINDING, f.id), str(f.id)) for f in ofis]
    return [actions("audit_ofi_risks", found)] if found else []


# --- the lists and one record ----------------------------------------------------------------


def list_line(risk: Risk, today: date, settings: Settings) -> str:
    late = " · :warning: review overdue" if risk.review_date < today else ""
    return (
        f"*{ref(risk)}* · {safe(risk.title, 120)} · {scored(risk.likelihood, risk.impact, settings)} · "
        f"{mention(risk.owner)} · review {due_text(risk.review_date, today)}{late}"
    )


def matrix(risks: list[Risk], settings: Settings) -> str:
    """The 5×5 matrix of likelihood (rows, 5 at the top) by impact, each cell the number of open
    risks and opportunities scored there, with its band's letter: a heat map in a code block."""
    counts: dict[tuple[int, int], int] = {}
    for r in risks:
        counts[(r.likelihood, r.impact)] = counts.get((r.likelihood, r.impact), 0) + 1
    rows = ["L \\ I   1    2    3    4    5"]
    for likelihood in range(5, 0, -1):
        cells = []
        for impact in range(1, 6):
            letter = band(likelihood * impact, settings)[:1].upper()
            cells.append(f"{counts.get((likelihood, impact), 0) or '·':>3}{letter}")
        rows.append(f"  {likelihood}   " + " ".join(cells))
    legend = ", ".join(
        f"{safe(name[:1].upper(), 2)} {safe(name, 30)} {low}-{high}" for name, low, high in settings.risk_band_ranges
    )
    return "```" + "\n".join(rows) + "```\n" + legend


def risk_list(risks: list[Risk], today: date, settings: Settings, limit: int) -> Reply:
    if not risks:
        return Reply("The risk register has no open risks or opportunities. `/risk` raises one.")
    text = f"Open risks and opportunities: {len(risks)}"
    body = capped_lines([list_line(r, today, settings) for r in risks[:limit]], 2900, max_lines=limit, total=len(risks))
    return Reply(
        text,
        [
            section(f"*Open risks and opportunities* ({len(risks)}), highest score first"),
            section(body),
            section("*Likelihood × impact*\n" + matrix(risks, settings)),
            context("`/risk RK-2026-0001` shows one with its history."),
        ],
    )


def history_line(event: AuditEvent, settings: Settings) -> str:
    note = f" — {safe(event.note, 200)}" if event.note else ""
    return f"{moment(event.at, settings.zone)} {mention(event.actor)} {event.action.replace('_', ' ')}{note}"


def record_with_history(
    record: Record, events: list[AuditEvent], today: date, settings: Settings, *, show_copy: bool, may_act: bool
) -> Reply:
    """The card with its history; its buttons only for a reader who may press them."""
    shown = card(record, today, settings, show_copy=show_copy)
    blocks = [b for b in shown.blocks if b.get("type") != "actions" and b.get("block_id") != WHO_BLOCK]
    blocks += [divider(), section("*History*\n" + capped_lines([history_line(e, settings) for e in events], 2900))]
    buttons = step_buttons(record) if may_act else []
    return Reply(shown.text, blocks + ([actions(STEPS_BLOCK, buttons)] if buttons else []))
