"""Settings from the environment and qms.toml; every bad value named in one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.workspace.config import (
    NOT_SETTINGS,
    ConfigError,
    Settings,
    credential_problems,
    explicit_settings,
    load_settings,
    setting_name,
)

ROOT = Path(__file__).resolve().parent.parent

SECRET = "0123456789abcdef0123456789abcdef"


def test_defaults_work_without_any_setting() -> None:
    s = load_settings()
    assert s.database_url == "sqlite:///qms.db" and s.port == 3000
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.working_window == (time(9), time(17, 30)) and s.working_weekdays == frozenset(range(5))
    assert s.due_days == {"critical": 7, "major": 30, "minor": 60, "observation": 90}
    assert s.reminder_days_before == [3, 1] and s.digest_weekday == 0 and s.digest_time == time(8)


def test_environment_uses_slacks_names_and_the_qms_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": "http://127.0.0.1:9/api",
        "DATABASE_URL": "postgresql://qms:pw@db/qms",
        "PORT": "8080",
        "QMS_MANAGERS": "U0QUINN001, U0ANNA0001",
        "QMS_LEADERS": "S0LEADERS1",
        "QMS_CHANNEL": "C0QUALITY1",
        "QMS_TIMEZONE": "Europe/Vienna",
        "QMS_WORKING_HOURS": "8:00-16:00",
        "QMS_WORKING_DAYS": "mon-thu",
        "QMS_PROCESSES": "Sales,Production",
        "QMS_DUE_DAYS": "critical=3",
        "QMS_REMINDER_DAYS_BEFORE": "1,7",
        "QMS_DIGEST": "fri 15:30",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    s = load_settings()
    assert s.slack_bot_token == "xoxb-1" and s.port == 8080
    assert s.slack_api_url == "http://127.0.0.1:9/api/"
    assert s.database_url == "postgresql+psycopg://qms:pw@db/qms"
    assert s.managers == ["U0QUINN001", "U0ANNA0001"] and s.leaders == ["S0LEADERS1"]
    assert s.working_hours == "08:00-16:00" and s.working_weekdays == frozenset({0, 1, 2, 3})
    assert s.processes == ["Sales", "Production"]
    assert s.due_days["critical"] == 3 and s.due_days["major"] == 30
    assert s.reminder_days_before == [7, 1] and s.digest == "fri 15:30"


def test_qms_toml_is_read_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "qms.toml").write_text(
        'managers = ["U0QUINN001"]\ntimezone = "Europe/Paris"\nprocesses = ["Assembly", "Test"]\n'
        "[due_days]\nmajor = 20\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QMS_TIMEZONE", "Europe/Madrid")
    s = load_settings()
    assert s.managers == ["U0QUINN001"] and s.processes == ["Assembly", "Test"] and s.due_days["major"] == 20
    assert s.timezone == "Europe/Madrid"


def test_process_owners_match_the_process_list_ignoring_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMS_PROCESS_OWNERS", "production=U0ANNA0001, Warehouse and logistics=U0BEN00001")
    s = load_settings()
    assert s.process_owner("Production") == "U0ANNA0001" and s.process_owner("Warehouse and logistics") == "U0BEN00001"
    assert s.process_owner("Sales") is None
    assert (s.escalate_after_days, s.verify_after_days, s.snooze_limit, s.recurrence_months) == (7, 14, 3, 12)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("QMS_WORKING_HOURS", "9-5", "QMS_WORKING_HOURS: expected HH:MM-HH:MM"),
        ("QMS_WORKING_HOURS", "17:00-09:00", "QMS_WORKING_HOURS: the working day must start before it ends"),
        ("QMS_WORKING_DAYS", "weekdays", "QMS_WORKING_DAYS: expected weekdays"),
        ("QMS_TIMEZONE", "Mars/Olympus", "QMS_TIMEZONE: expected an IANA timezone"),
        ("QMS_MANAGERS", "quinn", "QMS_MANAGERS: QMS managers must be Slack user IDs"),
        ("QMS_LEADERS", "U0LENA0001,S0LEADERS1", "QMS_LEADERS: give either user IDs or a single user group"),
        ("QMS_CHANNEL", "#quality", "QMS_CHANNEL: expected a channel ID"),
        ("QMS_DUE_DAYS", "urgent=1", "QMS_DUE_DAYS: unknown severity 'urgent'"),
        ("QMS_DUE_DAYS", "critical=0", "QMS_DUE_DAYS: critical due days must be between 1 and 365"),
        ("QMS_DIGEST", "monday morning", "QMS_DIGEST: expected a weekday and a time"),
        (
            "QMS_AUDIT_PREPARE_DAYS",
            "14,1",
            "QMS_AUDIT_PREPARE_DAYS: days before an audit to remind the auditor to prepare must be between 2 and 120",
        ),
        ("QMS_REVIEW_PACK_DAYS", "0", "QMS_REVIEW_PACK_DAYS: "),
        ("QMS_OVERDUE_EVERY_DAYS", "0", "QMS_OVERDUE_EVERY_DAYS: Input should be greater than or equal to 1"),
        ("PORT", "http", "PORT: Input should be a valid integer"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: expected sqlite:///path.db or postgresql+psycopg://"),
        ("QMS_PROCESSES", ",", "QMS_PROCESSES: list at least one process"),
        ("QMS_PROCESS_OWNERS", "Production", "QMS_PROCESS_OWNERS: expected process=user ID pairs"),
        ("QMS_PROCESS_OWNERS", "Space=U0ANNA0001", "QMS_PROCESS_OWNERS: 'Space' is not in QMS_PROCESSES"),
        (
            "QMS_PROCESS_OWNERS",
            "Production=anna",
            "QMS_PROCESS_OWNERS: the owner of 'Production' must be a Slack user ID",
        ),
        ("QMS_ESCALATE_AFTER_DAYS", "0", "QMS_ESCALATE_AFTER_DAYS: Input should be greater than or equal to 1"),
        ("QMS_SNOOZE_LIMIT", "11", "QMS_SNOOZE_LIMIT: Input should be less than or equal to 10"),
    ],
)
def test_a_bad_value_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith(says), caught.value.lines[0]


def test_several_bad_values_give_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMS_TIMEZONE", "nowhere")
    monkeypatch.setenv("QMS_DIGEST", "never")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [line.split(":")[0] for line in caught.value.lines] == ["QMS_TIMEZONE", "QMS_DIGEST"]


def test_a_missing_or_broken_settings_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMS_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="QMS_CONFIG: no settings file"):
        load_settings()
    (tmp_path / "bad.toml").write_text("managers = [")
    monkeypatch.setenv("QMS_CONFIG", str(tmp_path / "bad.toml"))
    with pytest.raises(ConfigError, match="bad.toml"):
        load_settings()


def test_a_misspelt_key_in_the_settings_file_is_refused_with_a_did_you_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "qms.toml").write_text(
        'manager = ["U0QUINN001"]\nchanel = "C0QUALITY1"\nfrobnicate = 1\nTimezone = "Europe/Berlin"\n'
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.lines == [  # keys are read regardless of case, as pydantic reads them
        "qms.toml: unknown setting 'chanel'; did you mean 'channel'?",
        "qms.toml: unknown setting 'frobnicate'; the settings are listed in the README (Settings)",
        "qms.toml: unknown setting 'manager'; did you mean 'managers'?",
    ]


def test_an_unknown_qms_variable_is_refused_with_a_did_you_mean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMS_CHANEL", "C0QUALITY1")
    monkeypatch.setenv("qms_manager", "U0QUINN001")  # the environment is read regardless of case
    monkeypatch.setenv("QMS_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("QMS_TIMEZONE", "nowhere")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.lines == [
        "QMS_CHANEL: unknown setting; did you mean QMS_CHANNEL?",
        "QMS_DATABASE_URL: unknown setting; did you mean DATABASE_URL?",
        "qms_manager: unknown setting; did you mean QMS_MANAGERS?",
        "QMS_TIMEZONE: expected an IANA timezone such as Europe/Berlin, got 'nowhere'",
    ]


def test_variables_the_bot_and_its_tooling_read_are_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NOT_SETTINGS:
        monkeypatch.setenv(name, "1" if name != "QMS_CONFIG" else "qms.toml")
    (Path.cwd() / "qms.toml").write_text("")
    load_settings()


def test_every_qms_variable_read_anywhere_is_a_setting_or_known_not_to_be_one() -> None:
    read = re.compile(r"""(?:environ\.get\(|environ\[|getenv\(|\$\{)["']?(QMS_[A-Z0-9_]+)""")
    sources = [p for d in ("bot", "handlers", "storage", "tests", "bench") for p in (ROOT / d).rglob("*.py")]
    found = {name for path in [*sources, ROOT / ".ci" / "run"] for name in read.findall(path.read_text())}
    settings = {setting_name(name) for name in Settings.model_fields}
    assert found and found <= settings | set(NOT_SETTINGS), found - settings - set(NOT_SETTINGS)
    assert {"QMS_TEST_DATABASE_URL", "QMS_CI_PGPORT", "QMS_BENCH_DATABASE_URL"} <= found


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"slack_bot_token": "xoxp-user"}, "SLACK_BOT_TOKEN must be the Bot User OAuth Token"),
        ({"slack_bot_token": "xoxb-1"}, "set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET"),
        ({"slack_bot_token": "xoxb-1", "slack_app_token": "xoxb-2"}, "SLACK_APP_TOKEN must be an app-level token"),
        (
            {"slack_bot_token": "xoxb-1", "slack_signing_secret": "secret"},
            "SLACK_SIGNING_SECRET must be the 32-character",
        ),
    ],
)
def test_credentials_are_checked_with_a_hint(values: dict[str, str], problem: str) -> None:
    problems = credential_problems(explicit_settings(**values))
    assert problems and problems[0].startswith(problem)


