"""The one engine factory, plus schema migration helpers.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout on every connection, so the app and the
worker can share one file, plus the portable SQL functions the files under ``sql/`` call (:mod:`core.sqlfunctions`).
PostgreSQL is reached with ``postgresql+psycopg://``, with JIT compilation off for the app's own sessions
(``POSTGRES_OPTIONS``; a ``PGOPTIONS`` in the environment replaces it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core import sqlfunctions
from core.config import PROJECT_ROOT, get_settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Measured at 1M sessions: JIT compiling cost 20-450 ms per analytics query that runs in 50-200 ms without it (the
# planner's cost estimates of these queries cross jit_above_cost long before compiling pays).
POSTGRES_OPTIONS = "-c jit=off"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` (default: ``FLOWPILOT_DATABASE_URL`` or the SQLite file under data/)."""
    url = url or get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's legacy transaction handling is switched off in _sqlite_pragmas; SQLAlchemy's
        # transactions then map one-to-one onto SQLite's (so DDL is transactional too).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    kwargs.setdefault("pool_pre_ping", True)
    if "PGOPTIONS" not in os.environ:  # an operator's own PGOPTIONS wins
        kwargs.setdefault("connect_args", {"options": POSTGRES_OPTIONS})
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" event above opens transactions explicitly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    sqlfunctions.register(dbapi_connection)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    factory = make_session_factory(engine)
    with factory() as db, db.begin():
        yield db


def alembic_config(engine: Engine):  # -> alembic.config.Config
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (all heads)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "heads")


def is_empty(engine: Engine) -> bool:
    """True when the schema exists but holds no account."""
    from sqlalchemy import func, select

    from core.models import Account

    if not inspect(engine).has_table("accounts"):
        return True
    with session_scope(engine) as db:
        return db.scalar(select(func.count()).select_from(Account)) == 0


def analyze(db: Session | Connection, tables: Iterable[str] | None = None) -> None:
    """Refresh the query planner's statistics after a bulk load: of ``tables``, or of every table when None.

    Without it the planner keeps the estimates of the empty tables (one row) and picks nested loops that turn the
    next aggregate over the new rows into minutes. SQLite samples at most 2,000 rows per index,
    as PostgreSQL samples a bounded number per table, so the cost does not grow with the table. Only tables of the
    schema are accepted.
    """
    from core.models import Base

    dialect = db.dialect if isinstance(db, Connection) else db.get_bind().dialect
    if dialect.name == "sqlite":
        db.execute(text("PRAGMA analysis_limit = 2000"))
    if tables is None:
        db.execute(text("ANALYZE"))
        return
    for table in tables:
        if table not in Base.metadata.tables:
            raise ValueError(f"{table!r} is not a table of the schema")
        db.execute(text(f"ANALYZE {dialect.identifier_preparer.quote(table)}"))


def parse_uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    """The UUID an id names, as typed or linked (surrounding spaces ignored); None when it names none."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None
