"""Ack latency: how fast Slack gets its acknowledgement, under concurrent load, over HTTP,
next to a fair peer.

The real app (HTTP mode, waitress, Bolt acking before the work as in production) against a
fake Slack that takes `--api-delay` per call. The peer is a bare Bolt app with the same
listener pool, the same server threads and loop, the same WSGI wrapper, and exactly the Slack
calls the bot makes for each request: they are recorded from one request to the bot first,
split into those made before the ack and after it, and replayed by the peer in that order.
What is left between the two is the bot's own work: its checks, its database and its blocks.

    .venv/bin/python bench/ack_latency.py --requests 500 --concurrency 20
    .venv/bin/python bench/ack_latency.py --database postgresql+psycopg://postgres@127.0.0.1:5432/qms_bench
    .venv/bin/python bench/ack_latency.py --only list,button --loads open --requests 2000 --noise

The requests are sent and timed by a process of its own (the driver), neither the fake
Slack's (which checks every view and message it is sent, as Slack does) nor either app's:
a measuring thread waiting for its interpreter is measured as latency.

`--noise` starts a second peer, identical to the first, and measures it the same way: the
ratio between two identical apps is how far apart a ratio may be for no reason but chance
(the p99 of a few hundred samples is its few slowest requests).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bulk
from slack_bolt import App
from ticker import Ticker

from bot.app import LISTENER_WORKERS
from bot.server import EVENTS_PATH, make_server, settle_heap, wsgi_app
from bot.standin.fakeslack import Call
from bot.standin.sandbox import ANNA, QUINN, Sandbox
from bot.standin.simulate import Simulator

SETTINGS = {"working_hours": "00:00-23:59", "working_days": "mon-sun"}
SLACK_CALLS = (
    "views.open",
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "chat.getPermalink",
    "users.info",
    "users.list",
    "usergroups.users.list",
    "views.publish",
    "conversations.info",
    "conversations.open",
    "response_url",
)


@dataclass
class Recorded:
    """The Slack calls one request made: before its ack, and after it (response_url posts included)."""

    before: list[Call]
    after: list[Call]

    def describe(self) -> str:
        def names(calls: list[Call]) -> str:
            return ", ".join(c.method for c in calls) or "none"

        return f"before the ack: {names(self.before)}; after: {names(self.after)}"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


# Requests Slack would have shown as failed: answered with anything but 200 (Bolt's 404 for a
# listener that did not ack in time), or after Slack's 3-second deadline. Per request kind.
MISSED: dict[int, int] = {}
DEADLINE = 3.0


def timed(fire: Callable[[int], Any], timings: list[float], lock: threading.Lock) -> Callable[[int], None]:
    """Request `n`, adding how long its ack took to `timings` (and to MISSED when it failed)."""

    def one(n: int) -> None:
        started = time.perf_counter()
        response = fire(n)
        elapsed = time.perf_counter() - started
        with lock:
            timings.append(elapsed)
            if response.status_code != 200 or elapsed > DEADLINE:
                MISSED[id(timings)] = MISSED.get(id(timings), 0) + 1

    return one


def run(fire: Callable[[int], Any], requests: int, concurrency: int) -> list[float]:
    """`concurrency` requests at a time, each sent as soon as one is answered (a closed loop)."""
    timings: list[float] = []
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(timed(fire, timings, threading.Lock()), range(requests)))
    return timings


def run_open(fire: Callable[[int], Any], requests: int, rate: float) -> list[float]:
    """Requests arriving at `rate` a second (Poisson, seeded), whoever is still busy: people
    press buttons whether or not the bot has answered someone else, so the ack is measured
    at a load the process can carry, not at the saturation a closed loop drives it to."""
    arrivals = random.Random(17)
    timings: list[float] = []
    one = timed(fire, timings, threading.Lock())
    with ThreadPoolExecutor(64) as pool:
        due = time.perf_counter()
        for n in range(requests):
            due += arrivals.expovariate(rate)
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(one, n)
    return timings


class ResponseUrls:
    """The fake Slack's response URLs as seen from the driver's process: any path under
    /response/ on its server is one (the fake keeps what is posted there)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._ids = itertools.count(1)

    def response_url(self) -> str:
        return f"{self.base_url}/response/driver-{next(self._ids)}"

    def knows(self, slack_id: str) -> bool:
        return False


