"""Shared flows: the steps many tests take (raise an NC, publish a round, plan an audit...).

Tests import these from here rather than from each other's modules.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import text
from sqlmodel import select

from bot import export
from bot.app import build_context
from bot.context import Context
from bot.delivery.outbox import Nudge, enqueue
from bot.standin.fakeslack import FakeSlack
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from bot.workspace.config import explicit_settings
from storage import evidence as evidence_store
from storage import feedback as feedback_store
from storage import nonconformities as nc_store
from storage import risks as risk_store
from storage import suppliers as supplier_store
from storage.audit import history
from storage.db import Database
from storage.migrate import upgrade
from storage.models import (
    Audit,
    ControlledDocument,
    CorrectiveAction,
    Feedback,
    ManagementReview,
    Nonconformity,
    TrainingRound,
)
from storage.models_risks import Risk
from storage.models_suppliers import Supplier

ANSWERS = {
    "title": "Label missing on batch 4711",
    "description": "Twelve cartons of batch 4711 left packing without the customer label.",
    "severity": "major",
    "source": "employee_report",
    "process": "Production",
}


def raise_nc(sb: Sandbox, person: Person = ANNA, **answers: Any) -> Nonconformity:
    sb.slack.command(person, "/nc")
    response = sb.slack.submit(person, sb.slack.last_view(), {**ANSWERS, **answers})
    assert response.status_code == 200
    assert not response.content, response.text  # a clean ack closes the modal
    return latest(sb)


def latest(sb: Sandbox) -> Nonconformity:
    with sb.db.session() as session:
        found = session.exec(select(Nonconformity).order_by(Nonconformity.id.desc())).first()  # type: ignore[union-attr]
        assert found is not None
        return found


def reload(sb: Sandbox, nc: Nonconformity) -> Nonconformity:
    with sb.db.session() as session:
        found = nc_store.get(session, nc.id)  # type: ignore[arg-type]
        assert found is not None
        return found


def nc_card(sb: Sandbox, nc: Nonconformity) -> dict[str, Any]:
    nc = reload(sb, nc)
    assert nc.card_channel and nc.card_ts
    return sb.message(nc.card_channel, nc.card_ts)


def press(sb: Sandbox, person: Person, nc: Nonconformity, label: str) -> None:
    sb.press(person, nc_card(sb, nc), label)


def step(sb: Sandbox, person: Person, nc: Nonconformity, label: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Press a card button and submit the modal it opens; the modal's answer ({} when it closed)."""
    opened = len(sb.fake.calls_to("views.open", ok=True))
    press(sb, person, nc, label)
    assert len(sb.fake.calls_to("views.open", ok=True)) == opened + 1, (
        sb.fake.responses[-1].args if sb.fake.responses else None
    )
    response = sb.slack.submit(person, sb.slack.last_view(), answers)
    return response.json() if response.content else {}


def work_to_actions_done(sb: Sandbox, nc: Nonconformity, doer: Person = ANNA) -> None:
    assert step(sb, doer, nc, "Record containment", {"containment": "Batch 4711 quarantined"}) == {}
    assert (
        step(
            sb,
            doer,
            nc,
            "Record root cause",
            {"method": "five_whys", "cause": "Printer ran out of labels", "elsewhere": "no"},
        )
        == {}
    )
    assert (
        step(
            sb,
            doer,
            nc,
            "Add action",
            {"kind": "corrective", "description": "Low-label sensor on the printer", "owner": doer.id},
        )
        == {}
    )
    assert step(sb, doer, nc, "Mark A1 done", {"evidence": "Sensor fitted, work order 7781"}) == {}


def close_quickly(sb: Sandbox, nc: Nonconformity) -> None:
    work_to_actions_done(sb, nc)
    step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective"})
    press(sb, QUINN, nc, "Close NC")
    assert reload(sb, nc).status == "closed"


COMPLAINT = {
    "kind": "complaint",
    "customer": "Acme Foods",
    "product": "Label printer service",
    "received_via": "email",
    "text": "Third pallet this month arrived without labels.",
}


def log(sb: Sandbox, person: Person = BEN, **answers: Any) -> dict[str, Any]:
    sb.slack.command(person, "/feedback")
    response = sb.slack.submit(person, sb.slack.last_view(), answers)
    return response.json() if response.content else {}


def prefilled(view: dict[str, Any]) -> dict[str, Any]:
    """What a form's input blocks were opened with, by block_id."""
    return {
        b["block_id"]: b["element"].get("initial_value") or (b["element"].get("initial_option") or {}).get("value")
        for b in view["blocks"]
        if b["type"] == "input"
    }


