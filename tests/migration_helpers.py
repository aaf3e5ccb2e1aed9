"""For the tests of one migration: step the schema back and always return to the newest revision, and write rows in
plain SQL (the models describe the newest schema, not the older one a test stands on)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from core.db import alembic_config, upgrade

ACCOUNT = "00000000-0000-0000-0000-00000000000a"


@contextmanager
def back_at_head(engine: Engine) -> Iterator[Config]:
    """The Alembic config of ``engine``; whatever the block does to the schema, it ends at the newest revision."""
    try:
        yield alembic_config(engine)
    finally:
        upgrade(engine)


def insert_account_row(conn: Connection, account_id: str = ACCOUNT) -> None:
    """Account 'a'."""
    conn.execute(
        text("INSERT INTO accounts (id, name, slug, created_at) VALUES (:id, 'A', 'a', CURRENT_TIMESTAMP)"),
        {"id": account_id},
    )


def insert_proposal(conn: Connection, proposal_id: str, proposal_type: str) -> None:
    """A pending proposal of account :data:`ACCOUNT` with the given type."""
    conn.execute(
        text(
            "INSERT INTO flow_proposals (id, account_id, proposal_type, status, title, description, "
            "proposed_flow_data, confidence_score, supporting_session_count, supporting_session_ids, generator, "
            "created_at, updated_at) VALUES (:id, :account, :type, 'pending', 't', '', '{}', 0.5, 1, '[]', 'x', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"id": proposal_id, "account": ACCOUNT, "type": proposal_type},
    )
