"""The Anthropic and Voyage paths against local servers speaking their APIs (tests/fake_anthropic.py, fake_voyage.py)."""

from __future__ import annotations

import copy
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from core.config import Settings
from core.db import session_scope
from core.flywheel.engine import Providers, build_providers
from core.flywheel.generators import AnthropicGenerator, OfflineRulesGenerator
from core.flywheel.runner import Runner
from core.llm.client import AnthropicClient
from core.models import AISession, FlowProposal, LLMUsage
from core.similarity.embedders import LocalEmbedder, VoyageEmbedder
from core.trees import question_tree
from tests.factories import NOW, OUTLOOK_TREE, chose, make_account, make_session, make_tree, typed
from tests.fake_anthropic import FakeAnthropic, fake_anthropic_fixture  # noqa: F401
from tests.fake_voyage import fake_voyage_fixture  # noqa: F401

MODEL = "claude-test-model"
GOOD_FLOW = {
    "title": "Outlook search misses older mail",
    "description": "Rebuild the search index when only recent mail is found.",
    "match_keywords": ["outlook", "search", "index"],
    "problem_domain": "exchange",
    "tree_structure": question_tree(
        "Does search find recent emails?",
        {"Yes": "Rebuild the Windows Search index.", "No": "Repair the Office installation."},
    ),
}
BAD_FLOW = copy.deepcopy(GOOD_FLOW)
BAD_FLOW["tree_structure"]["children"] = BAD_FLOW["tree_structure"]["children"][:1]


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def claude(server: FakeAnthropic, max_retries: int = 3, **settings) -> Providers:
    """The model writes each new proposal at its first session (``model_at_support=1``) unless told otherwise."""
    generator = AnthropicGenerator(AnthropicClient("test-key", MODEL, server.url, max_retries=max_retries, timeout=2.0))
    return Providers(generator, LocalEmbedder(), Settings(**{"model_at_support": 1, **settings}))


def seed(engine: Engine, count: int = 1, summary: str = "Outlook search misses older mail for jane@contoso.com"):
    with session_scope(engine) as db:
        account = make_account(db, name="Contoso")
        ids = []
        for n in range(count):
            session = make_session(
                db,
                account,
                confidence_tier="discovery",
                analysis_status="pending",
                problem_summary=summary if n == 0 else f"Printer {n} offline on floor {n}",
                resolution_summary="Rebuilt the index on LAPTOP-7H2K9.",
                steps=[
                    {
                        "step_type": "question",
                        "content": {"question": "Recent mail found?", "options": ["Yes", "No"]},
                        "selected_option": "Yes",
                    }
                ],
                created_at=NOW + timedelta(seconds=n),
            )
            ids.append(session.id)
        return account.id, ids


def state(engine: Engine, session_id: uuid.UUID) -> AISession:
    with session_scope(engine) as db:
        s = db.get(AISession, session_id)
        db.expunge(s)
        return s


def usage(engine: Engine) -> list[tuple[date, int, int, int, int]]:
    with session_scope(engine) as db:
        rows = db.scalars(select(LLMUsage).order_by(LLMUsage.day)).all()
        return [(r.day, r.calls, r.input_tokens, r.output_tokens, r.cache_read_tokens) for r in rows]


def test_good_answer_becomes_a_proposal_with_usage_and_redacted_prompt(engine, fake_anthropic) -> None:
    _account, [session_id] = seed(engine)
    fake_anthropic.tool_use(
        GOOD_FLOW, name="submit_new_flow", input_tokens=1200, output_tokens=300, cache_read_input_tokens=900
    )
    stats = Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"new_flow": 1}
    s = state(engine, session_id)
    with session_scope(engine) as db:
        proposal = db.get(FlowProposal, s.analysis_proposal_id)
        assert (proposal.generator, proposal.title) == (MODEL, "Outlook search misses older mail")
        assert proposal.proposed_flow_data["tree_structure"] == GOOD_FLOW["tree_structure"]
    assert usage(engine) == [(NOW.date(), 1, 1200, 300, 900)]
    [request] = fake_anthropic.messages
    body = request.json
    assert body["model"] == MODEL
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "A question has 2 to 5 children" in body["system"][0]["text"]
    # The worked examples travel in the cached prefix, so it is long enough to be cached at all.
    assert body["system"][0]["text"].count("Example ") == 3
    assert body["tool_choice"] == {"type": "tool", "name": "submit_new_flow"}
    assert body["tools"][0]["input_schema"]["required"] == ["title", "description", "match_keywords", "tree_structure"]
    prompt = body["messages"][0]["content"]
    assert "<EMAIL_1>" in prompt and "<HOST_1>" in prompt
    assert "jane@contoso.com" not in prompt and "LAPTOP-7H2K9" not in prompt and "Contoso" not in prompt


