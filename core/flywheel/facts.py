"""What the flywheel knows about a session: its fields and steps, read once, with every text already redacted.

Redaction happens here, before anything else sees the text, so neither a model, an embedding service nor an
offline-built tree can carry an e-mail address, a host name or the customer's name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.llm.known_names import known_names
from core.llm.redaction import redact
from core.models import AISession, AISessionStep
from core.transcript import PROMPT_KEYS, intake_text, read_intake, read_step

TEXT_KEYS = PROMPT_KEYS


@dataclass
class StepFact:
    number: int
    step_type: str
    text: str
    options: list[str]
    selected: str | None
    was_free_text: bool
    free_text: str | None
    result: str | None
    flow_node_id: str | None
    script_template_id: str | None = None

    @property
    def answer(self) -> str | None:
        """What the engineer chose: the free text when they typed one, else the option."""
        if self.was_free_text and self.free_text:
            return self.free_text
        return self.selected or self.free_text


@dataclass
class SessionFacts:
    id: uuid.UUID
    account_id: uuid.UUID
    team_id: uuid.UUID | None
    status: str
    tier: str
    domain: str | None
    summary: str
    intake_text: str
    resolution: str
    rating: int | None
    match_score: float | None
    steps: list[StepFact] = field(default_factory=list)
    # The dedup text's embedding per embedder name, computed once (see ``dedup_vector``).
    vectors: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def dedup_vector(self, embedder: Any) -> Any:
        """The embedding compared with open proposals (summary + intake)."""
        vector = self.vectors.get(embedder.name)
        if vector is None:
            vector = embedder.embed([self.dedup_text or "(no summary)"])[0]
            self.vectors[embedder.name] = vector
        return vector

    @property
    def dedup_text(self) -> str:
        """The text compared against open proposals: the problem summary plus the intake."""
        return f"{self.summary}\n{self.intake_text}".strip()


def load_facts(
    db: Session,
    session: AISession,
    *,
    company: str | None = None,
    step_rows: list[AISessionStep] | None = None,
    people: list[str] | None = None,
) -> SessionFacts:
    """Read ``session`` and its steps into redacted :class:`SessionFacts`.

    ``company``, ``step_rows`` and ``people`` (the account's user names) are what :func:`load_facts_many` already
    read for a whole batch; without them they are read here.
    """
    if step_rows is None or people is None:
        known = known_names(db, [session.account_id])[session.account_id]
        company, people = known.account, known.people
    companies = [company] if company else []
    # The intake names the requester, the device and the customer: redact it first so that the names it gives are
    # hidden in every other field too (``known`` carries them).
    intake = intake_text(read_intake(session.intake_content))
    mapping = redact(intake, company_names=companies, people=people).mapping

    def clean(text: str | None) -> str:
        nonlocal mapping
        if not text:
            return ""
        result = redact(text, company_names=companies, people=people, known=mapping)
        mapping = result.mapping
        return result.text.strip()

    if step_rows is None:
        step_rows = db.scalars(
            select(AISessionStep).where(AISessionStep.session_id == session.id).order_by(AISessionStep.step_number)
        ).all()
    steps = []
    for step in map(read_step, step_rows):
        steps.append(
            StepFact(
                number=step.number,
                step_type=step.step_type,
                text=clean(step.prompt),
                options=[clean(o) for o in step.options],
                selected=clean(step.selected) or None,
                was_free_text=step.was_free_text,
                free_text=clean(step.free_text) or None,
                result=clean(step.result) or None,
                flow_node_id=step.node_id,
                script_template_id=step.template_id,
            )
        )
    return SessionFacts(
        id=session.id,
        account_id=session.account_id,
        team_id=session.team_id,
        status=session.status,
        tier=session.confidence_tier,
        domain=session.problem_domain,
        summary=clean(session.problem_summary),
        intake_text=clean(intake),
        resolution=clean(session.resolution_summary),
        rating=session.rating,
        match_score=session.match_score,
        steps=steps,
    )


def load_facts_many(db: Session, sessions: list[AISession]) -> dict[uuid.UUID, SessionFacts]:
    """:func:`load_facts` for a batch in two queries (all their steps, all their account and user names)."""
    if not sessions:
        return {}
    ids = [s.id for s in sessions]
    names = known_names(db, {s.account_id for s in sessions})
    steps: dict[uuid.UUID, list[AISessionStep]] = {i: [] for i in ids}
    rows = db.scalars(
        select(AISessionStep)
        .where(AISessionStep.session_id.in_(ids))
        .order_by(AISessionStep.session_id, AISessionStep.step_number)
    )
    for row in rows:
        steps[row.session_id].append(row)
    return {
        s.id: load_facts(
            db, s, company=names[s.account_id].account, step_rows=steps[s.id], people=names[s.account_id].people
        )
        for s in sessions
    }
