"""What the flywheel knows about a session: its fields and steps, read once, with every text already redacted.

Redaction happens here, before anything else sees the text, so neither a model, an embedding service nor an
offline-built tree can carry an e-mail address, a host name or the customer's name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.llm.known_names import known_names
from core.llm.redaction import PLACEHOLDER_RE, redact
from core.llm.redaction_names import field_values
from core.models import AISession, AISessionStep
from core.similarity.problem_text import is_boilerplate_field, problem_text
from core.transcript import PROMPT_KEYS, intake_text, read_intake, read_step

TEXT_KEYS = PROMPT_KEYS
# The dedup vector's form (see ``dedup_embedder``), and the share of the embedder's threshold two statements must
# reach for a merge.
DEDUP_FORM = "problem+statement v1"
STATEMENT_GATE = 0.25
# The share of the embedder's threshold at which two new answers at the same question of the same flow are one
# branch. Lower than for two problems: the place is most of the evidence, and at one question few different new
# answers occur. Measured with the TF-IDF default on the labelled branches of the three scenario sets
# (benchmarks/scenarios.py; 96 same-branch and 30 different-branch pairs under one node): different branches score
# 0.16 at most; same-branch pairs reach 0.6 x 0.295 = 0.177 in 93 % of pairs, 0.295 in 74 %.
BRANCH_SHARE = 0.6


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
    # The intake's problem fields (description, symptoms, error text), redacted, without boilerplate fields.
    symptoms: list[str] = field(default_factory=list)
    # The dedup text's embedding per embedder name, computed once (see ``dedup_vector``).
    vectors: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def dedup_vector(self, embedder: Any) -> Any:
        """The vector compared with open new-flow proposals: the embedding of :attr:`dedup_text` followed by the
        embedding of :attr:`statement` (each unit length; see :func:`dedup_embedder`)."""
        vector = self.vectors.get(embedder.name)
        if vector is None:
            vector = dedup_vectors(embedder, [self.dedup_text], [self.statement])[0]
            self.vectors[embedder.name] = vector
        return vector

    def branch_vector(self, embedder: Any, label: str | None, after: list[StepFact]) -> Any:
        """The embedding of the branch this session adds where it left its flow (of :func:`branch_text`), unit
        length."""
        key = f"branch|{embedder.name}"
        vector = self.vectors.get(key)
        if vector is None:
            vector = embedder.embed([branch_text(label, after, self.resolution) or "(no branch)"])[0]
            norm = float(np.linalg.norm(vector))
            vector = (vector / norm if norm > 0 else vector).astype(np.float32)
            self.vectors[key] = vector
        return vector

    @property
    def statement(self) -> str:
        """What the problem is, as reported: the summary and the intake's problem fields (no steps, no fix)."""
        return _comparable(problem_text(self.summary, self.symptoms))

    @property
    def dedup_text(self) -> str:
        """The text compared against open proposals: what went wrong and how it was fixed, never who reported it.

        The summary, the intake's problem fields (not its requester, device, company... lines), the questions asked
        and actions taken, and the resolution, each without boilerplate or redaction placeholders. Two write-ups of
        one problem share its questions and fix; two problems reported by one person from one laptop share only
        what is left out here. See docs/ARCHITECTURE.md, "Duplicates".
        """
        return _comparable(
            problem_text(self.summary, [*self.symptoms, *_step_texts(self.steps)], None, self.resolution)
        )


def dedup_embedder(embedder: Any) -> str:
    """The name new-flow proposals record for their dedup vector: the embedder's, marked as the two-part form.

    Two sessions are one problem when their whole problem texts (statement, steps, fix) are similar and their
    statements share something (:data:`STATEMENT_GATE` of the embedder's threshold): steps and fixes alone ("Restarted
    the service") never merge two problems that were reported differently. Proposals are compared only within one
    such name, so a vector of another form or embedder is never scored against this one.
    """
    return f"{embedder.name}|{DEDUP_FORM}"


def dedup_vectors(embedder: Any, texts: list[str], statements: list[str]) -> Any:
    """Rows of the two-part dedup vector (see :func:`dedup_embedder`) for problem ``texts`` and their ``statements``."""
    n = len(texts)
    rows = embedder.embed([t or "(no summary)" for t in [*texts, *statements]])
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    rows = rows / np.where(norms > 0, norms, 1.0)
    return np.concatenate([rows[:n], rows[n:]], axis=1).astype(np.float32)


def statement_gate(embedder: Any) -> float:
    return STATEMENT_GATE * embedder.threshold


def branch_threshold(embedder: Any) -> float:
    """The cosine at which a new answer joins an open enhancement under the same node (:data:`BRANCH_SHARE`)."""
    return BRANCH_SHARE * embedder.threshold


def _step_texts(steps: list[StepFact]) -> list[str]:
    return [s.text for s in steps if s.step_type in ("question", "action") and s.text]


def _comparable(text: str) -> str:
    # Redaction placeholders (<HOST_1>, <PERSON_2>) say nothing about the problem and are shared by every ticket.
    lines = (" ".join(line.split()) for line in PLACEHOLDER_RE.sub(" ", text).splitlines())
    return "\n".join(line for line in lines if line)


def branch_text(label: str | None, after: list[StepFact], resolution: str | None) -> str:
    """What a new branch of a flow means: the answer that left the flow, the steps after it and the fix.

    Two sessions that left one question with "error 809 on hotel Wi-Fi" and "809, IPsec blocked on a guest
    network" and fixed it the same way add one branch; the flow's questions before the divergence are shared by
    every branch of that node and are left out.
    """
    return _comparable(problem_text(label, _step_texts(after), None, resolution))


def load_facts(
    db: Session,
    session: AISession,
    *,
    company: str | None = None,
    step_rows: list[AISessionStep] | None = None,
    people: list[str] | None = None,
    customers: list[str] | None = None,
) -> SessionFacts:
    """Read ``session`` and its steps into redacted :class:`SessionFacts`.

    ``company``, ``step_rows`` and ``people`` (the account's user names) are what :func:`load_facts_many` already
    read for a whole batch; without them they are read here. ``customers`` are further company names to hide.
    """
    if step_rows is None or people is None:
        known = known_names(db, [session.account_id])[session.account_id]
        company, people = known.account, known.people
    companies = ([company] if company else []) + list(customers or [])
    # The intake names the requester, the device and the customer: redact it first so that the names it gives are
    # hidden in every other field too (``known`` carries them).
    fields = read_intake(session.intake_content)
    intake = intake_text(fields)
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
        symptoms=[clean(f.text) for f in fields if f.text and not (f.key and is_boilerplate_field(f.key))],
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
    # A requester or customer named in one session's intake fields is hidden in every session of the batch: tickets
    # paste "Ticket 77410 / Rosa Delgado / Bellweather Dental" where no field names them.
    seen: dict[uuid.UUID, tuple[set[str], set[str]]] = {}
    for s in sessions:
        people, companies = seen.setdefault(s.account_id, (set(), set()))
        for kind, value in field_values(intake_text(read_intake(s.intake_content))):
            (people if kind == "PERSON" else companies if kind == "COMPANY" else set()).add(value)
    return {
        s.id: load_facts(
            db,
            s,
            company=names[s.account_id].account,
            step_rows=steps[s.id],
            people=[*names[s.account_id].people, *sorted(seen[s.account_id][0])],
            customers=sorted(seen[s.account_id][1]),
        )
        for s in sessions
    }
