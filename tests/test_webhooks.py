"""Outbound webhooks: queued with the change, signed, retried, given up on and reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
import respx
from sqlmodel import select

from bot import feedback, training
from bot.delivery.webhooks import (
    EVENT_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSender,
    emit,
    verify_signature,
)
from bot.standin.sandbox import ANNA, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from bot.workspace.config import ConfigError, explicit_settings
from storage import webhooks as rows
from storage.audit import record_change
from storage.db import Database
from storage.models import OutboxMessage, TrainingAssignment, WebhookDelivery
from tests.flows import publish, raise_nc

ERP = "https://erp.example.test/qms/events"
TICKETS = "https://tickets.example.test/hook"
ERP_SECRET = "erp-secret-0123456789"
HOOKS = [
    {"name": "erp", "url": ERP, "events": ["nc.raised", "nc.closed", "action.done"], "secret": ERP_SECRET},
    {"url": TICKETS, "events": ["*"], "secret": "tickets-secret-abcdef"},
]


@pytest.fixture
def sb(clock: ManualClock, database_url: str) -> Iterator[Sandbox]:
    with Sandbox(
        clock=clock, database_url=database_url, settings={"webhooks": HOOKS, "webhook_max_attempts": 4}
    ) as sandbox:
        yield sandbox


def deliveries(sb: Sandbox, **where: object) -> list[WebhookDelivery]:
    with sb.db.session() as session:
        return rows.deliveries(session, **where)


def received(request: httpx.Request) -> dict:
    return json.loads(request.content)


# --- queued with the change ------------------------------------------------------------------


def test_an_nc_raised_in_slack_is_queued_for_each_endpoint_that_wants_it(sb: Sandbox) -> None:
    nc = raise_nc(sb)
    queued = deliveries(sb)
    assert sorted((d.endpoint, d.event_type) for d in queued) == [
        ("erp", "nc.raised"),
        ("tickets.example.test", "nc.raised"),
    ]
    assert queued[0].event_id == queued[1].event_id and queued[0].body == queued[1].body
    body = json.loads(queued[0].body)
    assert body["type"] == "nc.raised" and body["record"] == {"type": "nonconformity", "ref": nc.number}
    assert (
        body["actor"] == ANNA.id
        and body["data"]["after"]["title"] == nc.title
        and body["data"]["after"]["severity"] == "major"
    )


def test_an_audit_completed_and_a_review_held_reach_other_systems_with_what_they_found(sb: Sandbox) -> None:
    from bot import audits, reviews
    from bot.standin.sandbox import BEN

    audit = audits.plan(sb.ctx, QUINN.id, audits.Plan("Production", "Line 2", [], BEN.id, [], date(2026, 11, 30)))
    audits.complete(
        sb.ctx, audit.id or 0, BEN.id, audits.Completion("Fine", ["Scrap bin not labelled"], "minor", [], [])
    )
    review = reviews.schedule(sb.ctx, QUINN.id, reviews.Schedule(date(2026, 11, 25), [QUINN.id], "none"))
    reviews.record(
        sb.ctx,
        review.id or 0,
        QUINN.id,
        reviews.Minutes(date(2026, 11, 25), "Effective", [("Hire", ANNA.id, date(2027, 1, 4))]),
    )
    to_tickets = [d for d in deliveries(sb) if d.endpoint == "tickets.example.test"]
    assert [d.event_type for d in to_tickets] == [
        "audit.planned",
        "nc.raised",
        "audit.completed",
        "review.scheduled",
        "review.held",
    ]
    completed = json.loads(to_tickets[2].body)
    assert completed["record"] == {"type": "audit", "ref": "AU-2026-0001"}
    assert completed["data"]["after"]["findings"] == [
        {"kind": "nonconformity", "text": "Scrap bin not labelled", "nc": "NC-2026-0001"}
    ]
    held = json.loads(to_tickets[4].body)
    assert held["data"]["after"]["actions"][0]["owner"] == ANNA.id


def test_feedback_and_acknowledgements_go_to_the_endpoint_that_wants_everything(sb: Sandbox) -> None:
    entry = feedback.Entry("compliment", "ACME", None, "email", 5, "Great service", date(2026, 11, 24), None)
    feedback.log_feedback(sb.ctx, ANNA.id, entry)
    publish(sb, users=[ANNA.id])
    with sb.db.session() as session:
        assignment = session.exec(select(TrainingAssignment)).one()
    training.acknowledge(sb.ctx, assignment.id or 0, ANNA.id)
    got = [(d.endpoint, d.event_type) for d in deliveries(sb)]
    assert got == [
        ("tickets.example.test", "feedback.logged"),
        ("tickets.example.test", "training.published"),
        ("tickets.example.test", "training.acknowledged"),
    ]


def test_a_change_that_is_rolled_back_queues_nothing(sb: Sandbox) -> None:
    with pytest.raises(RuntimeError):
        with sb.db.session() as session:
            record_change(
                session,
                at=sb.clock.now(),
                actor=ANNA.id,
                record_type="nonconformity",
                record_ref="NC-2026-0042",
                action="raised",
            )
            assert len(rows.deliveries(session)) == 2  # queued in the change's own transaction...
            raise RuntimeError("the step failed half way")
    assert deliveries(sb) == []  # ...and gone with it


def test_emit_is_one_call_and_refuses_unknown_events(sb: Sandbox) -> None:
    with sb.db.session() as session:
        n = emit(
            session,
            sb.settings,
            "review.held",
            at=sb.clock.now(),
            actor=QUINN.id,
            record_type="management_review",
            record_ref="MR-2026-0001",
            data={"decisions": 3},
        )
        with pytest.raises(ValueError, match="unknown webhook event"):
            emit(
                session, sb.settings, "review.hold", at=sb.clock.now(), actor=QUINN.id, record_type="x", record_ref="x"
            )
    assert n == 1 and [d.event_type for d in deliveries(sb)] == ["review.held"]


def test_nc_steps_are_transitions_and_the_close_is_its_own_event(sb: Sandbox) -> None:
    from bot import nonconformity

    nc = raise_nc(sb)
    nonconformity.contain(sb.ctx, nc.id or 0, QUINN.id, "Quarantined the batch")
    types = [d.event_type for d in deliveries(sb, endpoint="tickets.example.test")]
    assert types == ["nc.raised", "nc.transitioned"]
    body = json.loads(deliveries(sb, event_type="nc.transitioned")[0].body)
    assert body["data"]["before"]["status"] == "open" and body["data"]["after"]["status"] == "contained"


# --- delivery ----------------------------------------------------------------------------------


def test_a_delivery_is_signed_so_the_receiver_can_check_it(sb: Sandbox) -> None:
    raise_nc(sb)
    with respx.mock(assert_all_called=True) as mock:
        erp = mock.post(ERP).mock(return_value=httpx.Response(204))
        mock.post(TICKETS).mock(return_value=httpx.Response(200, json={"ok": True}))
        report = sb.ctx.webhooks.drain()
    assert report.sent == 2 and report.failed == 0
    request = erp.calls.last.request
    assert request.headers[EVENT_HEADER] == "nc.raised"
    assert request.headers[IDEMPOTENCY_HEADER] == received(request)["id"]
    assert request.headers[TIMESTAMP_HEADER] == str(int(sb.clock.now().timestamp()))
    ok = verify_signature(
        ERP_SECRET,
        request.content,
        request.headers[TIMESTAMP_HEADER],
        request.headers[SIGNATURE_HEADER],
        sb.clock.now(),
    )
    assert ok is True
    assert not verify_signature(
        "another-secret-000000",
        request.content,
        request.headers[TIMESTAMP_HEADER],
        request.headers[SIGNATURE_HEADER],
        sb.clock.now(),
    )
    assert not verify_signature(
        ERP_SECRET,
        request.content.replace(b"major", b"minor"),
        request.headers[TIMESTAMP_HEADER],
        request.headers[SIGNATURE_HEADER],
        sb.clock.now(),
    )
    late = sb.clock.now() + timedelta(minutes=6)  # a replay after the tolerance
    assert not verify_signature(
        ERP_SECRET, request.content, request.headers[TIMESTAMP_HEADER], request.headers[SIGNATURE_HEADER], late
    )
    assert {d.status for d in deliveries(sb)} == {"sent"} and deliveries(sb, endpoint="erp")[0].last_status == 204


def test_a_500_is_retried_with_backoff_and_the_same_idempotency_key(sb: Sandbox) -> None:
    raise_nc(sb)
    with respx.mock(assert_all_called=False) as mock:
        erp = mock.post(ERP).mock(side_effect=[httpx.Response(500, text="database down"), httpx.Response(200)])
        mock.post(TICKETS).mock(return_value=httpx.Response(200))
        first = sb.ctx.webhooks.drain()
        assert (first.sent, first.retried) == (1, 1)
        pending = deliveries(sb, endpoint="erp")[0]
        assert pending.status == "pending" and pending.attempts == 1 and pending.last_status == 500
        assert pending.not_before == sb.clock.now() + timedelta(seconds=30) and "database down" in (
            pending.last_error or ""
        )
        sb.clock.advance(seconds=29)
        assert sb.ctx.webhooks.drain().sent == 0  # not before its time
        sb.clock.advance(seconds=1)
        assert sb.ctx.webhooks.drain().sent == 1
    one, two = erp.calls[0].request, erp.calls[1].request
    assert one.headers[IDEMPOTENCY_HEADER] == two.headers[IDEMPOTENCY_HEADER] and one.content == two.content
    assert one.headers[TIMESTAMP_HEADER] != two.headers[TIMESTAMP_HEADER]  # each attempt signed afresh
    assert deliveries(sb, endpoint="erp")[0].attempts == 2


def test_a_timeout_is_retried(sb: Sandbox) -> None:
    raise_nc(sb)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(ERP).mock(side_effect=httpx.ReadTimeout("no answer"))
        mock.post(TICKETS).mock(side_effect=httpx.ConnectError("connection refused"))
        report = sb.ctx.webhooks.drain()
    assert report.retried == 2 and report.sent == 0
    erp = deliveries(sb, endpoint="erp")[0]
    assert erp.status == "pending" and "timed out after 10 s" in (erp.last_error or "") and erp.last_status is None
    assert "ConnectError" in (deliveries(sb, endpoint="tickets.example.test")[0].last_error or "")


def test_a_permanent_4xx_fails_at_once_and_the_qms_managers_are_told(sb: Sandbox) -> None:
    raise_nc(sb)
    sb.ctx.sender.drain()
    with respx.mock(assert_all_called=False) as mock:
        erp = mock.post(ERP).mock(return_value=httpx.Response(410, text="endpoint retired"))
        mock.post(TICKETS).mock(return_value=httpx.Response(200))
        report = sb.ctx.webhooks.drain()
        sb.clock.advance(hours=2)
        assert sb.ctx.webhooks.drain().sent == 0
    assert report.failed == 1 and erp.call_count == 1
    failed = deliveries(sb, endpoint="erp")[0]
    assert failed.status == "failed" and failed.last_status == 410 and "endpoint retired" in (failed.last_error or "")
    sb.clock.set(sb.clock.now().replace(hour=9))  # in Quinn's working hours
    sb.ctx.sender.drain()
    told = [m["text"] for m in sb.fake.sent_messages(QUINN.id) if "webhook" in m["text"]]
    assert len(told) == 1 and "*erp*" in told[0] and "nc.raised" in told[0] and "HTTP 410" in told[0]
    sb.slack.command(QUINN, "/qms", "outbox")
    assert "Webhooks (2 endpoints): 0 waiting, 0 being sent, 1 delivered, 1 failed." in json.dumps(
        sb.slack.last_response()["blocks"]
    )


def test_429_and_408_are_retried_and_retry_after_is_honoured(sb: Sandbox) -> None:
    raise_nc(sb)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(ERP).mock(return_value=httpx.Response(429, headers={"Retry-After": "600"}))
        mock.post(TICKETS).mock(return_value=httpx.Response(408))
        assert sb.ctx.webhooks.drain().retried == 2
    assert deliveries(sb, endpoint="erp")[0].not_before == sb.clock.now() + timedelta(seconds=600)
    assert deliveries(sb, endpoint="tickets.example.test")[0].not_before == sb.clock.now() + timedelta(seconds=30)


def test_after_the_last_try_it_gives_up_and_tells_the_managers_once(sb: Sandbox) -> None:
    raise_nc(sb)
    with respx.mock(assert_all_called=False) as mock:
        erp = mock.post(ERP).mock(return_value=httpx.Response(503))
        mock.post(TICKETS).mock(return_value=httpx.Response(200))
        for _ in range(6):
            sb.ctx.webhooks.drain()
            sb.clock.advance(hours=1)
    assert erp.call_count == 4  # QMS_WEBHOOK_MAX_ATTEMPTS in this sandbox
    failed = deliveries(sb, endpoint="erp")[0]
    assert (
        failed.status == "failed"
        and failed.attempts == 4
        and failed.last_error.startswith("gave up after 4 tries: HTTP 503")
    )
    with sb.db.session() as session:
        notices = session.exec(select(OutboxMessage).where(OutboxMessage.key.like("webhook:%"))).all()  # type: ignore[attr-defined]
    assert [n.recipient for n in notices] == [QUINN.id]


def test_pending_deliveries_survive_a_restart(sb: Sandbox) -> None:
    raise_nc(sb)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(ERP).mock(side_effect=httpx.ConnectError("refused"))
        mock.post(TICKETS).mock(side_effect=httpx.ConnectError("refused"))
        sb.ctx.webhooks.drain()
    # The bot stops and another process starts on the same database.
    restarted = Database(sb.db.url)
    try:
        sender = WebhookSender(restarted, sb.settings, sb.clock, worker="after-restart")
        sb.clock.advance(seconds=30)
        with respx.mock(assert_all_called=True) as mock:
            mock.post(ERP).mock(return_value=httpx.Response(200))
            mock.post(TICKETS).mock(return_value=httpx.Response(200))
            assert sender.drain().sent == 2
    finally:
        restarted.dispose()


def test_a_sender_that_died_mid_send_is_taken_over_after_its_lease(sb: Sandbox) -> None:
    raise_nc(sb)
    with sb.db.session() as session:
        claimed = rows.claim_due(session, now=sb.clock.now(), limit=10, lease=timedelta(minutes=5), worker="crashed")
    assert len(claimed) == 2
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(ERP).mock(return_value=httpx.Response(200))
        mock.post(TICKETS).mock(return_value=httpx.Response(200))
        assert sb.ctx.webhooks.drain().sent == 0  # still leased to the sender that died
        sb.clock.advance(minutes=5, seconds=1)
        assert sb.ctx.webhooks.drain().sent == 2
    assert route.call_count == 1


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (
            '[{"url": "ftp://erp", "events": ["nc.raised"], "secret": "0123456789abcdef"}]',
            "url must start with https://",
        ),
        ('[{"url": "https://erp", "events": ["nc.rised"], "secret": "0123456789abcdef"}]', "unknown event 'nc.rised'"),
        ('[{"url": "https://erp", "events": [], "secret": "0123456789abcdef"}]', "list the events it wants"),
        ('[{"url": "https://erp", "events": ["*"], "secret": "short"}]', "secret must be at least 16 characters"),
        ('[{"url": "https://erp", "events": ["*"], "secret": "0123456789abcdef", "token": 1}]', "unknown key 'token'"),
        (
            '[{"url": "https://erp/a", "events": ["*"], "secret": "0123456789abcdef"}, {"url": "https://erp/b", "events": ["*"], "secret": "0123456789abcdef"}]',
            "two endpoints are called 'erp'",
        ),
        ('{"url": ', "expected a JSON array"),
    ],
)
def test_bad_webhook_settings_are_named(value: str, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        explicit_settings(webhooks=value)
    assert refused.value.lines[0].startswith("QMS_WEBHOOKS: ") and says in refused.value.lines[0]


def test_webhooks_from_the_environment_and_secrets_stay_out_of_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.workspace.config import load_settings

    monkeypatch.setenv(
        "QMS_WEBHOOKS", json.dumps([{"url": ERP, "events": "nc.raised, nc.closed", "secret": ERP_SECRET}])
    )
    settings = load_settings()
    (endpoint,) = settings.webhooks
    assert (endpoint.name, endpoint.events) == ("erp.example.test", ("nc.raised", "nc.closed"))
    assert endpoint.wants("nc.closed") and not endpoint.wants("feedback.logged")
    assert (
        ERP_SECRET not in repr(settings.webhooks)
        and settings.webhook_timeout_seconds == 10
        and settings.webhook_max_attempts == 10
    )
