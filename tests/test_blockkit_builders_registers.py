"""The other registers' pure Block Kit builders, rendered in memory through Slack's checks.

Training, feedback, audits, documents, management reviews, objectives and the weekly digest:
every status of each record, at the least and at the longest (texts at the forms' *_MAX limits,
hostile from their first character; the most list items). The sandbox journey in
test_blockkit_builders reaches each of these once; here every status and size is rendered.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.audits import blocks as audit_blocks
from bot.audits import forms as audit_forms
from bot.digest.blocks import render
from bot.digest.replies import Digest
from bot.documents import blocks as doc_blocks
from bot.feedback import blocks as fb_blocks
from bot.feedback import forms as fb_forms
from bot.feedback.forms import FeedbackForm
from bot.feedback.replies import Figures
from bot.nonconformity.lifecycle import Status
from bot.objectives.blocks import STATUS_EMOJI, lines, new_modal
from bot.objectives.measures import DIRECTIONS, Standing
from bot.reviews import blocks as rv_blocks
from bot.reviews import forms as rv_forms
from bot.standin.sandbox import ANNA, BEN, QUINN
from bot.surfaces.blocks import Reply
from bot.training import blocks as tr_blocks
from bot.training import forms as tr_forms
from storage.models import (
    EvidenceFile,
    Feedback,
    MessageCapture,
    QualityObjective,
    TrainingAssignment,
    TrainingRound,
)
from storage.models_programme import (
    AUDIT_STATUSES,
    REVIEW_STATUSES,
    Audit,
    AuditFinding,
    AuditQuestion,
    ControlledDocument,
    DocumentReview,
    ManagementReview,
    ReviewAction,
)
from tests.extremes import NOW, SIZES, TODAY, accepted, an_nc, its_actions, longest

STAGES = ("before-3d", "before-1d", "today", "after-1d", "after-30d")
MANY = 500  # list items: far past what any message shows
GROUPS_MANY = [(f"S{n:08d}", longest(75)) for n in range(100)]


def pick(big: bool, limit: int, small: str) -> str:
    return longest(limit) if big else small


def people(big: bool) -> list[str]:
    return [f"U{n:09d}" for n in range(MANY)] if big else []


def its_files(big: bool) -> list[EvidenceFile]:
    """A record's evidence files: many, with the longest names, steps and links."""
    return [
        EvidenceFile(
            id=n,
            record_type="x",
            record_ref="X-1",
            step=pick(big, 60, "as received"),
            name=pick(big, 255, "mail.eml"),
            mimetype="application/pdf",
            size=10 * 1024 * 1024 if big else 12,
            sha256="0" * 64,
            slack_file=f"F{n:010d}",
            permalink=("https://example.slack.com/files/" + "f" * 460) if big else None,
            uploaded_by=BEN.id,
            attached_at=NOW,
        )
        for n in range(1, (MANY if big else 1) + 1)
    ]


def assert_all(*surfaces: object) -> None:
    for surface in surfaces:
        assert accepted(surface) == [], str(surface)[:120]  # type: ignore[arg-type]


# --- training ------------------------------------------------------------------------------------


def a_round(status: str, big: bool) -> TrainingRound:
    return TrainingRound(
        id=3,
        number="TR-2026-0003",
        title=pick(big, tr_forms.TITLE_MAX, "Returns"),
        doc_ref=pick(big, tr_forms.DOC_MAX, "SOP-1"),
        revision=pick(big, tr_forms.REV_MAX, "C"),
        doc_key="k",
        revision_key="k",
        link=("https://example.com/" + "d" * (tr_forms.LINK_MAX - 20)) if big else None,
        summary=pick(big, tr_forms.SUMMARY_MAX, "s"),
        due_date=TODAY - timedelta(days=400) if big else TODAY + timedelta(days=1),
        publisher=QUINN.id,
        published_at=NOW,
        audience={},
        left_out={"bots": 10**6, "deactivated": 10**6, "unknown": 10**6} if big else None,
        status=status,
        closed_by=QUINN.id if status == "closed" else None,
        closed_at=NOW if status == "closed" else None,
    )


