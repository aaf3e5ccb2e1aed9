"""Trees built by rules from a session's structured steps: the offline generator's whole job, and the fallback
structure the model path starts from.

A session is a path: questions answered, actions taken, a resolution. The path becomes a chain of nodes; every
question keeps the options the engineer was offered (2–5), the one taken continues the chain and the others end in
a solution that says the session did not explore them. Repeated questions and dead ends (actions whose result says
they did not help) are dropped; notes are not knowledge and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.flywheel.facts import SessionFacts, StepFact
from core.llm.redaction import PLACEHOLDER_RE
from core.text import content_words
from core.trees import LABEL_WORDINGS_KEY, MAX_LABEL_LENGTH, MAX_TEXT_LENGTH, normalize_label

UNEXPLORED = "Not explored in the source session: continue troubleshooting or escalate to the next tier."
DEAD_END = re.compile(
    r"\b(did ?n[o']?t (?:help|work|fix)|does ?n[o']?t (?:help|work)|no change|not (?:fixed|resolved|help(?:ful)?)|"
    r"no luck|still (?:fail|broken|happen|the same|prompt)|same (?:error|issue|problem)|failed)\b",
    re.IGNORECASE,
)
ERROR_CODE = re.compile(
    r"\b(0x[0-9a-f]{6,8}|aadsts\d{4,6}|kb\d{6,7}|error\s+\d{3,5}|event\s+id\s+\d{2,5}|\d{3}\s?-\s?\d\.\d\.\d+)\b",
    re.IGNORECASE,
)
TECHNOLOGIES = (
    "outlook",
    "exchange",
    "teams",
    "onedrive",
    "sharepoint",
    "office",
    "excel",
    "word",
    "windows",
    "intune",
    "entra",
    "azure ad",
    "active directory",
    "mfa",
    "authenticator",
    "vpn",
    "wi-fi",
    "wifi",
    "dns",
    "dhcp",
    "bitlocker",
    "printer",
    "spooler",
    "citrix",
    "rdp",
    "remote desktop",
    "mailbox",
    "calendar",
    "firewall",
    "defender",
    "gpo",
    "group policy",
    "smtp",
    "imap",
    "docking station",
    "monitor",
    "laptop",
    "password",
    "license",
    "licence",
)


@dataclass
class Item:
    kind: str  # question | action
    text: str
    options: list[str]
    answer: str
    out_label: str
    script_template_id: str | None = None
    # What the engineer typed when it says the offered yes or no it was read as ("No - they aren't domain-joined").
    answer_wording: str | None = None


_YES = frozenset(["yes", "yep", "yeah", "y", "true", "correct", "confirmed"])
_NO = frozenset(["no", "nope", "n", "false", "none", "not"])
_WORD = re.compile(r"[a-z0-9]+")
_UNSURE = frozenset(["sure", "unsure", "idea", "know", "tell", "maybe", "unclear"])


def polarity(text: str | None) -> str | None:
    """ "yes" or "no" when an answer starts with one ("Yes, the level bar moves", "No microphone listed")."""
    words = _WORD.findall((text or "").lower())
    if not words:
        return None
    return "yes" if words[0] in _YES else "no" if words[0] in _NO else None


def _offered_for(answer: str, offered: list[str]) -> str | None:
    """The one offered option that is a bare yes or no (nothing but the word) of the same polarity as a typed
    answer that starts with one, or None: typing "No - they aren't domain-joined" at a Yes / No question answers
    "No"."""
    if set(_WORD.findall(answer.lower())) & _UNSURE:
        return None  # "not sure", "no idea": neither yes nor no
    sign = polarity(answer)
    bare = [o for o in offered if sign and polarity(o) == sign and len(_WORD.findall(o.lower())) == 1]
    return bare[0] if len(bare) == 1 else None


class IdMaker:
    """Short readable node ids (``q3``, ``a2``, ``s5``) that never collide with ``taken``."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)
        self.counters = {"question": 0, "action": 0, "solution": 0}

    def __call__(self, kind: str) -> str:
        while True:
            self.counters[kind] += 1
            candidate = f"{kind[0]}{self.counters[kind]}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis (the limits of proposal fields)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unique(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for value in values:
        key = normalize_label(value)
        if value and value.strip() and key not in seen:
            seen.add(key)
            result.append(clip(value, MAX_LABEL_LENGTH))
    return result


