"""Memory: resident memory (RSS) of the idle bot and of the fan-out run.

The idle bot is `qms-bot run` in HTTP mode as in production (settings read, migrations
applied, scheduler ticking, listening), against a fake Slack on loopback; its RSS is read
from /proc after it has settled, for the serving process and its background process
(QMS_BACKGROUND_PROCESS, bot/background.py) each. The fan-out figure is the peak RSS (ru_maxrss) of a child
running bench/fanout.py. The export run's memory is measured by bench/export_memory.py.

    .venv/bin/python bench/memory.py --people 5000
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.standin.fakeslack import FakeSlack  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]


def idle_bot(settle: float, **extra: str) -> tuple[list[float], list[float]]:
    """RSS of `qms-bot run` and of each process it started, once serving and after `settle`
    seconds of scheduler ticks."""
    with FakeSlack() as fake, tempfile.TemporaryDirectory(prefix="qms-mem-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "QMS_")) and k != "DATABASE_URL"}
        env.update(
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET="0" * 32,
            SLACK_API_URL=fake.api_url,
            DATABASE_URL=f"sqlite:///{tmp}/qms.db",
            PORT=str(free_port()),
            **extra,
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1"],
            env=env,
            cwd=tmp,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stderr is not None
            for line in process.stderr:
                if "serving Slack requests" in line:
                    break
            else:
                raise RuntimeError("the bot did not start")
            time.sleep(2)  # a benchmark: the background process is importing
            family = [process.pid, *children(process.pid)]
            started = [rss_mib(pid) for pid in family]
            time.sleep(settle)  # let the scheduler tick as it would when idle
            return started, [rss_mib(pid) for pid in family]
        finally:
            process.terminate()
            process.wait(timeout=20)


def child_peak(command: list[str]) -> float:
    """Peak RSS in MiB of a child process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after <= before:
        print("  (the fan-out child peaked below an earlier child; figure is a lower bound)")
    return after / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000, help="size of the fan-out run")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to leave the idle bot ticking")
    args = parser.parse_args()
    fanout = child_peak([sys.executable, "bench/fanout.py", "--people", str(args.people)])

    def each(rss: list[float]) -> str:
        return f"{sum(rss):6.1f} MiB (" + " + ".join(f"{r:.1f}" for r in rss) + ")"

    for label, extra in (("two processes", {}), ("one process", {"QMS_BACKGROUND_PROCESS": "false"})):
        started, settled = idle_bot(args.settle, **extra)
        print(
            f"idle bot (qms-bot run, HTTP, SQLite), {label:13}  {each(started)} once serving, {each(settled)} after"
            f" {args.settle:g} s of scheduler ticks"
        )
    print("  (two processes: the serving one + its background process; one: QMS_BACKGROUND_PROCESS=false)")
    print(
        f"fan-out to {args.people} people (peak)   {fanout:6.1f} MiB  (bench/fanout.py: bot, fake Slack and sender in one process)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
