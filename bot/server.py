"""HTTP mode: Slack's endpoint and a health check, served by waitress (production WSGI)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from storage.db import Database

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(app: App, db: Database) -> WSGIApp:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = db.ping()
            body = json.dumps({"status": "ok" if healthy else "database unreachable"}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return application


def make_server(application: WSGIApp, host: str, port: int, threads: int = 8) -> Any:
    """A waitress server; `.run()` serves until `.close()`; `.effective_port` is the bound port."""
    return create_server(application, host=host, port=port, threads=threads, ident="qms-bot")


def stop_from_loop(server: Any) -> None:
    """Close a server that is running in another thread, from inside its own loop.

    Closing from outside leaves the loop in select() until its timeout (a second by
    default) before it sees that nothing is left to serve; a thunk pulled through the
    server's trigger closes everything and the loop ends at once.
    """
    server.trigger.pull_trigger(server.close)
