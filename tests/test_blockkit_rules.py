"""The stand-in refuses what Slack refuses: one case per Block Kit rule, and Slack's method errors.

Every case goes over real HTTP: slack_sdk's WebClient (or a response_url post) against a
FakeSlack, which answers invalid_blocks (messages) or invalid_arguments (views) with the reasons
in response_metadata.messages, and keeps the refusal in `fake.refused`.
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.standin.fakeslack import BOT_USER_ID, FakeSlack
from bot.workspace.clock import ManualClock
from tests.flows import run_harness

ROOT = Path(__file__).resolve().parent.parent
PERSON = "U0PERSON01"
CHANNEL = "C0QUALITY1"
_triggers = itertools.count(1)


# As bot.surfaces.words.moment writes it: a moment in the reader's zone, the org's as fallback.
DATE = "<!date^1795597200^{date_short_pretty} at {time}|25 Nov 2026 10:00 Europe/Berlin>"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def button(text: str = "Go", action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, "value": "1", **extra}


def actions(*elements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements), **extra}


def option(text: str = "One", value: str = "1", kind: Callable[[str], dict[str, Any]] = plain) -> dict[str, Any]:
    return {"text": kind(text), "value": value}


def select(n: int = 1, kind: str = "static_select", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "action_id": "pick", "options": [option(value=str(i)) for i in range(n)], **extra}


def text_input(**extra: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "label": plain("Title"),
        "element": {"type": "plain_text_input", "action_id": "t"},
        **extra,
    }


def confirm(**parts: Any) -> dict[str, Any]:
    return {"title": plain("Sure?"), "text": mrkdwn("Really"), "confirm": plain("Yes"), "deny": plain("No"), **parts}


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": plain("Raise an NC"), "submit": plain("Raise"), "blocks": blocks, **extra}


# (rule, surface, blocks or view, a phrase of the reason)
MESSAGE_CASES: list[tuple[str, list[dict[str, Any]], str]] = [
    ("no input blocks in messages", [text_input()], "block type 'input' is not allowed in a message"),
    ("unknown block type", [{"type": "carousel"}], "block type 'carousel' is not allowed"),
    (
        "element types per block: actions",
        [actions({"type": "plain_text_input", "action_id": "x"})],
        "not allowed in an actions block",
    ),
    (
        "element types per block: context",
        [{"type": "context", "elements": [button()]}],
        "not allowed in a context block",
    ),
    (
        "element types per block: accessory",
        [section(accessory={"type": "plain_text_input", "action_id": "x"})],
        "not allowed in a section accessory",
    ),
    ("section needs text or fields", [{"type": "section"}], "blocks[0].text: is required"),
    ("texts are not empty", [section("")], "must be more than 0 characters"),
    ("block_id unique in a surface", [section(block_id="a"), section(block_id="a")], "block_id 'a' repeats"),
    ("block_id at most 255", [section(block_id="b" * 256)], "block_id cannot exceed 255"),
    (
        "action_id unique in a block",
        [actions(button("Mark A1 done", "nc_action_done"), button("Mark A2 done", "nc_action_done"))],
        "action_id 'nc_action_done' repeats in this block",
    ),
    ("action_id at most 255", [actions(button(action_id="a" * 256))], "action_id attribute cannot exceed 255"),
    ("50 blocks in a message", [{"type": "divider"}] * 51, "51 blocks, more than 50 in a message"),
    ("section text 3000", [section("x" * 3001)], "text attribute cannot exceed 3000"),
    ("10 fields", [{"type": "section", "fields": [mrkdwn("f")] * 11}], "fields attribute cannot exceed 10"),
    ("field text 2000", [{"type": "section", "fields": [mrkdwn("f" * 2001)]}], "2001 characters, more than 2000"),
    ("header 150", [{"type": "header", "text": plain("h" * 151)}], "text attribute cannot exceed 150"),
    ("header is plain_text", [{"type": "header", "text": mrkdwn("*h*")}], "type must be plain_text"),
    (
        "context 10 elements",
        [{"type": "context", "elements": [mrkdwn("c")] * 11}],
        "elements attribute cannot exceed 10",
    ),
    (
        "actions 25 elements",
        [actions(*[button(action_id=f"b{i}") for i in range(26)])],
        "elements attribute cannot exceed 25",
    ),
    ("actions need elements", [actions()], "elements: is required"),
    ("button text 75", [actions(button("b" * 76))], "text attribute cannot exceed 75"),
    ("button text is plain_text", [actions({**button(), "text": mrkdwn("*Go*")})], "type must be plain_text"),
    ("button value 2000", [actions({**button(), "value": "v" * 2001})], "value attribute cannot exceed 2000"),
    ("button url 3000", [actions(button(url="https://x/" + "u" * 3000))], "url attribute cannot exceed 3000"),
    ("placeholder 150", [actions(select(placeholder=plain("p" * 151)))], "placeholder attribute cannot exceed 150"),
    ("placeholder is plain_text", [actions(select(placeholder=mrkdwn("p")))], "placeholder: type must be plain_text"),
    ("option text 75", [actions({**select(), "options": [option("o" * 76)]})], "text attribute cannot exceed 75"),
    (
        "option value 150",
        [actions({**select(), "options": [option(value="v" * 151)]})],
        "value attribute cannot exceed 150",
    ),
    (
        "static select options are plain_text",
        [actions({**select(), "options": [option(kind=mrkdwn)]})],
        "options[0].text: type must be plain_text",
    ),
    ("100 options per select", [actions(select(101))], "options attribute cannot exceed 100"),
    (
        "10 options for radio buttons",
        [actions(select(11, "radio_buttons"))],
        "11 options, more than 10 for radio_buttons",
    ),
    ("10 options for checkboxes", [actions(select(11, "checkboxes"))], "11 options, more than 10 for checkboxes"),
    ("5 options for overflow", [actions(select(6, "overflow"))], "between 1 and 5 items"),
    (
        "confirm title 100",
        [actions(button(confirm=confirm(title=plain("t" * 101))))],
        "title attribute cannot exceed 100",
    ),
    (
        "confirm text 300",
        [actions(button(confirm=confirm(text=mrkdwn("t" * 301))))],
        "text attribute cannot exceed 300",
    ),
    (
        "confirm button 30",
        [actions(button(confirm=confirm(confirm=plain("c" * 31))))],
        "confirm attribute cannot exceed 30",
    ),
    ("confirm deny 30", [actions(button(confirm=confirm(deny=plain("d" * 31))))], "deny attribute cannot exceed 30"),
    (
        "confirm title is plain_text",
        [actions(button(confirm=confirm(title=mrkdwn("t"))))],
        "confirm.title: type must be plain_text",
    ),
    # Slack's <!date^…>: well formed, with known tokens and a fallback, and only in mrkdwn.
    ("a date in a header", [{"type": "header", "text": plain(f"Due {DATE}")}], "<!date^…> is mrkdwn"),
    ("a date in a button", [actions(button(f"Since {DATE}"))], "<!date^…> is mrkdwn"),
    ("a date in plain_text context", [{"type": "context", "elements": [plain(DATE)]}], "<!date^…> is mrkdwn"),
    ("a date without fallback", [section("On <!date^1795597200^{date_short}>")], "malformed date"),
    ("a date without tokens", [section("On <!date^1795597200|01 Dec 2026>")], "malformed date"),
    ("a date with a bad timestamp", [section("On <!date^soon^{date}|01 Dec 2026>")], "malformed date"),
    ("a date with an unknown token", [section("<!date^1795597200^{weekday}|Tue>")], "needs tokens from"),
    ("a date token string with no token", [section("<!date^1795597200^at noon|noon>")], "needs tokens from"),
    ("a date with an empty fallback", [section("<!date^1795597200^{date}| >")], "has no fallback text"),
    ("a date in a field", [{"type": "section", "fields": [mrkdwn("<!date^1^{time}>")]}], "malformed date"),
]

VIEW_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("100 blocks in a modal", modal([{"type": "divider"}] * 101), "101 blocks, more than 100 in a modal"),
    (
        "100 blocks in a Home tab",
        {"type": "home", "blocks": [{"type": "divider"}] * 101},
        "more than 100 in a Home tab",
    ),
    (
        "file blocks only in messages",
        modal([{"type": "file", "external_id": "x", "source": "remote"}]),
        "block type 'file' is not allowed in a modal",
    ),
    (
        "input needs a label",
        modal([{"type": "input", "element": {"type": "plain_text_input", "action_id": "t"}}]),
        "label: is required",
    ),
    ("input needs an element", modal([{"type": "input", "label": plain("Title")}]), "element: is required"),
    ("input label is plain_text", modal([text_input(label=mrkdwn("Title"))]), "label: type must be plain_text"),
    ("input element types", modal([text_input(element=button())]), "not allowed in an input block"),
    ("a modal with inputs needs submit", {**modal([text_input()]), "submit": None}, "view.submit: is required"),
    ("a modal needs a title", {"type": "modal", "blocks": [section()]}, "view.title: is required"),
    ("modal title 24", modal([section()], title=plain("t" * 25)), "title must be between 1 and 24"),
    ("modal title is plain_text", modal([section()], title=mrkdwn("t")), "view.title: type must be plain_text"),
    ("no date in a modal title", modal([section()], title=plain(DATE[:24])), "<!date^…> is mrkdwn"),
    ("no date in an input label", modal([text_input(label=plain(f"By {DATE}"))]), "<!date^…> is mrkdwn"),
    ("modal submit 24", modal([section()], submit=plain("s" * 25)), "submit cannot exceed 24"),
    ("modal close 24", modal([section()], close=plain("c" * 25)), "close cannot exceed 24"),
    ("modal submit is plain_text", modal([section()], submit=mrkdwn("s")), "view.submit: type must be plain_text"),
    ("private_metadata 3000", modal([section()], private_metadata="m" * 3001), "private_metadata cannot exceed 3000"),
    ("callback_id 255", modal([section()], callback_id="c" * 256), "callback_id cannot exceed 255"),
    ("block_id unique in a modal", modal([text_input(block_id="t"), text_input(block_id="t")]), "block_id 't' repeats"),
    (
        "no submit on a Home tab",
        {"type": "home", "blocks": [section()], "submit": plain("Go")},
        "home view cannot have submit and close",
    ),
]


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock) as slack:
        slack.add_user(PERSON, "anna")
        slack.add_channel(CHANNEL, "quality", [PERSON, BOT_USER_ID])
        slack.add_channel("G0SECRET01", "hr-private", [PERSON], private=True)
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def refused(call: Callable[[], Any], error: str) -> list[str]:
    with pytest.raises(SlackApiError) as raised:
        call()
    assert raised.value.response["error"] == error
    return list(raised.value.response["response_metadata"]["messages"])


def post_response(fake: FakeSlack, body: dict[str, Any]) -> tuple[int, str]:
    request = urllib.request.Request(
        fake.response_url(), json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_valid_surfaces_are_accepted(client: WebClient, fake: FakeSlack) -> None:
    blocks = [
        {"type": "header", "text": plain("h" * 150)},
        section("x" * 3000, block_id="s", accessory=select(100)),
        {"type": "section", "fields": [mrkdwn("f" * 2000)] * 10},
        actions(*[button("b" * 75, f"b{i}", confirm=confirm()) for i in range(24)], select(5, "overflow")),
        actions(select(10, "radio_buttons"), {**select(10, "checkboxes"), "action_id": "c"}),
        {"type": "context", "elements": [mrkdwn("c")] * 10},
        section(f"Acknowledged {DATE}; linked <!date^1795597200^{{date}} {{ago}}^https://x.example/a|25 Nov 2026>"),
    ] + [{"type": "divider"}] * 43
    sent = client.chat_postMessage(channel=CHANNEL, text=f"t {DATE}", blocks=blocks)
    client.chat_update(channel=CHANNEL, ts=sent["ts"], text="t", blocks=blocks)
    client.chat_postEphemeral(channel=CHANNEL, user=PERSON, text="t", blocks=blocks)
    assert post_response(fake, {"text": "t", "blocks": blocks}) == (200, "ok")
    view = modal([text_input(block_id=f"i{i}") for i in range(100)], title=plain("t" * 24), private_metadata="m" * 3000)
    opened = client.views_open(trigger_id="1.1.a", view=view)["view"]
    client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)
    client.views_publish(user_id=PERSON, view={"type": "home", "blocks": [section()] * 100})
    assert fake.refused == []


@pytest.mark.refusals_expected
@pytest.mark.parametrize(("rule", "blocks", "reason"), MESSAGE_CASES, ids=[c[0] for c in MESSAGE_CASES])
def test_a_message_breaking_a_rule_is_refused(
    client: WebClient, fake: FakeSlack, rule: str, blocks: list[dict[str, Any]], reason: str
) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="fine")["ts"]
    surfaces: list[tuple[str, Callable[[], Any]]] = [
        ("chat.postMessage", lambda: client.chat_postMessage(channel=CHANNEL, text="t", blocks=blocks)),
        ("chat.update", lambda: client.chat_update(channel=CHANNEL, ts=posted, text="t", blocks=blocks)),
        (
            "chat.postEphemeral",
            lambda: client.chat_postEphemeral(channel=CHANNEL, user=PERSON, text="t", blocks=blocks),
        ),
    ]
    for method, call in surfaces:
        messages = refused(call, "invalid_blocks")
        assert any(reason in m for m in messages), (method, messages)
        assert fake.refused[-1][0] == method and any(reason in r for r in fake.refused[-1][1])
    assert post_response(fake, {"text": "t", "blocks": blocks}) == (400, "invalid_blocks")
    assert fake.refused[-1][0] == "response_url" and fake.responses == []
    assert fake.sent_messages(CHANNEL)[0]["text"] == "fine" and fake.ephemerals == []


@pytest.mark.refusals_expected
@pytest.mark.parametrize(("rule", "view", "reason"), VIEW_CASES, ids=[c[0] for c in VIEW_CASES])
def test_a_view_breaking_a_rule_is_refused(
    client: WebClient, fake: FakeSlack, rule: str, view: dict[str, Any], reason: str
) -> None:
    fine = modal([section()]) if view["type"] == "modal" else {"type": "home", "blocks": [section()]}
    if view["type"] == "modal":
        opened = client.views_open(trigger_id="1.1.a", view=fine)["view"]
        calls: list[Callable[[], Any]] = [
            lambda: client.views_open(trigger_id=f"2.{next(_triggers)}.b", view=view),
            lambda: client.views_push(trigger_id=f"3.{next(_triggers)}.c", view=view),
            lambda: client.views_update(view_id=opened["id"], view=view),
        ]
    else:
        client.views_publish(user_id=PERSON, view=fine)
        calls = [lambda: client.views_publish(user_id=PERSON, view=view)]
    for call in calls:
        messages = refused(call, "invalid_arguments")
        assert any(reason in m for m in messages), messages
    assert len(fake.refused) == len(calls)
    assert all(v.get("blocks") == fine["blocks"] for v in list(fake.views.values()) + list(fake.home_views.values()))


HARNESS_TEST = """
import pytest
from slack_sdk import WebClient
from bot.standin.fakeslack import FakeSlack

