"""Hostile model answers through a local Messages-API server: nothing oversize or invalid is stored, nothing
crashes, and the calls counted on the budget equal the requests the server received.

Each case queues its answer for the first request and for the repair round, runs one worker pass, and checks the
session's error, the proposals table and the ledger. The figures of the suite are summed in the last test.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from core.config import Settings
from core.db import session_scope
from core.flywheel.engine import Providers
from core.flywheel.generators import AnthropicGenerator
from core.flywheel.runner import Runner
from core.llm.client import AnthropicClient
from core.models import FlowProposal, LLMUsage
from core.similarity.embedders import LocalEmbedder
from tests.factories import NOW, make_account, make_session
from tests.fake_anthropic import FakeAnthropic, Recorded, Reply, fake_anthropic_fixture  # noqa: F401
from tests.test_flywheel_anthropic import GOOD_FLOW, MODEL, Clock, state

TOOL = "submit_new_flow"


def _with(path: str, value: Any) -> dict[str, Any]:
    """GOOD_FLOW with one field replaced (``tree_structure.children.0.label`` style paths)."""
    flow = copy.deepcopy(GOOD_FLOW)
    *parents, last = path.split(".")
    target: Any = flow
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return flow


def _deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"id": "leaf", "label": "Go", "type": "solution", "solution": "Done."}
    for n in range(levels):
        node = {"id": f"a{n}", "label": "Go", "type": "action", "action": "Next.", "children": [node]}
    node.pop("label")
    return node


def _bushy(levels: int, prefix: str = "n") -> dict[str, Any]:
    """Questions with five options each, ``levels`` deep: 781 nodes at 5 levels, each node valid on its own."""
    if levels == 1:
        return {"id": prefix, "label": prefix, "type": "solution", "solution": "Fix."}
    children = [_bushy(levels - 1, f"{prefix}{n}") for n in range(5)]
    return {"id": prefix, "label": prefix, "type": "question", "question": "Which?", "children": children}


MB = 1_000_000
# (name, answer as tool input, the start of the session's error)
ANSWERS: list[tuple[str, Any, str]] = [
    ("20 MB description", _with("description", "d" * (20 * MB)), "GenerationError: model answer larger than"),
    ("1 MB keyword", _with("match_keywords", ["k" * MB]), "GenerationError: model output still invalid"),
    ("2 MB keyword", _with("match_keywords", ["k" * 2 * MB]), "GenerationError: model answer larger than"),
    ("long keyword", _with("match_keywords", ["k" * 500]), "GenerationError: model output still invalid"),
    ("100 keywords", _with("match_keywords", [f"kw{n}" for n in range(100)]), "GenerationError: model output"),
    ("5,000-character title", _with("title", "t" * 5000), "GenerationError: model output still invalid"),
    ("3,000-character description", _with("description", "d" * 3000), "GenerationError: model output still"),
    ("10,000-character label", _with("tree_structure.children.0.label", "l" * 10_000), "GenerationError: model"),
    (
        "unknown key in a node",
        _with("tree_structure.children.1.notes", "n" * 50_000),
        "GenerationError: model output still invalid after one repair round: node 's2': unknown key 'notes'",
    ),
    (
        "2 MB in an unknown node key",
        _with("tree_structure.children.1.notes", "n" * 2 * MB),
        "GenerationError: model answer larger than",
    ),
    ("3,000 levels", _with("tree_structure", _deep(3000)), "GenerationError: Anthropic API answered JSON nested too"),
    ("300 levels", _with("tree_structure", _deep(300)), "GenerationError: model answer nested more than"),
    ("30 levels", _with("tree_structure", _deep(30)), "GenerationError: model answer nested more than"),
    ("26 levels", _with("tree_structure", _deep(25)), "GenerationError: model output still invalid"),
    ("781 nodes", _with("tree_structure", _bushy(5)), "GenerationError: model output still invalid"),
    ("tree as a string", _with("tree_structure", "q1 -> s1"), "GenerationError: model output still invalid"),
    ("title as an object", _with("title", {"text": "Outlook"}), "GenerationError: model output still invalid"),
    ("keywords as a string", _with("match_keywords", "outlook"), "GenerationError: model output still invalid"),
    ("tool input is a list", ["not", "an", "object"], "GenerationError: model output still invalid"),
]


def claude(server: FakeAnthropic, *, max_retries: int = 0, timeout: float = 5.0, **settings: Any) -> Providers:
    client = AnthropicClient("test-key", MODEL, server.url, max_retries=max_retries, timeout=timeout, backoff=0.01)
    # The model writes each proposal at its first session, so every answer below is asked for by one session.
    return Providers(AnthropicGenerator(client), LocalEmbedder(), Settings(**{"model_at_support": 1, **settings}))


def seed(engine: Engine):
    with session_scope(engine) as db:
        session = make_session(
            db,
            make_account(db, name="Contoso"),
            confidence_tier="discovery",
            analysis_status="pending",
            problem_summary="Outlook search misses older mail",
            resolution_summary="Rebuilt the index.",
            steps=[{"step_type": "question", "content": {"question": "Recent mail?", "options": ["Yes", "No"]}}],
        )
        return session.id


def calls_counted(engine: Engine) -> int:
    with session_scope(engine) as db:
        return int(db.scalar(select(func.coalesce(func.sum(LLMUsage.calls), 0))))


def proposals(engine: Engine) -> int:
    with session_scope(engine) as db:
        return int(db.scalar(select(func.count()).select_from(FlowProposal)))


def tool_reply(tool_input: Any) -> Reply:
    """The Messages-API body calling the tool, encoded here: an answer thousands of levels deep needs more stack
    to encode than the server thread has."""
    block = {"type": "tool_use", "id": "toolu_hostile", "name": TOOL, "input": tool_input}
    body = {
        "id": "msg_hostile",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [block],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 50},
    }
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return Reply(200, json.dumps(body))
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize(("tool_input", "error"), [a[1:] for a in ANSWERS], ids=[a[0] for a in ANSWERS])
def test_hostile_answer_is_not_stored_and_every_request_is_counted(engine, fake_anthropic, tool_input, error) -> None:
    session_id = seed(engine)
    fake_anthropic.push(tool_reply(tool_input), tool_reply(tool_input))
    stats = Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert stats.retried == 1
    s = state(engine, session_id)
    assert (s.analysis_status, s.analysis_error[: len(error)]) == ("pending", error)
    assert proposals(engine) == 0
    assert calls_counted(engine) == len(fake_anthropic.messages) >= 1


def test_a_repaired_answer_is_stored_with_both_requests_counted(engine, fake_anthropic) -> None:
    session_id = seed(engine)
    fake_anthropic.push(tool_reply(_with("tree_structure.children.1.notes", "x")), tool_reply(GOOD_FLOW))
    Runner(engine, claude(fake_anthropic), worker_id="w", clock=Clock()).run_pass()
    assert state(engine, session_id).analysis_outcome == "new_flow"
    assert proposals(engine) == 1
    assert calls_counted(engine) == len(fake_anthropic.messages) == 2


@pytest.mark.parametrize("status", [429, 500, 529])
def test_transient_errors_are_retried_by_the_client_and_each_request_is_counted(engine, fake_anthropic, status):
    session_id = seed(engine)
    fake_anthropic.error(status)  # no retry-after: the client's own backoff
    fake_anthropic.error(status, retry_after=0.01)
    fake_anthropic.tool_use(GOOD_FLOW, name=TOOL)
    Runner(engine, claude(fake_anthropic, max_retries=3), worker_id="w", clock=Clock()).run_pass()
    assert state(engine, session_id).analysis_outcome == "new_flow"
    assert calls_counted(engine) == len(fake_anthropic.messages) == 3


def test_retries_stop_at_the_limit_and_every_failed_request_is_counted(engine, fake_anthropic) -> None:
    session_id = seed(engine)
    for _ in range(6):
        fake_anthropic.error(529, retry_after=0.01)
    Runner(engine, claude(fake_anthropic, max_retries=2), worker_id="w", clock=Clock()).run_pass()
    s = state(engine, session_id)
    assert (s.analysis_status, s.analysis_error) == (
        "pending",
        "GenerationError: Anthropic API error 529: Error code: 529 - "
        "{'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'scripted error'}}",
    )
    assert calls_counted(engine) == len(fake_anthropic.messages) == 3


def test_a_400_is_not_retried(engine, fake_anthropic) -> None:
    seed(engine)
    fake_anthropic.error(400)
    fake_anthropic.tool_use(GOOD_FLOW, name=TOOL)
    Runner(engine, claude(fake_anthropic, max_retries=3), worker_id="w", clock=Clock()).run_pass()
    assert calls_counted(engine) == len(fake_anthropic.messages) == 1
    assert proposals(engine) == 0


def test_timeouts_are_retried_and_counted(engine, fake_anthropic) -> None:
    session_id = seed(engine)

    def slow(_request: Recorded) -> Reply:
        time.sleep(1.0)
        return Reply(500, {"type": "error", "error": {"type": "api_error", "message": "too late"}})

    fake_anthropic.default = slow
    Runner(engine, claude(fake_anthropic, max_retries=1, timeout=0.3), worker_id="w", clock=Clock()).run_pass()
    s = state(engine, session_id)
    assert s.analysis_status == "pending" and s.analysis_error.startswith("GenerationError: Anthropic API request")
    assert "APITimeoutError" in s.analysis_error
    assert calls_counted(engine) == len(fake_anthropic.messages) == 2


def test_the_budget_stops_retries_mid_way_and_defers(engine, fake_anthropic) -> None:
    session_id = seed(engine)
    fake_anthropic.error(429, retry_after=0.01)
    fake_anthropic.error(429, retry_after=0.01)
    fake_anthropic.tool_use(GOOD_FLOW, name=TOOL)
    Runner(engine, claude(fake_anthropic, max_retries=3, daily_llm_budget=2), worker_id="w", clock=Clock()).run_pass()
    s = state(engine, session_id)
    assert (s.analysis_status, s.analysis_after) == ("deferred", NOW.replace(hour=0, minute=0) + timedelta(days=1))
    assert calls_counted(engine) == len(fake_anthropic.messages) == 2


def test_suite_has_at_least_ten_hostile_answers() -> None:
    assert len(ANSWERS) >= 10
