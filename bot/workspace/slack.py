"""The Slack Web API client, with the retries slack-sdk leaves to us."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.workspace.config import Settings

# Interactive work (opening a modal, answering a button) may wait out one short 429; the
# outbox never waits inside the client: it reschedules rows itself (bot/outbox.py).
TIMEOUT_SECONDS = 10


def web_client(settings: Settings, *, for_outbox: bool = False) -> WebClient:
    handlers: list[RetryHandler] = [ConnectionErrorRetryHandler(max_retry_count=2)]
    if not for_outbox:
        handlers += [RateLimitErrorRetryHandler(max_retry_count=1), ServerErrorRetryHandler(max_retry_count=1)]
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=handlers,
    )
