"""`qms-bot doctor` against the Slack stand-in set up as a real workspace would be: every line
ok when all is well, and each failure provoked on its own names itself, with exit 1."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command
from alembic.script import ScriptDirectory

from bot.cli import main
from bot.doctor import report
from bot.standin.fakeslack import BOT_USER_ID, FakeSlack
from bot.workspace.clock import ManualClock
from bot.workspace.config import explicit_settings
from bot.workspace.scopes import BOT_SCOPES
from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.models import OutboxMessage
from tests.test_evidence_s3 import aws, bucket, s3_server  # noqa: F401  (moto's S3 on loopback)

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
TOKEN = "xoxb-doctor-token"
QUINN, LENA, OWNER = "U0QUINN001", "U0LENA0001", "U0OWNER001"
LEADERS = "S0LEADERS1"
CHANNEL, LEADERS_CHANNEL = "C0QUALITY1", "C0LEADERS1"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "qms.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database.engine)
    database.dispose()
    return path


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A workspace set up as the README says: the bot in both channels, everyone named found."""
    with FakeSlack() as slack:
        for user_id, name in ((QUINN, "quinn"), (LENA, "lena"), (OWNER, "olga")):
            slack.add_user(user_id, name)
        slack.add_usergroup(LEADERS, [LENA], handle="leaders")
        slack.add_channel(CHANNEL, "quality", [QUINN, BOT_USER_ID])
        slack.add_channel(LEADERS_CHANNEL, "leaders", [LENA, BOT_USER_ID], private=True)
        yield slack


@pytest.fixture
def values(fake: FakeSlack, migrated: Path, tmp_path: Path) -> dict[str, Any]:
    shutil.copyfile(migrated, tmp_path / "qms.db")
    return {
        "slack_bot_token": TOKEN,
        "slack_app_token": "xapp-1-doctor",
        "slack_api_url": fake.api_url,
        "database_url": f"sqlite:///{tmp_path / 'qms.db'}",
        "managers": [QUINN],
        "leaders": [LEADERS],
        "process_owners": {"Production": OWNER},
        "channel": CHANNEL,
        "leaders_channel": LEADERS_CHANNEL,
    }


def doctor(values: dict[str, Any], clock: ManualClock | None = None) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = report(explicit_settings(**values), out, clock)
    return code, out.getvalue().splitlines()


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAIL")]


def test_the_scopes_in_code_are_the_manifests() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def test_a_workspace_set_up_as_the_readme_says_passes_every_check(values: dict[str, Any], fake: FakeSlack) -> None:
    code, lines = doctor(values)
    assert code == 0, "\n".join(lines)
    checks = [line for line in lines[:-1]]
    assert all(line.startswith("ok") for line in checks), "\n".join(lines)
    assert [line.split(":")[0].split()[-1] for line in checks] == [
        "token", "token", "scopes", "QMS_CHANNEL", "QMS_LEADERS_CHANNEL", "people", "database", "outbox", "store",
    ]  # fmt: skip
    assert "@qmsbot (U0QMSBOT01) in the workspace QMS Demo (T0QMSDEMO1)" in lines[0]
    assert "#quality" in lines[3] and "#leaders" in lines[4]
    assert lines[-1] == f"all {len(checks)} checks passed"
    assert {c.method for c in fake.calls} >= {"auth.test", "apps.connections.open", "conversations.info", "users.info"}


def test_a_token_slack_refuses_is_named_and_the_workspace_checks_wait_for_it(
    values: dict[str, Any], fake: FakeSlack
) -> None:
    fake.reject_token(TOKEN)
    code, lines = doctor(values)
    assert code == 1
    assert failures(lines) == [failures(lines)[0]] and "bot token" in failures(lines)[0]
    assert "invalid_auth" in failures(lines)[0] and "OAuth & Permissions" in failures(lines)[0]
    assert any(line.startswith("skip") and "need a bot token" in line for line in lines)


def test_an_app_token_slack_refuses_is_named(values: dict[str, Any], fake: FakeSlack) -> None:
    fake.reject_token(values["slack_app_token"])
    code, lines = doctor(values)
    assert code == 1 and len(failures(lines)) == 1
    assert "app token" in failures(lines)[0] and "invalid_auth" in failures(lines)[0]


def test_a_scope_not_granted_is_named_with_what_to_do(values: dict[str, Any], fake: FakeSlack) -> None:
    fake.granted_scopes.remove("files:read")
    code, lines = doctor(values)
    assert code == 1 and len(failures(lines)) == 1
    line = failures(lines)[0]
    assert "scopes" in line and "files:read" in line and "reinstall the app to the workspace" in line
    assert "chat:write" not in line


def test_the_bot_not_in_the_channel_is_told_to_be_invited(values: dict[str, Any], fake: FakeSlack) -> None:
    fake.channels[CHANNEL]["members"].remove(BOT_USER_ID)
    code, lines = doctor(values)
    assert code == 1 and len(failures(lines)) == 1
    assert "QMS_CHANNEL" in failures(lines)[0] and "/invite @qmsbot in #quality" in failures(lines)[0]


