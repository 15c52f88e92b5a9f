"""The register's forms and their checks: adding a document, recording a revision."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot import training
from bot.delivery.due import parse_day
from bot.documents import blocks
from bot.errors import Broken
from bot.workspace.people_checks import assignee_error
from storage import documents as store
from storage.models import ControlledDocument

if TYPE_CHECKING:
    from bot.context import Context

REFERENCE = re.compile(r"^[\w][\w./ -]*$")
MONTHS = {int(v) for _, v in blocks.INTERVALS}


@dataclass
class Registration:
    reference: str
    title: str
    owner: str
    revision: str
    link: str | None
    review_months: int
    last_reviewed: date


def _text_errors(text: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, what, limit, required in (
        ("reference", "reference", 40, True),
        ("title", "title", 150, True),
        ("revision", "revision", 20, True),
        ("link", "link", 1000, False),
    ):
        if required and not text[name]:
            errors[name] = f"Enter the {what}."
        elif len(text[name]) > limit:
            errors[name] = f"Keep the {what} under {limit} characters."
    if text["reference"] and "reference" not in errors and not REFERENCE.match(text["reference"]):
        errors["reference"] = "Use the reference as it is printed on the document, such as SOP-012."
    if text["revision"] and "revision" not in errors and not training.REVISION.match(text["revision"]):
        errors["revision"] = "Use the revision as it is printed, such as C or 2.1."
    if text["link"] and "link" not in errors and not training.LINK.match(text["link"]):
        errors["link"] = "Give a web address starting with https:// (or leave it empty)."
    return errors


def check_add(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Registration | None]:
    text = {name: (values.get(name) or "").strip() for name in ("reference", "title", "revision", "link")}
    errors = _text_errors(text)
    owner = values.get("owner")
    problem = assignee_error(ctx, owner) if owner else "Choose who owns the document."
    if problem:
        errors["owner"] = problem
    try:
        months = int(values.get("review_months") or "")
    except ValueError:
        months = 0
    if months not in MONTHS:
        errors["review_months"] = "Choose how often the document is reviewed."
    last = parse_day(values.get("last_reviewed"))
    if last is None:
        errors["last_reviewed"] = "Choose the date of the last review (or of issue) from the calendar."
    elif last > ctx.today():
        errors["last_reviewed"] = f"The last review cannot be in the future; today is {ctx.today():%d %b %Y}."
    if not errors:
        with ctx.db.session() as session:
            if store.by_key(session, training.reference_key(text["reference"])):
                errors["reference"] = (
                    f"{text['reference']} is already in the register; `/doc {text['reference']}` shows it."
                )
    if errors:
        return errors, None
    assert owner and last
    return {}, Registration(
        text["reference"], text["title"], owner, text["revision"], text["link"] or None, months, last
    )


def parse_seen(value: str) -> tuple[int, int | date]:
    """A button's value or form's metadata: `document id@version seen` (Broken when it is not).

    Review nudges posted before documents had a version carry the due date they were drawn
    for instead (`id@2026-03-01`); it is still accepted and read as that date."""
    raw_id, _, raw_seen = value.partition("@")
    try:
        document_id = int(raw_id)
        seen: int | date = int(raw_seen) if raw_seen.isdigit() else date.fromisoformat(raw_seen)
    except ValueError:
        raise Broken(f"{value!r} names no document review") from None
    if not 1 <= document_id <= 2**31 - 1 or (isinstance(seen, int) and not 1 <= seen <= 2**31 - 1):
        raise Broken("no document has this id")
    return document_id, seen


@dataclass
class Revision:
    revision: str
    summary: str
    link: str | None
    publication: training.Publication | None


def check_revision(
    ctx: Context, user: str, doc: ControlledDocument, values: dict[str, Any]
) -> tuple[dict[str, str], Revision | None]:
    """The revise form: the new revision, and when asked, the training round checked like `/training new`."""
    form = training.PublishForm(
        title=doc.title,
        doc_ref=doc.reference,
        revision=values.get("revision"),
        link=values.get("link") or doc.link,
        summary=values.get("summary"),
        users=values.get("users") or [],
        groups=values.get("groups") or [],
        channels=values.get("channels") or [],
        due_date=values.get("due_date"),
    )
    errors, publication = training.check_publish(ctx, doc.owner, form)
    revision = (values.get("revision") or "").strip()
    if revision and training.reference_key(revision) == training.reference_key(doc.revision):
        errors["revision"] = f"{doc.reference} is already at rev {doc.revision}; enter the new revision."
    wants_training = blocks.START_TRAINING in (values.get("training") or [])
    if not wants_training:
        # Without a round, the audience and date are not needed.
        errors = {k: v for k, v in errors.items() if k not in ("users", "groups", "channels", "due_date")}
    errors = {("revision" if k in ("title", "doc_ref") else k): v for k, v in errors.items()}
    if errors:
        return errors, None
    link = (values.get("link") or "").strip() or None
    return {}, Revision(revision, (values.get("summary") or "").strip(), link, publication if wants_training else None)
