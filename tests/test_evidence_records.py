"""Evidence files on the records of audits, customer feedback, documents and management reviews:
attached in the record's form, kept after the answer, on the trail, the record and the export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot import evidence
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage.models import EvidenceFile
from tests.flows import (
    COMPLAINT,
    SOP,
    answer,
    checklist_message,
    complaint_card,
    entries,
    kept_everywhere,
    log,
    plan,
    scheduled_review,
    the_reviews,
)

PHOTO = b"\xff\xd8\xff\xe0 work instruction WI-7, a photocopy without revision" * 30
REPORT = b"%PDF-1.7 audit report AU-2026-0001, signed" * 40
MAIL = b"From: buyer@acme.example\r\nSubject: pallet without labels\r\n\r\nThird time this month." * 20
REV_C = b"%PDF-1.7 SOP-012 rev C, approved" * 40
REV_D = b"%PDF-1.7 SOP-012 rev D, quarantine in hall 2" * 40
MINUTES = b"%PDF-1.7 management review minutes, signed by the MD" * 40
OFFER = b"%PDF-1.7 offer of employment, QA inspector" * 40


@pytest.fixture
def sb(clock: ManualClock, database_url: str) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, database_url=database_url) as sandbox:
        yield sandbox


def test_an_audit_observation_and_the_audit_report_keep_their_files(sb: Sandbox, tmp_path: Path) -> None:
    plan(sb)  # Ben is the lead auditor
    sb.slack.command(BEN, "/audit", "checklist AU-2026-0001")
    answer(sb, BEN, checklist_message(sb, BEN, "AU-2026-0001"), 2, "observation")
    photo = sb.fake.add_file(BEN.id, "wi-7.jpg", PHOTO)
    observed = {"note": "WI-7 at station 3 is a photocopy without revision", "files": [photo]}
    assert not sb.slack.submit(BEN, sb.slack.last_view(), observed).content
    sb.slack.command(BEN, "/audit", "AU-2026-0001")
    (complete,) = [
        e
        for b in sb.slack.last_response()["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "primary" in str(e)
    ]
    sb.slack.click(BEN, complete["action_id"], complete["value"])
    report = sb.fake.add_file(BEN.id, "AU-2026-0001 report.pdf", REPORT, "application/pdf")
    done = {"summary": "Line 2 largely conforming.", "files": [report]}
    assert not sb.slack.submit(BEN, sb.slack.last_view(), done).content

    sb.slack.command(QUINN, "/audit", "AU-2026-0001")
    kept_everywhere(
        sb,
        tmp_path / "audit.zip",
        "audit",
        "AU-2026-0001",
        {"wi-7.jpg": ("line 2 observation", PHOTO), "AU-2026-0001 report.pdf": ("audit report", REPORT)},
        sb.slack.last_response()["blocks"],
    )


def test_a_complaint_keeps_the_customers_email_on_its_card(sb: Sandbox, tmp_path: Path) -> None:
    mail = sb.fake.add_file(BEN.id, "pallet without labels.eml", MAIL, "text/plain")
    assert log(sb, BEN, **COMPLAINT, files=[mail]) == {}
    entry = entries(sb)[-1]
    card = complaint_card(sb, entry)
    kept_everywhere(
        sb, tmp_path / "fb.zip", "feedback", entry.number, {"pallet without labels.eml": ("as received", MAIL)}, card
    )
    sb.slack.command(ANNA, "/feedback", entry.number)
    assert "pallet without labels.eml" in str(sb.slack.last_response()["blocks"])


def test_each_revision_of_a_document_keeps_its_file(sb: Sandbox, tmp_path: Path) -> None:
    sb.slack.command(QUINN, "/doc", "add")
    rev_c = sb.fake.add_file(QUINN.id, "SOP-012 rev C.pdf", REV_C, "application/pdf")
    assert not sb.slack.submit(QUINN, sb.slack.last_view(), {**SOP, "files": [rev_c]}).content
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    nudge = next(m for m in sb.fake.sent_messages(ANNA.id) if "The review of" in m["text"])
    sb.press(ANNA, nudge, "Revised")  # Anna owns SOP-012
    rev_d = sb.fake.add_file(ANNA.id, "SOP-012 rev D.pdf", REV_D, "application/pdf")
    revised = {"revision": "D", "summary": "Quarantine area moved to hall 2", "files": [rev_d]}
    assert not sb.slack.submit(ANNA, sb.slack.last_view(), revised).content

    sb.slack.command(BEN, "/doc", "SOP-012")
    kept_everywhere(
        sb,
        tmp_path / "doc.zip",
        "document",
        "SOP-012",
        {"SOP-012 rev C.pdf": ("rev C", REV_C), "SOP-012 rev D.pdf": ("rev D", REV_D)},
        sb.slack.last_response()["blocks"],
    )


def test_a_management_review_keeps_its_minutes_and_an_actions_evidence(sb: Sandbox, tmp_path: Path) -> None:
    number = scheduled_review(sb)
    sb.slack.command(QUINN, "/review", f"record {number}")
    minutes = sb.fake.add_file(QUINN.id, "minutes signed.pdf", MINUTES, "application/pdf")
    held = {
        "held_on": "2026-11-25",
        "minutes": "QMS suitable; hire a second inspector.",
        "action_1": "Hire a second QA inspector",
        "owner_1": ANNA.id,
        "due_1": "2027-01-15",
        "files": [minutes],
    }
    assert not sb.slack.submit(QUINN, sb.slack.last_view(), held).content
    sb.ctx.sender.drain()
    assigned = next(m for m in sb.fake.sent_messages(ANNA.id) if "gave you an action" in m["text"])
    sb.press(ANNA, assigned, "Mark done")
    offer = sb.fake.add_file(ANNA.id, "offer.pdf", OFFER, "application/pdf")
    assert not sb.slack.submit(ANNA, sb.slack.last_view(), {"evidence": "Offer signed", "files": [offer]}).content

    sb.slack.command(QUINN, "/review", number)
    kept_everywhere(
        sb,
        tmp_path / "review.zip",
        "management_review",
        number,
        {"minutes signed.pdf": ("minutes", MINUTES), "offer.pdf": ("A1 done", OFFER)},
        sb.slack.last_response()["blocks"],
    )


def test_minutes_over_10_mb_are_refused_in_the_form_and_the_review_is_not_recorded(sb: Sandbox) -> None:
    number = scheduled_review(sb)
    sb.slack.command(QUINN, "/review", f"record {number}")
    big = sb.fake.add_file(QUINN.id, "board pack.pdf", b"%PDF-1.7", "application/pdf", size=evidence.SIZE_MAX + 1)
    answer = sb.slack.submit(
        QUINN, sb.slack.last_view(), {"held_on": "2026-11-25", "minutes": "Held", "files": [big]}
    ).json()
    assert answer == {
        "response_action": "errors",
        "errors": {"files": "board pack.pdf is 10.0 MB: a file may be at most 10.0 MB."},
    }
    assert the_reviews(sb)[-1].status == "planned" and sb.fake.downloads == []
    with sb.db.session() as session:
        assert session.exec(select(EvidenceFile)).all() == []
