"""The demo's later scenes: training, customer feedback, the audit programme, Home and digest.

Apart from `demo.py` (the opening and the nonconformity's story) so that neither passes 400
lines; `demo.play` runs them in this order.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bot.standin.sandbox import ANNA, BEN, LENA, QMS_CHANNEL, QUINN, Sandbox
from bot.workspace.clock import ManualClock

if TYPE_CHECKING:
    from bot.standin.demo import Transcript

PRODUCTION = "C0PRODUCT1"


def manual_clock(sb: Sandbox) -> ManualClock:
    """The demo's sandbox runs on its default ManualClock: the story moves it forward."""
    assert isinstance(sb.clock, ManualClock)
    return sb.clock


def training_demo(sb: Sandbox, t: Transcript, names: dict[str, str]) -> None:
    """A document revision published to a channel's members and a person, acknowledged, chased."""
    t.step("Quinn publishes SOP-012 rev C to #production's members and Lena (/training new)")
    sb.slack.command(QUINN, "/training", "new")
    view = sb.slack.last_view()
    t.modal(f"{names[QUINN.id]}'s form", view)
    sb.slack.submit(
        QUINN,
        view,
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
    )
    t.show(f"DM to {names[QUINN.id]}", sb.fake.sent_messages(QUINN.id)[-1]["text"], None)
    sb.ctx.sender.drain()
    card = sb.fake.sent_messages(ANNA.id)[-1]
    t.show(f"DM to {names[ANNA.id]} (and to Ben and Lena)", card["text"], card["blocks"])

    t.step('Anna clicks "I\'ve read and understood", then clicks it again')
    as_sent = copy.deepcopy(card)
    sb.press(ANNA, as_sent, "I've read and understood")
    t.show(
        f"{names[ANNA.id]}'s card, updated in place", card["text"], sb.message(card["channel"], card["ts"])["blocks"]
    )
    sb.press(ANNA, as_sent, "I've read and understood")
    t.show(f"only {names[ANNA.id]} sees", sb.slack.last_response()["text"], None)
    sb.slack.command(ANNA, "/training", "me")
    t.show(
        f"only {names[ANNA.id]} sees (/training me)",
        sb.slack.last_response()["text"],
        sb.slack.last_response()["blocks"],
    )

    t.step("Ben asks a question from his card")
    bens = sb.fake.sent_messages(BEN.id)[-1]
    sb.press(BEN, bens, "Ask a question")
    sb.slack.submit(
        BEN, sb.slack.last_view(), {"question": "Does the check also apply to pallets going to our own warehouse?"}
    )
    sb.ctx.sender.drain()
    t.show(f"DM to {names[QUINN.id]}", sb.fake.sent_messages(QUINN.id)[-1]["text"], None)

    t.step(
        "Three days on it is Saturday: Ben's and Lena's reminders wait for Monday; then Quinn checks /training status"
    )
    manual_clock(sb).advance(days=5)
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    reminder = sb.fake.sent_messages(BEN.id)[-1]
    t.show(f"DM to {names[BEN.id]}", reminder["text"], reminder["blocks"])
    sb.slack.command(QUINN, "/training", "status TR-2026-0001")
    t.show(f"only {names[QUINN.id]} sees", sb.slack.last_response()["text"], sb.slack.last_response()["blocks"])


def feedback_demo(sb: Sandbox, t: Transcript, names: dict[str, str]) -> None:
    """A compliment and a complaint logged; the complaint answered and raised as an NC."""
    t.step("Ben (sales) logs a compliment with /feedback")
    sb.slack.command(BEN, "/feedback")
    view = sb.slack.last_view()
    t.modal(f"{names[BEN.id]}'s form", view)
    sb.slack.submit(
        BEN,
        view,
        {
            "kind": "compliment",
            "customer": "Müller GmbH",
            "product": "Pallet racking",
            "received_via": "call",
            "rating": 5,
            "text": "Delivery was early and the fitters left the site tidy.",
        },
    )
    sb.ctx.sender.drain()
    t.show(f"DM to {names[BEN.id]}", sb.fake.sent_messages(BEN.id)[-1]["text"], None)

    t.step("Ben logs a complaint; it gets a card in #quality and Ben must answer the customer in 2 days")
    sb.slack.command(BEN, "/feedback", "Third pallet this month arrived without labels")
    sb.slack.submit(
        BEN,
        sb.slack.last_view(),
        {
            "kind": "complaint",
            "customer": "Acme Foods",
            "product": "Labelled pallets",
            "received_via": "email",
            "text": "Third pallet this month arrived without labels. We need a fix, not an apology.",
        },
    )
    sb.ctx.sender.drain()
    complaint = sb.fake.sent_messages(QMS_CHANNEL)[-1]
    t.show("#quality", complaint["text"], complaint["blocks"])
    _nc_from_complaint(sb, t, names, complaint)


def _nc_from_complaint(sb: Sandbox, t: Transcript, names: dict[str, str], complaint: dict[str, Any]) -> None:
    t.step("Quinn raises a nonconformity from the complaint; Ben records that he answered the customer")
    sb.press(QUINN, complaint, "Raise nonconformity")
    view = sb.slack.last_view()
    t.modal(f"{names[QUINN.id]}'s NC form, filled in from the complaint", view)
    prefilled = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    sb.slack.submit(
        QUINN,
        view,
        {
            "title": prefilled["title"],
            "description": prefilled["description"],
            "severity": "major",
            "source": "customer_complaint",
            "process": "Warehouse and logistics",
            "owner": BEN.id,
        },
    )
    sb.press(BEN, sb.message(complaint["channel"], complaint["ts"]), "Customer answered")
    sb.ctx.sender.drain()
    updated = sb.message(complaint["channel"], complaint["ts"])
    t.show("#quality, the complaint's card now", updated["text"], updated["blocks"])
    nc_card = next(m for m in sb.fake.sent_messages(QMS_CHANNEL) if m["text"].startswith("NC-2026-0002"))
    t.show("#quality, the new NC's card", nc_card["text"], nc_card["blocks"])
    sb.slack.command(QUINN, "/feedback", "stats 30")
    t.show(
        f"only {names[QUINN.id]} sees (/feedback stats 30)",
        sb.slack.last_response()["text"],
        sb.slack.last_response()["blocks"],
    )


