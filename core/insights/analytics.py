"""The Analytics dashboard: every KPI of one account for a period and the period before it.

Definitions (tests pin them):
* period P days = sessions with ``created_at`` in ``[now - P, now)``; the previous period is ``[now - 2P, now - P)``;
  a custom range of UTC days ``from``..``to`` (both inclusive) is ``[from 00:00, to + 1 day 00:00)``, clipped at
  ``now``, and its previous period is the same number of days just before it;
* a domain narrows every figure to that domain's sessions but the coverage counts (flows, proposals) and the PSA
  push rates, which stay account-wide (the rollups keep push sums per day, not per domain);
* closed = resolved + escalated + abandoned; a NULL ``problem_domain`` counts as ``"unclassified"``;
* ``resolution_rate`` = resolved / closed x 100, and 0 when nothing closed;
* ``mttr_minutes`` = mean of ``resolved_at - created_at`` over resolved sessions (None when there are none);
  ``mttr_median_minutes`` and ``mttr_p90_minutes`` = its 50th and 90th percentiles, interpolated linearly between
  the two nearest ranks (as PostgreSQL's ``percentile_cont``), current period only (None in ``previous_kpis``:
  ranks need the window's raw rows, and reading the previous window's too doubled the dashboard's time);
* ``avg_steps_to_resolution`` = mean step count of resolved sessions; ``avg_session_duration_minutes`` = mean of
  ``ended_at - created_at`` over closed sessions; ``avg_rating`` over rated sessions only (None when none);
* PSA (only for an account with an active PSA connection): ``ticket_link_rate`` = sessions with a ticket / sessions;
  ``auto_push_success_rate`` = pushes that succeeded on the first attempt / pushes;
  ``auto_push_retry_success_rate`` = pushes that failed first and later succeeded / pushes that failed first;
  ``auto_push_eventual_success_rate`` = pushes that succeeded in the end (first time or after a retry) / pushes.
  A push is one ``psa_pushes`` row however many attempts it took, so retries never count twice.

All aggregation runs in the database (``sql/analytics_*.sql``); this module only divides the sums it returns.
Rates are percentages rounded to 2 decimals, minutes to 2 decimals.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.enums import ConfidenceTier
from core.insights.rollups import SESSION_SUMS, session_cube
from core.insights.rollups import mttr_trend as rollup_mttr_trend
from core.models import CLOSED_STATUSES, CONFIDENCE_TIERS
from core.sqlfiles import run

PERIODS = (7, 30, 90)
MAX_RANGE_DAYS = 366
PERCENTILES = {"mttr_median_minutes": 50, "mttr_p90_minutes": 90}


class InvalidPeriod(ValueError):
    """The period or date range is not one the dashboard can show; the message says why."""


def _rate(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _mean(total: float, count: float) -> float | None:
    return round(total / count, 2) if count else None


def _empty_sums() -> dict[str, float]:
    return dict.fromkeys(SESSION_SUMS, 0)


def _status_sums() -> dict[str, dict[str, float]]:
    return defaultdict(_empty_sums)


def _add(into: dict[str, float], row: dict[str, Any]) -> None:
    for key in SESSION_SUMS:
        into[key] += row[key] or 0


def _kpis(by_status: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The headline KPIs from sums per status."""
    total = _empty_sums()
    for sums in by_status.values():
        _add(total, sums)
    resolved = by_status.get("resolved", _empty_sums())
    closed = sum(by_status.get(s, _empty_sums())["sessions"] for s in CLOSED_STATUSES)
    return {
        "total_sessions": int(total["sessions"]),
        "resolved_sessions": int(resolved["sessions"]),
        "escalated_sessions": int(by_status.get("escalated", _empty_sums())["sessions"]),
        "abandoned_sessions": int(by_status.get("abandoned", _empty_sums())["sessions"]),
        "closed_sessions": int(closed),
        "resolution_rate": _rate(resolved["sessions"], closed),
        "mttr_minutes": _mean(total["resolve_minutes_sum"], total["resolve_count"]),
        "avg_steps_to_resolution": _mean(total["step_sum"], total["step_sessions"]),
        "avg_session_duration_minutes": _mean(total["duration_minutes_sum"], total["duration_count"]),
        "avg_rating": _mean(total["rating_sum"], total["rating_count"]),
        "rated_sessions": int(total["rating_count"]),
        "ticket_linked_sessions": int(total["ticket_linked"]),
    }


def _outcome_rates(sessions: float, resolved: float, escalated: float, closed: float) -> dict[str, Any]:
    return {
        "sessions": int(sessions),
        "resolved": int(resolved),
        "escalated": int(escalated),
        "resolution_rate": _rate(resolved, closed),
    }


