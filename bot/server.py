"""HTTP mode: Slack's endpoint and a health check, served by waitress (production WSGI).

A Socket Mode deployment serves only the health check, on QMS_HEALTH_PORT when it is set.
"""

from __future__ import annotations

import gc
import io
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

from bot.workspace.config import ConfigError, Settings
from bot.workspace.slack import signed_by_slack
from storage.db import Database

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(app: App, db: Database, signing_secret: str | None) -> WSGIApp:
    if not signing_secret:  # the settings check demands one in HTTP mode; never verify with none
        raise ValueError("HTTP mode needs the app's signing secret")
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    verifier = SignatureVerifier(signing_secret)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH and not _verified(verifier, environ):
            # Before Bolt sees it: Bolt hands a verifier that raised (a malformed timestamp)
            # to the app's error handler with the unverified body, response_url and all.
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]
        if _asks_health(environ):
            return _health(db, start_response)
        return slack(environ, start_response)

    return application


def _verified(verifier: SignatureVerifier, environ: dict[str, Any]) -> bool:
    """Whether Slack signed this request; the body is read once here and put back for Bolt."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
    except (ValueError, OSError):
        return False
    environ["wsgi.input"] = io.BytesIO(body)
    timestamp, signature = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE")
    return signed_by_slack(verifier, body, timestamp, signature)


def health_app(db: Database) -> WSGIApp:
    """GET /healthz and nothing else: for a process supervisor watching a Socket Mode bot."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _asks_health(environ):
            return _health(db, start_response)
        body = b"not found"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return application


def _asks_health(environ: dict[str, Any]) -> bool:
    return environ.get("PATH_INFO", "") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD")


def _health(db: Database, start_response: Callable[..., Any]) -> Iterable[bytes]:
    healthy = db.ping()
    body = json.dumps({"status": "ok" if healthy else "database unreachable"}).encode()
    start_response(
        "200 OK" if healthy else "503 Service Unavailable",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def make_server(application: WSGIApp, host: str, port: int, threads: int = 8) -> Any:
    """A waitress server; `.run()` serves until `stop_server()`; `.effective_port` is the bound port.

    waitress's select() loop waits up to its `asyncore_loop_timeout`, which it takes as whole
    seconds (0.02 becomes 0, a loop that never sleeps and burns a core while idle), so the
    default of 1 s stays and `stop_server` wakes the loop instead of waiting for it.
    """
    return create_server(application, host=host, port=port, threads=threads, ident="qms-bot")


def stop_server(server: Any) -> None:
    """Close a running server from another thread at once: the close runs on the loop's own
    thread, woken through waitress's trigger, and the loop ends with nothing left to watch."""
    try:
        server.trigger.pull_trigger(server.close)
    except OSError:  # the trigger is gone (the loop already ended): nothing left to wake
        server.close()


def serve(app: App, db: Database, settings: Settings, host: str, health: Any, started: Callable[[str], None]) -> None:
    """Serve until stopped: Socket Mode (with the health check on its own port if asked), or
    HTTP. `started` is told the mode once the port is bound, before Slack is connected to."""
    server = None
    try:
        if settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            mode = "Socket Mode"
            if health is not None:
                threading.Thread(target=serve_health, args=[health], name="health", daemon=True).start()
                mode += f", serving health checks at http://{host}:{health.effective_port}{HEALTH_PATH}"
            started(mode)
            SocketModeHandler(app, settings.slack_app_token).start()
        else:
            try:
                server = make_server(wsgi_app(app, db, settings.slack_signing_secret), host, settings.port)
            except OSError as exc:  # the port is taken, or not ours to have: one line, not a traceback
                raise ConfigError(
                    [f"PORT: cannot listen on {host}:{settings.port} ({exc.strerror or exc}); choose a free port"]
                ) from None
            started(
                f"HTTP mode, serving Slack requests at http://{host}:{settings.port}{EVENTS_PATH} (health: {HEALTH_PATH})"
            )
            server.run()
    finally:
        if health is not None:
            health.closing = True
        for listening in (server, health):
            if listening is not None:
                listening.close()


def serve_health(health: Any) -> None:
    try:
        health.run()
    except OSError:
        # close() from the main thread pulls the socket out from under select(): expected on stop.
        if not getattr(health, "closing", False):
            raise


def settle_heap() -> None:
    """Move everything made at start-up (modules, the app, its listeners: about 140,000
    objects) out of the garbage collector's reach before serving. Each full collection had to
    walk them all: 121 ms at a time in the ack benchmark, with a request arriving every 20 ms;
    after, 15 ms. They live as long as the process, so nothing is kept that would be freed."""
    gc.collect()
    gc.freeze()