def test_a_channel_slack_does_not_know_is_said_so(values: dict[str, Any]) -> None:
    code, lines = doctor({**values, "leaders_channel": "C0NOWHERE1"})
    assert code == 1 and len(failures(lines)) == 1
    assert "QMS_LEADERS_CHANNEL" in failures(lines)[0] and "knows no channel C0NOWHERE1" in failures(lines)[0]


def test_an_unknown_user_and_an_unknown_group_are_named_with_their_settings(values: dict[str, Any]) -> None:
    code, lines = doctor({**values, "managers": [QUINN, "U0NOBODY01"], "leaders": ["S0NOGROUP1"]})
    assert code == 1
    assert [line.split(":")[0] for line in failures(lines)] == ["FAIL  QMS_MANAGERS", "FAIL  QMS_LEADERS"]
    assert "U0NOBODY01 is no user" in failures(lines)[0] and "S0NOGROUP1 is no user group" in failures(lines)[1]


def test_a_deactivated_process_owner_is_named(values: dict[str, Any], fake: FakeSlack) -> None:
    fake.users[OWNER]["deleted"] = True
    code, lines = doctor(values)
    assert code == 1 and len(failures(lines)) == 1
    assert "QMS_PROCESS_OWNERS (Production)" in failures(lines)[0] and "deactivated" in failures(lines)[0]


def test_a_database_behind_the_latest_migration_asks_for_migrate(values: dict[str, Any], tmp_path: Path) -> None:
    behind = tmp_path / "behind.db"
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    previous = script.get_revision(script.get_current_head()).down_revision
    config = alembic_config(f"sqlite:///{behind}")
    command.upgrade(config, str(previous))
    code, lines = doctor({**values, "database_url": f"sqlite:///{behind}"})
    assert code == 1 and len(failures(lines)) == 1
    assert "database" in failures(lines)[0] and f"at migration {previous}" in failures(lines)[0]
    assert "run `qms-bot migrate`" in failures(lines)[0]


def test_no_database_file_is_said_so_and_none_is_created(values: dict[str, Any], tmp_path: Path) -> None:
    code, lines = doctor({**values, "database_url": "sqlite:///qms.db"})
    assert code == 1 and "there is no database at" in failures(lines)[0]
    assert not Path("qms.db").exists()


def _outbox_row(values: dict[str, Any], clock: ManualClock, **row: Any) -> None:
    db = Database(values["database_url"])
    with db.session() as session:
        now = clock.now()
        session.add(OutboxMessage(recipient=QUINN, text="a nudge", not_before=now, created_at=now, **row))
    db.dispose()


def test_a_failed_outbox_message_is_counted_with_what_to_do(values: dict[str, Any]) -> None:
    _outbox_row(values, ManualClock(), key="nc:1:owner", status="failed", last_error="channel_not_found")
    code, lines = doctor(values)
    assert code == 1 and len(failures(lines)) == 1
    line = failures(lines)[0]
    assert "outbox" in line and "1 message(s) failed" in line and "channel_not_found" in line and "/qms outbox" in line


def test_a_message_claimed_long_ago_and_not_sent_is_stuck(values: dict[str, Any]) -> None:
    clock = ManualClock()
    _outbox_row(values, clock, key="nc:2:owner", status="sending", claimed_by="gone", lease_until=clock.now())
    clock.advance(minutes=5)
    code, lines = doctor(values, clock)
    assert code == 0, "\n".join(lines)  # a lease run out a moment ago: a running sender takes it again
    clock.advance(minutes=10)
    code, lines = doctor(values, clock)
    assert code == 1 and len(failures(lines)) == 1
    assert "1 message(s) were claimed for sending more than 10 minutes ago" in failures(lines)[0]
    assert "qms-bot run" in failures(lines)[0]


@pytest.fixture
def evidence_bucket(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("bucket"))  # a versioned bucket on moto (tests/test_evidence_s3.py)


def test_an_evidence_bucket_is_reached_and_one_not_there_is_named(values: dict[str, Any], evidence_bucket: str) -> None:
    code, lines = doctor({**values, "evidence_url": f"s3://{evidence_bucket}/evidence"})
    assert code == 0 and f"ok    evidence store: s3://{evidence_bucket}/evidence" in lines[-2]
    code, lines = doctor({**values, "evidence_url": "s3://qms-nowhere/evidence"})
    assert code == 1 and len(failures(lines)) == 1
    assert "evidence store" in failures(lines)[0] and "there is no bucket 'qms-nowhere'" in failures(lines)[0]


def test_the_command_line_runs_the_doctor_from_the_environment(
    values: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": values["slack_api_url"], "DATABASE_URL": values["database_url"]}
    env |= {"SLACK_APP_TOKEN": values["slack_app_token"], "QMS_MANAGERS": QUINN, "QMS_CHANNEL": CHANNEL}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["doctor"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("all ")