def test_schema_breaking_answer_is_repaired_in_one_round(engine, fake_anthropic) -> None:
    _account, [session_id] = seed(engine)
    fake_anthropic.tool_use(BAD_FLOW, name="submit_new_flow")
    fake_anthropic.tool_use(GOOD_FLOW, name="submit_new_flow")
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert state(engine, session_id).analysis_outcome == "new_flow"
    first, second = fake_anthropic.messages
    repair = second.json["messages"][-1]["content"][0]
    assert repair["type"] == "tool_result" and repair["is_error"] is True
    assert "node 'q1': a question needs 2–5 options, it has 1" in repair["content"]
    assert second.json["messages"][1]["content"][0]["input"] == BAD_FLOW
    assert usage(engine)[0][1] == 2


def test_unrepairable_answer_retries_then_fails_with_the_error(engine, fake_anthropic) -> None:
    _account, [session_id] = seed(engine)
    for _ in range(4):
        fake_anthropic.tool_use(BAD_FLOW, name="submit_new_flow")
    clock = Clock()
    worker = Runner(engine, claude(fake_anthropic), worker_id="w", max_attempts=2, clock=clock)
    assert worker.run_pass().retried == 1
    assert state(engine, session_id).analysis_status == "pending"
    clock.now = NOW + timedelta(minutes=2)
    assert worker.run_pass().failed == 1
    s = state(engine, session_id)
    assert s.analysis_status == "failed" and s.analysis_attempts == 2
    assert s.analysis_error == (
        "GenerationError: model output still invalid after one repair round: "
        "node 'q1': a question needs 2–5 options, it has 1"
    )
    assert len(fake_anthropic.messages) == 4
    assert usage(engine)[0][1] == 4  # every call made is counted, even those of failed attempts


def test_rate_limits_and_overload_are_retried_honouring_retry_after(engine, fake_anthropic) -> None:
    _account, [session_id] = seed(engine)
    fake_anthropic.error(429, retry_after=0.01)
    fake_anthropic.error(529, retry_after=0.01)
    fake_anthropic.error(500, retry_after=0.01)
    fake_anthropic.tool_use(GOOD_FLOW, name="submit_new_flow")
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert state(engine, session_id).analysis_outcome == "new_flow"
    assert len(fake_anthropic.messages) == 4
    assert usage(engine)[0][1] == 4  # each retry is a request, counted on the budget


def test_malformed_json_and_exhausted_retries_are_a_retryable_failure(engine, fake_anthropic) -> None:
    _account, [session_id] = seed(engine)
    fake_anthropic.malformed()
    providers = claude(fake_anthropic, max_retries=0)
    assert Runner(engine, providers, worker_id="w", clock=Clock()).run_pass().retried == 1
    s = state(engine, session_id)
    assert s.analysis_status == "pending" and s.analysis_error.startswith("GenerationError: Anthropic API")


def test_an_answer_without_the_tool_is_a_retryable_failure_with_its_tokens_counted(engine, fake_anthropic) -> None:
    _account, [session_id] = seed(engine)
    fake_anthropic.text("Here is a flow: first ask whether search finds recent mail.", input_tokens=700)
    assert Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass().retried == 1
    s = state(engine, session_id)
    assert (s.analysis_status, s.analysis_error) == (
        "pending",
        "GenerationError: Anthropic answered without calling the tool",
    )
    assert [row[1:3] for row in usage(engine)] == [(1, 700)]
    with session_scope(engine) as db:
        assert db.scalar(select(func.count()).select_from(FlowProposal)) == 0