def test_good_credentials_pass() -> None:
    assert credential_problems(explicit_settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1")) == []
    assert credential_problems(explicit_settings(slack_bot_token="xoxb-1", slack_signing_secret=SECRET)) == []


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "QMS_")) and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_a_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "SLACK_BOT_TOKEN is not set" in result.stderr and "manifest.yml" in result.stderr


def test_run_with_a_bad_setting_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("run", env={"QMS_WORKING_HOURS": "all day"}, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip() == "qms-bot: QMS_WORKING_HOURS: expected HH:MM-HH:MM such as 09:00-17:30, got 'all day'"
    )


def test_run_with_an_unreachable_database_says_so(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/q.db",
    }
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("qms-bot: DATABASE_URL: cannot migrate")


def test_migrate_creates_the_default_sqlite_file(tmp_path: Path) -> None:
    result = run_cli("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "head" in result.stdout and (tmp_path / "qms.db").exists()


def test_check_masks_tokens_and_lists_every_setting(tmp_path: Path) -> None:
    result = run_cli(
        "check", env={"SLACK_BOT_TOKEN": "xoxb-secret-value", "SLACK_APP_TOKEN": "xapp-1-secret"}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "secret-value" not in result.stdout and "Socket Mode" in result.stdout
    for name in ("QMS_MANAGERS", "QMS_WORKING_HOURS", "QMS_DIGEST", "DATABASE_URL", "PORT"):
        assert name in result.stdout


def test_check_names_the_settings_file_and_warns_without_managers_or_channel(tmp_path: Path) -> None:
    tokens = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    bare = run_cli("check", env=tokens, cwd=tmp_path)
    assert bare.returncode == 0, bare.stderr
    assert re.search(r"settings file +none \(no qms.toml in this folder", bare.stdout)
    assert bare.stderr.count("qms-bot: warning: ") == 2
    assert "QMS_MANAGERS is not set" in bare.stderr and "QMS_CHANNEL is not set" in bare.stderr
    assert bare.stdout.strip().endswith("settings OK, with 2 warning(s) above")
    (tmp_path / "org.toml").write_text('managers = ["U0QUINN001"]\nchannel = "C0QUALITY1"\n')
    named = run_cli("check", env={**tokens, "QMS_CONFIG": str(tmp_path / "org.toml")}, cwd=tmp_path)
    assert named.returncode == 0 and named.stderr == ""
    assert re.search(rf"settings file +{re.escape(str(tmp_path / 'org.toml'))}\n", named.stdout)
    assert named.stdout.strip().endswith("settings OK")


def test_check_refuses_a_misspelt_key_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "qms.toml").write_text('chanel = "C0QUALITY1"\n')
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2 and "settings OK" not in result.stdout
    assert result.stderr == "qms-bot: qms.toml: unknown setting 'chanel'; did you mean 'channel'?\n"
