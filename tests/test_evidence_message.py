"""Files in a message kept as evidence: the "Attach files as evidence" message shortcut.

Only files.info is trusted about a file (not the payload's copy of it); the bot reads only files
in conversations it was added to and says what to do about the others; whoever may act on the
NC (its owner, whoever raised it, its action owners, the QMS managers) may attach, checked when
the form is sent; a file from a private conversation is kept, the message never copied.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot import evidence
from bot.standin.fakeslack import BOT_USER_ID
from bot.standin.sandbox import ANNA, BEN, LENA, QMS_CHANNEL, QUINN, Person, Sandbox
from bot.workspace.clock import ManualClock
from storage.models import AuditEvent, EvidenceContent, EvidenceFile, Nonconformity
from tests.flows import close_quickly, nc_card, raise_nc, reload, step

SHORTCUT = "attach_evidence_from_message"
PALLET = b"\xff\xd8\xff\xe0 relabelled pallet, bay 3" * 50
LABEL = b"\x89PNG\r\n\x1a\n new customer label on carton 12" * 40
WAREHOUSE = "C0WAREHOUS"
PHOTOS = [("pallet.jpg", PALLET, "image/jpeg"), ("label.png", LABEL, "image/png")]


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        sandbox.fake.add_channel(WAREHOUSE, "warehouse", [ANNA.id, BEN.id, BOT_USER_ID])
        yield sandbox


@pytest.fixture
def both(clock: ManualClock, database_url: str) -> Iterator[Sandbox]:
    """The same on SQLite and PostgreSQL, for the tests whose queries differ between them."""
    with Sandbox(clock=clock, database_url=database_url) as sandbox:
        sandbox.fake.add_channel(WAREHOUSE, "warehouse", [ANNA.id, BEN.id, BOT_USER_ID])
        yield sandbox


def kept(sb: Sandbox) -> list[EvidenceFile]:
    with sb.db.session() as session:
        return list(session.exec(select(EvidenceFile).order_by(EvidenceFile.id)))  # type: ignore[arg-type]


def shortcut(sb: Sandbox, person: Person, message: dict[str, Any], channel: str = WAREHOUSE) -> dict[str, Any]:
    """Use the shortcut on `message`; the form as it stands once Slack was asked about the files."""
    response = sb.slack.message_shortcut(person, SHORTCUT, message, channel)
    assert response.status_code == 200 and not response.content
    return sb.slack.last_view()


def shown(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def send(sb: Sandbox, person: Person, view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    response = sb.slack.submit(person, view, answers)
    assert response.status_code == 200
    return response.json() if response.content else {}


def options(view: dict[str, Any], block: str = "record") -> list[str]:
    element = next(b for b in view["blocks"] if b.get("block_id") == block)["element"]
    return [o["value"] for o in element["options"]]


def told(sb: Sandbox, person: Person) -> str:
    sb.ctx.sender.drain()
    return " ".join(m["text"] for m in sb.fake.sent_messages(person.id))


# --- the flow ----------------------------------------------------------------------------------


def test_two_photos_in_a_message_are_kept_on_the_nc_and_the_card_shows_them(both: Sandbox) -> None:
    nc = raise_nc(both, owner=ANNA.id)
    message = both.fake.post_files_as(ANNA.id, WAREHOUSE, f"Relabelled, see {nc.number}", PHOTOS)
    view = shortcut(both, ANNA, message)
    # Listed as files.info describes them, the NC the message names already chosen.
    assert "pallet.jpg" in shown(view) and "label.png" in shown(view) and "Checking" not in shown(view)
    assert len(both.fake.calls_to("files.info", ok=True)) == 2
    record = next(b for b in view["blocks"] if b.get("block_id") == "record")
    assert record["element"]["initial_option"]["value"] == nc.number
    assert send(both, ANNA, view, {"record": nc.number, "step": "containment"}) == {}
    files = kept(both)
    assert [(f.name, f.sha256, f.step, f.uploaded_by, f.record_ref) for f in files] == [
        ("pallet.jpg", hashlib.sha256(PALLET).hexdigest(), "containment, from a message", ANNA.id, nc.number),
        ("label.png", hashlib.sha256(LABEL).hexdigest(), "containment, from a message", ANNA.id, nc.number),
    ]
    assert [d.authorization for d in both.fake.downloads] == ["Bearer xoxb-sandbox-token"] * 2
    card = str(nc_card(both, nc)["blocks"])
    assert "pallet.jpg" in card and "label.png" in card and "containment, from a message" in card
    said = told(both, ANNA)
    assert f"Kept as evidence on <{reload(both, nc).card_permalink}|{nc.number}> (containment)" in said
    assert "pallet.jpg" in said and "label.png" in said
    with both.db.session() as session:
        trail = session.exec(select(AuditEvent).where(AuditEvent.action == evidence.ATTACHED)).all()
    assert {(e.actor, e.record_ref, (e.after or {}).get("sha256")) for e in trail} == {
        (ANNA.id, nc.number, f.sha256) for f in files
    }


def test_a_photo_in_the_thread_of_the_nc_card_comes_with_its_nc_chosen(sb: Sandbox) -> None:
    first = raise_nc(sb, owner=ANNA.id)
    nc = reload(sb, raise_nc(sb, owner=ANNA.id))
    assert nc.card_channel == QMS_CHANNEL and nc.card_ts
    sb.fake.add_channel(QMS_CHANNEL, "quality", [ANNA.id, QUINN.id, LENA.id, BOT_USER_ID])  # the bot posts there
    message = sb.fake.post_files_as(ANNA.id, QMS_CHANNEL, "", PHOTOS[:1], thread_ts=nc.card_ts)
    view = shortcut(sb, ANNA, message, QMS_CHANNEL)
    assert options(view) == [nc.number, first.number]  # newest first
    record = next(b for b in view["blocks"] if b.get("block_id") == "record")
    assert record["element"]["initial_option"]["value"] == nc.number


def test_a_form_sent_twice_keeps_the_files_once_and_says_so_once(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS))
    sent = {**view, "id": "V0TWICE001"}
    assert send(sb, ANNA, sent, {"record": nc.number, "step": "action"}) == {}
    assert send(sb, ANNA, sent, {"record": nc.number, "step": "action"}) == {}
    assert len(kept(sb)) == 2 and len(sb.fake.downloads) == 2
    assert told(sb, ANNA).count("Kept as evidence") == 1


# --- what is not kept, and the answer --------------------------------------------------------


def test_a_message_without_files_gets_an_answer_and_no_form(sb: Sandbox) -> None:
    raise_nc(sb, owner=ANNA.id)
    message = sb.fake.post_as(ANNA.id, WAREHOUSE, "Rack 7 bent")
    opened = len(sb.fake.calls_to("views.open"))
    sb.slack.message_shortcut(ANNA, SHORTCUT, message, WAREHOUSE)
    assert "has no files to keep" in sb.slack.last_response()["text"]
    assert len(sb.fake.calls_to("views.open")) == opened


def test_someone_with_no_open_nc_to_attach_to_is_told_who_may(sb: Sandbox) -> None:
    raise_nc(sb, owner=ANNA.id)  # Anna's NC: Lena neither owns nor raised it, nor holds an action
    message = sb.fake.post_files_as(LENA.id, WAREHOUSE, "", PHOTOS[:1])
    opened = len(sb.fake.calls_to("views.open"))
    sb.slack.message_shortcut(LENA, SHORTCUT, message, WAREHOUSE)
    assert "no open NC you may attach evidence to" in sb.slack.last_response()["text"]
    assert len(sb.fake.calls_to("views.open")) == opened


# A conversation the bot was not added to: (channel, add_channel arguments or None for a DM
# between two people, which the bot cannot see at all).
HIDDEN: dict[str, tuple[str, dict[str, Any] | None]] = {
    "a DM between people": ("D0ANNABEN1", None),
    "a private channel without the bot": ("C0BOARD001", {"name": "board", "members": [ANNA.id], "private": True}),
    "a public channel without the bot": ("C0NOBOT001", {"name": "canteen", "members": [ANNA.id]}),
}


@pytest.mark.parametrize("case", list(HIDDEN))
def test_files_the_bot_cannot_read_are_answered_with_what_to_do(sb: Sandbox, case: str) -> None:
    raise_nc(sb, owner=ANNA.id)
    channel, known_as = HIDDEN[case]
    if known_as is not None:
        sb.fake.add_channel(channel, **known_as)
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, channel, "", PHOTOS), channel)
    assert "submit" not in view and "None of these files can be kept" in shown(view)
    assert "the bot cannot read it here" in shown(view) and "/invite @qms" in shown(view)
    assert kept(sb) == [] and sb.fake.downloads == []


def test_a_colleagues_photo_is_not_kept_and_says_who_may(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    message = sb.fake.post_files_as(BEN.id, WAREHOUSE, "", PHOTOS[:1])
    view = shortcut(sb, ANNA, message)
    assert "submit" not in view and f"uploaded by <@{BEN.id}>: only whoever uploaded a file can attach it" in shown(
        view
    )
    # A form that offers it anyway (its metadata forged) keeps nothing: keep asks Slack again.
    forged = evidence.attach_modal(
        [evidence.Seen(message["files"][0]["id"], "pallet.jpg", 1)],
        evidence.Choices([(nc.number, nc.number)], [("Containment", "containment")], "NCs"),
    )
    assert send(sb, ANNA, forged, {"record": nc.number, "step": "containment"}) == {}
    assert kept(sb) == [] and "uploaded by someone else" in told(sb, ANNA)


def test_only_files_info_is_trusted_not_the_message_payload(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    message = sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS)
    bens = sb.fake.post_files_as(BEN.id, WAREHOUSE, "", [("bens.jpg", b"Ben's", "image/jpeg")])["files"][0]
    forged = dict(message)
    forged["files"] = [
        {
            **message["files"][0],
            "url_private": "https://evil.example/x",
            "url_private_download": "https://evil.example/x",
        },
        {**bens, "user": ANNA.id, "name": "mine-really.jpg"},  # Slack says Ben uploaded it
        {"id": "F0NOTAFILE", "name": "ghost.jpg", "size": 10, "user": ANNA.id},
        {"id": "not an id <!channel>", "name": "odd"},
        "not a file",
    ]
    view = shortcut(sb, ANNA, forged)
    assert "odd" not in shown(view)  # no file ID, not listed
    assert f"uploaded by <@{BEN.id}>" in shown(view) and "bens.jpg" in shown(view)  # Slack's name, not the payload's
    assert "ghost.jpg: not kept, the bot cannot read it here" in shown(view)
    assert send(sb, ANNA, view, {"record": nc.number, "step": "problem as found"}) == {}
    assert [f.name for f in kept(sb)] == ["pallet.jpg"]
    assert all("evil.example" not in d.path for d in sb.fake.downloads)


def test_a_file_over_10_mb_is_shown_as_not_kept(sb: Sandbox) -> None:
    raise_nc(sb, owner=ANNA.id)
    big = sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", [("scan.pdf", b"%PDF", "application/pdf")], size=11 << 20)
    view = shortcut(sb, ANNA, big)
    assert "scan.pdf (11.0 MB): not kept, it is over 10.0 MB" in shown(view)


def test_a_file_deleted_in_slack_is_not_kept_before_or_after_the_form(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    message = sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS)
    sb.fake.delete_file(message["files"][1]["id"])
    view = shortcut(sb, ANNA, message)
    assert "label.png: not kept, it was deleted in Slack" in shown(view)
    sb.fake.delete_file(message["files"][0]["id"])  # deleted while the form was open
    assert send(sb, ANNA, view, {"record": nc.number, "step": "containment"}) == {}
    assert kept(sb) == [] and "pallet.jpg is not a file Slack knows (file_deleted)" in told(sb, ANNA)
    assert "Kept as evidence" not in told(sb, ANNA)


def test_eleven_files_offer_the_first_ten(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    many = [(f"p{i}.jpg", bytes([i]) * 10, "image/jpeg") for i in range(11)]
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", many))
    assert "the 1 after them are not offered" in shown(view) and "p10.jpg" not in shown(view)
    assert send(sb, ANNA, view, {"record": nc.number, "step": "containment"}) == {}
    assert len(kept(sb)) == 10


# --- privacy -----------------------------------------------------------------------------------


SECRET = "Salary sheet of the night shift, see attached"


def test_a_file_from_a_private_channel_is_kept_and_the_message_never_shown(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    sb.fake.add_channel("C0HRPRIV01", "hr", [ANNA.id, BEN.id, BOT_USER_ID], private=True)
    message = sb.fake.post_files_as(ANNA.id, "C0HRPRIV01", SECRET, PHOTOS[:1])
    view = shortcut(sb, ANNA, message, "C0HRPRIV01")
    assert ":lock: This message is in a private conversation" in shown(view)
    assert SECRET not in json.dumps(view)
    assert send(sb, ANNA, view, {"record": nc.number, "step": "containment"}) == {}
    assert [f.name for f in kept(sb)] == ["pallet.jpg"]
    sb.ctx.sender.drain()
    everything = json.dumps([c.args for c in sb.fake.calls]) + json.dumps([r.args for r in sb.fake.responses])
    assert SECRET not in everything and "C0HRPRIV01" not in str(nc_card(sb, nc)["blocks"])
    with sb.db.session() as session:
        rows = session.execute(text("SELECT after, note FROM audit_event")).all()
    assert SECRET not in str(rows)


def test_the_conversation_is_asked_only_after_the_form_opened(sb: Sandbox) -> None:
    raise_nc(sb, owner=ANNA.id)
    shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS[:1]))
    methods = [c.method for c in sb.fake.calls]
    assert methods.index("views.open") < methods.index("files.info") < methods.index("views.update")
    assert methods.index("views.open") < methods.index("conversations.info")


# --- who may attach ------------------------------------------------------------------------------


def test_the_person_sees_only_the_ncs_they_work_on_and_a_manager_sees_every_open_one(both: Sandbox) -> None:
    anna_owns = raise_nc(both, person=QUINN, owner=ANNA.id)
    ben_raised = raise_nc(both, person=BEN, owner=QUINN.id)
    anna_acts = raise_nc(both, person=QUINN, owner=QUINN.id)
    action_planned_by(both, anna_acts, QUINN, ANNA)
    closed = raise_nc(both, owner=ANNA.id)
    close_quickly(both, closed)
    message = both.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS[:1])
    assert options(shortcut(both, ANNA, message)) == [anna_acts.number, anna_owns.number]
    message = both.fake.post_files_as(BEN.id, WAREHOUSE, "", PHOTOS[:1])
    assert options(shortcut(both, BEN, message)) == [ben_raised.number]
    message = both.fake.post_files_as(QUINN.id, WAREHOUSE, "", PHOTOS[:1])
    assert options(shortcut(both, QUINN, message)) == [anna_acts.number, ben_raised.number, anna_owns.number]


def action_planned_by(sb: Sandbox, nc: Nonconformity, owner: Person, doer: Person) -> None:
    """Contained, root cause, and an action for `doer` on `owner`'s NC."""
    step(sb, owner, nc, "Record containment", {"containment": "Quarantined"})
    step(sb, owner, nc, "Record root cause", {"method": "five_whys", "cause": "Printer", "elsewhere": "no"})
    step(sb, owner, nc, "Add action", {"kind": "corrective", "description": "Sensor", "owner": doer.id})


