"""Block Kit for the supplier register: the forms, the evaluation reminder, the list, one
supplier, and the QMS managers' alert on an NC against a blocked or conditional supplier."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.delivery.versions import drawn
from bot.registry import Action, Callback, Suggestion
from bot.suppliers.forms import DECISION_LABELS, STATUS_LABELS, Scorecard
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    context,
    datepicker,
    header,
    input_block,
    modal,
    option,
    plain,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural
from storage.models_suppliers import Supplier, SupplierEvaluation

SCORE_OPTIONS = [
    ("5: excellent, exceeds the criteria", "5"),
    ("4: good, meets them", "4"),
    ("3: acceptable, minor concerns", "3"),
    ("2: poor, misses some", "2"),
    ("1: unacceptable", "1"),
]
STATUS_ICONS = {"approved": ":large_green_circle:", "conditional": ":large_yellow_circle:", "blocked": ":red_circle:"}
# An option's value in the NC form's supplier picker: the supplier's id.
PICKED = "supplier:{id}"


def ref(supplier: Supplier) -> str:
    return f"SUP-{supplier.id or 0:04d}"


def name(supplier: Supplier) -> str:
    return f"*{safe(supplier.name, 150)}* ({ref(supplier)})"


def status_text(supplier: Supplier) -> str:
    text = f"{STATUS_ICONS[supplier.status]} {STATUS_LABELS[supplier.status].lower()}"
    if supplier.status != "approved" and supplier.status_reason:
        text += f": {safe(supplier.status_reason, 300)}"
    return text


def _status_options() -> list[tuple[str, str]]:
    return [(label, key) for key, label in STATUS_LABELS.items()]


def add_modal(next_evaluation: date) -> dict[str, Any]:
    blocks = [
        input_block("name", "Name", text_input("value", max_length=150, placeholder="e.g. ACME Plastics GmbH")),
        input_block(
            "supplies",
            "What they supply",
            text_input("value", max_length=300, placeholder="e.g. injection-moulded housings"),
        ),
        input_block(
            "criteria",
            "Criteria",
            text_input(
                "value",
                multiline=True,
                max_length=2000,
                placeholder="What they are selected and evaluated on: quality, delivery, certification, price…",
            ),
        ),
        input_block("owner", "Owner", users_select("value"), hint="Evaluates the supplier when it falls due."),
        input_block("status", "Status", static_select("value", _status_options(), initial="approved")),
        input_block(
            "reason",
            "Reason",
            text_input("value", multiline=True, max_length=2000),
            optional=True,
            hint="Required when conditional (on which conditions) or blocked (why).",
        ),
        input_block("next_evaluation", "Next evaluation", datepicker("value", initial=next_evaluation)),
    ]
    return modal(Callback.SUPPLIER_ADD, "Register supplier", blocks, submit="Register")


def scorecard_lines(card: Scorecard) -> list[str]:
    f = card.figures
    return [
        f"*Nonconformities raised against them:* {f.ncs}",
        f"*Customer complaints traced to them* (through their NCs): {f.complaints}",
        f"*Quantity returned to them* (dispositions of their NCs): {f.returned:g}",
    ]


def evaluate_modal(
    supplier: Supplier, card: Scorecard, *, manager: bool, clicked: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The evaluation form: the scorecard the bot compiled, the owner's score and the decision;
    `clicked` is the reminder it came from (redrawn once saved)."""
    period = f"{card.since:%d %b %Y} to {card.until:%d %b %Y}"
    keep = f"Keep it {STATUS_LABELS[supplier.status].lower()}"
    choices = list(DECISION_LABELS.items()) if manager else [(supplier.status, keep)]
    blocks = [
        section(f"{name(supplier)} · {safe(supplier.supplies, 300)}\nStatus: {status_text(supplier)}"),
        section(f"*Criteria*\n{safe(supplier.criteria, 2000)}"),
        section(f"*Scorecard* from the records, {period}\n" + "\n".join(scorecard_lines(card))),
        input_block("score", "Score", static_select("value", SCORE_OPTIONS, placeholder="Against the criteria")),
        input_block(
            "decision",
            "Decision",
            static_select("value", [(label, key) for key, label in choices], initial=supplier.status),
            hint=None if manager else "A change of status is a QMS manager's decision: recommend it in the reason.",
        ),
        input_block(
            "reason",
            "Reason",
            text_input("value", multiline=True, max_length=2000, placeholder="What the score rests on"),
            optional=True,
            hint="Required for a conditional or blocked supplier.",
        ),
    ]
    origin: dict[str, Any] = {"supplier": supplier.id, "seen": supplier.version}
    if clicked:
        origin["clicked"] = list(clicked)
    return modal(
        Callback.SUPPLIER_EVALUATE, "Evaluate supplier", blocks, submit="Save", private_metadata=json.dumps(origin)
    )


