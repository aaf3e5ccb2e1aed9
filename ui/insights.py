"""Cached data of the Analytics and Knowledge Gaps pages (the Streamlit side of core.insights.analytics and core.insights.gaps).

Caches are keyed by plain values: the database URL (one app may be pointed at another database in tests), the
account id and the period. Gap reports are cached briefly and cleared when a user recomputes one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import streamlit as st

from core.db import parse_uuid
from core.insights import analytics, gaps
from ui.context import call, settings

DASHBOARD_TTL_S = 300
GAPS_TTL_S = 60


@st.cache_data(ttl=DASHBOARD_TTL_S, max_entries=64, show_spinner="Computing the dashboard…")
def _dashboard(
    url: str, account_id: str, period_days: int | None, domain: str | None, days: tuple[str, str] | None
) -> dict[str, Any]:
    window = None if days is None else (date.fromisoformat(days[0]), date.fromisoformat(days[1]))
    return call(analytics.dashboard, parse_uuid(account_id), period_days, datetime.now(UTC), domain=domain, days=window)


def dashboard(
    account_id: uuid.UUID,
    period_days: int | None,
    *,
    domain: str | None = None,
    days: tuple[date, date] | None = None,
) -> dict[str, Any]:
    """The dashboard of a preset period, or of the UTC ``days`` from..to when given, for one domain or all."""
    window = None if days is None else (days[0].isoformat(), days[1].isoformat())
    return _dashboard(settings().database_url, str(account_id), period_days, domain, window)


@st.cache_data(ttl=GAPS_TTL_S, max_entries=64, show_spinner=False)
def _latest_gaps(url: str, account_id: str) -> dict[str, Any] | None:
    report = call(gaps.latest_report, parse_uuid(account_id))
    if report is None:
        return None
    return {
        "generated_at": report.generated_at.isoformat(),
        "lookback_days": report.lookback_days,
        "gaps": [g.to_dict() for g in report.gaps],
    }


def latest_gaps(account_id: uuid.UUID) -> tuple[str | None, int, list[gaps.KnowledgeGap]]:
    """(generated_at ISO text or None, lookback days, gaps) of the newest stored report."""
    body = _latest_gaps(settings().database_url, str(account_id))
    if body is None:
        return None, gaps.GapConfig().lookback_days, []
    return body["generated_at"], body["lookback_days"], [gaps.KnowledgeGap.from_dict(g) for g in body["gaps"]]


def recompute_gaps(account_id: uuid.UUID) -> int:
    """Compute and store a fresh report now; returns how many gaps it holds."""
    report = call(gaps.recompute, account_id, datetime.now(UTC))
    _latest_gaps.clear()
    return len(report.gaps)


def gap_sessions(account_id: uuid.UUID, gap: gaps.KnowledgeGap) -> list[dict[str, Any]]:
    return call(gaps.gap_sessions, account_id, gap)
