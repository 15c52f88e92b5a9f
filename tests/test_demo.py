"""`qms-bot demo`: the tour plays every scene, and what it prints is what the records hold.

The whole tour is played once (module fixture); each test reads the transcript and the
sandbox's database (through storage/) while the sandbox still runs.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from statistics import mean

import openpyxl
import pytest
from sqlmodel import select

from bot import export
from bot.cli import main
from bot.standin import echoes
from bot.standin.demo import played
from bot.standin.demo_catalogue import SCENE_NAMES
from bot.standin.demo_tour import Tour
from bot.standin.fakeslack import refusals
from bot.standin.sandbox import ANNA, BEN, QUINN
from bot.surfaces.transcript import EMOJI
from storage import audits as audit_store
from storage import competence as competence_store
from storage import documents as document_store
from storage import equipment as equipment_store
from storage import nonconformities as nc_store
from storage import objectives as objective_store
from storage import outputs as output_store
from storage import reports
from storage import risks as risk_store
from storage import suppliers as supplier_store
from storage.audit import history
from storage.models import Feedback, ManagementReview, OutboxMessage, TrainingRound
from storage.models_risks import Risk


@dataclass
class Played:
    tour: Tour
    text: str
    folder: Path
    refused: int
    echoed: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    folder = tmp_path_factory.mktemp("demo-out")
    out = io.StringIO()
    refused, echoed = len(refusals()), len(echoes.echoes())
    with played(out, folder) as tour:
        yield Played(tour, out.getvalue(), folder, len(refusals()) - refused, len(echoes.echoes()) - echoed)


def forms(text: str) -> list[dict[str, str]]:
    """Every form the transcript shows filled in: its title (key "") and each field's value."""
    found, current = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("┌ "):
            current = {"": line[2:]}
        elif line.startswith("└") and current is not None:
            found.append(current)
            current = None
        elif current is not None and ": " in line and line.startswith("│   "):
            label, value = line[4:].split(": ", 1)
            current[label.removesuffix(" (optional)")] = value
    return found


def the_form(text: str, title: str, **has: str) -> dict[str, str]:
    return next(f for f in forms(text) if f[""] == title and all(f.get(k) == v for k, v in has.items()))


def test_every_scene_plays_and_every_step_shows_its_effect(demo: Played) -> None:
    assert demo.refused == 0 and demo.echoed == 0  # nothing Slack would refuse, nothing typed echoed live
    assert re.findall(r"^══ Scene (\w+):", demo.text, re.M) == list(SCENE_NAMES)
    steps = re.split(r"^━━ ", demo.text, flags=re.M)[1:]
    assert len(steps) > 50
    for step in steps:
        body = [line for line in step.splitlines()[1:] if line.strip() and not line.startswith("══")]
        assert body, f"a step printed nothing: {step.splitlines()[0]}"
    # The clock only moves forward, so the dates the steps show never go back.
    moments = [
        datetime.strptime(m, "%a %d %b %Y %H:%M")
        for m in re.findall(r"^━━ (\w{3} \d\d \w{3} \d{4} \d\d:\d\d)", demo.text, re.M)
    ]
    assert moments == sorted(moments) and len(moments) == len(steps)
    assert "(optional): [" not in demo.text  # every form shown is filled in, not blank


def test_emoji_are_drawn_and_thread_history_is_whole(demo: Played) -> None:
    left = {code for code in re.findall(r":([a-z_]+):", demo.text) if code in EMOJI}
    assert left == set() and "🟠 Major" in demo.text
    history_lines = demo.text.split("the card's thread, which reads as the NC's history:")[1].split("══")[0]
    assert "recorded containment:\n  ·   Pallet 12 relabelled" in history_lines
    assert "marked A1 done. Evidence:\n  ·   Dispatch checklist rev D" in history_lines


def test_the_nc_holds_what_its_form_showed(demo: Played) -> None:
    form = the_form(demo.text, "Raise nonconformity", Source="Employee report")
    with demo.tour.sb.db.session() as session:
        nc = nc_store.by_number(session, "NC-2026-0001")
        assert nc is not None
        actions = nc_store.actions_of(session, nc.id or 0)
    assert (form["Title"], form["Severity"], form["Process or area"]) == (nc.title, "Major", nc.process)
    assert nc.severity == "major" and nc.initial_containment == form["Containment already taken"]
    assert nc.description == form["What happened"] and nc.owner == ANNA.id  # the process owner: the form left it empty
    assert nc.status == "closed" and [(a.owner, a.due_date.isoformat()) for a in actions] == [
        (BEN.id, the_form(demo.text, "Add action", Kind="Corrective")["Due date"]),
        (ANNA.id, the_form(demo.text, "Add action", Kind="Preventive")["Due date"]),
    ]
    complaint_nc = the_form(demo.text, "Raise nonconformity", Source="Customer complaint")
    with demo.tour.sb.db.session() as session:
        second = nc_store.by_number(session, "NC-2026-0002")
    assert second is not None and second.owner == BEN.id and complaint_nc["Owner"] == "@Ben Okafor"
    assert second.due_date.isoformat() == complaint_nc["Due date"] and second.title == complaint_nc["Title"]


def test_the_training_round_holds_its_read_by_date(demo: Played) -> None:
    form = the_form(demo.text, "Publish training")
    with demo.tour.sb.db.session() as session:
        (training,) = session.exec(select(TrainingRound)).all()
    assert training.due_date.isoformat() == form["Read by"] == "2026-12-18"
    assert f"read by *{training.due_date:%a %d %b %Y}*" in demo.text and "Fri 23 Dec" not in demo.text