def status_modal(supplier: Supplier) -> dict[str, Any]:
    others = [(label, key) for key, label in STATUS_LABELS.items() if key != supplier.status]
    blocks = [
        section(f"{name(supplier)}\nStatus now: {status_text(supplier)}"),
        input_block("status", "New status", static_select("value", others)),
        input_block("reason", "Reason", text_input("value", multiline=True, max_length=2000)),
    ]
    origin = json.dumps({"supplier": supplier.id, "seen": supplier.version})
    return modal(Callback.SUPPLIER_STATUS, "Change status", blocks, submit="Change", private_metadata=origin)


def evaluate_button(supplier: Supplier) -> dict[str, Any]:
    return button("Evaluate", Action.SUPPLIER_EVALUATE, drawn(supplier), style="primary")


def evaluation_due(supplier: Supplier, stage: str, today: date) -> Reply:
    due = supplier.next_evaluation
    if stage == "today":
        when = "falls due *today*"
    elif stage.startswith("before-"):
        when = f"falls due on *{due:%d %b %Y}*"
    else:
        when = f"was due on {due:%d %b %Y} and is *{plural((today - due).days, 'day')} overdue*"
    text = f":truck: The evaluation of {name(supplier)} {when}."
    hint = "The form shows what the records say since the last evaluation; score it against the criteria and decide."
    return Reply(text, [section(text), context(hint), actions("supplier_evaluate", [evaluate_button(supplier)])])


def escalation(supplier: Supplier, today: date) -> Reply:
    days = (today - supplier.next_evaluation).days
    text = f":warning: The evaluation of {name(supplier)} (owner {mention(supplier.owner)}) is {plural(days, 'day')} overdue."
    return Reply(text, [section(text), actions("supplier_evaluate", [evaluate_button(supplier)])])


def evaluated(supplier: Supplier, entry: SupplierEvaluation) -> str:
    change = (
        f"kept it {STATUS_LABELS[entry.decision].lower()}"
        if entry.decision == entry.status_before
        else f"changed its status {STATUS_LABELS[entry.status_before].lower()} → {STATUS_LABELS[entry.decision].lower()}"
    )
    return (
        f":white_check_mark: {mention(entry.evaluated_by)} evaluated {name(supplier)} on {entry.evaluated_on:%d %b %Y}: "
        f"score {entry.score}/5, {change}. Next evaluation: *{supplier.next_evaluation:%d %b %Y}*."
    )


def _due_text(supplier: Supplier, today: date, notice: int) -> str:
    days = (supplier.next_evaluation - today).days
    if days < 0:
        return f"evaluation *overdue* {-days} d"
    if days <= notice:
        return f"evaluation due in {days} d" if days else "evaluation due *today*"
    return f"next evaluation {supplier.next_evaluation:%d %b %Y}"


def register(suppliers: list[Supplier], today: date, notice: int, limit: int = 40) -> Reply:
    if not suppliers:
        return Reply("The supplier register is empty. QMS managers add suppliers with `/supplier add`.")
    overdue = sum(1 for s in suppliers if s.next_evaluation < today)
    text = f"Supplier register: {plural(len(suppliers), 'supplier')}, {overdue} evaluations overdue"
    ordered = sorted(suppliers, key=lambda s: (s.next_evaluation, s.name_key))
    lines = [
        f"{STATUS_ICONS[s.status]} {name(s)} · {safe(s.supplies, 100)} · {_due_text(s, today, notice)} · {mention(s.owner)}"
        for s in ordered
    ]
    return Reply(
        text,
        [
            header("Supplier register"),
            section(capped_lines(lines, 2900, max_lines=limit)),
            context("Overdue and due soon first. `/supplier ACME` shows one supplier with its evaluations."),
        ],
    )


