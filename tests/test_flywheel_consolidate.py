"""Clusters that find each other late: a proposal started by an odd first write-up is joined into the cluster of
its problem once that cluster's centroid reaches it (both databases, an embedder whose vectors are set by hand)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import Engine, event, select

from core.config import Settings
from core.db import session_scope
from core.flywheel.clusters import unit
from core.flywheel.consolidate import Joins, _join, combined, consolidate
from core.flywheel.generators import OfflineRulesGenerator
from core.flywheel.plan import Providers
from core.flywheel.runner import Runner
from core.models import Account, AISession, FlowProposal
from tests.factories import NOW, make_account, make_session

# Each word of the vocabulary is one dimension; every other word is ignored. A text's vector is its word counts,
# unit length: cosines can be worked out by hand.
VOCABULARY = ["defender", "quarantine", "timesheet", "trojan", "restore", "allow", "printer", "tray"]


class WordEmbedder:
    name = "words-by-hand"
    threshold = 0.55
    local = True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), len(VOCABULARY)), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                if word in VOCABULARY:
                    rows[row, VOCABULARY.index(word)] += 1
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms > 0, norms, 1.0)


STEPS = [
    {
        "step_type": "question",
        "content": {"question": "Is the file a known business app?", "options": ["Yes", "No"]},
        "selected_option": "Yes",
    },
    {"step_type": "resolution", "content": {"text": "Added an exclusion and put the file back."}},
]
# The first write-up shares only "quarantine" and "restore" with the second (cosine 2/sqrt(15) = 0.516, under
# 0.55): two proposals. The others each go to the second's cluster (closer there than to the first), whose centroid
# then reaches the first (0.620).
ODD_FIRST = "trojan quarantine restore"
CLUSTER = [
    "defender quarantine timesheet restore allow",
    "defender quarantine restore",
    "defender quarantine restore timesheet",
]


def providers() -> Providers:
    return Providers(OfflineRulesGenerator(), WordEmbedder(), Settings())


def seed(engine: Engine, summaries: list[str], *, offset: int = 0, domain: str = "security") -> None:
    with session_scope(engine) as db:
        account = db.scalars(select(Account)).first() or make_account(db, name="Contoso")
        for n, summary in enumerate(summaries):
            make_session(
                db,
                account,
                confidence_tier="discovery",
                analysis_status="pending",
                problem_domain=domain,
                problem_summary=summary,
                resolution_summary="Added an exclusion and put the file back.",
                steps=STEPS,
                created_at=NOW + timedelta(seconds=offset + n),
            )


def proposals(engine: Engine) -> list[tuple[str, str, int, list[str]]]:
    """(first session's summary, status, support, supporting sessions' summaries) per proposal, oldest first."""
    with session_scope(engine) as db:
        summary = dict(db.execute(select(AISession.id, AISession.problem_summary)).all())
        rows = db.scalars(
            select(FlowProposal)
            .join(AISession, AISession.id == FlowProposal.source_session_id)
            .order_by(AISession.created_at)
        ).all()
        return [
            (
                summary[p.source_session_id],
                p.status,
                p.supporting_session_count,
                [summary[uuid.UUID(str(i))] for i in p.supporting_session_ids],
            )
            for p in rows
        ]


def run(engine: Engine, batch: int = 50) -> dict[str, int]:
    runner = Runner(engine, providers(), worker_id="w", batch=batch, clock=lambda: NOW + timedelta(hours=1))
    return runner.run_pass().as_dict()


def test_the_cosines_this_file_relies_on() -> None:
    vectors = WordEmbedder().embed([ODD_FIRST, *CLUSTER])
    assert round(float(vectors[0] @ vectors[1]), 3) == 0.516
    centre = unit(vectors[1] + vectors[2] + vectors[3])
    assert round(float(vectors[0] @ centre), 3) == 0.620


def test_an_odd_first_write_up_is_joined_into_its_problems_cluster(engine) -> None:
    seed(engine, [ODD_FIRST, *CLUSTER])
    stats = run(engine)
    assert (stats["outcome_new_flow"], stats["outcome_merged"], stats["clusters_joined"]) == (2, 2, 1)
    (odd, odd_status, odd_support, _), (first, status, support, sessions) = proposals(engine)
    assert (odd, odd_status, odd_support) == (ODD_FIRST, "merged", 1)
    assert (first, status, support) == (CLUSTER[0], "pending", 4)
    assert sessions == [*CLUSTER, ODD_FIRST]
    with session_scope(engine) as db:
        merged = db.scalars(select(FlowProposal).where(FlowProposal.status == "merged")).one()
        survivor = db.scalars(select(FlowProposal).where(FlowProposal.status == "pending")).one()
        assert merged.merged_into_id == survivor.id
        # The survivor's tree counts every session; the joined one's path was the same question and fix.
        assert survivor.proposed_flow_data["tree_structure"]["support"] == 4
    # A later session of the problem finds the one cluster.
    seed(engine, ["trojan quarantine restore allow"], offset=10)
    stats = run(engine)
    assert (stats["outcome_merged"], stats["clusters_joined"]) == (1, 0)
    assert [p[2] for p in proposals(engine)] == [1, 5]


def test_a_proposal_of_another_problem_is_not_joined(engine) -> None:
    # "printer tray restore" shares only "restore" with the cluster: far under the threshold.
    seed(engine, ["printer tray restore", *CLUSTER])
    stats = run(engine)
    assert stats["clusters_joined"] == 0
    assert [(p[1], p[2]) for p in proposals(engine)] == [("pending", 1), ("pending", 3)]


def test_no_join_when_a_session_of_the_smaller_cluster_would_not_merge_on_its_own(engine) -> None:
    # Two clusters: three sessions, and two that merged with each other. Their centroids reach each other (0.552),
    # and so does one session of the smaller (0.552), but the other only scores 0.439 against the larger cluster:
    # had it come now, it would have started a proposal of its own, so the clusters stay apart.
    seed(
        engine,
        [
            "defender timesheet restore",
            "restore quarantine trojan printer",
            "restore timesheet",
            "timesheet trojan restore",
            "restore printer restore tray",
        ],
    )
    stats = run(engine)
    assert (stats["outcome_new_flow"], stats["outcome_merged"], stats["clusters_joined"]) == (2, 3, 0)
    assert [(p[1], p[2]) for p in proposals(engine)] == [("pending", 3), ("pending", 2)]


def test_a_dismissed_proposal_is_never_joined(engine) -> None:
    # One session per chunk, in order: the odd write-up and the cluster's first each start a proposal; the odd one is
    # dismissed; the rest of the cluster joins the second, whose centroid then reaches the dismissed one.
    seed(engine, [ODD_FIRST, CLUSTER[0]])
    run(engine, batch=1)
    with session_scope(engine) as db:
        odd = db.scalars(
            select(FlowProposal)
            .join(AISession, AISession.id == FlowProposal.source_session_id)
            .where(AISession.problem_summary == ODD_FIRST)
        ).one()
        odd.status = "dismissed"
    seed(engine, CLUSTER[1:], offset=10)
    stats = run(engine, batch=1)
    assert (stats["outcome_merged"], stats["clusters_joined"]) == (2, 0)
    assert [(p[1], p[2]) for p in proposals(engine)] == [("dismissed", 1), ("pending", 3)]


def test_other_domains_are_never_compared(engine) -> None:
    seed(engine, [ODD_FIRST], domain="endpoint")
    seed(engine, CLUSTER, offset=10)
    assert run(engine)["clusters_joined"] == 0


@pytest.mark.parametrize(
    ("a", "count_a", "b", "count_b", "halves", "expected"),
    [
        ([1, 0], 3, [0, 1], 1, False, [0.75, 0.25]),  # enhancements: the weighted mean
        ([1, 0, 0, 1], 1, [0, 1, 0, 1], 1, True, [0.707, 0.707, 0.0, 1.0]),
    ],
)
def test_combined_centroids_weigh_each_cluster_by_its_sessions(a, count_a, b, count_b, halves, expected) -> None:
    result = combined(np.array(a, dtype=np.float32), count_a, np.array(b, dtype=np.float32), count_b, halves)
    assert [round(float(x), 3) for x in result] == expected


def test_a_join_checks_again_under_its_locks_that_both_are_still_pending(engine) -> None:
    # The search ran without locks; a reviewer decided meanwhile: the join must not touch a decided proposal.
    seed(engine, [ODD_FIRST, "defender quarantine timesheet allow restore"])
    run(engine)
    with session_scope(engine) as db:
        odd, other = db.scalars(select(FlowProposal).order_by(FlowProposal.created_at, FlowProposal.id)).all()
        odd_id, other_id = odd.id, other.id
        other.status = "approved"
    with session_scope(engine) as db:
        assert _join(db, odd_id, other_id) is False
    with session_scope(engine) as db:
        rows = {
            p.id: (p.status, p.supporting_session_count, p.merged_into_id) for p in db.scalars(select(FlowProposal))
        }
    assert rows == {odd_id: ("pending", 1, None), other_id: ("approved", 1, None)}


def test_a_proposal_is_looked_at_again_by_the_pass_that_added_its_last_session(engine, monkeypatch) -> None:
    # The odd write-up and the cluster analysed without a look again: two pending proposals that a look would join.
    monkeypatch.setattr("core.flywheel.runner.consolidate", lambda *args: Joins())
    seed(engine, [ODD_FIRST, *CLUSTER])
    assert run(engine)["clusters_joined"] == 0
    with session_scope(engine) as db:
        by_summary = dict(db.execute(select(AISession.problem_summary, AISession.id)).all())
        cluster = db.scalars(select(FlowProposal).where(FlowProposal.supporting_session_count == 3)).one()
        cluster_id = cluster.id
        assert cluster.supporting_session_ids == [str(by_summary[s]) for s in CLUSTER]
    # A pass whose last session there came before another worker's leaves the cluster to that worker's pass.
    assert consolidate(engine, providers(), {cluster_id: by_summary[CLUSTER[1]]}).joined == 0
    assert [(p[1], p[2]) for p in proposals(engine)] == [("pending", 1), ("pending", 3)]
    # The pass that added the last session looks, and joins the odd write-up into the cluster.
    assert consolidate(engine, providers(), {cluster_id: by_summary[CLUSTER[2]]}).joined == 1
    assert [(p[1], p[2]) for p in proposals(engine)] == [("merged", 1), ("pending", 4)]


def test_a_partner_without_sessions_is_passed_over_after_one_read_of_both(engine, monkeypatch) -> None:
    # A proposal made outside a session has no sessions that could merge: it is never joined, and seeing so takes
    # the one read of how both proposals stand (status, support, age, sessions), not their trees or vectors.
    monkeypatch.setattr("core.flywheel.runner.consolidate", lambda *args: Joins())
    seed(engine, [ODD_FIRST, *CLUSTER])
    worker = providers()  # its duplicate index loaded by the pass, as in a worker's consolidation
    Runner(engine, worker, worker_id="w", batch=50, clock=lambda: NOW + timedelta(hours=1)).run_pass()
    with session_scope(engine) as db:
        last = db.scalars(select(AISession.id).where(AISession.problem_summary == CLUSTER[2])).one()
        odd, cluster = db.scalars(select(FlowProposal).order_by(FlowProposal.supporting_session_count)).all()
        odd.supporting_session_ids = []
        cluster_id = cluster.id
    reads: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        joins = consolidate(engine, worker, {cluster_id: last})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert joins.joined == 0
    # The touched proposals, then how the cluster and its partner stand.
    assert len(reads) == 2, reads
    assert [(p[1], p[2]) for p in proposals(engine)] == [("pending", 1), ("pending", 3)]


def test_a_join_reads_the_sessions_it_moves_once(engine, monkeypatch) -> None:
    # The sessions of the smaller cluster are read (and redacted) to see that each would merge; the join merges
    # their paths from what that read, in the same transaction, instead of reading them again.
    monkeypatch.setattr("core.flywheel.runner.consolidate", lambda *args: Joins())
    seed(engine, [ODD_FIRST, *CLUSTER])
    worker = providers()
    Runner(engine, worker, worker_id="w", batch=50, clock=lambda: NOW + timedelta(hours=1)).run_pass()
    with session_scope(engine) as db:
        last = db.scalars(select(AISession.id).where(AISession.problem_summary == CLUSTER[2])).one()
        cluster_id = db.scalars(select(FlowProposal.id).where(FlowProposal.supporting_session_count == 3)).one()
    session_reads: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if "FROM ai_sessions" in statement:
            session_reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert consolidate(engine, worker, {cluster_id: last}).joined == 1
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(session_reads) == 1, session_reads
    assert [(p[1], p[2], p[3]) for p in proposals(engine)] == [
        ("merged", 1, [ODD_FIRST]),
        ("pending", 4, [*CLUSTER, ODD_FIRST]),
    ]
    with session_scope(engine) as db:
        survivor = db.get(FlowProposal, cluster_id)
        assert survivor.proposed_flow_data["tree_structure"]["support"] == 4
