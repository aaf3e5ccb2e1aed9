"""Rollups equal the raw computation whatever the refresh window: sessions arrive between refreshes at random
hours, some refreshes rebuild everything, and every figure read through the rollups is compared with the same
figure read from the raw rows alone, for periods ending at random moments."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from core.insights.analytics import PERIODS, dashboard
from core.insights.gaps import GapConfig, weak_options
from core.insights.rollups import refresh_rollups, split_window
from core.models import AnalyticsRollupState, PSAConnection, PSAPush
from tests.factories import make_account, make_session

START = datetime(2026, 10, 1, 6, 0, tzinfo=timezone.utc)
QUESTIONS = ["Is the VPN client connected?", "  is the vpn client CONNECTED? ", "Does Outlook open?", "Which error?"]
ANSWERS = ["Error 809", "error 809 ", "Timeout", "It hangs at login"]
EVERY_QUESTION = GapConfig(weak_min_answers=1, weak_rate=0.0, examples=50)


def _steps(rng: random.Random) -> list[dict[str, Any]]:
    steps = []
    for _ in range(rng.randint(0, 5)):
        free = rng.random() < 0.4
        steps.append(
            {
                "step_type": "question",
                "content": {"question": rng.choice(QUESTIONS)},
                "was_free_text": free,
                "free_text_input": rng.choice(ANSWERS) if free else None,
                "selected_option": None if free else rng.choice(["Yes", "No", None]),
            }
        )
    if rng.random() < 0.3:
        steps.append({"step_type": "action", "content": {"instructions": "Restart the client"}})
    return steps


def _arrive(db, account, rng: random.Random, since: datetime, until: datetime) -> int:
    """Sessions created at random moments of ``[since, until)``, closed as they arrive; some with PSA pushes."""
    count = rng.randint(2, 10)
    for _ in range(count):
        created = since + (until - since) * rng.random()
        session = make_session(
            db,
            account,
            status=rng.choice(["resolved", "resolved", "escalated", "abandoned", "active"]),
            confidence_tier=rng.choice(["guided", "exploring", "discovery"]),
            problem_domain=rng.choice(["vpn", "exchange", None]),
            created_at=created,
            duration_minutes=rng.randint(1, 600),  # some resolve on the next UTC day
            rating=rng.choice([None, 1, 3, 5]),
            psa_ticket_id=rng.choice([None, "", "T-1"]),
            steps=_steps(rng),
        )
        if rng.random() < 0.4:
            first_ok = rng.random() < 0.5
            db.add(
                PSAPush(
                    account_id=account.id,
                    session_id=session.id,
                    ticket_id="T-1",
                    hours=rng.choice([0.25, 1.5]),
                    attempts=rng.randint(0, 3),
                    first_attempt_ok=first_ok,
                    status=rng.choice(["succeeded", "failed", "pending"]),
                )
            )
    db.flush()
    return count


def _raw(db, account, figure: Callable[[], Any]) -> Any:
    """``figure()`` as it reads with no rollups at all: the state row is removed inside a savepoint."""
    savepoint = db.begin_nested()
    db.delete(db.get(AnalyticsRollupState, account.id))
    db.flush()
    try:
        return figure()
    finally:
        savepoint.rollback()


@pytest.mark.parametrize("seed", [3, 14, 15])
def test_rollups_equal_raw_after_random_refresh_windows(db, seed):
    rng = random.Random(seed)
    account = make_account(db)
    db.add(PSAConnection(account_id=account.id, provider="connectwise"))
    clock, arrived, compared, through_rollups = START, 0, 0, 0
    for _ in range(8):
        later = clock + timedelta(hours=rng.randint(3, 80))
        arrived += _arrive(db, account, rng, clock - timedelta(hours=rng.randint(0, 30)), later)
        clock = later
        db.commit()
        refresh_rollups(db, account.id, clock, full=rng.random() < 0.25)
        db.commit()
        for _ in range(3):
            end = clock - timedelta(minutes=rng.randint(0, 60 * 24 * 5))
            period = rng.choice(PERIODS)
            rolled = dashboard(db, account.id, period, end)
            raw = _raw(db, account, lambda end=end, period=period: dashboard(db, account.id, period, end))
            assert rolled == raw
            start = end - timedelta(days=period)
            rolled_gaps = weak_options(db, account.id, start, end, EVERY_QUESTION)
            raw_gaps = _raw(db, account, lambda s=start, e=end: weak_options(db, account.id, s, e, EVERY_QUESTION))
            assert rolled_gaps == raw_gaps
            compared += bool(rolled["kpis"]["total_sessions"]) + bool(rolled_gaps)
            through_rollups += split_window(db, account.id, start, end).days is not None
    # the comparisons were about something: sessions and answers, read in part from the rollups
    assert compared >= 20
    assert through_rollups >= 12
    everything = dashboard(db, account.id, 90, clock + timedelta(seconds=1))
    assert everything["kpis"]["total_sessions"] == arrived
