"""The evidence export: every register in a workbook (read back), the same in CSV, from Slack too."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlmodel import select

from bot import (
    audits,
    competence,
    documents,
    equipment,
    evidence,
    export,
    feedback,
    nonconformity,
    objectives,
    outputs,
    reviews,
    suppliers,
    training,
)
from bot.cli import main
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage.models import AuditEvent, TrainingAssignment
from tests.flows import publish, raise_nc, raise_risk

SHEETS = [
    "NC register",
    "Actions",
    "Nonconforming output",
    "Risk register",
    "Training rounds",
    "Training matrix",
    "Feedback log",
    "Objectives",
    "Measurements",
    "Audit programme",
    "Audit findings",
    "Audit checklists",
    "Document register",
    "Document reviews",
    "Equipment register",
    "Calibrations",
    "Competence",
    "Suppliers",
    "Supplier evaluations",
    "Management reviews",
    "Review actions",
    "Evidence files",
    "Audit trail",
]
BERLIN_10AM = datetime(2026, 11, 25, 10, 0)  # the sandbox clock's 09:00 UTC, in QMS_TIMEZONE


@pytest.fixture
def sb(clock: ManualClock, database_url: str) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, database_url=database_url) as sandbox:
        yield sandbox


def fill(sb: Sandbox) -> dict[str, Any]:
    """One record of every kind, made the way people make them."""
    nc = raise_nc(sb, title='=HYPERLINK("http://evil.example","click")')
    nonconformity.contain(sb.ctx, nc.id or 0, QUINN.id, "Quarantined batch 4711")
    photo = sb.fake.add_file(QUINN.id, "hold-tag.jpg", b"hold tag on batch 4711")
    where = evidence.Attaching("nonconformity", nc.number, "containment", QUINN.id)
    evidence.keep(sb.ctx, where, [evidence.Offered(photo["id"], photo["name"], photo["size"])])
    nonconformity.record_root_cause(sb.ctx, nc.id or 0, QUINN.id, "five_whys", "No label check at packing", "no", None)
    nonconformity.add_action(
        sb.ctx, nc.id or 0, QUINN.id, "corrective", "Add a label check", BEN.id, date(2026, 12, 10)
    )
    # 240 parts held, 40 of them scrapped (recorded by Quinn, the owner)
    outputs.record_output(sb.ctx, nc.id or 0, QUINN.id, {"item": "Housing", "quantity": "240"}, None)
    outputs.decide(sb.ctx, nc.id or 0, QUINN.id, {"kind": "scrap", "quantity": "40", "reason": "Cracked"})
    raise_risk(sb, ANNA, owner=ANNA.id)
    publish(sb, users=[ANNA.id, BEN.id])
    with sb.db.session() as session:
        anna = session.exec(select(TrainingAssignment).where(TrainingAssignment.person == ANNA.id)).one()
    sb.clock.advance(hours=2)
    training.acknowledge(sb.ctx, anna.id or 0, ANNA.id)
    feedback.log_feedback(
        sb.ctx,
        ANNA.id,
        feedback.Entry(
            "complaint", "Müller GmbH", "Pallets", "email", 2, "Labels were missing", date(2026, 11, 24), None
        ),
    )
    objective = objectives.create(
        sb.ctx,
        QUINN.id,
        {
            "name": "On-time delivery",
            "measure": "manual",
            "target": "95",
            "direction": "at_least",
            "unit": "%",
            "period": "month",
        },
    )
    objectives.log_value(sb.ctx, QUINN.id, [f"OBJ-{objective.id}", "97.5"])
    # The programme: an audit completed with a finding, a document reviewed, a review held with an action.
    audit = audits.plan(
        sb.ctx, QUINN.id, audits.Plan("Production", "Line 2", ["8.7"], BEN.id, [ANNA.id], date(2026, 11, 30))
    )
    audits.complete(
        sb.ctx,
        audit.id or 0,
        BEN.id,
        audits.Completion("Mostly conforming", ["Scrap bin not labelled"], "minor", ["Shadow board"], []),
    )
    doc = documents.add(
        sb.ctx,
        QUINN.id,
        documents.Registration("SOP-012", "Nonconforming product", ANNA.id, "C", None, 12, date(2025, 11, 30)),
    )
    documents.reviewed_no_change(sb.ctx, f"{doc.id}@{doc.next_review.isoformat()}", ANNA.id)
    review = reviews.schedule(sb.ctx, QUINN.id, reviews.Schedule(date(2026, 11, 25), [QUINN.id, ANNA.id], "yearly"))
    reviews.record(
        sb.ctx,
        review.id or 0,
        QUINN.id,
        reviews.Minutes(date(2026, 11, 25), "QMS effective", [("Hire an inspector", ANNA.id, date(2027, 1, 15))]),
    )
    # Readers must hold SOP-012 (Anna acknowledged it above, Ben has not), renewed yearly.
    sb.fake.add_usergroup("S0READERS", [ANNA.id, BEN.id], handle="readers")
    competence.save(sb.ctx, QUINN.id, competence.Requirement(["S0READERS"], [], ["SOP-012"], 12))
    # A caliper that failed its calibration (quarantined, NC-2026-0003 opened), and a gauge that passed.
    for tag, result in (("G-012", "fail"), ("G-013", "pass")):
        gauge = equipment.add(
            sb.ctx,
            QUINN.id,
            equipment.Registration(tag, "Caliper", "Bench 2", ANNA.id, 12, date(2025, 11, 30), date(2026, 11, 30)),
        )
        form = equipment.CalibrationForm(date(2026, 11, 25), "Kalibrierlabor Nord", True, result, "KLN-1", "+0.04 mm")
        equipment.record_calibration(sb.ctx, gauge.id or 0, gauge.version, ANNA.id, form)
    # The supplier register (8.4): a supplier, evaluated and made conditional.
    supplier = suppliers.add(
        sb.ctx,
        QUINN.id,
        suppliers.Registration(
            "ACME Plastics", "Housings", "ISO 9001; on time", ANNA.id, "approved", None, date(2026, 12, 1)
        ),
    )
    suppliers.evaluate(
        sb.ctx,
        f"{supplier.id}@{supplier.version}",
        QUINN.id,
        suppliers.Evaluation(3, "conditional", "8D requested"),
    )
    return {"nc": nc}


def sheet_rows(book: Any, name: str) -> list[list[Any]]:
    return [list(r) for r in book[name].iter_rows(values_only=True)]


def test_the_workbook_holds_every_register_with_headers_and_known_rows(sb: Sandbox, tmp_path: Path) -> None:
    made = fill(sb)
    out = tmp_path / "qms.xlsx"
    period = export.Period(None, None, sb.settings.zone, date(2026, 11, 25))
    summary = export.write_workbook(sb.db, out, period)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS
    for name in SHEETS:
        assert book[name].freeze_panes == "A2", name
    assert book["NC register"].column_dimensions["B"].width > 30  # the title column is readable

    ncs = sheet_rows(book, "NC register")
    assert ncs[0][:4] == ["NC", "Title", "Status", "Severity"] and ncs[0][10] == "Raised (Europe/Berlin)"
    nc = made["nc"]
    assert ncs[1][:4] == [nc.number, nc.title, "actions_planned", "major"]
    assert ncs[1][10] == BERLIN_10AM  # stored in UTC, shown in the organisation's time
    assert book["NC register"].cell(2, 2).data_type == "s"  # a title that looks like a formula stays text

    actions = sheet_rows(book, "Actions")
    assert actions[1][:7] == [
        nc.number,
        "A1",
        "corrective",
        "Add a label check",
        BEN.id,
        datetime(2026, 12, 10),
        "open",
    ]

    matrix = sheet_rows(book, "Training matrix")
    assert matrix[0] == ["Person", "TR-2026-0001 SOP-012 rev C"]
    assert sorted(matrix[1:]) == [[ANNA.id, datetime(2026, 11, 25)], [BEN.id, "pending"]]

    rounds = sheet_rows(book, "Training rounds")
    assert rounds[1][0] == "TR-2026-0001" and rounds[1][-2:] == [2, 1]
    fb = sheet_rows(book, "Feedback log")
    assert fb[1][:3] == ["FB-2026-0001", "complaint", "Müller GmbH"] and fb[1][5] == 2
    assert sheet_rows(book, "Objectives")[1][:4] == ["OBJ-1", "On-time delivery", "manual", 95]
    assert sheet_rows(book, "Objectives")[1][-3:] == ["2026-11", 97.5, "met"]
    assert sheet_rows(book, "Measurements")[1][:4] == ["OBJ-1", "On-time delivery", "2026-11", 97.5]

    programme = sheet_rows(book, "Audit programme")
    assert programme[1][:2] == ["AU-2026-0001", "Production"] and programme[1][7] == "completed"
    findings = sheet_rows(book, "Audit findings")
    assert findings[1:] == [
        ["AU-2026-0001", 1, "nonconformity", "Scrap bin not labelled", "NC-2026-0002"],
        ["AU-2026-0001", 2, "improvement", "Shadow board", None],
    ]
    assert sheet_rows(book, "Audit checklists")[1][:3] == ["AU-2026-0001", 1, "8.7"]
    register = sheet_rows(book, "Document register")
    assert register[1][:4] == ["SOP-012", "Nonconforming product", "C", ANNA.id] and register[1][6:8] == [
        datetime(2026, 11, 25),
        datetime(2027, 11, 25),
    ]
    assert sheet_rows(book, "Document reviews")[1][:4] == ["SOP-012", datetime(2026, 11, 25), ANNA.id, "no_change"]
    assert [r[:5] + r[7:9] for r in sheet_rows(book, "Equipment register")[1:]] == [
        ["G-012", "Caliper", "Bench 2", ANNA.id, "quarantined", datetime(2026, 11, 30), "NC-2026-0003"],
        ["G-013", "Caliper", "Bench 2", ANNA.id, "in_use", datetime(2027, 11, 25), None],
    ]
    assert [r[:5] + r[8:9] for r in sheet_rows(book, "Calibrations")[1:]] == [
        ["G-012", datetime(2026, 11, 25), "laboratory", "Kalibrierlabor Nord", "fail", "NC-2026-0003"],
        ["G-013", datetime(2026, 11, 25), "laboratory", "Kalibrierlabor Nord", "pass", None],
    ]
    assert sorted(r[4:6] for r in sheet_rows(book, "Competence")[1:]) == [[ANNA.id, "done"], [BEN.id, "due"]]
    held = sheet_rows(book, "Management reviews")
    assert (
        [r[0] for r in held[1:]] == ["MR-2026-0001", "MR-2027-0001"]
        and held[1][2] == "held"
        and held[2][-1] == "MR-2026-0001"
    )
    assert sheet_rows(book, "Review actions")[1][:5] == [
        "MR-2026-0001",
        1,
        "Hire an inspector",
        ANNA.id,
        datetime(2027, 1, 15),
    ]

    trail = sheet_rows(book, "Audit trail")
    with sb.db.session() as session:
        events = list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]
    assert [r[0] for r in trail[1:]] == [e.id for e in events]
    assert [r[-1] for r in trail[1:]] == [e.event_hash for e in events]
    assert trail[1][5] == "raised" and '"severity": "major"' in trail[1][7]
    assert summary.rows["Audit trail"] == len(events) and summary.rows["Training matrix"] == 2


def test_the_csv_files_hold_what_the_sheets_hold(sb: Sandbox, tmp_path: Path) -> None:
    fill(sb)
    period = export.Period(None, None, sb.settings.zone, date(2026, 11, 25))
    export.write_workbook(sb.db, tmp_path / "qms.xlsx", period)
    export.write_csv(sb.db, tmp_path / "csv", period)
    book = openpyxl.load_workbook(tmp_path / "qms.xlsx")
    with sb.db.session() as session:
        headers = {r.sheet: r.header(session, period) for r in export.REGISTERS}
    for register in export.REGISTERS:
        with open(tmp_path / "csv" / register.file, newline="", encoding="utf-8-sig") as handle:
            from_csv = list(csv.reader(handle))
        columns = headers[register.sheet]
        from_sheet = [
            [export.csv_text(_as_written(columns[k].kind, v)) for k, v in enumerate(row)]
            for row in sheet_rows(book, register.sheet)
        ]
        assert from_csv == from_sheet, register.sheet
        assert len(from_csv) > 1, register.sheet
    nc_csv = (tmp_path / "csv" / "nc-register.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in nc_csv  # a spreadsheet opening the CSV does not run it


def _as_written(kind: str, value: Any) -> Any:
    """openpyxl reads a date cell back as midnight; the sheet's date columns hold dates."""
    if kind == "date" and isinstance(value, datetime):
        return value.date()
    if kind == "float" and isinstance(value, int):  # the sheet stores 95.0 as the number 95
        return float(value)
    return value


