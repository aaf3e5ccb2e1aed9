"""The flywheel engine on hand-built sessions (offline generator, local embedder), on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.flywheel.builders import UNEXPLORED
from core.flywheel.engine import Providers, analyze_session
from core.flywheel.generators import OfflineRulesGenerator
from core.models import AISession, FlowProposal, Tree, utcnow
from core.similarity.embedders import LocalEmbedder, from_bytes
from core.trees import validate_tree
from tests.factories import (
    NOW,
    OUTLOOK_FOLLOWED_STEPS,
    OUTLOOK_TREE,
    ask,
    chose,
    do,
    make_account,
    make_session,
    make_tree,
    resolved,
    typed,
)


def providers(**settings) -> Providers:
    return Providers(OfflineRulesGenerator(), LocalEmbedder(), Settings(**settings))


def analyze(db: Session, session: AISession, prov: Providers | None = None):
    outcome = analyze_session(db, session, prov or providers(), NOW)
    db.commit()
    return outcome


def proposal_made(db: Session, session: AISession, kind: str) -> FlowProposal:
    """Commit, analyse ``session`` and return the proposal the flywheel made, which must be of ``kind``."""
    db.commit()
    outcome = analyze(db, session)
    assert outcome.kind == kind
    return db.get(FlowProposal, outcome.proposal_id)


KEYWORDS = ["outlook", "windows", "search", "returns", "results", "older", "emails"]

SEARCH_STEPS = [
    ask("Does search find recent emails?", "Yes"),
    ask("Does search find recent emails?", "Yes"),
    do("Check the indexing status (Search Tools > Indexing Status).", "12,000 items remaining"),
    {"step_type": "action", "content": {"action": "Restart Outlook."}, "action_result": "Did not help"},
    {"step_type": "note", "content": {"text": "User jane.doe@contoso.com on LAPTOP-7H2K9 is impatient"}},
    do("Rebuild the index from Indexing Options > Advanced > Rebuild."),
    resolved("Rebuilt the index"),
]


def test_new_flow_from_discovery_session(db: Session) -> None:
    account = make_account(db, name="Contoso")
    session = make_session(
        db,
        account,
        confidence_tier="discovery",
        problem_domain="exchange",
        rating=5,
        problem_summary="Outlook search returns no results for older emails at Contoso",
        resolution_summary="Rebuilt the Windows Search index; older mail is found again.",
        steps=SEARCH_STEPS,
    )
    proposal = proposal_made(db, session, "new_flow")
    assert proposal.proposal_type == "new_flow" and proposal.status == "pending"
    assert proposal.generator == "offline rules"
    assert proposal.title == "Outlook search returns no results for older emails at <COMPANY_1>"
    assert proposal.source_session_id == session.id
    assert proposal.supporting_session_ids == [str(session.id)]
    assert proposal.confidence_score == pytest.approx(0.55)  # 0.30 + discovery 0.05 + rating 0.10 + steps 0.10
    data = proposal.proposed_flow_data
    assert data["match_keywords"] == KEYWORDS
    assert data["problem_domain"] == "exchange"
    assert data["tree_structure"] == {
        "id": "q1",
        "type": "question",
        "question": "Does search find recent emails?",
        "children": [
            {
                "id": "a1",
                "type": "action",
                "label": "Yes",
                "action": "Check the indexing status (Search Tools > Indexing Status).",
                "children": [
                    {
                        "id": "a2",
                        "type": "action",
                        "label": "Done",
                        "action": "Rebuild the index from Indexing Options > Advanced > Rebuild.",
                        "children": [
                            {
                                "id": "s1",
                                "type": "solution",
                                "label": "Done",
                                "solution": "Rebuilt the Windows Search index; older mail is found again.",
                            }
                        ],
                    }
                ],
            },
            {"id": "s2", "label": "No", "type": "solution", "solution": UNEXPLORED},
        ],
    }
    assert validate_tree(data["tree_structure"]) == []
    # Two unit vectors of 512 dimensions: the whole problem text, then the statement alone (stored sparse: few of
    # the hashed n-gram dimensions are set).
    stored = from_bytes(proposal.embedding)
    assert stored.shape == (2 * 512,)
    assert [round(float(np.linalg.norm(half)), 5) for half in (stored[:512], stored[512:])] == [1.0, 1.0]
    assert proposal.embedder == "local hashed n-grams v1|problem+statement v1"


DIVERGENT_STEPS = [
    {
        "step_type": "question",
        "flow_node_id": "q1",
        "selected_option": "yes",
        "content": {"question": "Does Outlook prompt for credentials repeatedly?", "options": ["Yes", "No"]},
    },
    {
        "step_type": "question",
        "flow_node_id": "q2",
        "was_free_text": True,
        "free_text_input": "Error 0x80070005 when signing in",
        "content": {"question": "Is Modern Authentication enabled for the tenant?", "options": ["Yes", "No"]},
    },
    do("Reset Office activation with the OLicenseCleanup script."),
    resolved("Activation reset"),
]


def test_enhancement_from_divergent_session_with_exact_diff(db: Session) -> None:
    account = make_account(db)
    flow = make_tree(db, account, version=3)
    session = make_session(
        db,
        account,
        matched_flow_id=flow.id,
        match_score=0.9,
        confidence_tier="guided",
        rating=4,
        resolution_summary="Office activation reset; Outlook signs in without prompting.",
        steps=DIVERGENT_STEPS,
    )
    proposal = proposal_made(db, session, "enhancement")
    assert proposal.target_flow_id == flow.id
    assert proposal.base_tree_version == 3
    assert proposal.divergence_key == "q2|error 0x80070005 when signing in"
    assert proposal.title == "Outlook credential prompts: add 'Error 0x80070005 when signing in'"
    assert proposal.proposed_diff == {
        "added": [
            {"id": "a2", "parent": "q2", "type": "action", "label": "Error 0x80070005 when signing in"},
            {"id": "s4", "parent": "a2", "type": "solution", "label": "Done"},
        ],
        "changed": [],
        "removed": [],
        "summary": [
            "Added branch 'Error 0x80070005 when signing in' under 'Is Modern Authentication enabled for the tenant?'"
        ],
    }
    tree = proposal.proposed_flow_data["tree_structure"]
    assert validate_tree(tree) == []
    assert [c["id"] for c in tree["children"][0]["children"]] == ["a1", "s2", "a2"]
    assert tree["children"][0]["children"][2]["action"] == "Reset Office activation with the OLicenseCleanup script."
    db.refresh(flow)
    assert (flow.times_matched, flow.times_resolved, flow.success_rate) == (1, 1, 1.0)


def test_auto_reinforcement_and_failures_update_exact_flow_stats(db: Session) -> None:
    account = make_account(db)
    flow = make_tree(db, account, times_matched=4, times_resolved=3, success_rate=0.75)
    followed = OUTLOOK_FOLLOWED_STEPS
    ok = make_session(
        db, account, matched_flow_id=flow.id, match_score=0.92, steps=followed, created_at=NOW - timedelta(hours=2)
    )
    escalated = make_session(
        db,
        account,
        matched_flow_id=flow.id,
        match_score=0.92,
        status="escalated",
        steps=followed[:2],
        created_at=NOW - timedelta(hours=3),
    )
    db.commit()
    first = analyze(db, ok)
    assert first.kind == "auto_reinforced"
    record = db.get(FlowProposal, first.proposal_id)
    assert (record.status, record.target_flow_id, record.supporting_session_count) == ("auto_reinforced", flow.id, 1)
    db.refresh(flow)
    assert (flow.times_matched, flow.times_resolved, flow.success_rate) == (5, 4, 0.8)
    assert flow.last_matched_at == ok.ended_at
    second = analyze(db, escalated)
    assert second.kind == "flow_failure_recorded" and second.proposal_id is None
    db.refresh(flow)
    assert (flow.times_matched, flow.times_resolved) == (6, 4)
    assert flow.success_rate == pytest.approx(4 / 6)
    assert flow.last_matched_at == ok.ended_at  # analysed later but ended earlier: not newer
    assert db.scalar(select(FlowProposal.id).where(FlowProposal.status == "pending")) is None


def test_duplicate_merge_by_domain_null_matches_null(db: Session) -> None:
    account = make_account(db)
    kw = {"confidence_tier": "discovery", "rating": 4, "resolution_summary": "Re-created the VPN profile."}
    first = make_session(
        db, account, problem_domain="network", problem_summary="Cannot connect to VPN, error 809", **kw
    )
    same = make_session(
        db, account, problem_domain="network", problem_summary="VPN connection fails with error 809", **kw
    )
    other_domain = make_session(
        db, account, problem_domain=None, problem_summary="VPN connection fails with error 809", **kw
    )
    null_again = make_session(
        db, account, problem_domain=None, problem_summary="Cannot connect to VPN, error 809", **kw
    )
    db.commit()
    prov = providers()
    a = analyze(db, first, prov)
    b = analyze(db, same, prov)
    c = analyze(db, other_domain, prov)
    d = analyze(db, null_again, prov)
    assert [a.kind, b.kind, c.kind, d.kind] == ["new_flow", "merged", "new_flow", "merged"]
    assert b.proposal_id == a.proposal_id and d.proposal_id == c.proposal_id != a.proposal_id
    merged = db.get(FlowProposal, a.proposal_id)
    db.refresh(merged)
    assert merged.supporting_session_count == 2
    assert merged.supporting_session_ids == [str(first.id), str(same.id)]
    # each session's evidence is 0.30 + 0.05 + 0.05 = 0.40; the second closes 20% of the remaining gap
    assert merged.confidence_score == pytest.approx(1 - 0.6 * 0.8)
    assert db.query(FlowProposal).count() == 2


def test_a_fresh_process_finds_duplicates_stored_by_another(db: Session) -> None:
    account = make_account(db)
    kw = {"confidence_tier": "exploring", "problem_domain": "print"}
    first = make_session(db, account, problem_summary="Printer offline on second floor", **kw)
    second = make_session(db, account, problem_summary="Second floor printer shows as offline", **kw)
    db.commit()
    a = analyze(db, first, providers())
    b = analyze(db, second, providers())  # new Providers: empty cache, reads the stored embedding
    assert (a.kind, b.kind, b.proposal_id) == ("new_flow", "merged", a.proposal_id)


def test_a_warm_cache_finds_a_proposal_another_process_stored_with_an_older_clock(db: Session) -> None:
    account = make_account(db)
    kw = {"confidence_tier": "exploring", "problem_domain": "print"}
    unrelated = make_session(db, account, problem_summary="Label printer prints blank labels", **kw)
    first = make_session(db, account, problem_summary="Printer offline on second floor", **kw)
    second = make_session(db, account, problem_summary="Second floor printer shows as offline", **kw)
    db.commit()
    mine = providers()
    assert analyze(db, unrelated, mine).kind == "new_flow"  # this process's cache of domain "print" is now warm
    a = analyze(db, first, providers())  # another process, whose clock stamps created_at days in the past
    assert db.get(FlowProposal, a.proposal_id).created_at == NOW < utcnow() - timedelta(minutes=5)
    b = analyze(db, second, mine)  # the refresh fetches the embedding it does not know
    assert (a.kind, b.kind, b.proposal_id) == ("new_flow", "merged", a.proposal_id)


def test_dismissed_proposal_resurfaces_after_enough_new_support(db: Session) -> None:
    account = make_account(db)
    kw = {
        "confidence_tier": "discovery",
        "problem_domain": "exchange",
        "problem_summary": "Shared mailbox not showing in Outlook",
    }
    sessions = [make_session(db, account, **kw) for _ in range(4)]
    db.commit()
    prov = providers(dismissed_resurface_support=3)
    created = analyze(db, sessions[0], prov)
    proposal = db.get(FlowProposal, created.proposal_id)
    proposal.status, proposal.dismissed_support = "dismissed", 1
    db.commit()
    kinds = []
    for session in sessions[1:]:
        outcome = analyze(db, session, prov)
        db.refresh(proposal)
        kinds.append((outcome.kind, outcome.resurfaced, proposal.status, proposal.supporting_session_count))
    assert kinds == [
        ("merged", False, "dismissed", 2),
        ("merged", False, "dismissed", 3),
        ("merged", True, "pending", 4),
    ]


def test_approved_proposal_is_not_a_merge_target(db: Session) -> None:
    account = make_account(db)
    kw = {"confidence_tier": "discovery", "problem_domain": "exchange", "problem_summary": "Email stuck in outbox"}
    first, second = make_session(db, account, **kw), make_session(db, account, **kw)
    db.commit()
    prov = providers()
    created = analyze(db, first, prov)
    db.get(FlowProposal, created.proposal_id).status = "approved"
    db.commit()
    again = analyze(db, second, prov)  # the cache still lists it as open: the merge must re-check
    assert again.kind == "new_flow" and again.proposal_id != created.proposal_id


def test_enhancements_merge_on_same_node_and_branch(db: Session) -> None:
    account = make_account(db)
    flow = make_tree(db, account)
    kw = {"matched_flow_id": flow.id, "match_score": 0.7, "steps": DIVERGENT_STEPS}
    one, two = make_session(db, account, **kw), make_session(db, account, **kw)
    other = make_session(
        db,
        account,
        matched_flow_id=flow.id,
        match_score=0.7,
        steps=[DIVERGENT_STEPS[0], dict(DIVERGENT_STEPS[1], free_text_input="Prompt only on VPN"), DIVERGENT_STEPS[3]],
    )
    db.commit()
    results = [analyze(db, s) for s in (one, two, other)]
    assert [r.kind for r in results] == ["enhancement", "merged", "enhancement"]
    assert results[1].proposal_id == results[0].proposal_id != results[2].proposal_id
    assert db.get(FlowProposal, results[0].proposal_id).supporting_session_count == 2
    db.refresh(flow)
    assert (flow.times_matched, flow.times_resolved) == (3, 3)


REMOVED_KEY = "Removed the stale Office identity registry key."


def test_divergence_at_an_action_turns_it_into_a_question(db: Session) -> None:
    account = make_account(db)
    flow = make_tree(db, account)
    # Followed the flow to the action a1, where the engineer typed that it did not help.
    steps = [*OUTLOOK_FOLLOWED_STEPS[:2], typed("a1", "Still prompts", "action"), resolved(REMOVED_KEY)]
    session = make_session(
        db,
        account,
        matched_flow_id=flow.id,
        match_score=0.85,
        steps=steps,
        resolution_summary=REMOVED_KEY,
    )
    proposal = proposal_made(db, session, "enhancement")
    assert proposal.proposed_diff["summary"] == [
        "Added branch 'Next' under 'Clear the cached credentials in Windows Credential Manager.'",
        "Changed parent of 'Restart Outlook and sign in once; the prompt stops.'",
    ]
    assert validate_tree(proposal.proposed_flow_data["tree_structure"]) == []


@pytest.mark.parametrize(
    ("fields", "kind", "reason"),
    [
        (
            {"match_score": 0.5, "confidence_tier": "exploring"},
            "no_proposal",
            "Diverged from the flow, but the match score 0.50 is not above 0.5.",
        ),
        (
            {"matched_flow_id": None, "confidence_tier": "guided"},
            "no_proposal",
            "Guided session without a matched flow.",
        ),
        (
            {"matched_flow_id": None, "status": "abandoned"},
            "no_proposal",
            "Session abandoned without a matched flow: nothing to learn from.",
        ),
    ],
)
def test_other_sessions_complete_with_a_reason(db: Session, fields, kind, reason) -> None:
    account = make_account(db)
    flow = make_tree(db, account)
    fields = {"matched_flow_id": flow.id, "match_score": 0.9, "steps": DIVERGENT_STEPS, **fields}
    session = make_session(db, account, **fields)
    db.commit()
    outcome = analyze(db, session)
    assert (outcome.kind, outcome.reason, outcome.proposal_id) == (kind, reason, None)
    assert db.query(FlowProposal).count() == 0


def test_flows_of_other_accounts_are_never_touched(db: Session) -> None:
    mine, theirs = make_account(db), make_account(db)
    foreign = make_tree(db, theirs)
    session = make_session(db, mine, matched_flow_id=foreign.id, match_score=0.95, confidence_tier="discovery")
    db.commit()
    outcome = analyze(db, session)
    assert outcome.kind == "new_flow"
    assert db.get(Tree, foreign.id).times_matched == 0


def test_no_branch_is_proposed_where_the_flow_has_no_room(db: Session) -> None:
    account = make_account(db)
    full = copy.deepcopy(OUTLOOK_TREE)
    q2 = full["children"][0]
    q2["children"] += [
        {"id": f"s{n}", "label": f"Option {n}", "type": "solution", "solution": f"Fix {n}."} for n in (4, 5, 6)
    ]
    crowded = make_tree(db, account, full)
    flow = make_tree(db, account)
    after_solution = [
        chose("q1", "Yes"),
        chose("q2", "No"),
        typed("s2", "Already enabled", "action"),
        resolved("Reset the mailbox profile."),
    ]
    sessions = [
        make_session(db, account, matched_flow_id=crowded.id, match_score=0.9, steps=DIVERGENT_STEPS),
        make_session(db, account, matched_flow_id=flow.id, match_score=0.9, steps=after_solution),
    ]
    db.commit()
    outcomes = [analyze(db, s) for s in sessions]
    assert [(o.kind, o.reason, o.proposal_id) for o in outcomes] == [
        (
            "no_proposal",
            "Question 'q2' already offers 5 options; no room for 'Error 0x80070005 when signing in'.",
            None,
        ),
        ("no_proposal", "Left the flow after its solution 's2'; a solution takes no branch.", None),
    ]
    assert db.query(FlowProposal).count() == 0
    for tree in (crowded, flow):
        db.refresh(tree)
    assert [crowded.times_matched, flow.times_matched] == [1, 1]


def test_a_requester_named_in_one_intake_is_hidden_in_every_session_of_the_batch(db) -> None:
    from core.flywheel.facts import load_facts_many

    account = make_account(db)
    named = make_session(
        db,
        account,
        intake_content={"description": "Requester: Rosa Delgado-Marsh\nCustomer: Bellweather Dental Care"},
    )
    pasted = make_session(
        db,
        account,
        problem_summary="Outlook search stuck",
        intake_content={"description": "Ticket 77410 / Rosa Delgado-Marsh / Bellweather Dental Care"},
    )
    facts = load_facts_many(db, [named, pasted])
    text = facts[pasted.id].intake_text
    assert "Rosa" not in text and "Bellweather" not in text
    assert text == "description: Ticket 77410 / <PERSON_1> / <COMPANY_1>"
