"""Text from a private conversation stays out of public places (issue 16, point 4).

An NC or a feedback record raised from a message in a DM, a group DM or a private channel
keeps a copy of it, but its form is not filled from it, and the card, the lists, the owner's
DM and the Home tab neither quote it nor name its author; only whoever raised it and the QMS
managers are shown the copy. A conversation is private unless Slack says it is public.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot import export
from bot.standin.fakeslack import BOT_USER_ID
from bot.standin.sandbox import ANNA, BEN, LENA, QMS_CHANNEL, QUINN, Person, Sandbox
from bot.workspace import captures
from bot.workspace.clock import ManualClock
from storage import nonconformities as store
from tests.flows import ANSWERS, COMPLAINT, complaint_card, entries, latest, nc_card

SECRET = "Salary sheet of the night shift left on the printer"

# A conversation the message is in: (channel ID, how the fake knows it: add_channel arguments,
# None for a DM between two people, which the bot cannot see at all).
PRIVATE: dict[str, tuple[str, dict[str, Any] | None]] = {
    "a DM": ("D0ANNABEN1", None),
    "a group DM (G…)": ("G0MPDM0001", {"name": "mpdm-anna--ben--lena-1", "members": [ANNA.id, BEN.id, BOT_USER_ID]}),
    "a group DM (C…, is_mpim)": ("C0MPDM0002", {"name": "mpdm-anna--ben-1", "members": [ANNA.id, BEN.id, BOT_USER_ID]}),
    "a private channel (is_private)": (
        "C0HRPRIV01",
        {"name": "hr", "members": [ANNA.id, BOT_USER_ID], "private": True},
    ),
    "a private channel the bot is not in": ("C0BOARD001", {"name": "board", "members": [ANNA.id], "private": True}),
    "a private channel from before 2021 (G…)": ("G0SECRET01", {"name": "hr-old", "private": True}),
    "a C… channel with missing flags": ("C0NOFLAG01", {"name": "odd", "members": [ANNA.id], "flags": False}),
}


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def secret_message(sb: Sandbox, case: str) -> tuple[str, dict[str, Any]]:
    channel, known_as = PRIVATE[case]
    if known_as is not None:
        sb.fake.add_channel(channel, **known_as)
    return channel, sb.fake.post_as(BEN.id, channel, SECRET)


def offered(view: dict[str, Any]) -> dict[str, Any]:
    """What the form offers in its text inputs: submitting "as offered" sends these."""
    return {
        b["block_id"]: b["element"]["initial_value"]
        for b in view["blocks"]
        if b["type"] == "input" and b["element"].get("initial_value")
    }


def rendered(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def home_of(sb: Sandbox, person: Person) -> str:
    sb.slack.event({"type": "app_home_opened", "user": person.id, "channel": "D" + person.id[1:], "tab": "home"})
    return rendered(sb.fake.home_views[person.id])


def answer_to(sb: Sandbox, person: Person, command: str, text: str) -> str:
    sb.slack.command(person, command, text)
    return rendered(sb.slack.last_response())


def assert_kept_private(shown: str) -> None:
    assert SECRET not in shown and BEN.id not in shown


def assert_only_raiser_and_managers_see_it(
    sb: Sandbox, card: dict[str, Any], command: str, listing: str, number: str
) -> None:
    """The card in the QMS channel, the list, the owner's (LENA's) DM and Home tab, and the
    record shown to a leader neither quote the message nor name its author; whoever raised it
    (ANNA) and the QMS manager are shown the copy with its author."""
    sb.ctx.sender.drain()
    assert card["channel"] == QMS_CHANNEL and "a message in a private conversation" in rendered(card)
    assert_kept_private(rendered({"text": card["text"], "blocks": card["blocks"]}))
    assert_kept_private(answer_to(sb, LENA, command, listing))
    assert_kept_private(rendered(sb.fake.sent_messages(LENA.id)))
    assert_kept_private(home_of(sb, LENA))
    assert_kept_private(answer_to(sb, LENA, command, number))
    for reader in (ANNA, QUINN):
        shown = answer_to(sb, reader, command, number)
        assert SECRET in shown and f"<@{BEN.id}>" in shown


def shortcut_in_a_public_channel(sb: Sandbox, shortcut: str, text: str) -> dict[str, Any]:
    """BEN's message in #warehouse, a shortcut on it by ANNA: the form it opened."""
    sb.fake.add_channel("C0WAREHOUS", "warehouse", [BEN.id])
    message = sb.fake.post_as(BEN.id, "C0WAREHOUS", text)
    sb.slack.message_shortcut(ANNA, shortcut, message, "C0WAREHOUS")
    methods = [c.method for c in sb.fake.calls]
    # Asked before the form opens, so a form from a private conversation is never filled.
    assert methods.index("conversations.info") < methods.index("views.open")
    return sb.slack.last_view()


# --- nonconformities -----------------------------------------------------------------------


