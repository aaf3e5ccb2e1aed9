"""Import sessions from a JSON Lines file: ``python -m jobs.ingest FILE.jsonl [--database-url URL] [--account SLUG]``.

Good lines are imported in one transaction; bad lines are listed with their line number and reason and skipped.
Importing the same file again changes nothing. Exit code 0 when every line was good, 1 when any line was bad,
2 when the file or the account cannot be used at all. Use ``-`` to read standard input.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from core.config import get_settings
from core.db import make_engine, session_scope, upgrade
from core.insights.rollups import refresh_rollups
from core.models import Account
from core.sessions.ingest import ingest_lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("file", help="JSON Lines file, one session per line ('-' for standard input)")
    parser.add_argument("--database-url", default=None, help="default: FLOWPILOT_DATABASE_URL or data/flowpilot.db")
    parser.add_argument("--account", default=None, help="account slug for lines that do not name one")
    args = parser.parse_args(argv)
    if args.file == "-":
        lines = sys.stdin.read().splitlines()
    else:
        path = Path(args.file)
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: cannot read {path}: {exc}", file=sys.stderr)
            return 2
    engine = make_engine(args.database_url or get_settings().database_url)
    try:
        upgrade(engine)
        with session_scope(engine) as db:
            account_id = None
            if args.account:
                account_id = db.scalar(select(Account.id).where(Account.slug == args.account))
                if account_id is None:
                    print(f"error: unknown account '{args.account}'", file=sys.stderr)
                    return 2
            report = ingest_lines(db, lines, account_id=account_id)
            # Imported sessions may lie on days the rollups already hold: rebuild them for those accounts.
            now = datetime.now(timezone.utc)
            for imported_account in sorted(report.accounts, key=str):
                refresh_rollups(db, imported_account, now, full=True)
    finally:
        engine.dispose()
    for number, reason in report.errors:
        print(f"line {number}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
