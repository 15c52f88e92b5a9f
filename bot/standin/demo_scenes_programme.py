"""The demo's scenes about the QMS programme: the internal audit, the management review,
the document register and a quality objective."""

from __future__ import annotations

from bot.standin.demo_tour import Tour
from bot.standin.sandbox import ANNA, BEN, LENA, QMS_CHANNEL, QUINN


def audit(tour: Tour) -> None:
    """An internal audit planned for tomorrow, worked and completed on its day with one finding."""
    tour.move_to("2026-12-14", hour=14)
    tour.step("Quinn plans an internal audit of Production for tomorrow (/audit plan): Ben audits, Anna is audited")
    tour.command(QUINN, "/audit", "plan")
    tour.fill(
        QUINN,
        {
            "process": "Production",
            "scope": "Line 2 labelling and dispatch checks",
            "clauses": "7.5, 8.5.1, 8.7",
            "lead_auditor": BEN.id,
            "auditees": [ANNA.id],
            "planned_date": "2026-12-15",
        },
    )
    tour.move_to("2026-12-15")
    tour.step("The audit's day: Ben opens the checklist in his DM and answers its lines: all conforming")
    tour.command(BEN, "/audit", "checklist AU-2026-0001")
    checklist = tour.last_to(BEN, "Checklist AU-2026-0001")
    for block in [b for b in checklist["blocks"] if b.get("accessory")]:
        line_id = block["accessory"]["options"][0]["value"].split(":")[0]
        answer = f"{line_id}:conforming"
        mark = tour.mark()
        sheet = tour.message(checklist["channel"], checklist["ts"])
        tour.sb.slack.choose(BEN, "audit_answer", answer, message=sheet, block_id=block.get("block_id", "line"))
        tour.effects(mark, BEN, updates=False)
    checklist = tour.message(checklist["channel"], checklist["ts"])
    tour.show(f"{tour.name(BEN)}'s checklist now", checklist["text"], checklist["blocks"])

    tour.step("Ben completes the audit with one nonconformity and one opportunity for improvement")
    tour.press(BEN, tour.message(checklist["channel"], checklist["ts"]), "Complete the audit", updates=False)
    tour.fill(
        BEN,
        {
            "summary": "Labelling at line 2 works to SOP-012 rev C; one gap in the dispatch check.",
            "severity": "minor",
            "nonconformities": "Dispatch check sheet not signed on 3 of 10 sampled days",
            "improvements": "Show the label stock level at the printer",
        },
        updates=False,
        focus={QUINN.id, QMS_CHANNEL},
    )


def review(tour: Tour) -> None:
    """A management review scheduled for tomorrow, its input pack, then the meeting recorded."""
    tour.move_to("2026-12-16", hour=15)
    tour.step("Quinn schedules the management review for tomorrow (/review schedule)")
    tour.command(QUINN, "/review", "schedule")
    tour.fill(QUINN, {"planned_date": "2026-12-17", "attendees": [LENA.id, QUINN.id], "recurrence": "yearly"})
    tour.step("Lena reads the input pack, compiled from the records (/review pack MR-2026-0001)")
    tour.command(LENA, "/review", "pack MR-2026-0001")
    tour.move_to("2026-12-17", hour=11)
    tour.step("After the meeting Quinn records the minutes and an output action (/review record MR-2026-0001)")
    tour.command(QUINN, "/review", "record MR-2026-0001")
    tour.fill(
        QUINN,
        {
            "held_on": "2026-12-17",
            "minutes": "Labelling NCs reviewed; the dispatch check works. Customer rating on target.",
            "action_1": "Budget low-label sensors for every line in 2027",
            "owner_1": ANNA.id,
            "due_1": "2027-01-29",
        },
    )


def documents(tour: Tour) -> None:
    """A work instruction registered with its review due soon; the owner's reminder; reviewed, no change."""
    tour.move_to("2026-12-15", hour=12)
    tour.step("Quinn registers work instruction WI-031, last reviewed a year ago (/doc add)")
    tour.command(QUINN, "/doc", "add")
    tour.fill(
        QUINN,
        {
            "reference": "WI-031",
            "title": "Label printer changeover",
            "owner": ANNA.id,
            "revision": "B",
            "link": "https://docs.example/WI-031-B.pdf",
            "review_months": "12",
            "last_reviewed": "2025-12-28",
        },
    )
    tour.step("The bot's tick: the review falls due within 14 days, so Anna, its owner, is reminded")
    tour.tick(focus={ANNA.id})
    reminder = next(m for m in reversed(tour.sb.fake.sent_messages(ANNA.id)) if "WI-031" in m["text"])
    tour.step('Anna presses "Reviewed, no change"; /doc WI-031 shows the next review')
    tour.press(ANNA, reminder, "Reviewed, no change")
    tour.command(ANNA, "/doc", "WI-031")


def kpi(tour: Tour) -> None:
    """A quality objective the bot measures from the records: the customers' average rating."""
    tour.move_to("2026-12-15", hour=13)
    tour.step("Quinn defines a quality objective measured by the bot (/kpi new)")
    tour.command(QUINN, "/kpi", "new")
    tour.fill(
        QUINN,
        {
            "name": "Customer rating",
            "measure": "customer_rating",
            "direction": "at_least",
            "target": "4",
            "period": "quarter",
        },
    )
    tour.step("Anna looks at the objectives (/kpi)")
    tour.command(ANNA, "/kpi")