def send():
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-t", base_url=fake.api_url)
        client.api_call("chat.postMessage", json={"channel": "U0QMSBOT01", "blocks": [{"type": "section"}]})

def test_refused():
    try:
        send()
    except Exception:
        pass

@pytest.mark.refusals_expected
def test_expected():
    try:
        send()
    except Exception:
        pass
"""


def test_the_harness_fails_a_test_during_which_something_was_refused(tmp_path: Path) -> None:
    out = run_harness(tmp_path, "nothing_refused", "refusals_expected", HARNESS_TEST)
    assert "2 passed, 1 error" in out, out
    assert "ERROR at teardown of test_refused" in out
    assert "chat.postMessage: blocks[0].text: is required" in out


# (method, arguments, Slack's error) for the methods' own errors
METHOD_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("chat.postMessage", {"text": "t"}, "invalid_arguments"),
    ("chat.update", {"channel": CHANNEL, "text": "t"}, "invalid_arguments"),
    ("chat.postEphemeral", {"channel": CHANNEL, "text": "t"}, "invalid_arguments"),
    ("views.open", {"view": modal([section()])}, "invalid_arguments"),
    ("views.publish", {"view": {"type": "home", "blocks": []}}, "invalid_arguments"),
    ("users.info", {}, "invalid_arguments"),
    ("conversations.info", {}, "invalid_arguments"),
    ("chat.update", {"channel": CHANNEL, "ts": "1.000001", "text": "t"}, "message_not_found"),
    ("chat.postMessage", {"channel": "C0NOWHERE1", "text": "t"}, "channel_not_found"),
    ("chat.update", {"channel": "C0NOWHERE1", "ts": "1.000001", "text": "t"}, "channel_not_found"),
    ("chat.getPermalink", {"channel": "C0NOWHERE1", "message_ts": "1.000001"}, "channel_not_found"),
    ("conversations.info", {"channel": "C0NOWHERE1"}, "channel_not_found"),
    ("conversations.info", {"channel": "G0SECRET01"}, "channel_not_found"),
    ("conversations.members", {"channel": "G0SECRET01"}, "channel_not_found"),
    ("views.publish", {"user_id": "U0NOBODY01", "view": {"type": "home", "blocks": []}}, "user_not_found"),
    ("views.update", {"view_id": "V0NOTHERE1", "view": modal([section()])}, "not_found"),
]


@pytest.mark.parametrize(("method", "args", "error"), METHOD_CASES, ids=[f"{c[0]}-{c[2]}" for c in METHOD_CASES])
def test_methods_answer_as_slack_does(client: WebClient, method: str, args: dict[str, Any], error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call(method, json=args)
    assert raised.value.response["error"] == error


def test_views_update_with_a_stale_hash_is_a_conflict(client: WebClient) -> None:
    opened = client.views_open(trigger_id="1.1.a", view=modal([section()]))["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal([section("two")]))["view"]
    assert updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal([section("three")]))
    assert client.conversations_info(channel=CHANNEL)["channel"]["name"] == "quality"
