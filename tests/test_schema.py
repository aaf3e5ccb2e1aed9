"""The migrated schema equals the models, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from core.models import Base


def test_migrations_match_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_required_indexes_exist(engine):
    inspector = inspect(engine)
    sessions = {tuple(ix["column_names"]) for ix in inspector.get_indexes("ai_sessions")}
    assert ("account_id", "status", "created_at") in sessions
    assert ("analysis_status", "analysis_after") in sessions
    proposals = {tuple(ix["column_names"]) for ix in inspector.get_indexes("flow_proposals")}
    assert ("account_id", "status", "created_at") in proposals


def test_every_foreign_key_is_indexed(engine):
    inspector = inspect(engine)
    unindexed = []
    for table in Base.metadata.sorted_tables:
        leading = {ix["column_names"][0] for ix in inspector.get_indexes(table.name)}
        leading |= {uc["column_names"][0] for uc in inspector.get_unique_constraints(table.name)}
        for fk in inspector.get_foreign_keys(table.name):
            if fk["constrained_columns"][0] not in leading:
                unindexed.append(f"{table.name}.{fk['constrained_columns'][0]}")
    assert unindexed == []


def test_check_constraints_refuse_unknown_status(engine):
    import pytest
    from sqlalchemy.exc import IntegrityError

    with engine.connect() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, name, slug, created_at) VALUES "
                "('00000000-0000-0000-0000-000000000001', 'A', 'a', CURRENT_TIMESTAMP)"
            )
        )
        with pytest.raises(IntegrityError):
            conn.execute(
                text(
                    "INSERT INTO flow_proposals (id, account_id, proposal_type, status, title, description, "
                    "proposed_flow_data, confidence_score, supporting_session_count, supporting_session_ids, generator, "
                    "created_at, updated_at) VALUES ('00000000-0000-0000-0000-000000000002', "
                    "'00000000-0000-0000-0000-000000000001', 'new_flow', 'maybe', 't', '', '{}', 0.5, 1, '[]', 'x', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        conn.rollback()