def test_a_form_for_an_nc_the_person_may_not_act_on_is_refused_on_the_server(sb: Sandbox) -> None:
    mine = raise_nc(sb, owner=ANNA.id)
    other = raise_nc(sb, person=QUINN, owner=QUINN.id)
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS[:1]))
    assert options(view) == [mine.number]
    answer = send(sb, ANNA, view, {"record": other.number, "step": "containment"})  # a forged choice
    assert answer["response_action"] == "errors" and "can attach evidence to it" in answer["errors"]["record"]
    assert kept(sb) == [] and len(sb.fake.calls_to("files.info", ok=True)) == 1  # only the look before
    sb.ctx.later_trail.flush()
    with sb.db.session() as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert [(e.actor, e.record_ref, (e.after or {}).get("step")) for e in refused] == [
        (ANNA.id, other.number, "attach_evidence")
    ]


def test_a_closed_nc_takes_no_more_evidence(sb: Sandbox) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS[:1]))
    close_quickly(sb, nc)
    answer = send(sb, ANNA, view, {"record": nc.number, "step": "containment"})
    assert answer["errors"]["record"].startswith(f"{nc.number} is closed")
    assert kept(sb) == []


def test_an_action_owner_may_attach(sb: Sandbox) -> None:
    nc = raise_nc(sb, person=QUINN, owner=QUINN.id)
    action_planned_by(sb, nc, QUINN, ANNA)
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS[:1]))
    assert send(sb, ANNA, view, {"record": nc.number, "step": "action"}) == {}
    assert [f.step for f in kept(sb)] == ["action, from a message"]