def programme_demo(sb: Sandbox, t: Transcript, names: dict[str, str]) -> None:
    """An internal audit planned and completed with one finding; a management review's input pack."""
    today = sb.clock.now().astimezone(sb.settings.zone).date()
    t.step("Quinn plans an internal audit of Production with /audit plan: Ben audits, Anna is audited")
    sb.slack.command(QUINN, "/audit", "plan")
    view = sb.slack.last_view()
    t.modal(f"{names[QUINN.id]}'s form", view)
    sb.slack.submit(
        QUINN,
        view,
        {
            "process": "Production",
            "scope": "Line 2 labelling and dispatch checks",
            "clauses": "7.5, 8.5.1, 8.7",
            "lead_auditor": BEN.id,
            "auditees": [ANNA.id],
            "planned_date": (today + timedelta(days=1)).isoformat(),
        },
    )
    sb.ctx.sender.drain()
    t.show(f"DM to {names[BEN.id]}", sb.fake.sent_messages(BEN.id)[-1]["text"], None)

    t.step("Ben works the checklist in his DM: line 1 conforming")
    sb.slack.command(BEN, "/audit", "checklist AU-2026-0001")
    checklist = [m for m in sb.fake.sent_messages(BEN.id) if m["text"].startswith("Checklist AU-2026-0001")][-1]
    first = next(b for b in checklist["blocks"] if b.get("accessory"))
    line_id = first["accessory"]["options"][0]["value"].split(":")[0]
    sb.slack.choose(BEN, "audit_answer", f"{line_id}:conforming", message=checklist, block_id="line")
    checklist = sb.message(checklist["channel"], checklist["ts"])
    t.show(f"{names[BEN.id]}'s checklist", checklist["text"], checklist["blocks"])

    t.step("Ben completes the audit with one nonconformity and one opportunity for improvement")
    sb.press(BEN, checklist, "Complete the audit")
    view = sb.slack.last_view()
    sb.slack.submit(
        BEN,
        view,
        {
            "summary": "Labelling at line 2 works to SOP-012 rev C; one gap in the dispatch check.",
            "severity": "minor",
            "nonconformities": "Dispatch check sheet not signed on 3 of 10 sampled days",
            "improvements": "Show the label stock level at the printer",
        },
    )
    sb.ctx.sender.drain()
    t.show(
        f"DM to {names[QUINN.id]}",
        sb.fake.sent_messages(QUINN.id)[-1]["text"],
        sb.fake.sent_messages(QUINN.id)[-1]["blocks"],
    )
    nc_card = [m for m in sb.fake.sent_messages(QMS_CHANNEL) if m["text"].startswith("NC-2026-0003")][-1]
    t.show("#quality, the NC raised from the finding", nc_card["text"], nc_card["blocks"])
    _review_pack(sb, t, names, today)


def _review_pack(sb: Sandbox, t: Transcript, names: dict[str, str], today: date) -> None:
    t.step("Quinn schedules the management review with /review schedule; the input pack comes from the records")
    sb.slack.command(QUINN, "/review", "schedule")
    sb.slack.submit(
        QUINN,
        sb.slack.last_view(),
        {
            "planned_date": (today + timedelta(days=3)).isoformat(),
            "attendees": [LENA.id, QUINN.id],
            "recurrence": "yearly",
        },
    )
    sb.slack.command(LENA, "/review", "pack MR-2026-0001")
    pack = sb.slack.last_response()
    t.show(f"only {names[LENA.id]} sees (/review pack MR-2026-0001)", pack["text"], pack["blocks"])


def home_and_digest_demo(sb: Sandbox, t: Transcript, names: dict[str, str]) -> None:
    """Ben's Home tab, then Monday 08:00: Lena's weekly digest."""
    t.step("Ben opens the bot's Home tab")
    sb.slack.event({"type": "app_home_opened", "user": BEN.id, "channel": "D" + BEN.id[1:], "tab": "home"})
    t.show(f"{names[BEN.id]}'s Home tab", "", sb.fake.home_views[BEN.id]["blocks"])

    t.step("Monday 08:00: Lena (a leader) gets the weekly digest")
    now = sb.clock.now()
    days = (7 - now.weekday()) % 7 or 7
    monday = (now + timedelta(days=days)).astimezone(sb.settings.zone).replace(hour=8, minute=0)
    manual_clock(sb).set(monday)
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    digest = [m for m in sb.fake.sent_messages(LENA.id) if m["text"].startswith("Quality digest")][-1]
    t.show(f"DM to {names[LENA.id]}", digest["text"], digest["blocks"])
    for chart in [f for f in sb.fake.files.values() if f.get("channel") == sb.fake.dm_channel(LENA.id)][-1:]:
        t.note(
            f"then a file in the same DM: {chart['name']} ({len(chart['content'] or b'') // 1024} KB PNG) — “{chart['initial_comment']}”"
        )
