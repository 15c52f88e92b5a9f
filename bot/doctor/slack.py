"""The Slack half of `qms-bot doctor`: the tokens, the scopes, the channels, the people.

Each check asks Slack what the bot will ask it when it runs (auth.test, apps.connections.open,
conversations.info, users.info, usergroups.list), so a line that passes here is a call that
works for the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.doctor.findings import Finding, fail, ok, skip
from bot.surfaces.mrkdwn import is_user_id, is_usergroup_id
from bot.workspace.config import Settings
from bot.workspace.scopes import BOT_SCOPES, GRANTED_HEADER, granted
from bot.workspace.start_checks import credential_problems

REINSTALL = "reinstall the app to the workspace after adding them"


@dataclass(frozen=True)
class Bot:
    """Who the bot token says the bot is (auth.test)."""

    name: str
    user_id: str
    team: str
    team_id: str
    scopes: set[str] | None  # None: Slack sent no x-oauth-scopes header


def slack_findings(settings: Settings, client: WebClient) -> list[Finding]:
    problems = credential_problems(settings)
    if problems:
        return [fail("Slack credentials", problem) for problem in problems] + [
            skip("Slack", "the workspace checks need the credentials above")
        ]
    found, bot = _bot_token(settings, client)
    if bot is None:
        return [found, skip("Slack", "the scope, channel and people checks need a bot token Slack accepts")]
    findings = [found]
    if settings.slack_app_token:
        findings.append(_app_token(settings, client))
    findings.append(_scopes(bot))
    findings += [_channel(client, bot, name, value) for name, value in _channels(settings)]
    findings += _people(settings, client)
    return findings


def _bot_token(settings: Settings, client: WebClient) -> tuple[Finding, Bot | None]:
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        return fail(
            "bot token",
            f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token (xoxb-…) again from the "
            "app's OAuth & Permissions page; if there is none, install the app to the workspace",
        ), None
    except (SlackClientError, OSError) as exc:
        return fail(
            "bot token",
            f"Slack is not reachable at {settings.slack_api_url} ({exc}): check SLACK_API_URL and the network",
        ), None
    headers = {name.lower(): value for name, value in (answer.headers or {}).items()}
    scopes = granted(headers[GRANTED_HEADER]) if GRANTED_HEADER in headers else None
    bot = Bot(
        str(answer.get("user")), str(answer.get("user_id")), str(answer.get("team")), str(answer.get("team_id")), scopes
    )
    return ok("bot token", f"the bot is @{bot.name} ({bot.user_id}) in the workspace {bot.team} ({bot.team_id})"), bot


def _app_token(settings: Settings, client: WebClient) -> Finding:
    """apps.connections.open, as Socket Mode starts: a URL Slack hands out, never connected to here."""
    try:
        WebClient(base_url=client.base_url, timeout=client.timeout).apps_connections_open(
            app_token=settings.slack_app_token or ""
        )
    except SlackApiError as exc:
        return fail(
            "app token",
            f"Slack refused SLACK_APP_TOKEN at apps.connections.open ({exc.response.get('error')}): create an "
            "app-level token with connections:write (Basic Information > App-Level Tokens) and set it again",
        )
    except (SlackClientError, OSError) as exc:
        return fail("app token", f"apps.connections.open did not answer ({exc})")
    return ok("app token", "SLACK_APP_TOKEN is an xapp- token Slack opens Socket Mode connections with")


def _scopes(bot: Bot) -> Finding:
    if bot.scopes is None:
        return fail("scopes", f"Slack sent no {GRANTED_HEADER} header with auth.test, so the scopes cannot be compared")
    missing = [scope for scope in BOT_SCOPES if scope not in bot.scopes]
    if missing:
        return fail(
            "scopes",
            f"the token lacks {', '.join(missing)}, which manifest.yml asks for: add them under OAuth & Permissions "
            f"> Scopes (or paste manifest.yml again under App Manifest), and {REINSTALL}",
        )
    return ok("scopes", f"all {len(BOT_SCOPES)} scopes manifest.yml asks for are granted")


def _channels(settings: Settings) -> list[tuple[str, str | None]]:
    channels: list[tuple[str, str | None]] = [("QMS_CHANNEL", settings.channel)]
    if settings.leaders_channel:
        channels.append(("QMS_LEADERS_CHANNEL", settings.leaders_channel))
    return channels


def _channel(client: WebClient, bot: Bot, setting: str, channel_id: str | None) -> Finding:
    if not channel_id:
        return skip(setting, "not set: NC cards go to their owners only and nobody is welcomed")
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return fail(
                setting,
                f"Slack knows no channel {channel_id}, or it is private and @{bot.name} is not in it: check the ID "
                f"(the channel's details, at the bottom of About), or /invite @{bot.name} in the private channel",
            )
        return fail(setting, f"conversations.info on {channel_id} failed ({_why(exc)})")
    except (SlackClientError, OSError) as exc:
        return fail(setting, f"conversations.info on {channel_id} did not answer ({exc})")
    name = channel.get("name") or channel_id
    if not channel.get("is_member"):
        return fail(setting, f"@{bot.name} is not a member of #{name} ({channel_id}): /invite @{bot.name} in #{name}")
    return ok(setting, f"@{bot.name} is a member of #{name} ({channel_id})")


def configured_people(settings: Settings) -> list[tuple[str, str]]:
    """(setting, ID) of every user and user group the settings name, in the order shown."""
    named = [
        *(("QMS_MANAGERS", m) for m in settings.managers),
        *(("QMS_LEADERS", m) for m in settings.leaders),
        *(("QMS_DISPOSITION_APPROVERS", m) for m in settings.disposition_approvers),
        *((f"QMS_PROCESS_OWNERS ({process})", owner) for process, owner in settings.process_owners.items()),
    ]
    return list(dict.fromkeys(named))


def _people(settings: Settings, client: WebClient) -> list[Finding]:
    named = configured_people(settings)
    if not named:
        return [skip("people", "no users or user groups are set (QMS_MANAGERS, QMS_LEADERS, …)")]
    groups = _groups(client) if any(is_usergroup_id(i) for _, i in named) else {}
    problems = []
    for setting, slack_id in named:
        problem = _group_problem(groups, slack_id) if is_usergroup_id(slack_id) else _user_problem(client, slack_id)
        if problem:
            problems.append(fail(setting, f"{slack_id} {problem}"))
    if problems:
        return problems
    users = sum(1 for _, i in named if is_user_id(i))
    return [ok("people", f"the {users} user(s) and {len(named) - users} user group(s) the settings name are found")]


def _user_problem(client: WebClient, user_id: str) -> str | None:
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") == "user_not_found":
            return "is no user in this workspace: copy the member ID again (profile > ⋮ > Copy member ID)"
        return f"could not be looked up ({_why(exc)})"
    except (SlackClientError, OSError) as exc:
        return f"could not be looked up ({exc})"
    if user.get("deleted"):
        return f"is deactivated in Slack ({user.get('name')}): name someone else"
    if user.get("is_bot"):
        return f"is a bot ({user.get('name')}), not a person: name a person"
    return None


def _groups(client: WebClient) -> dict[str, dict[str, Any]] | str:
    """The workspace's user groups by ID, disabled ones too; or why Slack did not list them."""
    try:
        answer = client.usergroups_list(include_disabled=True)
    except SlackApiError as exc:
        return _why(exc)
    except (SlackClientError, OSError) as exc:
        return str(exc)
    return {group["id"]: group for group in answer.get("usergroups") or []}


def _group_problem(groups: dict[str, dict[str, Any]] | str, group_id: str) -> str | None:
    if isinstance(groups, str):
        return f"could not be looked up (usergroups.list: {groups})"
    group = groups.get(group_id)
    if group is None:
        # Slack's menus do not show a group's ID; the list just read does.
        known = ", ".join(f"@{g.get('handle')} {i}" for i, g in groups.items() if not g.get("date_delete"))
        return f"is no user group in this workspace (its groups: {known or 'none'})"
    if group.get("date_delete"):
        return f"is a disabled user group (@{group.get('handle')}): enable it or name another"
    return None


def _why(exc: SlackApiError) -> str:
    error = str(exc.response.get("error"))
    if error == "missing_scope":
        return f"missing_scope: the token lacks {exc.response.get('needed')}; add it, and {REINSTALL}"
    return error
