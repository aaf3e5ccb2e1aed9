"""The gap report on the demo workspace: every planted gap is found, and nothing unplanted is high severity."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.db import session_scope
from core.insights.gaps import GapConfig, gap_report
from core.models import CLOSED_STATUSES, Account, AISession, AISessionStep
from demo import build_demo
from demo.discovery import NOVEL

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WEAK_QUESTION = "What error does the VPN client show?"  # the demo's weak=True question
ESCALATING = {"backup", "security"}  # the demo's ESCALATION_RATE domains
SUBJECTS = {subject: novel for novel in NOVEL for subject in novel.subjects}
NOVEL_DOMAINS = {novel.domain or "unclassified" for novel in NOVEL}


@pytest.fixture
def demo(engine):
    build_demo(engine, seed=7, now=NOW)
    with session_scope(engine) as db:
        accounts = {a.slug: a.id for a in db.scalars(select(Account))}
        gaps = {slug: gap_report(db, account_id, NOW) for slug, account_id in accounts.items()}
        owners = {str(s.id): s.account_id for s in db.scalars(select(AISession))}
        unmatched = db.scalars(
            select(AISession.problem_summary).where(
                AISession.account_id == accounts["northwind"],
                AISession.created_at >= NOW - timedelta(days=GapConfig().lookback_days),
                AISession.matched_flow_id.is_(None),
                AISession.status.in_(CLOSED_STATUSES),
                AISession.problem_summary.in_(list(SUBJECTS)),
            )
        )
        recurring = Counter(unmatched)
        # How the second account's own engineers answered the weak question in the window.
        weak_answers = db.scalars(
            select(AISessionStep.was_free_text).where(
                AISessionStep.account_id == accounts["contoso"],
                AISessionStep.step_type == "question",
                AISessionStep.created_at >= NOW - timedelta(days=GapConfig().lookback_days),
                AISessionStep.content["question"].as_string() == WEAK_QUESTION,
            )
        ).all()
    return accounts, gaps, owners, recurring, weak_answers


def _planted(gap) -> bool:
    if gap.gap_type == "weak_options":
        return gap.evidence["question"] == WEAK_QUESTION
    if gap.gap_type == "high_escalation":
        return gap.domain in ESCALATING
    if gap.gap_type == "uncharted_territory":
        return gap.domain in NOVEL_DOMAINS
    return all(example["summary"] in SUBJECTS for example in gap.evidence["examples"])


def test_planted_gaps_reported_and_nothing_else_high(demo):
    accounts, gaps, owners, recurring, weak_answers = demo
    report = gaps["northwind"]
    weak = [g for g in report if g.gap_type == "weak_options" and g.evidence["question"] == WEAK_QUESTION]
    assert [g.severity for g in weak] == ["high"]
    assert {g.domain for g in report if g.gap_type == "high_escalation"} == ESCALATING
    uncharted = {g.domain for g in report if g.gap_type == "uncharted_territory"}
    assert {"m365", "endpoint", "unclassified"} <= uncharted
    # every novel problem worded the same way often enough in the window is a repeated pattern of its own wordings
    patterns = [g for g in report if g.gap_type == "repeated_pattern"]
    in_patterns = {e["summary"] for g in patterns for e in g.evidence["examples"]}
    frequent = {s for s, n in recurring.items() if n >= GapConfig().pattern_min_sessions}
    assert len(frequent) >= 5 and frequent <= in_patterns
    assert [g.title for g in report if g.severity == "high" and not _planted(g)] == []
    assert all(_planted(g) for g in patterns)

    # the second account's report is built from its own sessions only
    for slug, account_id in accounts.items():
        for gap in gaps[slug]:
            assert {owners[s] for s in gap.session_ids} <= {account_id}
    # its weak question is reported exactly when its own answers cross the thresholds (Northwind's are far above)
    config = GapConfig()
    own = len(weak_answers) >= config.weak_min_answers and sum(weak_answers) / len(weak_answers) >= config.weak_rate
    assert any(g.evidence.get("question") == WEAK_QUESTION for g in gaps["contoso"]) == own
