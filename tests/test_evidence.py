"""Evidence files on records: attached in a form's file_input, downloaded with the bot's token,
kept once by SHA-256, listed on the card, exported with a manifest, checked by verify-trail."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from bot import evidence, export
from bot.cli import main
from bot.standin.blockkit import view_problems
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.models import EvidenceContent, EvidenceFile, OutboxMessage
from tests.flows import action_planned, contained, nc_card, raise_nc, step

PALLET = b"\xff\xd8\xff\xe0 relabelled pallet, bay 3" * 50
LABEL = b"\x89PNG\r\n\x1a\n new customer label on carton 12" * 40


@pytest.fixture
def sb(clock: ManualClock, database_url: str) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, database_url=database_url) as sandbox:
        yield sandbox


def kept(sb: Sandbox) -> tuple[list[EvidenceFile], list[EvidenceContent]]:
    with sb.db.session() as session:
        return list(session.exec(select(EvidenceFile))), list(session.exec(select(EvidenceContent)))


def two_photos_on_a1(sb: Sandbox) -> Any:
    nc = raise_nc(sb, owner=ANNA.id)
    action_planned(sb, nc)
    photos = [
        sb.fake.add_file(ANNA.id, "pallet.jpg", PALLET, "image/jpeg"),
        sb.fake.add_file(ANNA.id, "label.png", LABEL, "image/png"),
    ]
    assert step(sb, ANNA, nc, "Mark A1 done", {"evidence": "Relabelled, see photos", "files": photos}) == {}
    return nc


def test_two_photos_on_an_action_done_are_kept_once_each_with_their_hashes(sb: Sandbox) -> None:
    nc = two_photos_on_a1(sb)
    files, contents = kept(sb)
    assert sorted((f.name, f.sha256, f.size, f.uploaded_by, f.step) for f in files) == sorted(
        [
            ("pallet.jpg", hashlib.sha256(PALLET).hexdigest(), len(PALLET), ANNA.id, "A1 done"),
            ("label.png", hashlib.sha256(LABEL).hexdigest(), len(LABEL), ANNA.id, "A1 done"),
        ]
    )
    assert {c.sha256: c.content for c in contents} == {
        hashlib.sha256(PALLET).hexdigest(): PALLET,
        hashlib.sha256(LABEL).hexdigest(): LABEL,
    }
    assert all(f.record_ref == nc.number and f.record_type == "nonconformity" for f in files)
    # The hashes are on the trail, and the card lists the files with who attached them.
    with sb.db.session() as session:
        trail = session.execute(text("SELECT after FROM audit_event WHERE action = 'evidence_attached'")).all()
    assert len(trail) == 2
    card = str(nc_card(sb, nc)["blocks"])
    assert "pallet.jpg" in card and "label.png" in card and f"<@{ANNA.id}>" in card and "Evidence files" in card
    sb.slack.command(ANNA, "/nc", nc.number)
    assert "pallet.jpg" in str(sb.slack.last_response()["blocks"])


def test_the_download_uses_the_bot_token_and_slack_refuses_one_without(sb: Sandbox) -> None:
    two_photos_on_a1(sb)
    assert [d.authorization for d in sb.fake.downloads] == ["Bearer xoxb-sandbox-token"] * 2
    assert all(d.status == 200 for d in sb.fake.downloads)
    assert len(sb.fake.calls_to("files.info", ok=True)) == 2
    url = next(iter(sb.fake.user_files.values()))["file"]["url_private"]
    assert httpx.get(url).status_code == 302  # to Slack's sign-in page, not the file
    assert httpx.get(url, headers={"Authorization": "Bearer xoxb-sandbox-token"}).content == PALLET


def test_the_same_file_twice_is_stored_once(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    first = sb.fake.add_file(ANNA.id, "pallet.jpg", PALLET)
    again = sb.fake.add_file(ANNA.id, "pallet copy.jpg", PALLET)  # the same bytes, uploaded again
    assert step(sb, ANNA, nc, "Record containment", {"containment": "Held in bay 3", "files": [first, again]}) == {}
    files, contents = kept(sb)
    assert len(files) == 1 and len(contents) == 1 and files[0].step == "containment"
    # Attached to another NC, the bytes are still stored once.
    other = raise_nc(sb, owner=ANNA.id)
    third = sb.fake.add_file(ANNA.id, "pallet.jpg", PALLET)
    assert step(sb, ANNA, other, "Record containment", {"containment": "Held", "files": [third]}) == {}
    files, contents = kept(sb)
    assert len(files) == 2 and len(contents) == 1


def test_a_file_over_10_mb_is_refused_with_a_field_error(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    big = sb.fake.add_file(ANNA.id, "scan.pdf", b"%PDF-1.7", "application/pdf", size=evidence.SIZE_MAX + 1)
    answer = step(sb, ANNA, nc, "Record containment", {"containment": "Held", "files": [big]})
    assert answer["response_action"] == "errors"
    assert "scan.pdf is 10.0 MB: a file may be at most 10.0 MB" in answer["errors"]["files"]
    assert kept(sb) == ([], []) and sb.fake.downloads == []


def test_eleven_files_are_refused_with_a_field_error(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    many = [sb.fake.add_file(ANNA.id, f"p{i}.jpg", bytes([i])) for i in range(11)]
    answer = step(sb, ANNA, nc, "Record containment", {"containment": "Held", "files": many})
    assert answer["errors"] == {"files": "Attach at most 10 files here (11 given)."}


def test_forged_file_ids_are_refused(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    bens = sb.fake.add_file(BEN.id, "bens.jpg", b"Ben's photo")
    # Named as Anna's in the submission, but Slack says Ben uploaded it.
    forged = {**bens, "user": ANNA.id}
    unknown = {"id": "F0NOTAFILE", "name": "ghost.jpg", "size": 10, "user": ANNA.id}
    elsewhere = {**sb.fake.add_file(ANNA.id, "mine.jpg", b"mine"), "url_private": "https://evil.example/x"}
    answer = step(sb, ANNA, nc, "Record containment", {"containment": "Held", "files": [forged, unknown, elsewhere]})
    assert answer == {}  # the step is taken; the files are checked with Slack after the ack
    files, _ = kept(sb)
    assert [f.name for f in files] == ["mine.jpg"]  # downloaded from files.info's URL, not the submission's
    assert all("evil.example" not in d.path for d in sb.fake.downloads)
    with sb.db.session() as session:
        told = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == ANNA.id)).all()
    said = " ".join(m.text for m in told)
    assert "bens.jpg was uploaded by someone else" in said and "ghost.jpg is not a file Slack knows" in said


def test_a_file_in_the_submission_of_another_person_is_a_field_error(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    bens = sb.fake.add_file(BEN.id, "bens.jpg", b"Ben's photo")
    answer = step(sb, ANNA, nc, "Record containment", {"containment": "Held", "files": [bens]})
    assert answer["errors"] == {"files": "bens.jpg was not uploaded by you: attach your own copy."}


def test_the_effectiveness_check_takes_files(sb: Sandbox) -> None:
    nc = two_photos_on_a1(sb)
    report = sb.fake.add_file(QUINN.id, "audit.pdf", b"%PDF audit of line 3", "application/pdf")
    answer = step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective", "files": [report]})
    assert answer == {}
    assert "effectiveness check" in {f.step for f in kept(sb)[0]}


def test_export_holds_both_files_with_matching_hashes(sb: Sandbox, tmp_path: Path) -> None:
    nc = two_photos_on_a1(sb)
    period = export.Period(None, None, sb.settings.zone, date(2026, 11, 25))
    out = tmp_path / "evidence.zip"
    assert export.write_with_files(sb.db, out, period, export.write_workbook) == 2
    with zipfile.ZipFile(out) as bundle:
        sums = dict(reversed(line.split("  ", 1)) for line in bundle.read("SHA256SUMS").decode().splitlines())
        assert set(sums) == {export.WORKBOOK, *(n for n in bundle.namelist() if n.startswith("files/"))}
        for path, sha in sums.items():
            assert hashlib.sha256(bundle.read(path)).hexdigest() == sha, path
        stored = {bundle.read(n) for n in bundle.namelist() if n.startswith(f"files/{nc.number}/")}
        assert stored == {PALLET, LABEL}
        book = openpyxl.load_workbook(io.BytesIO(bundle.read(export.WORKBOOK)))
    rows = [list(r) for r in book["Evidence files"].iter_rows(values_only=True)]
    assert rows[0][0] == "Record" and rows[0][-1] == "SHA-256"
    assert sorted((r[0], r[3], r[-1]) for r in rows[1:]) == sorted(
        [
            (nc.number, "pallet.jpg", hashlib.sha256(PALLET).hexdigest()),
            (nc.number, "label.png", hashlib.sha256(LABEL).hexdigest()),
        ]
    )


def test_verify_trail_names_a_changed_or_missing_file(
    sb: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    tmp_path: Path,
) -> None:
    nc = two_photos_on_a1(sb)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["verify-trail"]) == 0
    assert "evidence intact: 2 file(s)" in capsys.readouterr().out
    out = tmp_path / "audit.zip"
    assert main(["export", "--out", str(out), "--with-files"]) == 0
    assert "2 evidence file(s)" in capsys.readouterr().out
    assert len([n for n in zipfile.ZipFile(out).namelist() if n.startswith("files/")]) == 2
    pallet, label = hashlib.sha256(PALLET).hexdigest(), hashlib.sha256(LABEL).hexdigest()
    with sb.db.session() as session:
        session.execute(
            text("UPDATE evidence_content SET content = :c WHERE sha256 = :s"), {"c": b"edited", "s": pallet}
        )
    assert main(["verify-trail"]) == 1
    out = capsys.readouterr().out
    assert f"{nc.number} (nonconformity): evidence file 'pallet.jpg' was changed after it was kept" in out
    with sb.db.session() as session:
        session.execute(text("DELETE FROM evidence_content WHERE sha256 = :s"), {"s": label})
    assert main(["verify-trail"]) == 1
    out = capsys.readouterr().out
    assert f"{nc.number} (nonconformity): evidence file 'label.png' is missing from the evidence store" in out
    # An export with the files refuses to pass a changed file off as evidence.
    assert main(["export", "--out", str(tmp_path / "again.zip"), "--with-files"]) == 2


def test_file_input_only_in_a_modal_and_with_1_to_10_files() -> None:
    element = {"type": "file_input", "action_id": "value", "max_files": 10}
    block = {"type": "input", "block_id": "files", "label": {"type": "plain_text", "text": "Files"}, "element": element}
    title = {"type": "plain_text", "text": "Evidence"}
    submit = {"type": "plain_text", "text": "Save"}
    assert view_problems({"type": "modal", "title": title, "submit": submit, "blocks": [block]}) == []
    assert any("only allowed in a modal" in p for p in view_problems({"type": "home", "blocks": [block]}))
    for wrong in (0, 11, "3"):
        bad = {**block, "element": {**element, "max_files": wrong}}
        problems = view_problems({"type": "modal", "title": title, "submit": submit, "blocks": [bad]})
        assert any("max_files" in p for p in problems), wrong
    actions = {"type": "actions", "elements": [element]}
    assert any("not allowed" in p for p in view_problems({"type": "modal", "title": title, "blocks": [actions]}))


def test_the_migration_goes_down_and_up(db: Database) -> None:
    config = alembic_config(db.engine.url.render_as_string(hide_password=False))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    assert "evidence_file" not in inspect(db.engine).get_table_names()
    upgrade(db.engine)
    assert {"evidence_file", "evidence_content"} <= set(inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


def test_contained_without_files_keeps_nothing(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    contained(sb, nc)
    assert kept(sb) == ([], []) and "Evidence files" not in str(nc_card(sb, nc)["blocks"])


def test_verify_trail_names_a_file_whose_listed_hash_was_swapped_for_forged_bytes(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    """Rewriting a file's row to the hash of forged bytes (stored under that hash) leaves every
    stored hash consistent; only the trail knows the file was kept with another."""
    nc = two_photos_on_a1(sb)
    monkeypatch.setenv("DATABASE_URL", database_url)
    forged = b"not the pallet"
    forged_hash = hashlib.sha256(forged).hexdigest()
    with sb.db.session() as session:
        session.execute(
            text("INSERT INTO evidence_content (sha256, content, size, stored_at) VALUES (:s, :c, :n, :t)"),
            {"s": forged_hash, "c": forged, "n": len(forged), "t": sb.clock.now()},
        )
        session.execute(
            text("UPDATE evidence_file SET sha256 = :f WHERE sha256 = :s"),
            {"f": forged_hash, "s": hashlib.sha256(PALLET).hexdigest()},
        )
    assert main(["verify-trail"]) == 1
    out = capsys.readouterr().out
    assert f"{nc.number} (nonconformity): evidence file 'pallet.jpg' is listed with SHA-256 {forged_hash}" in out
