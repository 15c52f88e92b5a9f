"""The demo's scenes about people: training, customer feedback, competence by role."""

from __future__ import annotations

import copy

from bot.standin.demo_tour import PRODUCTION, Tour
from bot.standin.sandbox import ANNA, BEN, LENA, QMS_CHANNEL, QUINN


def training(tour: Tour) -> None:
    """A document revision published to a channel's members and a person, acknowledged, asked about, chased."""
    tour.move_to("2026-12-09")
    tour.step("Quinn publishes SOP-012 rev C to #production's members and Lena (/training new)")
    tour.command(QUINN, "/training", "new")
    tour.fill(
        QUINN,
        {
            "title": "Labelling and dispatch check",
            "doc_ref": "SOP-012",
            "revision": "C",
            "link": "https://docs.example/SOP-012-C.pdf",
            "summary": "Every pallet is checked for customer labels at dispatch, and the check is signed on the checklist.",
            "users": [LENA.id],
            "channels": [PRODUCTION],
            "due_date": "2026-12-18",
        },
        focus={QUINN.id, ANNA.id},
    )

    tour.step('Anna clicks "I\'ve read and understood", then clicks it again on the same card')
    card = copy.deepcopy(tour.last_to(ANNA, "Please read"))
    tour.press(ANNA, card, "I've read and understood")
    tour.press(ANNA, card, "I've read and understood")
    tour.step("Anna looks at her training record (/training me)")
    tour.command(ANNA, "/training", "me")

    tour.step("Ben asks a question from his card")
    tour.press(BEN, tour.last_to(BEN, "Please read"), "Ask a question")
    tour.fill(BEN, {"question": "Does the check also apply to pallets going to our own warehouse?"})

    tour.move_to("2026-12-14")
    tour.step(
        "Monday, five days on: the bot's tick reminds Ben and Lena (and sends Lena the digest of 07–13 Dec,"
        " a week before the complaint and the audit); Quinn checks /training status"
    )
    tour.tick(focus={BEN.id})
    tour.command(QUINN, "/training", "status TR-2026-0001")


def feedback(tour: Tour) -> None:
    """A compliment and a complaint logged; the complaint answered and raised as an NC."""
    tour.move_to("2026-12-14", hour=11)
    tour.step("Ben logs a compliment a customer phoned in with /feedback")
    tour.command(BEN, "/feedback")
    tour.fill(
        BEN,
        {
            "kind": "compliment",
            "customer": "Müller GmbH",
            "product": "Pallet racking",
            "received_via": "call",
            "rating": 5,
            "text": "Delivery was early and the fitters left the site tidy.",
        },
    )
    tour.step("Ben logs a complaint; it gets a card in #quality and Ben must answer the customer in 2 days")
    tour.command(BEN, "/feedback", "Third pallet this month arrived without labels")
    tour.fill(
        BEN,
        {
            "kind": "complaint",
            "customer": "Acme Foods",
            "product": "Labelled pallets",
            "received_via": "email",
            "text": "Third pallet this month arrived without labels. We need a fix, not an apology.",
        },
    )
    complaint = tour.last_to(QMS_CHANNEL, "FB-2026-0002")

    tour.step("Quinn raises a nonconformity from the complaint, owned by Ben and due tomorrow")
    tour.press(QUINN, complaint, "Raise nonconformity")
    tour.note("the NC form opens filled in from the complaint")
    tour.fill(
        QUINN,
        {"severity": "major", "process": "Warehouse and logistics", "owner": BEN.id, "due_date": "2026-12-15"},
        updates=False,
    )
    tour.step("Ben records that he answered the customer; Quinn looks at /feedback stats 30")
    tour.press(BEN, tour.message(complaint["channel"], complaint["ts"]), "Customer answered")
    tour.command(QUINN, "/feedback", "stats 30")


def competence(tour: Tour) -> None:
    """Production's members must hold SOP-012, renewed yearly; the matrix shows who does."""
    tour.move_to("2026-12-16")
    tour.step("Quinn says #production's members need SOP-012, renewed every 12 months (/training require)")
    tour.command(QUINN, "/training", "require")
    tour.fill(QUINN, {"channels": [PRODUCTION], "documents": ["SOP-012"], "renew": "12"})
    tour.step("Quinn opens the training matrix (/training matrix)")
    tour.command(QUINN, "/training", "matrix")
