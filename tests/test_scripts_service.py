"""Script Assist services on both databases: seeding, access, saving templates, generating, recording results."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import PermissionDenied, load_user
from core.models import AISessionStep, ScriptCategory, ScriptGeneration, ScriptTemplate
from core.scripts.generation import (
    ScriptSessionNotFound,
    TemplateNotFound,
    accessible_templates,
    generate_script,
    get_template,
    record_result,
    save_template,
)
from core.scripts.library import TEMPLATES, seed_script_templates
from core.scripts.templates import SECRET_MASK, InvalidParameters, InvalidTemplate
from tests.factories import NOW, make_account, make_session, make_team, make_user

SCHEMA = [{"key": "computer", "label": "Computer", "type": "hostname"}]


def _setup(db: Session):
    account = make_account(db, "Contoso")
    team = make_team(db, account)
    admin = load_user(db, make_user(db, account, "team_admin", team, name="Ada Admin").id)
    engineer = load_user(db, make_user(db, account, "engineer", team, name="Eve Engineer").id)
    seed_script_templates(db)
    return account, team, admin, engineer


def test_seeding_twice_creates_the_library_once(db: Session) -> None:
    first = seed_script_templates(db)
    second = seed_script_templates(db)
    db.commit()
    assert [t.id for t in first] == [t.id for t in second]
    assert db.scalar(select(func.count()).select_from(ScriptTemplate)) == len(TEMPLATES) >= 10
    assert db.scalar(select(func.count()).select_from(ScriptCategory)) == 4
    assert all(t.account_id is None and t.category_id is not None for t in first)


def test_access_covers_global_own_account_and_own_team_only(db: Session) -> None:
    account, team, admin, _ = _setup(db)
    other_team = make_team(db, account, "Projects")
    other_account = make_account(db, "Fabrikam")
    body = "$C = {{ computer }}"
    own = ScriptTemplate(account_id=account.id, name="Ours", body=body, parameters_schema=SCHEMA, usage_count=99)
    team_only = ScriptTemplate(
        account_id=account.id, team_id=other_team.id, name="Theirs", body=body, parameters_schema=SCHEMA
    )
    foreign = ScriptTemplate(account_id=other_account.id, name="Foreign", body=body, parameters_schema=SCHEMA)
    db.add_all([own, team_only, foreign])
    db.commit()
    names = [t.name for t in accessible_templates(db, admin)]
    assert names[0] == "Ours"  # most used first
    assert "Theirs" not in names and "Foreign" not in names
    assert len(names) == len(TEMPLATES) + 1
    with pytest.raises(TemplateNotFound):
        get_template(db, admin, foreign.id)
    with pytest.raises(TemplateNotFound):
        get_template(db, admin, uuid.uuid4())


def test_saving_checks_role_and_format(db: Session) -> None:
    _, _, admin, engineer = _setup(db)
    with pytest.raises(PermissionDenied):
        save_template(db, engineer, name="Mine", body="$C = {{ computer }}", parameters_schema=SCHEMA)
    with pytest.raises(InvalidTemplate) as exc:
        save_template(db, admin, name="Bad", body="$C = {{ computr }}", parameters_schema=SCHEMA)
    assert exc.value.errors == [
        "The placeholder {{ computr }} has no parameter in the schema.",
        "The parameter 'computer' is never used in the body.",
    ]
    saved = save_template(
        db, admin, name=" Ping host ", body="Test-Connection -ComputerName {{ computer }}", parameters_schema=SCHEMA
    )
    db.commit()
    assert (saved.name, saved.account_id, saved.is_active) == ("Ping host", admin.account_id, True)
    built_in = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Flush DNS cache"))
    with pytest.raises(PermissionDenied):
        save_template(
            db,
            admin,
            template_id=built_in.id,
            name="x",
            body=built_in.body,
            parameters_schema=built_in.parameters_schema,
        )


def test_generation_records_script_usage_and_session_step(db: Session) -> None:
    account, _, _, engineer = _setup(db)
    session = make_session(
        db,
        account,
        status="active",
        steps=[
            {"step_type": "question", "content": {"question": "Is the account locked?"}, "selected_option": "Yes"},
            {"step_type": "note", "content": {"text": "User is CONTOSO\\jsmith"}},
        ],
    )
    reset = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Reset AD user password"))
    db.commit()
    generation = generate_script(
        db,
        engineer,
        template_id=reset.id,
        values={"identity": "jsmith", "new_password": "Hunter2!", "must_change": False},
        session_id=session.id,
        now=NOW,
    )
    db.commit()
    assert generation.parameters == {"identity": "jsmith", "new_password": SECRET_MASK, "must_change": False}
    assert "Hunter2!" not in generation.script
    assert f"# Session:    '{session.id}'" in generation.script
    assert "# User:       'Eve Engineer'" in generation.script
    assert db.get(ScriptTemplate, reset.id).usage_count == 1
    steps = db.scalars(
        select(AISessionStep).where(AISessionStep.session_id == session.id).order_by(AISessionStep.step_number)
    ).all()
    assert [(s.step_number, s.step_type) for s in steps] == [(1, "question"), (2, "note"), (3, "script_generation")]
    assert steps[2].script_generation_id == generation.id
    assert steps[2].content["template"] == "Reset AD user password"

    record_result(db, engineer, generation.id, worked=False, note="  Account is synced from Entra, reset there  ")
    db.commit()
    db.expire_all()
    assert (db.get(ScriptGeneration, generation.id).result, db.get(ScriptGeneration, generation.id).result_note) == (
        "failed",
        "Account is synced from Entra, reset there",
    )
    step = db.get(AISessionStep, steps[2].id)
    assert step.action_result == "failed: Account is synced from Entra, reset there"
    assert step.content["result"] == "failed"


def test_bad_values_or_foreign_session_write_nothing(db: Session) -> None:
    account, _, _, engineer = _setup(db)
    foreign_session = make_session(db, make_account(db, "Fabrikam"), status="active")
    unlock = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Unlock AD account"))
    db.commit()
    with pytest.raises(InvalidParameters) as exc:
        generate_script(db, engineer, template_id=unlock.id, values={"identity": "j smith; calc"})
    assert exc.value.errors == {
        "identity": "User (sAMAccountName) must be a logon name of 1–20 letters, digits, '.', '_' or '-' (e.g. jsmith)."
    }
    with pytest.raises(ScriptSessionNotFound):
        generate_script(
            db, engineer, template_id=unlock.id, values={"identity": "jsmith"}, session_id=foreign_session.id
        )
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ScriptGeneration)) == 0
    assert db.get(ScriptTemplate, unlock.id).usage_count == 0


def test_two_generations_on_one_session_at_once_get_consecutive_steps(pg_engine) -> None:
    import threading

    from core.db import make_session_factory

    factory = make_session_factory(pg_engine)
    with factory() as db:
        account, _, _, engineer = _setup(db)
        session = make_session(db, account, status="active", steps=[{"step_type": "note", "content": {"text": "x"}}])
        # Two different templates: the same one would already serialize the two on its usage counter.
        flush = db.scalar(select(ScriptTemplate.id).where(ScriptTemplate.name == "Flush DNS cache"))
        spooler = db.scalar(select(ScriptTemplate.id).where(ScriptTemplate.name == "Restart print spooler"))
        db.commit()
    values = {"computer": "NW-LT-0423", "register": True}
    first_flushed, errors = threading.Event(), []

    def second() -> None:
        try:
            with factory() as db2, db2.begin():
                generate_script(
                    db2, engineer, template_id=spooler, values={"computer": "NW-PRINT-01"}, session_id=session.id
                )
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            errors.append(exc)

    with factory() as db1, db1.begin():
        generate_script(db1, engineer, template_id=flush, values=values, session_id=session.id, now=NOW)
        first_flushed.set()
        other = threading.Thread(target=second)
        other.start()
        other.join(timeout=1)  # it waits on the session lock while this transaction is open
        assert other.is_alive()
    other.join(timeout=30)
    assert errors == []
    with factory() as db:
        steps = db.scalars(
            select(AISessionStep.step_number)
            .where(AISessionStep.session_id == session.id, AISessionStep.step_type == "script_generation")
            .order_by(AISessionStep.step_number)
        ).all()
    assert steps == [2, 3]


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_engineers_and_above_generate_and_nothing_is_written_for_others(db: Session, role: str) -> None:
    account, team, admin, engineer = _setup(db)
    reader = load_user(db, make_user(db, account, role, team, name="Rita Reader").id)
    session = make_session(db, account, status="active")
    unlock = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Unlock AD account"))
    db.commit()
    with pytest.raises(PermissionDenied) as exc:
        generate_script(db, reader, template_id=unlock.id, values={"identity": "jsmith"}, session_id=session.id)
    assert str(exc.value) == f"Rita Reader has the role {role}; only engineers and team admins may do this."
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ScriptGeneration)) == 0
    assert db.scalar(select(func.count()).select_from(AISessionStep)) == 0
    assert db.get(ScriptTemplate, unlock.id).usage_count == 0
    for allowed in (engineer, admin):
        generate_script(db, allowed, template_id=unlock.id, values={"identity": "jsmith"}, session_id=session.id)
    db.commit()
    assert db.scalar(select(func.count()).select_from(ScriptGeneration)) == 2
