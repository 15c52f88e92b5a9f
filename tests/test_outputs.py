"""Control of nonconforming outputs (ISO 9001 8.7): 240 parts held, 200 reworked and
re-verified, 40 scrapped under an independent approver's authorisation; the NC cannot close
while any part is on hold, and the export carries the decisions with who authorised them."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from bot import export, outputs
from bot.cli import main
from bot.objectives.measures import MEASURES
from bot.registry import Action
from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage import outputs as store
from storage.audit import history
from storage.models import Disposition, Nonconformity
from tests.flows import OUTPUT, nc_card, press, raise_nc, reload, step, work_to_actions_done

CRACKED = b"\xff\xd8\xff\xe0 cracked housings, lot 4711" * 60
INSPECTED = b"\x89PNG\r\n\x1a\n re-inspection record QI-88" * 50


@pytest.fixture
def sb(clock: ManualClock, database_url: str) -> Iterator[Sandbox]:
    # Lena (a leader) and Quinn (the QMS manager) may authorise dispositions.
    settings = {"disposition_approvers": [QUINN.id, LENA.id]}
    with Sandbox(clock=clock, database_url=database_url, settings=settings) as sandbox:
        yield sandbox


def held_nc(sb: Sandbox) -> Nonconformity:
    nc = raise_nc(sb, owner=ANNA.id)
    assert step(sb, ANNA, nc, "Affected output", OUTPUT) == {}
    return nc


def decide(sb: Sandbox, person: Person, nc: Nonconformity, **answers: Any) -> dict[str, Any]:
    return step(sb, person, nc, "Record disposition", answers)


def decisions(sb: Sandbox, nc: Nonconformity) -> list[Disposition]:
    with sb.db.read() as session:
        return store.decisions_of(session, nc.id or 0)


def request_to(sb: Sandbox, person: Person, seq: int) -> dict[str, Any]:
    sb.ctx.sender.drain()
    return next(m for m in reversed(sb.fake.sent_messages(person.id)) if f"D{seq}" in str(m.get("blocks")))


def card_text(sb: Sandbox, nc: Nonconformity) -> str:
    return str(nc_card(sb, nc)["blocks"])


def reject(sb: Sandbox, person: Person, request: dict[str, Any], why: str) -> dict[str, Any]:
    """Press Reject on a request and say why in its form; the form's field errors (none: {})."""
    sb.press(person, request, "Reject")
    answer = sb.slack.submit(person, sb.slack.last_view(), {"note": why})
    return dict(answer.json().get("errors", {})) if answer.content else {}


def last_said(sb: Sandbox) -> str:
    return str(sb.slack.last_response()["text"])


def test_240_parts_held_reworked_and_scrapped_under_authorisation_then_closed(sb: Sandbox, tmp_path: Path) -> None:
    nc = held_nc(sb)
    assert "240 pcs* of Housing H-12" in card_text(sb, nc) and "240 pcs still on hold: 240 undecided" in card_text(
        sb, nc
    )
    assert decide(sb, ANNA, nc, kind="rework", quantity="200", reason="Relabel and re-inspect") == {}
    assert decide(sb, ANNA, nc, kind="scrap", quantity="40", reason="Cracked housings") == {}
    rework, scrap = decisions(sb, nc)
    assert (rework.seq, rework.status, scrap.seq, scrap.quantity) == (1, "pending", 2, 40)
    assert "240 pcs still on hold: 240 awaiting authorisation" in card_text(sb, nc)

    # Closing is refused while parts are on hold (the NC's own steps are done and verified).
    work_to_actions_done(sb, nc)
    step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective"})
    press(sb, QUINN, nc, "Close NC")
    assert reload(sb, nc).status == "effectiveness_verified"
    assert "cannot be closed: 240 pcs still on hold" in last_said(sb)

    # Lena authorises both; the owner hears it.
    sb.press(LENA, request_to(sb, LENA, 1), "Authorise")
    sb.press(LENA, request_to(sb, LENA, 2), "Authorise")
    rework, scrap = decisions(sb, nc)
    assert (rework.status, rework.authorised_by, scrap.status, scrap.authorised_by) == (
        "approved",
        LENA.id,
        "approved",
        LENA.id,
    )
    sb.ctx.sender.drain()
    told = [m["text"] for m in sb.fake.sent_messages(ANNA.id)]
    assert any("authorised *D2* Scrap of 40 pcs" in t for t in told)
    assert "200 pcs still on hold: 200 reworked or repaired, awaiting re-verification" in card_text(sb, nc)

    press(sb, QUINN, nc, "Close NC")
    assert "200 pcs still on hold" in last_said(sb) and reload(sb, nc).status == "effectiveness_verified"

    assert step(sb, ANNA, nc, "Re-verify D1", {"result": "conforming", "note": "100% inspection, record QI-88"}) == {}
    assert "Nothing on hold" in card_text(sb, nc)
    press(sb, QUINN, nc, "Close NC")
    assert reload(sb, nc).status == "closed"
    sb.slack.command(BEN, "/nc", nc.number)  # the record, as anyone reads it
    shown = str(sb.slack.last_response()["blocks"])
    assert "*D2* Scrap · 40 pcs · Cracked housings" in shown and f"authorised by <@{LENA.id}>" in shown

    # The export carries each decision with who authorised it and when.
    out = tmp_path / "qms.xlsx"
    export.write_workbook(sb.db, out, export.Period(None, None, sb.settings.zone, date(2026, 12, 31)))
    rows = [list(r) for r in openpyxl.load_workbook(out)["Nonconforming output"].iter_rows(values_only=True)]
    header = rows[0]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [(r["Disposition"], r["Decision"], r["Quantity"], r["Status"]) for r in body] == [
        ("D1", "rework", 200, "approved"),
        ("D2", "scrap", 40, "approved"),
    ]
    assert all(
        r["Authorised by"] and r["Authorised by"] != r["Decided by"] and r["Authorised (Europe/Berlin)"] for r in body
    )
    assert body[0]["Re-verification"] == "conforming"

    # The figures: 40 scrapped, 200 reworked, cost of poor quality 240 × 2.5.
    figures = outputs.scrap_and_rework(
        sb.db.session().__enter__(), date(2000, 1, 1), date(2100, 1, 1), sb.settings.zone
    )
    assert (figures.scrapped, figures.reworked, figures.cost, figures.uncosted) == (40, 200, 600.0, 0)
    assert [(line.process, line.unit) for line in figures.lines] == [("Production", "pcs")]
    with sb.db.read() as session:
        assert MEASURES["scrap_quantity"].compute is not None
        assert MEASURES["scrap_quantity"].compute(session, date(2000, 1, 1), date(2100, 1, 1), sb.settings.zone) == 40


