"""Suggest a template and its values for a session: the Anthropic model when a key is set, else offline rules.

The model never sees real user names, hosts or addresses: the session text is redacted with
``core.llm.redaction.redact`` first, the model answers with placeholders (``<USER_1>``), and those are mapped back to
the real values here, on this machine. A model answer naming a template the user may not use is dropped (and
logged); the offline suggestion is shown instead.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.auth import CurrentUser
from core.config import Settings
from core.db import parse_uuid, session_scope
from core.enums import StepType
from core.llm.client import AnthropicClient, BudgetExhausted, EngineLedger, LLMCallFailed
from core.llm.known_names import known_names
from core.llm.redaction import redact, restore
from core.models import AISession, AISessionStep, ScriptGeneration, ScriptTemplate, utcnow
from core.scripts.extract import Source, Suggestion, sentences, suggest_offline
from core.scripts.generation import (
    TemplateNotFound,
    accessible_templates,
    get_session,
    get_template,
    session_generations,
    session_steps,
)
from core.scripts.templates import validate_value
from core.transcript import read_transcript

log = logging.getLogger(__name__)

PROMPT_TEMPLATE_LIMIT = 20
MAX_INSTRUCTIONS = 1000
TOOL_NAME = "script_generation"
MODEL_SOURCE = "suggested by the AI model"
SCRIPT_GENERATION_TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": "Choose the one PowerShell template that fits the session and pre-fill its parameters.",
    "input_schema": {
        "type": "object",
        "properties": {
            "template_id": {"type": "string", "description": "id of one of the listed templates"},
            "pre_filled_params": {
                "type": "object",
                "description": "parameter key -> value taken from the session (keep placeholders like <USER_1>)",
                "additionalProperties": {"type": ["string", "integer", "boolean"]},
            },
            "instructions": {"type": "string", "description": "one or two sentences for the engineer"},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["template_id", "pre_filled_params", "instructions", "confidence"],
    },
}
SYSTEM_PROMPT = (
    "You are Script Assist inside FlowPilot, helping an MSP service-desk engineer during a live troubleshooting "
    "session. Pick the single template that best fixes or diagnoses the problem and pre-fill parameters only with "
    "values stated in the session. Personal data has been replaced by placeholders such as <USER_1> or <HOST_2>: "
    "copy a placeholder exactly when it is the value. Never invent values and never fill secrets. "
    f"Answer only by calling the {TOOL_NAME} tool."
)


@dataclass
class SuggestionResult:
    suggestion: Suggestion | None
    generator: str
    notes: list[str] = field(default_factory=list)


def session_sources(db: Session, session: AISession) -> list[Source]:
    """The session's text in reading order: summary, intake, conversation, steps."""
    transcript = read_transcript(session, session_steps(db, session))
    sources: list[Source] = []
    if transcript.summary:
        sources.append(Source("Summary", transcript.summary))
    for field_ in transcript.intake:
        if field_.text:
            sources.append(Source(f"Intake · {field_.key}" if field_.key else "Intake", field_.text))
    for turn in transcript.turns:
        sources.append(Source("Engineer" if turn.by_engineer else "FlowPilot", turn.text))
    for step in transcript.steps:
        parts = [step.prompt, step.selected or "", step.free_text or "", step.result or ""]
        text = " — ".join(p for p in parts if p)
        if text and step.step_type != StepType.SCRIPT_GENERATION:
            sources.append(Source(f"Step {step.number}", text))
    return sources


def _template_brief(template: ScriptTemplate) -> dict[str, Any]:
    params = []
    for p in template.parameters_schema:
        if p.get("type") == "secure_string":
            continue
        entry = {"key": p["key"], "label": p.get("label"), "type": p.get("type"), "required": p.get("required", True)}
        if p.get("choices"):
            entry["choices"] = p["choices"]
        params.append(entry)
    return {"id": str(template.id), "name": template.name, "description": template.description, "parameters": params}


def _normalize(kind: str, value: Any) -> Any:
    # A redacted DOMAIN\user comes back whole; the logon-name field wants the part after the backslash.
    if kind == "sam_account_name" and isinstance(value, str) and "\\" in value:
        return value.rsplit("\\", 1)[1]
    return value


def _source_sentence(value: Any, sentence_list: list[str]) -> str:
    needle = str(value).lower()
    for sentence in sentence_list:
        if needle and needle in sentence.lower():
            return sentence
    return MODEL_SOURCE


@dataclass
class ModelQuestion:
    """What Script Assist asks the model, read from the database before the call: the redacted prompt, the map back
    to real values, and the session's sentences (where a value was found)."""

    prompt: str
    mapping: dict[str, str]
    sentence_list: list[str]


def model_question(db: Session, user: CurrentUser, session: AISession) -> ModelQuestion | None:
    """The prompt for ``session`` (personal data replaced by placeholders); None when no template is active."""
    templates = accessible_templates(db, user, limit=PROMPT_TEMPLATE_LIMIT)
    if not templates:
        return None
    sources = session_sources(db, session)
    session_text = "\n".join(f"{s.label}: {s.text}" for s in sources)
    people = [user.name, *known_names(db, [user.account_id])[user.account_id].people]
    redacted = redact(session_text, company_names=(user.account_name,), people=people)
    prompt = (
        f"Problem domain: {session.problem_domain or 'unknown'}\n\n"
        f"Session (personal data replaced by placeholders):\n{redacted.text}\n\n"
        f"Available templates (JSON):\n{json.dumps([_template_brief(t) for t in templates], ensure_ascii=False)}"
    )
    return ModelQuestion(prompt, dict(redacted.mapping), sentences(sources))


