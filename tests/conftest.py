from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text

from bot.standin import echoes
from bot.standin.fakeslack import refusals
from bot.standin.sandbox import Sandbox
from bot.workspace.clock import ManualClock
from storage.db import Database
from storage.migrate import upgrade

BASE_PG_URL = os.environ.get("QMS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/qms_test")
# pytest-xdist runs the suite in several processes; each drops and recreates its schema per
# test, so each worker gets a database of its own next to the one named (qms_test_gw0, ...).
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
# The database's name is changed, not the URL's end: a URL may end in `?host=/tmp`.
_base = make_url(BASE_PG_URL)
PG_URL = (
    _base.set(database=f"{_base.database}_{WORKER}").render_as_string(hide_password=False) if WORKER else BASE_PG_URL
)
_pg_state: dict[str, str | None] = {}


def _create_worker_database() -> None:
    name = make_url(PG_URL).database
    engine = create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
    with engine.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No developer's own Slack tokens, QMS settings or qms.toml leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "QMS_")) or name in ("DATABASE_URL", "PORT"):
            if name not in ("QMS_TEST_DATABASE_URL", "QMS_REQUIRE_POSTGRES"):
                monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(autouse=True)
def nothing_refused(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test during which any FakeSlack refused a surface Slack would refuse.

    Every FakeSlack reports to one registry in bot.standin.fakeslack, so fakes a test builds
    itself are covered too. Tests that send bad surfaces on purpose say so with
    @pytest.mark.refusals_expected.
    """
    before = len(refusals())
    yield
    if request.node.get_closest_marker("refusals_expected") is not None:
        return
    new = refusals()[before:]
    if new:
        lines = [f"{method}: {'; '.join(reasons)}" for method, reasons, _args in new]
        pytest.fail("Slack would refuse what the bot sent:\n" + "\n".join(lines), pytrace=False)


@pytest.fixture(autouse=True)
def nothing_echoed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test during which the bot sent Slack a live mention or link a person typed.

    The simulator and the fake Slack find them (bot.standin.echoes): every mrkdwn text and
    top-level text of every message, view, response_url post and ack is scanned for a
    `<!…>`, `<@…>`, `<#…>` or `<http…>` found in what someone typed during this test. Tests
    that send such surfaces on purpose say so with @pytest.mark.echoes_expected.
    """
    echoes.forget_typed()
    before = len(echoes.echoes())
    yield
    if request.node.get_closest_marker("echoes_expected") is not None:
        return
    new = echoes.echoes()[before:]
    if new:
        lines = list(dict.fromkeys(f"{where}: {token} (in {text[:160]!r})" for where, token, text in new))
        pytest.fail("The bot sent what a person typed unescaped:\n" + "\n".join(lines), pytrace=False)


def postgres_unavailable() -> str | None:
    """None when the test PostgreSQL answers, else the one-line reason to skip."""
    if "reason" not in _pg_state:
        try:
            if WORKER:
                _create_worker_database()
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 2})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # any failure to connect means: no server for us
            first = str(exc).strip().splitlines()[0][:120]
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_URL} (set QMS_TEST_DATABASE_URL): {first}"
    return _pg_state["reason"]


def fresh_postgres() -> str:
    reason = postgres_unavailable()
    if reason:
        if os.environ.get("QMS_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'qms.db'}"
    return fresh_postgres()


@pytest.fixture
def postgres_url() -> str:
    return fresh_postgres()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()  # Wednesday 25 Nov 2026, 09:00 UTC (10:00 in Berlin)


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sb:
        yield sb
