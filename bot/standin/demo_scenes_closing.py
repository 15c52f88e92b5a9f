"""The demo's closing scenes: a reminder snoozed, an escalation, the weekly digest, the export."""

from __future__ import annotations

from datetime import datetime

from bot import export
from bot.evidence import evidence_problems, open_store
from bot.standin.demo_scenes_nc import latest_nc
from bot.standin.demo_tour import Tour
from bot.standin.sandbox import BEN, LENA, QUINN
from storage.audit import verify


def snooze(tour: Tour) -> None:
    """Ben's NC is due today; he puts the reminder off for a day, saying why."""
    tour.move_to("2026-12-15", hour=11)
    number = latest_nc(tour, "customer_complaint")
    tour.step(f"The bot's tick: {number} (from the complaint) is due today, so Ben (its owner) is reminded")
    tour.tick(focus={BEN.id})
    reminder = next(m for m in reversed(tour.sb.fake.sent_messages(BEN.id)) if "Snooze" in tour.sb.buttons(m))
    tour.step("Ben snoozes the reminder for a day: he is waiting for the customer's photos")
    tour.press(BEN, reminder, "Snooze")
    tour.fill(BEN, {"until": "1d", "reason": "Waiting for Acme Foods' photos of the pallets"})


def escalation(tour: Tour) -> None:
    """Two days past its due date (this workspace's QMS_ESCALATE_AFTER_DAYS) the NC reaches Quinn."""
    tour.move_to("2026-12-17", hour=15)
    number = latest_nc(tour, "customer_complaint")
    tour.step(f"Two days after its due date {number} is still open: the tick tells Quinn (QMS manager)")
    tour.tick(focus={QUINN.id})


def digest(tour: Tour) -> None:
    """Ben's Home tab; then Monday 08:00, the digest of the week that ended and its chart, kept in the folder."""
    tour.move_to("2026-12-18", hour=16)
    tour.step("Ben opens the bot's Home tab")
    tour.sb.slack.event({"type": "app_home_opened", "user": BEN.id, "channel": "D" + BEN.id[1:], "tab": "home"})
    tour.show(f"{tour.name(BEN)}'s Home tab", "", tour.sb.fake.home_views[BEN.id]["blocks"])

    monday = datetime(2026, 12, 21, 8, 0, tzinfo=tour.sb.settings.zone)
    tour.clock.advance_to(monday)
    tour.step("Monday 08:00: Lena (a leader) gets the digest of last week (14–20 Dec)")
    mark = tour.mark()
    tour.tick(focus={LENA.id})
    lena = tour.sb.fake.dm_channel(LENA.id)
    for method in tour.sb.fake.calls[mark.calls :]:
        if method.method != "files.completeUploadExternal" or not method.response.get("ok"):
            continue
        for item in method.args["files"]:
            stored = tour.sb.fake.files[item["id"]]
            if stored.get("channel") == lena and stored.get("content"):
                (tour.folder / stored["name"]).write_bytes(stored["content"])
                tour.note(f"the chart is saved as {tour.folder / stored['name']}")


def export_and_verify(tour: Tour) -> None:
    """The workbook for auditors, written as `qms-bot export` writes it; then `qms-bot verify-trail`."""
    settings = tour.sb.settings
    today = tour.sb.clock.now().astimezone(settings.zone).date()
    tour.step("Quinn exports every register and the audit trail (qms-bot export --out qms-export.xlsx)")
    period = export.parse_period(None, None, settings.zone, today, settings.risk_bands)
    path = tour.folder / "qms-export.xlsx"
    summary = export.write_workbook(tour.sb.db, str(path), period)
    tour.note(f"wrote {path} ({period.describe()}, times in {settings.timezone}): {summary.describe()}")
    tour.step("Quinn checks the audit trail's hash chain and the kept evidence (qms-bot verify-trail)")
    with tour.sb.db.reading() as session:
        verdict = verify(session)
        files, problems = evidence_problems(session, open_store(settings, tour.sb.db))
    if verdict.intact:
        tour.note(f"audit trail intact: {verdict.checked} events, head {verdict.head}")
    else:
        tour.note(f"audit trail BROKEN at event #{verdict.broken_at}: {verdict.problem}")
    for problem in problems:
        tour.note(f"evidence BROKEN: {problem}")
    tour.note(f"evidence checked: {files} file(s)")
