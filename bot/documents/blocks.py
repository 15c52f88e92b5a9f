"""Block Kit for the document register: the add and revise forms, the review nudge, lists."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot import evidence
from bot.delivery.versions import drawn
from bot.registry import Action, Callback
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    checkboxes,
    context,
    datepicker,
    header,
    input_block,
    modal,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import mention, safe
from bot.training import audience_inputs
from storage.models import ControlledDocument, DocumentReview, EvidenceFile

INTERVALS = [("6 months", "6"), ("1 year", "12"), ("2 years", "24"), ("3 years", "36")]
START_TRAINING = "start"


def add_modal(today: date) -> dict[str, Any]:
    blocks = [
        input_block("reference", "Reference", text_input("value", max_length=40, placeholder="e.g. SOP-012")),
        input_block(
            "title", "Title", text_input("value", max_length=150, placeholder="e.g. Control of nonconforming product")
        ),
        input_block("owner", "Owner", users_select("value"), hint="Reviews the document when it falls due."),
        input_block("revision", "Current revision", text_input("value", max_length=20, placeholder="e.g. C")),
        input_block("link", "Link", text_input("value", max_length=1000, placeholder="https://…"), optional=True),
        input_block("review_months", "Review every", static_select("value", INTERVALS, initial="12")),
        input_block(
            "last_reviewed",
            "Last reviewed",
            datepicker("value", initial=today),
            hint="The next review falls due one interval later.",
        ),
        _file_input("The current revision's file"),
    ]
    return modal(Callback.DOC_ADD, "Register document", blocks, submit="Register")


def _file_input(label: str) -> dict[str, Any]:
    return evidence.files_input(label, hint="The approved, signed copy as released (up to 10 files, 10 MB each).")


def _name(doc: ControlledDocument) -> str:
    return f"*{safe(doc.reference, 40)}* rev {safe(doc.revision, 20)} · {safe(doc.title, 150)}"


def _link(doc: ControlledDocument) -> str:
    # Checked when stored: http(s), no spaces, no < > |.
    return f" · <{doc.link.replace('&', '&amp;')}|open>" if doc.link else ""


def review_buttons(doc: ControlledDocument) -> dict[str, Any]:
    return actions(
        "doc_review",
        [
            button("Reviewed, no change", Action.DOC_REVIEWED_NO_CHANGE, drawn(doc), style="primary"),
            button("Revised", Action.DOC_REVISED, drawn(doc)),
        ],
    )


def review_due(doc: ControlledDocument, stage: str, today: date) -> Reply:
    if stage == "today":
        when = "falls due *today*"
    elif stage.startswith("before-"):
        when = f"falls due on *{doc.next_review:%d %b %Y}*"
    else:
        when = f"was due on {doc.next_review:%d %b %Y} and is *{(today - doc.next_review).days} days overdue*"
    text = f":page_facing_up: The review of {_name(doc)} {when}."
    hint = "Check it still describes how the work is done. If it does, say so; if you changed it, record the new revision (people can be asked to read it)."
    return Reply(text, [section(text + _link(doc)), context(hint), review_buttons(doc)])


def escalation(doc: ControlledDocument, today: date) -> Reply:
    text = f":warning: The review of {_name(doc)} (owner {mention(doc.owner)}) is {(today - doc.next_review).days} days overdue."
    return Reply(text)


def reviewed(doc: ControlledDocument, review: DocumentReview) -> Reply:
    did = (
        "confirmed it as it is"
        if review.outcome == "no_change"
        else f"revised it ({safe(review.revision_before, 20)} → {safe(review.revision_after, 20)})"
    )
    text = f":white_check_mark: {mention(review.reviewed_by)} reviewed {_name(doc)} on {review.reviewed_on:%d %b %Y} and {did}. Next review: *{doc.next_review:%d %b %Y}*."
    return Reply(text)


def revise_modal(
    doc: ControlledDocument, groups: list[tuple[str, str]], due: date, clicked: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The revise form; `clicked` is the review reminder it came from (redrawn once saved)."""
    blocks = [
        section(_name(doc)),
        input_block(
            "revision", "New revision", text_input("value", max_length=20, placeholder=f"after {doc.revision}")
        ),
        input_block(
            "summary",
            "What changed",
            text_input(
                "value",
                multiline=True,
                max_length=2000,
                placeholder="In two or three lines: what is new, what people must do differently",
            ),
        ),
        input_block(
            "link",
            "Link",
            text_input("value", max_length=1000, initial=doc.link, placeholder="https://…"),
            optional=True,
        ),
        _file_input("The new revision's file"),
        input_block(
            "training",
            "Training",
            checkboxes("value", [("Ask people to read and acknowledge the new revision", START_TRAINING)]),
            optional=True,
        ),
    ] + audience_inputs(groups, due, optional_due=True)
    origin: dict[str, Any] = {"document": doc.id, "seen": doc.version}
    if clicked:
        origin["clicked"] = list(clicked)
    return modal(Callback.DOC_REVISE, "Record a revision", blocks, submit="Save", private_metadata=json.dumps(origin))


def _status(doc: ControlledDocument, today: date, notice: int) -> str:
    days = (doc.next_review - today).days
    if days < 0:
        return f"*overdue* {-days} d"
    if days <= notice:
        return f"due in {days} d" if days else "due *today*"
    return f"next {doc.next_review:%d %b %Y}"


def register(docs: list[ControlledDocument], today: date, notice: int, limit: int = 40) -> Reply:
    if not docs:
        return Reply("The document register is empty. QMS managers add documents with `/doc add`.")
    overdue = sum(1 for d in docs if d.next_review < today)
    text = f"Document register: {len(docs)} documents, {overdue} reviews overdue"
    lines = [f"{_status(d, today, notice)} · {_name(d)} · {mention(d.owner)}" for d in docs]
    return Reply(
        text,
        [
            header("Document register"),
            section(capped_lines(lines, 2900, max_lines=limit)),
            context("Overdue and due soon first. `/doc SOP-012` shows one document with its reviews."),
        ],
    )


def document(
    doc: ControlledDocument,
    reviews: list[DocumentReview],
    today: date,
    notice: int,
    *,
    may_review: bool,
    files: list[EvidenceFile] | None = None,
) -> Reply:
    """One document with its reviews and the files kept of its revisions (`files`)."""
    lines = [
        f"{r.reviewed_on:%d %b %Y} {mention(r.reviewed_by)} "
        + (
            "no change"
            if r.outcome == "no_change"
            else f"revised {safe(r.revision_before, 20)} → {safe(r.revision_after, 20)}"
        )
        + (f" ({r.training_number})" if r.training_number else "")
        for r in reviews
    ]
    blocks = [
        header(f"{doc.reference} rev {doc.revision}"),
        section(
            f"{safe(doc.title, 150)}{_link(doc)}",
            fields=[
                f"*Owner*\n{mention(doc.owner)}",
                f"*Review*\nevery {doc.review_months} months",
                f"*Last reviewed*\n{doc.last_reviewed:%d %b %Y}",
                f"*Next review*\n{_status(doc, today, notice)}",
            ],
        ),
        section("*Reviews*\n" + (capped_lines(lines, 2800) if lines else "None recorded in the bot yet.")),
        *evidence.files_section(files or []),
    ]
    if may_review:
        blocks.append(review_buttons(doc))
    return Reply(f"{doc.reference} rev {doc.revision}: {safe(doc.title, 150)}", blocks)
