"""The App Home tab and the leaders' weekly digest, through the real app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot import cli
from bot.delivery.outbox import Sender
from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage.models import OutboxMessage
from tests.flows import open_home

NC = {"description": "Found at goods-in.", "severity": "major", "source": "employee_report", "process": "Production"}


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def raise_nc(sb: Sandbox, person: Person, title: str, **answers: Any) -> None:
    sb.slack.command(person, "/nc")
    response = sb.slack.submit(person, sb.slack.last_view(), {**NC, "title": title, **answers})
    assert not response.content, response.text


def test_home_shows_my_work_overdue_first_and_long_lists_capped(sb: Sandbox) -> None:
    for n in range(12):
        raise_nc(sb, QUINN, f"Finding {n:02d}", owner=ANNA.id, due_date=f"2026-12-{n + 10:02d}")
    raise_nc(sb, QUINN, "Someone else's", owner=BEN.id)
    sb.clock.advance(days=16)  # type: ignore[attr-defined]  # 11 Dec: Finding 00 (due 10th) is overdue
    shown = open_home(sb, ANNA)
    assert "Your open NCs, actions and complaints* (12)" in shown and "… and 2 more" in shown
    assert shown.index("Finding 00") < shown.index("Finding 01") and "1 day overdue" in shown
    assert "Someone else's" not in shown and "Registers (QMS manager)" not in shown
    assert {"Raise nonconformity", "Log customer feedback"} <= set(
        sb.buttons({"blocks": sb.fake.home_views[ANNA.id]["blocks"]})
    )


def test_a_qms_manager_also_sees_the_registers(sb: Sandbox) -> None:
    raise_nc(sb, ANNA, "Scratched housing", owner=BEN.id, due_date="2026-11-26")
    sb.clock.advance(days=3)  # type: ignore[attr-defined]
    shown = open_home(sb, QUINN)
    assert "Registers (QMS manager)" in shown and "Open: *1*" in shown and "*Overdue*: 1 NC, 0 actions" in shown


def test_home_acknowledges_training_and_refreshes_after_it(sb: Sandbox) -> None:
    sb.slack.command(QUINN, "/training", "new")
    sb.slack.submit(
        QUINN,
        sb.slack.last_view(),
        {
            "title": "Returns",
            "doc_ref": "SOP-012",
            "revision": "C",
            "summary": "New ERP step.",
            "users": [ANNA.id],
            "due_date": "2026-12-04",
        },
    )
    shown = open_home(sb, ANNA)
    assert "To read and acknowledge* (1)" in shown and "SOP-012 rev C" in shown
    sb.press(
        ANNA,
        {
            "blocks": [
                {"type": "actions", "block_id": "home", "elements": [b["accessory"]]}
                for b in sb.fake.home_views[ANNA.id]["blocks"]
                if b.get("accessory")
            ]
        },
        "I've read and understood",
    )
    assert "To read and acknowledge* (0)" in json.dumps(
        sb.fake.home_views[ANNA.id]["blocks"]
    )  # refreshed, not reopened


def test_home_buttons_open_the_forms(sb: Sandbox) -> None:
    open_home(sb, BEN)
    home_message = {"blocks": sb.fake.home_views[BEN.id]["blocks"]}
    sb.press(BEN, home_message, "Raise nonconformity")
    assert sb.slack.last_view()["callback_id"] == "nc_raise"
    sb.press(BEN, home_message, "Log customer feedback")
    assert sb.slack.last_view()["callback_id"] == "feedback_log"


def digest_messages(sb: Sandbox, recipient: str) -> list[dict[str, Any]]:
    return [m for m in sb.fake.sent_messages(recipient) if m["text"].startswith("Quality digest")]


def test_the_digest_goes_to_each_leader_once_per_week_with_the_weeks_figures(
    clock: ManualClock, database_url: str
) -> None:
    clock.set(datetime(2026, 11, 17, 9, tzinfo=UTC))  # Tuesday of week 47
    with Sandbox(clock=clock, database_url=database_url, settings={"leaders": [LENA.id, QUINN.id]}) as sb:
        raise_nc(sb, ANNA, "Week 47 finding", owner=ANNA.id)
        clock.set(datetime(2026, 11, 24, 9, tzinfo=UTC))  # week 48
        raise_nc(sb, ANNA, "Label missing", owner=ANNA.id, severity="critical")
        raise_nc(sb, BEN, "Wrong torque", owner=BEN.id, due_date="2026-12-01")
        sb.slack.command(BEN, "/feedback")
        sb.slack.submit(
            BEN,
            sb.slack.last_view(),
            {"kind": "survey", "customer": "Acme", "received_via": "email", "rating": 4, "text": "Fine."},
        )
        clock.set(datetime(2026, 11, 30, 6, 59, tzinfo=UTC))  # Monday 07:59 in Berlin
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        assert digest_messages(sb, LENA.id) == []
        clock.set(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
        sb.ctx.nudges.derive()
        sb.ctx.nudges.derive()  # a second tick, or a second instance, queues nothing more
        restarted = Sender(
            sb.db, sb.ctx.sender.client, sb.ctx.directory, sb.settings, clock, "after-restart", sb.ctx.sender.renderers
        )
        restarted.drain()
        sb.ctx.sender.drain()
        for leader in (LENA.id, QUINN.id):
            (digest,) = digest_messages(sb, leader)
            shown = json.dumps(digest["blocks"], ensure_ascii=False)
            assert "Quality digest · 23 Nov – 29 Nov 2026" in shown
            assert "raised *2* (+1 on the week before)" in shown and "Open now: *3* (1 critical, 2 major)" in shown
            assert "Average rating: *4* from 1 rating" in shown and "Wrong torque" in shown  # due within 14 days
        assert digest_messages(sb, ANNA.id) == []
        with sb.db.session() as session:
            keys = [r.key for r in session.exec(select(OutboxMessage).where(OutboxMessage.key.startswith("digest:")))]  # type: ignore[attr-defined]
        assert sorted(keys) == sorted(
            f"digest:2026-11-30:{who}{part}" for who in (LENA.id, QUINN.id) for part in ("", ":chart")
        )
        assert len([f for f in sb.fake.files.values() if f.get("content")]) == 2  # one chart each


def test_the_digest_can_go_to_the_leaders_channel_and_be_asked_for(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"leaders_channel": "C0LEADERS1"}) as sb:
        sb.fake.add_channel("C0LEADERS1", "leaders", [LENA.id])
        clock.set(datetime(2026, 11, 30, 8, tzinfo=UTC))
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        assert len(digest_messages(sb, "C0LEADERS1")) == 1 and digest_messages(sb, LENA.id) == []
        sb.slack.command(ANNA, "/qms", "digest")
        assert "Only leaders or QMS managers can see the leaders' digest" in sb.slack.last_response()["text"]
        sb.slack.command(LENA, "/qms", "digest")
        assert sb.slack.last_response()["text"].startswith("Quality digest for 23 Nov – 29 Nov")


def test_digest_preview_prints_without_slack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'qms.db'}")
    monkeypatch.setenv("QMS_LEADERS", "U0LENA0001")
    assert cli.main(["digest", "--preview"]) == 0
    out = capsys.readouterr().out
    assert "QUALITY DIGEST" in out and "Nonconformities" in out and "goes to: U0LENA0001" in out


def test_leaders_as_a_user_group_and_a_friday_digest_after_a_weekend_outage(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"leaders": ["S0LEADERS1"], "digest": "fri 16:00"}) as sb:
        sb.fake.add_usergroup("S0LEADERS1", [LENA.id, BEN.id])
        clock.set(datetime(2026, 11, 27, 14, 59, tzinfo=UTC))  # Friday 15:59 in Berlin
        sb.ctx.nudges.derive()
        assert digest_messages(sb, LENA.id) == []
        clock.set(datetime(2026, 11, 30, 8, tzinfo=UTC))  # down all weekend, back on Monday
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        for leader in (LENA.id, BEN.id):
            (digest,) = digest_messages(sb, leader)
            assert "20 Nov – 26 Nov 2026" in json.dumps(
                digest["blocks"], ensure_ascii=False
            )  # the seven days before Friday
        clock.set(datetime(2026, 12, 3, 8, tzinfo=UTC))  # too late for last Friday's: wait for the next
        sb.fake.add_usergroup("S0LEADERS1", [LENA.id, BEN.id, ANNA.id])
        sb.ctx.nudges.derive()
        assert digest_messages(sb, ANNA.id) == []


def test_acknowledging_from_the_home_tab_answers_there(sb: Sandbox) -> None:
    sb.slack.command(QUINN, "/training", "new")
    sb.slack.submit(
        QUINN,
        sb.slack.last_view(),
        {
            "title": "Returns",
            "doc_ref": "SOP-012",
            "revision": "C",
            "summary": "New ERP step.",
            "users": [ANNA.id],
            "due_date": "2026-12-04",
        },
    )
    open_home(sb, ANNA)
    button = next(b["accessory"] for b in sb.fake.home_views[ANNA.id]["blocks"] if b.get("accessory"))
    responses = len(sb.fake.responses)
    # From the Home tab Slack sends a view container and no response URL.
    sb.slack.click_in_home(ANNA, button["action_id"], button["value"])
    sb.slack.click_in_home(ANNA, button["action_id"], button["value"])
    assert len(sb.fake.responses) == responses
    assert "You already acknowledged SOP-012 rev C" in sb.fake.sent_messages(ANNA.id)[-1]["text"]
    assert "To read and acknowledge* (0)" in json.dumps(sb.fake.home_views[ANNA.id]["blocks"])


def test_the_digest_chart_is_a_png_of_the_weeks_and_goes_out_once(clock: ManualClock) -> None:
    import io

    from PIL import Image

    from bot.digest import trend

    clock.set(datetime(2026, 11, 17, 9, tzinfo=UTC))
    with Sandbox(clock=clock) as sb:
        raise_nc(sb, ANNA, "Week 47 finding", owner=ANNA.id)
        raise_nc(sb, ANNA, "Week 47 second", owner=ANNA.id)
        clock.set(datetime(2026, 11, 24, 9, tzinfo=UTC))
        raise_nc(sb, ANNA, "Week 48 finding", owner=ANNA.id)
        with sb.db.session() as session:
            weeks = trend(session, datetime(2026, 11, 30).date(), sb.settings.zone)
        assert [w.label for w in weeks][-2:] == ["16 Nov", "23 Nov"] and len(weeks) == 12
        assert [w.raised for w in weeks] == [0] * 10 + [2, 1] and {w.closed for w in weeks} == {0}
        clock.set(datetime(2026, 11, 30, 7, tzinfo=UTC))
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        sb.ctx.nudges.derive()
        Sender(
            sb.db, sb.ctx.sender.client, sb.ctx.directory, sb.settings, clock, "restarted", sb.ctx.sender.renderers
        ).drain()
        charts = [f for f in sb.fake.files.values() if f.get("channel") == sb.fake.dm_channel(LENA.id)]
        assert len(charts) == 1 and charts[0]["name"] == "qms-trend-2026-11-30.png"
        assert "12 weeks" in charts[0]["initial_comment"]
        image = Image.open(io.BytesIO(charts[0]["content"]))
        assert image.format == "PNG" and image.size == (900, 420)
        red = sum(count for count, colour in image.convert("RGB").getcolors(1 << 20) or [] if colour == (214, 69, 65))
        assert red > 500  # the raised bars (and the legend) are drawn
        digest_at = next(
            i
            for i, c in enumerate(sb.fake.calls)
            if c.method == "chat.postMessage" and c.args.get("text", "").startswith("Quality digest")
        )
        upload_at = next(i for i, c in enumerate(sb.fake.calls) if c.method == "files.completeUploadExternal")
        assert digest_at < upload_at  # the chart comes after the digest it belongs to


def test_a_chart_waits_for_its_digest_and_is_dropped_with_it(clock: ManualClock) -> None:
    with Sandbox(clock=clock) as sb:
        clock.set(datetime(2026, 11, 30, 7, tzinfo=UTC))
        sb.fake.fail("chat.postMessage", "internal_error", times=1)  # the digest's first try fails
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        assert not [f for f in sb.fake.files.values() if f.get("content")]  # no chart before its digest
        clock.advance(minutes=2)
        sb.ctx.sender.drain()
        assert (
            len(digest_messages(sb, LENA.id)) == 1 and len([f for f in sb.fake.files.values() if f.get("content")]) == 1
        )
        with sb.db.session() as session:
            chart_row = session.exec(
                select(OutboxMessage).where(OutboxMessage.key == f"digest:2026-11-30:{LENA.id}:chart")
            ).one()
        assert chart_row.status == "sent" and chart_row.channel == sb.fake.dm_channel(LENA.id)


def test_chart_axes_use_whole_numbers() -> None:
    import io

    from PIL import Image

    from bot.surfaces.charts import Week, trend_png

    png = trend_png([Week("02 Nov", 7, 3, 4.5), Week("09 Nov", 0, 0, None)], "seven at most")
    assert Image.open(io.BytesIO(png)).size == (900, 420)
