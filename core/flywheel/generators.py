"""Proposal generators behind one interface: offline rules (default) and Anthropic (when a key is configured).

A generator turns redacted :class:`~core.flywheel.facts.SessionFacts` into ``proposed_flow_data`` for a new flow,
or into the branch an enhancement adds under the node where the session left its flow. Either way the result is
validated with ``core.trees.validate_tree``; the engine computes diffs itself.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.flywheel import builders
from core.flywheel.facts import SessionFacts
from core.flywheel.prompts import branch_request, cluster_request, system_prompt
from core.llm.client import AnthropicClient, BudgetExhausted, Ledger, LLMCallFailed, Usage
from core.trees import (
    MAX_DEPTH,
    MAX_LABEL_LENGTH,
    MAX_NODES,
    MAX_TEXT_LENGTH,
    InvalidTree,
    add_branch,
    find_node,
    iter_nodes,
    node_text,
    validate_tree,
)

__all__ = [
    "AnthropicGenerator",
    "BudgetExhausted",
    "EnhancementTarget",
    "Generated",
    "GenerationError",
    "Generator",
    "OfflineRulesGenerator",
    "Usage",
]


class GenerationError(RuntimeError):
    """The generator could not produce a valid proposal (the worker retries, then marks the session failed).

    ``usage`` holds the calls and tokens spent before giving up, so the ledger stays honest.
    """

    usage: Usage | None = None


@dataclass
class EnhancementTarget:
    """The flow an enhancement extends and where: the node the session left and the option it took."""

    name: str
    tree: dict[str, Any]
    node_id: str
    label: str


@dataclass
class Generated:
    flow_data: dict[str, Any]
    usage: Usage = field(default_factory=Usage)


class Generator(Protocol):
    """Builds ``proposed_flow_data``; a generator that calls a model counts every call on ``ledger``."""

    name: str
    uses_llm: bool

    def new_flow(self, facts: SessionFacts, ledger: Ledger | None) -> Generated: ...

    def enhancement(
        self, facts: SessionFacts, target: EnhancementTarget, after: list, ledger: Ledger | None
    ) -> Generated: ...


def enhancement_data(
    facts: SessionFacts, target: EnhancementTarget, branch: dict[str, Any], title: str, description: str
) -> dict[str, Any]:
    """``proposed_flow_data`` of an enhancement: the FULL target tree with ``branch`` under the divergence node."""
    branch = dict(branch, label=target.label[:200])
    node = find_node(target.tree, target.node_id)
    if node is not None and node.get("type") == "action" and node.get("children"):
        tree = _split_action(target.tree, target.node_id, branch)
    else:
        tree = add_branch(target.tree, target.node_id, branch)
    errors = validate_tree(tree)
    if errors:
        raise InvalidTree(errors)
    keywords = builders.keywords_for(facts)
    return {
        "title": title,
        "description": description,
        "match_keywords": keywords,
        "problem_domain": facts.domain,
        "tree_structure": tree,
    }


def _split_action(tree: dict[str, Any], node_id: str, branch: dict[str, Any]) -> dict[str, Any]:
    """An action has one next step, so a new outcome of it becomes a question: the old next step or the branch."""
    result = copy.deepcopy(tree)
    action = find_node(result, node_id)
    old = action["children"][0]
    taken = {n["id"] for n, _p, _d in iter_nodes(result)} | {n["id"] for n, _p, _d in iter_nodes(branch)}
    question_id = builders.IdMaker(taken)("question")
    question = {
        "id": question_id,
        "label": "Next",
        "type": "question",
        "question": builders.clip(f"What happened after: {node_text(action)}", 2000),
        "children": [dict(old, label=old.get("label") or "As expected"), copy.deepcopy(branch)],
    }
    action["children"] = [question]
    return result


def _enhancement_title(target: EnhancementTarget) -> str:
    return builders.clip(f"{target.name}: add '{target.label}'", 300)


def _enhancement_description(facts: SessionFacts, target: EnhancementTarget) -> str:
    node = find_node(target.tree, target.node_id) or {}
    text = f"Sessions left the flow at '{node_text(node)}' with '{target.label}' and resolved the problem."
    if facts.resolution:
        text += f" Resolution: {facts.resolution}"
    return builders.clip(text, 2000)


class OfflineRulesGenerator:
    """Builds proposals deterministically from the session's structured steps (no network)."""

    name = "offline rules"
    uses_llm = False

    def new_flow(self, facts: SessionFacts, ledger: Ledger | None = None) -> Generated:
        data = builders.new_flow_data(facts)
        errors = validate_tree(data["tree_structure"])
        if errors:
            raise GenerationError("offline rules built an invalid tree: " + "; ".join(errors))
        return Generated(data)

    def enhancement(
        self, facts: SessionFacts, target: EnhancementTarget, after: list, ledger: Ledger | None = None
    ) -> Generated:
        taken = [n["id"] for n, _p, _d in iter_nodes(target.tree)]
        branch = builders.branch_for(facts, after, target.label, taken)
        try:
            data = enhancement_data(
                facts, target, branch, _enhancement_title(target), _enhancement_description(facts, target)
            )
        except InvalidTree as exc:
            raise GenerationError("offline rules built an invalid enhancement: " + "; ".join(exc.errors)) from exc
        return Generated(data)


