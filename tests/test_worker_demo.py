"""One ``--once`` pass over the demo workspace yields all three kinds of result, each linked from its session."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine, select

from core.db import session_scope
from core.models import AISession, FlowProposal
from core.sessions.browse import get_session
from core.trees import validate_tree
from demo import build_demo
from jobs.worker import main
from tests.factories import NOW


def test_demo_once_produces_all_three_kinds(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    build_demo(engine, seed=7, now=NOW, scale=0.3)
    with session_scope(engine) as db:
        pending = db.scalars(select(AISession.id).where(AISession.analysis_status == "pending")).all()
    assert pending
    for name in ("FLOWPILOT_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", "FLOWPILOT_VOYAGE_API_KEY", "VOYAGE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--once", "--database-url", engine.url.render_as_string(hide_password=False)]) == 0
    with session_scope(engine) as db:
        sessions = db.scalars(select(AISession).where(AISession.id.in_(pending))).all()
        assert Counter(s.analysis_status for s in sessions) == Counter({"completed": len(pending)})
        outcomes = Counter(s.analysis_outcome for s in sessions)
        for kind in ("new_flow", "enhancement", "auto_reinforced"):
            assert outcomes[kind] > 0, outcomes
        for s in sessions:
            assert s.analysis_reason
            if s.analysis_outcome in ("new_flow", "enhancement", "auto_reinforced", "merged"):
                proposal = db.get(FlowProposal, s.analysis_proposal_id)
                assert str(s.id) in proposal.supporting_session_ids
                assert validate_tree(proposal.proposed_flow_data["tree_structure"]) == []
                detail = get_session(db, s.account_id, s.id)
                assert (detail.analysis_outcome, detail.analysis_proposal_id) == (s.analysis_outcome, str(proposal.id))
                assert detail.proposal_title == proposal.title
