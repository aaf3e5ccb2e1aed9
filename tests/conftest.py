"""Shared fixtures: every database test runs on SQLite and on a fresh PostgreSQL database.

PostgreSQL is expected at ``FLOWPILOT_TEST_PG`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432``).
One database is created per test run and dropped at the end. Locally an unreachable server skips the
PostgreSQL half; under CI (``CI=true``) it is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from core.db import make_engine, make_session_factory, upgrade
from core.models import Base

PG_SERVER = os.environ.get("FLOWPILOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
# FLOWPILOT_TEST_BACKENDS=sqlite keeps a local run off PostgreSQL (``./run.sh test --fast`` sets it).
BACKENDS = [b.strip() for b in os.environ.get("FLOWPILOT_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def _pg_admin() -> Engine:
    return create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a PostgreSQL database created for this test run (dropped afterwards)."""
    name = f"flowpilot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        admin.dispose()
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"PostgreSQL is required under CI and is unreachable at {PG_SERVER}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_SERVER}: {exc}")
    yield f"{PG_SERVER}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'flowpilot.db'}"


@pytest.fixture(scope="session")
def _migrated() -> Iterator[dict[str, Engine]]:
    """Migrated engines by backend, made on first use and disposed when the run ends."""
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


def _engine_for(backend: str, request: pytest.FixtureRequest, cache: dict[str, Engine]) -> Engine:
    if backend not in cache:
        url = request.getfixturevalue("pg_url" if backend == "postgresql" else "sqlite_url")
        engine = make_engine(url)
        upgrade(engine)
        cache[backend] = engine
    return cache[backend]


def truncate_all(engine: Engine) -> None:
    """Empty every table (schema kept), so each test starts from nothing."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, _migrated: dict[str, Engine]) -> Iterator[Engine]:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    eng = _engine_for(request.param, request, _migrated)
    truncate_all(eng)
    yield eng


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest, _migrated: dict[str, Engine]) -> Iterator[Engine]:
    """A migrated, empty PostgreSQL database (for tests that need real concurrency)."""
    eng = _engine_for("postgresql", request, _migrated)
    truncate_all(eng)
    yield eng


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on ``engine``; the test decides when to commit."""
    factory = make_session_factory(engine)
    with factory() as session:
        yield session
