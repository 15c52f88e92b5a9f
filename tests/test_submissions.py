"""A form sent twice (the same view id) makes or changes its record once (issue 16.2)."""

from __future__ import annotations

from bot.standin.sandbox import ANNA, QUINN, Sandbox
from tests.flows import ANSWERS, PLAN, latest, record_counts, the_audits


def test_an_nc_form_sent_four_times_raises_one_nc_with_one_card_and_one_dm(sandbox: Sandbox) -> None:
    sb = sandbox
    sb.slack.command(ANNA, "/nc")
    view = sb.slack.last_view()
    answers = {**ANSWERS, "owner": QUINN.id}
    responses = [sb.slack.submit(ANNA, view, answers) for _ in range(4)]
    assert all(r.status_code == 200 and not r.content for r in responses)  # each closes the modal
    assert record_counts(sb)["nonconformity"] == 1
    sb.ctx.sender.drain()
    nc = latest(sb)
    cards = [c for c in sb.fake.calls_to("chat.postMessage", ok=True) if nc.number in str(c.args.get("text"))]
    assert len([c for c in cards if c.args["channel"] == nc.card_channel]) == 1
    assert len([m for m in sb.fake.sent_messages(QUINN.id) if nc.number in m["text"]]) == 1
    assert len([m for m in sb.fake.sent_messages(ANNA.id) if nc.number in m["text"]]) == 1


def test_a_refused_form_claims_nothing_and_can_be_fixed_and_sent_again(sandbox: Sandbox) -> None:
    sb = sandbox
    sb.slack.command(ANNA, "/nc")
    view = sb.slack.last_view()
    refused = sb.slack.submit(ANNA, view, {**ANSWERS, "title": "   "}).json()
    assert "title" in refused["errors"]
    assert not sb.slack.submit(ANNA, view, ANSWERS).content
    assert record_counts(sb)["nonconformity"] == 1


def test_an_audit_plan_sent_twice_plans_one_audit_and_confirms_it_again(sandbox: Sandbox) -> None:
    sb = sandbox
    sb.slack.command(QUINN, "/audit", "plan")
    view = sb.slack.last_view()
    assert not sb.slack.submit(QUINN, view, PLAN).content
    assert not sb.slack.submit(QUINN, view, PLAN).content
    (audit,) = the_audits(sb)
    told = [m["text"] for m in sb.fake.sent_messages(QUINN.id) if m["text"].startswith("Planned")]
    assert told == [told[0], told[0]] and audit.number in told[0]
