"""/nc, the two "Raise nonconformity" shortcuts, and the buttons and modals of the NC card."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import audits
from bot import feedback
from bot import home
from bot.nonconformity import blocks as nc_blocks
from bot import nonconformity as nc
from bot.nonconformity.lifecycle import Step
from bot.surfaces.mrkdwn import plain_text, unescape
from bot.qms import help_reply
from bot.errors import NotAllowed
from handlers.audits import show_checklist
from handlers.common import answerer, ephemeral, form_values, open_from_message, open_modal, origin_ids, origin_message, record_id, teller

if TYPE_CHECKING:
    from bot.context import Context

RAISE_SHORTCUT = "raise_nc"
RAISE_FROM_MESSAGE = "raise_nc_from_message"
LIST_USAGE = "Use `/nc list mine`, `/nc list open` or `/nc list overdue`."


def _ids(value: str) -> tuple[int, int | None, int | None]:
    """A card button's value or a modal's metadata: `nc_id[:action_id][@version]`."""
    ids, _, version = value.partition("@")
    first, _, second = ids.partition(":")
    return record_id(first), record_id(second) if second else None, int(version) if version else None



def register(app: App, ctx: "Context") -> None:
    # --- raising ---

    @app.command("/nc")
    def on_nc(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = (command.get("text") or "").strip()
        words = text.split()
        first = words[0].lower() if words else ""
        if first == "help" and len(words) == 1:
            ack(response_type="ephemeral", **help_reply().as_kwargs())
            return
        if first == "list" and len(words) <= 2:
            which = words[1].lower() if len(words) == 2 else "mine"
            if which not in nc_blocks.LIST_TITLES:
                ack(response_type="ephemeral", text=LIST_USAGE)
                return
            ack()
            respond(response_type="ephemeral", **nc.list_reply(ctx, command["user_id"], which).as_kwargs())
            return
        if len(words) == 1 and nc.NUMBER.match(first):
            ack()
            respond(response_type="ephemeral", **nc.record_reply(ctx, first).as_kwargs())
            return
        ack()
        # Slack sends command text with &, < and > escaped; the form shows what was typed.
        form = nc.RaiseForm(title=unescape(text)[: nc.TITLE_MAX] or None)
        open_modal(client, command["trigger_id"], nc_blocks.raise_modal(ctx.settings, form), teller(respond))

    @app.shortcut(RAISE_SHORTCUT)
    def on_raise_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        # A global shortcut has no response URL: a failure is told by DM.
        open_modal(client, body["trigger_id"], nc_blocks.raise_modal(ctx.settings, nc.RaiseForm()), answerer(body, None, client))

    @app.message_shortcut(RAISE_FROM_MESSAGE)
    def on_raise_from_message(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()

        def form_for(typed: str, capture_id: int | None) -> dict[str, Any]:
            form = nc.RaiseForm(title=(typed.splitlines() or [""])[0][: nc.TITLE_MAX] or None, description=typed[: nc.TEXT_MAX] or None)
            return nc_blocks.raise_modal(ctx.settings, form, capture_id=capture_id)

        open_from_message(ctx, client, body, respond, form_for)

    @app.view(nc_blocks.RAISE_CALLBACK)
    def on_raise_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = form_values(view)
        form = nc.RaiseForm(**{name: values.get(name) for name in nc.RaiseForm.__dataclass_fields__})
        errors, draft = nc.check_raise(ctx, form)
        if errors or draft is None:
            ack(response_action="errors", errors=errors)
            return
        capture_id, complaint_id, audit_line = origin_ids(view, "capture", "complaint", "audit_line")
        reporter = body["user"]["id"]
        link = audits.link_line(ctx, audit_line, reporter) if audit_line else None
        try:
            record = nc.raise_nc(ctx, reporter, draft, capture_id, complaint_id, link)
        except (nc.Refused, audits.Refused, NotAllowed) as refused:
            ack(response_action="errors", errors={"title": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        assert record.id is not None
        nc.announce_raised(ctx, record.id)
        if complaint_id is not None:
            feedback.note_nc_raised(ctx, complaint_id, record.number, reporter)
            feedback.refresh_card(ctx, complaint_id)
        checklist_at = origin_message(view)
        if audit_line and checklist_at:
            show_checklist(ctx, body["user"]["id"], audit_line, checklist_at)
        home.publish(ctx, reporter)

    # --- the card's buttons: check on the server, then open the step's modal ---

    modals: dict[Step, Callable[[nc.Record, int | None], dict[str, Any]]] = {
        Step.CONTAIN: lambda r, _: nc_blocks.containment_modal(r),
        Step.RECORD_ROOT_CAUSE: lambda r, _: nc_blocks.root_cause_modal(r),
        Step.ADD_ACTION: lambda r, _: nc_blocks.action_modal(r, ctx.today()),
        Step.COMPLETE_ACTIONS: lambda r, a: nc_blocks.done_modal(r, next(x for x in r.actions if x.id == a)),
        Step.VERIFY_EFFECTIVE: lambda r, _: nc_blocks.verify_modal(r, ctx.settings.zone),
        Step.CANCEL: lambda r, _: nc_blocks.cancel_modal(r),
    }

    def on_step_button(step: Step) -> Callable[..., None]:
        def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
            ack()
            user = body["user"]["id"]
            try:
                nc_id, action_id, version = _ids(action.get("value", ""))
                if step is Step.COMPLETE_ACTIONS and action_id is None:
                    raise ValueError("no action")
            except ValueError:
                ephemeral(respond, "That button is broken; open the NC with `/nc NC-…` and try again.")
                return
            try:
                if step is Step.CLOSE:  # Slack's confirm dialog already asked "are you sure?"
                    closed = nc.close(ctx, nc_id, user, seen_version=version)
                    nc.refresh_cards(ctx, *nc.cards_touched(closed))
                    return
                record = nc.check_step(ctx, nc_id, step, user, action_id)
            except (NotAllowed, nc.Refused) as refused:
                ephemeral(respond, str(refused))
                return
            open_modal(client, body["trigger_id"], modals[step](record, action_id), teller(respond))

        return handle

    for step, action_id in nc_blocks.STEP_BUTTONS.items():
        app.action(action_id)(on_step_button(step))

    def on_recurrence(link: bool) -> Callable[..., None]:
        def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
            ack()
            try:
                settled = nc.settle_recurrence(ctx, record_id(action.get("value", "")), body["user"]["id"], link)
            except ValueError:
                ephemeral(respond, "That button is broken; open the NC with `/nc NC-…` and try again.")
                return
            except (NotAllowed, nc.Refused) as refused:
                ephemeral(respond, str(refused))
                return
            nc.refresh_cards(ctx, *nc.cards_touched(settled))

        return handle

    app.action(nc_blocks.LINK_RECURRENCE)(on_recurrence(True))
    app.action(nc_blocks.DISMISS_RECURRENCE)(on_recurrence(False))

    # --- the step modals: check the input, take the step, answer, then re-render the card ---

    def on_step_submit(first_block: str, take: Callable[[Submitted], Any]) -> Callable[..., None]:
        def handle(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            try:
                nc_id, action_id, version = _ids(view.get("private_metadata") or "")
            except ValueError:
                ack(response_action="errors", errors={first_block: "This form lost track of its NC; close it and use the card again."})
                return
            submitted = Submitted(nc_id, action_id, version, body["user"]["id"], form_values(view), str(view.get("id") or ""))
            try:
                changed = take(submitted)
            except Invalid as invalid:
                ack(response_action="errors", errors=invalid.errors)
                return
            except (NotAllowed, nc.Refused) as refused:
                # Field errors are plain text: mentions become names, no stray asterisks.
                ack(response_action="errors", errors={first_block: plain_text(str(refused), ctx.directory.name)})
                return
            ack()
            nc.refresh_cards(ctx, *nc.cards_touched(changed))
            home.publish(ctx, submitted.user)

        return handle

    def take_containment(s: Submitted) -> Any:
        text = _valid(*nc.required_text(s.values.get("containment"), "containment", "containment"))
        return nc.contain(ctx, s.nc_id, s.user, text)

    def take_root_cause(s: Submitted) -> Any:
        method, cause, elsewhere, note = (s.values.get(k) for k in ("method", "cause", "elsewhere", "elsewhere_note"))
        _valid(nc.check_root_cause(method, cause, elsewhere, note))
        return nc.record_root_cause(ctx, s.nc_id, s.user, method, cause.strip(), elsewhere, (note or "").strip() or None)

    def take_action(s: Submitted) -> Any:
        form = nc.ActionForm(s.values.get("kind"), s.values.get("description"), s.values.get("owner"), s.values.get("due_date"))
        checked = _valid(*nc.check_action(ctx, form))
        # The view ID names this one submission: sent twice, it adds the action once.
        return nc.add_action(ctx, s.nc_id, s.user, s.view_id or f"nc-{s.nc_id}", *checked)

    def take_done(s: Submitted) -> Any:
        evidence = _valid(*nc.required_text(s.values.get("evidence"), "evidence", "evidence"))
        if s.action_id is None:
            raise Invalid({"evidence": "This form lost track of its action; close it and use the card again."})
        return nc.complete_action(ctx, s.nc_id, s.action_id, s.user, evidence)

    def take_verification(s: Submitted) -> Any:
        result, note = s.values.get("result"), s.values.get("note")
        _valid(nc.check_verification(result, note))
        return nc.verify(ctx, s.nc_id, s.user, result == "effective", (note or "").strip() or None, seen_version=s.version)

    def take_cancel(s: Submitted) -> Any:
        reason = _valid(*nc.required_text(s.values.get("reason"), "reason", "reason"))
        return nc.cancel(ctx, s.nc_id, s.user, reason)

    for callback, first_block, take in (
        (nc_blocks.CONTAIN_CALLBACK, "containment", take_containment),
        (nc_blocks.ROOT_CAUSE_CALLBACK, "method", take_root_cause),
        (nc_blocks.ACTION_CALLBACK, "kind", take_action),
        (nc_blocks.DONE_CALLBACK, "evidence", take_done),
        (nc_blocks.VERIFY_CALLBACK, "result", take_verification),
        (nc_blocks.CANCEL_CALLBACK, "reason", take_cancel),
    ):
        app.view(callback)(on_step_submit(first_block, take))


@dataclass(frozen=True)
class Submitted:
    nc_id: int
    action_id: int | None
    version: int | None
    user: str
    values: dict[str, Any]
    view_id: str


class Invalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _valid(errors: dict[str, str], checked: Any = None) -> Any:
    """`checked` when `errors` is empty; else stop the submission with the errors shown in the modal."""
    if errors:
        raise Invalid(errors)
    return checked