def test_an_approver_may_not_authorise_their_own_decision_nor_may_anyone_else(sb: Sandbox) -> None:
    nc = held_nc(sb)
    assert decide(sb, QUINN, nc, kind="scrap", quantity="40", reason="Cracked") == {}
    (d,) = decisions(sb, nc)
    value = f"{d.id}@{d.version}"
    sb.slack.click(QUINN, Action.OUT_APPROVE, value)
    assert "another approver must authorise it" in last_said(sb)
    sb.slack.click(BEN, Action.OUT_APPROVE, value)  # forged: Ben got no request and may not
    assert "Only a disposition approver" in last_said(sb)
    sb.slack.click(ANNA, Action.OUT_REJECT, value)
    assert "Only a disposition approver" in last_said(sb)
    assert decisions(sb, nc)[0].status == "pending"
    assert all("D1" not in str(m.get("blocks")) for m in sb.fake.sent_messages(QUINN.id))  # no request to himself
    # Lena rejects, saying why; a second press (an older button) changes nothing and says who was first.
    reject(sb, LENA, request_to(sb, LENA, 1), "Cracks run into the seal face")
    assert (decisions(sb, nc)[0].status, decisions(sb, nc)[0].authorisation_note) == (
        "rejected",
        "Cracks run into the seal face",
    )
    sb.slack.click(LENA, Action.OUT_APPROVE, value)
    assert "Already done by" in last_said(sb) and decisions(sb, nc)[0].status == "rejected"
    assert "240 pcs still on hold: 240 undecided" in card_text(sb, nc)
    sb.ctx.later_trail.flush()
    with sb.db.read() as session:
        refused = [e for e in history(session, "nonconformity", nc.number) if e.action == "refused"]
    assert [(e.actor, e.after) for e in refused] == [
        (QUINN.id, {"step": "authorise D1"}),
        (BEN.id, {"step": "authorise D1"}),
        (ANNA.id, {"step": "authorise D1"}),
    ]


def test_only_the_owner_or_a_manager_records_output_and_decisions(sb: Sandbox) -> None:
    nc = held_nc(sb)
    sb.slack.click(BEN, Action.OUT_DECIDE, str(nc.id))
    assert "Only the NC owner" in last_said(sb)
    sb.slack.click(BEN, Action.OUT_RECORD, str(nc.id))
    assert "Only the NC owner" in last_said(sb)


