"""Script Assist services: which templates a user may use, saving templates, generating scripts, results.

Every function takes the signed-in user and reads and writes only that user's account (plus global templates,
which every account may use but only a super admin may change). Functions flush and never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from core.auth import CurrentUser, PermissionDenied, require_engineer, require_team_admin
from core.enums import ScriptResult, SessionStatus, StepType
from core.models import AISession, AISessionStep, ScriptCategory, ScriptGeneration, ScriptTemplate, utcnow
from core.scripts.templates import InvalidTemplate, ensure_valid_template, render, unsafe_character

MAX_SESSIONS_LISTED = 200


class TemplateNotFound(LookupError):
    """No template with this id that the user may use (unknown, inactive, or another account's or team's)."""


class ScriptSessionNotFound(LookupError):
    """No session with this id in the user's account."""


class GenerationNotFound(LookupError):
    """No script generation with this id in the user's account."""


def _accessible(user: CurrentUser) -> Any:
    own_team = or_(ScriptTemplate.team_id.is_(None), ScriptTemplate.team_id == user.team_id)
    return or_(
        ScriptTemplate.account_id.is_(None),
        (ScriptTemplate.account_id == user.account_id) & own_team,
    )


def accessible_templates(
    db: Session, user: CurrentUser, *, include_inactive: bool = False, limit: int | None = None
) -> list[ScriptTemplate]:
    """Global templates plus the account's (account-wide or the user's team), most used first."""
    query = select(ScriptTemplate).where(_accessible(user))
    if not include_inactive:
        query = query.where(ScriptTemplate.is_active.is_(True))
    query = query.order_by(ScriptTemplate.usage_count.desc(), ScriptTemplate.name, ScriptTemplate.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query))


def get_template(
    db: Session, user: CurrentUser, template_id: uuid.UUID | None, *, include_inactive: bool = False
) -> ScriptTemplate:
    """A template the user may use; TemplateNotFound otherwise (None, an id that named no UUID, included)."""
    template = db.get(ScriptTemplate, template_id) if template_id else None
    if template is None or not (template.account_id is None or template.account_id == user.account_id):
        raise TemplateNotFound(f"Template {template_id} is not available.")
    if template.team_id is not None and template.team_id != user.team_id:
        raise TemplateNotFound(f"Template {template_id} is not available.")
    if not template.is_active and not include_inactive:
        raise TemplateNotFound(f"Template {template.name!r} is inactive.")
    return template


def categories(db: Session, user: CurrentUser) -> list[ScriptCategory]:
    query = select(ScriptCategory).where(
        or_(ScriptCategory.account_id.is_(None), ScriptCategory.account_id == user.account_id)
    )
    return list(db.scalars(query.order_by(ScriptCategory.sort_order, ScriptCategory.name)))


def can_edit(user: CurrentUser, template: ScriptTemplate) -> bool:
    if template.account_id is None:
        return user.is_super_admin
    return user.is_team_admin and (template.account_id == user.account_id or user.is_super_admin)


def save_template(
    db: Session,
    user: CurrentUser,
    *,
    name: str,
    body: str,
    parameters_schema: Any,
    template_id: uuid.UUID | None = None,
    description: str = "",
    category_id: uuid.UUID | None = None,
    keywords: list[str] | None = None,
    problem_domain: str | None = None,
    is_active: bool = True,
) -> ScriptTemplate:
    """Create or update a template after the format checks; team admins only, global templates super admins only.

    Raises PermissionDenied, TemplateNotFound or InvalidTemplate (with every problem listed).
    """
    require_team_admin(user, user.account_id)
    errors: list[str] = []
    name = (name or "").strip()
    if not name or len(name) > 200 or unsafe_character(name):
        errors.append("The name must be one line of 1–200 characters.")
    if problem_domain and len(problem_domain.strip()) > 80:
        errors.append("The problem domain must be at most 80 characters.")
    clean_keywords = [k.strip() for k in (keywords or []) if isinstance(k, str) and k.strip()]
    if any(unsafe_character(k) or len(k) > 80 for k in clean_keywords):
        errors.append("Keywords must be short single-line phrases.")
    category = None
    if category_id:
        category = db.get(ScriptCategory, category_id)
        if category is None or category.account_id not in (None, user.account_id):
            errors.append("The category does not exist.")
    try:
        ensure_valid_template(body, parameters_schema)
    except InvalidTemplate as exc:
        errors.extend(exc.errors)
    if errors:
        raise InvalidTemplate(errors)
    if template_id:
        template = get_template(db, user, template_id, include_inactive=True)
        if not can_edit(user, template):
            raise PermissionDenied("Built-in templates are shared by every account; copy it to change it.")
    else:
        template = ScriptTemplate(account_id=user.account_id, created_by=user.id)
        db.add(template)
    template.name = name
    template.description = description.strip()
    template.category_id = category.id if category else None
    template.body = body
    template.parameters_schema = [dict(p) for p in parameters_schema]
    template.keywords = clean_keywords
    template.problem_domain = (problem_domain or "").strip() or None
    template.is_active = bool(is_active)
    db.flush()
    return template


