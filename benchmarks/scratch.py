"""Scratch PostgreSQL databases for the benchmarks: created for one run beside the server's ``postgres`` database,
dropped afterwards (``WITH (FORCE)`` closes what a benchmark left connected)."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """The command line of a benchmark that runs on a scratch database: described by the first line of its ``doc``,
    with the options every such benchmark takes (the server, and keeping the database afterwards)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL without a database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    return parser


def _on_server(server: str, statement: str) -> None:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def create_database(server: str, name: str) -> str:
    """Create database ``name`` on ``server`` (a URL without a database) and return the new database's URL."""
    _on_server(server, f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:
    """Drop database ``name`` on ``server`` if it exists."""
    _on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(args: argparse.Namespace, prefix: str) -> Iterator[tuple[str, str]]:
    """A new database ``<prefix>_<8 hex>`` on ``args.server`` for the block: yields its name and URL, and drops it
    afterwards unless ``args.keep``."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = create_database(args.server, name)
    try:
        yield name, url
    finally:
        if not args.keep:
            drop_database(args.server, name)
