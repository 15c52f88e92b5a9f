"""What a publication and a question must be: the publish form's checks, who may publish, the question's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.errors import NotAllowed
from storage import documents as documents_store
from storage import trainings as store

if TYPE_CHECKING:
    from bot.context import Context

NUMBER = re.compile(r"^TR-(\d{4})-(\d{4,})$", re.IGNORECASE)
LINK = re.compile(r"^https?://[^\s<>|]+$")
DOC_REF = re.compile(r"^[\w][\w./ -]*$")
REVISION = re.compile(r"^[\w][\w. -]*$")
TITLE_MAX, DOC_MAX, REV_MAX, LINK_MAX, SUMMARY_MAX, QUESTION_MAX = 150, 40, 20, 1000, 2000, 2000
DEFAULT_DUE_DAYS = 14

# The publish form's text fields: (block, what it is called in an error, longest, required).
TEXT_FIELDS = (
    ("title", "title", TITLE_MAX, True),
    ("doc_ref", "document reference", DOC_MAX, True),
    ("revision", "revision", REV_MAX, True),
    ("link", "link", LINK_MAX, False),
    ("summary", "summary of what changed", SUMMARY_MAX, True),
)


def reference_key(text: str) -> str:
    """How a document reference or revision is compared: case and spacing do not matter."""
    return re.sub(r"\s+", " ", text.strip()).casefold()


def due_default(ctx: Context) -> date:
    return ctx.today() + timedelta(days=DEFAULT_DUE_DAYS)


def may_publish(ctx: Context, user: str) -> None:
    """QMS managers publish anything; document owners (in the register, or who published a
    document before the register held it) publish revisions."""
    if ctx.roles.is_manager(user):
        return
    with ctx.db.session() as session:
        if documents_store.owned_by(session, user) or store.has_published(session, user):
            return
    raise NotAllowed("Only QMS managers and document owners can publish a training. Ask your QMS manager.")


@dataclass
class PublishForm:
    title: str | None = None
    doc_ref: str | None = None
    revision: str | None = None
    link: str | None = None
    summary: str | None = None
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    due_date: str | None = None


@dataclass
class Publication:
    title: str
    doc_ref: str
    revision: str
    link: str | None
    summary: str
    users: list[str]
    groups: list[str]
    channels: list[str]
    due_date: date


def check_publish(ctx: Context, user: str, form: PublishForm) -> tuple[dict[str, str], Publication | None]:
    errors: dict[str, str] = {}
    values = _check_texts(form, errors)
    _check_formats(values, errors)
    if not (form.users or form.groups or form.channels):
        errors["users"] = "Choose who must read it: people, user groups or channels (any mix)."
    due = _check_due(ctx, form.due_date, errors)
    if not errors:
        _check_new_and_allowed(ctx, user, values, errors)
    if errors:
        return errors, None
    assert due is not None
    return {}, Publication(
        values["title"] or "",
        values["doc_ref"] or "",
        values["revision"] or "",
        values["link"],
        values["summary"] or "",
        list(dict.fromkeys(form.users)),
        list(dict.fromkeys(form.groups)),
        list(dict.fromkeys(form.channels)),
        due,
    )


def _check_texts(form: PublishForm, errors: dict[str, str]) -> dict[str, str | None]:
    """Each text field stripped (None when empty), with an error where it is missing or too long."""
    values: dict[str, str | None] = {}
    for name, what, limit, required in TEXT_FIELDS:
        value = (getattr(form, name) or "").strip() or None
        values[name] = value
        if value is None and required:
            errors[name] = f"Enter the {what}."
        elif value is not None and len(value) > limit:
            errors[name] = f"Keep the {what} under {limit} characters (it has {len(value)})."
    return values


def _check_formats(values: dict[str, str | None], errors: dict[str, str]) -> None:
    """References and revisions as they are printed; a link that is a web address."""
    if values["doc_ref"] and "doc_ref" not in errors and not DOC_REF.match(values["doc_ref"]):
        errors["doc_ref"] = "Use the document's reference as it is printed, such as SOP-012."
    if values["revision"] and "revision" not in errors and not REVISION.match(values["revision"]):
        errors["revision"] = "Use the revision as it is printed, such as C or 2.1."
    for name, limit in (("doc_ref", DOC_MAX), ("revision", REV_MAX)):
        if values[name] and name not in errors and len(reference_key(values[name] or "")) > limit:
            errors[name] = f"Keep this under {limit} characters."
    if values["link"] and "link" not in errors and not LINK.match(values["link"]):
        errors["link"] = "Give a web address starting with https:// (or leave it empty)."


def _check_due(ctx: Context, raw: str | None, errors: dict[str, str]) -> date | None:
    due = None
    try:
        due = date.fromisoformat(raw) if raw else None
    except ValueError:
        errors["due_date"] = "Choose the due date from the calendar."
    if due is None and "due_date" not in errors:
        errors["due_date"] = "Choose by when people must have read it."
    elif due is not None and due < ctx.today():
        errors["due_date"] = f"The due date cannot be in the past; today is {ctx.today():%d %b %Y}."
    return due


def _check_new_and_allowed(ctx: Context, user: str, values: dict[str, str | None], errors: dict[str, str]) -> None:
    """The revision was not published before, and `user` may publish this document."""
    doc_key, rev_key = reference_key(values["doc_ref"] or ""), reference_key(values["revision"] or "")
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        earlier = store.by_revision(session, doc_key, rev_key)
        registered = documents_store.by_key(session, doc_key)
        # The register names the owner; before a document is registered, whoever published it before.
        owners = [registered.owner] if registered else store.publishers_of(session, doc_key)
    if earlier is not None:
        errors["revision"] = (
            f"{values['doc_ref']} rev {values['revision']} was already published as {earlier.number}; a new revision starts a new round."
        )
    elif not manager and user not in owners:
        whose = (
            "its owner in the document register" if registered else "the owner (who published its earlier revisions)"
        )
        errors["doc_ref"] = f"Only QMS managers or {whose} can publish {values['doc_ref']}."


def check_question(text: str | None) -> tuple[dict[str, str], str]:
    question = (text or "").strip()
    if not question:
        return {"question": "Write your question."}, ""
    if len(question) > QUESTION_MAX:
        return {"question": f"Keep the question under {QUESTION_MAX} characters."}, ""
    return {}, question
