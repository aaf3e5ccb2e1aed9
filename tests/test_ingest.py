"""Session ingest from JSON Lines: good lines, every kind of bad line, duplicates, mixed files, the CLI."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import session_scope
from core.models import AISession, AISessionStep
from core.sessions.ingest import ingest_lines
from tests.factories import make_account, make_team, make_tree, make_user

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "ingest-example.jsonl"


@pytest.fixture
def world(db):
    """Two accounts; the first has an engineer in a team and the Outlook flow, the second a flow of its own."""
    north = make_account(db, "Northwind MSP")
    team = make_team(db, north)
    engineer = make_user(db, north, role="engineer", team=team, email="sam@north.example")
    flow = make_tree(db, north)
    south = make_account(db, "Contoso")
    make_user(db, south, role="engineer", email="lucy@south.example")
    other_flow = make_tree(db, south)
    db.commit()
    return {"north": north, "team": team, "engineer": engineer, "flow": flow, "south": south, "other": other_flow}


def line(world, **changes) -> dict:
    """A valid resolved session that followed the Outlook flow, with ``changes`` applied (None deletes a key)."""
    record = {
        "id": str(uuid.uuid4()),
        "account": world["north"].slug,
        "engineer_email": "Sam@North.example",
        "status": "resolved",
        "confidence_tier": "guided",
        "problem_domain": "exchange",
        "problem_summary": "Outlook keeps asking for the password",
        "intake": {
            "subject": "Outlook prompts",
            "description": "Prompt every 5 minutes",
            "requester": "Ann",
            "device": "NW-LT-0100",
        },
        "conversation": [
            {"role": "user", "content": "Outlook keeps asking for my password"},
            {"role": "assistant", "content": "Does Outlook prompt for credentials repeatedly?"},
        ],
        "matched_flow_id": str(world["flow"].id),
        "match_score": 0.93,
        "rating": 5,
        "resolution_summary": "Enable Modern Authentication in the Microsoft 365 admin center.",
        "psa_ticket_id": "CW#1001",
        "created_at": "2026-11-18T10:00:00+01:00",
        "resolved_at": "2026-11-18T10:25:00+01:00",
        "ended_at": "2026-11-18T10:25:00+01:00",
        "steps": [
            {
                "step_number": 1,
                "step_type": "question",
                "content": {"question": "Does Outlook prompt for credentials repeatedly?", "options": ["Yes", "No"]},
                "selected_option": "Yes",
                "flow_node_id": "q1",
            },
            {
                "step_number": 2,
                "step_type": "question",
                "content": {"question": "Is Modern Authentication enabled for the tenant?", "options": ["Yes", "No"]},
                "selected_option": "No",
                "flow_node_id": "q2",
                "created_at": "2026-11-18T09:10:00Z",
            },
            {"step_number": 3, "step_type": "resolution", "content": {"solution": "Enable it."}, "flow_node_id": "s2"},
        ],
    }
    for key, value in changes.items():
        if value is None and key not in ("matched_flow_id", "problem_domain", "resolved_at"):
            record.pop(key, None)
        else:
            record[key] = value
    return record


def dumps(*records) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r) for r in records]


def test_good_line_is_imported_with_steps_and_queued(db, world):
    record = line(world)
    report = ingest_lines(db, dumps(record))
    db.commit()
    assert (report.imported, report.skipped_duplicates, report.errors) == (1, 0, [])
    session = db.get(AISession, uuid.UUID(record["id"]))
    assert session.account_id == world["north"].id
    assert session.engineer_id == world["engineer"].id and session.team_id == world["team"].id
    assert session.status == "resolved" and session.analysis_status == "pending"
    assert session.created_at == datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    assert session.resolved_at == session.ended_at == datetime(2026, 11, 18, 9, 25, tzinfo=UTC)
    assert session.matched_flow_id == world["flow"].id and session.match_score == 0.93 and session.rating == 5
    assert session.intake_content["device"] == "NW-LT-0100"
    assert session.conversation_messages[1]["role"] == "assistant"
    assert session.psa_ticket_id == "CW#1001"
    steps = list(
        db.scalars(select(AISessionStep).where(AISessionStep.session_id == session.id).order_by("step_number"))
    )
    assert [(s.step_number, s.step_type, s.selected_option, s.flow_node_id) for s in steps] == [
        (1, "question", "Yes", "q1"),
        (2, "question", "No", "q2"),
        (3, "resolution", None, "s2"),
    ]
    assert steps[1].created_at == datetime(2026, 11, 18, 9, 10, tzinfo=UTC)
    assert all(s.account_id == world["north"].id for s in steps)


def test_active_session_is_not_queued_and_free_text_is_kept(db, world):
    steps = [
        {
            "step_type": "question",
            "content": {"question": "Does Outlook prompt for credentials repeatedly?", "options": ["Yes", "No"]},
            "was_free_text": True,
            "free_text_input": "Only in Teams, not Outlook",
            "flow_node_id": "q1",
        }
    ]
    record = line(world, status="active", resolved_at=None, ended_at=None, steps=steps, confidence_tier="exploring")
    report = ingest_lines(db, dumps(record))
    db.commit()
    assert report.imported == 1 and report.errors == []
    session = db.get(AISession, uuid.UUID(record["id"]))
    assert session.analysis_status is None and session.ended_at is None
    step = db.scalar(select(AISessionStep).where(AISessionStep.session_id == session.id))
    assert step.was_free_text and step.free_text_input == "Only in Teams, not Outlook" and step.selected_option is None


def test_reimport_changes_nothing(db, world):
    records = [line(world), line(world, status="escalated", resolved_at=None, resolution_summary=None)]
    first = ingest_lines(db, dumps(*records))
    db.commit()
    assert (first.imported, first.skipped_duplicates) == (2, 0)
    # Same ids again, one of them with different content: a conflict; the stored session is not touched.
    records[0]["problem_summary"] = "changed"
    second = ingest_lines(db, dumps(*records))
    db.commit()
    conflict = f"conflict: id {records[0]['id']} was already imported with different content; the first is kept"
    assert (second.imported, second.skipped_duplicates, second.errors) == (0, 1, [(1, conflict)])
    assert db.scalar(select(func.count()).select_from(AISession)) == 2
    assert db.scalar(select(func.count()).select_from(AISessionStep)) == 6
    assert db.get(AISession, uuid.UUID(records[0]["id"])).problem_summary == "Outlook keeps asking for the password"


def test_duplicate_inside_one_file_is_skipped(db, world):
    record = line(world)
    report = ingest_lines(db, dumps(record, record))
    assert (report.imported, report.skipped_duplicates, report.errors) == (1, 1, [])


def test_id_of_another_account_is_an_error(db, world):
    record = line(world)
    assert ingest_lines(db, dumps(record)).imported == 1
    db.commit()
    theirs = line(
        world,
        id=record["id"],
        account=world["south"].slug,
        engineer_email="lucy@south.example",
        matched_flow_id=str(world["other"].id),
    )
    report = ingest_lines(db, dumps(theirs))
    assert report.errors == [(1, f"id {record['id']} already exists in another account")]
    assert report.imported == 0


def test_default_account(db, world):
    without = line(world, account=None)
    report = ingest_lines(db, dumps(without), account_id=world["north"].id)
    assert report.imported == 1
    wrong = line(world, account=world["south"].slug, engineer_email=None, matched_flow_id=None, steps=[])
    report = ingest_lines(db, dumps(wrong), account_id=world["north"].id)
    assert report.errors == [
        (1, f"account '{world['south'].slug}' is not the account being imported into ('{world['north'].slug}')")
    ]
    assert ingest_lines(db, dumps(line(world, account=None))).errors == [(1, "missing field 'account'")]


def _bad_cases(world) -> list[tuple[object, str]]:
    step = line(world)["steps"][0]
    other = str(world["other"].id)
    missing = str(uuid.uuid4())
    return [
        ('{"id": "x", ', "bad JSON: Expecting property name enclosed in double quotes at column 13"),
        ("[1, 2]", "a line must be a JSON object, got array"),
        (line(world, status=None), "missing field 'status'"),
        (line(world, steps=None), "missing field 'steps'"),
        (line(world, colour="blue"), "unknown field 'colour'"),
        (line(world, id="x" * 201), "id is longer than 200 characters (201)"),
        (line(world, id=42), "id must be a string, got number"),
        (line(world, status="closed"), "status must be one of active, resolved, escalated, abandoned; got 'closed'"),
        (
            line(world, confidence_tier=3),
            "confidence_tier must be one of guided, exploring, discovery, unknown; got number",
        ),
        (line(world, rating="5"), "rating must be a whole number 1-5, got string"),
        (line(world, rating=6), "rating must be between 1 and 5, got 6"),
        (line(world, match_score=1.5), "match_score must be between 0 and 1, got 1.5"),
        (line(world, problem_summary="  "), "problem_summary is empty"),
        (line(world, intake=["subject"]), "intake must be an object, got array"),
        (
            line(world, intake={"subject": "x", "priority": "high"}),
            "intake: unknown field 'priority' (allowed: subject, description, requester, device)",
        ),
        (
            line(world, conversation=[{"role": "bot", "content": "hi"}]),
            "conversation[0].role must be one of user, assistant, system",
        ),
        (line(world, account="nope"), "unknown account 'nope'"),
        (
            line(world, engineer_email="ghost@north.example"),
            f"unknown engineer 'ghost@north.example' in account '{world['north'].slug}' (--create-users adds them)",
        ),
        (line(world, resolved_at=None), "a resolved session needs resolved_at"),
        (line(world, status="escalated"), "an escalated session has no resolved_at"),
        (line(world, status="abandoned", resolved_at=None, ended_at=None), "an abandoned session needs ended_at"),
        (line(world, status="active"), "an active session has no ended_at or resolved_at"),
        (
            line(world, created_at="2026-11-18T11:00:00+01:00"),
            "timestamps out of order: ended_at is before created_at",
        ),
        (
            line(world, resolved_at="2026-11-18T10:26:00+01:00"),
            "timestamps out of order: resolved_at must lie between created_at and ended_at",
        ),
        (
            line(world, created_at="2026-11-18T10:00:00"),
            "created_at needs a UTC offset (e.g. 2026-11-20T09:30:00+00:00): '2026-11-18T10:00:00'",
        ),
        (line(world, ended_at="yesterday"), "ended_at is not an ISO-8601 timestamp: 'yesterday'"),
        (line(world, steps={"1": step}), "steps must be an array, got object"),
        (
            line(world, steps=[{**step, "step_number": 2}]),
            "steps[0]: step_number must be 1 (steps are numbered 1, 2, 3 … in order)",
        ),
        (
            line(world, steps=[{**step, "step_type": "chat"}]),
            "steps[0].step_type must be one of question, action, script_generation, resolution, escalation, note; got 'chat'",
        ),
        (
            line(world, steps=[{**step, "was_free_text": True}]),
            "steps[0]: was_free_text is true but free_text_input is missing",
        ),
        (
            line(world, steps=[{**step, "flow_node_id": "q9"}]),
            "steps[0]: flow_node_id 'q9' is not a node of the matched flow",
        ),
        (
            line(world, matched_flow_id=None, match_score=None),
            "steps[0]: flow_node_id 'q1' given but the session has no matched_flow_id",
        ),
        (
            line(world, steps=[{**step, "created_at": "2026-11-17T10:00:00+00:00"}]),
            "timestamps out of order: steps[0].created_at is outside the session",
        ),
        (line(world, matched_flow_id=other), f"matched_flow_id {other} belongs to another account"),
        (line(world, matched_flow_id=missing), f"matched_flow_id {missing} does not exist"),
    ]


def test_mixed_file_reports_each_bad_line_and_imports_the_good_ones(db, world):
    cases = _bad_cases(world)
    good = [line(world), line(world, status="abandoned", resolved_at=None, resolution_summary=None)]
    records = [good[0], *[c for c, _ in cases], "", good[1]]
    report = ingest_lines(db, dumps(*records))
    db.commit()
    expected = [(number, message) for number, (_, message) in enumerate(cases, start=2)]
    assert report.errors == expected
    assert (report.imported, report.skipped_duplicates) == (2, 0)
    stored = set(db.scalars(select(AISession.id)))
    assert stored == {uuid.UUID(good[0]["id"]), uuid.UUID(good[1]["id"])}
    assert db.scalar(select(func.count()).select_from(AISessionStep)) == 6
    assert report.summary() == f"imported 2, skipped 0 duplicate(s), {len(cases)} bad line(s)"


def test_cli(engine, world, tmp_path, capsys):
    from jobs.ingest import main

    url = engine.url.render_as_string(hide_password=False)
    good = line(world)
    path = tmp_path / "sessions.jsonl"
    path.write_text("\n".join(dumps(good, line(world, rating=9))) + "\n", encoding="utf-8")
    assert main([str(path), "--database-url", url]) == 1
    out, err = capsys.readouterr()
    assert out.strip().endswith("imported 1, skipped 0 duplicate(s), 1 bad line(s)")
    assert "line 2: rating must be between 1 and 5, got 9" in err
    # A byte-order mark (as Windows editors write) is not part of the first line.
    path.write_text(json.dumps(good) + "\n", encoding="utf-8-sig")
    assert main([str(path), "--database-url", url, "--account", world["north"].slug]) == 0
    assert capsys.readouterr().out.strip().endswith("imported 0, skipped 1 duplicate(s), 0 bad line(s)")
    assert main([str(path), "--database-url", url, "--account", "nope"]) == 2
    assert "unknown account 'nope'" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.jsonl"), "--database-url", url]) == 2
    with session_scope(engine) as db:
        assert db.scalar(select(func.count()).select_from(AISession)) == 1


def test_documented_example_imports_into_the_demo_workspace(engine):
    """docs/ingest-example.jsonl (the README's example) is valid against the demo workspace (seed 7)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the example is checked once; the importer itself runs on both databases above")
    from demo import build_demo

    build_demo(engine, seed=7, scale=0.02)
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    with session_scope(engine) as db:
        report = ingest_lines(db, lines)
    assert (report.imported, report.errors) == (2, [])
    with session_scope(engine) as db:
        assert ingest_lines(db, lines).skipped_duplicates == 2
