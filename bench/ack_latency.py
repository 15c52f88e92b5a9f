"""Ack latency: how fast Slack gets its acknowledgement, under concurrent load, over HTTP.

The real app (HTTP mode, waitress, Bolt acking before the work as in production) against a
fake Slack that takes `--api-delay` per call, next to a bare Bolt app doing the same Slack
calls. Slack wants the ack within 3 seconds; the work after it runs on.

    .venv/bin/python bench/ack_latency.py --requests 500 --concurrency 20
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App

from bot.server import EVENTS_PATH, make_server, wsgi_app
from bot.standin.sandbox import ANNA, QUINN, Sandbox
from bot.standin.simulate import Simulator

SLACK_CALLS = (
    "views.open",
    "chat.postMessage",
    "chat.update",
    "chat.getPermalink",
    "users.info",
    "views.publish",
    "conversations.info",
)


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {cuts[49] * 1000:6.1f} ms · p95 {cuts[94] * 1000:6.1f} ms · p99 {cuts[98] * 1000:6.1f} ms"


def run(fire: Callable[[int], Any], requests: int, concurrency: int) -> list[float]:
    timings: list[float] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        started = time.perf_counter()
        response = fire(n)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        with lock:
            timings.append(elapsed)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    return timings


def bare_app(sb: Sandbox) -> Simulator:
    """A Bolt app with no QMS logic: ack, then the same kind of Slack call."""
    app = App(client=sb.ctx.client, signing_secret=sb.signing_secret, process_before_response=False)

    @app.command("/nc")
    def nc(ack: Any, command: dict[str, Any], client: Any) -> None:
        ack()
        client.views_open(
            trigger_id=command["trigger_id"],
            view={"type": "modal", "title": {"type": "plain_text", "text": "Bare"}, "blocks": []},
        )

    @app.action("nc_contain")
    def click(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="clicked")

    server = make_server(wsgi_app(app, sb.db, sb.signing_secret), "127.0.0.1", 0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return Simulator(f"http://127.0.0.1:{server.effective_port}{EVENTS_PATH}", sb.signing_secret, sb.fake)


def main() -> int:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" is the load we ask for
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--api-delay", type=float, default=0.05, help="seconds the fake Slack takes per call")
    args = parser.parse_args()

    with Sandbox(
        process_before_response=False, settings={"working_hours": "00:00-23:59", "working_days": "mon-sun"}
    ) as sb:
        # An NC whose card button Anna (not its owner) clicks: a server-side check and a refusal.
        sb.slack.command(QUINN, "/nc")
        sb.slack.submit(
            QUINN,
            sb.fake.wait_for_call("views.open").response["view"],
            {
                "title": "Bench",
                "description": "d",
                "severity": "minor",
                "source": "employee_report",
                "process": "Production",
            },
        )
        time.sleep(1)  # production mode: the card is posted after the ack, on Bolt's thread
        for method in SLACK_CALLS:
            sb.fake.delay(method, args.api_delay)
        bare = bare_app(sb)
        print(
            f"{args.requests} requests each, {args.concurrency} at a time, fake Slack API delay {args.api_delay * 1000:.0f} ms"
        )
        rows = []
        for name, fire in (
            ("/nc (opens the form)", lambda n: sb.slack.command(ANNA, "/nc", f"bench {n}")),
            ("/nc list", lambda n: sb.slack.command(ANNA, "/nc", "list open")),
            ("card button (refused)", lambda n: sb.slack.click(ANNA, "nc_contain", "1", block_id="nc_steps")),
            ("bare Bolt /nc", lambda n: bare.command(ANNA, "/nc", f"bench {n}")),
            ("bare Bolt button", lambda n: bare.click(ANNA, "nc_contain", "1")),
        ):
            timings = run(fire, args.requests, args.concurrency)
            rows.append((name, timings))
            print(f"  {name:24} {percentiles(timings)}")
        ours = statistics.median(rows[0][1])
        bare_median = statistics.median(rows[3][1])
        print(f"  median ack, /nc ours vs bare Bolt: {ours / bare_median:.2f}×")
        bare.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
