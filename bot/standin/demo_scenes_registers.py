"""The demo's registers: risks, suppliers, measuring equipment, nonconforming output."""

from __future__ import annotations

from bot.standin.demo_scenes_nc import latest_nc, on_card
from bot.standin.demo_tour import Tour
from bot.standin.sandbox import ANNA, QMS_CHANNEL, QUINN


def risks(tour: Tour) -> None:
    """A risk raised with its likelihood and impact, then treated by Quinn."""
    tour.move_to("2026-12-15", hour=14)
    tour.step("Anna raises a risk: line 3's label printer has no low-label sensor yet (/risk)")
    tour.command(ANNA, "/risk")
    tour.fill(
        ANNA,
        {
            "kind": "risk",
            "title": "Line 3 label printer runs out unnoticed",
            "description": "Line 3 has the printer that left pallet 12 unlabelled, and no low-label sensor until January.",
            "process": "Production",
            "likelihood": "3",
            "impact": "4",
        },
    )
    tour.step("Quinn treats it from the card: reduce, with the residual score and a review date")
    card = tour.last_to(QMS_CHANNEL, "RK-2026-0001")
    tour.press(QUINN, card, "Treat", updates=False)
    tour.fill(
        QUINN,
        {
            "treatment": "reduce",
            "note": "Label stock checked at every shift handover until the sensor is fitted.",
            "residual_likelihood": "2",
            "residual_impact": "3",
            "review_date": "2027-01-29",
        },
    )


def suppliers(tour: Tour) -> None:
    """The label supplier registered as approved; the register."""
    tour.move_to("2026-12-15", hour=15)
    tour.step("Quinn registers the label supplier (/supplier add)")
    tour.command(QUINN, "/supplier", "add")
    tour.fill(
        QUINN,
        {
            "name": "LabelTec GmbH",
            "supplies": "Customer labels and printer ribbons",
            "criteria": "ISO 9001 certified; on-time delivery above 95 %",
            "owner": ANNA.id,
            "status": "approved",
            "next_evaluation": "2027-06-30",
        },
    )
    tour.step("Anna looks at the supplier register (/supplier list)")
    tour.command(ANNA, "/supplier", "list")


def equipment(tour: Tour) -> None:
    """A caliper registered with its calibration due in two days; Anna records the calibration."""
    tour.move_to("2026-12-16")
    tour.step("Quinn registers a caliper whose yearly calibration falls due on 18 Dec (/equipment add)")
    tour.command(QUINN, "/equipment", "add")
    tour.fill(
        QUINN,
        {
            "tag": "G-012",
            "description": "Digital caliper 0-150 mm",
            "location": "Dispatch bench",
            "owner": ANNA.id,
            "interval_months": "12",
            "last_calibrated": "2025-12-18",
        },
    )
    tour.step('Anna opens /equipment G-012 and presses "Record calibration": the lab passed it')
    tour.command(ANNA, "/equipment", "G-012")
    tour.press(ANNA, tour.sb.slack.last_response(), "Record calibration")
    tour.fill(
        ANNA,
        {
            "calibrated_on": "2026-12-16",
            "performer": "lab",
            "performed_by": "Kalibrierlabor Nord",
            "result": "pass",
            "certificate": "KN-2026-4471",
        },
    )


def outputs(tour: Tour) -> None:
    """The audit's NC holds 12 pallets; Anna decides to rework them, Quinn authorises it."""
    tour.move_to("2026-12-16", hour=14)
    number = latest_nc(tour, "internal_audit")
    tour.step(f"Anna records the output affected by {number}, the audit's NC (Affected output)")
    on_card(
        tour,
        ANNA,
        "Affected output",
        {
            "item": "Labelled pallets, batch 4790",
            "quantity": "12",
            "unit": "pallets",
            "lots": "4790",
            "held_at": "Dispatch bay 2",
            "unit_cost": "40",
        },
        number,
    )
    tour.step("Anna records the disposition: rework all 12 (relabel and re-check); Quinn is asked to authorise")
    on_card(
        tour, ANNA, "Record disposition", {"kind": "rework", "quantity": "12", "reason": "Relabel and re-check"}, number
    )
    request = next(m for m in reversed(tour.sb.fake.sent_messages(QUINN.id)) if "D1" in str(m.get("blocks")))
    tour.step("Quinn (a disposition approver, who did not record it) authorises D1 from his DM")
    tour.press(QUINN, request, "Authorise")