def entries(sb: Sandbox) -> list[Feedback]:
    with sb.db.session() as session:
        return list(session.exec(select(Feedback).order_by(Feedback.id)))  # type: ignore[arg-type]


def complaint_card(sb: Sandbox, entry: Feedback) -> dict[str, Any]:
    with sb.db.session() as session:
        fresh = feedback_store.get(session, entry.id)  # type: ignore[arg-type]
    assert fresh and fresh.card_channel and fresh.card_ts
    return sb.message(fresh.card_channel, fresh.card_ts)


FORM = {
    "title": "Handling of customer returns",
    "doc_ref": "SOP-012",
    "revision": "C",
    "link": "https://docs.example/sop-012?rev=C&lang=en",
    "summary": "Returns are now logged in the ERP before they are unpacked.",
    "due_date": "2026-12-04",
}


def publish(sb: Sandbox, person: Person = QUINN, **answers: Any) -> dict[str, Any]:
    sb.slack.command(person, "/training", "new")
    response = sb.slack.submit(person, sb.slack.last_view(), {**FORM, **answers})
    return response.json() if response.content else {}


def require(sb: Sandbox, person: Person = QUINN, **answers: Any) -> dict[str, Any]:
    """`/training require` sent with `answers` (groups, channels, documents, renew)."""
    sb.slack.command(person, "/training", "require")
    response = sb.slack.submit(person, sb.slack.last_view(), {"renew": "0", **answers})
    return response.json() if response.content else {}


def group_changed(sb: Sandbox, group: str, added: list[str], removed: list[str] | None = None) -> None:
    """Slack's subteam_members_changed, as it sends it when people join or leave a user group."""
    members = sb.fake.usergroups.setdefault(group, [])
    members += [p for p in added if p not in members]
    sb.slack.event(
        {
            "type": "subteam_members_changed",
            "subteam_id": group,
            "team_id": "T0SANDBOX1",
            "date_previous_update": 1446670362,
            "date_update": 1492906952,
            "added_users": added,
            "added_users_count": str(len(added)),
            "removed_users": removed or [],
            "removed_users_count": str(len(removed or [])),
        }
    )


def rounds(sb: Sandbox) -> list[TrainingRound]:
    with sb.db.session() as session:
        return list(session.exec(select(TrainingRound).order_by(TrainingRound.id)))  # type: ignore[arg-type]


def card_for(sb: Sandbox, person: Person, number: str | None = None) -> dict[str, Any]:
    cards = [
        m
        for m in sb.fake.sent_messages(person.id)
        if "training_ack" in json.dumps(m["blocks"]) or "Acknowledged" in json.dumps(m["blocks"])
    ]
    if number:
        cards = [m for m in cards if number in json.dumps(m["blocks"])]
    return cards[-1]


PLAN = {
    "process": "Production",
    "scope": "Line 2 assembly, both shifts, records since January",
    "clauses": "7.5, 8.5.1, 8.7",
    "lead_auditor": BEN.id,
    "auditees": [ANNA.id],
    "planned_date": "2026-12-16",
}


def plan(sb: Sandbox, person: Person = QUINN, **answers: Any) -> dict[str, Any]:
    sb.slack.command(person, "/audit", "plan")
    response = sb.slack.submit(person, sb.slack.last_view(), {**PLAN, **answers})
    return response.json() if response.content else {}


def the_audits(sb: Sandbox) -> list[Audit]:
    with sb.db.session() as session:
        return list(session.exec(select(Audit).order_by(Audit.id)))  # type: ignore[arg-type]


SOP = {
    "reference": "SOP-012",
    "title": "Control of nonconforming product",
    "owner": ANNA.id,
    "revision": "C",
    "link": "https://docs.example.com/sop-012?rev=C&x=1",
    "review_months": "12",
    "last_reviewed": "2025-12-09",
}


# A caliper due for calibration on 2 Dec 2026 (a week after the sandbox's clock starts).
GAUGE = {
    "tag": "G-012",
    "description": "Digital caliper 0-150 mm",
    "location": "Goods-in bench 2",
    "owner": ANNA.id,
    "interval_months": "12",
    "last_calibrated": "2025-12-02",
}