@pytest.mark.parametrize("case", list(PRIVATE))
def test_an_nc_from_a_private_conversation_keeps_its_text_off_every_public_surface(sb: Sandbox, case: str) -> None:
    channel, message = secret_message(sb, case)
    sb.slack.message_shortcut(ANNA, "raise_nc_from_message", message, channel)
    view = sb.slack.last_view()
    assert offered(view) == {}  # neither title nor description is filled from the message
    assert "the original stays private" in rendered(view) and SECRET not in rendered(view)
    response = sb.slack.submit(ANNA, view, {**ANSWERS, "owner": LENA.id, **offered(view)})
    assert not response.content, response.text
    nc = latest(sb)
    with sb.db.session() as session:
        capture = store.get_capture(session, nc.origin_id)  # type: ignore[arg-type]
    assert capture is not None and capture.text == message["text"] and not capture.public  # the copy is kept
    assert_only_raiser_and_managers_see_it(sb, nc_card(sb, nc), "/nc", "list open", nc.number)
    assert_kept_private(home_of(sb, ANNA))  # the Home tab quotes it to nobody


def test_an_nc_from_a_public_channel_is_filled_once_slack_says_it_is_public(sb: Sandbox) -> None:
    view = shortcut_in_a_public_channel(sb, "raise_nc_from_message", "Rack 7 bent by the forklift")
    assert offered(view) == {"title": "Rack 7 bent by the forklift", "description": "Rack 7 bent by the forklift"}
    assert "the original stays private" not in rendered(view)
    sb.slack.submit(ANNA, view, {**ANSWERS, **offered(view)})
    shown = rendered(nc_card(sb, latest(sb))["blocks"])
    assert "“Rack 7 bent by the forklift”" in shown and f"<@{BEN.id}>" in shown and "<#C0WAREHOUS>" in shown


def test_a_slow_answer_from_slack_leaves_the_form_time_to_open_and_counts_as_private(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(captures, "LOOKUP_SECONDS", 0.1)  # a real wait: the client's timeout is under test
    sb.fake.add_channel("C0WAREHOUS", "warehouse", [BEN.id])
    sb.fake.delay("conversations.info", 0.4)
    message = sb.fake.post_as(BEN.id, "C0WAREHOUS", "Rack 7 bent by the forklift")
    sb.slack.message_shortcut(ANNA, "raise_nc_from_message", message, "C0WAREHOUS")
    view = sb.slack.last_view()
    assert offered(view) == {} and "the original stays private" in rendered(view)
    assert len(sb.fake.calls_to("views.open", ok=True)) == 1


# --- feedback --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(PRIVATE))
def test_feedback_from_a_private_conversation_keeps_its_text_off_every_public_surface(sb: Sandbox, case: str) -> None:
    channel, message = secret_message(sb, case)
    sb.slack.message_shortcut(ANNA, "log_feedback_from_message", message, channel)
    view = sb.slack.last_view()
    assert "text" not in offered(view) and "the original stays private" in rendered(view)
    answers = {**COMPLAINT, "owner": LENA.id, **offered(view)}
    response = sb.slack.submit(ANNA, view, answers)
    assert not response.content, response.text
    (entry,) = entries(sb)
    assert_only_raiser_and_managers_see_it(sb, complaint_card(sb, entry), "/feedback", "list", entry.number)


def test_feedback_from_a_public_channel_is_filled_once_slack_says_it_is_public(sb: Sandbox) -> None:
    view = shortcut_in_a_public_channel(sb, "log_feedback_from_message", "Acme says the delivery was late")
    assert offered(view)["text"] == "Acme says the delivery was late"


# --- the one rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "info", "public"),
    [
        ("C0GENERAL1", {"is_channel": True, "is_private": False, "is_im": False, "is_mpim": False}, True),
        ("C0GENERAL1", {"is_channel": True, "is_private": True}, False),
        ("C0GENERAL1", {"is_channel": True}, False),  # is_private missing
        ("C0GENERAL1", {"is_private": False}, False),  # is_channel missing
        ("C0GENERAL1", {"is_channel": True, "is_private": False, "is_mpim": True}, False),
        ("C0GENERAL1", {"is_channel": "true", "is_private": "false"}, False),  # not Slack's booleans
        ("C0GENERAL1", None, False),  # no answer (an error)
        ("G0GENERAL1", {"is_channel": True, "is_private": False}, False),  # a G… ID is never public
        ("D0GENERAL1", {"is_channel": True, "is_private": False}, False),
    ],
)
def test_only_a_channel_slack_calls_public_is_public(channel: str, info: dict[str, Any] | None, public: bool) -> None:
    assert captures.public_by_slack(channel, info) is public


def test_the_evidence_export_keeps_the_copy_of_a_private_message(sb: Sandbox, tmp_path: Path) -> None:
    channel, message = secret_message(sb, "a private channel (is_private)")
    sb.slack.message_shortcut(ANNA, "raise_nc_from_message", message, channel)
    sb.slack.submit(ANNA, sb.slack.last_view(), ANSWERS)
    sb.slack.message_shortcut(ANNA, "log_feedback_from_message", message, channel)
    sb.slack.submit(ANNA, sb.slack.last_view(), COMPLAINT)
    export.write_csv(sb.db, tmp_path, export.Period(None, None, sb.settings.zone, date(2026, 11, 25)))
    for register in ("nc-register.csv", "feedback-log.csv"):
        with open(tmp_path / register, newline="", encoding="utf-8-sig") as handle:
            header, row = list(csv.reader(handle))
        copied = dict(zip(header, row, strict=True))
        assert copied["Message copy"] == SECRET and BEN.id in copied["Message author"], register
        assert f"/archives/{channel}/" in copied["From message"]
