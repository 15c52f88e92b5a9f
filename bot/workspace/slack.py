"""The Slack Web API client, with the retries slack-sdk leaves to us."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.signature import SignatureVerifier

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


def quick_client(client: WebClient, timeout: int) -> WebClient:
    """The same token and Slack, one try within `timeout`: for a call made while a trigger_id
    (good for 3 s) waits, where a retry or a 10-second wait would cost the person the form."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=timeout, retry_handlers=[])


def signed_by_slack(
    verifier: SignatureVerifier, body: bytes | str, timestamp: str | None, signature: str | None
) -> bool:
    """Whether Slack signed this request, failing closed on anything malformed (slack_sdk's
    verifier raises on a timestamp that is not a whole number)."""
    if not timestamp or not timestamp.isdigit() or not signature:
        return False
    try:
        return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except Exception:  # whatever is wrong with a request, it is not verified
        return False