def open_home(sb: Sandbox, person: Person) -> str:
    """Open `person`'s Home tab as Slack does (app_home_opened); what it shows, as JSON text."""
    sb.slack.event({"type": "app_home_opened", "user": person.id, "channel": "D" + person.id[1:], "tab": "home"})
    return json.dumps(sb.fake.home_views[person.id]["blocks"], ensure_ascii=False)


def register_gauge(sb: Sandbox, person: Person = QUINN, **answers: Any) -> dict[str, Any]:
    sb.slack.command(person, "/equipment", "add")
    response = sb.slack.submit(person, sb.slack.last_view(), {**GAUGE, **answers})
    return response.json() if response.content else {}


def calibrate(sb: Sandbox, person: Person, reminder: dict[str, Any], **answers: Any) -> dict[str, Any]:
    """Press "Record calibration" on `reminder` and send the form with `answers`."""
    sb.press(person, reminder, "Record calibration")
    today = sb.clock.now().date().isoformat()
    values = {"calibrated_on": today, "performer": "lab", "performed_by": "Kalibrierlabor Nord", "result": "pass"}
    values.update(answers)
    response = sb.slack.submit(person, sb.slack.last_view(), values)
    return response.json() if response.content else {}


def doc(sb: Sandbox) -> ControlledDocument:
    with sb.db.session() as session:
        return session.exec(select(ControlledDocument)).one()


def the_reviews(sb: Sandbox) -> list[ManagementReview]:
    with sb.db.session() as session:
        return list(session.exec(select(ManagementReview).order_by(ManagementReview.id)))  # type: ignore[arg-type]


def record_counts(sb: Sandbox) -> dict[str, int]:
    with sb.db.session() as session:
        return {
            table: session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in (
                "nonconformity",
                "corrective_action",
                "outbox_message",
                "audit_event",
                "record_sequence",
                "feedback",
                "audit",
                "audit_finding",
                "controlled_document",
                "document_review",
                "management_review",
                "review_action",
                "risk",
                "risk_score",
                "supplier",
                "supplier_evaluation",
            )
        }


def make_ctx(url: str, fake: FakeSlack, clock: ManualClock, worker: str = "w1", **settings: object) -> Context:
    values = {
        "slack_bot_token": "xoxb-test",
        "slack_api_url": fake.api_url,
        "database_url": url,
        "timezone": "Europe/Berlin",
        **settings,
    }
    db = Database(url)
    upgrade(db.engine)
    return build_context(explicit_settings(**values), clock=clock, db=db, worker=worker, sources=[])


SECRET = "0123456789abcdef0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp_path: Path, fake: FakeSlack, port: int, *, group: bool = False, **extra: str) -> subprocess.Popen[str]:
    """`qms-bot run` in HTTP mode; `group`: in a process group of its own, as a supervisor
    runs it, so that a test can signal the bot and its background process together."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "QMS_")) and k != "DATABASE_URL"}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'qms.db'}",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=group,
    )
    # A watchdog, so a start-up that never logs fails the test instead of hanging the suite.
    watchdog = threading.Timer(60, process.kill)
    watchdog.daemon = True
    watchdog.start()
    return process


def wait_for_line(process: subprocess.Popen[str], needle: str) -> list[str]:
    """Read the log until `needle` shows up (the server is then listening) or the process ends."""
    seen = []
    assert process.stderr is not None
    for line in process.stderr:
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError("process ended before '" + needle + "':\n" + "".join(seen))


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM must end the bot cleanly; if it does not, show where every thread is stuck."""
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(timeout=20) == 0
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)
        try:
            _, err = process.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        raise AssertionError("the bot did not stop within 20 s of SIGTERM:\n" + err[-6000:]) from None


def published(sb: Sandbox) -> str:
    sb.slack.command(QUINN, "/training", "new")
    document = f"SOP-{len(rounds(sb)) + 100}"  # a new document each time: nothing acknowledged yet
    sb.slack.submit(QUINN, sb.slack.last_view(), {**FORM, "doc_ref": document, "users": [ANNA.id]})
    sb.ctx.sender.drain()
    return rounds(sb)[-1].number


def complaint(sb: Sandbox) -> Any:
    log(sb, ANNA, **COMPLAINT)
    sb.ctx.sender.drain()
    return entries(sb)[-1]


def send_snoozable(sb: Sandbox, key: str = "action:7:due-3d") -> dict[str, Any]:
    """A snoozable reminder to Anna, sent: the message as she sees it."""
    with sb.db.session() as session:
        enqueue(
            session,
            Nudge(
                key=key,
                recipient=ANNA.id,
                text="Action NC-2026-0007/1 is due in 3 days",
                record_ref="NC-2026-0007",
                snoozable=True,
            ),
            sb.clock.now(),
        )
    sb.ctx.sender.drain()
    return sb.fake.sent_messages(ANNA.id)[-1]