def test_budget_exhausted_defers_to_next_utc_day_then_processes(engine, fake_anthropic) -> None:
    _account, [first, second] = seed(engine, count=2)
    fake_anthropic.tool_use(GOOD_FLOW, name="submit_new_flow")
    clock = Clock()
    worker = Runner(engine, claude(fake_anthropic, daily_llm_budget=1), worker_id="w", clock=clock)
    stats = worker.run_pass()
    assert dict(stats.outcomes) == {"new_flow": 1, "deferred": 1}
    deferred = state(engine, second)
    midnight = NOW.replace(hour=0, minute=0) + timedelta(days=1)
    assert (deferred.analysis_status, deferred.analysis_after, deferred.analysis_attempts) == ("deferred", midnight, 0)
    assert deferred.analysis_reason == "Daily LLM budget of 1 calls used up; deferred to 2026-11-21 UTC."
    assert len(fake_anthropic.messages) == 1
    assert worker.run_pass().claimed == 0  # still today
    fake_anthropic.tool_use(dict(GOOD_FLOW, title="Printer offline"), name="submit_new_flow")
    clock.now = midnight + timedelta(minutes=5)
    assert dict(worker.run_pass().outcomes) == {"new_flow": 1}
    assert state(engine, second).analysis_outcome == "new_flow"
    assert [(day, calls) for day, calls, *_ in usage(engine)] == [(NOW.date(), 1), (midnight.date(), 1)]


def test_duplicates_merge_without_calling_the_model(engine, fake_anthropic) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        ids = [
            make_session(
                db,
                account,
                confidence_tier="discovery",
                analysis_status="pending",
                problem_summary="Teams camera not detected in meetings",
                created_at=NOW + timedelta(seconds=n),
            ).id
            for n in range(3)
        ]
    fake_anthropic.tool_use(GOOD_FLOW, name="submit_new_flow")
    stats = Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"new_flow": 1, "merged": 2}
    assert len(fake_anthropic.messages) == 1
    assert len({state(engine, i).analysis_proposal_id for i in ids}) == 1


def test_enhancement_branch_from_the_model(engine, fake_anthropic) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        flow = make_tree(db, account)
        steps = [chose("q1", "Yes"), typed("q2", "Only on VPN")]
        session_id = make_session(
            db, account, matched_flow_id=flow.id, match_score=0.7, steps=steps, analysis_status="pending"
        ).id
    branch = {"id": "s9", "type": "solution", "solution": "Exclude autodiscover from the VPN tunnel."}
    fake_anthropic.tool_use({"title": "VPN prompts", "description": "d", "branch": branch}, name="submit_branch")
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    s = state(engine, session_id)
    with session_scope(engine) as db:
        proposal = db.get(FlowProposal, s.analysis_proposal_id)
        assert proposal.proposed_diff["added"] == [
            {"id": "s9", "parent": "q2", "type": "solution", "label": "Only on VPN"}
        ]
        assert proposal.generator == MODEL and proposal.title == "VPN prompts"
    assert fake_anthropic.messages[0].json["tool_choice"]["name"] == "submit_branch"
    assert OUTLOOK_TREE["children"][0]["id"] == "q2"


def test_voyage_embeddings_drive_dedup_with_redacted_text(engine, fake_voyage) -> None:
    settings = Settings(voyage_api_key="pa-test", voyage_base_url=fake_voyage.url + "/v1", embedder="voyage")
    providers = build_providers(settings)
    assert isinstance(providers.embedder, VoyageEmbedder) and isinstance(providers.generator, OfflineRulesGenerator)
    providers.embedder._client.max_retries = 0
    with session_scope(engine) as db:
        account = make_account(db)
        kw = {"confidence_tier": "discovery", "analysis_status": "pending"}
        a = make_session(db, account, problem_summary="VPN error 809 for bob@fabrikam.com", created_at=NOW, **kw).id
        b = make_session(
            db,
            account,
            problem_summary="for bob@fabrikam.com VPN error 809",
            created_at=NOW + timedelta(seconds=1),
            **kw,
        ).id
        c = make_session(
            db, account, problem_summary="Printer jams on tray 2", created_at=NOW + timedelta(seconds=2), **kw
        ).id
    stats = Runner(engine, providers, worker_id="w", clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"new_flow": 2, "merged": 1}
    assert state(engine, a).analysis_proposal_id == state(engine, b).analysis_proposal_id
    assert state(engine, c).analysis_proposal_id != state(engine, a).analysis_proposal_id
    # The problem text is sent redacted; the placeholder itself is left out (it says nothing about the problem).
    assert fake_voyage.embedded_texts[:2] == ["VPN error 809 for", "VPN error 809 for"]
    assert not any("fabrikam" in text for text in fake_voyage.embedded_texts)
    with session_scope(engine) as db:
        proposal = db.get(FlowProposal, state(engine, a).analysis_proposal_id)
        assert proposal.embedder == "voyage voyage-3.5-lite|problem+statement v1"


