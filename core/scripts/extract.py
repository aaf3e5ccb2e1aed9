"""Offline suggestion: rank templates against a session's text and pull parameter values out of it.

Each extractor reads one sentence at a time and returns candidates of its type; a candidate is kept only if the
template engine accepts it, and it carries the sentence it came from so the engineer can see why it was filled.
Nothing here talks to the network.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.scripts.templates import validate_value
from core.text import words

MAX_SENTENCE = 400


@dataclass(frozen=True)
class Source:
    """One piece of session text and where it came from ("summary", "engineer", "step 3" …)."""

    label: str
    text: str


@dataclass(frozen=True)
class Candidate:
    value: Any
    sentence: str
    # Higher is better: a value named explicitly ("user jsmith") beats one that merely looks right.
    strength: int = 1


@dataclass
class Suggestion:
    template_id: str
    template_name: str
    confidence: float
    reason: str
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    instructions: str = ""
    generator: str = "offline rules"


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“(])|\n+")
_ADDRESS = re.compile(r"(?<![\w.+'-])([A-Za-z0-9._%+'-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![\w-])")
_DOMAIN_USER = re.compile(r"(?<![\w\\])([A-Za-z][A-Za-z0-9-]{0,14})\\([A-Za-z0-9][A-Za-z0-9._-]{0,19})(?![\w\\])")
_NAMED_USER = re.compile(
    r"\b(?:user(?:name)?|account|logon(?: name)?|login|samaccountname|sam)\s*(?:name\s*)?(?:is|:|=)?\s*"
    r"[\"'“‘]?([A-Za-z][A-Za-z0-9._-]{1,19})(?![\w@\\-])",
    re.IGNORECASE,
)
_NOT_USERNAMES = {
    *("is", "the", "a", "an", "and", "for", "to", "was", "has", "had", "name", "account", "locked", "password"),
    *("cannot", "can", "could", "says", "said", "reports", "wants", "needs", "keeps", "will", "would", "does"),
    *("did", "from", "with", "who", "that", "this", "on", "in", "at", "of", "got", "gets", "still", "now"),
}
_MACHINE = re.compile(r"(?<![\w.-])([A-Za-z][A-Za-z0-9]*-[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*)(?![\w-])")
_FQDN = re.compile(
    r"(?<![\w@.-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:local|lan|corp|internal|intra|ad|com|net|org))"
    r"(?![\w-])",
    re.IGNORECASE,
)
_NAMED_HOST = re.compile(
    r"\b(?:computer|machine|host(?:name)?|server|workstation|laptop|desktop|pc|print server|device)\s*"
    r"(?:name\s*)?(?:is|:|=|called)?\s*[\"'“]?([A-Za-z][A-Za-z0-9-]{1,62}(?:\.[A-Za-z0-9-]+)*)",
    re.IGNORECASE,
)
_NOT_HOSTS = {"is", "the", "a", "an", "and", "name", "keeps", "was", "has", "does", "won", "can", "cannot", "will"}
_DN = re.compile(r"((?:(?:OU|CN)=(?:[^,=\"\n]|\\,)+,\s*)*DC=[A-Za-z0-9-]+(?:,\s*DC=[A-Za-z0-9-]+)*)", re.IGNORECASE)
_UNC = re.compile(r"(\\\\[A-Za-z0-9][A-Za-z0-9.-]*(?:\\[^\\\s\"'<>|?*,;]+)+)")
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{1,200})[\"”]|(?<![\w])['‘]([^'‘’\n]{1,200})['’](?![\w])")
_GROUP_BEFORE = re.compile(
    r"\b([A-Za-z0-9][\w.&-]*[-_.][\w.&-]+|[A-Z][\w&-]+)\s+(?:security\s+|distribution\s+|ad\s+)?group\b"
)
_GROUP_AFTER = re.compile(r"\bgroup\s+(?:called\s+|named\s+)?([A-Za-z0-9][\w.&-]*[-_.][\w.&-]+)")
_NUMBER = re.compile(r"\b(\d{1,6})\b")


def sentences(sources: Iterable[Source]) -> list[str]:
    """Every sentence of the session, in order, each at most MAX_SENTENCE characters."""
    result: list[str] = []
    for source in sources:
        for part in _SENTENCE_SPLIT.split(source.text or ""):
            part = " ".join(part.split())
            if part:
                result.append(part[:MAX_SENTENCE])
    return result


def _words(text: str) -> set[str]:
    # Parameter keys are snake_case: "new_password" should meet "password" in a sentence.
    return set(words(text.replace("_", " ")))


def _user_candidates(sentence: str) -> list[Candidate]:
    found = [Candidate(m.group(2), sentence, 3) for m in _DOMAIN_USER.finditer(sentence)]
    for match in _NAMED_USER.finditer(sentence):
        if match.group(1).lower() not in _NOT_USERNAMES:
            found.append(Candidate(match.group(1), sentence, 3))
    # A UPN's local part is very often the logon name; a weak guess, shown with its sentence.
    found += [Candidate(m.group(1).split("@")[0], sentence, 1) for m in _ADDRESS.finditer(sentence)]
    return found


def _host_candidates(sentence: str) -> list[Candidate]:
    addresses = {m.group(1).split("@")[1].lower() for m in _ADDRESS.finditer(sentence)}
    found: list[Candidate] = []
    for match in _NAMED_HOST.finditer(sentence):
        if match.group(1).lower() not in _NOT_HOSTS and match.group(1).lower() not in addresses:
            found.append(Candidate(match.group(1), sentence, 3))
    for match in _UNC.finditer(sentence):
        found.append(Candidate(match.group(1)[2:].split("\\")[0], sentence, 2))
    found += [Candidate(m.group(1), sentence, 2) for m in _MACHINE.finditer(sentence)]
    found += [
        Candidate(m.group(1), sentence, 1) for m in _FQDN.finditer(sentence) if m.group(1).lower() not in addresses
    ]
    return found


def _group_candidates(sentence: str) -> list[Candidate]:
    found: list[Candidate] = []
    lowered = sentence.lower()
    if "group" in lowered:
        found += [Candidate(a or b, sentence, 3) for a, b in _QUOTED.findall(sentence)]
    found += [Candidate(m.group(1), sentence, 2) for m in _GROUP_BEFORE.finditer(sentence)]
    found += [Candidate(m.group(1), sentence, 2) for m in _GROUP_AFTER.finditer(sentence)]
    return found


def _int_candidates(sentence: str, param: dict[str, Any]) -> list[Candidate]:
    names = _words(f"{param.get('key', '')} {param.get('label', '')}")
    found: list[Candidate] = []
    for match in _NUMBER.finditer(sentence):
        before = sentence[max(0, match.start() - 20) : match.start()].lower()
        if any(w in before for w in names if len(w) > 2):
            found.append(Candidate(int(match.group(1)), sentence, 3))
    return found


def _choice_candidates(sentence: str, param: dict[str, Any]) -> list[Candidate]:
    lowered = sentence.lower()
    found = []
    for choice in param.get("choices") or []:
        spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(choice)).lower()
        if re.search(rf"\b{re.escape(spaced)}\b", lowered) or re.search(
            rf"\b{re.escape(str(choice).lower())}\b", lowered
        ):
            found.append(Candidate(choice, sentence, 2))
    return found


def _string_candidates(sentence: str, param: dict[str, Any]) -> list[Candidate]:
    names = {w for w in _words(f"{param.get('key', '')} {param.get('label', '')}") if len(w) > 3}
    if not names & _words(sentence):
        return []
    return [Candidate(a or b, sentence, 2) for a, b in _QUOTED.findall(sentence)]


EXTRACTORS: dict[str, Callable[[str, dict[str, Any]], list[Candidate]]] = {
    "sam_account_name": lambda s, p: _user_candidates(s),
    "upn": lambda s, p: [Candidate(m.group(1), s, 2) for m in _ADDRESS.finditer(s)],
    "email": lambda s, p: [Candidate(m.group(1), s, 2) for m in _ADDRESS.finditer(s)],
    "hostname": lambda s, p: _host_candidates(s),
    "ou_path": lambda s, p: [Candidate(m.group(1).replace(", ", ","), s, 3) for m in _DN.finditer(s)],
    "group_name": lambda s, p: _group_candidates(s),
    "unc_path": lambda s, p: [Candidate(m.group(1).rstrip("."), s, 3) for m in _UNC.finditer(s)],
    "int": _int_candidates,
    "choice": _choice_candidates,
    "string": _string_candidates,
}


def extract_candidates(param: dict[str, Any], sentence_list: Sequence[str]) -> list[Candidate]:
    """Valid candidates for one parameter, best first (strength, then sentences mentioning the parameter)."""
    extractor = EXTRACTORS.get(str(param.get("type")))
    if extractor is None:
        return []
    hints = {
        w for w in _words(f"{param.get('key', '')} {param.get('label', '')} {param.get('help', '')}") if len(w) > 3
    }
    near = {w for w in _words(f"{param.get('key', '')} {param.get('label', '')}") if len(w) > 3}
    scored: list[tuple[int, int, Candidate]] = []
    seen: set[Any] = set()
    adjacent = _adjacent_words(sentence_list, near) if param.get("type") in ("email", "upn") else set()
    for index, sentence in enumerate(sentence_list):
        for candidate in extractor(sentence, param):
            try:
                value = validate_value({**param, "required": True}, candidate.value)
            except ValueError:
                continue
            if value in seen:
                continue
            seen.add(value)
            bonus = 1 if hints & _words(sentence) else 0
            # The word right before a value names it best: "the mailbox sales@…", "user jsmith".
            at = sentence.lower().find(str(value).lower())
            if at > 0 and near & _words(sentence[max(0, at - 40) : at]):
                bonus += 1
            # "the Accounts mailbox" names accounts@…; "give akhan access" names akhan@… as the one who gets it.
            if isinstance(value, str) and "@" in value and value.split("@")[0].lower() in adjacent:
                bonus += 2
            scored.append((candidate.strength + bonus, -index, Candidate(value, sentence, candidate.strength)))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [c for _, _, c in scored]


def _adjacent_words(sentence_list: Sequence[str], near: set[str]) -> set[str]:
    """Words standing right next to one of ``near`` anywhere in the session."""
    found: set[str] = set()
    for sentence in sentence_list:
        tokens = re.findall(r"[a-z0-9._-]+", sentence.lower())
        for i, token in enumerate(tokens):
            if token in near:
                found.update(t for t in tokens[max(0, i - 1) : i + 2] if t not in near)
    return found


def prefill(schema: list[dict[str, Any]], sentence_list: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Values and their source sentences for a template; one value is not given to two parameters."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    taken: set[str] = set()
    # Parameters whose extractors are most specific go first, so the looser ones do not grab their values.
    order = ["ou_path", "unc_path", "group_name", "email", "upn", "sam_account_name", "hostname", "int", "choice"]
    ordered = sorted(schema, key=lambda p: order.index(p["type"]) if p["type"] in order else len(order))
    for param in ordered:
        for candidate in extract_candidates(param, sentence_list):
            if str(candidate.value).lower() in taken:
                continue
            values[param["key"]] = candidate.value
            sources[param["key"]] = candidate.sentence
            taken.add(str(candidate.value).lower())
            break
    return values, sources


def _keyword_hits(keywords: Iterable[str], text: str) -> list[str]:
    lowered = text.lower()
    return [k for k in keywords if re.search(rf"(?<![a-z0-9]){re.escape(k.lower())}(?![a-z0-9])", lowered)]


@dataclass(frozen=True)
class Ranked:
    template: Any
    score: float
    reason: str


def rank_templates(templates: Sequence[Any], sources: Sequence[Source], domain: str | None = None) -> list[Ranked]:
    """Templates by relevance to the session: keyword and name hits, the session's domain, parameters found.

    ``templates`` are ScriptTemplate rows (or anything with name, keywords, problem_domain, parameters_schema).
    Templates with no keyword or name hit are left out.
    """
    text = " ".join(s.text or "" for s in sources)
    sentence_list = sentences(sources)
    text_words = _words(text)
    ranked: list[Ranked] = []
    for template in templates:
        hits = _keyword_hits(template.keywords or [], text)
        name_hits = sorted((_words(template.name) - {"to", "from", "ad", "and", "user"}) & text_words)
        if not hits and not name_hits:
            continue
        score = sum(2.0 if " " in k else 1.0 for k in hits) + 0.5 * len(name_hits)
        reasons = []
        if hits:
            reasons.append("mentions " + ", ".join(f"“{k}”" for k in hits[:5]))
        same_domain = bool(domain) and template.problem_domain == domain
        if same_domain:
            score += 1.0
            reasons.append(f"same domain ({domain})")
        needed = [p for p in template.parameters_schema if p.get("type") not in ("secure_string", "bool", "choice")]
        if needed:
            found, _ = prefill(needed, sentence_list)
            score += 1.5 * len(found) / len(needed)
            reasons.append(f"{len(found)} of {len(needed)} values found in the session")
        ranked.append(Ranked(template, round(score, 3), "; ".join(reasons)))
    ranked.sort(key=lambda r: (-r.score, -int(getattr(r.template, "usage_count", 0) or 0), r.template.name))
    return ranked


def confidence(score: float) -> float:
    """Score to a 0–0.95 confidence: a few strong hits is likely, never certain."""
    return round(min(0.95, 1 - math.exp(-score / 4)), 2)


def suggest_offline(
    templates: Sequence[Any], sources: Sequence[Source], domain: str | None = None
) -> Suggestion | None:
    ranked = rank_templates(templates, sources, domain)
    if not ranked:
        return None
    best = ranked[0]
    values, found_in = prefill(best.template.parameters_schema, sentences(sources))
    return Suggestion(
        template_id=str(best.template.id),
        template_name=best.template.name,
        confidence=confidence(best.score),
        reason=best.reason,
        values=values,
        sources=found_in,
        instructions=best.template.description or "",
    )
