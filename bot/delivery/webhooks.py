"""Outbound webhooks: QMS events POSTed to other systems, signed, at least once.

An event is written to the `webhook_delivery` queue in the same transaction as the change
that causes it (one row per endpoint that wants it), so a change is never sent without
being saved, nor saved without being sent. Most events come from the audit trail: every
appended audit event passes `events_of`, which names the webhook events it stands for
(`AUDIT_EVENTS` and the NC status rule). A feature with an event that is not an audit
event calls `emit(...)` in its transaction.

The sender claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL), POSTs each with httpx,
and retries timeouts, connection errors, 408, 429 and 5xx with backoff; any other 4xx is
final. A row that fails for good is reported to the QMS managers through the Slack outbox.
Receivers drop repeats by the `Idempotency-Key` header (the event's id).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel import Session

from bot.delivery.due import manager_recipients
from bot.delivery.outbox import Nudge, enqueue
from bot.surfaces.mrkdwn import escape, truncate
from bot.workspace.clock import Clock
from bot.workspace.config import WEBHOOK_EVENTS, Settings, WebhookEndpoint
from storage import webhooks as rows
from storage.audit import AuditHook
from storage.db import Database
from storage.models import AuditEvent, WebhookDelivery

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-QMS-Signature"
TIMESTAMP_HEADER = "X-QMS-Timestamp"
EVENT_HEADER = "X-QMS-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TOLERANCE_SECONDS = 300  # how old a signed timestamp a receiver should still accept
BACKOFF_FIRST, BACKOFF_MAX = 30, 3600  # seconds: 30 s doubling, at most an hour apart
RETRYABLE_4XX = frozenset({408, 425, 429})

# (record type, audit action) -> webhook event. A feature whose audit events should reach
# other systems adds its pairs here, e.g. ("audit", "completed"): "audit.completed".
AUDIT_EVENTS: dict[tuple[str, str], str] = {
    ("nonconformity", "raised"): "nc.raised",
    ("nonconformity", "closed"): "nc.closed",
    ("nonconformity", "action_added"): "action.added",
    ("nonconformity", "action_done"): "action.done",
    ("training", "published"): "training.published",
    ("training", "acknowledged"): "training.acknowledged",
    ("feedback", "logged"): "feedback.logged",
    ("feedback", "responded"): "feedback.transitioned",
    ("feedback", "resolved"): "feedback.transitioned",
    ("objective", "value_logged"): "objective.measured",
    ("audit", "planned"): "audit.planned",
    ("audit", "completed"): "audit.completed",
    ("document", "reviewed"): "document.reviewed",
    ("document", "revised"): "document.reviewed",
    ("management_review", "scheduled"): "review.scheduled",
    ("management_review", "held"): "review.held",
    ("management_review", "action_done"): "review_action.done",
}
assert set(AUDIT_EVENTS.values()) <= set(WEBHOOK_EVENTS)


def events_of(event: AuditEvent) -> list[str]:
    """The webhook events an audit event stands for.

    Any NC event whose before and after carry different NC statuses is also an
    `nc.transitioned` (an action's own status is under "action", so not mistaken for it).
    """
    found = []
    mapped = AUDIT_EVENTS.get((event.record_type, event.action))
    if mapped:
        found.append(mapped)
    before, after = event.before or {}, event.after or {}
    if (
        event.record_type == "nonconformity"
        and "action" not in before
        and "status" in before
        and "status" in after
        and before["status"] != after["status"]
    ):
        found.append("nc.transitioned")
    return found


def payload(
    event_id: str,
    event_type: str,
    *,
    at: datetime,
    actor: str,
    record_type: str,
    record_ref: str,
    data: dict[str, Any],
    trail_event: int | None = None,
) -> str:
    """The JSON body, exactly as sent (and signed) on every attempt."""
    body = {
        "id": event_id,
        "type": event_type,
        "occurred_at": at.isoformat(),
        "actor": actor,
        "record": {"type": record_type, "ref": record_ref},
        "data": data,
        "trail_event": trail_event,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def emit(
    session: Session,
    settings: Settings,
    event_type: str,
    *,
    at: datetime,
    actor: str,
    record_type: str,
    record_ref: str,
    data: dict[str, Any] | None = None,
    trail_event: int | None = None,
) -> int:
    """Queue `event_type` for every endpoint that wants it, in the caller's transaction.

    Returns how many deliveries were queued. One line for a feature:
    `emit(session, ctx.settings, "review.held", at=now, actor=user, record_type="management_review", record_ref=number, data={...})`.
    """
    if event_type not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}; add it to bot.workspace.config.WEBHOOK_EVENTS")
    wanting = [e for e in settings.webhooks if e.wants(event_type)]
    if not wanting:
        return 0
    event_id = uuid.uuid4().hex
    body = payload(
        event_id,
        event_type,
        at=at,
        actor=actor,
        record_type=record_type,
        record_ref=record_ref,
        data=data or {},
        trail_event=trail_event,
    )
    for endpoint in wanting:
        rows.add(
            session,
            WebhookDelivery(
                key=f"{event_id}:{endpoint.name}",
                event_id=event_id,
                event_type=event_type,
                endpoint=endpoint.name,
                url=endpoint.url,
                body=body,
                not_before=at,
                created_at=at,
            ),
        )
    return len(wanting)


def audit_hook(settings: Settings) -> AuditHook:
    """Queues the webhook events of each audit event (registered on the Database by bot/app.py)."""

    def queue(session: Session, event: AuditEvent) -> None:
        for event_type in events_of(event):
            emit(
                session,
                settings,
                event_type,
                at=event.at,
                actor=event.actor,
                record_type=event.record_type,
                record_ref=event.record_ref,
                trail_event=event.id,
                data={"action": event.action, "before": event.before, "after": event.after, "note": event.note},
            )

    return queue


# --- signing (the receiver's side is `verify_signature`) ----------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 with the endpoint's secret over `<timestamp>.<body>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str, body: bytes, timestamp: str, signature: str, now: datetime, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a receiver does: recompute the signature and refuse stale timestamps (replays)."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now.timestamp() - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature or "")


def headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": "qms-bot-webhooks/1",
        EVENT_HEADER: delivery.event_type,
        IDEMPOTENCY_HEADER: delivery.event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, delivery.body.encode()),
    }


# --- the sender ----------------------------------------------------------------------------


@dataclass
class WebhookReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost_lease: int = 0
    errors: list[str] = field(default_factory=list)


class _Retry(Exception):
    def __init__(self, error: str, status: int | None = None, wait: float | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.wait = wait


class _Final(Exception):
    def __init__(self, error: str, status: int | None = None) -> None:
        super().__init__(error)
        self.status = status


class WebhookSender:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        http: httpx.Client | None = None,
        worker: str | None = None,
        batch: int = 20,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.http = http or httpx.Client(follow_redirects=False)
        self.worker = worker or f"{socket.gethostname()}:webhooks:{id(self):x}"
        self.batch = batch
        self._busy = threading.Lock()

    @property
    def lease(self) -> timedelta:
        # Long enough for one batch of POSTs that all run into the timeout.
        return timedelta(seconds=max(60.0, self.settings.webhook_timeout_seconds * self.batch * 2))

    def send_due(self) -> WebhookReport:
        report = WebhookReport()
        if not self._busy.acquire(blocking=False):
            return report  # the previous tick is still sending
        try:
            with self.db.session() as session:
                claimed = rows.claim_due(
                    session, now=self.clock.now(), limit=self.batch, lease=self.lease, worker=self.worker
                )
            for delivery in claimed:
                self._deliver(delivery, report)
            return report
        finally:
            self._busy.release()

    def drain(self, max_rounds: int = 1000) -> WebhookReport:
        """Send until nothing is due now (tests and the demo)."""
        total = WebhookReport()
        for _ in range(max_rounds):
            report = self.send_due()
            for name in ("sent", "retried", "failed", "lost_lease"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.errors += report.errors
            if not (report.sent or report.retried or report.failed or report.lost_lease):
                break
        return total

    def _endpoint(self, name: str) -> WebhookEndpoint | None:
        return next((e for e in self.settings.webhooks if e.name == name), None)

    def _deliver(self, delivery: WebhookDelivery, report: WebhookReport) -> None:
        try:
            status = self._post(delivery)
        except _Retry as exc:
            report.errors.append(str(exc))
            self._retry(delivery, exc, report)
            return
        except _Final as exc:
            report.errors.append(str(exc))
            self._give_up(delivery, str(exc), exc.status, report)
            return
        with self.db.session() as session:
            held = rows.mark_sent(session, delivery.id or 0, self.worker, now=self.clock.now(), status=status)
        self._count(report, "sent", held)

    def _post(self, delivery: WebhookDelivery) -> int:
        """POST once; the status on success, else _Retry or _Final saying why."""
        endpoint = self._endpoint(delivery.endpoint)
        if endpoint is None:
            raise _Final(f"endpoint {delivery.endpoint!r} is no longer in QMS_WEBHOOKS")
        try:
            response = self.http.post(
                endpoint.url,
                content=delivery.body.encode(),
                headers=headers(endpoint, delivery, self.clock.now()),
                timeout=self.settings.webhook_timeout_seconds,
            )
        except httpx.TimeoutException as exc:
            raise _Retry(
                f"timed out after {self.settings.webhook_timeout_seconds:g} s ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:  # connection refused, DNS, TLS: may heal
            raise _Retry(f"{type(exc).__name__}: {exc}") from None
        code = response.status_code
        if 200 <= code < 300:
            return code
        reason = f"HTTP {code}: {truncate(response.text.strip(), 200) or response.reason_phrase}"
        if code >= 500 or code in RETRYABLE_4XX:
            raise _Retry(reason, code, _retry_after(response))
        raise _Final(reason, code)  # 3xx and other 4xx: the receiver will say the same next time

    def _retry(self, delivery: WebhookDelivery, exc: _Retry, report: WebhookReport) -> None:
        limit = self.settings.webhook_max_attempts
        if delivery.attempts + 1 >= limit:
            self._give_up(delivery, f"gave up after {limit} tries: {exc}", exc.status, report)
            return
        wait = max(min(BACKOFF_MAX, BACKOFF_FIRST * 2**delivery.attempts), exc.wait or 0)
        with self.db.session() as session:
            held = rows.retry_later(
                session,
                delivery.id or 0,
                self.worker,
                not_before=self.clock.now() + timedelta(seconds=wait),
                status=exc.status,
                error=str(exc),
            )
        self._count(report, "retried", held)

    def _give_up(self, delivery: WebhookDelivery, error: str, status: int | None, report: WebhookReport) -> None:
        """Mark it failed and tell the QMS managers, in one transaction: told exactly once."""
        now = self.clock.now()
        with self.db.session() as session:
            held = rows.mark_failed(session, delivery.id or 0, self.worker, status=status, error=error)
            if held:
                text = failure_notice(delivery, error)
                for recipient in manager_recipients(self.settings):
                    enqueue(session, Nudge(f"webhook:{delivery.id}:failed:{recipient}", recipient, text), now)
        self._count(report, "failed", held)

    def _count(self, report: WebhookReport, outcome: str, held: bool) -> None:
        if held:
            setattr(report, outcome, getattr(report, outcome) + 1)
        else:
            report.lost_lease += 1
            log.warning("webhook delivery was reclaimed by another sender before we settled it")


def failure_notice(delivery: WebhookDelivery, error: str) -> str:
    record = json.loads(delivery.body).get("record", {}).get("ref", "")
    return (
        f":warning: The webhook *{escape(delivery.endpoint)}* did not take the `{escape(delivery.event_type)}` event "
        f"for {escape(record)} (event `{delivery.event_id}`): {escape(truncate(error, 300))}. It will not be sent again; "
        f"the receiver may be missing this change. Check the endpoint ({escape(delivery.url)}) and QMS_WEBHOOKS."
    )


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None