def read_answer(
    db: Session, user: CurrentUser, session_id: Any, question: ModelQuestion, answer: Any, model: str
) -> tuple[Suggestion | None, list[str]]:
    """The model's tool input as a suggestion: a template the user may use, values that pass their types."""
    if not isinstance(answer, dict):
        log.warning("script suggestion dropped", extra={"session_id": str(session_id), "reason": "no tool call"})
        return None, ["The AI model did not answer with a script suggestion."]
    template_id = str(answer.get("template_id") or "")[:100]
    try:
        template = get_template(db, user, parse_uuid(template_id))
    except TemplateNotFound as exc:
        log.warning(
            "script suggestion dropped",
            extra={"session_id": str(session_id), "template_id": template_id, "reason": str(exc)},
        )
        return None, [f"The AI model suggested a template that is not available to you ({template_id}); ignored."]
    notes: list[str] = []
    values: dict[str, Any] = {}
    found_in: dict[str, str] = {}
    params = answer.get("pre_filled_params") if isinstance(answer.get("pre_filled_params"), dict) else {}
    schema = {p["key"]: p for p in template.parameters_schema}
    for key, raw in params.items():
        param = schema.get(key)
        if param is None or param.get("type") == "secure_string":
            continue
        value = _normalize(param["type"], restore(raw, question.mapping) if isinstance(raw, str) else raw)
        try:
            typed = validate_value({**param, "required": True}, value)
        except ValueError as exc:
            notes.append(f"The AI model's value for {param.get('label', key)} was not used: it {exc}.")
            continue
        values[key] = typed
        found_in[key] = _source_sentence(typed, question.sentence_list)
    try:
        confidence = max(0.0, min(1.0, float(answer.get("confidence") or 0)))
    except (TypeError, ValueError, OverflowError):
        confidence = 0.0
    instructions = restore(str(answer.get("instructions") or "")[:MAX_INSTRUCTIONS], question.mapping)
    suggestion = Suggestion(
        template_id=str(template.id),
        template_name=template.name,
        confidence=round(confidence, 2),
        reason=instructions or "Chosen by the AI model.",
        values=values,
        sources=found_in,
        instructions=instructions,
        generator=model,
    )
    return suggestion, notes


def suggest_with_model(
    engine: Engine, user: CurrentUser, session_id: Any, settings: Settings, client: AnthropicClient | None = None
) -> tuple[Suggestion | None, list[str]]:
    """Ask the model; returns (suggestion or None, notes for the engineer). Raises
    :class:`~core.llm.client.LLMCallFailed` when the API fails; a spent budget is a note, with no call made.

    The model is asked with no database transaction open, as the worker does: the session is read in one short
    transaction, each call is reserved and recorded in its own, and the answer is read in a third. Holding the
    page's transaction through a call of up to 30 s would keep SQLite's write lock (or the budget row's lock on
    PostgreSQL) from everyone else that long.
    """
    with session_scope(engine) as db:
        question = model_question(db, user, get_session(db, user, session_id))
    if question is None:
        return None, ["There are no active templates to choose from."]
    # An engineer is waiting on the page: one retry and 30 s, then the offline suggestion.
    client = client or AnthropicClient.from_settings(settings, max_retries=1, timeout=30.0)
    ledger = EngineLedger(engine, user.account_id, utcnow(), settings.daily_llm_budget)
    try:
        reply = client.use_tool(
            system=SYSTEM_PROMPT,
            messages=[{"role": "user", "content": question.prompt}],
            tool=SCRIPT_GENERATION_TOOL,
            max_tokens=1024,
            ledger=ledger,
        )
    except BudgetExhausted:
        return None, ["Today's AI budget for this account is spent; showing the offline suggestion."]
    answer = reply.block.input if reply.block is not None else None
    with session_scope(engine) as db:
        return read_answer(db, user, session_id, question, answer, settings.anthropic_model)


def suggest(
    engine: Engine, user: CurrentUser, session_id: Any, settings: Settings, client: AnthropicClient | None = None
) -> SuggestionResult:
    """The suggestion for a session of the user's account (ScriptSessionNotFound otherwise): the model's when
    configured and usable, else the offline ranking. Opens its own short transactions (see suggest_with_model)."""
    notes: list[str] = []
    if settings.llm_enabled:
        try:
            suggestion, notes = suggest_with_model(engine, user, session_id, settings, client)
            if suggestion is not None:
                return SuggestionResult(suggestion, suggestion.generator, notes)
        except LLMCallFailed as exc:
            log.error("script suggestion by the model failed", extra={"session_id": str(session_id), "error": str(exc)})
            notes = [f"The AI suggestion failed ({exc.error_type}); showing the offline suggestion."]
    with session_scope(engine) as db:
        session = get_session(db, user, session_id)
        templates = accessible_templates(db, user)
        offline = suggest_offline(templates, session_sources(db, session), session.problem_domain)
    return SuggestionResult(offline, "offline rules", notes)


@dataclass
class SessionContext:
    """What the Script Assist page shows on the left: the session, its text and its script history."""

    session: AISession
    sources: list[Source]
    steps: list[AISessionStep]
    generations: list[ScriptGeneration]
    template_names: dict[str, str]


def session_context(db: Session, user: CurrentUser, session_id: Any) -> SessionContext:
    session = get_session(db, user, session_id)
    generations = session_generations(db, user, session.id)
    names = {str(t.id): t.name for t in accessible_templates(db, user, include_inactive=True)}
    return SessionContext(session, session_sources(db, session), session_steps(db, session), generations, names)
