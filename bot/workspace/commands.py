"""What each `qms-bot` subcommand does, with an example: the words of `qms-bot <command> --help`.

Kept apart from bot/cli.py, which wires the commands, so that the launcher stays short and the
words can be read in one place. Every subcommand has an entry (tests/test_cli_help.py).
"""

from __future__ import annotations

DIGEST_WITHOUT_PREVIEW = """\
qms-bot digest: the leaders' weekly digest (open NCs, overdue actions, objectives against target).

The digest is sent by `qms-bot run`, on its schedule (QMS_DIGEST, e.g. "mon 08:00" in
QMS_TIMEZONE), to QMS_LEADERS_CHANNEL or the leaders' DMs; there is nothing to send by hand.
To see it as it stands now, without sending anything:

    qms-bot digest --preview"""

# command: (what it does, in one line for `qms-bot --help`; more words and an example)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "serve Slack (Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT)",
        "Serve the workspace: answer commands, forms and buttons, send the nudges and the digest on\n"
        "their schedule. Socket Mode when SLACK_APP_TOKEN is set; else HTTP on PORT at /slack/events.\n"
        "Migrates the database first. Stop it with Ctrl-C or SIGTERM.\n\n"
        "example:\n  SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… qms-bot run",
    ),
    "migrate": (
        "bring the database schema up to date",
        "Apply every migration the database does not have yet (DATABASE_URL; SQLite qms.db by default).\n"
        "Safe to run again, and from several instances at once.\n\n"
        "example:\n  DATABASE_URL=postgresql+psycopg://qms@db/qms qms-bot migrate",
    ),
    "check": (
        "validate the settings and show what the bot will use",
        "Read the settings (environment and qms.toml), name every bad or unknown one, and show the\n"
        "values the bot will use. Asks Slack nothing: `qms-bot doctor` checks against the workspace.\n\n"
        "example:\n  QMS_CONFIG=/etc/qms/qms.toml qms-bot check",
    ),
    "doctor": (
        "check this installation against the real workspace: tokens, scopes, channels, people, database",
        "Ask Slack and the database what the bot will need from them, one line a check with what to do\n"
        "when it fails: the tokens (auth.test), the scopes manifest.yml asks for, the bot's membership\n"
        "of QMS_CHANNEL and QMS_LEADERS_CHANNEL, every user and user group the settings name, the\n"
        "database at the latest migration, failed or stuck outbox messages, the evidence store.\n"
        "Changes nothing. Exit 0 when every check passes, 1 when one fails.\n\n"
        "example:\n  qms-bot doctor",
    ),
    "makemigration": (
        "(developers) write a migration for changed tables",
        "Compare the tables in storage/ with the database and write an Alembic migration for the\n"
        "difference into storage/migrations/versions/.\n\n"
        "example:\n  qms-bot makemigration 'supplier register'",
    ),
    "demo": (
        "play every process against a local Slack stand-in and print what people see",
        "Start the whole bot on loopback against a stand-in for Slack and a throwaway database, play\n"
        "the tour of every process as named scenes (--scene plays one), and print each message and\n"
        "form as people would see them. Needs no Slack workspace and no settings.\n\n"
        "examples:\n  qms-bot demo | less\n  qms-bot demo --scene audit --out demo-files/",
    ),
    "digest": (
        "the leaders' weekly digest (--preview prints it; `run` sends it on its schedule)",
        "Print the leaders' digest as it stands now, and whom it goes to. Sends nothing: `qms-bot run`\n"
        "sends the digest on its schedule (QMS_DIGEST). Without a database it previews an empty QMS\n"
        "and creates no database file.\n\n"
        "example:\n  qms-bot digest --preview",
    ),
    "export": (
        "write every register and the audit trail for auditors (xlsx, or CSV files)",
        "Write every register and the audit trail, times in QMS_TIMEZONE, for a certification audit.\n\n"
        "examples:\n  qms-bot export --out qms.xlsx --from 2026-01-01 --to 2026-06-30\n"
        "  qms-bot export --out registers/ --format csv\n"
        "  qms-bot export --out evidence.zip --with-files",
    ),
    "verify-trail": (
        "recompute the audit trail's hash chain and re-hash the kept evidence files; exit 1 at the first break",
        "Recompute the hash chain of the audit trail and re-hash every kept evidence file; report the\n"
        "first break and exit 1, or the head hash to keep elsewhere and exit 0.\n\n"
        "example:\n  qms-bot verify-trail",
    ),
}


def described(name: str) -> tuple[str, str]:
    """(description, epilog) of `qms-bot <name> --help`: what the command does, then its examples."""
    words, _, examples = COMMANDS[name][1].partition("\n\nexample")
    return words, "example" + examples