def test_a_period_limits_each_register_by_its_own_date(sb: Sandbox, tmp_path: Path) -> None:
    raise_nc(sb, title="November")
    sb.clock.advance(days=10)
    raise_nc(sb, title="December")
    period = export.parse_period("2026-12-01", "2026-12-31", sb.settings.zone, date(2026, 12, 5))
    export.write_workbook(sb.db, tmp_path / "dec.xlsx", period)
    book = openpyxl.load_workbook(tmp_path / "dec.xlsx")
    assert [r[1] for r in sheet_rows(book, "NC register")[1:]] == ["December"]
    assert {r[4] for r in sheet_rows(book, "Audit trail")[1:]} == {"NC-2026-0002"}


def test_a_full_sheet_goes_on_in_a_second_one(sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in range(5):
        raise_nc(sb, title=f"Scratch {k}")
    monkeypatch.setattr(export.writer, "EXCEL_MAX_ROWS", 4)  # a header and three rows
    period = export.Period(None, None, sb.settings.zone, date(2026, 11, 25))
    export.write_workbook(sb.db, tmp_path / "q.xlsx", period, registers=[export.REGISTERS[0]])
    book = openpyxl.load_workbook(tmp_path / "q.xlsx")
    assert book.sheetnames == ["NC register", "NC register (2)"]
    assert [r[1] for r in sheet_rows(book, "NC register (2)")] == ["Title", "Scratch 3", "Scratch 4"]


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        ("2026-13-01", None, "--from: '2026-13-01' is not a date"),
        ("yesterday", None, "--from: expected a date such as 2026-01-31"),
        ("2026-12-01", "2026-11-01", "--from (2026-12-01) is after --to (2026-11-01)"),
        ("2030-01-01", None, "--from (2030-01-01) is in the future; today is 2026-11-25"),
    ],
)
def test_bad_dates_are_named(first: str, last: str | None, says: str) -> None:
    with pytest.raises(export.ExportError, match=says.replace("(", r"\(").replace(")", r"\)")):
        export.parse_period(first, last, UTC, date(2026, 11, 25))


