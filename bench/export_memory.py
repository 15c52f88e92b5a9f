"""Evidence export memory: peak resident memory of `qms-bot export` on a large data set.

Builds N NCs (half with an action, one audit event each, hash-chained), R training rounds
to P people (R x P assignments, 90% acknowledged) and some feedback with fast bulk
inserts, then runs the real `qms-bot export` in a child process and reports that child's
peak RSS (ru_maxrss) and wall time, next to the peak RSS of a child that only migrates
(the bot's own baseline). Run it at two sizes: a bound on memory shows as a peak that
does not grow with the data.

    .venv/bin/python bench/export_memory.py --ncs 100000 --people 1000 --rounds 1000
    QMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/qms_bench .venv/bin/python bench/export_memory.py

The PostgreSQL database named there is emptied first (schema public dropped): give it one of its own.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bulk

from storage.audit import GENESIS, chain_hash
from storage.db import Database
from storage.migrate import upgrade
from storage.models import AuditEvent, CorrectiveAction, Feedback, Nonconformity, TrainingAssignment, TrainingRound

START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


def build(db: Database, ncs: int, people: int, rounds: int) -> dict[str, int]:
    sizes = {}
    owners = [f"U0P{n:07d}" for n in range(people)]
    sizes["nonconformities"] = bulk.insert_rows(
        db,
        Nonconformity,
        (
            {
                "id": k + 1,
                "number": f"NC-{2024 + k // 50000}-{k % 50000 + 1:05d}",
                "title": f"Label missing on batch {k}",
                "description": "Twelve cartons left packing without the customer label. " * 3,
                "severity": "major",
                "source": "employee_report",
                "process": "Production",
                "owner": owners[k % people],
                "reporter": owners[(k + 7) % people],
                "due_date": date(2024, 2, 1),
                "status": "closed" if k % 3 else "open",
                "raised_at": START + timedelta(minutes=k),
                "updated_at": START + timedelta(minutes=k),
                "root_cause": "No label check at the packing station.",
                "closed_at": START + timedelta(minutes=k, days=20) if k % 3 else None,
            }
            for k in range(ncs)
        ),
    )
    sizes["actions"] = bulk.insert_rows(
        db,
        CorrectiveAction,
        (
            {
                "nc_id": k + 1,
                "seq": 1,
                "submission": f"v{k}",
                "kind": "corrective",
                "description": "Add a label check",
                "owner": owners[k % people],
                "due_date": date(2024, 3, 1),
                "status": "done",
                "created_by": owners[0],
                "created_at": START + timedelta(minutes=k, hours=1),
            }
            for k in range(0, ncs, 2)
        ),
    )

    def events():  # type: ignore[no-untyped-def]
        prev = GENESIS
        for k in range(ncs):
            row = {
                "at": START + timedelta(minutes=k),
                "actor": owners[(k + 7) % people],
                "record_type": "nonconformity",
                "record_ref": f"NC-{2024 + k // 50000}-{k % 50000 + 1:05d}",
                "action": "raised",
                "before": None,
                "after": {"title": f"Label missing on batch {k}", "severity": "major"},
                "note": None,
            }
            row["prev_hash"] = prev
            row["event_hash"] = prev = chain_hash(AuditEvent(**row), prev)
            yield row

    sizes["audit events"] = bulk.insert_rows(db, AuditEvent, events())
    sizes["training rounds"] = bulk.insert_rows(
        db,
        TrainingRound,
        (
            {
                "id": r + 1,
                "number": f"TR-2024-{r + 1:04d}",
                "title": f"Work instruction {r}",
                "doc_ref": f"WI-{r:04d}",
                "revision": "A",
                "doc_key": f"wi-{r:04d}",
                "revision_key": "a",
                "summary": "New step",
                "due_date": date(2024, 6, 1),
                "publisher": owners[0],
                "published_at": START + timedelta(hours=r),
                "audience": {"users": []},
                "status": "open",
            }
            for r in range(rounds)
        ),
    )
    sizes["acknowledgements"] = bulk.insert_rows(
        db,
        TrainingAssignment,
        (
            {
                "round_id": r + 1,
                "person": owners[p],
                "status": "pending" if (r + p) % 10 == 0 else "acknowledged",
                "acknowledged_at": None if (r + p) % 10 == 0 else START + timedelta(hours=r, minutes=p),
            }
            for r in range(rounds)
            for p in range(people)
        ),
    )
    sizes["feedback"] = bulk.insert_rows(
        db,
        Feedback,
        (
            {
                "number": f"FB-2024-{k + 1:05d}",
                "kind": "complaint",
                "customer": "Müller GmbH",
                "received_via": "email",
                "rating": 2,
                "text": "Labels were missing",
                "received_on": date(2024, 1, 1) + timedelta(days=k % 300),
                "logged_by": owners[0],
                "logged_at": START + timedelta(hours=k),
                "response": "resolved",
            }
            for k in range(ncs // 10)
        ),
    )
    return sizes


def child_peak_kib(argv: list[str], env: dict[str, str]) -> tuple[int, float, str]:
    """Run `qms-bot …` in a fresh process; its peak RSS (KiB), wall time and output."""
    code = (
        "import sys, resource; from bot.cli import main; rc = main(sys.argv[1:]); "
        "print('peak_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"qms-bot {' '.join(argv)} failed:\n{done.stderr}")
    peak = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak_kib"))
    return peak, elapsed, done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ncs", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1000, help="acknowledgements = rounds x people")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qms-bench-") as folder:
        url = os.environ.get("QMS_BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        # A PostgreSQL database of its own is emptied first (bulk.fresh).
        db = bulk.fresh(None if url.startswith("sqlite") else url, Path(folder) / "bench.db")
        upgrade(db.engine)
        started = time.perf_counter()
        sizes = build(db, args.ncs, args.people, args.rounds)
        built = time.perf_counter() - started
        db.dispose()
        env = {**os.environ, "DATABASE_URL": url, "QMS_TIMEZONE": "Europe/Berlin"}
        base_kib, _, _ = child_peak_kib(["migrate"], env)
        out = Path(folder) / ("qms.xlsx" if args.format == "xlsx" else "csv")
        peak_kib, elapsed, said = child_peak_kib(["export", "--out", str(out), "--format", args.format], env)
        written = out.stat().st_size if out.is_file() else sum(p.stat().st_size for p in out.iterdir())
        db_size = Path(folder, "bench.db").stat().st_size if url.startswith("sqlite") else 0

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {db.dialect}")
    print(
        "data: "
        + ", ".join(f"{n:,} {what}" for what, n in sizes.items())
        + f" (built in {built:.1f} s"
        + (f", database {db_size / 2**20:.0f} MiB)" if db_size else ")")
    )
    print(f"export ({args.format}): {elapsed:.1f} s, {written / 2**20:.1f} MiB written")
    print(
        f"peak RSS: export {peak_kib / 1024:.0f} MiB; the same process only migrating {base_kib / 1024:.0f} MiB; "
        f"export above baseline {(peak_kib - base_kib) / 1024:.0f} MiB"
    )
    print(said)
    return 0


if __name__ == "__main__":
    sys.exit(main())