def test_a_decision_cannot_take_more_than_is_undecided_and_a_double_submit_makes_one(sb: Sandbox) -> None:
    nc = held_nc(sb)
    press(sb, ANNA, nc, "Record disposition")
    form = sb.slack.last_view()
    answers = {"kind": "rework", "quantity": "241", "reason": "Relabel"}
    assert "Only 240 pcs are still undecided" in str(sb.slack.submit(ANNA, form, answers).json())
    answers["quantity"] = "200"
    assert not sb.slack.submit(ANNA, form, answers).content
    assert not sb.slack.submit(ANNA, form, answers).content  # the same view again: one decision
    assert [d.quantity for d in decisions(sb, nc)] == [200]
    assert "Only 40 pcs are still undecided" in str(decide(sb, ANNA, nc, kind="scrap", quantity="50", reason="x"))
    concession = decide(sb, ANNA, nc, kind="concession", quantity="12", reason="Customer accepts")
    assert "authorisation reference" in str(concession)
    assert (
        decide(sb, ANNA, nc, kind="concession", quantity="12", reason="Customer accepts", concession_ref="C-2026-14")
        == {}
    )
    text = card_text(sb, nc)
    assert "240 pcs still on hold: 28 undecided, 212 awaiting authorisation" in text, text


def test_the_record_reply_keeps_the_output_buttons_for_whoever_may_press_them(sb: Sandbox) -> None:
    """`/nc NC-…` is addressed to one person: the owner and a manager get the output's buttons
    with their steps; someone else gets none of them (the server checks every press anyway)."""
    nc = held_nc(sb)

    def buttons_shown(person: Person) -> set[str]:
        sb.slack.command(person, "/nc", nc.number)
        return set(sb.buttons(sb.slack.last_response()))

    assert {"Affected output", "Record disposition"} <= buttons_shown(ANNA)
    assert {"Affected output", "Record disposition"} <= buttons_shown(QUINN)
    assert not {"Affected output", "Record disposition"} & buttons_shown(BEN)


def test_a_rejection_says_why_to_the_recorder_on_the_card_and_in_the_request(sb: Sandbox) -> None:
    nc = held_nc(sb)
    assert decide(sb, ANNA, nc, kind="rework", quantity="240", reason="Relabel") == {}
    request = request_to(sb, LENA, 1)
    assert reject(sb, LENA, request, "  ") == {"note": "Say why it is rejected (under 3000 characters)."}
    assert decisions(sb, nc)[0].status == "pending"
    assert reject(sb, LENA, request, "Labels <@U999> are glued: rework damages them") == {}
    (d,) = decisions(sb, nc)
    assert (d.status, d.authorised_by) == ("rejected", LENA.id)
    # The request in Lena's DM is redrawn as done; Anna reads why; the card keeps the reason, escaped.
    redrawn = sb.message(request["channel"], request["ts"])
    assert redrawn["text"].startswith("You rejected *D1*") and not sb.buttons(redrawn)
    sb.ctx.sender.drain()
    told = [m["text"] for m in sb.fake.sent_messages(ANNA.id) if "rejected *D1*" in m["text"]]
    assert len(told) == 1 and "Why: Labels &lt;@U999&gt; are glued" in told[0]
    assert "rejected by" in card_text(sb, nc) and "Labels &lt;@U999&gt; are glued" in card_text(sb, nc)
    with sb.db.read() as session:
        event = [e for e in history(session, "nonconformity", nc.number) if e.action == "disposition_rejected"][0]
    assert event.after and event.after["authorisation_note"] == "Labels <@U999> are glued: rework damages them"


def test_the_only_approver_recording_a_decision_hears_nobody_can_authorise_it(
    clock: ManualClock, database_url: str
) -> None:
    with Sandbox(clock=clock, database_url=database_url, settings={"disposition_approvers": [QUINN.id]}) as sb:
        nc = held_nc(sb)
        assert decide(sb, QUINN, nc, kind="scrap", quantity="40", reason="Cracked") == {}
        sb.ctx.sender.drain()
        said_to_quinn = [m["text"] for m in sb.fake.sent_messages(QUINN.id) if "Nobody can authorise" in m["text"]]
        assert len(said_to_quinn) == 1 and "you are its only disposition approver" in said_to_quinn[0]
        assert decisions(sb, nc)[0].asked is None


