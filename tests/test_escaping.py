"""The suite-wide escaping check (bot.standin.echoes, tests/conftest.py `nothing_echoed`) can fail.

Every test runs with it; these prove it finds a person's mention or link that reaches Slack
live on each surface, and lets escaped text and the bot's own mentions pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.registry import Command
from bot.standin import echoes
from bot.standin.fakeslack import FakeSlack
from bot.standin.sandbox import ANNA, BEN, QMS_CHANNEL, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from tests.flows import (
    ANSWERS,
    COMPLAINT,
    SOP,
    latest,
    log,
    plan,
    publish,
    raise_nc,
    record_counts,
    rounds,
    run_harness,
    step,
    the_audits,
)

ROOT = Path(__file__).resolve().parent.parent
PERSON = "U0PERSON01"
TYPED = "Seal worn <!channel> see <https://evil.test|the fix> & <@U0PERSON01> now"


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock) as slack:
        slack.add_user(PERSON, "p1")
        slack.add_channel("C0QUALITY1", "quality", [PERSON])
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def found_since(before: int) -> list[tuple[str, str]]:
    return [(where, token) for where, token, _text in echoes.echoes()[before:]]


def post_response(fake: FakeSlack, body: dict[str, Any]) -> None:
    import httpx

    assert httpx.post(fake.response_url(), json=body).status_code == 200


SURFACES: list[tuple[str, Callable[[WebClient, FakeSlack, str], Any]]] = [
    ("chat.postMessage", lambda c, f, t: c.chat_postMessage(channel="C0QUALITY1", text=t)),
    ("chat.postMessage", lambda c, f, t: c.chat_postMessage(channel="C0QUALITY1", text="x", blocks=[section(t)])),
    (
        "chat.postMessage",
        lambda c, f, t: c.chat_postMessage(
            channel="C0QUALITY1", text="x", blocks=[{"type": "section", "fields": [mrkdwn("*Title*"), mrkdwn(t)]}]
        ),
    ),
    (
        "chat.postEphemeral",
        lambda c, f, t: c.chat_postEphemeral(
            channel="C0QUALITY1", user=PERSON, text="x", blocks=[{"type": "context", "elements": [mrkdwn(t)]}]
        ),
    ),
    (
        "chat.update",
        lambda c, f, t: c.chat_update(
            channel="C0QUALITY1", ts=c.chat_postMessage(channel="C0QUALITY1", text="x")["ts"], text=t
        ),
    ),
    ("views.publish", lambda c, f, t: c.views_publish(user_id=PERSON, view={"type": "home", "blocks": [section(t)]})),
    (
        "views.open",
        lambda c, f, t: c.views_open(
            trigger_id="1.1.a",
            view={"type": "modal", "title": {"type": "plain_text", "text": "NC"}, "blocks": [section(t)]},
        ),
    ),
    ("response_url", lambda c, f, t: post_response(f, {"text": "x", "blocks": [section(t)]})),
]


@pytest.mark.echoes_expected
@pytest.mark.parametrize(("where", "send"), SURFACES, ids=[f"{n}-{s[0]}" for n, s in enumerate(SURFACES)])
def test_a_typed_mention_or_link_sent_live_is_found_on_every_surface(
    client: WebClient, fake: FakeSlack, where: str, send: Callable[[WebClient, FakeSlack, str], Any]
) -> None:
    echoes.note_typed(TYPED)
    before = len(echoes.echoes())
    send(client, fake, TYPED)
    found = found_since(before)
    assert (where, "<!channel>") in found and (where, "<https://evil.test|the fix>") in found
    # The typed mention of a known person counts too: the typed words around it came along.
    assert (where, "<@U0PERSON01>") in found


def test_escaped_text_and_the_bots_own_mentions_pass(client: WebClient, fake: FakeSlack) -> None:
    echoes.note_typed(TYPED)
    echoes.note_typed("<@U0PERSON01>")  # a whole answer that is only a known person's mention
    before = len(echoes.echoes())
    escaped = TYPED.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    client.chat_postMessage(
        channel="C0QUALITY1",
        text=f"NC-2026-0001 {escaped}",
        blocks=[
            section(f"*Owner:* <@{PERSON}>\n{escaped}"),  # the owner from a users_select
            {"type": "header", "text": {"type": "plain_text", "text": "<!channel>"}},  # plain text: not rendered
        ],
    )
    assert found_since(before) == []


@pytest.mark.echoes_expected
def test_a_mention_that_names_nobody_in_the_workspace_counts_alone(client: WebClient, fake: FakeSlack) -> None:
    echoes.note_typed("<@U0EVIL0001>")
    echoes.note_typed("&lt;#C0EVIL0001&gt;")  # as Slack sends a slash command's text
    before = len(echoes.echoes())
    client.chat_postMessage(channel="C0QUALITY1", text="<@U0EVIL0001> and <#C0EVIL0001>")
    assert found_since(before) == [("chat.postMessage", "<@U0EVIL0001>"), ("chat.postMessage", "<#C0EVIL0001>")]


@pytest.mark.echoes_expected
def test_what_people_typed_is_noted_but_not_the_bots_own_messages(client: WebClient, fake: FakeSlack) -> None:
    card = "Raised by <@U0PERSON01>: forklift"
    echoes.note_payload({"type": "message_action", "message": {"bot_id": "B0QMSBOT01", "text": card}})
    before = len(echoes.echoes())
    client.chat_postMessage(channel="C0QUALITY1", text=card)
    assert found_since(before) == []  # a shortcut on the bot's own card types nothing
    echoes.note_payload({"type": "message_action", "message": {"user": PERSON, "text": card}})
    client.chat_postMessage(channel="C0QUALITY1", text=card)
    assert found_since(before) == [("chat.postMessage", "<@U0PERSON01>")]


@pytest.mark.echoes_expected
def test_a_surface_that_forgets_to_escape_fails_the_check(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.qms

    # A deliberately broken surface: /qms's answer to an unknown word without its escaping.
    monkeypatch.setattr(bot.qms, "safe", lambda text, limit: text)
    before = len(echoes.echoes())
    sandbox.slack.command(ANNA, "/qms", "&lt;!channel&gt; frobnicate")  # as Slack sends "<!channel> frobnicate"
    assert ("ack", "<!channel>") in found_since(before)


HARNESS_TEST = """
import pytest
from slack_sdk import WebClient
from bot.registry import Command
from bot.standin import echoes
from bot.standin.fakeslack import FakeSlack

