"""Block Kit for the risk forms: raising one, treating it, reviewing it. Pure functions.

Apart from the card and the messages (blocks.py) because together they would pass 400 lines.
The Treat and Review forms carry `<risk id>@<version>` in their metadata: a change made
meanwhile by someone else refuses the submission rather than overwriting it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from bot.registry import Callback
from bot.risks.blocks import scored
from bot.risks.forms import FIRST_REVIEW_DAYS, KINDS, SCALE, TREATMENTS
from bot.surfaces.blocks import (
    context,
    datepicker,
    input_block,
    modal,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import safe
from bot.surfaces.words import plural
from bot.workspace.captures import private_note
from bot.workspace.config import Settings
from storage.models_risks import Risk


def _level(block: str, label: str, scale: str, initial: int | None) -> dict[str, Any]:
    options = [(f"{n} · {name}", str(n)) for n, name in enumerate(SCALE[scale], start=1)]
    return input_block(block, label, static_select("value", options, initial=str(initial) if initial else None))


def raise_modal(
    settings: Settings,
    prefill: dict[str, Any],
    today: date,
    *,
    origin: dict[str, Any] | None = None,
    private_origin: bool = False,
) -> dict[str, Any]:
    """The form; `origin` rides in its metadata (the message copied, the audit line it comes from)."""
    note = [context(private_note("risk"))] if private_origin else []
    blocks = [
        *note,
        input_block(
            "kind",
            "Risk or opportunity",
            static_select(
                "value", [(label, key) for key, label in KINDS.items()], initial=prefill.get("kind") or "risk"
            ),
        ),
        input_block(
            "title",
            "Title",
            text_input(
                "value", max_length=150, initial=prefill.get("title"), placeholder="What may happen, in a few words"
            ),
        ),
        input_block(
            "description",
            "What may happen",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                initial=prefill.get("description"),
                placeholder="What could go wrong (or better), why, and what it would affect",
            ),
        ),
        input_block(
            "process",
            "Process or area",
            static_select(
                "value", [(p, p) for p in settings.processes], initial=prefill.get("process"), placeholder="Where?"
            ),
        ),
        _level("likelihood", "Likelihood (1–5)", "likelihood", None),
        _level("impact", "Impact (1–5)", "impact", None),
        input_block("owner", "Owner", users_select("value"), optional=True, hint="Leave empty for the process owner."),
        input_block(
            "review_date",
            "Review by",
            datepicker("value", initial=today + timedelta(days=FIRST_REVIEW_DAYS)),
            optional=True,
            hint=f"Leave empty for {FIRST_REVIEW_DAYS} days from today.",
        ),
    ]
    metadata = json.dumps(origin) if origin else ""
    return modal(Callback.RISK_RAISE, "Raise a risk", blocks, submit="Raise", private_metadata=metadata)


def _about(risk: Risk, settings: Settings) -> dict[str, Any]:
    return section(
        f"*{risk.number}* · {safe(risk.title, 200)}\nScore now: {scored(risk.likelihood, risk.impact, settings)}"
    )


def treat_modal(risk: Risk, settings: Settings, today: date) -> dict[str, Any]:
    options = [(label, key) for key, label in TREATMENTS[risk.kind].items()]
    blocks = [
        _about(risk, settings),
        input_block("treatment", "Treatment", static_select("value", options, initial=risk.treatment)),
        input_block(
            "note",
            "How",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                initial=risk.treatment_note,
                placeholder="What is done about it; add actions with owners and due dates on the card next",
            ),
        ),
        _level("residual_likelihood", "Residual likelihood, once treated", "likelihood", risk.residual_likelihood),
        _level("residual_impact", "Residual impact, once treated", "impact", risk.residual_impact),
        input_block("review_date", "Review by", datepicker("value", initial=max(risk.review_date, today))),
    ]
    return modal(Callback.RISK_TREAT, "Treat risk", blocks, submit="Save", private_metadata=f"{risk.id}@{risk.version}")


def review_modal(risk: Risk, settings: Settings, today: date, realised: int) -> dict[str, Any]:
    blocks = [_about(risk, settings)]
    if realised:
        blocks.append(
            context(
                f":boom: {plural(realised, 'NC')} realised this risk since its last review: reconsider its likelihood."
            )
        )
    blocks += [
        _level("likelihood", "Likelihood now", "likelihood", risk.likelihood),
        _level("impact", "Impact now", "impact", risk.impact),
        input_block("review_date", "Next review", datepicker("value", initial=today + timedelta(days=90))),
        input_block("note", "Note", text_input("value", multiline=True, max_length=3000), optional=True),
    ]
    return modal(
        Callback.RISK_REVIEW, "Review risk", blocks, submit="Save", private_metadata=f"{risk.id}@{risk.version}"
    )
