"""Ingest speed and memory: sessions per second and peak RSS of ``python -m jobs.ingest``, per database.

    python -m benchmarks.ingest [--sessions 20000] [--server postgresql+psycopg://postgres@127.0.0.1:5432]
                                [--only sqlite|postgresql]

A generated JSON Lines file (string ids, no confidence tiers on a third of the lines, 40 engineers created with
``--create-users``, 2-7 steps and a short conversation per session, ~2.4 KB a line) is imported into a fresh
database: a SQLite file and a scratch PostgreSQL database (created and dropped). Each import runs in its own
process, end to end as a user runs it (stream, validate, batched inserts, ANALYZE, rollup rebuild), so its peak
RSS is its own; a quarter-size file is imported too, to show memory does not grow with the file. A second run of
the same file must import nothing. Goals: >= 2,000 sessions/s on PostgreSQL, >= 1,000 on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.scratch import create_database, drop_database
from core.accounts import create_account
from core.db import make_engine, session_scope, upgrade

GOALS = {"sqlite": 1000, "postgresql": 2000}
DOMAINS = ["vpn", "exchange", "printers", "identity", "backup", "endpoint", "teams", "networking"]
ANSWERS = ["Yes", "No", "Only on Wi-Fi", "After the update", "Every morning"]


def generate(path: Path, count: int, seed: int = 7) -> None:
    """``count`` sessions of one account, written one line at a time."""
    rng = random.Random(seed)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            created = start + timedelta(minutes=rng.randrange(0, 180 * 24 * 60))
            status = rng.choices(["resolved", "escalated", "abandoned", "active"], [70, 18, 8, 4])[0]
            ended = created + timedelta(minutes=rng.randrange(5, 600))
            domain = rng.choice(DOMAINS)
            summary = f"{domain} problem #{n % 977}: user reports the {domain} client failing after sign-in"
            steps = [
                {
                    "step_type": "question",
                    "content": {"question": f"Question {k} about {domain}?", "options": ANSWERS[:3]},
                    "selected_option": rng.choice(ANSWERS[:3]),
                }
                for k in range(rng.randrange(1, 6))
            ]
            steps.append({"step_type": "action", "content": {"instructions": "Cleared the cached credentials"}})
            if status == "resolved":
                steps.append({"step_type": "resolution", "content": {"solution": "Re-created the profile."}})
            record = {
                "id": f"INC-{n:07d}",
                "engineer_email": f"engineer{n % 40}@bench.example",
                "status": status,
                "problem_domain": domain,
                "problem_summary": summary,
                "intake": {"subject": summary, "description": "Reported by phone. " * 8, "requester": "Pat Lee"},
                "conversation": [
                    {"role": "user", "content": summary},
                    {"role": "assistant", "content": "Does it happen on every device?"},
                    {"role": "user", "content": rng.choice(ANSWERS)},
                ],
                "rating": rng.choice([None, 3, 4, 5]),
                "psa_ticket_id": f"CW#{500000 + n}",
                "created_at": created.isoformat(),
                "steps": steps,
            }
            if n % 3:
                record["confidence_tier"] = rng.choice(["guided", "exploring", "discovery"])
            if status != "active":
                record["ended_at"] = ended.isoformat()
            if status == "resolved":
                record["resolved_at"] = ended.isoformat()
            out.write(json.dumps(record) + "\n")


def _child(url: str, file: str) -> int:
    """Import ``file`` as a user would and print seconds and this process's peak RSS as JSON."""
    from jobs.ingest import main as ingest

    started = time.perf_counter()
    code = ingest([file, "--database-url", url, "--account", "bench", "--create-users"])
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": code, "seconds": seconds, "rss_mb": rss_mb}))
    return 0


def _import(url: str, file: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingest", "--child", url, str(file)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fresh(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as db:
            create_account(db, "Bench MSP", "bench")
    finally:
        engine.dispose()


def _measure(backend: str, url: str, files: dict[int, Path]) -> list[str]:
    lines = []
    for count, file in files.items():
        scratch = url(count) if callable(url) else url
        _fresh(scratch)
        first = _import(scratch, file)
        again = _import(scratch, file)
        rate = count / first["seconds"]
        goal = GOALS[backend]
        lines.append(
            f"{backend:<10} {count:>7,} sessions  {first['seconds']:6.2f} s  {rate:7,.0f} sessions/s "
            f"(goal >= {goal:,}: {'met' if rate >= goal else 'NOT met'})  peak RSS {first['rss_mb']:5.0f} MB  "
            f"re-run {again['seconds']:5.2f} s, exit {first['code']}/{again['code']}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument(
        "--server", default=os.environ.get("FLOWPILOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--only", choices=sorted(GOALS), default=None)
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {}
        for count in (args.sessions // 4, args.sessions):
            files[count] = folder / f"sessions-{count}.jsonl"
            generate(files[count], count)
        size = files[args.sessions].stat().st_size / 1024 / 1024
        print(f"file: {args.sessions:,} sessions, {size:.1f} MB; load average {os.getloadavg()[0]:.2f}")
        if args.only in (None, "sqlite"):
            for line in _measure("sqlite", lambda n: f"sqlite:///{folder}/bench-{n}.db", files):
                print(line, flush=True)
        if args.only in (None, "postgresql"):
            names = {n: f"flowpilot_bench_ingest_{uuid.uuid4().hex[:8]}" for n in files}
            try:
                urls = {n: create_database(args.server, name) for n, name in names.items()}
                for line in _measure("postgresql", urls.__getitem__, files):
                    print(line, flush=True)
            finally:
                for name in names.values():
                    drop_database(args.server, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
