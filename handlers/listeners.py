"""The listener table and the one place a refusal is answered.

Each handler module lists its listeners as `LISTENERS = [command(...), action(...), ...]`:
plain top-level functions, which ask by parameter name for what they need (`ctx`, `ack`,
`body`, `client`, `respond`, and `command`, `action`, `view`, `event` or `shortcut` for the
payload), so each can be read, imported and called on its own. `register` puts them on the
Bolt app behind one wrapper that answers every `QmsError` in the surface the person used:

- a form: an error on a field of the form, while it is still open; a DM once it closed;
- a slash command: an ephemeral answer (in the ack when nothing was acked yet);
- an external select's options: no options (Slack has nowhere to show more);
- a button, a select or a message shortcut: an ephemeral message where they clicked, or a
  DM where Slack gives no response URL (the Home tab, a global shortcut).

A form sent again (the same view) is answered here as the first one was, and its listener is
not called twice (`bot.submissions`): the modal closes, and the table entry's `again` repeats
the confirmation that named the record.
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.context import Context
from bot.errors import Broken, Invalid, QmsError
from bot.submissions import Earlier, Resubmitted, Submission, sent_before
from bot.surfaces.mrkdwn import plain_text
from handlers.common import answerer

log = logging.getLogger(__name__)

CONTEXT_KEY = "qms"
ARRIVED_KEY = "qms_arrived"  # when the request reached the app (time.monotonic)
ACK_DEADLINE = 3.0  # seconds Slack waits for the acknowledgement
PAYLOAD_NAMES = ("command", "action", "view", "event", "shortcut")

# A form's answer to a repeated submission: (ctx, body, client, the record the first one named).
Again = Callable[[Context, dict[str, Any], WebClient, str], None]


@dataclass(frozen=True)
class Listener:
    kind: str  # command, shortcut, message_shortcut, action, view, event, options
    # A registry id, or a pattern derived from one (registry.item_action_ids) for buttons
    # shown once per item in an actions block.
    id: str | re.Pattern[str]
    fn: Callable[..., Any]
    # The form field a refusal is shown on (views); None: the form's first input block.
    field: str | None = None
    # What a person is told when the button's value or the form's metadata names no record.
    broken: str = "That button is broken; please open the record again and try once more."
    names: tuple[str, ...] = ()
    # Views: told again to a person who sent the same form twice, after the modal closes
    # (the confirmation that named the record); None when closing the modal is the answer.
    again: Again | None = None

    def register(self, app: App) -> None:
        listen = {
            "command": app.command,
            "shortcut": app.shortcut,
            "message_shortcut": app.message_shortcut,
            "action": app.action,
            "view": app.view,
            "event": app.event,
            # An external select's options: Slack's block_suggestion, answered in the ack.
            "options": app.options,
        }[self.kind]
        listen(self.id)(_answering(self))

    def hears(self, id: str) -> bool:
        """Whether Slack calling with `id` reaches this listener (as Bolt matches it)."""
        if isinstance(self.id, re.Pattern):
            return self.id.search(id) is not None
        return self.id == id


def _listener(kind: str) -> Callable[..., Listener]:
    def make(
        id: str | re.Pattern[str],
        fn: Callable[..., Any],
        *,
        field: str | None = None,
        broken: str | None = None,
        again: Again | None = None,
    ) -> Listener:
        names = tuple(inspect.signature(fn).parameters)
        extra = {"broken": broken} if broken else {}
        return Listener(kind, id, fn, field=field, names=names, again=again, **extra)

    return make


command = _listener("command")
shortcut = _listener("shortcut")
message_shortcut = _listener("message_shortcut")
action = _listener("action")
view = _listener("view")
event = _listener("event")
options = _listener("options")


class _TrackedAck:
    """Bolt's ack, remembering whether it was called (a refusal after the ack is told, not
    acked), and saying plainly when it came too late for Slack."""

    def __init__(self, ack: Ack, name: str = "", arrived: float | None = None) -> None:
        self._ack = ack
        self.done = False
        self.name = name
        self.arrived = time.monotonic() if arrived is None else arrived

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.done:
            self.done = True
            self.missed_deadline("answered Slack")
        return self._ack(*args, **kwargs)

    def missed_deadline(self, what: str) -> None:
        took = time.monotonic() - self.arrived
        if took > ACK_DEADLINE:
            log.warning(
                "%s %s %.1f s after the request arrived, past Slack's %g-second deadline: "
                "Slack showed the person an error while the work went on",
                self.name,
                what,
                took,
                ACK_DEADLINE,
            )


class _BoltDeadlineLines(logging.Filter):
    """Bolt's two lines for a late ack ("… didn't call ack()", then "Unhandled request …
    you can handle this with @app.view(…)") point at a listener that exists; the listener's
    own line (`_TrackedAck`) says what happened and how long it took, so these two go."""

    def __init__(self) -> None:
        super().__init__()
        self._missed = threading.local()  # both lines come from the request's own thread

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.endswith("didn't call ack()"):
            self._missed.pending = True
            return False
        if message.startswith("Unhandled request") and getattr(self._missed, "pending", False):
            self._missed.pending = False
            return False
        return True


def use_context(app: App, ctx: Context) -> None:
    """Put the Context where Bolt passes custom values to listeners: its `context`, with the
    moment the request arrived (the 3-second deadline counts from there)."""

    def put(context: BoltContext, next: Callable[[], None]) -> None:
        context[CONTEXT_KEY] = ctx
        context[ARRIVED_KEY] = time.monotonic()
        next()

    app.use(put)
    # Bolt's logger is one per process (slack_bolt.App): every app built (the tests build
    # hundreds) would otherwise add another filter to it.
    if not any(isinstance(f, _BoltDeadlineLines) for f in app.logger.filters):
        app.logger.addFilter(_BoltDeadlineLines())


def _answering(listener: Listener) -> Callable[..., None]:
    # Bolt injects arguments by these parameter names.
    def handle(
        ack: Ack,
        body: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        respond: Respond,
        payload: dict[str, Any],
    ) -> None:
        ctx: Context = context[CONTEXT_KEY]
        tracked = _TrackedAck(ack, listener.fn.__name__, context.get(ARRIVED_KEY))
        try:
            _handle(listener, ctx, tracked, body, client, context, respond, payload)
        finally:
            if not tracked.done:
                tracked.missed_deadline("finished without answering Slack")

    handle.__name__ = listener.fn.__name__
    handle.__qualname__ = listener.fn.__qualname__
    return handle


def _handle(
    listener: Listener,
    ctx: Context,
    tracked: _TrackedAck,
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
    payload: dict[str, Any],
) -> None:
    offered: dict[str, Any] = {
        "ctx": ctx,
        "ack": tracked,
        "body": body,
        "client": client,
        "respond": respond,
        "context": context,
    }
    offered.update({name: payload for name in PAYLOAD_NAMES})
    submission = offered["submission"] = submission_of(listener, body, payload)
    try:
        try:
            earlier = sent_before(ctx.db, submission) if submission else None
            if earlier is None:
                listener.fn(**{name: offered[name] for name in listener.names})
            else:
                _answer_again(listener, ctx, tracked, body, client, earlier)
        except Resubmitted as repeat:  # it raced the first one into its transaction, and lost
            _answer_again(listener, ctx, tracked, body, client, repeat.earlier)
    except Broken:
        _answer(listener, ctx, tracked, body, client, respond, listener.broken)
    except Invalid as invalid:
        if listener.kind == "view" and not tracked.done:
            tracked(response_action="errors", errors=invalid.errors)
        else:
            _answer(listener, ctx, tracked, body, client, respond, " ".join(invalid.errors.values()))
    except QmsError as refused:
        _answer(listener, ctx, tracked, body, client, respond, str(refused))


def submission_of(listener: Listener, body: dict[str, Any], view: dict[str, Any]) -> Submission | None:
    """A form's submission as Slack names it; None for anything else, or a view without an id."""
    if listener.kind != "view" or not view.get("id") or not view.get("callback_id"):
        return None
    return Submission(str(view["callback_id"]), str(view["id"]), str(body["user"]["id"]))