def period_bounds(period_days: int, now: datetime) -> tuple[datetime, datetime, datetime]:
    """``(previous_start, start, end)`` of a period ending at ``now`` (UTC)."""
    if period_days not in PERIODS:
        raise InvalidPeriod(f"The period must be one of {', '.join(map(str, PERIODS))} days, not {period_days!r}.")
    end = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    start = end - timedelta(days=period_days)
    return start - timedelta(days=period_days), start, end


def range_bounds(first_day: date, last_day: date, now: datetime) -> tuple[datetime, datetime, datetime]:
    """``(previous_start, start, end)`` of the UTC days ``first_day``..``last_day`` (both inclusive).

    The end is clipped at ``now`` (a range reaching today covers today so far); the previous period has the same
    number of days and ends where this one starts.
    """
    if first_day > last_day:
        raise InvalidPeriod(f"The start date {first_day} is after the end date {last_day}.")
    days = (last_day - first_day).days + 1
    if days > MAX_RANGE_DAYS:
        raise InvalidPeriod(f"A date range may span at most {MAX_RANGE_DAYS} days, not {days}.")
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    start = datetime.combine(first_day, time(), tzinfo=UTC)
    if start > now:
        raise InvalidPeriod(f"The range starts on {first_day}, after today: it holds no session yet.")
    end = min(start + timedelta(days=days), now)
    return start - timedelta(days=days), start, end


def percentile(ranks: list[dict[str, Any]], percent: int) -> float | None:
    """The ``percent`` percentile interpolated between the two nearest ranks, from rows of position, total,
    minutes (the 'rank' rows of ``sql/analytics_resolved_window.sql``); None when there are no rows.

    Ranks are found in whole numbers, as the query finds them; on an exact rank (381 sessions: 380 x 0.9 = 342) the
    rank below and above are the same, and the query returns only that one.
    """
    if not ranks:
        return None
    at = {int(r["position"]): float(r["minutes"]) for r in ranks}
    scaled = (int(ranks[0]["total"]) - 1) * percent
    below, above = scaled // 100, -(-scaled // 100)
    value = at[below] + (at[above] - at[below]) * (scaled - below * 100) / 100
    return round(value, 2)


