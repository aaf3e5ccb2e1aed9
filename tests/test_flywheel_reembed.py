"""Open proposals written by another embedder (an older IDF or synonym table) get a vector of the worker's embedder
on its first pass, so new sessions of their problem still find them (both databases, a hand-set embedder)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, select

from core.db import session_scope
from core.flywheel.facts import dedup_embedder, load_facts
from core.flywheel.runner import Runner
from core.models import AISession, FlowProposal
from core.similarity.embedders import from_bytes, to_bytes
from tests.test_flywheel_consolidate import WordEmbedder, providers, seed

OLD_NAME = "words-by-an-older-hand|two-part"


def _make_stale(engine: Engine) -> None:
    """Every proposal as an older embedder left it: another name, a vector pointing at printers."""
    stale = np.zeros(16, dtype=np.float32)
    stale[6] = stale[14] = 1.0
    with session_scope(engine) as db:
        for proposal in db.scalars(select(FlowProposal)):
            proposal.embedder = OLD_NAME
            proposal.embedding = to_bytes(stale)


def test_a_worker_re_embeds_stale_proposals_from_their_sessions_and_new_sessions_find_them(engine) -> None:
    seed(engine, ["defender quarantine timesheet restore", "printer tray"])
    Runner(engine, providers()).run_pass()
    _make_stale(engine)
    with session_scope(engine) as db:
        # A proposal whose sessions are gone has nothing to be read again from: it keeps what it has.
        orphan = db.scalars(
            select(FlowProposal)
            .join(AISession, AISession.id == FlowProposal.source_session_id)
            .where(AISession.problem_summary == "printer tray")
        ).one()
        orphan.supporting_session_ids = []
    seed(engine, ["defender quarantine restore timesheet"], offset=10)

    stats = Runner(engine, providers()).run_pass()

    assert stats.as_dict()["outcome_merged"] == 1
    with session_scope(engine) as db:
        rows = {p.source_session_id: p for p in db.scalars(select(FlowProposal))}
        first = db.scalars(
            select(AISession).where(AISession.problem_summary == "defender quarantine timesheet restore")
        ).one()
        proposal = rows[first.id]
        assert (proposal.embedder, proposal.supporting_session_count) == (dedup_embedder(WordEmbedder()), 2)
        # Re-read from its session, then moved halfway to the second: the centroid of the two sessions' vectors.
        second = db.scalars(
            select(AISession).where(AISession.problem_summary == "defender quarantine restore timesheet")
        ).one()
        vectors = [load_facts(db, s).dedup_vector(WordEmbedder()) for s in (first, second)]
        halves = [np.mean([v[:8] for v in vectors], axis=0), np.mean([v[8:] for v in vectors], axis=0)]
        expected = np.concatenate([h / np.linalg.norm(h) for h in halves])
        np.testing.assert_allclose(from_bytes(proposal.embedding), expected, atol=1e-6)
        assert [p.embedder for p in rows.values() if p.id != proposal.id] == [OLD_NAME]


def test_without_re_embedding_the_new_session_would_have_started_a_second_proposal(engine) -> None:
    seed(engine, ["defender quarantine timesheet restore"])
    Runner(engine, providers()).run_pass()
    _make_stale(engine)
    seed(engine, ["defender quarantine restore timesheet"], offset=10)
    runner = Runner(engine, providers())
    runner._reembedded = True  # as a worker that skipped the step would
    stats = runner.run_pass()
    assert (stats.as_dict().get("outcome_merged", 0), stats.as_dict()["outcome_new_flow"]) == (0, 1)
