"""`qms-bot demo`: the real app, a Slack stand-in and a throwaway database, and a transcript."""

from __future__ import annotations

from typing import Any, TextIO

from bot.standin.demo_scenes import (
    PRODUCTION,
    feedback_demo,
    home_and_digest_demo,
    manual_clock,
    programme_demo,
    training_demo,
)
from bot.standin.sandbox import ANNA, BEN, PEOPLE, QMS_CHANNEL, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.surfaces.transcript import readable, render_message, render_view
from storage import nonconformities


class Transcript:
    def __init__(self, out: TextIO, names: dict[str, str]) -> None:
        self.out = out
        self.names = names

    def step(self, title: str) -> None:
        self.out.write(f"\n━━ {title}\n")

    def show(self, who: str, text: str, blocks: list[dict[str, Any]] | None) -> None:
        self.out.write(f"  ▶ {who}\n")
        for line in render_message(text, blocks, self.names):
            self.out.write(f"    {line}\n")

    def note(self, text: str) -> None:
        self.out.write(f"  · {readable(text, self.names)}\n")

    def modal(self, who: str, view: dict[str, Any]) -> None:
        self.out.write(f"  ▶ {who}\n")
        for line in render_view(view, self.names):
            self.out.write(f"    {line}\n")


def play(out: TextIO) -> int:
    names = {p.id: real for p, (real, _) in PEOPLE.items()} | {QMS_CHANNEL: "quality", PRODUCTION: "production"}
    t = Transcript(out, names)
    out.write("QMS bot demo: the real app over HTTP, a local Slack stand-in, a throwaway SQLite file.\n")
    with Sandbox(settings={"process_owners": {"Production": ANNA.id}}) as sb:
        out.write(
            "Workspace: Anna and Ben (employees), Quinn (QMS manager), Lena (leader); #quality is the QMS channel.\n"
        )

        def ephemeral(person: Person, command: str, text: str) -> None:
            before = len(sb.fake.responses)
            response = sb.slack.command(person, command, text)
            body = response.json() if response.content else {}
            if body.get("text") or body.get("blocks"):
                t.show(f"only {names[person.id]} sees", body.get("text", ""), body.get("blocks"))
            for answer in sb.fake.responses[before:]:
                t.show(f"only {names[person.id]} sees", answer.args.get("text", ""), answer.args.get("blocks"))

        t.step("Anna types /qms help")
        ephemeral(ANNA, "/qms", "help")

        t.step("Anna tries /qms outbox (for QMS managers)")
        ephemeral(ANNA, "/qms", "outbox")

        t.step("Quinn types /qms whoami")
        ephemeral(QUINN, "/qms", "whoami")

        t.step("Ben joins #quality; Slack delivers the event twice (a retry)")
        event = {
            "type": "member_joined_channel",
            "user": BEN.id,
            "channel": QMS_CHANNEL,
            "channel_type": "C",
            "team": "T0QMSDEMO1",
        }
        sb.slack.event(event, event_id="Ev0DEMO0001")
        sb.slack.event(event, event_id="Ev0DEMO0001", retry_num=1)
        report = sb.ctx.sender.drain()
        t.note(f"the outbox sent {report.sent} message (the retried delivery wrote nothing)")
        for message in sb.fake.sent_messages(BEN.id):
            t.show(f"DM to {names[BEN.id]}", message["text"], message["blocks"])

        t.step("Quinn checks delivery with /qms outbox")
        ephemeral(QUINN, "/qms", "outbox")

        nonconformity_demo(sb, t, names)
        training_demo(sb, t, names)
        feedback_demo(sb, t, names)
        programme_demo(sb, t, names)
        home_and_digest_demo(sb, t, names)
    out.write("\nDone. Every step above went through the real Bolt app, signed like Slack signs requests.\n")
    return 0


class NcCard:
    """The story's NC card in #quality: read it, press its buttons as a person, show it."""

    def __init__(self, sb: Sandbox, t: Transcript, names: dict[str, str]) -> None:
        self.sb, self.t, self.names = sb, t, names

    def message(self) -> dict[str, Any]:
        with self.sb.db.session() as session:
            nc = nonconformities.by_number(session, "NC-2026-0001")
            assert nc is not None and nc.card_channel and nc.card_ts
        return self.sb.message(nc.card_channel, nc.card_ts)

    def press(self, person: Person, label: str, answers: dict[str, Any] | None = None) -> None:
        sb = self.sb
        before = len(sb.fake.responses)
        sb.press(person, self.message(), label)
        for answer in sb.fake.responses[before:]:
            self.t.show(f"only {self.names[person.id]} sees", answer.args.get("text", ""), answer.args.get("blocks"))
        if answers is not None:
            sb.slack.submit(person, sb.slack.last_view(), answers)

    def show(self, note: str) -> None:
        self.t.show(f"#quality, the card ({note})", self.message()["text"], self.message()["blocks"])


