"""The supplier register's pure Block Kit builders, rendered in memory through Slack's checks:
every status and due state, at the least and at the longest (texts at the forms' limits,
hostile from their first character; the most list items)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.home.blocks import MyWork, home_tab
from bot.standin.sandbox import ANNA, QUINN
from bot.standin.suggestions import answer_problems
from bot.suppliers import blocks
from bot.suppliers import forms as sup_forms
from bot.surfaces.blocks import Reply
from storage.models_suppliers import SUPPLIER_STATUSES, Supplier, SupplierEvaluation
from storage.suppliers import Figures
from tests.extremes import NOW, SIZES, TODAY, accepted, longest

STAGES = ("before-14d", "today", "overdue-0", "overdue-40")
MANY = 500


def pick(big: bool, limit: int, small: str) -> str:
    return longest(limit) if big else small


def a_supplier(status: str, due: str, big: bool, n: int = 7) -> Supplier:
    offset = {"later": 200, "due soon": 10, "due today": 0, "overdue": -400}[due]
    return Supplier(
        id=n,
        name=pick(big, sup_forms.NAME_MAX, "ACME Plastics"),
        name_key="k",
        supplies=pick(big, sup_forms.SUPPLIES_MAX, "Housings"),
        status=status,
        criteria=pick(big, sup_forms.TEXT_MAX, "ISO 9001"),
        owner=ANNA.id,
        last_evaluated=TODAY - timedelta(days=365) if big else None,
        next_evaluation=TODAY + timedelta(days=offset),
        status_reason=pick(big, sup_forms.TEXT_MAX, "8D due") if status != "approved" else None,
        added_by=QUINN.id,
        added_at=NOW,
        version=2**31 - 1 if big else 1,
    )


def its_evaluations(big: bool) -> list[SupplierEvaluation]:
    return [
        SupplierEvaluation(
            id=n,
            supplier_id=7,
            evaluated_on=TODAY,
            evaluated_by=QUINN.id,
            period_from=TODAY - timedelta(days=365),
            ncs=10**6 if big else 0,
            complaints=10**6 if big else 0,
            returned=1.5e12 if big else 0.0,
            score=1 + n % 5,
            status_before=SUPPLIER_STATUSES[n % 3],
            decision=SUPPLIER_STATUSES[(n + 1) % 3],
            reason=pick(big, sup_forms.TEXT_MAX, "ok"),
            due_on=TODAY,
            next_evaluation=TODAY + timedelta(days=365),
            recorded_at=NOW,
        )
        for n in range(1, (MANY if big else 1) + 1)
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("due", ["later", "due soon", "due today", "overdue"])
@pytest.mark.parametrize("status", SUPPLIER_STATUSES)
def test_suppliers_in_every_status_and_state(status: str, due: str, size: str) -> None:
    big = size == "longest"
    supplier, evaluations = a_supplier(status, due, big), its_evaluations(big)
    figures = Figures(10**6, 10**6, 1.5e12) if big else Figures()
    card = sup_forms.Scorecard(TODAY - timedelta(days=365), TODAY, figures)
    many = [a_supplier(status, due, big, n) for n in range(1, (MANY if big else 1) + 1)]
    replies = [
        blocks.add_modal(TODAY),
        blocks.evaluate_modal(supplier, card, manager=True),
        blocks.evaluate_modal(supplier, card, manager=False, clicked=("D" * 20, "9" * 20)),
        blocks.status_modal(supplier),
        blocks.escalation(supplier, TODAY),
        *(blocks.evaluation_due(supplier, stage, TODAY) for stage in STAGES),
        Reply(blocks.evaluated(supplier, evaluations[0])),
        blocks.register(many, TODAY, 14),
        blocks.register([], TODAY, 14),
        blocks.supplier_view(supplier, evaluations, TODAY, 14, may_evaluate=True, may_change=True),
        blocks.supplier_view(supplier, evaluations, TODAY, 14, may_evaluate=False, may_change=False),
        blocks.nc_alert("NC-2026-9999", pick(big, 150, "Cracked"), supplier, ANNA.id),
        Reply("home", blocks.home_section(many, many, TODAY, 14) or [{"type": "divider"}]),
    ]
    mine = MyWork(user=ANNA.id, suppliers=many)
    replies.append(home_tab(mine, TODAY, blocks.home_section(many, many, TODAY, 14), NOW))
    for surface in replies:
        assert accepted(surface) == [], str(surface)[:120]
    assert answer_problems({"options": blocks.picker_options(many[:100])}) == []
