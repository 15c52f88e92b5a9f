"""Block Kit for customer feedback: the form, the complaint card, lists and figures. Pure."""

from __future__ import annotations

import json
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from bot import evidence
from bot.delivery.versions import drawn
from bot.registry import Action, Callback
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
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
from bot.surfaces.words import plural
from bot.workspace.captures import origin_lines, private_note
from storage.models import EvidenceFile, Feedback, MessageCapture

if TYPE_CHECKING:
    from bot.feedback.forms import FeedbackForm
    from bot.feedback.replies import Figures

RESPONSE_LABELS = {"received": "Received", "responded": "Customer answered", "resolved": "Resolved"}


KINDS = {"complaint": "Complaint", "compliment": "Compliment", "suggestion": "Suggestion", "survey": "Survey response"}
RECEIVED_VIA = {
    "email": "Email",
    "call": "Phone call",
    "meeting": "Meeting",
    "review_site": "Review site",
    "other": "Other",
}


def log_modal(
    form: FeedbackForm, today: date, *, capture_id: int | None = None, private_origin: bool = False
) -> dict[str, Any]:
    """The form; from a message in a private conversation it says why it is not filled from it."""
    rating = {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "5",
    }
    blocks = [context(private_note("feedback record"))] if private_origin else []
    blocks += [
        input_block(
            "kind", "Kind", static_select("value", [(label, key) for key, label in KINDS.items()], initial=form.kind)
        ),
        input_block(
            "customer",
            "Customer",
            text_input("value", max_length=150, initial=form.customer, placeholder="Name or account"),
        ),
        input_block(
            "product", "Product or service", text_input("value", max_length=150, initial=form.product), optional=True
        ),
        input_block(
            "received_via",
            "How it arrived",
            static_select(
                "value", [(label, key) for key, label in RECEIVED_VIA.items()], initial=form.received_via or "email"
            ),
        ),
        input_block("rating", "Rating (1 to 5)", rating, optional=True, hint="Required for a survey response."),
        input_block(
            "text", "What the customer said", text_input("value", multiline=True, max_length=3000, initial=form.text)
        ),
        input_block("received_on", "Received on", datepicker("value", initial=today)),
        input_block(
            "owner",
            "Who answers the customer",
            users_select("value"),
            optional=True,
            hint="Complaints only. Leave empty to answer yourself.",
        ),
        evidence.files_input(
            "The customer's e-mail or photos",
            hint="As it arrived: the e-mail, photos of the goods (up to 10 files, 10 MB each).",
        ),
    ]
    metadata = json.dumps({"capture": capture_id}) if capture_id else ""
    return modal(Callback.FEEDBACK_LOG, "Log customer feedback", blocks, submit="Log", private_metadata=metadata)


def _what(entry: Feedback) -> str:
    return f"{KINDS[entry.kind].lower()} from {safe(entry.customer, 150)}"


def ref(entry: Feedback) -> str:
    return f"<{entry.card_permalink}|{entry.number}>" if entry.card_permalink else entry.number


def confirmation(entry: Feedback, qms_channel: str | None) -> Reply:
    where = (
        f" It is on its way to {mention(qms_channel)} for follow-up."
        if entry.kind == "complaint" and qms_channel
        else ""
    )
    return Reply(f"Thanks: logged *{entry.number}*, {_what(entry)}.{where}")


def owner_steps(entry: Feedback) -> list[dict[str, Any]]:
    """The complaint's next step as a button, for its owner where they are told (a DM, a
    reminder): pressed there, it works as on the card (the server checks who presses)."""
    if entry.kind != "complaint" or entry.response not in ("received", "responded"):
        return []
    label = "Customer answered" if entry.response == "received" else "Resolved"
    return [
        actions(
            f"feedback_owner_{entry.response}", [button(label, Action.FEEDBACK_ADVANCE, drawn(entry), style="primary")]
        )
    ]


def owner_assigned(entry: Feedback) -> Reply:
    text = (
        f"You answer the customer for complaint *{ref(entry)}* ({safe(entry.customer, 150)}), by {entry.respond_by:%a %d %b %Y}. "
        "Press *Customer answered* once the customer has heard from you."
    )
    return Reply(text, [section(text), *owner_steps(entry)])


def owner_moved(entry: Feedback) -> Reply:
    """The owner's DM once a step is pressed there: what it says now, and the step after."""
    if entry.response == "responded":
        text = f":white_check_mark: Complaint *{ref(entry)}* ({safe(entry.customer, 150)}): the customer was answered. Press *Resolved* once it is settled."
    else:
        text = f":white_check_mark: Complaint *{ref(entry)}* ({safe(entry.customer, 150)}) is resolved."
    return Reply(text, [section(text), *owner_steps(entry)])


def told_logger(entry: Feedback, by: str) -> Reply:
    """To whoever logged a complaint: it was answered, or resolved (a hand-off said)."""
    done = "answered the customer" if entry.response == "responded" else "resolved it"
    text = f"Complaint *{ref(entry)}* that you logged ({safe(entry.customer, 150)}): {mention(by)} {done}."
    return Reply(text)