def test_the_closing_digest_counts_what_the_records_and_the_transcript_hold(demo: Played) -> None:
    digest = demo.text.split("gets the digest of last week")[1].split("══")[0]
    first, last = date(2026, 12, 14), date(2026, 12, 20)
    assert "QUALITY DIGEST · 14 DEC – 20 DEC 2026" in digest
    shown_open = int(re.search(r"Open now: \*(\d+)\*", digest).group(1))  # type: ignore[union-attr]
    done, planned = map(int, re.search(r"Done: \*(\d+)\* of (\d+) planned", digest).groups())  # type: ignore[union-attr]
    rating = float(re.search(r"Average rating: \*([\d.]+)\*", digest).group(1))  # type: ignore[union-attr]
    with demo.tour.sb.db.session() as session:
        open_now = sum(reports.open_by(session, "severity").values())
        cycle = audit_store.in_cycle(session, date(2026, 1, 1), date(2027, 1, 1))
        ratings = [f.rating for f in session.exec(select(Feedback)) if f.rating and first <= f.received_on <= last]
        completed = [a for a in cycle if a.status == "completed"]
    assert (shown_open, done, planned, rating) == (
        open_now,
        len(completed),
        len([a for a in cycle if a.status != "cancelled"]),
        mean(ratings),
    )
    assert (open_now, len(completed), mean(ratings)) == (2, 1, 5)
    # What the transcript showed: three NCs raised, one closed; the audit done inside the week.
    raised = set(re.findall(r"^    (NC-2026-\d{4}) · ", demo.text, re.M))
    closed = set(re.findall(r"closed (NC-2026-\d{4})\.", demo.text))
    assert len(raised - closed) == open_now and first <= completed[0].completed_at.date() <= last  # type: ignore[union-attr]
    assert completed[0].completed_at.date() >= completed[0].planned_date  # type: ignore[union-attr]


def test_the_registers_hold_what_the_scenes_showed(demo: Played) -> None:
    with demo.tour.sb.db.session() as session:
        risk = session.exec(select(Risk)).one()
        supplier = supplier_store.by_name(session, "LabelTec GmbH")
        gauge = equipment_store.by_key(session, "g-012")
        wi = document_store.by_key(session, "wi-031")
        (required,) = competence_store.requirements(session)
        audit_nc = nc_store.by_number(session, "NC-2026-0003")
        (decision,) = output_store.decisions_of(session, audit_nc.id or 0)  # type: ignore[union-attr]
        (objective,) = objective_store.all_objectives(session)
        review = session.exec(select(ManagementReview).where(ManagementReview.number == "MR-2026-0001")).one()
        snoozed = [e for e in history(session, "nudge", "NC-2026-0002") if e.action == "snoozed"]
        escalated = [
            m for m in session.exec(select(OutboxMessage)) if ":escalate:" in m.key and m.recipient == QUINN.id
        ]
        calibrations = equipment_store.calibrations_of(session, gauge.id or 0)  # type: ignore[union-attr]
        treated = risk_store.scores_of(session, risk.id or 0)
    assert (risk.score, risk.treatment, risk.residual_score, len(treated)) == (12, "reduce", 6, 2)
    assert supplier is not None and (supplier.status, supplier.owner) == ("approved", ANNA.id)
    assert gauge is not None and [(c.result, c.certificate) for c in calibrations] == [("pass", "KN-2026-4471")]
    assert gauge.next_due == date(2027, 12, 16) and "next calibration *16 Dec 2027*" in demo.text
    assert wi is not None and wi.next_review == date(2027, 12, 15) and "Next review: *15 Dec 2027*" in demo.text
    assert (required.role_id, required.doc_ref, required.renew_months) == ("C0PRODUCT1", "SOP-012", 12)
    assert (decision.kind, decision.quantity, decision.authorised_by, decision.decided_by) == (
        "rework",
        12,
        QUINN.id,
        ANNA.id,
    )
    assert objective.name == "Customer rating" and "Customer rating: 5 · target at least 4" in demo.text
    assert review.status == "held" and review.held_on == date(2026, 12, 17)
    assert [e.actor for e in snoozed] == [BEN.id] and "Snoozed until Wed 16 Dec" in demo.text
    assert escalated and escalated[0].status == "sent" and "is 2 days overdue" in demo.text


def test_the_folder_holds_the_chart_and_the_workbook(demo: Played) -> None:
    (chart,) = demo.folder.glob("qms-trend-*.png")
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and chart.name == "qms-trend-2026-12-21.png"
    book = openpyxl.load_workbook(demo.folder / "qms-export.xlsx", read_only=True)
    assert [r.sheet for r in export.REGISTERS if r.sheet not in book.sheetnames] == []
    with demo.tour.sb.db.session() as session:
        ncs = len(
            reports.ncs_raised_between(session, datetime(2026, 1, 1).astimezone(), datetime(2027, 1, 1).astimezone())
        )
    assert book["NC register"].max_row == ncs + 1  # a header, then each NC
    assert "audit trail intact:" in demo.text


def test_one_scene_plays_alone_and_an_unknown_one_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--scene", "outputs", "--out", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert re.findall(r"^══ Scene (\w+):", shown, re.M) == ["outputs"]
    assert "(set up first, not shown: audit)" in shown and "authorised *D1* Rework of 12 pallets" in shown
    assert f"Files in {tmp_path}:" in shown
    assert main(["demo", "--scene", "nope"]) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("\n") == 1 and "basics, nc, training" in said.err
