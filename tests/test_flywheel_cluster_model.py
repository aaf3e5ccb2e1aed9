"""One model call per cluster: the offline tree first, the model's once the cluster is worth it (local Messages API)."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from core.auth import PermissionDenied
from core.config import Settings
from core.db import session_scope
from core.flywheel.generators import AnthropicGenerator
from core.flywheel.plan import Providers
from core.flywheel.runner import Runner
from core.llm.client import AnthropicClient
from core.models import Account, AISession, FlowProposal, LLMUsage
from core.review.decisions import NewTreeRefused, ProposalNotPending, ask_for_new_tree
from core.similarity.tfidf import TfidfEmbedder
from tests.factories import NOW, make_account, make_session, make_tree, make_user
from tests.fake_anthropic import FakeAnthropic, fake_anthropic_fixture  # noqa: F401
from tests.review_helpers import as_user
from tests.test_flywheel_anthropic import GOOD_FLOW, MODEL

PROBLEM = [
    "Outlook search misses older mail for jane@contoso.com",
    "Outlook search does not find older emails",
    "Older mail missing from Outlook search results",
]
STEPS = [
    {
        "step_type": "question",
        "content": {"question": "Does search find recent mail?", "options": ["Yes", "No"]},
        "selected_option": "Yes",
    },
    {"step_type": "resolution", "content": {"text": "Rebuilt the search index."}},
]


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def claude(server: FakeAnthropic, **settings) -> Providers:
    generator = AnthropicGenerator(AnthropicClient("test-key", MODEL, server.url, max_retries=0, timeout=2.0))
    return Providers(generator, TfidfEmbedder(), Settings(anthropic_api_key="test-key", **settings))


def seed(engine: Engine, summaries: list[str], *, offset: int = 0) -> list:
    with session_scope(engine) as db:
        account = db.scalars(select(Account)).first() or make_account(db, name="Contoso")
        return [
            make_session(
                db,
                account,
                confidence_tier="discovery",
                analysis_status="pending",
                problem_summary=summary,
                resolution_summary="Rebuilt the search index.",
                steps=STEPS,
                created_at=NOW + timedelta(seconds=offset + n),
            ).id
            for n, summary in enumerate(summaries)
        ]


def proposals(engine: Engine) -> list[FlowProposal]:
    with session_scope(engine) as db:
        # In the order of their first sessions (proposals of one pass share its clock).
        query = select(FlowProposal).join(AISession, AISession.id == FlowProposal.source_session_id)
        rows = db.scalars(query.order_by(AISession.created_at)).all()
        db.expunge_all()
        return rows


def llm_calls(engine: Engine) -> int:
    with session_scope(engine) as db:
        return db.scalar(select(func.coalesce(func.sum(LLMUsage.calls), 0)))


def test_a_cluster_is_written_once_from_all_its_sessions(engine, fake_anthropic) -> None:
    seed(engine, [*PROBLEM, "Printer jams on tray 2 every morning"])
    fake_anthropic.tool_use(GOOD_FLOW, name="submit_new_flow")
    stats = Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"new_flow": 2, "merged": 2} and stats.clusters_written == 1

    # One request for the three Outlook sessions; the printer problem (one session, minutes old) waits.
    [request] = fake_anthropic.messages
    prompt = request.json["messages"][0]["content"]
    assert prompt.startswith("These 3 resolved sessions are the same problem.")
    payload = json.loads(prompt.split("(JSON):\n", 1)[1])
    assert [p["problem_summary"] for p in payload] == [
        "Outlook search misses older mail for <EMAIL_1>",
        "Outlook search does not find older emails",
        "Older mail missing from Outlook search results",
    ]
    assert "jane@contoso.com" not in json.dumps(request.json)
    outlook, printer = proposals(engine)
    assert (outlook.generator, outlook.model_calls, outlook.model_generated_support) == (MODEL, 1, 3)
    # The model's tree, walked by the three sessions it read: each node counts the sessions that took it (the "No"
    # branch the model added, none), and the sessions' own wording of the question is kept beside the model's.
    walked = copy.deepcopy(GOOD_FLOW["tree_structure"])
    walked |= {"support": 3, "wordings": ["Does search find recent mail?"]}
    walked["children"][0]["support"], walked["children"][1]["support"] = 3, 0
    assert outlook.proposed_flow_data["tree_structure"] == walked
    assert outlook.title == GOOD_FLOW["title"] and outlook.model_generated_at == NOW
    assert (printer.generator, printer.model_calls, printer.model_generated_at) == ("offline rules", 0, None)
    assert llm_calls(engine) == 1

    # A later session of the same problem merges into the model's tree without another call.
    seed(engine, ["Outlook search cannot find older mail"], offset=10)
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock(NOW + timedelta(minutes=5))).run_pass()
    assert len(fake_anthropic.messages) == 1
    outlook, printer = proposals(engine)
    assert (outlook.supporting_session_count, outlook.model_calls) == (4, 1)
    tree = outlook.proposed_flow_data["tree_structure"]
    assert (tree["support"], tree["children"][0]["support"], tree["children"][1]["support"]) == (4, 4, 0)

    # A day on, the lone printer proposal is worth its call too: two problems, two calls.
    fake_anthropic.tool_use({**GOOD_FLOW, "title": "Printer jams"}, name="submit_new_flow")
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock(NOW + timedelta(hours=25))).run_pass()
    assert len(fake_anthropic.messages) == 2 and llm_calls(engine) == 2
    prompt = fake_anthropic.messages[1].json["messages"][0]["content"]
    assert prompt.startswith("Build a new troubleshooting flow from this resolved session (JSON):")
    _outlook, printer = proposals(engine)
    assert (printer.title, printer.model_calls, printer.model_generated_support) == ("Printer jams", 1, 1)


def test_a_reviewer_asks_for_one_new_tree(engine, fake_anthropic) -> None:
    seed(engine, PROBLEM[:2])
    fake_anthropic.tool_use(GOOD_FLOW, name="submit_new_flow")
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    [proposal] = proposals(engine)
    with session_scope(engine) as db:
        account = db.get(Account, proposal.account_id)
        admin = as_user(db, make_user(db, account, role="team_admin"))
        engineer = as_user(db, make_user(db, account, role="engineer"))
        later = NOW + timedelta(minutes=3)
        with pytest.raises(PermissionDenied):
            ask_for_new_tree(db, proposal.id, engineer, llm_enabled=True, now=later)
        ask_for_new_tree(db, proposal.id, admin, llm_enabled=True, now=later)
        with pytest.raises(NewTreeRefused, match="already asked"):
            ask_for_new_tree(db, proposal.id, admin, llm_enabled=True, now=later)
        with pytest.raises(NewTreeRefused, match="No model is configured"):
            ask_for_new_tree(db, proposal.id, admin, llm_enabled=False, now=later)
    fake_anthropic.tool_use({**GOOD_FLOW, "title": "Outlook search, rewritten"}, name="submit_new_flow")
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock(NOW + timedelta(minutes=4))).run_pass()
    [proposal] = proposals(engine)
    assert (proposal.title, proposal.model_calls, proposal.regenerate_requested_at) == (
        "Outlook search, rewritten",
        2,
        None,
    )
    # Answered: the next pass calls nothing.
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock(NOW + timedelta(minutes=9))).run_pass()
    assert len(fake_anthropic.messages) == 2
    with session_scope(engine) as db:
        db.get(FlowProposal, proposal.id).status = "rejected"
    with session_scope(engine) as db, pytest.raises(ProposalNotPending):
        ask_for_new_tree(db, proposal.id, admin, llm_enabled=True, now=NOW)


def test_a_failed_or_unaffordable_call_leaves_the_offline_tree(engine, fake_anthropic) -> None:
    seed(engine, PROBLEM[:2])
    Runner(engine, claude(fake_anthropic, daily_llm_budget=0), worker_id="w", clock=Clock()).run_pass()
    [proposal] = proposals(engine)
    assert (proposal.generator, proposal.model_calls, proposal.generation_attempts) == ("offline rules", 0, 0)
    assert fake_anthropic.messages == [] and llm_calls(engine) == 0

    fake_anthropic.malformed()
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock(NOW + timedelta(minutes=1))).run_pass()
    [proposal] = proposals(engine)
    assert (proposal.generator, proposal.model_calls, proposal.generation_attempts) == ("offline rules", 1, 1)
    assert proposal.generation_error.startswith("GenerationError: ")
    assert llm_calls(engine) == 1
    offline_tree = proposal.proposed_flow_data["tree_structure"]
    assert offline_tree["question"] == "Does search find recent mail?"


def test_sessions_that_add_one_branch_are_written_as_one_branch(engine, fake_anthropic) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        flow = make_tree(db, account)
        for n, answer in enumerate(["Only on the VPN", "Only when connected to VPN"]):
            steps = [
                {"step_type": "question", "flow_node_id": "q1", "selected_option": "Yes"},
                {"step_type": "question", "flow_node_id": "q2", "was_free_text": True, "free_text_input": answer},
                {"step_type": "resolution", "content": {"text": "Excluded autodiscover from the VPN tunnel."}},
            ]
            make_session(
                db,
                account,
                matched_flow_id=flow.id,
                match_score=0.7,
                steps=steps,
                analysis_status="pending",
                created_at=NOW + timedelta(seconds=n),
            )
    branch = {"id": "s9", "type": "solution", "solution": "Exclude autodiscover from the VPN tunnel."}
    fake_anthropic.tool_use({"title": "VPN prompts", "description": "d", "branch": branch}, name="submit_branch")
    stats = Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"enhancement": 1, "merged": 1} and stats.clusters_written == 1
    [request] = fake_anthropic.messages
    prompt = request.json["messages"][0]["content"]
    assert "2 engineers gave an answer the flow does not offer (first written 'Only on the VPN'" in prompt
    [proposal] = proposals(engine)
    assert proposal.proposed_diff["added"] == [
        {"id": "s9", "parent": "q2", "type": "solution", "label": "Only on the VPN"}
    ]
    assert (proposal.generator, proposal.model_calls, proposal.model_generated_support) == (MODEL, 1, 2)


def test_without_a_model_nothing_is_due(engine) -> None:
    from core.flywheel.engine import build_providers

    seed(engine, PROBLEM)
    providers = build_providers(Settings())
    stats = Runner(engine, providers, worker_id="w", clock=Clock(NOW + timedelta(days=3))).run_pass()
    assert stats.clusters_written == 0
    [proposal] = proposals(engine)
    assert (proposal.generator, proposal.model_calls) == ("offline rules", 0)
    with session_scope(engine) as db:
        assert (
            db.scalar(select(func.count()).select_from(AISession).where(AISession.analysis_status == "completed")) == 3
        )
