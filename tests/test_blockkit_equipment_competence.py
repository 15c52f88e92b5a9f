"""The equipment register's and competence by role's pure Block Kit builders, rendered in
memory through Slack's checks: every status, at the least and at the longest (texts at the
forms' limits, hostile from their first character; the most list items)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.competence import blocks as cp_blocks
from bot.competence.blocks import DONE, DUE, EXPIRED, NO_ROUND, NOT_ASKED, Held, RoleStanding
from bot.equipment import blocks as eq_blocks
from bot.standin.sandbox import ANNA, QUINN
from bot.surfaces.blocks import Reply
from storage.models import Calibration, EvidenceFile, MeasuringEquipment
from storage.models_equipment import CALIBRATION_RESULTS, EQUIPMENT_STATUSES
from tests.extremes import NOW, SIZES, TODAY, accepted, longest

MANY = 500
STAGES = ("before-7d", "today", "after-1d", "after-30d")


def assert_all(*surfaces: object) -> None:
    for surface in surfaces:
        assert accepted(surface) == [], str(surface)[:120]  # type: ignore[arg-type]


def pick(big: bool, limit: int, small: str) -> str:
    return longest(limit) if big else small


def a_gauge(status: str, due: int, big: bool) -> MeasuringEquipment:
    return MeasuringEquipment(
        id=7,
        tag=pick(big, 40, "G-012"),
        tag_key="g-012",
        description=pick(big, 150, "Caliper"),
        location=pick(big, 100, "Bench 2"),
        owner=ANNA.id,
        interval_months=36 if big else 12,
        last_calibrated=None if big else TODAY - timedelta(days=300),
        next_due=TODAY + timedelta(days=due),
        status=status,
        added_by=QUINN.id,
        added_at=NOW,
    )


def its_calibrations(big: bool) -> list[Calibration]:
    return [
        Calibration(
            id=n,
            equipment_id=7,
            calibrated_on=TODAY - timedelta(days=n),
            performed_by=pick(big, 150, "Lab"),
            by_lab=bool(n % 2),
            result=CALIBRATION_RESULTS[n % 3],
            certificate=pick(big, 1000, "KLN-1") if n % 2 else None,
            note=pick(big, 3000, "ok"),
            next_due=TODAY,
            nc_id=n if n % 3 == 2 else None,
            recorded_by=ANNA.id,
            recorded_at=NOW,
        )
        for n in range(1, (MANY if big else 1) + 1)
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("due", [30, 3, 0, -40])
@pytest.mark.parametrize("status", EQUIPMENT_STATUSES)
def test_equipment_in_every_status(status: str, due: int, size: str) -> None:
    big = size == "longest"
    eq, calibrations = a_gauge(status, due, big), its_calibrations(big)
    numbers = {c.nc_id: f"NC-2026-{c.nc_id:04d}" for c in calibrations if c.nc_id}
    files = [
        EvidenceFile(
            id=n,
            record_type="equipment",
            record_ref="G-012",
            step=pick(big, 60, "calibration"),
            name=pick(big, 255, "c.pdf"),
            mimetype="application/pdf",
            size=10,
            sha256="0" * 64,
            slack_file=f"F{n:010d}",
            uploaded_by=ANNA.id,
            attached_at=NOW,
        )
        for n in range(1, (MANY if big else 1) + 1)
    ]
    assert_all(
        eq_blocks.add_modal(TODAY),
        eq_blocks.calibrate_modal(eq, TODAY),
        eq_blocks.calibrate_modal(eq, TODAY, ("D" * 20, "9" * 20)),
        eq_blocks.escalation(eq, TODAY),
        *(eq_blocks.calibration_due(eq, stage, TODAY) for stage in STAGES),
        *(Reply(eq_blocks.calibrated(eq, c, "NC-2026-0001" if c.result == "fail" else None)) for c in calibrations[:3]),
        eq_blocks.register([eq] * (MANY if big else 1), TODAY, 7),
        eq_blocks.register([], TODAY, 7),
        eq_blocks.equipment(eq, calibrations, TODAY, 7, may_calibrate=True, nc_numbers=numbers, files=files),
        eq_blocks.equipment(eq, [], TODAY, 7, may_calibrate=False, nc_numbers={}),
    )


@pytest.mark.parametrize("size", SIZES)
def test_competence_forms_matrix_and_lines(size: str) -> None:
    big = size == "longest"
    states = [Held("SOP-1", DONE, TODAY, TODAY), Held("WI-2", DUE, TODAY), Held("F-3", EXPIRED, TODAY)]
    states += [Held("X-4", NOT_ASKED), Held("Y-5", NO_ROUND)]
    if big:
        states = [Held(longest(40), s.state, s.on, s.renew_by) for s in states] * 4
    roles = [
        RoleStanding(
            f"S{n:08d}",
            pick(big, 100, "@forklift — Forklift drivers"),
            [h.doc_ref for h in states],
            12,
            {f"U{p:09d}": list(states) for p in range(MANY if big else 2)},
        )
        for n in range(40 if big else 1)
    ]
    groups = [(f"S{n:08d}", longest(75)) for n in range(100)] if big else [("S1", "@forklift")]
    documents = [longest(40) + str(n) for n in range(100)] if big else ["SOP-1"]
    assert_all(
        cp_blocks.require_modal(groups, documents),
        Reply("matrix", cp_blocks.matrix(roles, lambda uid: pick(big, 80, uid))),
        Reply("none", cp_blocks.matrix([], str)),
        Reply(cp_blocks.gaps_line(roles)),
        cp_blocks.saved(10**6, 10**6),
    )
    assert cp_blocks.gaps_line([RoleStanding("S1", "r", [], None)]) == "*Competence by role*: no gaps"