def path_items(steps: list[StepFact]) -> tuple[list[Item], str | None]:
    """The useful path through ``steps`` and the resolution text a resolution step carried (if any)."""
    items: list[Item] = []
    seen_questions: set[str] = set()
    resolution = None
    for step in steps:
        if step.step_type == "resolution":
            resolution = step.text or step.result or resolution
            break
        if step.step_type == "escalation":
            break
        if step.step_type == "question":
            answer = step.answer
            key = normalize_label(step.text)
            if not step.text or not answer or key in seen_questions:
                continue
            seen_questions.add(key)
            offered = _unique(step.options)
            typed = None
            if normalize_label(answer) not in {normalize_label(o) for o in offered}:
                taken = _offered_for(answer, offered)
                if taken is not None:
                    typed, answer = answer, taken
            options = [o for o in offered if normalize_label(o) != normalize_label(answer)]
            options = [clip(answer, MAX_LABEL_LENGTH)] + options[:4]
            if len(options) < 2:
                # One known answer is not a decision: keep it as a check the engineer performs.
                items.append(Item("action", f"Check: {step.text} (expected: {answer})", [], answer, "Confirmed"))
            else:
                items.append(Item("question", step.text, options, options[0], options[0], answer_wording=typed))
        elif step.step_type in ("action", "script_generation"):
            text = step.text or ("Run the generated script" if step.step_type == "script_generation" else "")
            outcome = " ".join(filter(None, [step.result, step.selected]))
            if not text or DEAD_END.search(outcome):
                continue
            label = step.selected if step.selected and not step.was_free_text else "Done"
            items.append(Item("action", text, [], label, clip(label, MAX_LABEL_LENGTH), step.script_template_id))
    return items, resolution


def build_chain(items: list[Item], solution_text: str, ids: IdMaker, label: str | None) -> dict[str, Any]:
    """Nested nodes for ``items`` ending in a solution; ``label`` is the option leading to the first node."""

    def build(index: int, incoming: str | None) -> dict[str, Any]:
        if index == len(items):
            node: dict[str, Any] = {"id": ids("solution"), "type": "solution"}
            node["solution"] = clip(solution_text, MAX_TEXT_LENGTH)
            if incoming is not None:
                node["label"] = incoming
            return node
        item = items[index]
        node = {"id": ids(item.kind), "type": item.kind, item.kind: clip(item.text, MAX_TEXT_LENGTH)}
        if incoming is not None:
            node["label"] = incoming
        if item.kind == "question":
            children = []
            for option in item.options:
                if option == item.answer:
                    child = build(index + 1, option)
                    if item.answer_wording:
                        child[LABEL_WORDINGS_KEY] = [clip(item.answer_wording, MAX_LABEL_LENGTH)]
                    children.append(child)
                else:
                    children.append(
                        {"id": ids("solution"), "label": option, "type": "solution", "solution": UNEXPLORED}
                    )
            node["children"] = children
        else:
            if item.script_template_id:
                node["script_template_id"] = item.script_template_id
            node["children"] = [build(index + 1, item.out_label or "Done")]
        return node

    return build(0, clip(label, MAX_LABEL_LENGTH) if label is not None else None)


def solution_text(facts: SessionFacts, resolution_step: str | None) -> str:
    text = facts.resolution or resolution_step or ""
    return text if text.strip() else f"Resolved: {facts.summary or 'see the source session'}"


def title_for(facts: SessionFacts) -> str:
    summary = " ".join((facts.summary or "").split()).rstrip(".")
    if not summary:
        summary = f"{facts.domain or 'General'} issue"
    return clip(summary[0].upper() + summary[1:], 120)


def keywords_for(facts: SessionFacts, limit: int = 10) -> list[str]:
    """Error codes first, then technology names, then the summary's content words."""
    # Placeholders such as <HOST_1> say nothing about the problem.
    text = PLACEHOLDER_RE.sub(
        " ", " ".join([facts.summary, facts.intake_text, facts.resolution] + [s.text for s in facts.steps])
    )
    found: list[str] = []
    for match in ERROR_CODE.finditer(text):
        found.append(match.group(1).lower())
    lowered = text.lower()
    for tech in TECHNOLOGIES:
        if re.search(r"(?<!\w)" + re.escape(tech) + r"(?!\w)", lowered):
            found.append(tech)
    # Content words of the summary of four characters or more, starting with a letter (codes were taken above).
    for word in content_words(PLACEHOLDER_RE.sub(" ", facts.summary or "")):
        if len(word) >= 4 and word[0].isalpha():
            found.append(word)
    return _unique(found)[:limit]


def new_flow_data(facts: SessionFacts) -> dict[str, Any]:
    """``proposed_flow_data`` of a new flow built by rules from the session."""
    items, resolution_step = path_items(facts.steps)
    tree = build_chain(items, solution_text(facts, resolution_step), IdMaker(), None)
    description = f"Built from a resolved {facts.tier} session: {facts.summary or 'no summary'}."
    if facts.resolution:
        description += f" Resolution: {facts.resolution}"
    return {
        "title": title_for(facts),
        "description": clip(description, MAX_TEXT_LENGTH),
        "match_keywords": keywords_for(facts),
        "problem_domain": facts.domain,
        "tree_structure": tree,
    }


def branch_for(facts: SessionFacts, after: list[StepFact], label: str, taken_ids: Iterable[str]) -> dict[str, Any]:
    """The new branch an enhancement adds: what the session did after it left the flow, ending in its fix."""
    items, resolution_step = path_items(after)
    return build_chain(items, solution_text(facts, resolution_step), IdMaker(taken_ids), label)