def reminder(sb: Sandbox) -> dict[str, Any]:
    return send_snoozable(sb, key=f"matrix:{len(sb.fake.calls)}")


def planned_audit(sb: Sandbox) -> int:

    sb.slack.command(QUINN, "/audit", "plan")
    sb.slack.submit(QUINN, sb.slack.last_view(), {**PLAN, "lead_auditor": ANNA.id, "auditees": []})
    return the_audits(sb)[-1].id  # type: ignore[return-value]


def registered_document(sb: Sandbox) -> str:

    sb.slack.command(QUINN, "/doc", "add")
    reference = f"SOP-{len(sb.fake.calls)}"
    sb.slack.submit(QUINN, sb.slack.last_view(), {**SOP, "reference": reference})
    with sb.db.session() as session:
        from storage.documents import by_key

        found = by_key(session, reference.casefold())
    assert found is not None, doc
    return f"{found.id}@{found.version}"


def registered_gauge(sb: Sandbox) -> str:
    """A gauge in the register, as its calibration button's value (`id@version`)."""
    tag = f"G-{len(sb.fake.calls)}"
    register_gauge(sb, tag=tag)
    with sb.db.session() as session:
        from storage.equipment import by_key

        found = by_key(session, tag.casefold())
    assert found is not None, tag
    return f"{found.id}@{found.version}"


def scheduled_review(sb: Sandbox) -> str:

    sb.slack.command(QUINN, "/review", "schedule")
    sb.slack.submit(
        QUINN, sb.slack.last_view(), {"planned_date": "2026-12-10", "attendees": [ANNA.id], "recurrence": "none"}
    )
    return the_reviews(sb)[-1].number


def review_action(sb: Sandbox) -> int:
    from storage import reviews as review_store

    number = scheduled_review(sb)
    sb.slack.command(QUINN, "/review", f"record {number}")
    sb.slack.submit(
        QUINN,
        sb.slack.last_view(),
        {"held_on": "2026-11-25", "minutes": "Held", "action_1": "Hire", "owner_1": ANNA.id, "due_1": "2027-01-15"},
    )
    with sb.db.session() as session:
        return review_store.actions_of(session, the_reviews(sb)[-1].id)[0].id  # type: ignore[arg-type,return-value]


# --- stages of an NC, and answering a checklist line ---


def contained(sb: Sandbox, nc: Any) -> None:
    step(sb, ANNA, nc, "Record containment", {"containment": "Quarantined"})


def root_caused(sb: Sandbox, nc: Any) -> None:
    contained(sb, nc)
    step(
        sb,
        ANNA,
        nc,
        "Record root cause",
        {"method": "five_whys", "cause": "Printer ran out of labels", "elsewhere": "no"},
    )


def action_planned(sb: Sandbox, nc: Any) -> None:
    root_caused(sb, nc)
    step(sb, ANNA, nc, "Add action", {"kind": "corrective", "description": "Sensor", "owner": ANNA.id})


def verified(sb: Sandbox, nc: Any) -> None:
    work_to_actions_done(sb, nc, ANNA)
    step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective", "note": "No recurrence"})


def checklist_message(sb: Sandbox, person: Person, number: str) -> dict[str, Any]:
    return [m for m in sb.fake.sent_messages(person.id) if m["text"].startswith(f"Checklist {number}")][-1]


def answer(sb: Sandbox, person: Person, message: dict[str, Any], seq: int, result: str) -> None:
    block = [
        b
        for b in message["blocks"]
        if b.get("type") == "section" and b.get("accessory") and b["text"]["text"].startswith(f"*{seq}.*")
    ][0]
    line_id = block["accessory"]["options"][0]["value"].split(":")[0]
    sb.slack.choose(
        person, "audit_answer", f"{line_id}:{result}", message=message, block_id=block.get("block_id", "line")
    )


def actions_of(sb: Sandbox, nc: Nonconformity) -> list[CorrectiveAction]:
    with sb.db.session() as session:
        return nc_store.actions_of(session, nc.id)  # type: ignore[arg-type]


