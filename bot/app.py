"""The composition root: settings, records, Slack client and listeners wired together."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import OperationalError

import handlers
from bot.context import Context
from bot.delivery.nudges import NudgeEngine, NudgeSource
from bot.delivery.outbox import Sender
from bot.delivery.trail import LaterTrail
from bot.delivery.webhooks import WebhookSender, audit_hook
from bot.evidence import EvidenceStore, open_store
from bot.workspace.clock import Clock, SystemClock
from bot.workspace.config import Settings
from bot.workspace.people import Directory
from bot.workspace.roles import Roles
from bot.workspace.slack import signed_by_slack, web_client
from storage.db import Database

log = logging.getLogger(__name__)

LISTENER_WORKERS = 32
DB_DOWN = "The records database is not reachable right now, so nothing was saved. Please try again in a minute."
DB_BUSY = "The records database was too busy to take this just now, so nothing was saved. Please try again."
SOMETHING_WRONG = "Something went wrong on our side and nothing was saved. Please try again; if it keeps happening, tell your QMS manager."


def feature_sources(directory: Directory | None = None) -> list[NudgeSource]:
    """The nudge sources of every feature (each feature adds its own here)."""
    from bot.audits import audit_nudges
    from bot.digest import digest_source
    from bot.documents import document_nudges
    from bot.equipment import equipment_nudges
    from bot.feedback import complaint_nudges
    from bot.nonconformity import nc_nudges
    from bot.outputs import disposition_nudges
    from bot.reviews import review_nudges
    from bot.risks import risk_nudges
    from bot.suppliers import supplier_nudges
    from bot.training import training_nudges

    # Leaders given as a user group are expanded through Slack (cached for ten minutes).
    return [
        *nc_nudges,
        disposition_nudges,
        *training_nudges,
        complaint_nudges,
        audit_nudges,
        document_nudges,
        equipment_nudges,
        *review_nudges,
        *risk_nudges,
        supplier_nudges,
        digest_source(directory.group_members if directory else None),
    ]


def build_context(
    settings: Settings,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    worker: str | None = None,
    sources: list[NudgeSource] | None = None,
    evidence: EvidenceStore | None = None,
) -> Context:
    clock = clock or SystemClock()
    db = db or Database(settings.database_url)
    client = web_client(settings)
    directory = Directory(client, clock)
    from bot.digest import CHART, chart_renderer
    from bot.export import EXPORT_FILE, export_renderer

    renderers = {
        CHART: chart_renderer(db, settings),
        EXPORT_FILE: export_renderer(db, settings, clock, directory.everyone),
    }
    sender = Sender(db, web_client(settings, for_outbox=True), directory, settings, clock, worker, renderers=renderers)
    engine = NudgeEngine(db, settings, clock, feature_sources(directory) if sources is None else sources)
    if settings.webhooks:
        # Every audit event queues its webhook events in its own transaction.
        db.audit_hooks["webhooks"] = audit_hook(settings)
    else:
        db.audit_hooks.pop("webhooks", None)
    webhooks = WebhookSender(db, settings, clock, worker=f"{worker}:webhooks" if worker else None)
    roles = Roles(settings, directory)
    evidence = evidence or open_store(settings, db, clock)
    return Context(settings, db, clock, client, directory, roles, sender, engine, webhooks, LaterTrail(db), evidence)


def create_app(ctx: Context, *, socket_mode: bool = False, process_before_response: bool = False) -> App:
    with _environment_token_hidden():
        app = _bolt_app(ctx, socket_mode, process_before_response)
    app.error(_on_error(ctx, socket_mode))
    handlers.register_all(app, ctx)
    return app


@contextmanager
def _environment_token_hidden() -> Iterator[None]:
    """Bolt takes SLACK_BOT_TOKEN from the environment when no `token` is given, then warns at
    every start that, given a `client` too, the token will be unused. The client (the
    settings' token, SLACK_API_URL, our retries) is the one credential it is given: the
    environment's copy stays out of its sight for the moment the App is made (at start-up)."""
    token = os.environ.pop("SLACK_BOT_TOKEN", None)
    try:
        yield
    finally:
        if token is not None:
            os.environ["SLACK_BOT_TOKEN"] = token


def _bolt_app(ctx: Context, socket_mode: bool, process_before_response: bool) -> App:
    return App(
        client=ctx.client,
        signing_secret=None if socket_mode else ctx.settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        process_before_response=process_before_response,
        # Bolt runs each listener on this pool and can only ack once a worker picks it up.
        # Its default of 5 workers, each held by the Slack calls after the ack, made
        # acks queue behind that work at 20 concurrent requests (bench/ack_latency.py).
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="bolt-listener"),
    )


def friendly_error(error: BaseException) -> str:
    if isinstance(error, OperationalError):
        # A lock waited for longer than storage.db.LOCK_WAIT_SECONDS: SQLite's "database is
        # locked", PostgreSQL's lock_timeout (SQLSTATE 55P03).
        busy = "database is locked" in str(error) or getattr(error.orig, "sqlstate", None) == "55P03"
        return DB_BUSY if busy else DB_DOWN
    return SOMETHING_WRONG


def _on_error(ctx: Context, socket_mode: bool) -> Any:
    # Over HTTP, only a request Slack signed may be answered: Bolt also brings here what its
    # verifier raised on, with the unverified body and whatever response_url it names.
    secret = ctx.settings.slack_signing_secret
    # Without a secret nothing can be verified over HTTP, so nothing is answered.
    verifier = SignatureVerifier(secret) if secret and not socket_mode else None

    def handle(
        error: Exception,
        body: dict[str, Any],
        request: BoltRequest,
        respond: Any,
        response: BoltResponse | None,
        logger: logging.Logger,
    ) -> BoltResponse | None:
        if not socket_mode and (verifier is None or not _signed(verifier, request)):
            logger.warning("refused a request that could not be verified: %s", type(error).__name__)
            return BoltResponse(status=401, body="")
        logger.error("listener failed: %s", error, exc_info=error)
        message = friendly_error(error)
        try:
            if body.get("response_url") or body.get("response_urls"):
                respond(text=message, response_type="ephemeral", replace_original=False)
                # The person has their answer: Slack must not add its own "failed with the
                # error" on top (it would, from Bolt's 500, when the ack waits for the work).
                return BoltResponse(status=200, body="")
            elif body.get("type") == "view_submission" and response is not None:
                # The modal was not answered yet: show the problem in it rather than Slack's
                # generic "trouble connecting".
                return BoltResponse(
                    status=200, body={"response_action": "errors", "errors": _first_input_error(body, message)}
                )
        except (SlackApiError, OSError):
            log.warning("could not tell the user about the error")
        return None

    return handle


def _signed(verifier: SignatureVerifier, request: BoltRequest) -> bool:
    first = {name: values[0] if values else None for name, values in request.headers.items()}
    return signed_by_slack(
        verifier, request.raw_body, first.get("x-slack-request-timestamp"), first.get("x-slack-signature")
    )


def _first_input_error(body: dict[str, Any], message: str) -> dict[str, str]:
    for block in body.get("view", {}).get("blocks", []):
        if block.get("type") == "input":
            return {block["block_id"]: message}
    return {}