def _answer_again(
    listener: Listener, ctx: Context, ack: _TrackedAck, body: dict[str, Any], client: WebClient, earlier: Earlier
) -> None:
    if not ack.done:
        ack()  # the modal closes, as it did for the first
    if listener.again is not None:
        listener.again(ctx, body, client, earlier.record_ref)


def _answer(
    listener: Listener,
    ctx: Context,
    ack: _TrackedAck,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    text: str,
) -> None:
    if listener.kind == "view" and not ack.done:
        # Field errors are plain text: mentions become names, no stray asterisks.
        block = listener.field or first_input_block(body.get("view") or {})
        ack(response_action="errors", errors={block: plain_text(text, ctx.directory.name)})
        return
    if listener.kind == "options" and not ack.done:
        ack(options=[])  # a select's options have nowhere to show a refusal: it offers nothing
        log.warning("options for %s refused: %s", listener.id, text)
        return
    if listener.kind == "command" and not ack.done:
        ack(response_type="ephemeral", text=text)
        return
    if not ack.done:
        ack()
    if listener.kind == "event":
        log.warning("event %s refused: %s", listener.id, text)
        return
    answerer(body, respond if listener.kind not in ("view", "shortcut") else None, client)(text)


def first_input_block(view: dict[str, Any]) -> str:
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return ""
