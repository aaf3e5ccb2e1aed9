"""The model's system prompt: valid examples, long enough to be cached, the same text every time."""

from __future__ import annotations

import json

from core.flywheel.prompts import (
    EXAMPLES,
    SYSTEM_PROMPT_MIN_TOKENS,
    cluster_request,
    estimated_tokens,
    system_prompt,
)
from core.trees import validate_tree


def test_every_worked_example_is_a_valid_tree():
    for example in EXAMPLES:
        assert validate_tree(example["answer"]["tree_structure"]) == []


def test_system_prompt_clears_the_cache_minimum_with_a_margin():
    assert estimated_tokens(system_prompt()) >= 1.25 * SYSTEM_PROMPT_MIN_TOKENS


def test_cluster_request_names_every_session_once():
    sessions = [{"problem_summary": "A"}, {"problem_summary": "B"}]
    text = cluster_request(sessions)
    assert text.startswith("These 2 resolved sessions are the same problem.")
    assert json.loads(text.split("\n", 1)[1]) == sessions
    assert cluster_request(sessions[:1]).startswith("Build a new troubleshooting flow from this resolved session")
