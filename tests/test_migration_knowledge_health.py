"""Revision 0009 admits the ``review`` proposal type and indexes the recorded paths; its downgrade refuses to drop
the type while review proposals exist."""

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.migration_helpers import back_at_head, insert_account_row, insert_proposal

REVISION = "0009_knowledge_health"


def test_review_proposals_are_admitted_and_hold_the_downgrade_back(engine):
    with engine.begin() as conn:
        insert_account_row(conn)
        insert_proposal(conn, "00000000-0000-0000-0000-0000000000c1", "review")
    assert "ix_ai_session_steps_flow_path" in {ix["name"] for ix in inspect(engine).get_indexes("ai_session_steps")}
    with back_at_head(engine) as cfg:
        with pytest.raises(RuntimeError, match=r"1 flow proposal\(s\) have proposal_type 'review'"):
            command.downgrade(cfg, f"{REVISION}-1")
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM flow_proposals"))
        command.downgrade(cfg, f"{REVISION}-1")
        assert "ix_ai_session_steps_flow_path" not in {
            ix["name"] for ix in inspect(engine).get_indexes("ai_session_steps")
        }
        with engine.connect() as conn, pytest.raises(IntegrityError):
            insert_proposal(conn, "00000000-0000-0000-0000-0000000000c2", "review")