# The cached system prompt: tree rules and worked examples (core.flywheel.prompts).
TREE_RULES = system_prompt()

NEW_FLOW_TOOL = {
    "name": "submit_new_flow",
    "description": "Submit the proposed troubleshooting flow built from the session.",
    "input_schema": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "Short name of the problem the flow solves."},
            "description": {"type": "string"},
            "match_keywords": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Symptoms, error codes, technologies.",
            },
            "problem_domain": {"type": ["string", "null"]},
            "tree_structure": {"type": "object", "description": "The root node of the flow."},
        },
        "required": ["title", "description", "match_keywords", "tree_structure"],
    },
}

BRANCH_TOOL = {
    "name": "submit_branch",
    "description": "Submit the new branch to add under the node where the session left the flow.",
    "input_schema": {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "branch": {"type": "object", "description": "The first node of the new branch (its label is set for you)."},
        },
        "required": ["title", "description", "branch"],
    },
}


# Bounds on a model's answer beyond the tree's own rules. Nesting counts objects and lists (a node is two levels:
# itself and its children), so a 25-level tree fits; the size bound is 500 nodes of full-length texts.
MAX_TITLE_LENGTH = 300
MAX_KEYWORDS = 15
MAX_KEYWORD_LENGTH = 80
MAX_ANSWER_NESTING = 2 * MAX_DEPTH + 6
MAX_ANSWER_CHARS = MAX_NODES * (MAX_TEXT_LENGTH + MAX_LABEL_LENGTH + 300)


