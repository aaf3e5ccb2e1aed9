"""Merged sessions teach their proposal through the engine (offline generator, local embedder), on both databases.

A session merged into a new-flow proposal adds its path to the proposed tree and moves the stored embedding to the
centroid; paraphrases of one new branch at one node of a flow become one enhancement.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.flywheel.clusters import centroid, covers, session_path
from core.flywheel.dedup import Branch, peek_enhancement
from core.flywheel.engine import Providers, analyze_session
from core.flywheel.facts import dedup_embedder, load_facts
from core.flywheel.generators import OfflineRulesGenerator
from core.models import AISession, FlowProposal
from core.similarity.embedders import from_bytes
from core.similarity.terms import outcomes_conflict
from core.similarity.tfidf import TfidfEmbedder
from core.trees import validate_tree
from tests.factories import NOW, ask, chose, do, make_account, make_session, make_tree, resolved


def analyze(db: Session, session: AISession, prov: Providers):
    outcome = analyze_session(db, session, prov, NOW)
    db.commit()
    return outcome


CONNECTED = "Is the VPN client connected?"
WHICH_ERROR = "What error does the client show?"
ERRORS = ["Error 809", "Error 720", "Other error"]
VPN_SESSIONS = [
    (
        "VPN client cannot connect from home",
        [ask(CONNECTED, "No", ["Yes", "No"]), ask(WHICH_ERROR, "Error 809", ERRORS), do("Switch to the SSL profile.")],
        "The SSL VPN profile connects.",
    ),
    (
        "VPN client cannot connect from home, error 720",
        [ask(CONNECTED, "No", ["Yes", "No"]), ask(WHICH_ERROR, "Error 720", ERRORS), do("Reset WAN Miniports.")],
        "Reinstalled the WAN Miniport adapters.",
    ),
    (
        "VPN client says connected but cannot reach home drive",
        [ask(CONNECTED, "Yes", ["Yes", "No"])],
        "Remapped the network drive.",
    ),
    (
        "VPN client cannot connect from home: certificate",
        [
            ask(CONNECTED, "No", ["Yes", "No"]),
            ask(WHICH_ERROR, "Certificate not trusted", ERRORS),
            do("Push the intermediate certificate with Intune."),
        ],
        "Deployed the intermediate CA.",
    ),
    (
        "VPN client cannot connect from the home office",
        [ask(CONNECTED, "No", ["Yes", "No"]), ask(WHICH_ERROR, "Error 809", ERRORS), do("Switch to the SSL profile.")],
        "The SSL VPN profile connects.",
    ),
]


def test_merged_sessions_fill_the_tree_and_move_the_embedding_to_the_centroid(db: Session) -> None:
    account = make_account(db)
    sessions = [
        make_session(
            db,
            account,
            confidence_tier="discovery",
            problem_domain="network",
            problem_summary=summary,
            resolution_summary=resolution,
            steps=[*steps, {"step_type": "resolution", "content": {"text": resolution}}],
        )
        for summary, steps, resolution in VPN_SESSIONS
    ]
    db.commit()
    prov = Providers(OfflineRulesGenerator(), TfidfEmbedder(), Settings())
    outcomes = [analyze(db, sessions[0], prov)]
    proposal = db.get(FlowProposal, outcomes[0].proposal_id)
    first_tree = proposal.proposed_flow_data["tree_structure"]
    outcomes += [analyze(db, session, prov) for session in sessions[1:]]
    assert [o.kind for o in outcomes] == ["new_flow", "merged", "merged", "merged", "merged"]
    assert {o.proposal_id for o in outcomes} == {proposal.id}
    assert db.scalar(select(FlowProposal.id).where(FlowProposal.id != proposal.id)) is None

    db.refresh(proposal)
    tree = proposal.proposed_flow_data["tree_structure"]
    paths = [session_path(load_facts(db, session)) for session in sessions]
    # Path recall: the first session's tree held 2 of the 5 paths (its own and the repeat); the merged tree all 5.
    assert [covers(first_tree, p) for p in paths] == [True, False, False, False, True]
    assert [covers(tree, p) for p in paths] == [True] * 5
    assert validate_tree(tree) == []
    no = tree["children"][0]
    assert (tree["support"], no["label"], no["support"]) == (5, "No", 4)
    assert [(o["label"], o.get("support")) for o in no["children"]] == [
        ("Error 809", 2),
        ("Error 720", 1),
        ("Other error", None),
        ("Certificate not trusted", 1),
    ]
    assert (tree["children"][1]["label"], tree["children"][1]["support"]) == ("Yes", 1)

    # The stored vector is two unit halves (whole problem text, statement), each the centroid of the sessions' own.
    embedder = TfidfEmbedder()
    vectors = [load_facts(db, session).dedup_vector(embedder) for session in sessions]
    half = vectors[0].shape[0] // 2
    expected = vectors[0]
    for count, vector in enumerate(vectors[1:], start=1):
        expected = np.concatenate(
            [centroid(expected[:half], count, vector[:half]), centroid(expected[half:], count, vector[half:])]
        )
    np.testing.assert_allclose(from_bytes(proposal.embedding), expected, rtol=1e-5, atol=1e-6)
    group = prov.index.group(db, account.id, "network", dedup_embedder(embedder), fresh=False)
    np.testing.assert_allclose(group.matrix[:, group.rows[proposal.id]], expected, rtol=1e-5, atol=1e-6)


DIVERGE_AT_Q2 = {
    "step_type": "question",
    "flow_node_id": "q2",
    "was_free_text": True,
    "content": {"question": "Is Modern Authentication enabled for the tenant?", "options": ["Yes", "No"]},
}
PARAPHRASES = [
    "Error 0x80070005 when signing in",
    "0x80070005 error when signing in",
    "Signing in fails with error 0x80070005",
    "0x80070005 error at sign-in",
    "error 0x80070005 on sign in",
]


def diverging(db: Session, account, flow, answer: str, action: str, resolution: str) -> AISession:
    """A session of ``flow`` that leaves it at q2 with the free-text ``answer``, then does ``action`` and resolves."""
    steps = [chose("q1", "Yes"), dict(DIVERGE_AT_Q2, free_text_input=answer), do(action), resolved(resolution)]
    return make_session(db, account, matched_flow_id=flow.id, match_score=0.7, steps=steps)


def test_paraphrases_of_one_new_branch_become_one_enhancement(db: Session) -> None:
    account = make_account(db)
    flow = make_tree(db, account)
    cleanup = ("Reset Office activation with the OLicenseCleanup script.", "Activation reset")
    sessions = [
        diverging(db, account, flow, text, *cleanup) for text in [*PARAPHRASES, "Error 0x8004010F when signing in"]
    ]
    db.commit()
    prov = Providers(OfflineRulesGenerator(), TfidfEmbedder(), Settings())
    outcomes = [analyze(db, session, prov) for session in sessions]
    # Keyed by the exact normalised text these were five proposals; by meaning they are one, with support 5.
    assert [o.kind for o in outcomes] == ["enhancement", "merged", "merged", "merged", "merged", "enhancement"]
    first = db.get(FlowProposal, outcomes[0].proposal_id)
    assert {o.proposal_id for o in outcomes[:5]} == {first.id} != {outcomes[5].proposal_id}
    assert first.supporting_session_count == 5
    assert first.supporting_session_ids == [str(s.id) for s in sessions[:5]]
    assert outcomes[3].reason == (
        f"Same new branch '0x80070005 error at sign-in' as proposal '{first.title}': support now 4."
    )
    assert db.get(FlowProposal, outcomes[5].proposal_id).divergence_key == "q2|error 0x8004010f when signing in"
    # The hint that spares a model call agrees; another node is another branch.
    assert peek_enhancement(db, account.id, flow.id, Branch.from_key("q2|sign-in fails: error 0x80070005")) is not None
    assert peek_enhancement(db, account.id, flow.id, Branch.from_key("q2|error 0x80070057 when signing in")) is None
    assert peek_enhancement(db, account.id, flow.id, Branch.from_key("q1|error 0x80070005 when signing in")) is None


def test_two_answers_that_report_opposite_outcomes_are_two_branches_however_alike_the_rest(db: Session) -> None:
    account = make_account(db)
    flow = make_tree(db, account)
    fix = (
        "Run Set-CalendarProcessing on the room mailbox.",
        "Room calendar processing changed with Set-CalendarProcessing.",
    )
    declined = diverging(db, account, flow, "Declined by the room mailbox", *fix)
    accepted = diverging(db, account, flow, "Accepted by the room mailbox", *fix)
    db.commit()
    prov = Providers(OfflineRulesGenerator(), TfidfEmbedder(), Settings())
    outcomes = [analyze(db, session, prov) for session in (declined, accepted)]
    # Everything but the answer is the same; the answers say opposite things.
    assert [o.kind for o in outcomes] == ["enhancement", "enhancement"]
    assert outcomes[0].proposal_id != outcomes[1].proposal_id
    assert outcomes_conflict("room auto-declines the 2-day workshop", "accepted fine but the subject gets wiped")
    assert not outcomes_conflict("Declined: too long", "It rejects anything over 24h")  # one side, two words
    assert not outcomes_conflict("Accepted, then declined the next day", "Declined")  # both sides: no verdict


def test_a_merged_session_that_asks_something_else_leaves_the_tree_alone(db: Session) -> None:
    account = make_account(db)
    kw = {"confidence_tier": "discovery", "problem_domain": "network", "resolution_summary": "Switched profiles."}
    summary, steps, _resolution = VPN_SESSIONS[0]
    first = make_session(db, account, problem_summary=summary, steps=steps, **kw)
    # The same words in the summary, but the engineer was troubleshooting the Teams client.
    teams = [ask("Is the Teams client connected?", "No", ["Yes", "No"]), *steps[1:]]
    second = make_session(db, account, problem_summary=summary, steps=teams, **kw)
    db.commit()
    prov = Providers(OfflineRulesGenerator(), TfidfEmbedder(), Settings())
    created, merged = analyze(db, first, prov), analyze(db, second, prov)
    assert (created.kind, merged.kind, merged.proposal_id) == ("new_flow", "merged", created.proposal_id)
    proposal = db.get(FlowProposal, created.proposal_id)
    db.refresh(proposal)
    assert proposal.supporting_session_count == 2
    tree = proposal.proposed_flow_data["tree_structure"]
    assert tree["question"] == CONNECTED and "support" not in tree  # unchanged: no counts, no Teams branch
    assert covers(tree, session_path(load_facts(db, second))) is False
