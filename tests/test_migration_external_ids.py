"""Revision 0007 adds external ids and admits the unknown tier without rebuilding ai_sessions (whose rebuild on SQLite
would delete the steps that reference it), and its downgrade refuses to run over unknown-tier sessions."""

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.migration_helpers import ACCOUNT, back_at_head, insert_account_row

REVISION = "0007_external_ids"
SESSION = "00000000-0000-0000-0000-0000000000c1"


def _insert_session(conn, session_id: str, tier: str) -> None:
    conn.execute(
        text(
            "INSERT INTO ai_sessions (id, account_id, status, confidence_tier, problem_summary, intake_content, "
            "conversation_messages, analysis_attempts, created_at) VALUES (:id, :account, 'resolved', :tier, 's', "
            "'{}', '[]', 0, CURRENT_TIMESTAMP)"
        ),
        {"id": session_id, "account": ACCOUNT, "tier": tier},
    )


def _count(conn, table: str) -> int:
    return conn.scalar(text(f"SELECT count(*) FROM {table}"))


def test_upgrade_keeps_every_row_and_admits_only_the_unknown_tier(engine):
    with back_at_head(engine) as cfg:
        command.downgrade(cfg, f"{REVISION}-1")
        with engine.begin() as conn:
            insert_account_row(conn)
            _insert_session(conn, SESSION, "guided")
            conn.execute(
                text(
                    "INSERT INTO ai_session_steps (id, session_id, account_id, step_number, step_type, content, "
                    "was_free_text, created_at) VALUES ('00000000-0000-0000-0000-0000000000d1', :s, :a, 1, 'note', "
                    "'{}', false, CURRENT_TIMESTAMP)"
                ),
                {"s": SESSION, "a": ACCOUNT},
            )
            with pytest.raises(IntegrityError), conn.begin_nested():
                _insert_session(conn, "00000000-0000-0000-0000-0000000000c2", "unknown")

    with engine.begin() as conn:
        # The session and the step that references it are both still there.
        assert (_count(conn, "ai_sessions"), _count(conn, "ai_session_steps")) == (1, 1)
        _insert_session(conn, "00000000-0000-0000-0000-0000000000c3", "unknown")
        conn.execute(text("UPDATE ai_sessions SET external_id = 'INC-1' WHERE id = :id"), {"id": SESSION})
    with engine.connect() as conn:
        with pytest.raises(IntegrityError):
            _insert_session(conn, "00000000-0000-0000-0000-0000000000c4", "certain")
        conn.rollback()
        # One external id per account.
        with pytest.raises(IntegrityError):
            conn.execute(
                text("UPDATE ai_sessions SET external_id = 'INC-1' WHERE id = '00000000-0000-0000-0000-0000000000c3'")
            )
        conn.rollback()
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_downgrade_refuses_while_a_session_has_the_unknown_tier(engine):
    with engine.begin() as conn:
        insert_account_row(conn)
        _insert_session(conn, SESSION, "unknown")
    with back_at_head(engine) as cfg:
        with pytest.raises(RuntimeError, match=r"1 session\(s\) have confidence_tier 'unknown'"):
            command.downgrade(cfg, f"{REVISION}-1")
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT confidence_tier FROM ai_sessions")) == "unknown"