def drive() -> None:
    """The driver: one job a line on stdin (which app, which request, how many, what load),
    its timings a line on stdout."""
    apps: dict[str, Simulator] = {}
    for line in sys.stdin:
        job = json.loads(line)
        if job["endpoint"] not in apps:
            apps[job["endpoint"]] = Simulator(job["endpoint"], job["secret"], ResponseUrls(job["base_url"]))  # type: ignore[arg-type]
        fire = requests_to(apps[job["endpoint"]], job["form"])[job["kind"]]
        if job["load"] == "closed":
            timings = run(fire, job["requests"], job["concurrency"])
        else:
            timings = run_open(fire, job["requests"], job["rate"])
        print(json.dumps({"timings": timings, "missed": MISSED.pop(id(timings), 0)}), flush=True)


class Driver:
    """The parent's handle on the driver process."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url  # the fake Slack's, for the response URLs the driver sends
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--drive"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self, app: Simulator, form: dict[str, Any], kind: str, **load: Any) -> tuple[list[float], int]:
        job = {"endpoint": app.endpoint, "secret": app.secret, "base_url": self.base_url, "form": form, "kind": kind}
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({**job, **load}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        return answer["timings"], answer["missed"]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def record(sb: Sandbox, fire: Callable[[int], Any], settle: float) -> Recorded:
    """One request to the bot; what it called before its ack returned and in the `settle` after."""
    calls, responses = len(sb.fake.calls), len(sb.fake.responses)
    fire(0)
    acked_calls, acked_responses = len(sb.fake.calls), len(sb.fake.responses)
    time.sleep(settle)  # a benchmark, not a test: the work after the ack runs in real time
    return Recorded(
        before=sb.fake.calls[calls:acked_calls] + sb.fake.responses[responses:acked_responses],
        after=sb.fake.calls[acked_calls:] + sb.fake.responses[acked_responses:],
    )


def replay(calls: list[Call], client: Any, respond: Any, trigger_id: str | None) -> None:
    for call in calls:
        args = {k: v for k, v in call.args.items() if k not in ("token", "url")}
        if call.method == "response_url":
            respond(**args)
            continue
        if "trigger_id" in args and trigger_id:
            args["trigger_id"] = trigger_id  # each trigger is good for one view
        client.api_call(call.method, json=args)


def peer_app(sb: Sandbox, recorded: dict[str, Recorded]) -> Any:
    """A Bolt app with no QMS logic: the same pool and server, ack, the same Slack calls."""
    app = App(
        client=sb.ctx.client,
        signing_secret=sb.signing_secret,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="bare-listener"),
    )

    @app.command("/nc")
    def nc(ack: Any, command: dict[str, Any], client: Any, respond: Any) -> None:
        calls = recorded["list" if command["text"].startswith("list") else "nc"]
        replay(calls.before, client, respond, command["trigger_id"])
        ack()
        replay(calls.after, client, respond, command["trigger_id"])

    @app.view("nc_raise")
    def submit(ack: Any, body: dict[str, Any], client: Any, respond: Any) -> None:
        replay(recorded["raise"].before, client, respond, body.get("trigger_id"))
        ack()
        replay(recorded["raise"].after, client, respond, body.get("trigger_id"))

    @app.action("nc_contain")
    def click(ack: Any, body: dict[str, Any], client: Any, respond: Any) -> None:
        replay(recorded["button"].before, client, respond, body.get("trigger_id"))
        ack()
        replay(recorded["button"].after, client, respond, body.get("trigger_id"))

    threads = sb.server.adj.threads
    return make_server(wsgi_app(app, sb.db, sb.signing_secret), "127.0.0.1", 0, threads=threads)


def serve(kind: str, api_url: str, database: str | None, recorded_file: str | None) -> None:
    """The child: the bot (or the peer) in a process of its own, as in production, where
    neither Slack nor the people pressing buttons share its interpreter."""
    settings = {**SETTINGS, "slack_api_url": api_url}
    with Sandbox(process_before_response=False, settings=settings, database_url=database) as sb:
        server = sb.server
        if kind == "peer":
            assert recorded_file
            saved = json.loads(Path(recorded_file).read_text())
            recorded = {
                name: Recorded(*([Call(c["method"], c["args"], sb.clock.now()) for c in part] for part in parts))
                for name, parts in saved.items()
            }
            server = peer_app(sb, recorded)
            threading.Thread(target=server.run, daemon=True).start()
        if kind == "bot":
            settle_heap()  # as `qms-bot run` does before it serves
        print(json.dumps({"port": server.effective_port, "secret": sb.signing_secret}), flush=True)
        with contextlib.ExitStack() as ticking:
            for line in sys.stdin:  # until the parent closes our stdin
                if line.strip() == "tick" and kind == "bot":
                    # The derive tick every second in a process of its own, as `qms-bot run`
                    # runs it: every NC the bench raises is looked at by the next tick, which
                    # queues its first reminder.
                    ticking.enter_context(Ticker(sb.database_url, sb.settings.model_dump(), sb.clock.now()))


def start_child(
    kind: str, sb: Sandbox, database: str | None, recorded_file: str | None = None
) -> tuple[Any, Simulator]:
    command = [sys.executable, __file__, "--serve", kind, "--api-url", sb.fake.api_url]
    command += ["--database", database] if database else []
    command += ["--recorded", recorded_file] if recorded_file else []
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    started = json.loads(child.stdout.readline())
    return child, Simulator(f"http://127.0.0.1:{started['port']}{EVENTS_PATH}", started["secret"], sb.fake)


def stop_child(child: Any, simulator: Simulator) -> None:
    simulator.close()
    child.stdin.close()
    child.wait(timeout=30)


def raise_one(sb: Sandbox, bot: Simulator) -> None:
    """An NC whose card button Anna (not its owner) presses: a server-side check and a refusal."""
    bot.command(QUINN, "/nc")
    bot.submit(
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
    sb.fake.wait_for_call("chat.postMessage")
    time.sleep(1)


def raise_form(sb: Sandbox, bot: Simulator) -> dict[str, Any]:
    """The raise form as the bot opens it for `/nc`, to be submitted again and again."""
    opened = len(sb.fake.calls)
    bot.command(QUINN, "/nc")
    sb.fake.wait_until(lambda calls: any(c.method == "views.open" for c in calls[opened:]))
    call = next(c for c in sb.fake.calls[opened:] if c.method == "views.open")
    return dict(call.response["view"])


SUBMISSIONS = itertools.count()


def requests_to(app: Simulator, form: dict[str, Any]) -> dict[str, Callable[[int], Any]]:
    """The requests measured, the same for the bot and its peers; each submission is a view
    of its own (Slack gives every opened modal its id; a form sent again is answered as one)."""

    def submit(n: int) -> Any:
        # The process in the id: the driver's submissions are not the parent's recorded ones.
        view = {**form, "id": f"{form['id']}-{os.getpid()}-{next(SUBMISSIONS)}"}
        answers = {"title": f"Bench {n}", "description": "d", "severity": "minor"}
        return app.submit(ANNA, view, {**answers, "source": "employee_report", "process": "Production"})

    return {
        "nc": lambda n: app.command(ANNA, "/nc", f"bench {n}"),
        "list": lambda n: app.command(ANNA, "/nc", "list open"),
        "button": lambda n: app.click(ANNA, "nc_contain", "1", block_id="nc_steps"),
        "raise": submit,
    }


def main() -> int:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" is the load we ask for
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--api-delay", type=float, default=0.05, help="seconds the fake Slack takes per call")
    parser.add_argument("--rate", type=float, default=50.0, help="arrivals a second for the open load")
    parser.add_argument(
        "--rounds", type=int, default=3, help="ours and the peer's, alternated; percentiles of all rounds' samples"
    )
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (its public schema is dropped!)")
    parser.add_argument(
        "--ticks", action="store_true", help="the nudge tick runs every second meanwhile, in a process of its own"
    )
    parser.add_argument("--only", default="nc,list,button,raise", help="which requests, comma-separated")
    parser.add_argument("--loads", default="closed,open", help="closed (N at a time), open (arrivals a second)")
    parser.add_argument("--noise", action="store_true", help="a second identical peer: the spread of chance")
    parser.add_argument("--serve", choices=("bot", "peer"), help=argparse.SUPPRESS)
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--recorded", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.api_url, args.database, args.recorded)
        return 0
    if args.drive:
        drive()
        return 0

    if args.database:
        bulk.fresh(args.database, Path("unused")).dispose()
    with Sandbox(process_before_response=False, settings=SETTINGS) as sb, tempfile.TemporaryDirectory() as tmp:
        bot_process, bot = start_child("bot", sb, args.database)
        raise_one(sb, bot)
        for method in SLACK_CALLS:
            sb.fake.delay(method, args.api_delay)
        form = raise_form(sb, bot)
        ours = requests_to(bot, form)
        recorded = {name: record(sb, fire, settle=1.0 + 10 * args.api_delay) for name, fire in ours.items()}
        recorded_file = str(Path(tmp) / "recorded.json")
        Path(recorded_file).write_text(
            json.dumps(
                {
                    name: [[{"method": c.method, "args": c.args} for c in part] for part in (r.before, r.after)]
                    for name, r in recorded.items()
                }
            )
        )
        if args.ticks:
            bot_process.stdin.write("tick\n")  # from now on the bot's nudge tick runs every second
            bot_process.stdin.flush()
        peer_process, bare = start_child("peer", sb, None, recorded_file)
        twin = start_child("peer", sb, None, recorded_file) if args.noise else None
        backend = "PostgreSQL" if args.database else "SQLite"
        print(f"ack latency on {backend}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        print(
            f"{args.requests} requests each, {args.concurrency} at a time, fake Slack API delay "
            f"{args.api_delay * 1000:.0f} ms, {LISTENER_WORKERS} listener workers and "
            f"{sb.server.adj.threads} server threads on both sides, each in a process of its own; "
            f"{args.rounds} rounds alternated"
        )
        for name, calls in recorded.items():
            print(f"  recorded {name:7} {calls.describe()}")
        print(
            f"  {'request':10} {'load':>14} {'ours p50':>9} {'peer p50':>9} {'ratio':>6} "
            f"{'ours p99':>9} {'peer p99':>9} {'ratio':>6} {'CPU/request ours · peer':>24}"
            + ("  peer' / peer p50 · p99" if twin else "")
        )
        every_load = {
            "closed": (f"{args.concurrency} at a time", {"load": "closed", "concurrency": args.concurrency}),
            "open": (f"{args.rate:g}/s arriving", {"load": "open", "rate": args.rate}),
        }
        loads = [every_load[key] for key in args.loads.split(",")]
        driver = Driver(sb.fake.base_url)
        apps = [("ours", bot, bot_process.pid), ("peer", bare, peer_process.pid)]
        apps += [("twin", twin[1], twin[0].pid)] if twin else []
        for name in args.only.split(","):
            for load, job in loads:
                out: dict[str, list[float]] = {side: [] for side, _, _ in apps}
                cpu = dict.fromkeys(out, 0.0)
                missed = dict.fromkeys(out, 0)
                for _ in range(args.rounds):  # alternated, so all see the same machine
                    for side, app, pid in apps:
                        before = cpu_seconds(pid)
                        timings, late = driver.run(app, form, name, requests=args.requests, **job)
                        out[side] += timings
                        missed[side] += late
                        time.sleep(0.5)  # the work after the last acks ends before the CPU is read
                        cpu[side] += cpu_seconds(pid) - before
                # Every round's samples pooled: the p99 of rounds × requests samples, not the
                # median of each round's few slowest, which two identical peers put up to
                # 2.65x apart (2026-12-03).
                cuts = {side: percentiles(samples)[::2] for side, samples in out.items()}
                (m50, m99), (p50, p99) = cuts["ours"], cuts["peer"]
                per = {side: used / (args.rounds * args.requests) * 1000 for side, used in cpu.items()}
                noise = f"  {cuts['twin'][0] / p50:5.2f}× · {cuts['twin'][1] / p99:5.2f}×" if twin else ""
                print(
                    f"  {name:10} {load:>14} {m50:7.1f}ms {p50:7.1f}ms {m50 / p50:5.2f}× "
                    f"{m99:7.1f}ms {p99:7.1f}ms {m99 / p99:5.2f}× {per['ours']:9.1f} ms · {per['peer']:.1f} ms" + noise
                )
                if any(missed.values()):
                    print(
                        f"  {'':10} missed (not 200, or after {DEADLINE:g} s): "
                        + ", ".join(f"{side} {n}" for side, n in missed.items())
                    )
        driver.close()
        stop_child(bot_process, bot)
        stop_child(peer_process, bare)
        if twin:
            stop_child(*twin)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