def an_assignment(state: str, n: int = 1) -> TrainingAssignment:
    return TrainingAssignment(
        id=n, round_id=3, person=ANNA.id, status=state, acknowledged_at=NOW if state == "acknowledged" else None
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", ["pending", "acknowledged"])
@pytest.mark.parametrize("status", ["open", "closed"])
def test_training_in_every_status(status: str, state: str, size: str) -> None:
    big = size == "longest"
    training, assignment = a_round(status, big), an_assignment(state)
    pending = people(big)
    count = {"pending": len(pending), "acknowledged": 10**6 if big else 0}
    record = [(an_assignment(s, n), a_round(status, big)) for n, s in enumerate(["pending", "acknowledged"] * 50)]
    assert_all(
        tr_blocks.publish_modal(GROUPS_MANY if big else [], TODAY),
        tr_blocks.person_card(training, assignment),
        tr_blocks.acknowledged_card(training, assignment, ZoneInfo("UTC")),
        *(tr_blocks.reminder(a_round(status, big), assignment, TODAY + timedelta(days=d)) for d in (-400, -1, 0, 5)),
        tr_blocks.question_modal(training, 2**62, "C" * 20, "9" * 20),
        tr_blocks.question_for_publisher(training, BEN.id, pick(big, tr_forms.QUESTION_MAX, "?")),
        tr_blocks.status(training, count, pending, TODAY, 50),
        tr_blocks.overdue_list(training, pending, TODAY, 50),
        tr_blocks.my_record(record if big else [], UTC),
        tr_blocks.round_list([training] * (MANY if big else 1), {3: count}, TODAY),
        tr_blocks.round_list([], {}, TODAY),
        tr_blocks.matrix(
            [(p, "TR-2026-0003", state, NOW) for p in pending] or [(ANNA.id, "TR-1", state, None)],
            lambda p: longest(80),
            UTC,
        ),
        tr_blocks.matrix([], str, UTC),
    )


# --- feedback ------------------------------------------------------------------------------------


def an_entry(kind: str, response: str, big: bool) -> Feedback:
    complaint = kind == "complaint"
    return Feedback(
        id=4,
        number="FB-2026-0004",
        kind=kind,
        customer=pick(big, fb_forms.CUSTOMER_MAX, "Acme"),
        product=pick(big, fb_forms.PRODUCT_MAX, "x") if big else None,
        received_via=list(fb_blocks.RECEIVED_VIA)[-1 if big else 0],
        rating=(5 if big else 1) if kind == "survey" or big else None,
        text=pick(big, fb_forms.TEXT_MAX, "late"),
        received_on=TODAY,
        logged_by=BEN.id,
        logged_at=NOW,
        owner=ANNA.id if complaint else None,
        respond_by=TODAY - timedelta(days=400 if big else 0) if complaint else None,
        response=response,
        responded_at=NOW if response != "received" else None,
        responded_by=ANNA.id if response != "received" else None,
        resolved_at=NOW if response == "resolved" else None,
        card_permalink=("https://example.slack.com/archives/C/p1?" + "q" * 450) if big else None,
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("response", list(fb_blocks.RESPONSE_LABELS))
@pytest.mark.parametrize("kind", list(fb_blocks.KINDS))
def test_feedback_in_every_kind_and_state(kind: str, response: str, size: str) -> None:
    big = size == "longest"
    entry = an_entry(kind, response, big)
    capture = MessageCapture(
        id=1,
        captured_by=BEN.id,
        channel="C0GEN",
        ts="1.1",
        author=BEN.id,
        text=longest(40000),
        public=True,
        permalink="https://example.slack.com/x?" + "p" * 450,
    )
    form = FeedbackForm(kind=kind, customer=entry.customer, product=entry.product, text=entry.text)
    figures = Figures(10**6, 4.99, 10**6, 10**6, 0.333333, 12.5) if big else Figures(0, None, 0, 0, None, None)
    replies = [
        fb_blocks.log_modal(form, TODAY, capture_id=2**62 if big else None),
        fb_blocks.confirmation(entry, "C0QMS"),
        fb_blocks.confirmation(entry, None),
        fb_blocks.owner_assigned(entry) if kind == "complaint" else fb_blocks.confirmation(entry, None),
        fb_blocks.feedback_list([entry] * (MANY if big else 0), [entry] * (MANY if big else 0), TODAY),
        fb_blocks.figures(figures, TODAY - timedelta(days=90), TODAY),
    ]
    for nc_number in (None, "NC-2026-0001"):
        replies.append(fb_blocks.record(entry, capture if big else None, nc_number, TODAY, UTC, files=its_files(big)))
    if kind == "complaint":
        replies += [fb_blocks.respond_reminder(entry, stage) for stage in STAGES]
    assert_all(*replies)


# --- audits --------------------------------------------------------------------------------------


def an_audit(status: str, big: bool) -> Audit:
    return Audit(
        id=5,
        number="AU-2026-0005",
        process=pick(big, 100, "Purchasing"),
        scope=pick(big, audit_forms.SCOPE_MAX, "all"),
        clauses=pick(big, audit_forms.CLAUSES_MAX, "8.4") if big else None,
        lead_auditor=ANNA.id,
        auditees=people(big)[: audit_forms.AUDITEES_MAX] if big else [BEN.id],
        planned_date=TODAY - timedelta(days=400) if big else TODAY,
        status=status,
        planned_by=QUINN.id,
        planned_at=NOW,
        summary=pick(big, audit_forms.SUMMARY_MAX, "fine") if status == "completed" else None,
        completed_by=ANNA.id if status == "completed" else None,
        completed_at=NOW if status == "completed" else None,
    )


def its_lines(big: bool) -> list[AuditQuestion]:
    answers = [None, *audit_blocks.ANSWER_LABELS]
    return [
        AuditQuestion(
            id=n,
            audit_id=5,
            seq=n,
            clause=pick(big, 20, "8.4") if n % 2 else None,
            question=pick(big, 5000, "Is it?"),
            answer=answers[n % len(answers)],
            note=pick(big, audit_forms.NOTE_MAX, "n") if n % 3 else None,
            nc_id=n if n % 5 == 0 else None,
        )
        for n in range(1, (200 if big else 1) + 1)
    ]


def its_findings(big: bool) -> list[AuditFinding]:
    kinds = list(audit_blocks.FINDING_LABELS)
    count = audit_forms.FINDINGS_MAX * len(kinds) if big else 0
    return [
        AuditFinding(
            id=n,
            audit_id=5,
            seq=n,
            kind=kinds[n % len(kinds)],
            text=pick(big, audit_forms.FINDING_MAX, "f"),
            nc_id=n if n % 2 else None,
        )
        for n in range(1, count + 1)
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("status", AUDIT_STATUSES)
def test_audits_in_every_status(status: str, size: str) -> None:
    big = size == "longest"
    audit, checklist, findings = an_audit(status, big), its_lines(big), its_findings(big)
    numbers = {n: f"NC-2026-{n:04d}" for n in range(1, 300)}
    view = audit_blocks.AuditView(audit, checklist, findings, numbers, its_files(big))
    audits = [an_audit(s, big) for s in AUDIT_STATUSES] * (MANY // 3 if big else 1)
    gaps = [longest(100) for _ in range(MANY)] if big else []
    replies = [
        audit_blocks.plan_modal([longest(75) for _ in range(MANY)] if big else [], TODAY, longest(75) if big else None),
        audit_blocks.complete_modal(audit, 10**6 if big else 0, [longest(audit_forms.NOTE_MAX)] * (MANY if big else 0)),
        *(audit_blocks.observation_modal(audit, line, ("C" * 20, "9" * 20)) for line in checklist[:3]),
        audit_blocks.checklist(audit, checklist, numbers, editable=True),
        audit_blocks.checklist(audit, checklist, numbers, editable=False),
        audit_blocks.record(view, TODAY),
        audit_blocks.planned_note(audit, True),
        audit_blocks.planned_note(audit, False),
        audit_blocks.completed_note(audit, findings, numbers),
        audit_blocks.programme(audit_blocks.Programme(TODAY, TODAY + timedelta(days=365), audits, gaps), TODAY),
        *(audit_blocks.reminder(audit, stage, TODAY) for stage in STAGES),
    ]
    assert_all(*replies)


# --- controlled documents ------------------------------------------------------------------------


def a_document(due: str, big: bool) -> ControlledDocument:
    offset = {"later": 200, "due soon": 10, "due today": 0, "overdue": -400}[due]
    return ControlledDocument(
        id=6,
        reference=pick(big, 40, "SOP-012"),
        reference_key="k",
        title=pick(big, 150, "Returns"),
        owner=ANNA.id,
        link=("https://example.com/" + "d" * 980) if big else None,
        revision=pick(big, 20, "C"),
        review_months=36 if big else 6,
        last_reviewed=TODAY - timedelta(days=1000),
        next_review=TODAY + timedelta(days=offset),
        added_by=QUINN.id,
        added_at=NOW,
    )


def its_reviews(big: bool) -> list[DocumentReview]:
    return [
        DocumentReview(
            id=n,
            document_id=6,
            reviewed_on=TODAY,
            reviewed_by=QUINN.id,
            outcome=("no_change", "revised")[n % 2],
            revision_before=pick(big, 20, "B"),
            revision_after=pick(big, 20, "C"),
            note=pick(big, 3000, "ok"),
            training_number="TR-2026-0001" if n % 3 else None,
            recorded_at=NOW,
        )
        for n in range(1, (MANY if big else 1) + 1)
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("due", ["later", "due soon", "due today", "overdue"])
def test_documents_in_every_state(due: str, size: str) -> None:
    big = size == "longest"
    doc, reviews = a_document(due, big), its_reviews(big)
    replies = [
        doc_blocks.add_modal(TODAY),
        Reply("buttons", [doc_blocks.review_buttons(doc)]),
        doc_blocks.escalation(doc, TODAY),
        *(doc_blocks.reviewed(doc, r) for r in reviews[:2]),
        doc_blocks.revise_modal(doc, GROUPS_MANY if big else [], TODAY),
        doc_blocks.revise_modal(doc, GROUPS_MANY if big else [], TODAY, ("C" * 20, "9" * 20)),
        doc_blocks.register([doc] * (MANY if big else 1), TODAY, 30),
        doc_blocks.register([], TODAY, 30),
        doc_blocks.document(doc, reviews, TODAY, 30, may_review=True, files=its_files(big)),
        doc_blocks.document(doc, reviews, TODAY, 30, may_review=False),
        *(doc_blocks.review_due(doc, stage, TODAY) for stage in STAGES),
    ]
    assert_all(*replies)


# --- management reviews --------------------------------------------------------------------------


def a_review(status: str, big: bool, n: int = 2) -> ManagementReview:
    held = status == "held"
    return ManagementReview(
        id=n,
        number=f"MR-2026-{n:04d}",
        planned_date=TODAY - timedelta(days=400) if big else TODAY,
        attendees=people(big)[: rv_forms.ATTENDEES_MAX] if big else [ANNA.id],
        recurrence=list(rv_blocks.RECURRENCE_LABELS)[-1 if big else 0],
        status=status,
        scheduled_by=QUINN.id,
        scheduled_at=NOW,
        previous_id=1 if big else None,
        held_on=TODAY if held else None,
        minutes=pick(big, rv_forms.MINUTES_MAX, "ok") if held else None,
        recorded_by=QUINN.id if held else None,
        recorded_at=NOW if held else None,
    )


def its_review_actions(big: bool) -> list[ReviewAction]:
    return [
        ReviewAction(
            id=n,
            review_id=2,
            seq=n,
            description=pick(big, rv_forms.ACTION_MAX, "do"),
            owner=ANNA.id,
            due_date=TODAY + timedelta(days=n - 3),
            status="done" if n % 2 else "open",
            done_by=BEN.id if n % 2 else None,
            done_at=NOW if n % 2 else None,
            evidence=pick(big, rv_forms.EVIDENCE_MAX, "e") if n % 2 else None,
        )
        for n in range(1, rv_blocks.OUTPUT_ROWS + 1)
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("status", REVIEW_STATUSES)
def test_management_reviews_in_every_status(status: str, size: str) -> None:
    big = size == "longest"
    review, acts = a_review(status, big), its_review_actions(big)
    successor = a_review("planned", big, 3) if status == "held" else None
    sections = [
        rv_blocks.PackSection(longest(150) if big else "Inputs", [longest(500)] * (MANY if big else 0), "none")
        for _ in range(12 if big else 1)
    ]
    pack = rv_blocks.Pack(review, TODAY - timedelta(days=365), TODAY, longest(200) if big else "since", sections)
    replies = [
        rv_blocks.schedule_modal(GROUPS_MANY if big else [], TODAY),
        rv_blocks.record_modal(review, TODAY),
        *(rv_blocks.done_modal(review, a) for a in acts),
        rv_blocks.scheduled_note(review, 14),
        rv_blocks.pack(pack),
        rv_blocks.record(review, acts, successor, TODAY, files=its_files(big)),
        rv_blocks.record(review, [], None, TODAY),
        *([rv_blocks.held_note(review, acts, successor)] if status == "held" else []),
        *(rv_blocks.action_assigned(review, a) for a in acts),
        *(rv_blocks.action_reminder(review, acts[0], stage, TODAY) for stage in STAGES),
        rv_blocks.record_overdue(review),
        rv_blocks.review_list([review] * (MANY if big else 1), 10**6 if big else 0),
        rv_blocks.review_list([], 0),
    ]
    assert_all(*replies)


# --- objectives and the digest -------------------------------------------------------------------


def standings(big: bool) -> list[Standing]:
    found = []
    for n, status in enumerate(STATUS_EMOJI):
        for direction in DIRECTIONS:
            objective = QualityObjective(
                id=10**9 + n if big else n + 1,
                name=pick(big, 100, "On time"),
                measure="manual",
                target=-1e300 if big else 95,
                direction=direction,
                unit=pick(big, 20, "%"),
                period="month",
                created_by=QUINN.id,
            )
            value = None if status == "no data" else (1.23456789e300 if big else 90.0)
            found.append(Standing(objective, "2026-11" if not big else longest(20), value, status))
    return found * (MANY // len(found) if big else 1)


@pytest.mark.parametrize("size", SIZES)
def test_objectives_and_the_digest(size: str) -> None:
    big = size == "longest"
    found = standings(big)
    assert {s.status for s in found} == set(STATUS_EMOJI)
    nc = an_nc(Status.ACTIONS_PLANNED, size)
    actions = its_actions(nc, 10, big)
    rounds = [(a_round("open", big), {"pending": 10**6, "acknowledged": 1})] * (MANY if big else 1)
    figures = Figures(10**6, 4.99, 10**6, 10**6, 0.5, 1.5) if big else Figures(0, None, 0, 0, None, None)
    audits = [an_audit(s, big) for s in AUDIT_STATUSES] * (MANY // 3 if big else 1)
    programme = audit_blocks.Programme(TODAY, TODAY + timedelta(days=365), audits, [longest(100)] * MANY)
    digest = Digest(
        week="2026-W48",
        first=TODAY - timedelta(days=7),
        last=TODAY,
        raised=10**6 if big else 0,
        raised_before=0,
        closed=0,
        closed_before=10**6 if big else 0,
        open_by_severity={"critical": 10**6, "major": 1, "minor": 1, "observation": 1} if big else {},
        overdue_actions=[(a, nc) for a in actions] * (MANY // 10 if big else 0),
        overdue_action_count=len(actions) * (MANY // 10 if big else 0),
        rounds=rounds if big else [],
        customers=figures,
        customers_before=Figures(0, None, 0, 0, None, None),
        ncs_due=[nc] * (MANY if big else 0),
        rounds_due=[a_round("open", big)] * (MANY if big else 0),
        objectives=found if big else [],
        programme=programme if big else None,
        audits_due=audits if big else [],
        reviews_due=[a_review("planned", big)] * (MANY if big else 0),
        document_reviews_overdue=10**6 if big else 0,
        today=TODAY,
        raised_so_far=10**6 if big else 0,
        closed_so_far=10**6 if big else 0,
        raised_lately=[nc] * (5 if big else 0),
        closed_lately=[nc] * (5 if big else 0),
        reviews_held=[(a_review("held", big, n), its_review_actions(big)) for n in range(3 if big else 0)],
    )
    assert len(lines(found)) == len(found)
    assert_all(new_modal(), render(digest))