def test_voyage_failure_is_retried(engine, fake_voyage) -> None:
    settings = Settings(voyage_api_key="pa-test", voyage_base_url=fake_voyage.url + "/v1")
    providers = build_providers(settings)
    providers.embedder._client.max_retries = 0
    _account, [session_id] = seed(engine)
    fake_voyage.error(500)
    assert Runner(engine, providers, worker_id="w", clock=Clock()).run_pass().retried == 1
    assert state(engine, session_id).analysis_error.startswith("EmbeddingError: Voyage embeddings failed")


def test_the_model_is_called_with_no_database_lock_held(engine, fake_anthropic) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock is where a held transaction would show")
    import sqlite3

    from tests.fake_anthropic import Reply, message

    _account, [session_id] = seed(engine)
    seen = []

    def answer_after_a_write(request):
        # While the model "thinks", the app must still be able to write.
        conn = sqlite3.connect(engine.url.database, timeout=0.5, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE accounts SET name = name")
            conn.execute("COMMIT")
            seen.append("write ok")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            conn.close()
        block = {"type": "tool_use", "id": "toolu_x", "name": "submit_new_flow", "input": GOOD_FLOW}
        return Reply(200, message([block], stop_reason="tool_use"))

    fake_anthropic.default = answer_after_a_write
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert seen == ["write ok"]
    assert state(engine, session_id).analysis_outcome == "new_flow"


def test_spent_budget_falls_back_to_offline_rules_only_when_configured(engine, fake_anthropic) -> None:
    _account, [session_id] = seed(engine)
    providers = claude(fake_anthropic, daily_llm_budget=0, budget_fallback_offline=True)
    assert dict(Runner(engine, providers, worker_id="w", clock=Clock()).run_pass().outcomes) == {"new_flow": 1}
    assert fake_anthropic.messages == []
    with session_scope(engine) as db:
        proposal = db.get(FlowProposal, state(engine, session_id).analysis_proposal_id)
        assert proposal.generator == "offline rules"
        assert proposal.proposed_flow_data["tree_structure"]["question"] == "Recent mail found?"


def test_the_model_path_plans_each_session_once(engine, fake_anthropic, monkeypatch) -> None:
    from tests.test_worker import count_plans

    with session_scope(engine) as db:
        account = make_account(db)
        kw = {"confidence_tier": "discovery", "analysis_status": "pending"}
        summary = "Teams camera not detected in meetings"
        ids = [
            make_session(db, account, problem_summary=summary, created_at=NOW + timedelta(seconds=n), **kw).id
            for n in range(2)
        ]
    fake_anthropic.tool_use(GOOD_FLOW, name="submit_new_flow")
    calls = count_plans(monkeypatch)
    stats = Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"new_flow": 1, "merged": 1}
    assert calls == {ids[0]: 1, ids[1]: 1}


def test_the_client_is_built_from_the_settings_with_explicit_overrides(fake_anthropic) -> None:
    settings = Settings(
        anthropic_api_key="test-key",
        anthropic_base_url=fake_anthropic.url,
        anthropic_model=MODEL,
        anthropic_max_retries=5,
        anthropic_timeout_seconds=7,
    )
    client = build_providers(settings).generator.client
    assert (client.model, client.max_retries, client.sdk.max_retries, client.sdk.timeout) == (MODEL, 5, 0, 7.0)
    assert str(client.sdk.base_url).rstrip("/") == fake_anthropic.url.rstrip("/")
    interactive = AnthropicClient.from_settings(settings, max_retries=1, timeout=30.0)
    assert (interactive.max_retries, interactive.sdk.max_retries, interactive.sdk.timeout) == (1, 0, 30.0)