def run_harness(tmp_path: Path, fixture: str, marker: str, test_source: str) -> str:
    """Run `test_source` as a suite of its own under one of tests/conftest.py's autouse checks
    (`fixture`, opted out of with `marker`); what pytest printed on stdout."""
    (tmp_path / "conftest.py").write_text(
        f"from tests.conftest import {fixture}  # noqa: F401\n"
        "def pytest_configure(config):\n"
        f"    config.addinivalue_line('markers', '{marker}: on purpose')\n"
    )
    (tmp_path / "test_inner.py").write_text(test_source)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-o", "addopts=", "-q", "-rA"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: the inner suite failed, as it may
    return run.stdout


OUTPUT = {
    "item": "Housing H-12",
    "quantity": "240",
    "unit": "pcs",
    "lots": "4711",
    "held_at": "Bay 3",
    "unit_cost": "2.5",
}


def output_held(sb: Sandbox, nc: Any) -> None:
    """Anna records 240 housings of lot 4711 held in bay 3 on her NC."""
    assert step(sb, ANNA, nc, "Affected output", OUTPUT) == {}


def rework_requested(sb: Sandbox, nc: Any) -> dict[str, Any]:
    """240 held, Anna decides to rework them all: Quinn's request to authorise it (a DM)."""
    output_held(sb, nc)
    assert step(sb, ANNA, nc, "Record disposition", {"kind": "rework", "quantity": "240", "reason": "Relabel"}) == {}
    sb.ctx.sender.drain()
    return next(m for m in reversed(sb.fake.sent_messages(QUINN.id)) if "D1" in str(m.get("blocks")))


def rework_authorised(sb: Sandbox, nc: Any) -> None:
    """240 held, Anna decides to rework them all, Quinn (an approver) authorises it."""
    sb.press(QUINN, rework_requested(sb, nc), "Authorise")


# --- evidence files on a record ---


def kept_everywhere(
    sb: Sandbox, out: Path, record_type: str, record_ref: str, files: dict[str, tuple[str, bytes]], shown: Any
) -> None:
    """The files (name -> the step they are evidence of, their bytes) are kept with the record
    as its trail names it, each with its SHA-256 on that trail; the record as shown (`shown`:
    its card or reply) lists them; the export's evidence sheet and its zip hold them."""
    sha = {name: hashlib.sha256(content).hexdigest() for name, (_, content) in files.items()}
    with sb.db.session() as session:
        kept = evidence_store.files_of(session, record_type, record_ref)
        trail = [e.after for e in history(session, record_type, record_ref) if e.action == "evidence_attached"]
    assert sorted((f.name, f.step, f.sha256) for f in kept) == sorted((n, s, sha[n]) for n, (s, _) in files.items())
    assert sorted((t or {}).get("sha256") for t in trail) == sorted(sha.values())
    said = json.dumps(shown, ensure_ascii=False)
    assert "Evidence files" in said and all(name in said for name in files), said
    period = export.Period(None, None, sb.settings.zone, sb.ctx.today())
    export.write_with_files(sb.db, out, period, export.write_workbook)
    with zipfile.ZipFile(out) as bundle:
        held = {bundle.read(n) for n in bundle.namelist() if n.startswith(f"files/{record_ref}/")}
        book = openpyxl.load_workbook(io.BytesIO(bundle.read(export.WORKBOOK)))
    assert held == {content for _, content in files.values()}
    rows = [list(r) for r in book["Evidence files"].iter_rows(values_only=True)][1:]
    listed = sorted((r[2], r[3], r[-1]) for r in rows if (r[0], r[1]) == (record_ref, record_type))
    assert listed == sorted((s, n, sha[n]) for n, (s, _) in files.items())


# --- the risk register -------------------------------------------------------------------------

RISK = {
    "kind": "risk",
    "title": "Single source of seal S-40 is closing",
    "description": "Our single source of the S-40 shaft seal announced it stops trading in March.",
    "process": "Purchasing",
    "likelihood": "4",
    "impact": "4",
}


def submit_risk(sb: Sandbox, person: Person, view: dict[str, Any], **answers: Any) -> Risk:
    response = sb.slack.submit(person, view, {**RISK, **answers})
    assert response.status_code == 200
    assert not response.content, response.text
    return latest_risk(sb)


def raise_risk(sb: Sandbox, person: Person = ANNA, **answers: Any) -> Risk:
    sb.slack.command(person, "/risk")
    return submit_risk(sb, person, sb.slack.last_view(), **answers)


def latest_risk(sb: Sandbox) -> Risk:
    with sb.db.session() as session:
        found = session.exec(select(Risk).order_by(Risk.id.desc())).first()  # type: ignore[union-attr]
        assert found is not None
        return found