@pytest.mark.parametrize(
    ("answers", "field", "error"),
    [
        ({"step": "containment"}, "record", "Choose the record"),
        ({"record": "NC-2026-0001"}, "step", "Choose what these files are evidence of"),
        ({"record": "NC-2026-0001", "step": "lunch"}, "step", "Choose what these files are evidence of"),
        ({"record": "<!channel>", "step": "containment"}, "record", "That is no NC number"),
        ({"record": "NC-2026-9999", "step": "containment"}, "record", "There is no NC-2026-9999"),
    ],
)
def test_a_form_missing_an_answer_names_the_field(sb: Sandbox, answers: dict[str, Any], field: str, error: str) -> None:
    raise_nc(sb, owner=ANNA.id)
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS[:1]))
    answer = send(sb, ANNA, view, answers)
    assert error in answer["errors"][field]
    assert kept(sb) == []


# --- many NCs ---------------------------------------------------------------------------------------


def test_a_manager_with_more_open_ncs_than_a_select_holds_types_the_rest(both: Sandbox) -> None:
    template = raise_nc(both, owner=ANNA.id)
    with both.db.session() as session:
        for i in range(2, 106):
            row = reload(both, template).model_dump(exclude={"id"})
            session.add(Nonconformity(**{**row, "number": f"NC-2026-{i:04d}", "card_ts": None}))
    view = shortcut(both, QUINN, both.fake.post_files_as(QUINN.id, WAREHOUSE, "", PHOTOS[:1]))
    assert len(options(view)) == 100 and template.number not in options(view)  # the newest hundred
    typed = next(b for b in view["blocks"] if b.get("block_id") == "record_typed")
    assert typed["hint"]["text"].startswith("5 more than the list holds")
    assert send(both, QUINN, view, {"record_typed": f" {template.number.lower()} ", "step": "problem as found"}) == {}
    assert [(f.record_ref, f.uploaded_by) for f in kept(both)] == [(template.number, QUINN.id)]
    answer = send(both, QUINN, {**view, "id": "V0TYPED002"}, {"record_typed": "NC-26", "step": "problem as found"})
    assert "That is no NC number" in answer["errors"]["record_typed"]


def test_the_content_is_stored_once_with_the_form_files(sb: Sandbox) -> None:
    """A photo kept from a message and the same bytes from a form are one stored content."""
    nc = raise_nc(sb, owner=ANNA.id)
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS[:1]))
    assert send(sb, ANNA, view, {"record": nc.number, "step": "problem as found"}) == {}
    other = raise_nc(sb, owner=ANNA.id)
    view = shortcut(sb, ANNA, sb.fake.post_files_as(ANNA.id, WAREHOUSE, "", PHOTOS[:1]))
    assert send(sb, ANNA, view, {"record": other.number, "step": "problem as found"}) == {}
    with sb.db.session() as session:
        assert len(session.exec(select(EvidenceContent)).all()) == 1
    assert len(kept(sb)) == 2
