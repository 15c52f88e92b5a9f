"""One run of `qms-bot demo`: the sandbox, the transcript, and what each step did.

A scene acts as a person (a command, a button, a form) through the Tour, which then prints
everything the bot did in answer: the answers only that person sees, the messages and DMs it
posted (after the outbox has sent them), the cards it updated, the files it uploaded. Forms
are printed as the person filled them in, with the values actually submitted.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from bot.standin.sandbox import ANNA, PEOPLE, QMS_CHANNEL, Sandbox
from bot.standin.simulate import Person
from bot.standin.viewstate import opened_with
from bot.surfaces.transcript import readable, render_message, render_view
from bot.workspace.clock import ManualClock

PRODUCTION = "C0PRODUCT1"
# This workspace's settings besides the sandbox's own: Anna owns Production, and overdue work
# reaches the QMS managers after 2 days (default 7) so that the tour shows an escalation.
SETTINGS = {"process_owners": {"Production": ANNA.id}, "escalate_after_days": 2}
_SHOWN_POSTS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "files.completeUploadExternal")


@dataclass(frozen=True)
class Mark:
    """Where the stand-in's records stood before a step: what came after is the step's effect."""

    calls: int
    responses: int


class Tour:
    def __init__(self, out: TextIO, folder: Path) -> None:
        self.out = out
        self.folder = folder
        self.played: list[str] = []
        self.names = {p.id: real for p, (real, _) in PEOPLE.items()}
        self.names |= {"D" + p.id[1:]: real for p, (real, _) in PEOPLE.items()}
        self.names |= {QMS_CHANNEL: "quality", PRODUCTION: "production"}
        self.sb = Sandbox(settings=SETTINGS)

    def __enter__(self) -> Tour:
        self.sb.start()
        self.sb.fake.add_channel(PRODUCTION, "production", [p.id for p in PEOPLE if p.name in ("anna", "ben")])
        return self

    def __exit__(self, *exc: object) -> None:
        self.sb.stop()

    # --- the clock: each scene happens on its own day, so a scene alone keeps its dates ---

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.sb.clock, ManualClock)
        return self.sb.clock

    def move_to(self, day: str, hour: int = 10) -> None:
        """Forward to `day` (YYYY-MM-DD) at `hour` in the QMS timezone; never back."""
        when = datetime.fromisoformat(day).replace(hour=hour, tzinfo=self.sb.settings.zone)
        self.clock.advance_to(when)
        # What the outbox held for this hour (a snoozed reminder coming back, a working day
        # starting) goes now, said in a line each, so that it is not shown as the next step's doing.
        mark = self.mark()
        self.sb.ctx.sender.drain()
        if any(c.method in _SHOWN_POSTS for c in self.sb.fake.calls[mark.calls :]):
            self.step("Meanwhile the outbox sends what was waiting for this hour")
            self.effects(mark, focus=set())

    def today(self) -> str:
        return self.sb.clock.now().astimezone(self.sb.settings.zone).strftime("%a %d %b %Y %H:%M")

    # --- writing ---

    def quietly(self) -> TextIO:
        """Send what follows nowhere (a scene played only to set up another); the old output."""
        old, self.out = self.out, io.StringIO()
        return old

    def step(self, title: str) -> None:
        self.out.write(f"\n━━ {self.today()} · {title}\n")

    def show(self, who: str, text: str, blocks: list[dict[str, Any]] | None) -> None:
        self.out.write(f"  ▶ {who}\n")
        for line in render_message(text, blocks, self.names):
            self.out.write(f"    {line}\n")

    def note(self, text: str) -> None:
        self.out.write(f"  · {readable(text, self.names)}\n")

    def name(self, person: Person | str) -> str:
        key = person if isinstance(person, str) else person.id
        return self.names.get(key, key)

    # --- acting as a person, then showing what the bot did ---

    def mark(self) -> Mark:
        return Mark(len(self.sb.fake.calls), len(self.sb.fake.responses))

    def command(self, person: Person, command: str, text: str = "", **shown: Any) -> httpx.Response:
        mark = self.mark()
        answer = self.sb.slack.command(person, command, text)
        self.effects(mark, person, answer, **shown)
        return answer

    def press(self, person: Person, message: dict[str, Any], label: str, **shown: Any) -> httpx.Response:
        mark = self.mark()
        answer = self.sb.press(person, message, label)
        self.effects(mark, person, answer, **shown)
        return answer

    def tick(self, **shown: Any) -> None:
        """One tick of the scheduler's nudge job (what falls due now), and what it sent."""
        mark = self.mark()
        self.sb.ctx.nudges.derive()
        self.effects(mark, **shown)

    def fill(
        self, person: Person, answers: dict[str, Any], view: dict[str, Any] | None = None, **shown: Any
    ) -> httpx.Response:
        """Fill in the open form (what it was opened with, then `answers`), show it, send it."""
        view = view or self.sb.slack.last_view()
        values = {**opened_with(view), **answers}
        self.out.write(f"  ▶ {self.name(person)} fills in the form and sends it\n")
        for line in render_view(view, self.names, values):
            self.out.write(f"    {line}\n")
        mark = self.mark()
        answer = self.sb.slack.submit(person, view, values)
        body = answer.json() if answer.content else {}
        if body.get("response_action") == "errors":
            raise AssertionError(f"the demo's form was refused: {body['errors']}")
        self.effects(mark, person, answer, **shown)
        return answer

    def effects(
        self,
        mark: Mark,
        actor: Person | None = None,
        answer: httpx.Response | None = None,
        *,
        updates: bool = True,
        focus: set[str] | None = None,
    ) -> None:
        """Everything the bot did since `mark`, once the outbox has sent what it may send now.

        `updates=False` says an updated message in one line (a card shown in full elsewhere);
        `focus` (user and channel IDs) shows only those conversations' messages in full, the
        others in one line each, so a tick's unrelated reminders do not hide the point."""
        self.sb.ctx.sender.drain()
        fake = self.sb.fake
        body = answer.json() if answer is not None and answer.content else {}
        if actor is not None and (body.get("text") or body.get("blocks")):
            self.show(f"only {self.name(actor)} sees", body.get("text", ""), body.get("blocks"))
        for posted in fake.responses[mark.responses :]:
            who = f"only {self.name(actor)} sees" if actor else "a reply"
            self.show(who, posted.args.get("text", ""), posted.args.get("blocks"))
        for call in fake.calls[mark.calls :]:
            if call.method in _SHOWN_POSTS and call.response.get("ok"):
                self._call(call, updates, focus)
            elif call.method == "views.publish" and call.response.get("ok"):
                self.note(f"{self.name(call.args['user_id'])}'s Home tab is redrawn")

    def _call(self, call: Any, updates: bool, focus: set[str] | None) -> None:
        args = call.args
        channel = call.response.get("channel") or args.get("channel") or args.get("channel_id") or ""
        where = self._where(channel, args)
        if call.method == "files.completeUploadExternal":
            stored = next((f for f in self.sb.fake.files.values() if f["id"] == args["files"][0]["id"]), {})
            size = len(stored.get("content") or b"") // 1024
            self.note(f"a file in {where}: {stored.get('name')} ({size} KB) — “{stored.get('initial_comment')}”")
            return
        person = "U" + channel[1:] if channel.startswith("D") else args.get("user")
        in_focus = focus is None or channel in focus or person in focus
        if call.method == "chat.postEphemeral":
            where = f"only {self.name(args['user'])} sees, in {where}"
        elif call.method == "chat.update":
            where = f"{where}, updated in place"
        if (call.method == "chat.update" and not updates) or not in_focus:
            first = (readable(args.get("text", ""), self.names).splitlines() or [""])[0]
            self.note(f"{where}: {first[:110]}")
            return
        self.show(where, args.get("text", ""), args.get("blocks"))

    def _where(self, channel: str, args: dict[str, Any]) -> str:
        if channel.startswith("D") or channel.startswith("U"):
            where = f"DM to {self.name('D' + channel[1:])}"
        else:
            where = f"#{self.names.get(channel, channel)}"
        return where + (", in the card's thread" if args.get("thread_ts") else "")

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        return self.sb.message(channel, ts)

    def last_to(self, person: Person | str, starts: str = "") -> dict[str, Any]:
        """The latest message the bot sent to a person or channel (whose text starts so)."""
        key = person if isinstance(person, str) else person.id
        return [m for m in self.sb.fake.sent_messages(key) if m["text"].startswith(starts)][-1]
