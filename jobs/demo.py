"""Create the demo workspace: ``python -m jobs.demo [--seed N] [--now ISO] [--database-url URL] [--reset]``.

Without ``--reset`` an existing demo workspace is left alone (exit code 1). ``--reset`` drops every table and
migrates the schema again first, so it throws away everything in that database: it is meant for demo databases.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from core.config import get_settings
from core.db import make_engine, upgrade
from core.models import Base
from demo import DemoExists, build_demo

__all__ = ["build_demo", "main", "reset_database"]


def reset_database(engine: Engine) -> None:
    """Drop every table of the schema (and Alembic's version table), then migrate from scratch."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)


def _timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp; one without an offset is UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: FLOWPILOT_DEMO_SEED or 7)")
    parser.add_argument("--database-url", default=None, help="default: FLOWPILOT_DATABASE_URL or data/flowpilot.db")
    parser.add_argument(
        "--now",
        type=_timestamp,
        default=None,
        help="ISO timestamp every date is anchored to (default: the current time); the same seed and --now give "
        "the same workspace",
    )
    parser.add_argument("--reset", action="store_true", help="drop all tables and rebuild the schema first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # The history is analysed by the worker: one INFO line per session would bury the summary.
    logging.getLogger("flowpilot.worker").setLevel(logging.WARNING)
    settings = get_settings()
    engine = make_engine(args.database_url or settings.database_url)
    try:
        if args.reset:
            reset_database(engine)
        else:
            upgrade(engine)
        seed = settings.demo_seed if args.seed is None else args.seed
        summary = build_demo(engine, seed=seed, now=args.now)
    except DemoExists as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