def answer_errors(raw: Any, fields: dict[str, int]) -> list[str]:
    """What is wrong with the bounds of a model's tool input, checked before anything else reads it.

    ``fields`` maps each text field the tool asks for to its longest length. An answer nested deeper than any valid
    tree, or larger than any valid proposal, is beyond a repair round (echoing it back would only cost more): it
    raises :class:`GenerationError`. The other problems are returned for the repair round. The walk is iterative,
    so no nesting depth can exhaust the stack.
    """
    if not isinstance(raw, dict):
        return ["the tool input must be an object"]
    chars = 0
    stack: list[tuple[Any, int]] = [(raw, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            if level > MAX_ANSWER_NESTING:
                raise GenerationError(f"model answer nested more than {MAX_ANSWER_NESTING} levels deep; not stored")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                chars += len(key) if isinstance(key, str) else 1
                stack.append((item, level + 1))
        else:
            chars += len(value) if isinstance(value, str) else 1
        if chars > MAX_ANSWER_CHARS:
            raise GenerationError(f"model answer larger than {MAX_ANSWER_CHARS:,} characters; not stored")
    errors = []
    for key, limit in fields.items():
        text = raw.get(key)
        if key in raw and not isinstance(text, str):
            errors.append(f"{key}: must be a string")
        elif isinstance(text, str) and len(text) > limit:
            errors.append(f"{key}: longer than {limit} characters ({len(text)})")
    if "match_keywords" in raw:
        keywords = raw["match_keywords"]
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            errors.append("match_keywords: must be a list of strings")
        elif len(keywords) > MAX_KEYWORDS:
            errors.append(f"match_keywords: at most {MAX_KEYWORDS} keywords, got {len(keywords)}")
        elif any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
            errors.append(f"match_keywords: each keyword at most {MAX_KEYWORD_LENGTH} characters")
    return errors


def _session_payload(facts: SessionFacts, steps: list | None = None) -> dict[str, Any]:
    return {
        "problem_summary": facts.summary,
        "intake": facts.intake_text,
        "problem_domain": facts.domain,
        "confidence_tier": facts.tier,
        "resolution": facts.resolution,
        "steps": [
            {
                "type": s.step_type,
                "text": s.text,
                "options_offered": s.options,
                "answer": s.answer,
                "free_text": s.was_free_text,
                "result": s.result,
            }
            for s in (facts.steps if steps is None else steps)
        ],
    }


class AnthropicGenerator:
    """Claude through :class:`~core.llm.client.AnthropicClient`: forced tool use, cached rules prompt, one repair
    round. Anything the API still fails with becomes :class:`GenerationError`; a spent budget (the ledger refuses a
    call) raises :class:`BudgetExhausted`. Either way the error carries the usage spent so far.
    """

    uses_llm = True

    def __init__(self, client: AnthropicClient, max_tokens: int = 4096) -> None:
        self.client = client
        self.name = client.model
        self.max_tokens = max_tokens

    def _call(self, messages: list[dict[str, Any]], tool: dict[str, Any], usage: Usage, ledger: Ledger | None) -> Any:
        try:
            answer = self.client.use_tool(
                system=TREE_RULES,
                messages=messages,
                tool=tool,
                max_tokens=self.max_tokens,
                ledger=ledger,
                cache_system=True,
            )
        except LLMCallFailed as exc:
            usage.calls += exc.attempts  # reserved and sent, even though nothing came back
            raise GenerationError(str(exc)) from exc
        usage.add(answer.usage)
        if answer.block is None:
            raise GenerationError("Anthropic answered without calling the tool")
        return answer.block

    def _run(self, prompt: str, tool: dict[str, Any], check: Any, ledger: Ledger | None) -> Generated:
        """Ask, validate with ``check`` (returns (data, errors)), repair once with the errors, else give up."""
        usage = Usage()
        try:
            return self._ask(prompt, tool, check, ledger, usage)
        except (GenerationError, BudgetExhausted) as exc:
            exc.usage = usage
            raise

    def _ask(self, prompt: str, tool: dict[str, Any], check: Any, ledger: Ledger | None, usage: Usage) -> Generated:
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
        block = self._call(messages, tool, usage, ledger)
        data, errors = check(block.input)
        if not errors:
            return Generated(data, usage)
        messages += [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": block.id,
                        "is_error": True,
                        "content": "The flow breaks these rules; call the tool again with them fixed:\n- "
                        + "\n- ".join(errors),
                    }
                ],
            },
        ]
        block = self._call(messages, tool, usage, ledger)
        data, errors = check(block.input)
        if errors:
            raise GenerationError("model output still invalid after one repair round: " + "; ".join(errors[:10]))
        return Generated(data, usage)

    def new_flow(self, facts: SessionFacts, ledger: Ledger | None = None) -> Generated:
        return self.new_flow_cluster([facts], ledger)

    def new_flow_cluster(self, cluster: list[SessionFacts], ledger: Ledger | None = None) -> Generated:
        """One flow for a problem from every supporting session in ``cluster`` (the first one's domain)."""
        facts = cluster[0]
        prompt = cluster_request([_session_payload(f) for f in cluster])

        def check(raw: Any) -> tuple[dict[str, Any], list[str]]:
            errors = answer_errors(raw, {"title": MAX_TITLE_LENGTH, "description": MAX_TEXT_LENGTH})
            if not isinstance(raw, dict):
                return {}, errors
            for key in ("title", "description"):
                if key not in raw or (isinstance(raw[key], str) and not raw[key].strip()):
                    errors.append(f"{key}: must be a non-empty string")
            keywords = raw.get("match_keywords")
            if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
                if "match_keywords" not in raw:
                    errors.append("match_keywords: must be a list of strings")
                keywords = []
            tree = raw.get("tree_structure")
            errors += validate_tree(tree)
            data = {
                "title": str(raw.get("title", ""))[:300],
                "description": str(raw.get("description", "")),
                "match_keywords": [k for k in keywords if k.strip()][:15],
                "problem_domain": facts.domain,
                "tree_structure": tree,
            }
            return data, errors

        return self._run(prompt, NEW_FLOW_TOOL, check, ledger)

    def enhancement(
        self, facts: SessionFacts, target: EnhancementTarget, after: list, ledger: Ledger | None = None
    ) -> Generated:
        return self.enhancement_cluster([(facts, after)], target, ledger)

    def enhancement_cluster(
        self, cluster: list[tuple[SessionFacts, list]], target: EnhancementTarget, ledger: Ledger | None = None
    ) -> Generated:
        """One new branch from every supporting session in ``cluster`` (facts, steps after leaving the flow)."""
        facts = cluster[0][0]
        prompt = branch_request(
            target.name, target.tree, target.node_id, target.label, [_session_payload(f, after) for f, after in cluster]
        )

        def check(raw: Any) -> tuple[dict[str, Any], list[str]]:
            errors = answer_errors(raw, {"title": MAX_TITLE_LENGTH, "description": MAX_TEXT_LENGTH})
            if errors:
                return {}, errors
            if not isinstance(raw.get("branch"), dict):
                return {}, ["branch: must be an object (the first node of the new branch)"]
            try:
                data = enhancement_data(
                    facts,
                    target,
                    raw["branch"],
                    str(raw.get("title") or _enhancement_title(target))[:300],
                    str(raw.get("description") or _enhancement_description(facts, target)),
                )
            except InvalidTree as exc:
                return {}, exc.errors
            return data, []

        return self._run(prompt, BRANCH_TOOL, check, ledger)
