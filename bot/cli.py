"""`qms-bot`: run, migrate, check, demo."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.workspace.commands import COMMANDS, DIGEST_WITHOUT_PREVIEW, described
from bot.workspace.config import (
    ConfigError,
    Settings,
    credential_problems,
    load_settings,
    setting_name,
    settings_file,
    settings_warnings,
)

log = logging.getLogger("qms-bot")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _dispatch(args)


def _parser() -> argparse.ArgumentParser:
    from bot.workspace.logs import bot_version

    parser = argparse.ArgumentParser(prog="qms-bot", description="An ISO 9001 quality management system in Slack.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {bot_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help=COMMANDS["run"][0])
    run.add_argument("--host", default="0.0.0.0", help="address for HTTP mode and QMS_HEALTH_PORT (default 0.0.0.0)")
    sub.add_parser("migrate", help=COMMANDS["migrate"][0])
    sub.add_parser("check", help=COMMANDS["check"][0])
    sub.add_parser("doctor", help=COMMANDS["doctor"][0])
    revision = sub.add_parser("makemigration", help=COMMANDS["makemigration"][0])
    revision.add_argument("message", help="what the migration does, e.g. 'nonconformity register'")
    from bot.standin.demo_cli import add_parser as add_demo_parser  # names only: no app imported

    add_demo_parser(sub)
    digest = sub.add_parser("digest", help=COMMANDS["digest"][0])
    digest.add_argument("--preview", action="store_true", help="print the digest as it stands now (sends nothing)")
    export = sub.add_parser("export", help=COMMANDS["export"][0])
    export.add_argument("--out", required=True, help="the workbook to write (xlsx), or the folder for the CSV files")
    export.add_argument(
        "--from", dest="first", metavar="DATE", help="only records from this day (YYYY-MM-DD, QMS_TIMEZONE)"
    )
    export.add_argument("--to", dest="last", metavar="DATE", help="only records up to and including this day")
    export.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        default="xlsx",
        help="xlsx: one workbook (default); csv: one file per register",
    )
    export.add_argument(
        "--with-files",
        action="store_true",
        help="write a zip (--out) of the workbook and every evidence file, with a manifest of SHA-256 hashes",
    )
    sub.add_parser("verify-trail", help=COMMANDS["verify-trail"][0])
    for name, command in sub.choices.items():  # what each does, with an example (bot/workspace/commands.py)
        command.description, command.epilog = described(name)
        command.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from bot.standin.demo_cli import run as run_demo

        return run_demo(args)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(exc.lines)
    if args.command == "check":
        return _check(settings)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "digest":
        if not args.preview:
            print(DIGEST_WITHOUT_PREVIEW, file=sys.stderr)
            return 2
        return _preview_digest(settings)
    if args.command == "doctor":
        from bot.doctor import report

        return report(settings, sys.stdout)
    if args.command == "export":
        return _export(settings, args)
    if args.command == "verify-trail":
        return _verify_trail(settings)
    if args.command == "makemigration":
        from storage.migrate import new_revision

        new_revision(settings.database_url, args.message)
        return 0
    return _run(settings, args.host)


def _fail(lines: list[str]) -> int:
    for line in lines:
        print(f"qms-bot: {line}", file=sys.stderr)
    return 2


def _database(settings: Settings) -> Any:
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(settings.database_url)
    try:
        upgrade(db.engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise ConfigError(
            [f"DATABASE_URL: cannot migrate {db.engine.url.render_as_string(hide_password=True)}: {reason}"]
        ) from None
    return db


def _migrate(settings: Settings) -> int:
    from storage.migrate import current_revision

    try:
        db = _database(settings)
    except ConfigError as exc:
        return _fail(exc.lines)
    print(f"database at revision {current_revision(db.engine)} (head)")
    return 0


def _check(settings: Settings) -> int:
    problems = credential_problems(settings)
    path = settings_file()
    shown = {
        "settings file": path.resolve() if path else "none (no qms.toml in this folder; QMS_CONFIG names another)",
        "SLACK_BOT_TOKEN": _mask(settings.slack_bot_token),
        "SLACK_APP_TOKEN": _mask(settings.slack_app_token),
        "SLACK_SIGNING_SECRET": _mask(settings.slack_signing_secret),
        "mode": "Socket Mode" if settings.slack_app_token else f"HTTP on port {settings.port}",
    }
    for name in Settings.model_fields:
        if not name.startswith("slack_") or name == "slack_api_url":
            shown[setting_name(name)] = getattr(settings, name)
    try:
        shown["evidence store"] = _evidence(settings, None, reach=False).where
    except ConfigError as exc:
        problems += exc.lines
    for key, value in shown.items():
        print(f"{key:28} {value}")
    if problems:
        return _fail(problems)
    warnings = settings_warnings(settings)
    for warning in warnings:
        print(f"qms-bot: warning: {warning}", file=sys.stderr)
    print(f"settings OK, with {len(warnings)} warning(s) above" if warnings else "settings OK")
    return 0


def _evidence(settings: Settings, db: Any, *, reach: bool = True) -> Any:
    """The evidence store QMS_EVIDENCE_URL names, checked to answer (`reach`); else ConfigError."""
    from bot.evidence import StoreUnavailable, open_store

    try:
        store = open_store(settings, db)
        if reach:
            store.check()
    except StoreUnavailable as exc:
        raise ConfigError([str(exc)]) from None
    return store


def _preview_digest(settings: Settings) -> int:
    from bot import digest
    from bot.workspace.clock import SystemClock
    from storage.db import missing_sqlite_file

    missing = missing_sqlite_file(settings.database_url)
    with tempfile.TemporaryDirectory(prefix="qms-preview-") as folder:
        if missing is not None:  # a preview leaves no qms.db behind: it reads a throwaway one
            print(f"(no database at {missing}: this is the digest of an empty QMS; set DATABASE_URL to preview yours)")
            settings = settings.model_copy(update={"database_url": f"sqlite:///{Path(folder) / 'qms.db'}"})
        try:
            db = _database(settings)
        except ConfigError as exc:
            return _fail(exc.lines)
        try:
            print("\n".join(digest.preview_lines(db, settings, SystemClock().now())))
        finally:
            db.dispose()
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot import export
    from bot.workspace.clock import SystemClock

    try:
        today = SystemClock().now().astimezone(settings.zone).date()
        period = export.parse_period(args.first, args.last, settings.zone, today, settings.risk_bands)
        db = _database(settings)
    except export.ExportError as exc:
        return _fail([str(exc)])
    except ConfigError as exc:
        return _fail(exc.lines)
    if args.with_files:
        return _export_with_files(export, db, args.out, period, settings)
    write = export.write_csv if args.format == "csv" else export.write_workbook
    try:
        summary = write(db, args.out, period)
    except export.ExportError as exc:
        return _fail([str(exc)])
    except OSError as exc:
        return _fail([f"--out: cannot write {args.out}: {exc.strerror or exc}"])
    print(f"wrote {args.out} ({period.describe()}, times in {settings.timezone}): {summary.describe()}")
    return 0


def _export_with_files(export: Any, db: Any, out: str, period: Any, settings: Settings) -> int:
    try:
        count = export.write_with_files(db, out, period, export.write_workbook, _evidence(settings, db))
    except export.ExportError as exc:
        return _fail([str(exc)])
    except ConfigError as exc:
        return _fail(exc.lines)
    except OSError as exc:
        return _fail([f"--out: cannot write {out}: {exc.strerror or exc}"])
    print(f"wrote {out} ({period.describe()}): {export.WORKBOOK}, {count} evidence file(s), SHA256SUMS, manifest.csv")
    return 0


def _verify_trail(settings: Settings) -> int:
    from bot.evidence import StoreUnavailable, evidence_problems
    from storage.audit import verify

    try:
        db = _database(settings)
        store = _evidence(settings, db)
        with db.reading() as session:
            verdict = verify(session)
            files, problems = evidence_problems(session, store)
    except ConfigError as exc:
        return _fail(exc.lines)
    except StoreUnavailable as exc:  # the bucket went away during the check
        return _fail([str(exc)])
    for problem in problems:
        print(f"evidence BROKEN: {problem}")
    if verdict.intact:
        print(f"audit trail intact: {verdict.checked} events, head {verdict.head}")
        print(
            "(keep the head somewhere else: a later run whose chain does not pass through it means events were removed from the end)"
        )
        if not problems:
            print(f"evidence intact: {files} file(s) match the hashes on the trail")
        return 1 if problems else 0
    print(f"audit trail BROKEN at event #{verdict.broken_at}: {verdict.problem}")
    print(f"{verdict.checked} event(s) before it verify; the last good hash is {verdict.head}")
    return 1


def _mask(value: str | None) -> str:
    return "(not set)" if not value else value[:5] + "…" + f" ({len(value)} characters)"


class _Stopped(SystemExit):
    """SIGTERM (a deploy, systemd, Kubernetes): leave the serve loop and shut down cleanly.

    A SystemExit, because waitress's event loop swallows ordinary exceptions raised while it
    handles a socket event (it logs them and serves on); SystemExit it lets through. A SIGTERM
    landing in that moment was ignored before.
    """


def _stop(*_: object) -> None:
    raise _Stopped


def _run(settings: Settings, host: str) -> int:
    problems = credential_problems(settings)
    if problems:
        return _fail(problems)
    from bot.app import build_context, create_app
    from bot.background import BackgroundProcess
    from bot.background import wanted as background_wanted
    from bot.delivery.scheduler import make_scheduler

    try:
        db = _database(settings)
        evidence = _evidence(settings, db)
    except ConfigError as exc:
        return _fail(exc.lines)
    from bot.workspace.logs import configure_logging

    configure_logging(settings)
    for warning in settings_warnings(settings):
        log.warning(warning)
    ctx = build_context(settings, db=db, evidence=evidence)
    socket_mode = settings.slack_app_token is not None
    try:
        app = create_app(ctx, socket_mode=socket_mode)
    except BoltError as exc:
        return _fail(
            [
                f"SLACK_BOT_TOKEN was not accepted by Slack at {settings.slack_api_url} ({exc}); copy the Bot User OAuth Token again (see manifest.yml and the README)"
            ]
        )
    except OSError as exc:  # URLError too: Slack did not answer auth.test at all
        return _fail(
            [
                f"Slack is not reachable at {settings.slack_api_url} ({_reason(exc)}); check SLACK_API_URL and the network"
            ]
        )
    health = None
    if socket_mode and settings.health_port is not None:
        from bot.server import health_app, make_server

        try:
            health = make_server(health_app(db), host, settings.health_port, threads=2)
        except OSError as exc:
            return _fail(
                [
                    f"QMS_HEALTH_PORT: cannot listen on {host}:{settings.health_port} ({exc.strerror or exc}); choose a free port or unset it"
                ]
            )
    background = BackgroundProcess(settings) if background_wanted(settings) else None
    if background is not None:
        background.start()
    scheduler = make_scheduler(ctx, periodic=background is None)
    scheduler.start()
    from bot.server import settle_heap

    settle_heap()
    signal.signal(signal.SIGTERM, _stop)
    # `kill -USR1 <pid>` prints every thread's stack to the log: for a bot that seems stuck.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    failed = _serve_until_stopped(app, ctx, host, health, scheduler, background)
    return _fail(failed) if failed else 0


def _serve_until_stopped(
    app: Any, ctx: Any, host: str, health: Any, scheduler: Any, background: Any
) -> list[str] | None:
    """Serve until SIGTERM or Ctrl-C; the line to fail with if the port or the app-level token was refused."""
    from bot.server import serve
    from bot.workspace.logs import started_line

    try:
        serve(
            app, ctx.db, ctx.settings, host, health, lambda mode: log.info(started_line(ctx.settings, ctx.client, mode))
        )
    except (KeyboardInterrupt, _Stopped):
        pass  # waitress ends its loop on SystemExit itself: serve() then returns
    except ConfigError as exc:  # the HTTP port could not be had
        return exc.lines
    except SlackApiError as exc:  # apps.connections.open refused the app-level token
        refused = exc.response.get("error") or exc
        return [
            f"SLACK_APP_TOKEN was not accepted by Slack at apps.connections.open ({refused}); create an app-level token with connections:write again (Basic Information > App-Level Tokens)"
        ]
    finally:
        log.info("stopping")
        scheduler.shutdown(wait=False)
        if background is not None:
            background.stop()  # after serving has ended: the posts in flight finish first
        ctx.later_trail.close()  # refused attempts still queued go on the trail before we stop
        ctx.db.dispose()
    return None


def _reason(exc: OSError) -> str:
    reason = getattr(exc, "reason", None) or exc.strerror or exc
    return str(reason)