def reload_risk(sb: Sandbox, risk: Risk) -> Risk:
    with sb.db.session() as session:
        found = risk_store.get(session, risk.id or 0)
        assert found is not None
        return found


def risk_card(sb: Sandbox, risk: Risk) -> dict[str, Any]:
    risk = reload_risk(sb, risk)
    assert risk.card_channel and risk.card_ts
    return sb.message(risk.card_channel, risk.card_ts)


def risk_step(sb: Sandbox, person: Person, risk: Risk, label: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Press a risk card button and submit the form it opens; the form's answer ({} when it closed)."""
    opened = len(sb.fake.calls_to("views.open", ok=True))
    sb.press(person, risk_card(sb, risk), label)
    assert len(sb.fake.calls_to("views.open", ok=True)) == opened + 1, (
        sb.fake.responses[-1].args if sb.fake.responses else None
    )
    response = sb.slack.submit(person, sb.slack.last_view(), answers)
    return response.json() if response.content else {}


TREATMENT = {
    "treatment": "reduce",
    "note": "Qualify a second source for S-40 and hold three months of stock.",
    "residual_likelihood": "2",
    "residual_impact": "3",
    "review_date": "2026-12-15",
}


def risk_treated(sb: Sandbox, risk: Any, person: Person = ANNA) -> None:
    assert risk_step(sb, person, risk, "Treat", TREATMENT) == {}


def risk_action_planned(sb: Sandbox, risk: Any, owner: Person = ANNA) -> None:
    risk_treated(sb, risk)
    answers = {"description": "Qualify Dichtungs GmbH as a second source", "owner": owner.id, "due_date": "2026-12-10"}
    assert risk_step(sb, ANNA, risk, "Add action", answers) == {}


def audit_with_improvement(sb: Sandbox) -> str:
    """A completed audit with one opportunity for improvement; its number."""
    audit_id = planned_audit(sb)
    with sb.db.read() as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        value = f"{audit.id}@{audit.version}"
    sb.slack.click(QUINN, "audit_complete_open", value)
    answers = {"summary": "Largely conforming.", "improvements": "Shadow board for hand tools"}
    assert not sb.slack.submit(QUINN, sb.slack.last_view(), answers).content
    return f"AU-2026-{audit_id:04d}"


# --- the supplier register ---

SUPPLIER = {
    "name": "ACME Plastics",
    "supplies": "Injection-moulded housings",
    "criteria": "ISO 9001 certified; on-time delivery above 95 %; under 500 PPM",
    "owner": ANNA.id,
    "status": "approved",
    "next_evaluation": "2027-01-15",
}


def registered_supplier(sb: Sandbox, **answers: Any) -> Supplier:
    """A supplier Quinn registers (Anna owns it unless `answers` say otherwise)."""
    sb.slack.command(QUINN, "/supplier", "add")
    response = sb.slack.submit(QUINN, sb.slack.last_view(), {**SUPPLIER, **answers})
    assert not response.content, response.text
    with sb.db.session() as session:
        found = supplier_store.by_name(session, str(answers.get("name", SUPPLIER["name"])))
    assert found is not None
    return found


def supplier_of(sb: Sandbox, supplier: Supplier) -> Supplier:
    with sb.db.session() as session:
        found = supplier_store.get(session, supplier.id or 0)
    assert found is not None
    return found


def raise_against(sb: Sandbox, name: str, person: Person = ANNA, **answers: Any) -> Nonconformity:
    """Raise an NC whose supplier is picked in the form's supplier select, typing its first letters."""
    sb.slack.command(person, "/nc")
    view = sb.slack.last_view()
    options = sb.slack.suggest(person, view, "supplier_pick", name[:4].lower())
    value = next(o["value"] for o in options if o["text"]["text"].startswith(name))
    answers = {**ANSWERS, "source": "supplier", "supplier_pick": value, **answers}
    response = sb.slack.submit(person, view, answers)
    assert not response.content, response.text
    return latest(sb)


def supplier_reminder(sb: Sandbox) -> dict[str, Any]:
    """The evaluation reminder the owner (Anna) was sent last."""
    return [m for m in sb.fake.sent_messages(ANNA.id) if "The evaluation of" in m["text"]][-1]


def evaluation_button(sb: Sandbox) -> str:
    """The Evaluate button's value of a fresh supplier (what a reminder or the register carries)."""
    supplier = registered_supplier(sb, name=f"Supplier {len(sb.fake.calls)}")
    return f"{supplier.id}@{supplier.version}"
