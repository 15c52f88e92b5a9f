"""Pure pieces: escaping, Slack limits, working hours, the transcript renderer."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.surfaces.blocks import (
    Reply,
    button,
    cap_blocks,
    capped_lines,
    header,
    input_block,
    modal,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import escape, mention, safe, truncate
from bot.surfaces.transcript import readable, render_blocks, render_view
from bot.workspace.working_hours import next_working_moment

BERLIN = ZoneInfo("Europe/Berlin")
DAY = (time(9), time(17, 30))
WEEK = range(5)


@given(st.text())
def test_escaped_user_text_can_never_ping_or_link(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_safe_text_fits_its_field_and_shows_the_cut(text: str, limit: int) -> None:
    out = safe(text, limit)
    assert len(out) <= limit
    if len(escape(text)) > limit:
        assert out.endswith("…")


def test_truncation_never_leaves_half_an_entity() -> None:
    assert truncate(escape("a & b"), 5) == "a …"
    assert truncate("short", 10) == "short"


def test_mentions_only_for_real_ids() -> None:
    assert mention("U0ANNA0001") == "<@U0ANNA0001>"
    assert mention("C0QUALITY1") == "<#C0QUALITY1>"
    assert mention("!channel") == "!channel"
    assert mention("<!here>") == "&lt;!here&gt;"


def test_block_builders_respect_slack_limits() -> None:
    assert len(header("x" * 500)["text"]["text"]) == 150
    assert len(section("y" * 5000)["text"]["text"]) == 3000
    assert len(section("z", fields=["f"] * 15)["fields"]) == 10
    assert len(button("b" * 100, "a", "v")["text"]["text"]) == 75
    view = modal("cb", "A title far longer than twenty-four", [section("s")] * 150, submit="Submit it right now please")
    assert len(view["title"]["text"]) == 24 and len(view["submit"]["text"]) == 24 and len(view["blocks"]) == 100
    assert view["blocks"][-1]["elements"][0]["text"] == "… and 51 more not shown"


def test_capping_counts_what_is_left_out() -> None:
    capped = cap_blocks([section(str(n)) for n in range(60)])
    assert len(capped) == 50 and capped[-1]["elements"][0]["text"] == "… and 11 more not shown"
    text = capped_lines([f"line {n} " + "x" * 100 for n in range(100)])
    assert len(text) <= 3000 and text.endswith("more")
    assert capped_lines(["a", "b", "c"], max_lines=2) == "a\nb\n… and 1 more"


def test_reply_always_has_blocks_and_fallback_text() -> None:
    reply = Reply("plain answer")
    assert reply.as_kwargs() == {"text": "plain answer", "blocks": [section("plain answer")]}


def test_inside_working_hours_is_now() -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wed 10:00 Berlin
    assert next_working_moment(now, BERLIN, DAY, WEEK) == now


def test_after_hours_waits_for_the_next_morning() -> None:
    evening = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # Wed 18:00 Berlin
    assert next_working_moment(evening, BERLIN, DAY, WEEK) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_friday_evening_waits_for_monday() -> None:
    friday = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert next_working_moment(friday, BERLIN, DAY, WEEK) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_working_hours_follow_daylight_saving() -> None:
    # Saturday 28 March 2026; Berlin moves to summer time on Sunday, so Monday 09:00 is 07:00 UTC.
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert next_working_moment(saturday, BERLIN, DAY, WEEK) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_transcript_renders_what_people_see() -> None:
    blocks = [
        header("Nudge"),
        section("Hi <@U0ANNA0001>, see <https://x.test|the SOP> &amp; reply", fields=["*Due*\nFri"]),
        {"type": "actions", "elements": [button("Snooze", "s", "1")]},
    ]
    lines = render_blocks(blocks, {"U0ANNA0001": "Anna"})
    assert lines == ["NUDGE", "=====", "Hi @Anna, see the SOP (https://x.test) & reply", "  *Due*: Fri", "  [Snooze]"]
    view = render_view(modal("cb", "Snooze", [section("x")], submit="Snooze"))
    assert view[0] == "┌ Snooze" and view[-1] == "└ [Cancel]  [Snooze]"


def test_transcript_draws_the_bot_s_emoji_and_leaves_other_codes() -> None:
    assert readable(":white_check_mark: done, :large_orange_circle: Major") == "✅ done, 🟠 Major"
    assert readable(":not_a_code_we_send: at 09:00-17:30") == ":not_a_code_we_send: at 09:00-17:30"


def test_a_form_is_shown_with_what_the_person_entered() -> None:
    view = modal(
        "cb",
        "Raise",
        [
            input_block("severity", "Severity", static_select("v", [("Major", "major"), ("Minor", "minor")])),
            input_block("owner", "Owner", users_select("v"), optional=True),
            input_block("why", "Why", text_input("v", multiline=True)),
            input_block("due", "Due", text_input("v"), optional=True),
        ],
        submit="Raise",
    )
    values = {"severity": "minor", "owner": "U1", "why": "First\nSecond"}
    assert render_view(view, {"U1": "Anna"}, values)[1:-1] == [
        "│   Severity: Minor",
        "│   Owner (optional): @Anna",
        "│   Why: First",
        "│       Second",
        "│   Due (optional): —",
    ]
