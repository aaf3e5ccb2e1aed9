"""The one reader of a session's content: its intake, its conversation and its steps, as small typed records.

Sessions are written by the FlowPilot backend, the JSONL import, the demo builder and Script Assist, so their JSON
columns are read leniently: a value of an unexpected shape is skipped or flattened to text, never an error.
The rules, in one place:

* intake (``ai_sessions.intake_content``): one :class:`IntakeField` per key, in order, its value flattened to
  text (lists joined with ", ", nested objects as ``key: value`` joined with "; "); an intake stored as plain text
  is one field with an empty key;
* conversation (``ai_sessions.conversation_messages``): one :class:`Turn` per message object with text; the
  role ``user`` (also ``engineer``, ``human``) is the engineer, ``system`` the system, any other the assistant;
* a step's content (``ai_session_steps.content``): its *prompt* is the first non-blank of :data:`PROMPT_KEYS`
  (what the engineer was asked or told to do; a content stored as plain text is the prompt), its *conclusion* the
  first of :data:`CONCLUSION_KEYS` (a resolution's solution, an escalation's reason); options are strings or
  objects with a ``label`` (or ``text``); the template of a script step is ``script_template_id`` or
  ``template_id`` (Script Assist writes the latter).

Nothing here redacts: ``core.flywheel.facts`` redacts what it reads before any model or builder sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.enums import Speaker
from core.models import AISession, AISessionStep

PROMPT_KEYS = ("question", "action", "text", "instructions", "message", "summary")
CONCLUSION_KEYS = ("solution", "reason")
ENGINEER_ROLES = frozenset({"user", "engineer", "human"})
SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class IntakeField:
    """One field of the intake form: its key, the value as stored, and that value as text."""

    key: str
    value: Any
    text: str

    @property
    def is_scalar(self) -> bool:
        return self.value is None or isinstance(self.value, SCALARS)


@dataclass(frozen=True)
class Turn:
    """One message of the conversation."""

    speaker: Speaker
    text: str

    @property
    def by_engineer(self) -> bool:
        return self.speaker == Speaker.ENGINEER


@dataclass(frozen=True)
class StepContent:
    """One step as recorded: what it asked or did, what was chosen or typed, and where in the flow it stood."""

    number: int
    step_type: str
    node_id: str | None
    prompt: str
    conclusion: str
    options: list[str]
    selected: str | None
    was_free_text: bool
    free_text: str | None
    result: str | None
    template_id: str | None
    template_name: str | None

    @property
    def headline(self) -> str:
        """What a reader of the session sees first: the prompt, else the conclusion, else the template run."""
        return self.prompt or self.conclusion or self.template_name or ""


@dataclass(frozen=True)
class Transcript:
    """A session's content in reading order."""

    summary: str
    intake: list[IntakeField]
    turns: list[Turn]
    steps: list[StepContent]


def flatten(value: Any) -> str:
    """``value`` as one line of text: scalars as written, lists joined with ", ", objects as ``key: value``
    joined with "; "; empty parts are left out and None is the empty string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, SCALARS):
        return str(value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {text}" for key, item in value.items() if (text := flatten(item)))
    if isinstance(value, list | tuple):
        return ", ".join(text for item in value if (text := flatten(item)))
    return str(value)


def read_intake(intake: Any) -> list[IntakeField]:
    """The intake's fields in stored order; an intake of another shape than an object or a text has none."""
    if isinstance(intake, str):
        return [IntakeField("", intake, intake.strip())] if intake.strip() else []
    if not isinstance(intake, dict):
        return []
    return [IntakeField(str(key), value, flatten(value)) for key, value in intake.items()]


def intake_text(fields: list[IntakeField]) -> str:
    """The intake as lines of ``key: value`` (fields without text left out)."""
    return "\n".join(f"{f.key}: {f.text}" if f.key else f.text for f in fields if f.text)


def speaker_of(role: Any) -> Speaker:
    """Who said a message, by its stored role."""
    role = str(role or "").strip().lower()
    if role in ENGINEER_ROLES:
        return Speaker.ENGINEER
    if role == Speaker.SYSTEM:
        return Speaker.SYSTEM
    return Speaker.ASSISTANT


def _message_text(content: Any) -> str:
    # Message content may be the API's list of blocks ({"type": "text", "text": ...}): their text is the message.
    if isinstance(content, list):
        return "\n".join(text for block in content if (text := _message_text(block)))
    if isinstance(content, dict) and isinstance(content.get("text"), str):
        return content["text"].strip()
    return flatten(content)


def read_turns(messages: Any) -> list[Turn]:
    """The conversation's messages that carry text, in order."""
    if not isinstance(messages, list):
        return []
    turns = []
    for message in messages:
        if isinstance(message, dict) and (text := _message_text(message.get("content"))):
            turns.append(Turn(speaker_of(message.get("role")), text))
    return turns


def _first_text(content: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = content.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _options(raw: Any) -> list[str]:
    options = []
    for option in raw if isinstance(raw, list) else []:
        if isinstance(option, dict):
            option = option.get("label") or option.get("text")
        if isinstance(option, SCALARS) and (text := str(option).strip()):
            options.append(text)
    return options


def read_step(step: AISessionStep) -> StepContent:
    """One step row as a :class:`StepContent` (see the module docstring for how its content is read)."""
    raw = step.content
    content = raw if isinstance(raw, dict) else {}
    template_id = content.get("script_template_id") or content.get("template_id")
    template_name = content.get("template")
    return StepContent(
        number=step.step_number,
        step_type=step.step_type,
        node_id=step.flow_node_id,
        prompt=raw.strip() if isinstance(raw, str) else _first_text(content, PROMPT_KEYS),
        conclusion=_first_text(content, CONCLUSION_KEYS),
        options=_options(content.get("options")),
        selected=step.selected_option,
        was_free_text=bool(step.was_free_text),
        free_text=step.free_text_input,
        result=step.action_result,
        template_id=str(template_id) if template_id else None,
        template_name=(template_name.strip() or None) if isinstance(template_name, str) else None,
    )


def read_transcript(session: AISession, steps: Iterable[AISessionStep]) -> Transcript:
    """``session``'s content with ``steps`` (its step rows, which the caller reads in step order)."""
    return Transcript(
        summary=(session.problem_summary or "").strip(),
        intake=read_intake(session.intake_content),
        turns=read_turns(session.conversation_messages),
        steps=[read_step(step) for step in steps],
    )
