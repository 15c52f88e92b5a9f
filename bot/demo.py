"""`qms-bot demo`: the real app, a Slack stand-in and a throwaway database, and a transcript."""

from __future__ import annotations

from typing import Any, TextIO

from bot.sandbox import ANNA, BEN, PEOPLE, QMS_CHANNEL, QUINN, Sandbox
from bot.simulate import Person
from bot.transcript import readable, render_message


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


def play(out: TextIO) -> int:
    names = {p.id: real for p, (real, _) in PEOPLE.items()} | {QMS_CHANNEL: "quality"}
    t = Transcript(out, names)
    out.write("QMS bot demo: the real app over HTTP, a local Slack stand-in, a throwaway SQLite file.\n")
    with Sandbox() as sb:
        out.write("Workspace: Anna and Ben (employees), Quinn (QMS manager), Lena (leader); #quality is the QMS channel.\n")

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
        event = {"type": "member_joined_channel", "user": BEN.id, "channel": QMS_CHANNEL, "channel_type": "C", "team": "T0QMSDEMO1"}
        sb.slack.event(event, event_id="Ev0DEMO0001")
        sb.slack.event(event, event_id="Ev0DEMO0001", retry_num=1)
        report = sb.ctx.sender.drain()
        t.note(f"the outbox sent {report.sent} message (the retried delivery wrote nothing)")
        for message in sb.fake.sent_messages(BEN.id):
            t.show(f"DM to {names[BEN.id]}", message["text"], message["blocks"])

        t.step("Quinn checks delivery with /qms outbox")
        ephemeral(QUINN, "/qms", "outbox")
    out.write("\nDone. Every step above went through the real Bolt app, signed like Slack signs requests.\n")
    return 0