def _resolved(
    db: Session, account_id: uuid.UUID, start: datetime, end: datetime, domain: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(MTTR per day of resolution, the percentile ranks) of the resolved sessions created in ``[start, end)``."""
    rows = run(db, "analytics_resolved_window", account_id=account_id, start=start, end=end, domain=domain)
    days = [
        {
            "day": r["resolved_day"],
            "sessions": int(r["total"]),
            "mttr_minutes": round(float(r["minutes"]) / int(r["total"]), 2),
        }
        for r in rows
        if r["kind"] == "day" and int(r["total"])
    ]
    return days, [r for r in rows if r["kind"] == "rank"]


def dashboard(
    db: Session,
    account_id: uuid.UUID,
    period_days: int | None,
    now: datetime,
    *,
    domain: str | None = None,
    days: tuple[date, date] | None = None,
) -> dict[str, Any]:
    """Every dashboard metric of ``account_id`` for the ``period_days`` ending at ``now`` (or the UTC ``days``
    from..to, both inclusive, when given), optionally of one ``domain`` only, JSON-safe.

    ``kpis`` and ``previous_kpis`` hold the same keys (trend arrows compare them); ``psa_metrics`` is present only
    when the account has an active PSA connection, with its own ``previous``.
    """
    if days is not None:
        prev_start, start, end = range_bounds(days[0], days[1], now)
        period_days = (days[1] - days[0]).days + 1
    elif period_days is not None:
        prev_start, start, end = period_bounds(period_days, now)
    else:
        raise InvalidPeriod("Choose a period or a date range.")
    domain = domain or None
    has_psa = bool(run(db, "analytics_psa_connected", account_id=account_id)[0]["connections"])
    cubes = {
        "current": session_cube(db, account_id, start, end),
        "previous": session_cube(db, account_id, prev_start, start),
    }
    if domain is not None:
        # The rollups keep every (domain, tier, status) cell, so a domain is a filter over the same sums.
        for period, (rows, pushes) in cubes.items():
            cubes[period] = ([r for r in rows if r["domain"] == domain], pushes)
    per_period: dict[str, dict[str, dict[str, float]]] = {"current": _status_sums(), "previous": _status_sums()}
    for period, (rows, _) in cubes.items():
        for row in rows:
            _add(per_period[period][row["status"]], row)

    domains: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    # The three real tiers always show; "unknown" (imported without a tier) only when sessions have it, on its own.
    tiers: dict[str, dict[str, float]] = {
        t: defaultdict(float) for t in CONFIDENCE_TIERS if t != ConfidenceTier.UNKNOWN
    }
    for row in cubes["current"][0]:
        for bucket in (domains[row["domain"]], tiers.setdefault(row["tier"], defaultdict(float))):
            bucket["sessions"] += row["sessions"]
            bucket["resolved"] += row["sessions"] if row["status"] == "resolved" else 0
            bucket["escalated"] += row["sessions"] if row["status"] == "escalated" else 0
            bucket["closed"] += row["sessions"] if row["status"] in CLOSED_STATUSES else 0
        if row["tier"] == "guided":
            domains[row["domain"]]["guided"] += row["sessions"]

    sessions_by_domain = [
        {"domain": name, **_outcome_rates(d["sessions"], d["resolved"], d["escalated"], d["closed"])}
        for name, d in sorted(domains.items(), key=lambda item: (-item[1]["sessions"], item[0]))
    ]
    confidence_breakdown = [
        {"tier": tier, **_outcome_rates(t["sessions"], t["resolved"], t["escalated"], t["closed"])}
        for tier, t in tiers.items()
    ]

    # The rollups keep resolutions per day without a domain: a domain's trend comes from its raw rows.
    domain_trend, ranks = _resolved(db, account_id, start, end, domain)
    mttr_trend = rollup_mttr_trend(db, account_id, start, end) if domain is None else domain_trend
    totals = run(db, "analytics_coverage_totals", account_id=account_id, start=start, end=end)[0]
    flows = {r["domain"]: int(r["flow_count"]) for r in run(db, "analytics_flows_by_domain", account_id=account_id)}
    coverage_domains = [
        {
            "domain": name,
            "flow_count": flows.get(name, 0),
            "session_count": int(domains[name]["sessions"]) if name in domains else 0,
            "guided_rate": _rate(domains[name]["guided"], domains[name]["sessions"]) if name in domains else 0.0,
        }
        for name in sorted(set(flows) | set(domains))
        if domain is None or name == domain
    ]
    kpis, previous_kpis = _kpis(per_period["current"]), _kpis(per_period["previous"])
    kpis.update({key: percentile(ranks, percent) for key, percent in PERCENTILES.items()})
    previous_kpis.update(dict.fromkeys(PERCENTILES))
    result: dict[str, Any] = {
        "period_days": period_days,
        "domain": domain,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "previous_start": prev_start.isoformat(),
        "kpis": kpis,
        "previous_kpis": previous_kpis,
        "mttr_trend": mttr_trend,
        "sessions_by_domain": sessions_by_domain,
        "confidence_breakdown": confidence_breakdown,
        "knowledge_coverage": {
            "published_flows": int(totals["published_flows"]),
            "ai_flows": int(totals["ai_flows"]),
            "pending_proposals": int(totals["pending_proposals"]),
            "approved_proposals": int(totals["approved_proposals"]),
            "rejected_proposals": int(totals["rejected_proposals"]),
            "domains": coverage_domains,
        },
    }
    if has_psa:
        current = _psa(result["kpis"], cubes["current"][1])
        current["previous"] = _psa(result["previous_kpis"], cubes["previous"][1])
        result["psa_metrics"] = current
    return result


def _psa(kpis: dict[str, Any], p: dict[str, float]) -> dict[str, Any]:
    return {
        "ticket_link_rate": _rate(kpis["ticket_linked_sessions"], kpis["total_sessions"]),
        "pushes": int(p["pushes"]),
        "auto_push_success_rate": _rate(p["first_attempt_succeeded"], p["pushes"]),
        "pushes_failed_first": int(p["failed_first"]),
        "auto_push_retry_success_rate": _rate(p["retry_succeeded"], p["failed_first"]),
        "auto_push_eventual_success_rate": _rate(p["first_attempt_succeeded"] + p["retry_succeeded"], p["pushes"]),
        "time_entries_logged": int(p["time_entries"]),
        "hours_logged": round(float(p["hours_logged"]), 2),
    }


def is_empty(data: dict[str, Any]) -> bool:
    """True when the period holds no session at all (the page says so instead of drawing empty charts)."""
    return data["kpis"]["total_sessions"] == 0


def trend(current: float | None, previous: float | None) -> float | None:
    """Change from the previous period (current - previous), None when either side has no value."""
    if current is None or previous is None:
        return None
    return round(current - previous, 2)
