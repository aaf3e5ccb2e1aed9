"""Accounts and users without the demo: ``python -m jobs.accounts {create,add-user,import-users,list} …``.

    python -m jobs.accounts create --name "Northwind MSP" --slug northwind
    python -m jobs.accounts add-user --account northwind --email sam@northwind.example --name "Sam Taylor" \\
        --role team_admin [--team "Service Desk"]
    python -m jobs.accounts import-users --account northwind users.csv     # columns email,name,role,team
    python -m jobs.accounts list

``import-users`` adds or updates every good row and lists each bad one as ``line N: reason``; running it again
changes nothing. Exit code 0 when everything was done, 1 when some rows were bad, 2 when nothing could be done
(unknown account, an existing slug, an unreadable file).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from core.accounts import (
    USER_COLUMNS,
    AccountError,
    account_by_slug,
    add_user,
    create_account,
    import_users,
    list_accounts,
)
from core.config import get_settings
from core.db import make_engine, session_scope, upgrade
from core.models import ROLES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jobs.accounts", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: FLOWPILOT_DATABASE_URL or data/flowpilot.db")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an account")
    create.add_argument("--name", required=True)
    create.add_argument("--slug", required=True, help="lowercase letters, digits and hyphens (used by ingest)")
    user = commands.add_parser("add-user", help="add a user to an account, or update one")
    user.add_argument("--account", required=True, help="account slug")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--role", required=True, help=", ".join(ROLES))
    user.add_argument("--team", default=None, help="team name (created on first use)")
    many = commands.add_parser("import-users", help="add or update users from a CSV file")
    many.add_argument("--account", required=True, help="account slug")
    many.add_argument("file", help="CSV with a header row: email,name,role,team (team may be empty)")
    commands.add_parser("list", help="list accounts with their teams, users and sessions")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    rows: list[tuple[int, dict[str, str | None]]] = []
    if args.command == "import-users":
        try:
            rows = list(read_users(Path(args.file)))
        except (OSError, UnicodeDecodeError, csv.Error, AccountError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            print(f"error: cannot read {args.file}: {reason}", file=sys.stderr)
            return 2
    engine = make_engine(args.database_url or get_settings().database_url)
    try:
        upgrade(engine)
        with session_scope(engine) as db:
            if args.command == "create":
                account = create_account(db, args.name, args.slug)
                print(f"created account '{account.slug}' ({account.name})")
            elif args.command == "add-user":
                account = account_by_slug(db, args.account)
                outcome = add_user(db, account, args.email, args.name, args.role, args.team)
                print(f"{outcome} {args.email.strip()} in '{account.slug}'")
            elif args.command == "import-users":
                report = import_users(db, account_by_slug(db, args.account), rows)
                for number, reason in report.errors:
                    print(f"line {number}: {reason}", file=sys.stderr)
                print(report.summary())
                return 1 if report.errors else 0
            else:
                _print_accounts(db)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def read_users(path: Path) -> Iterator[tuple[int, dict[str, str | None]]]:
    """``(line number, row)`` of a users CSV; a missing required column makes the whole file unusable."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        missing = [c for c in USER_COLUMNS[:3] if c not in columns]
        if missing:
            raise AccountError(f"missing column(s) {', '.join(missing)}; the header must be {','.join(USER_COLUMNS)}")
        reader.fieldnames = columns
        for row in reader:
            if not any((value or "").strip() for key, value in row.items() if key is not None):
                continue
            yield reader.line_num, {key: row.get(key) for key in USER_COLUMNS}


def _print_accounts(db) -> None:
    accounts = list_accounts(db)
    if not accounts:
        print("no accounts yet: python -m jobs.accounts create --name NAME --slug SLUG")
        return
    print(f"{'slug':<24} {'name':<32} {'teams':>6} {'users':>6} {'sessions':>9}")
    for a in accounts:
        print(f"{a.slug:<24} {a.name[:32]:<32} {a.teams:>6} {a.users:>6} {a.sessions:>9}")


if __name__ == "__main__":
    sys.exit(main())
