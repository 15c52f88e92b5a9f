"""Nonconformities through the real app: raise, work, verify, close; bad input, races, nudges."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any

import pytest
from sqlmodel import select

from bot.nonconformity import modals as nc_modals
from bot.registry import Callback
from bot.standin.sandbox import ANNA, BEN, LENA, QMS_CHANNEL, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage import nonconformities as store
from storage import outbox as outbox_rows
from storage.audit import history
from storage.models import Nonconformity, OutboxMessage, RecordSequence
from tests.flows import ANSWERS, actions_of, close_quickly, latest, press, raise_nc, reload, step, work_to_actions_done
from tests.flows import nc_card as card

dumps = partial(json.dumps, ensure_ascii=False)


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


# --- helpers: what a person does in Slack ---------------------------------------------------


def card_buttons(sb: Sandbox, nc: Nonconformity) -> dict[str, tuple[str, str, str]]:
    return sb.buttons(card(sb, nc))


def last_ephemeral(sb: Sandbox) -> str:
    return str(sb.slack.last_response()["text"])


def thread_of(sb: Sandbox, nc: Nonconformity) -> list[str]:
    nc = reload(sb, nc)
    return [m["text"] for m in sb.fake.sent_messages(nc.card_channel) if m.get("thread_ts") == nc.card_ts]


def everything_rendered(sb: Sandbox) -> str:
    """Every text Slack renders as mrkdwn (where `<!channel>` would ping): message texts and mrkdwn objects.

    plain_text objects (headers, inputs, buttons) are shown as typed and never ping.
    """
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for args in [c.args for c in sb.fake.calls] + [r.args for r in sb.fake.responses]:
        found.append(str(args.get("text", "")))
        walk(args.get("blocks"))
        walk(args.get("view"))
    return "\n".join(found)


# --- raising -------------------------------------------------------------------------------


def test_nc_with_text_prefills_the_title_and_the_shortcut_opens_the_same_form(sb: Sandbox) -> None:
    sb.slack.command(ANNA, "/nc", "Scratched housing on line 2")
    view = sb.slack.last_view()
    assert view["callback_id"] == Callback.NC_RAISE
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "Scratched housing on line 2"
    sb.slack.shortcut(BEN, "raise_nc")
    assert [b["block_id"] for b in sb.slack.last_view()["blocks"]] == [b["block_id"] for b in view["blocks"]]
    process = next(b for b in view["blocks"] if b["block_id"] == "process")
    assert [o["value"] for o in process["element"]["options"]] == sb.settings.processes


def test_raising_numbers_the_nc_posts_the_card_tells_the_owner_and_confirms(sb: Sandbox) -> None:
    nc = raise_nc(sb)
    assert nc.number == "NC-2026-0001" and nc.status == "open"
    assert nc.owner == QUINN.id  # no process owner configured: the QMS manager
    assert nc.due_date == date(2026, 11, 25) + timedelta(days=30)  # major: 30 days
    shown = card(sb, nc)
    assert shown["channel"] == QMS_CHANNEL and "NC-2026-0001 · Label missing on batch 4711" in dumps(shown["blocks"])
    assert set(card_buttons(sb, nc)) == {"Record containment", "Affected output", "Cancel NC"}
    sb.ctx.sender.drain()
    confirmation = sb.fake.sent_messages(ANNA.id)[-1]["text"]
    assert "NC-2026-0001" in confirmation and reload(sb, nc).card_permalink in confirmation
    assert "You own" in sb.fake.sent_messages(QUINN.id)[-1]["text"]
    assert [e.action for e in history_of(sb, nc)] == ["raised"]


def history_of(sb: Sandbox, nc: Nonconformity) -> list[Any]:
    sb.ctx.later_trail.flush()  # refused attempts are written after the answer
    with sb.db.session() as session:
        return history(session, "nonconformity", nc.number)


def test_the_reporters_home_tab_is_redrawn_only_when_the_new_nc_shows_there(sb: Sandbox) -> None:
    """An employee's Home lists what they own, not what they raised: raising an NC for someone
    else leaves it as it is; raising one they own, or as a QMS manager, redraws it."""

    def redrawn(person: Any) -> int:
        return sum(c.args.get("user_id") == person.id for c in sb.fake.calls_to("views.publish"))

    raise_nc(sb, BEN, owner=ANNA.id)
    assert redrawn(BEN) == 0
    raise_nc(sb, BEN, owner=BEN.id)
    assert redrawn(BEN) == 1
    raise_nc(sb, QUINN, owner=ANNA.id)
    assert redrawn(QUINN) == 1


def test_the_process_owner_owns_by_default_and_a_chosen_owner_wins(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"process_owners": {"Production": BEN.id}}) as sb:
        assert raise_nc(sb).owner == BEN.id
        assert raise_nc(sb, owner=LENA.id, due_date="2026-12-01").owner == LENA.id
        assert latest(sb).due_date == date(2026, 12, 1)


def test_raising_from_a_message_keeps_a_copy_the_author_and_the_permalink(sb: Sandbox) -> None:
    sb.fake.add_channel("C0WAREHOUS", "warehouse", [BEN.id])  # a public channel: Slack knows it
    original = {
        "type": "message",
        "user": BEN.id,
        "text": "Forklift &amp; pallet damaged &lt;again&gt;\nRack 7 bent",
        "ts": "1764064800.000200",
    }
    sb.slack.message_shortcut(ANNA, "raise_nc_from_message", original, "C0WAREHOUS")
    view = sb.slack.last_view()
    prefilled = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert prefilled["title"] == "Forklift & pallet damaged <again>"
    assert prefilled["description"] == "Forklift & pallet damaged <again>\nRack 7 bent"
    response = sb.slack.submit(
        ANNA, view, {**ANSWERS, "title": prefilled["title"], "description": prefilled["description"]}
    )
    assert not response.content
    nc = latest(sb)
    with sb.db.session() as session:
        capture = store.get_capture(session, nc.origin_id)  # type: ignore[arg-type]
    assert capture is not None and capture.author == BEN.id and capture.channel == "C0WAREHOUS"
    assert capture.text == original["text"] and capture.permalink and "p1764064800000200" in capture.permalink
    context = dumps(card(sb, nc)["blocks"])
    assert capture.permalink in context and f"<@{BEN.id}>" in context
    # Another person's submission cannot claim this capture.
    forged = {**view, "id": "V0FORGED01", "private_metadata": json.dumps({"capture": capture.id})}
    sb.slack.submit(BEN, forged, ANSWERS)
    assert latest(sb).origin_id is None


BAD_INPUTS = [
    ({"title": "   "}, "title", "Enter the title"),
    ({"title": "\u200b\u2060\ufeff \u200d"}, "title", "Enter the title"),  # invisible characters only
    ({"description": "x" * 3001}, "description", "under 3000"),
    ({"due_date": "2026-11-24"}, "due_date", "cannot be in the past"),
    ({"owner": "U0QMSBOT01"}, "owner", "is a bot"),
    ({"owner": "U0GONE0001"}, "owner", "deactivated"),
    ({"owner": "U0NOBODY01"}, "owner", "Slack does not know"),
    ({"source": "supplier"}, "supplier", "Name the supplier"),
    ({"iso_clause": "3.9"}, "iso_clause", "ISO 9001 clause"),
    ({"process": "Space travel"}, "process", "Choose the process"),
    ({"severity": None}, "severity", "how severe"),
]


@pytest.mark.parametrize(("change", "block", "message"), BAD_INPUTS, ids=[b[1] + "-" + b[2][:12] for b in BAD_INPUTS])
def test_bad_input_is_answered_in_the_modal_and_nothing_is_stored(
    sb: Sandbox, change: dict[str, Any], block: str, message: str
) -> None:
    sb.fake.add_user("U0GONE0001", "gone", real_name="Gone Person", deleted=True)
    sb.slack.command(ANNA, "/nc")
    response = sb.slack.submit(ANNA, sb.slack.last_view(), {**ANSWERS, **change})
    body = response.json()
    assert body["response_action"] == "errors" and message in body["errors"][block]
    with sb.db.session() as session:
        assert session.exec(select(Nonconformity)).all() == []
        assert session.exec(select(RecordSequence)).all() == []  # no number was used up
    assert sb.fake.calls_to("chat.postMessage") == []


def test_a_supplier_nc_names_the_supplier_and_a_clause_is_kept(sb: Sandbox) -> None:
    nc = raise_nc(sb, source="supplier", supplier="ACME Plastics", iso_clause="8.4.1")
    assert (nc.supplier, nc.iso_clause) == ("ACME Plastics", "8.4.1")
    assert "Supplier: ACME Plastics" in dumps(card(sb, nc)["blocks"])


def test_concurrent_submissions_get_distinct_numbers_without_gaps(clock: ManualClock, database_url: str) -> None:
    with Sandbox(clock=clock, database_url=database_url) as sb:
        views = []
        for _ in range(8):
            sb.slack.command(ANNA, "/nc")
            views.append(sb.slack.last_view())
        errors: list[BaseException] = []

        def submit(view: dict[str, Any], n: int) -> None:
            try:
                response = sb.slack.submit(ANNA, view, {**ANSWERS, "title": f"Parallel {n}"})
                assert response.status_code == 200 and not response.content
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=submit, args=(v, n)) for n, v in enumerate(views)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with sb.db.session() as session:
            numbers = sorted(nc.number for nc in session.exec(select(Nonconformity)))
        assert numbers == [f"NC-2026-{n:04d}" for n in range(1, 9)]
        assert len(sb.fake.sent_messages(QMS_CHANNEL)) == 8


# --- working it ------------------------------------------------------------------------------


def test_an_nc_is_worked_to_a_verified_close(clock: ManualClock, database_url: str) -> None:
    with Sandbox(clock=clock, database_url=database_url, settings={"process_owners": {"Production": ANNA.id}}) as sb:
        nc = raise_nc(sb, containment="Stopped packing line 2")
        first_ts = reload(sb, nc).card_ts
        assert (
            step(sb, ANNA, nc, "Record containment", {"containment": "Batch 4711 quarantined, 12 cartons relabelled"})
            == {}
        )
        assert reload(sb, nc).status == "contained"
        answer = step(
            sb,
            ANNA,
            nc,
            "Record root cause",
            {"method": "five_whys", "cause": "Label roll ran out", "elsewhere": "yes"},
        )
        assert "Say where else" in answer["errors"]["elsewhere_note"]
        sb.slack.submit(
            ANNA,
            sb.slack.last_view(),
            {
                "method": "five_whys",
                "cause": "Label roll ran out\nNo low-label alarm",
                "elsewhere": "yes",
                "elsewhere_note": "Line 3 has the same printer",
            },
        )
        assert reload(sb, nc).status == "root_cause_found"
        assert (
            step(
                sb,
                ANNA,
                nc,
                "Add action",
                {
                    "kind": "corrective",
                    "description": "Fit a low-label sensor",
                    "owner": BEN.id,
                    "due_date": "2026-12-10",
                },
            )
            == {}
        )
        assert (
            step(
                sb,
                ANNA,
                nc,
                "Add action",
                {
                    "kind": "preventive",
                    "description": "Same sensor on line 3",
                    "owner": ANNA.id,
                    "due_date": "2026-12-15",
                },
            )
            == {}
        )
        assert reload(sb, nc).status == "actions_planned"
        assert {"Mark A1 done", "Mark A2 done", "Add action"} <= set(card_buttons(sb, nc))
        assert step(sb, BEN, nc, "Mark A1 done", {"evidence": "Sensor fitted, work order 7781"}) == {}
        assert reload(sb, nc).status == "actions_planned"
        assert step(sb, ANNA, nc, "Mark A2 done", {"evidence": "Line 3 sensor fitted, WO 7782"}) == {}
        assert reload(sb, nc).status == "actions_done"
        assert (
            step(
                sb,
                QUINN,
                nc,
                "Verify effectiveness",
                {"result": "effective", "note": "No missing labels in 40 batches"},
            )
            == {}
        )
        assert reload(sb, nc).status == "effectiveness_verified"
        press(sb, QUINN, nc, "Close NC")
        done = reload(sb, nc)
        assert done.status == "closed" and done.closed_by == QUINN.id and done.card_ts == first_ts
        assert card_buttons(sb, nc) == {}  # a closed NC offers nothing more
        assert len([c for c in sb.fake.calls_to("chat.update", ok=True) if c.args["ts"] == first_ts]) >= 8
        sb.ctx.sender.drain()
        thread = thread_of(sb, nc)
        assert len(thread) == 9 and "recorded containment" in thread[0] and "closed NC-2026-0001" in thread[-1]
        assert [e.action for e in history_of(sb, nc)] == [
            "raised",
            "contained",
            "root_cause_found",
            "action_added",
            "action_added",
            "action_done",
            "action_done",
            "actions_done",
            "effectiveness_verified",
            "closed",
        ]
        contained = history_of(sb, nc)[1]
        assert contained.before == {"status": "open", "containment": None} and contained.after["status"] == "contained"
        assert [(a.seq, a.owner, a.done_by) for a in actions_of(sb, nc)] == [(1, BEN.id, BEN.id), (2, ANNA.id, ANNA.id)]


def test_not_effective_sends_the_nc_back_to_root_cause(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    work_to_actions_done(sb, nc)
    answer = step(sb, QUINN, nc, "Verify effectiveness", {"result": "not_effective"})
    assert "Say what showed" in answer["errors"]["note"]
    sb.slack.submit(
        QUINN, sb.slack.last_view(), {"result": "not_effective", "note": "Labels missing again on batch 4790"}
    )
    back = reload(sb, nc)
    assert back.status == "contained" and back.failed_verifications == 1 and back.verified_by is None
    assert "Record root cause" in card_buttons(sb, nc)
    assert "Effectiveness check failed" in dumps(card(sb, nc)["blocks"])


def test_cancelling_needs_a_reason_and_a_qms_manager(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    press(sb, ANNA, nc, "Cancel NC")
    assert "Only a QMS manager" in last_ephemeral(sb) and f"<@{QUINN.id}>" in last_ephemeral(sb)
    answer = step(sb, QUINN, nc, "Cancel NC", {"reason": "   "})
    assert "reason" in answer["errors"]
    sb.slack.submit(QUINN, sb.slack.last_view(), {"reason": "Customer label is optional for this order"})
    cancelled = reload(sb, nc)
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "Customer label is optional for this order"
    assert "not a nonconformity" in dumps(card(sb, nc)["blocks"])


# --- permissions ----------------------------------------------------------------------------


def test_only_the_owner_or_a_manager_moves_it_and_refusals_are_logged(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    views_before = len(sb.fake.calls_to("views.open"))
    press(sb, BEN, nc, "Record containment")
    refusal = last_ephemeral(sb)
    assert "Only the NC owner (<@U0ANNA0001>) or a QMS manager (<@U0QUINN001>)" in refusal
    assert len(sb.fake.calls_to("views.open")) == views_before  # no modal for Ben
    assert history_of(sb, nc)[-1].action == "refused" and history_of(sb, nc)[-1].actor == BEN.id
    # A forged submission of the step's modal is refused on the server too.
    sb.slack.command(ANNA, "/nc")  # any open view will do as the shape
    forged = nc_modals.containment_modal(_record(sb, nc))
    answer = sb.slack.submit(BEN, {**forged, "id": "V0FORGED01"}, {"containment": "I did it"}).json()
    assert "Only the NC owner" in answer["errors"]["containment"]
    assert reload(sb, nc).status == "open"
    assert step(sb, QUINN, nc, "Record containment", {"containment": "Quarantined"}) == {}  # a manager may


def _record(sb: Sandbox, nc: Nonconformity) -> Any:
    from bot.nonconformity import load_record

    with sb.db.session() as session:
        return load_record(session, reload(sb, nc))


def test_the_verifier_did_none_of_the_actions(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=QUINN.id)
    work_to_actions_done(sb, nc, doer=QUINN)
    press(sb, QUINN, nc, "Verify effectiveness")
    assert "another QMS manager must verify" in last_ephemeral(sb)
    press(sb, ANNA, nc, "Verify effectiveness")
    assert "Only a QMS manager" in last_ephemeral(sb)
    assert reload(sb, nc).status == "actions_done"


# --- double clicks, two people, stale cards --------------------------------------------------------


def test_a_stale_card_tells_who_was_first(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    stale = copy.deepcopy(card(sb, nc))
    assert step(sb, QUINN, nc, "Record containment", {"containment": "Quarantined"}) == {}
    action_id, value = next(
        (e["action_id"], e["value"])
        for b in stale["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "nc_contain"
    )
    sb.slack.click(ANNA, action_id, value, message=stale, block_id="nc_steps")
    assert last_ephemeral(sb).startswith("Already done by <@U0QUINN001>")
    assert [e.action for e in history_of(sb, nc)].count("contained") == 1


def test_two_people_closing_at_once_close_it_once(clock: ManualClock, database_url: str) -> None:
    with Sandbox(clock=clock, database_url=database_url, settings={"managers": [QUINN.id, LENA.id]}) as sb:
        nc = raise_nc(sb, owner=ANNA.id)
        work_to_actions_done(sb, nc)
        step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective"})
        message = card(sb, nc)
        action_id, value, _ = card_buttons(sb, nc)["Close NC"]
        threads = [
            threading.Thread(target=sb.slack.click, args=(p, action_id, value), kwargs={"message": message})
            for p in (QUINN, LENA, QUINN)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [e.action for e in history_of(sb, nc)].count("closed") == 1
        losers = [r.args["text"] for r in sb.fake.responses if r.args.get("text", "").startswith("Already done")]
        assert len(losers) == 2


def test_a_twice_sent_action_form_adds_one_action(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    step(sb, ANNA, nc, "Record containment", {"containment": "Quarantined"})
    step(sb, ANNA, nc, "Record root cause", {"method": "other", "cause": "Training gap", "elsewhere": "no"})
    press(sb, ANNA, nc, "Add action")
    view = sb.slack.last_view()
    answers = {"kind": "corrective", "description": "Retrain packing shift", "owner": ANNA.id}
    assert not sb.slack.submit(ANNA, view, answers).content
    # The same view again: answered as the first (the modal closes), no second action.
    assert not sb.slack.submit(ANNA, view, answers).content
    assert len(actions_of(sb, nc)) == 1


def test_two_people_finishing_the_last_two_actions_at_once_move_the_nc(clock: ManualClock, database_url: str) -> None:
    with Sandbox(clock=clock, database_url=database_url) as sb:
        nc = raise_nc(sb, owner=ANNA.id)
        step(sb, ANNA, nc, "Record containment", {"containment": "Quarantined"})
        step(sb, ANNA, nc, "Record root cause", {"method": "other", "cause": "Training gap", "elsewhere": "no"})
        step(sb, ANNA, nc, "Add action", {"kind": "corrective", "description": "Retrain", "owner": ANNA.id})
        step(sb, ANNA, nc, "Add action", {"kind": "preventive", "description": "Checklist", "owner": BEN.id})
        views = {}
        for person, label in ((ANNA, "Mark A1 done"), (BEN, "Mark A2 done")):
            press(sb, person, nc, label)
            views[person] = sb.slack.last_view()
        threads = [
            threading.Thread(target=sb.slack.submit, args=(p, v, {"evidence": "done"})) for p, v in views.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert reload(sb, nc).status == "actions_done"
        assert [e.action for e in history_of(sb, nc)].count("actions_done") == 1


# --- nudges -----------------------------------------------------------------------------------


def nudge_keys(sb: Sandbox, prefix: str = "") -> dict[str, str]:
    with sb.db.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.key.startswith(prefix))).all()  # type: ignore[attr-defined]
        return {r.key: r.status for r in rows}


def test_owners_are_nudged_before_on_and_after_the_due_date_then_managers(clock: ManualClock) -> None:
    with Sandbox(
        clock=clock, settings={"reminder_days_before": [3, 1], "overdue_every_days": 2, "escalate_after_days": 5}
    ) as sb:
        nc = raise_nc(sb, owner=ANNA.id, due_date="2026-12-07", severity="critical")  # a Monday
        owner = f"nc:{nc.id}:owner:20261207:"
        seen = []
        for day in range(4, 16):  # Fri 4 Dec … Tue 15 Dec, 10:00 Berlin
            clock.set(clock.now().replace(month=12, day=day, hour=9))
            sb.ctx.nudges.derive()
            sb.ctx.sender.drain()
        seen = sorted(k.removeprefix(owner) for k in nudge_keys(sb, owner))
        assert seen == ["before-1d", "before-3d", "overdue-0", "overdue-1", "overdue-2", "overdue-3", "today"]
        escalations = nudge_keys(sb, f"nc:{nc.id}:escalate:")
        assert list(escalations) == [f"nc:{nc.id}:escalate:20261207:0:{QUINN.id}"]
        texts = [m["text"] for m in sb.fake.sent_messages(ANNA.id)]
        assert any("is due *today*" in t for t in texts) and any("overdue" in t for t in texts)
        assert any("days overdue" in m["text"] for m in sb.fake.sent_messages(QUINN.id))
        # Reminders carry a Snooze button; weekend reminders wait for Monday.
        with sb.db.session() as session:
            saturday = outbox_rows.by_key(session, owner + "before-1d")
        assert saturday is not None and saturday.snoozable


def test_verification_is_nudged_and_closing_stops_every_nudge(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"verify_after_days": 7}) as sb:
        nc = raise_nc(sb, owner=ANNA.id)
        work_to_actions_done(sb, nc)
        sb.ctx.nudges.derive()
        assert nudge_keys(sb, f"nc:{nc.id}:verify:") == {}
        clock.advance(days=7)
        sb.ctx.nudges.derive()
        assert nudge_keys(sb, f"nc:{nc.id}:verify:") == {f"nc:{nc.id}:verify:20261125090000:{QUINN.id}": "pending"}
        step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective"})
        press(sb, QUINN, nc, "Close NC")
        assert set(nudge_keys(sb, f"nc:{nc.id}:verify:").values()) == {"cancelled"}
        clock.advance(days=90)
        sb.ctx.nudges.derive()
        assert "pending" not in set(nudge_keys(sb, f"nc:{nc.id}:").values()) | set(nudge_keys(sb, "nca:").values())


def test_action_owners_are_nudged_and_marking_done_stops_it(clock: ManualClock) -> None:
    with Sandbox(clock=clock) as sb:
        nc = raise_nc(sb, owner=ANNA.id)
        step(sb, ANNA, nc, "Record containment", {"containment": "Quarantined"})
        step(sb, ANNA, nc, "Record root cause", {"method": "other", "cause": "Training gap", "elsewhere": "no"})
        step(
            sb,
            ANNA,
            nc,
            "Add action",
            {"kind": "corrective", "description": "Retrain", "owner": BEN.id, "due_date": "2026-11-27"},
        )
        sb.ctx.sender.drain()
        assert "You have an action" in sb.fake.sent_messages(BEN.id)[-1]["text"]
        action = actions_of(sb, nc)[0]
        sb.ctx.nudges.derive()
        assert f"nca:{action.id}:20261127:before-3d" in nudge_keys(sb, "nca:")
        clock.advance(hours=1)
        step(sb, BEN, nc, "Mark A1 done", {"evidence": "Training record TR-88"})
        assert set(nudge_keys(sb, f"nca:{action.id}:").values()) <= {"sent", "cancelled"}


def test_the_snooze_limit_is_a_setting(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"snooze_limit": 0}) as sb:
        nc = raise_nc(sb, owner=ANNA.id, due_date="2026-11-26")
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        reminder = next(m for m in sb.fake.sent_messages(ANNA.id) if "alarm_clock" in m["text"])
        assert nc.number in reminder["text"] and "Snooze" not in sb.buttons(reminder)
        with sb.db.session() as session:
            row = session.exec(select(OutboxMessage).where(OutboxMessage.ts == reminder["ts"])).one()
        sb.slack.click(ANNA, "nudge_snooze", str(row.id), message=reminder)  # a forged click
        assert "Snoozing is turned off" in last_ephemeral(sb)


# --- recurrence ---------------------------------------------------------------------------------


def test_a_similar_nc_in_the_same_process_is_flagged_and_a_manager_links_it(sb: Sandbox) -> None:
    earlier = raise_nc(sb, owner=ANNA.id)
    close_quickly(sb, earlier)
    other_process = raise_nc(sb, process="Warehouse and logistics")
    assert other_process.possible_recurrence_of is None
    again = raise_nc(sb, title="Customer label missing on batch 4790")
    assert again.possible_recurrence_of == earlier.id
    assert "Possible recurrence of NC-2026-0001" in dumps(card(sb, again)["blocks"])
    press(sb, BEN, again, "Link as recurrence")
    assert "Only a QMS manager" in last_ephemeral(sb)
    press(sb, QUINN, again, "Link as recurrence")
    assert reload(sb, again).recurrence_of == earlier.id
    assert "Recurrence of *NC-2026-0001*" in dumps(card(sb, again)["blocks"])
    assert "Recurred as NC-2026-0003" in dumps(card(sb, earlier)["blocks"])
    assert history_of(sb, earlier)[-1].action == "effectiveness_questioned"
    assert "Link as recurrence" not in card_buttons(sb, again)


def test_the_same_clause_counts_and_old_ncs_do_not(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"recurrence_months": 6}) as sb:
        earlier = raise_nc(sb, owner=ANNA.id, iso_clause="8.5.1")
        close_quickly(sb, earlier)
        assert raise_nc(sb, title="Torque not recorded", iso_clause="8.5.1").possible_recurrence_of == earlier.id
        press(sb, QUINN, latest(sb), "Not a recurrence")
        assert latest(sb).possible_recurrence_of is None and latest(sb).recurrence_of is None
        clock.advance(days=200)
        assert raise_nc(sb, title="Torque not recorded", iso_clause="8.5.1").possible_recurrence_of is None


# --- finding things ---------------------------------------------------------------------------


def test_nc_list_shows_mine_open_and_overdue(sb: Sandbox) -> None:
    mine = raise_nc(sb, owner=BEN.id, title="Ben's NC", due_date="2026-11-26")
    raise_nc(sb, owner=ANNA.id, title="Anna's NC")
    sb.slack.command(BEN, "/nc", "list")
    answer = sb.slack.last_response()
    assert (
        answer["response_type"] == "ephemeral"
        and "Ben's NC" in dumps(answer["blocks"])
        and "Anna's NC" not in dumps(answer["blocks"])
    )
    sb.slack.command(BEN, "/nc", "list open")
    shown = dumps(sb.slack.last_response()["blocks"])
    assert shown.index("Anna's NC") < shown.index("Ben's NC")  # newest first
    sb.slack.command(BEN, "/nc", "list overdue")
    assert "Nothing is overdue" in last_ephemeral(sb)
    sb.clock.advance(days=2)  # type: ignore[attr-defined]
    sb.slack.command(BEN, "/nc", "list overdue")
    assert mine.number in dumps(sb.slack.last_response()["blocks"])
    assert sb.slack.command(BEN, "/nc", "list everything").json()["text"].startswith("Use `/nc list mine`")


def test_a_long_list_is_capped_with_a_count(sb: Sandbox) -> None:
    for n in range(20):
        raise_nc(sb, owner=ANNA.id, title=f"Finding {n:02d} " + "x" * 120)
    sb.slack.command(ANNA, "/nc", "list open")
    shown = dumps(sb.slack.last_response()["blocks"])
    shown_lines = sb.slack.last_response()["blocks"][1]["text"]["text"].splitlines()
    rest = int(re.fullmatch(r"… and (\d+) more", shown_lines[-1]).group(1))  # type: ignore[union-attr]
    assert len(shown_lines) - 1 + rest == 20 and len(shown_lines) - 1 <= 15
    assert "Finding 19" in shown and "Finding 00" not in shown


def test_nc_number_shows_the_record_with_its_history(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    step(sb, ANNA, nc, "Record containment", {"containment": "Quarantined"})
    sb.slack.command(BEN, "/nc", "nc-2026-0001")
    shown = dumps(sb.slack.last_response()["blocks"])
    assert "History" in shown and "raised" in shown and "contained" in shown and "Quarantined" in shown
    sb.slack.command(BEN, "/nc", "NC-2026-0999")
    assert "There is no NC-2026-0999" in last_ephemeral(sb)


# --- safety -------------------------------------------------------------------------------------


def test_user_text_pings_nobody_and_long_text_is_cut_visibly(sb: Sandbox) -> None:
    hostile = "<!channel> fire <@U0QUINN001> <https://evil.test|bank> & co"
    nc = raise_nc(sb, owner=ANNA.id, title=hostile[:150], description="&" * 3000, containment="<!here> " + "y" * 2990)
    step(sb, ANNA, nc, "Record containment", {"containment": "<!everyone> " + "z" * 2980})
    sb.ctx.sender.drain()
    sent = everything_rendered(sb)
    assert "&lt;!channel&gt;" in sent
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<https://evil.test"):
        assert ping not in sent
    assert "&lt;!channel&gt; fire" in card(sb, nc)["text"]
    assert card(sb, nc)["blocks"][0]["text"]["type"] == "plain_text"  # the header shows it as typed
    assert "…" in dumps(card(sb, nc)["blocks"])
    assert all(c.response.get("ok") for c in sb.fake.calls if c.method.startswith("chat."))


def test_when_the_card_cannot_be_posted_the_reporter_is_told_why(sb: Sandbox) -> None:
    sb.fake.fail("chat.postMessage", "not_in_channel")
    nc = raise_nc(sb)
    assert reload(sb, nc).card_ts is None
    sb.ctx.sender.drain()
    confirmation = sb.fake.sent_messages(ANNA.id)[-1]["text"]
    assert "could not be posted in <#C0QUALITY1>" in confirmation and "invite the bot" in confirmation
    # The NC can be worked from `/nc NC-…`, and the next step puts the card out.
    sb.slack.command(QUINN, "/nc", nc.number)
    sb.press(QUINN, sb.slack.last_response(), "Record containment")
    assert not sb.slack.submit(QUINN, sb.slack.last_view(), {"containment": "Quarantined"}).content
    assert reload(sb, nc).status == "contained" and card(sb, nc)["channel"] == QMS_CHANNEL


def test_without_a_qms_channel_the_card_goes_to_the_owner(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"channel": None}) as sb:
        nc = raise_nc(sb, owner=BEN.id)
        assert reload(sb, nc).card_channel == sb.fake.dm_channel(BEN.id)
        assert step(sb, BEN, nc, "Record containment", {"containment": "Quarantined"}) == {}
        assert reload(sb, nc).status == "contained"


# --- found in review --------------------------------------------------------------------------


def test_another_action_withdraws_the_verification_request_and_a_new_round_asks_again(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"verify_after_days": 0}) as sb:
        nc = raise_nc(sb, owner=ANNA.id)
        work_to_actions_done(sb, nc)
        sb.ctx.nudges.derive()
        first = nudge_keys(sb, f"nc:{nc.id}:verify:")
        assert list(first.values()) == ["pending"]
        step(sb, ANNA, nc, "Add action", {"kind": "preventive", "description": "Same on line 3", "owner": ANNA.id})
        assert set(nudge_keys(sb, f"nc:{nc.id}:verify:").values()) == {"cancelled"}
        clock.advance(minutes=5)
        step(sb, ANNA, nc, "Mark A2 done", {"evidence": "WO 7790"})
        sb.ctx.nudges.derive()
        again = nudge_keys(sb, f"nc:{nc.id}:verify:")
        assert len(again) == 2 and sorted(again.values()) == ["cancelled", "pending"]


def test_the_loser_of_a_race_reads_a_name_not_markup_in_the_form(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    press(sb, ANNA, nc, "Record containment")
    annas_form = sb.slack.last_view()
    assert step(sb, QUINN, nc, "Record containment", {"containment": "Quarantined"}) == {}
    error = sb.slack.submit(ANNA, annas_form, {"containment": "Also quarantined"}).json()["errors"]["containment"]
    assert error.startswith("Already done by Quinn Novak:") and "<@" not in error and "*" not in error


def test_an_action_owner_may_not_verify_either(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"managers": [QUINN.id, LENA.id]}) as sb:
        nc = raise_nc(sb, owner=ANNA.id)
        step(sb, ANNA, nc, "Record containment", {"containment": "Quarantined"})
        step(sb, ANNA, nc, "Record root cause", {"method": "other", "cause": "Training gap", "elsewhere": "no"})
        step(sb, ANNA, nc, "Add action", {"kind": "corrective", "description": "Retrain", "owner": LENA.id})
        step(sb, ANNA, nc, "Mark A1 done", {"evidence": "Done for Lena"})  # the NC owner marks it
        press(sb, LENA, nc, "Verify effectiveness")
        assert "owned or completed actions" in last_ephemeral(sb)
        assert step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective"}) == {}


def test_a_verification_form_opened_before_the_actions_changed_is_refused(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    work_to_actions_done(sb, nc)
    press(sb, QUINN, nc, "Verify effectiveness")
    old_form = sb.slack.last_view()
    step(sb, ANNA, nc, "Add action", {"kind": "preventive", "description": "Line 3 too", "owner": ANNA.id})
    step(sb, ANNA, nc, "Mark A2 done", {"evidence": "WO 7790"})
    error = sb.slack.submit(QUINN, old_form, {"result": "effective"}).json()["errors"]["result"]
    assert "changed after this form was opened" in error
    assert reload(sb, nc).status == "actions_done"


def test_a_close_button_on_an_old_card_does_not_close(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    work_to_actions_done(sb, nc)
    step(sb, QUINN, nc, "Verify effectiveness", {"result": "effective"})
    action_id, value, _ = card_buttons(sb, nc)["Close NC"]
    nc_id, _, version = value.partition("@")
    sb.slack.click(QUINN, action_id, f"{nc_id}@{int(version) - 1}", message=card(sb, nc))
    assert "changed after" in last_ephemeral(sb) and reload(sb, nc).status == "effectiveness_verified"


def test_a_card_whose_permalink_failed_is_updated_not_posted_again(sb: Sandbox) -> None:
    sb.fake.fail("chat.getPermalink", "internal_error")
    nc = raise_nc(sb, owner=BEN.id)
    assert reload(sb, nc).card_ts and reload(sb, nc).card_permalink is None
    sb.ctx.sender.drain()  # released at once without the link, not held for the grace minute
    assert nc.number in sb.fake.sent_messages(ANNA.id)[-1]["text"]
    assert "You own" in sb.fake.sent_messages(BEN.id)[-1]["text"]
    step(sb, BEN, nc, "Record containment", {"containment": "Quarantined"})
    assert len(sb.fake.sent_messages(QMS_CHANNEL)) == 1


def test_command_text_is_shown_as_typed_and_private_messages_are_not_quoted(sb: Sandbox) -> None:
    sb.slack.command(ANNA, "/nc", "Seal &amp; gasket &lt;worn&gt;")  # how Slack sends "Seal & gasket <worn>"
    title = next(b for b in sb.slack.last_view()["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "Seal & gasket <worn>"
    sb.fake.add_channel("G0SECRET01", "hr-private", [ANNA.id], private=True)
    secret = sb.fake.post_as(BEN.id, "G0SECRET01", "Salary sheet printed on the shared printer")
    sb.slack.message_shortcut(ANNA, "raise_nc_from_message", secret, "G0SECRET01")
    sb.slack.submit(ANNA, sb.slack.last_view(), ANSWERS)
    shown = dumps(card(sb, latest(sb))["blocks"])
    assert "Salary sheet" not in shown and "a message in a private conversation" in shown
