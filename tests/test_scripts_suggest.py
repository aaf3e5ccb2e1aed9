"""Suggestions for a session: the Anthropic path against a local Messages API server, and the offline path."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from core.auth import load_user
from core.config import Settings
from core.models import LLMUsage, ScriptTemplate
from core.scripts.library import seed_script_templates
from core.scripts.suggest import TOOL_NAME, suggest
from tests.factories import make_account, make_finance_share_session, make_team, make_user
from tests.fake_anthropic import Recorded, Reply, fake_anthropic, message  # noqa: F401

CONVERSATION = [
    {"role": "user", "content": "Caller from Contoso: user CONTOSO\\jsmith cannot open the finance share."},
    {"role": "assistant", "content": "Which group grants access to the share?"},
    {"role": "user", "content": "It is the 'Finance-Share-RW' group, he was never added."},
]


def _setup(db: Session):
    account = make_account(db, "Contoso")
    team = make_team(db, account)
    user = load_user(db, make_user(db, account, "engineer", team, name="Eve Engineer").id)
    seed_script_templates(db)
    session = make_finance_share_session(db, account, CONVERSATION)
    db.commit()
    return account, user, session


def _settings(url: str) -> Settings:
    return Settings(anthropic_api_key="test-key", anthropic_base_url=url, anthropic_model="claude-test")


def test_model_suggestion_is_redacted_out_and_restored_in(db: Session, fake_anthropic) -> None:  # noqa: F811
    _, user, session = _setup(db)
    add = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Add user to AD group"))
    fake_anthropic.script_suggestion(
        add.id,
        {"identity": "<USER_1>", "group": "Finance-Share-RW", "bogus": "x"},
        instructions="Add <USER_1> to the group, then have him sign out and in.",
        confidence=0.9,
    )
    result = suggest(db.get_bind(), user, session.id, _settings(fake_anthropic.url))
    suggestion = result.suggestion
    assert result.generator == "claude-test"
    assert (suggestion.template_name, suggestion.confidence) == ("Add user to AD group", 0.9)
    assert suggestion.values == {"identity": "jsmith", "group": "Finance-Share-RW"}
    assert suggestion.sources["identity"] == "Caller from Contoso: user CONTOSO\\jsmith cannot open the finance share."
    assert suggestion.instructions == "Add CONTOSO\\jsmith to the group, then have him sign out and in."

    request = fake_anthropic.messages[0].json
    sent = json.dumps(request["messages"])
    assert "jsmith" not in sent and "Contoso" not in sent and "Eve Engineer" not in sent
    assert "<USER_1>" in sent
    assert request["tools"][0]["name"] == TOOL_NAME
    assert request["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    listed = json.loads(request["messages"][0]["content"].split("Available templates (JSON):\n", 1)[1])
    assert len(listed) == 12 and str(add.id) in {t["id"] for t in listed}
    assert all(p["type"] != "secure_string" for t in listed for p in t["parameters"])
    db.commit()
    usage = db.scalar(select(LLMUsage).where(LLMUsage.account_id == user.account_id))
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (1, 100, 50)


def test_spent_budget_means_no_call_and_the_offline_suggestion(db: Session, fake_anthropic) -> None:  # noqa: F811
    _, user, session = _setup(db)
    settings = Settings(anthropic_api_key="test-key", anthropic_base_url=fake_anthropic.url, daily_llm_budget=0)
    result = suggest(db.get_bind(), user, session.id, settings)
    assert fake_anthropic.messages == []
    assert result.generator == "offline rules"
    assert result.notes == ["Today's AI budget for this account is spent; showing the offline suggestion."]
    assert result.suggestion.values == {"identity": "jsmith", "group": "Finance-Share-RW"}


def test_inaccessible_template_is_dropped_with_a_logged_reason(
    db: Session,
    fake_anthropic,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, user, session = _setup(db)
    other = make_account(db, "Fabrikam")
    foreign = ScriptTemplate(
        account_id=other.id,
        name="Fabrikam only",
        body="$C = {{ computer }}",
        parameters_schema=[{"key": "computer", "label": "Computer", "type": "hostname"}],
    )
    db.add(foreign)
    db.commit()
    fake_anthropic.script_suggestion(foreign.id, {}, confidence=0.8)
    with caplog.at_level(logging.WARNING, logger="core.scripts.suggest"):
        result = suggest(db.get_bind(), user, session.id, _settings(fake_anthropic.url))
    assert result.generator == "offline rules"
    assert result.notes == [f"The AI model suggested a template that is not available to you ({foreign.id}); ignored."]
    assert result.suggestion.template_name == "Add user to AD group"
    assert result.suggestion.values == {"identity": "jsmith", "group": "Finance-Share-RW"}
    dropped = [r for r in caplog.records if r.getMessage() == "script suggestion dropped"]
    assert len(dropped) == 1 and dropped[0].template_id == str(foreign.id)


def test_api_failure_falls_back_to_offline(db: Session, fake_anthropic) -> None:  # noqa: F811
    _, user, session = _setup(db)
    fake_anthropic.error(400, message_text="bad request")
    result = suggest(db.get_bind(), user, session.id, _settings(fake_anthropic.url))
    assert result.generator == "offline rules"
    assert result.notes == ["The AI suggestion failed (BadRequestError); showing the offline suggestion."]
    assert result.suggestion.template_name == "Add user to AD group"


def test_model_values_that_fail_their_type_are_not_prefilled(db: Session, fake_anthropic) -> None:  # noqa: F811
    _, user, session = _setup(db)
    add = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Add user to AD group"))
    fake_anthropic.script_suggestion(add.id, {"identity": "js'; calc", "group": "Finance-Share-RW"}, confidence=0.7)
    result = suggest(db.get_bind(), user, session.id, _settings(fake_anthropic.url))
    assert result.suggestion.values == {"group": "Finance-Share-RW"}
    assert result.notes == [
        "The AI model's value for User (sAMAccountName) was not used: "
        "it must be a logon name of 1–20 letters, digits, '.', '_' or '-' (e.g. jsmith)."
    ]


def test_the_model_is_asked_with_no_database_transaction_open(db: Session, fake_anthropic) -> None:  # noqa: F811
    _, user, session = _setup(db)
    add = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Add user to AD group"))
    engine = db.get_bind()
    answer = {"template_id": str(add.id), "pre_filled_params": {}, "instructions": "Add them.", "confidence": 0.5}
    written: list[int] = []

    def reply_after_another_write(_request: Recorded) -> Reply:
        # While the model "thinks", someone else writes the budget row: no lock of the page may be in the way.
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET lock_timeout = '500ms'"))
            else:
                conn.execute(text("PRAGMA busy_timeout = 500"))
            touched = conn.execute(
                update(LLMUsage).where(LLMUsage.account_id == user.account_id).values(calls=LLMUsage.calls + 10)
            )
            conn.commit()
        written.append(touched.rowcount)
        block = {"type": "tool_use", "id": "toolu_1", "name": TOOL_NAME, "input": answer}
        return Reply(200, message([block], stop_reason="tool_use"))

    fake_anthropic.default = reply_after_another_write
    result = suggest(engine, user, session.id, _settings(fake_anthropic.url))
    assert written == [1]
    assert (result.generator, result.suggestion.template_name) == ("claude-test", "Add user to AD group")
    db.commit()  # a fresh snapshot
    usage = db.scalar(select(LLMUsage).where(LLMUsage.account_id == user.account_id))
    assert (usage.calls, usage.input_tokens) == (11, 100)


def test_a_hostile_script_answer_is_bounded_and_counted_once(db: Session, fake_anthropic) -> None:  # noqa: F811
    _, user, session = _setup(db)
    add = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Add user to AD group"))
    fake_anthropic.tool_use(
        {
            "template_id": str(add.id),
            "pre_filled_params": ["identity", "jsmith"],
            "instructions": "i" * 1_000_000,
            "confidence": "1e999",
            "extra": {"deep": [[[[]]]]},
        },
        name=TOOL_NAME,
    )
    result = suggest(db.get_bind(), user, session.id, _settings(fake_anthropic.url))
    assert (result.suggestion.template_name, result.suggestion.values) == ("Add user to AD group", {})
    assert (len(result.suggestion.instructions), result.suggestion.confidence) == (1000, 1.0)
    db.commit()
    usage = db.scalar(select(LLMUsage).where(LLMUsage.account_id == user.account_id))
    assert usage.calls == len(fake_anthropic.messages) == 1
