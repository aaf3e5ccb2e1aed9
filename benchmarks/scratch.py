"""Scratch PostgreSQL databases for the benchmarks: created for one run beside the server's ``postgres`` database,
dropped afterwards (``WITH (FORCE)`` closes what a benchmark left connected)."""

from __future__ import annotations

import argparse

from sqlalchemy import create_engine, text

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that runs on a scratch database: the server, and keeping the database."""
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL without a database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")


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