def test_a_waiting_decision_reminds_its_approvers_then_reaches_the_managers(sb: Sandbox) -> None:
    nc = held_nc(sb)
    assert decide(sb, ANNA, nc, kind="scrap", quantity="40", reason="Cracked") == {}
    assert decisions(sb, nc)[0].asked == [QUINN.id, LENA.id]

    def reminders(person: Person, needle: str) -> list[dict[str, Any]]:
        before = len(sb.fake.sent_messages(person.id))
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        return [m for m in sb.fake.sent_messages(person.id)[before:] if needle in m["text"]]

    assert reminders(LENA, "has awaited your authorisation") == []  # asked today, reminded from day 2
    sb.clock.advance(days=2)
    first = reminders(LENA, "has awaited your authorisation")
    assert len(first) == 1 and "for 2 days" in first[0]["text"]
    assert len(sb.fake.sent_messages(QUINN.id)) and reminders(LENA, "awaited") == []  # a second tick: no more
    assert any("has awaited your authorisation" in m["text"] for m in sb.fake.sent_messages(QUINN.id))
    # The escalation to the QMS manager comes QMS_ESCALATE_AFTER_DAYS (7) after the reminder.
    sb.clock.advance(days=7)
    escalated = reminders(QUINN, "has awaited authorisation")
    assert len(escalated) == 1 and "Authorise" not in sb.buttons(escalated[0])  # approvers are named here
    # Authorised from the reminder: nothing more is queued or sent about it.
    sb.press(LENA, first[0], "Authorise")
    assert decisions(sb, nc)[0].status == "approved"
    assert reminders(LENA, "awaited") == reminders(QUINN, "awaited") == []  # what was queued is cancelled
    sb.clock.advance(days=4)
    assert reminders(LENA, "awaited") == reminders(QUINN, "awaited") == []


def test_issue_19_done_when_held_reworked_scrapped_authorised_with_photos_then_closed_exported_and_checked(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    """240 parts held; 200 reworked and re-verified, 40 scrapped under Lena's authorisation (not
    the owner); two photos kept as evidence; closing refused while parts are on hold; the export
    holds the decisions and both files with matching hashes; verify-trail names a changed file."""
    nc = held_nc(sb)
    cracked = sb.fake.add_file(ANNA.id, "cracked.jpg", CRACKED, "image/jpeg")
    assert decide(sb, ANNA, nc, kind="scrap", quantity="40", reason="Cracked", files=[cracked]) == {}
    assert decide(sb, ANNA, nc, kind="rework", quantity="200", reason="Relabel") == {}
    sb.press(LENA, request_to(sb, LENA, 1), "Authorise")
    sb.press(QUINN, request_to(sb, QUINN, 2), "Authorise")
    scrap, rework = decisions(sb, nc)
    assert (scrap.authorised_by, rework.authorised_by) == (LENA.id, QUINN.id) and ANNA.id not in (
        scrap.authorised_by,
        rework.authorised_by,
    )
    work_to_actions_done(sb, nc)
    step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective"})
    press(sb, QUINN, nc, "Close NC")
    assert "cannot be closed: 200 pcs still on hold" in last_said(sb) and reload(sb, nc).status != "closed"
    inspected = sb.fake.add_file(ANNA.id, "inspection.png", INSPECTED, "image/png")
    answers = {"result": "conforming", "note": "100% re-inspected, QI-88", "files": [inspected]}
    assert step(sb, ANNA, nc, "Re-verify D2", answers) == {}
    press(sb, QUINN, nc, "Close NC")
    assert reload(sb, nc).status == "closed"
    assert "cracked.jpg" in card_text(sb, nc) and "inspection.png" in card_text(sb, nc)

    out = tmp_path / "audit.zip"
    period = export.Period(None, None, sb.settings.zone, date(2026, 12, 31))
    assert export.write_with_files(sb.db, out, period, export.write_workbook) == 2
    with zipfile.ZipFile(out) as bundle:
        sums = dict(reversed(line.split("  ", 1)) for line in bundle.read("SHA256SUMS").decode().splitlines())
        for path, sha in sums.items():
            assert hashlib.sha256(bundle.read(path)).hexdigest() == sha, path
        stored = {bundle.read(n) for n in bundle.namelist() if n.startswith(f"files/{nc.number}/")}
        book = openpyxl.load_workbook(io.BytesIO(bundle.read(export.WORKBOOK)))
    assert stored == {CRACKED, INSPECTED}
    rows = list(book["Nonconforming output"].iter_rows(values_only=True))
    assert [(r[rows[0].index("Disposition")], r[rows[0].index("Quantity")]) for r in rows[1:]] == [
        ("D1", 40),
        ("D2", 200),
    ]
    steps = sorted(r[2] for r in list(book["Evidence files"].iter_rows(values_only=True))[1:])
    assert steps == ["D1 disposition", "D2 re-verification"]

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["verify-trail"]) == 0
    with sb.db.session() as session:
        session.execute(
            text("UPDATE evidence_content SET content = :c WHERE sha256 = :s"),
            {"c": b"retouched", "s": hashlib.sha256(CRACKED).hexdigest()},
        )
    capsys.readouterr()
    assert main(["verify-trail"]) == 1
    assert f"{nc.number} (nonconformity): evidence file 'cracked.jpg' was changed" in capsys.readouterr().out
