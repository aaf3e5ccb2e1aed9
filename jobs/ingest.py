"""Import sessions from a JSON Lines file: ``python -m jobs.ingest FILE.jsonl [--account SLUG] [--create-users]``.

The file is streamed a line at a time; good lines are committed in batches, bad lines are listed with their line
number and reason and skipped. Importing the same file again changes nothing. After the load the planner's
statistics are refreshed (ANALYZE) and the analytics rollups of the accounts that received sessions are rebuilt.
Exit code 0 when every line was good, 1 when any line was bad, 2 when the file or the account cannot be used at
all. Use ``-`` to read standard input.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from core.config import get_settings
from core.db import analyze, make_engine, make_session_factory, upgrade
from core.insights.rollups import refresh_rollups
from core.models import Account
from core.sessions.ingest import IngestReport, ingest_stream

LOADED_TABLES = ("ai_sessions", "ai_session_steps", "users")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("file", help="JSON Lines file, one session per line ('-' for standard input)")
    parser.add_argument("--database-url", default=None, help="default: FLOWPILOT_DATABASE_URL or data/flowpilot.db")
    parser.add_argument("--account", default=None, help="account slug for lines that do not name one")
    parser.add_argument(
        "--create-users", action="store_true", help="add an unknown engineer_email as an engineer of the account"
    )
    args = parser.parse_args(argv)
    if args.file == "-":
        stream = sys.stdin.buffer
    else:
        path = Path(args.file)
        try:
            stream = path.open("rb")
        except OSError as exc:
            print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    engine = make_engine(args.database_url or get_settings().database_url)
    try:
        upgrade(engine)
        with stream, make_session_factory(engine)() as db:
            account_id = None
            if args.account:
                account_id = db.scalar(select(Account.id).where(Account.slug == args.account))
                if account_id is None:
                    print(f"error: unknown account '{args.account}'", file=sys.stderr)
                    return 2
            report = ingest_stream(db, stream, account_id, create_users=args.create_users, after_batch=db.commit)
            db.commit()
            if report.imported:
                finish_load(db, report)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for number, reason in report.errors:
        print(f"line {number}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def finish_load(db, report: IngestReport) -> None:
    """Statistics first, so the rollup rebuild over the new rows is planned with their real sizes; then rollups."""
    analyze(db, LOADED_TABLES)
    db.commit()
    # Imported sessions may lie on days the rollups already hold: rebuild them for those accounts.
    now = datetime.now(timezone.utc)
    for imported_account in sorted(report.accounts, key=str):
        refresh_rollups(db, imported_account, now, full=True)
        db.commit()


if __name__ == "__main__":
    sys.exit(main())