def _evaluation_line(e: SupplierEvaluation) -> str:
    decided = STATUS_LABELS[e.decision].lower()
    if e.decision != e.status_before:
        decided = f"{STATUS_LABELS[e.status_before].lower()} → {decided}"
    reason = f" · {safe(e.reason, 200)}" if e.reason else ""
    return (
        f"{e.evaluated_on:%d %b %Y} {mention(e.evaluated_by)} score {e.score}/5 · {decided} · "
        f"{e.ncs} NCs, {e.complaints} complaints, {e.returned:g} returned{reason}"
    )


def supplier_view(
    supplier: Supplier,
    evaluations: list[SupplierEvaluation],
    today: date,
    notice: int,
    *,
    may_evaluate: bool,
    may_change: bool,
) -> Reply:
    lines = [_evaluation_line(e) for e in reversed(evaluations)]
    blocks = [
        header(f"{supplier.name}"[:150]),
        section(
            f"{ref(supplier)} · {safe(supplier.supplies, 300)}",
            fields=[
                f"*Status*\n{status_text(supplier)}",
                f"*Owner*\n{mention(supplier.owner)}",
                "*Last evaluated*\n"
                + (f"{supplier.last_evaluated:%d %b %Y}" if supplier.last_evaluated else "not yet in the bot"),
                f"*Next evaluation*\n{_due_text(supplier, today, notice)}",
            ],
        ),
        section(f"*Criteria*\n{safe(supplier.criteria, 2000)}"),
        section("*Evaluations*\n" + (capped_lines(lines, 2800) if lines else "None recorded in the bot yet.")),
    ]
    buttons = [evaluate_button(supplier)] if may_evaluate else []
    if may_change:
        buttons.append(button("Change status", Action.SUPPLIER_STATUS, drawn(supplier)))
    if buttons:
        blocks.append(actions("supplier", buttons))
    return Reply(f"{supplier.name} ({ref(supplier)}): {STATUS_LABELS[supplier.status].lower()}", blocks)


def nc_alert(number: str, title: str, supplier: Supplier, reporter: str) -> Reply:
    """To each QMS manager: an NC was raised against a supplier that is not approved."""
    text = (
        f":rotating_light: {mention(reporter)} raised *{number}* against {name(supplier)}, "
        f"which is {status_text(supplier)}."
    )
    return Reply(
        text,
        [
            section(text),
            context(safe(title, 150)),
            actions("supplier_nc", [button("Open NC", Action.SUPPLIER_OPEN_NC, number, style="primary")]),
        ],
    )


def picker() -> dict[str, Any]:
    """The NC form's supplier picker: Slack asks for its options as the person types (from the first letter)."""
    return {
        "type": "external_select",
        "action_id": Suggestion.NC_SUPPLIER,
        "placeholder": plain("Type a supplier's name", 150),
        "min_query_length": 0,
    }


def picker_options(suppliers: list[Supplier]) -> list[dict[str, Any]]:
    """The NC form's supplier picker: blocked and conditional ones say so beside their name."""
    return [
        option(
            s.name if s.status == "approved" else f"{s.name[:60]} ({STATUS_LABELS[s.status].lower()})",
            PICKED.format(id=s.id),
        )
        for s in suppliers
    ]


def home_section(due: list[Supplier], watched: list[Supplier], today: date, notice: int) -> list[dict[str, Any]]:
    """The QMS managers' Home tab: evaluations due or overdue, then blocked and conditional suppliers."""
    if not due and not watched:
        return []
    blocks: list[dict[str, Any]] = [header("Suppliers")]
    for s in due[:5]:
        blocks.append(section(f"{name(s)} · {_due_text(s, today, notice)} · {mention(s.owner)}"))
        blocks.append(actions(f"home_supplier_{s.id}", [evaluate_button(s)]))
    if len(due) > 5:
        blocks.append(context(f"… and {len(due) - 5} more evaluations due: `/supplier list`"))
    if watched:
        lines = [f"{name(s)} · {status_text(s)}" for s in watched]
        blocks.append(section("*Blocked or conditional*\n" + capped_lines(lines, 2800, max_lines=10)))
    return blocks