def respond_reminder(entry: Feedback, stage: str) -> Reply:
    when = (
        "today"
        if stage == "today"
        else (
            f"by {entry.respond_by:%a %d %b}"
            if stage.startswith("before")
            else f"since {entry.respond_by:%a %d %b} (*overdue*)"
        )
    )
    text = f":alarm_clock: The customer behind complaint *{ref(entry)}* ({safe(entry.customer, 150)}) is waiting for an answer {when}."
    return Reply(text, [section(text), *owner_steps(entry)])


def _fields(entry: Feedback, today: date, zone: tzinfo) -> list[str]:
    fields = [
        f"*Customer*\n{safe(entry.customer, 150)}",
        f"*Product or service*\n{safe(entry.product or '—', 150)}",
        f"*Received*\n{entry.received_on:%d %b %Y} · {RECEIVED_VIA[entry.received_via]}",
        f"*Logged by*\n{mention(entry.logged_by)}",
    ]
    if entry.rating is not None:
        fields.append(f"*Rating*\n{'★' * entry.rating}{'☆' * (5 - entry.rating)} ({entry.rating}/5)")
    if entry.kind == "complaint":
        state = RESPONSE_LABELS[entry.response]
        if entry.response == "received" and entry.respond_by:
            late = (today - entry.respond_by).days
            state += f" · answer by {entry.respond_by:%d %b}" + (f" (*{late} days late*)" if late > 0 else "")
        elif entry.responded_at:
            state += f" on {entry.responded_at.astimezone(zone):%d %b}"
        fields += [f"*Owner*\n{mention(entry.owner or '')}", f"*State*\n{state}"]
    return fields


def _origin(capture: MessageCapture | None, show_copy: bool) -> list[dict[str, Any]]:
    if capture is None:
        return []
    return [context(line) for line in origin_lines(capture, "Logged", show_copy=show_copy)]


def record(
    entry: Feedback,
    capture: MessageCapture | None,
    nc_number: str | None,
    today: date,
    zone: tzinfo,
    *,
    show_copy: bool = False,
    files: list[EvidenceFile] | None = None,
) -> Reply:
    """A feedback record, and a complaint's card; `show_copy` shows the copy of a message from
    a private conversation (for a reader who may see it: never on the card in the channel);
    `files` are the record's evidence files (the customer's e-mail, photos)."""
    blocks: list[dict[str, Any]] = [
        header(f"{entry.number} · {KINDS[entry.kind]} from {entry.customer}"),
        section(f"*What the customer said*\n{safe(entry.text, 2900)}"),
        section(None, fields=_fields(entry, today, zone)),
        *_origin(capture, show_copy),
        *evidence.files_section(files or []),
    ]
    if entry.kind != "complaint":
        return Reply(f"{entry.number}: {_what(entry)}", blocks)
    buttons = []
    if nc_number:
        blocks.append(context(f":warning: Raised as nonconformity *{nc_number}*"))
    else:
        buttons.append(button("Raise nonconformity", Action.FEEDBACK_RAISE_NC, drawn(entry), style="danger"))
    if entry.response == "received":
        buttons.append(button("Customer answered", Action.FEEDBACK_ADVANCE, drawn(entry), style="primary"))
    elif entry.response == "responded":
        buttons.append(button("Resolved", Action.FEEDBACK_ADVANCE, drawn(entry), style="primary"))
    if buttons:
        blocks.append(actions("feedback_steps", buttons))
    return Reply(
        f"{entry.number}: complaint from {safe(entry.customer, 150)} ({RESPONSE_LABELS[entry.response].lower()})",
        blocks,
    )


def _line(entry: Feedback, today: date) -> str:
    rating = f" · {entry.rating}/5" if entry.rating is not None else ""
    state = f" · {RESPONSE_LABELS[entry.response].lower()}" if entry.kind == "complaint" else ""
    return f"*{ref(entry)}* · {_what(entry)}{rating}{state} · {entry.received_on:%d %b}"


def feedback_list(complaints: list[Feedback], recent: list[Feedback], today: date) -> Reply:
    blocks = [
        section(
            f"*Open complaints* ({len(complaints)})\n"
            + (capped_lines([_line(e, today) for e in complaints], 2800, max_lines=15) if complaints else "_None._")
        ),
        section(
            "*Latest feedback*\n"
            + (
                capped_lines([_line(e, today) for e in recent], 2800)
                if recent
                else "_Nothing logged yet. `/feedback` logs the first._"
            )
        ),
    ]
    return Reply(f"Feedback: {len(complaints)} open complaints", blocks)


def figures(found: Figures, first: date, last: date) -> Reply:
    def show(value: float | None, unit: str = "") -> str:
        return "no data" if value is None else f"{value:g}{unit}"

    share = None if found.share_to_nc is None else round(found.share_to_nc * 100, 1)
    lines = [
        f"*Customer feedback {first:%d %b} – {last:%d %b %Y}*",
        f"Average rating: *{show(found.average_rating)}* from {plural(found.ratings, 'rating')}",
        f"Complaints: *{found.complaints}*, of which {found.complaints_with_nc} became nonconformities ({show(share, '%')})",
        f"Median time to answer a complaint: *{show(found.median_days_to_respond, ' days')}*",
    ]
    return Reply(lines[0].replace("*", ""), [section("\n".join(lines))])