def send():
    echoes.note_typed("Printer jam <!channel> again")
    with FakeSlack() as fake:
        WebClient(token="xoxb-t", base_url=fake.api_url).chat_postMessage(channel="U0QMSBOT01", text="Printer jam <!channel> again")

def test_echoed():
    send()

@pytest.mark.echoes_expected
def test_expected():
    send()
"""


def test_the_harness_fails_a_test_during_which_typed_text_was_echoed(tmp_path: Path) -> None:
    out = run_harness(tmp_path, "nothing_echoed", "echoes_expected", HARNESS_TEST)
    assert "2 passed, 1 error" in out, out
    assert "ERROR at teardown of test_echoed" in out
    assert "chat.postMessage: <!channel>" in out


HOSTILE = "<!channel> fire <@U0EVIL0001> <https://evil.test|bank> & <#C0EVIL0001> <!subteam^S0EVIL0001>"


def test_hostile_text_in_every_register_reaches_slack_escaped_everywhere_it_is_shown(clock: ManualClock) -> None:
    """Hostile text typed into each creating form, then every reply, card, Home tab and nudge that
    shows it: the suite-wide check fails this test if any of them sends it live."""
    with Sandbox(clock=clock) as sb:
        nc = raise_nc(sb, owner=ANNA.id, title=HOSTILE, description=HOSTILE, containment=HOSTILE)
        step(sb, ANNA, nc, "Record containment", {"containment": HOSTILE})
        step(sb, ANNA, nc, "Record root cause", {"method": "five_whys", "cause": HOSTILE, "elsewhere": "no"})
        step(sb, ANNA, nc, "Add action", {"kind": "corrective", "description": HOSTILE, "owner": ANNA.id})
        said = sb.fake.post_as(BEN.id, QMS_CHANNEL, HOSTILE)
        sb.slack.message_shortcut(ANNA, "raise_nc_from_message", said, QMS_CHANNEL)
        assert not sb.slack.submit(ANNA, sb.slack.last_view(), {**ANSWERS, "title": "From the message"}).content
        log(sb, ANNA, **{**COMPLAINT, "customer": "Acme <!here>", "product": HOSTILE, "text": HOSTILE})
        publish(sb, title=HOSTILE, summary=HOSTILE, users=[ANNA.id])
        plan(sb, scope=HOSTILE)
        sb.slack.command(QUINN, "/doc", "add")
        sb.slack.submit(QUINN, sb.slack.last_view(), {**SOP, "title": HOSTILE})
        sb.slack.command(QUINN, "/review", "schedule")
        sb.slack.submit(QUINN, sb.slack.last_view(), {"planned_date": "2026-12-10", "attendees": [ANNA.id]})
        sb.slack.command(QUINN, "/review", "record MR-2026-0001")
        answers = {"held_on": "2026-11-25", "minutes": HOSTILE, "action_1": HOSTILE, "owner_1": ANNA.id}
        sb.slack.submit(QUINN, sb.slack.last_view(), {**answers, "due_1": "2027-01-15"})
        sb.slack.command(QUINN, "/kpi", "new")
        objective = {"name": HOSTILE[:60], "measure": "manual", "direction": "at_most", "target": "2"}
        sb.slack.submit(QUINN, sb.slack.last_view(), {**objective, "unit": "<!here>", "period": "year"})
        created = [latest(sb).number, "FB-2026-0001", "AU-2026-0001", "MR-2026-0001"]
        sb.slack.command(QUINN, "/kpi", "log OBJ-1 1")
        counts = record_counts(sb)
        assert counts["nonconformity"] == 2 and counts["corrective_action"] == 1 and counts["feedback"] == 1
        assert counts["audit"] == counts["controlled_document"] == counts["review_action"] == 1
        assert len(rounds(sb)) == 1 and "OBJ-1" in sb.slack.last_response()["text"]

        reads = [
            ("/nc", "list"), ("/nc", "list open"), ("/nc", "NC-2026-0001"), ("/nc", created[0]),
            ("/feedback", "list"), ("/feedback", created[1]), ("/kpi", ""), ("/training", "list"),
            ("/training", "me"), ("/training", "matrix"), ("/audit", "list"), ("/audit", created[2]),
            ("/doc", "list"), ("/doc", SOP["reference"]), ("/review", "list"), ("/review", created[3]),
            ("/qms", "digest"),
        ]  # fmt: skip
        sent = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # as Slack sends a command
        reads += [(str(command), sent) for command in Command] + [(str(command), f"list {sent}") for command in Command]
        reads += [("/training", f"status {rounds(sb)[0].number}"), ("/audit", f"checklist {created[2]}")]
        reads += [("/review", f"pack {created[3]}"), ("/audit", f"cancel {created[2]} {sent}"), ("/audit", created[2])]
        reads += [("/kpi", f"log OBJ-1 {sent}"), ("/nc", sent[:150])]
        for command, words in reads:
            for person in (ANNA, QUINN):
                assert sb.slack.command(person, command, words).status_code == 200
        for person in (ANNA, QUINN, BEN):
            sb.slack.event(
                {"type": "app_home_opened", "user": person.id, "channel": "D" + person.id[1:], "tab": "home"}
            )
        assert the_audits(sb)[0].status == "cancelled"  # with the slash command's hostile text as its reason
        for _ in range(40):  # reminders, escalations, review packs and digests over forty days
            clock.advance(days=1)
            sb.ctx.nudges.derive()
            sb.ctx.sender.drain()
        shown = json.dumps([c.args for c in sb.fake.calls] + [r.args for r in sb.fake.responses])
        assert shown.count("&lt;!channel&gt; fire") > 20  # the text was shown, escaped, on many surfaces