def test_export_command_writes_xlsx_and_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'qms.db'}")
    monkeypatch.setenv("QMS_TIMEZONE", "Europe/Berlin")
    assert main(["export", "--out", str(tmp_path / "q.xlsx"), "--from", "2026-01-01"]) == 0
    assert "wrote" in capsys.readouterr().out and openpyxl.load_workbook(tmp_path / "q.xlsx").sheetnames == SHEETS
    assert main(["export", "--out", str(tmp_path / "csv"), "--format", "csv"]) == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(r.file for r in export.REGISTERS)
    assert main(["export", "--out", str(tmp_path / "x.xlsx"), "--to", "31.12.2026"]) == 2
    assert "qms-bot: --to: expected a date such as 2026-01-31, got '31.12.2026'" in capsys.readouterr().err


def test_qms_export_in_slack_sends_the_workbook_to_the_manager_who_asked(sb: Sandbox) -> None:
    raise_nc(sb)
    sb.slack.command(QUINN, "/qms", "export 2026-01-01")
    assert "Preparing the evidence workbook (2026-01-01 to today)" in sb.slack.last_response()["text"]
    sb.ctx.sender.drain()
    (sent,) = [f for f in sb.fake.files.values() if f.get("name", "").endswith(".xlsx")]
    assert sent["channel"] == sb.fake.dm_channel(QUINN.id) and sent["name"] == "qms-evidence-2026-11-25.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(sent["content"]))
    assert book.sheetnames == SHEETS
    owner = sheet_rows(book, "NC register")[1][8]
    assert owner.endswith(f"({QUINN.id})") and owner != f"{QUINN.id}"  # named from users.list


def test_only_qms_managers_export_and_bad_dates_are_answered(sb: Sandbox) -> None:
    sb.slack.command(ANNA, "/qms", "export")
    assert "Only QMS managers can export the QMS evidence" in sb.slack.last_response()["text"]
    sb.slack.command(QUINN, "/qms", "export 2026-02-30")
    assert "the first date: '2026-02-30' is not a date" in sb.slack.last_response()["text"]
    sb.ctx.sender.drain()
    assert not [f for f in sb.fake.files.values() if f.get("name", "").endswith(".xlsx")]