def active_sessions(db: Session, user: CurrentUser) -> list[AISession]:
    """The account's active sessions, newest first (the page's picker)."""
    query = (
        select(AISession)
        .where(AISession.account_id == user.account_id, AISession.status == SessionStatus.ACTIVE)
        .order_by(AISession.created_at.desc(), AISession.id)
        .limit(MAX_SESSIONS_LISTED)
    )
    return list(db.scalars(query))


def get_session(db: Session, user: CurrentUser, session_id: uuid.UUID) -> AISession:
    session = db.get(AISession, session_id)
    if session is None or session.account_id != user.account_id:
        raise ScriptSessionNotFound("Session not found.")
    return session


def session_steps(db: Session, session: AISession) -> list[AISessionStep]:
    query = select(AISessionStep).where(AISessionStep.session_id == session.id)
    return list(db.scalars(query.order_by(AISessionStep.step_number)))


def generate_script(
    db: Session,
    user: CurrentUser,
    *,
    template_id: uuid.UUID,
    values: dict[str, Any],
    session_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> ScriptGeneration:
    """Render the template for the session and record it: a generation row, usage count +1, a session step.

    Engineers and above only: PermissionDenied for an analyst or a viewer, before anything is read or written.
    Raises TemplateNotFound, ScriptSessionNotFound, InvalidParameters (per field) or InvalidTemplate.
    """
    require_engineer(user)
    template = get_template(db, user, template_id)
    session = get_session(db, user, session_id) if session_id else None
    now = now or utcnow()
    rendered = render(
        template.body,
        template.parameters_schema,
        values,
        template_name=template.name,
        session_id=session.id if session else None,
        user_name=user.name,
        now=now,
    )
    generation = ScriptGeneration(
        account_id=user.account_id,
        template_id=template.id,
        parameters=rendered.parameters,
        script=rendered.script,
        user_id=user.id,
        ai_session_id=session.id if session else None,
        created_at=now,
    )
    db.add(generation)
    # One UPDATE, so two engineers generating at once both count.
    db.execute(
        update(ScriptTemplate)
        .where(ScriptTemplate.id == template.id)
        .values(usage_count=ScriptTemplate.usage_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.flush()
    if session is not None:
        # Lock the session row first: two engineers generating on one session at once must get consecutive step
        # numbers, not collide on (session_id, step_number). SQLite serializes writers without it.
        db.execute(select(AISession.id).where(AISession.id == session.id).with_for_update())
        last = db.scalar(select(func.max(AISessionStep.step_number)).where(AISessionStep.session_id == session.id))
        db.add(
            AISessionStep(
                session_id=session.id,
                account_id=user.account_id,
                step_number=(last or 0) + 1,
                step_type=StepType.SCRIPT_GENERATION,
                content={
                    "template_id": str(template.id),
                    "template": template.name,
                    "parameters": rendered.parameters,
                },
                script_generation_id=generation.id,
                created_at=now,
            )
        )
        db.flush()
    db.refresh(template)
    return generation


def get_generation(db: Session, user: CurrentUser, generation_id: uuid.UUID) -> ScriptGeneration:
    generation = db.get(ScriptGeneration, generation_id)
    if generation is None or generation.account_id != user.account_id:
        raise GenerationNotFound("Script generation not found.")
    return generation


def record_result(
    db: Session, user: CurrentUser, generation_id: uuid.UUID, *, worked: bool, note: str = ""
) -> ScriptGeneration:
    """The engineer's "Continue": worked or failed plus a note, on the generation and on its session step."""
    generation = get_generation(db, user, generation_id)
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValueError("The note is too long (at most 2000 characters).")
    result = ScriptResult.WORKED if worked else ScriptResult.FAILED
    generation.result = result
    generation.result_note = note or None
    step = db.scalar(select(AISessionStep).where(AISessionStep.script_generation_id == generation.id))
    if step is not None:
        step.action_result = f"{result}: {note}" if note else result
        step.content = {**(step.content or {}), "result": result, "note": note}
    db.flush()
    return generation


def session_generations(db: Session, user: CurrentUser, session_id: uuid.UUID) -> list[ScriptGeneration]:
    session = get_session(db, user, session_id)
    query = select(ScriptGeneration).where(
        ScriptGeneration.ai_session_id == session.id, ScriptGeneration.account_id == user.account_id
    )
    return list(db.scalars(query.order_by(ScriptGeneration.created_at.desc(), ScriptGeneration.id)))
