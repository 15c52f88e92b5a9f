"""The demo's opening and its nonconformity: raised from a message, worked to a verified close."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.standin.demo_tour import PRODUCTION, Tour
from bot.standin.sandbox import ANNA, BEN, QMS_CHANNEL, QUINN
from bot.standin.simulate import Person
from storage import nonconformities
from storage.models import Nonconformity


def basics(tour: Tour) -> None:
    """Help, roles, a refusal, the welcome (once, though Slack delivered the event twice), the outbox."""
    tour.move_to("2026-11-25")
    tour.step("Anna types /qms help")
    tour.command(ANNA, "/qms", "help")
    tour.step("Anna tries /qms outbox (for QMS managers)")
    tour.command(ANNA, "/qms", "outbox")
    tour.step("Quinn types /qms whoami")
    tour.command(QUINN, "/qms", "whoami")

    tour.step("Ben joins #quality; Slack delivers the event twice (a retry)")
    event = {"type": "member_joined_channel", "user": BEN.id, "channel": QMS_CHANNEL, "channel_type": "C"}
    mark = tour.mark()
    tour.sb.slack.event({**event, "team": "T0QMSDEMO1"}, event_id="Ev0DEMO0001")
    tour.sb.slack.event({**event, "team": "T0QMSDEMO1"}, event_id="Ev0DEMO0001", retry_num=1)
    tour.effects(mark)
    tour.note("the retried delivery wrote nothing: one welcome")
    tour.step("Quinn checks delivery with /qms outbox")
    tour.command(QUINN, "/qms", "outbox")


def nc_card(tour: Tour, number: str) -> dict[str, Any]:
    """An NC's card in #quality as it stands now."""
    with tour.sb.db.session() as session:
        nc = nonconformities.by_number(session, number)
        assert nc is not None and nc.card_channel and nc.card_ts, number
    return tour.message(nc.card_channel, nc.card_ts)


def latest_nc(tour: Tour, source: str) -> str:
    """The number of the latest NC from `source` (a scene played alone numbers its NCs from 1)."""
    with tour.sb.db.session() as session:
        query = select(Nonconformity).where(Nonconformity.source == source).order_by(Nonconformity.id.desc())  # type: ignore[union-attr]
        found = session.exec(query).first()
        assert found is not None, source
        return found.number


def on_card(tour: Tour, person: Person, label: str, answers: dict[str, Any] | None = None, number: str = "") -> None:
    """Press a button on the NC's card and, if it opens a form, fill it in: the card's
    update in one line (it is shown in full at the end), its thread and DMs in full."""
    card = nc_card(tour, number or "NC-2026-0001")
    tour.press(person, card, label, updates=False)
    if answers is not None:
        tour.fill(person, answers, updates=False)


def nonconformity(tour: Tour) -> None:
    """An NC raised from a message, contained, analysed, actioned, verified and closed."""
    tour.move_to("2026-11-25")
    _raise_from_message(tour)
    _contain_and_plan(tour)
    _verify_and_close(tour)


def _raise_from_message(tour: Tour) -> None:
    said = tour.sb.fake.post_as(
        BEN.id,
        PRODUCTION,
        "Pallet 12 of batch 4711 went to dispatch without customer labels & nobody noticed until loading",
    )
    tour.step("Ben posts in #production, then picks 'Raise nonconformity from message' on it")
    tour.show("#production", said["text"], None)
    mark = tour.mark()
    tour.sb.slack.message_shortcut(BEN, "raise_nc_from_message", said, PRODUCTION)
    tour.effects(mark, BEN)
    tour.note("the form opens with the message as title and description; Ben shortens the title")
    tour.fill(
        BEN,
        {
            "title": "Pallet shipped without customer labels",
            "severity": "major",
            "process": "Production",
            "containment": "Pallet held at dispatch",
        },
    )


def _contain_and_plan(tour: Tour) -> None:
    tour.step("Anna (Production's process owner) records containment and the root cause")
    on_card(
        tour,
        ANNA,
        "Record containment",
        {"containment": "Pallet 12 relabelled; batch 4711 checked: 3 more cartons found and relabelled"},
    )
    on_card(
        tour,
        ANNA,
        "Record root cause",
        {
            "method": "five_whys",
            "cause": "Why unlabelled? The label printer ran out.\nWhy unnoticed? No low-label alarm and no check at dispatch.",
            "elsewhere": "yes",
            "elsewhere_note": "Line 3 has the same printer",
        },
    )
    tour.step("Anna plans a corrective and a preventive action")
    on_card(
        tour,
        ANNA,
        "Add action",
        {
            "kind": "corrective",
            "description": "Add a label check to the dispatch checklist",
            "owner": BEN.id,
            "due_date": "2026-12-04",
        },
    )
    on_card(
        tour,
        ANNA,
        "Add action",
        {
            "kind": "preventive",
            "description": "Fit low-label sensors on lines 2 and 3",
            "owner": ANNA.id,
            "due_date": "2026-12-11",
        },
    )
    tour.step("Ben tries to cancel the NC (only QMS managers may)")
    on_card(tour, BEN, "Cancel NC")
    tour.step("Ben and Anna mark their actions done, with evidence")
    on_card(tour, BEN, "Mark A1 done", {"evidence": "Dispatch checklist rev D, signed off by the shift lead"})
    on_card(tour, ANNA, "Mark A2 done", {"evidence": "Sensors fitted, work orders 7781 and 7782"})


def _verify_and_close(tour: Tour) -> None:
    tour.step("Anna tries to verify the effectiveness (she did an action; a QMS manager must)")
    on_card(tour, ANNA, "Verify effectiveness")
    tour.move_to("2026-12-09")
    tour.step("Two weeks later Quinn (QMS manager, who did none of the actions) verifies and closes")
    on_card(
        tour,
        QUINN,
        "Verify effectiveness",
        {"result": "effective", "note": "No unlabelled pallets in 14 days of dispatch records"},
    )
    on_card(tour, QUINN, "Close NC")
    card = nc_card(tour, "NC-2026-0001")
    tour.show("#quality, the card (updated in place after every step)", card["text"], card["blocks"])
    tour.note("the card's thread, which reads as the NC's history:")
    for reply in tour.sb.fake.sent_messages(card["channel"]):
        if reply.get("thread_ts") == card["ts"]:
            for line in reply["text"].splitlines():
                tour.note("  " + line)