def nonconformity_demo(sb: Sandbox, t: Transcript, names: dict[str, str]) -> None:
    """An NC raised from a message, contained, analysed, actioned, verified and closed."""
    card = NcCard(sb, t, names)
    _raise_from_message(sb, t, names, card)
    _contain_and_plan(sb, t, names, card)
    _verify_and_close(sb, t, names, card)


def _raise_from_message(sb: Sandbox, t: Transcript, names: dict[str, str], card: NcCard) -> None:
    sb.fake.add_channel(PRODUCTION, "production", [ANNA.id, BEN.id])
    said = sb.fake.post_as(
        BEN.id,
        PRODUCTION,
        "Pallet 12 of batch 4711 went to dispatch without customer labels & nobody noticed until loading",
    )

    t.step("Ben posts in #production, then picks 'Raise nonconformity from message' on it")
    t.show("#production", said["text"], None)
    sb.slack.message_shortcut(BEN, "raise_nc_from_message", said, PRODUCTION)
    view = sb.slack.last_view()
    t.modal(f"{names[BEN.id]}'s form, filled in from the message", view)
    typed = next(b["element"]["initial_value"] for b in view["blocks"] if b["block_id"] == "description")
    sb.slack.submit(
        BEN,
        view,
        {
            "title": "Pallet shipped without customer labels",
            "description": typed,
            "severity": "major",
            "source": "employee_report",
            "process": "Production",
            "containment": "Pallet held at dispatch",
        },
    )
    sb.ctx.sender.drain()
    card.show("posted in #quality")
    for person in (BEN, ANNA):
        t.show(f"DM to {names[person.id]}", sb.fake.sent_messages(person.id)[-1]["text"], None)


def _contain_and_plan(sb: Sandbox, t: Transcript, names: dict[str, str], card: NcCard) -> None:
    t.step("Anna (Production's process owner) records containment and the root cause")
    card.press(
        ANNA,
        "Record containment",
        {"containment": "Pallet 12 relabelled; batch 4711 checked: 3 more cartons found and relabelled"},
    )
    card.press(
        ANNA,
        "Record root cause",
        {
            "method": "five_whys",
            "cause": "Why unlabelled? The label printer ran out.\nWhy unnoticed? No low-label alarm and no check at dispatch.",
            "elsewhere": "yes",
            "elsewhere_note": "Line 3 has the same printer",
        },
    )

    t.step("Anna plans a corrective and a preventive action")
    card.press(
        ANNA,
        "Add action",
        {
            "kind": "corrective",
            "description": "Add a label check to the dispatch checklist",
            "owner": BEN.id,
            "due_date": "2026-12-04",
        },
    )
    card.press(
        ANNA,
        "Add action",
        {
            "kind": "preventive",
            "description": "Fit low-label sensors on lines 2 and 3",
            "owner": ANNA.id,
            "due_date": "2026-12-11",
        },
    )
    sb.ctx.sender.drain()
    t.show(f"DM to {names[BEN.id]}", sb.fake.sent_messages(BEN.id)[-1]["text"], None)

    t.step("Ben tries to cancel the NC (only QMS managers may)")
    card.press(BEN, "Cancel NC")

    t.step("Ben and Anna mark their actions done, with evidence")
    card.press(BEN, "Mark A1 done", {"evidence": "Dispatch checklist rev D, signed off by the shift lead"})
    card.press(ANNA, "Mark A2 done", {"evidence": "Sensors fitted, work orders 7781 and 7782"})


def _verify_and_close(sb: Sandbox, t: Transcript, names: dict[str, str], card: NcCard) -> None:
    t.step("Anna tries to verify; two weeks later Quinn (QMS manager, who did none of the actions) verifies and closes")
    card.press(ANNA, "Verify effectiveness")
    manual_clock(sb).advance(days=14)
    card.press(
        QUINN,
        "Verify effectiveness",
        {"result": "effective", "note": "No unlabelled pallets in 14 days of dispatch records"},
    )
    card.press(QUINN, "Close NC")
    sb.ctx.sender.drain()
    card.show("updated in place after every step")
    t.note("the card's thread, which reads as the NC's history:")
    nc_card = card.message()
    for reply in sb.fake.sent_messages(nc_card["channel"]):
        if reply.get("thread_ts") == nc_card["ts"]:
            t.note("  " + reply["text"].splitlines()[0])
