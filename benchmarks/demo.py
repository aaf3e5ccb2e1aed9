"""How long the demo workspace takes to build (``python -m benchmarks.demo [--seed N] [--database-url URL]``).

The browser tests and ``./run.sh start`` build it on a fresh database, so its time is what a new user waits for.
It is printed with the machine's load average (the build is CPU-bound; a busy machine stretches it).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime

from core.db import make_engine, upgrade
from demo.build import build_demo

# A fixed anchor: the simulator's draws depend on the weekday of "now", so a fixed date gives the same workspace.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/demo.db"
    engine = make_engine(url)
    upgrade(engine)
    summary = build_demo(engine, seed=args.seed, now=NOW)
    engine.dispose()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"demo build ({engine.dialect.name}, seed {args.seed}): {summary['seconds']:.1f} s   load average {load}")
    print(json.dumps({k: v for k, v in summary.items() if k != "seconds"}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
