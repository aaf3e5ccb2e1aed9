"""Outcomes on every edge of a flow, counted from recorded session paths (both databases)."""

from __future__ import annotations

import pytest

from core.db import session_scope
from core.insights.edges import EdgeOutcome, NodeExits, flow_outcomes
from tests.factories import NOW, OUTLOOK_TREE, make_account, make_tree
from tests.health_data import ESCALATION, NOTE, TO_S1, TO_S2, TO_S3, action, q, solution, walk


@pytest.fixture
def outlook(engine):
    with session_scope(engine) as db:
        account = make_account(db)
        flow = make_tree(db, account)
        other = make_tree(db, account, name="Other flow with the same node ids")
        walk(db, account, flow, TO_S1, 2, "resolved")
        walk(db, account, flow, TO_S2, 3, "resolved")
        walk(db, account, flow, [q("q1", "Yes"), q("q2", "Yes"), action("a1"), ESCALATION], 4, "escalated")
        walk(db, account, flow, [q("q1", "Yes"), q("q2", free_text="Only on the phone")], 5, "abandoned")
        walk(db, account, flow, TO_S3, 6, "resolved")
        # A note between two flow steps does not break the edge q2 -> s2.
        walk(db, account, flow, [q("q1", "Yes"), NOTE, q("q2", "No"), solution("s2")], 7, "resolved")
        walk(db, account, flow, TO_S2, 40, "resolved")  # inside 90 days, not 30
        walk(db, account, flow, [q("q1", "Yes")], 1, "active")  # still open: no outcome yet
        walk(db, account, other, TO_S2, 2, "escalated")  # another flow
        walk(db, make_account(db), flow, TO_S2, 2, "escalated")  # another account
        ids = account.id, flow.id
    return ids


def outcomes(engine, ids, days=30, tree=OUTLOOK_TREE):
    with session_scope(engine) as db:
        return flow_outcomes(db, ids[0], ids[1], tree, period_days=days, now=NOW)


def test_each_edge_counts_the_sessions_that_took_it_and_those_that_resolved(engine, outlook):
    result = outcomes(engine, outlook)
    assert result.edges == {
        ("q1", "q2"): EdgeOutcome(5, 3),
        ("q2", "a1"): EdgeOutcome(2, 1),
        ("a1", "s1"): EdgeOutcome(1, 1),
        ("q2", "s2"): EdgeOutcome(2, 2),
        ("q1", "s3"): EdgeOutcome(1, 1),
    }
    assert result.edges[("q1", "q2")].label() == "5 · 60%"
    assert result.sessions == 6


def test_nodes_show_where_sessions_left_the_flow(engine, outlook):
    exits = outcomes(engine, outlook).exits
    assert exits["q2"] == NodeExits(sessions=5, free_text=1, escalated=0, abandoned=1)
    assert exits["a1"] == NodeExits(sessions=2, free_text=0, escalated=1, abandoned=0)
    assert exits["q1"].left == 0
    assert exits["q2"].describe() == "left here: 1 free text · 1 abandoned"


def test_a_longer_period_takes_older_sessions(engine, outlook):
    result = outcomes(engine, outlook, days=90)
    assert result.edges[("q1", "q2")] == EdgeOutcome(6, 4)
    assert result.edges[("q2", "s2")] == EdgeOutcome(3, 3)


def test_an_edge_nobody_took_is_zero_and_pairs_outside_the_tree_are_left_out(engine, outlook):
    tree = {**OUTLOOK_TREE, "children": [OUTLOOK_TREE["children"][1], {**OUTLOOK_TREE["children"][0], "id": "q9"}]}
    result = outcomes(engine, outlook, tree=tree)
    assert result.edges[("q1", "q9")] == EdgeOutcome(0, 0)
    assert result.edges[("q1", "q9")].resolved_share is None
    assert ("q1", "q2") not in result.edges


def test_a_period_the_page_does_not_offer_is_refused(engine, outlook):
    with pytest.raises(ValueError, match="7, 30, 90"):
        outcomes(engine, outlook, days=12)
