"""The fake Slack answers slack_sdk's real calls with Slack's shapes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Context
from bot.delivery.scheduler import make_scheduler
from bot.standin.fakeslack import BOT_USER_ID, FakeSlack
from bot.standin.sandbox import Sandbox
from bot.surfaces.blocks import input_block, modal, text_input
from bot.workspace.clock import ManualClock
from bot.workspace.scopes import BOT_SCOPES


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock) as slack:
        for n in range(5):
            slack.add_user(f"U0PERSON0{n}", f"p{n}")
        slack.add_channel("C0QUALITY1", "quality", [f"U0PERSON0{n}" for n in range(5)])
        slack.add_usergroup("S0AUDITOR1", ["U0PERSON01"])
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def test_auth_and_users(client: WebClient, fake: FakeSlack) -> None:
    assert client.auth_test()["user_id"] == BOT_USER_ID
    assert client.users_info(user="U0PERSON01")["user"]["tz"] == "Europe/Berlin"
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U0NOBODY01")
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(token="", base_url=fake.api_url).auth_test()


def test_pagination_follows_cursors(client: WebClient) -> None:
    members = [m for page in client.conversations_members(channel="C0QUALITY1", limit=2) for m in page["members"]]
    assert members == [f"U0PERSON0{n}" for n in range(5)]
    people = [m["id"] for page in client.users_list(limit=4) for m in page["members"]]
    assert len(people) == 6  # five people and the bot
    assert client.usergroups_users_list(usergroup="S0AUDITOR1")["users"] == ["U0PERSON01"]


@pytest.mark.refusals_expected  # 51 blocks, refused on purpose
def test_messages_updates_and_permalinks(client: WebClient, fake: FakeSlack) -> None:
    sent = client.chat_postMessage(
        channel="U0PERSON01", text="hello", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    )
    assert sent["channel"] == "D0PERSON01" and sent["message"]["text"] == "hello"
    client.chat_update(channel=sent["channel"], ts=sent["ts"], text="edited")
    assert fake.sent_messages("U0PERSON01")[0]["text"] == "edited"
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel=sent["channel"], ts="1.2", text="x")
    link = client.chat_getPermalink(channel="C0QUALITY1", message_ts="1795597200.000100")["permalink"]
    assert link.endswith("/archives/C0QUALITY1/p1795597200000100")
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        client.chat_postMessage(channel="C0QUALITY1", text="x", blocks=[{"type": "divider"}] * 51)


def test_a_trigger_id_works_once(client: WebClient) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    opened = client.views_open(trigger_id="1.2.abc", view=view)["view"]
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        client.views_open(trigger_id="1.2.abc", view=view)
    assert client.views_update(view_id=opened["id"], view=view)["view"]["id"] == opened["id"]
    home = client.views_publish(user_id="U0PERSON01", view={"type": "home", "blocks": []})
    assert home["ok"]


def test_views_update_keeps_what_an_input_held_as_slack_does(client: WebClient) -> None:
    """Slack keeps an input's entry when the new view has the same block_id and action_id (so a
    new initial_value there is not shown); an input with a new block_id shows its own."""

    def form(*inputs: tuple[str, str | None]) -> dict[str, Any]:
        blocks = [input_block(block_id, "Title", text_input("value", initial=value)) for block_id, value in inputs]
        return modal("form", "Form", blocks)

    opened = client.views_open(trigger_id="1.2.form", view=form(("title", None), ("notes", "typed")))["view"]
    updated = client.views_update(
        view_id=opened["id"], view=form(("title", "filled"), ("notes", None), ("new", "shown"))
    )
    shown = {b["block_id"]: b["element"].get("initial_value") for b in updated["view"]["blocks"]}
    assert shown == {"title": None, "notes": "typed", "new": "shown"}


def test_conversations_info_answers_as_slack_does(client: WebClient, fake: FakeSlack) -> None:
    fake.add_channel("C0HR000001", "hr", [BOT_USER_ID], private=True)
    fake.add_channel("G0OLDHR001", "old-hr", [BOT_USER_ID], private=True)
    fake.add_channel("G0MPDM0001", "mpdm-p1--p2-1", [BOT_USER_ID])
    fake.add_channel("C0BOARD001", "board", ["U0PERSON01"], private=True)
    fake.add_channel("C0ODD00001", "odd", flags=False)

    def flags(channel: str) -> dict[str, Any]:
        info = client.conversations_info(channel=channel)["channel"]
        return {k: v for k, v in info.items() if k in ("is_channel", "is_group", "is_im", "is_mpim", "is_private")}

    assert flags("C0QUALITY1") == {
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": False,
    }
    assert flags("C0HR000001")["is_channel"] is True and flags("C0HR000001")["is_private"] is True
    assert flags("G0OLDHR001") == {**flags("C0HR000001"), "is_channel": False, "is_group": True}
    assert flags("G0MPDM0001") == {**flags("C0HR000001"), "is_channel": False, "is_mpim": True}
    assert flags("C0ODD00001") == {}
    assert flags("D0PERSON01") == {"is_im": True}  # the bot's DM with a person: an IM object
    assert client.conversations_info(channel="D0PERSON01")["channel"]["user"] == "U0PERSON01"
    for unseen in ("C0BOARD001", "D0P01P0201"):  # a private channel the bot is not in, others' DM
        with pytest.raises(SlackApiError, match="channel_not_found"):
            client.conversations_info(channel=unseen)


def test_files_upload_v2(client: WebClient, fake: FakeSlack) -> None:
    client.files_upload_v2(
        channel="D0PERSON01", filename="qms.xlsx", content=b"workbook", title="QMS export", initial_comment="Here it is"
    )
    [stored] = fake.files.values()
    assert (stored["content"], stored["title"], stored["channel"]) == (b"workbook", "QMS export", "D0PERSON01")


def test_failures_and_rate_limits_on_demand(client: WebClient, fake: FakeSlack, clock: ManualClock) -> None:
    fake.fail("users.info", "internal_error", status=500, times=1)
    with pytest.raises(SlackApiError):
        client.users_info(user="U0PERSON01")
    assert client.users_info(user="U0PERSON01")["ok"]
    fake.rate_limit("auth.test", limit=1, per_seconds=60)
    client.auth_test()
    with pytest.raises(SlackApiError) as limited:
        client.auth_test()
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"] == "60"
    clock.advance(seconds=60)
    assert client.auth_test()["ok"]


def test_the_scheduler_ticks_derive_and_send(clock: ManualClock) -> None:
    from bot.delivery.outbox import Nudge

    with Sandbox(
        clock=clock, sources=[lambda s, now, c: [Nudge(key="tick:1", recipient="U0ANNA0001", text="due")]]
    ) as sb:
        ctx: Context = sb.ctx
        scheduler = make_scheduler(ctx)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        named = ("derive-nudges", "send-outbox", "forget-events", "warm-directory", "archive-outbox", "summary")
        assert set(jobs) == set(named)
        for name in named:
            jobs[name].func(*jobs[name].args)
        assert [m["text"] for m in sb.fake.sent_messages("U0ANNA0001")] == ["due"]


def test_answers_name_the_granted_scopes_and_refuse_a_method_without_its_scope(fake: FakeSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.api_url)
    answer = client.auth_test()
    assert answer.headers["x-oauth-scopes"] == ",".join(BOT_SCOPES)  # as Bolt reads them after auth.test
    fake.granted_scopes.remove("users:read")
    with pytest.raises(SlackApiError) as refused:
        client.users_info(user=BOT_USER_ID)
    body = refused.value.response.data
    assert (body["error"], body["needed"]) == ("missing_scope", "users:read")
    assert "users:read" not in body["provided"].split(",") and "chat:write" in body["provided"].split(",")
    assert "users:read" not in refused.value.response.headers["x-oauth-scopes"]


def test_a_rejected_token_is_invalid_auth_and_none_is_not_authed(fake: FakeSlack) -> None:
    fake.reject_token("xoxb-revoked")
    with pytest.raises(SlackApiError) as revoked:
        WebClient(token="xoxb-revoked", base_url=fake.api_url).auth_test()
    assert revoked.value.response["error"] == "invalid_auth" and "x-oauth-scopes" not in revoked.value.response.headers
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.api_url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    assert WebClient(token="xoxb-other", base_url=fake.api_url).auth_test()["ok"]
