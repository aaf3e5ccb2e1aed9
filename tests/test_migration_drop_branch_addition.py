"""Revision 0006 narrows flow_proposals.proposal_type to the two types the flywheel writes, and refuses to run over
rows of the dropped type."""

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.db import upgrade
from tests.migration_helpers import back_at_head, insert_account_row, insert_proposal

REVISION = "0006_drop_branch_addition"


def test_upgrade_refuses_branch_addition_rows_then_narrows_the_constraint(engine):
    with back_at_head(engine) as cfg:
        command.downgrade(cfg, f"{REVISION}-1")
        with engine.begin() as conn:
            insert_account_row(conn)
            insert_proposal(conn, "00000000-0000-0000-0000-0000000000b1", "branch_addition")

        with pytest.raises(RuntimeError, match=r"1 flow proposal\(s\) still have proposal_type 'branch_addition'"):
            upgrade(engine)
        # The refused upgrade changed nothing: the row is still there, the old rule still admits the type.
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT proposal_type FROM flow_proposals")) == "branch_addition"

        with engine.begin() as conn:
            conn.execute(text("UPDATE flow_proposals SET proposal_type = 'enhancement'"))

    with engine.connect() as conn:
        insert_proposal(conn, "00000000-0000-0000-0000-0000000000b2", "new_flow")
        with pytest.raises(IntegrityError):
            insert_proposal(conn, "00000000-0000-0000-0000-0000000000b3", "branch_addition")
        conn.rollback()
    # The rebuilt table kept the other rules of flow_proposals.
    with engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(text("UPDATE flow_proposals SET status = 'maybe'"))
