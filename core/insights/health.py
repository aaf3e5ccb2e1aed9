"""Knowledge health: KCS-style measures of how the desk's knowledge is used, over a period ending now.

Definitions (the README repeats them; tests pin each on hand-made data):

* **link rate** = closed sessions that followed a flow (matched one) or produced one (the flywheel put them in a
  proposal that was published) / closed sessions;
* **reuse rate** = resolved sessions that matched a flow / resolved sessions;
* **new vs known**: closed sessions by confidence tier: guided (known), exploring, discovery (new);
* **time to publish** = median hours from a published proposal's first session (its source session, else the
  proposal's creation) to its decision, over proposals approved or modified in the period;
* **review backlog age**: pending proposals now, their median and largest age in hours;
* **Pareto of flows by reuse**: published flows ordered by reuse (resolved sessions that matched them in the
  period) and the fewest flows that carry 80 % of it;
* **flows not matched in 90 days**: published flows older than 90 days that no session matched in the last 90;
* **cost per approved proposal** = model calls (and tokens) of the budget ledger in the period / proposals approved
  in the period, beside how many model-written proposals were approved and how many turned down (dismissed or
  rejected), and the model calls each proposal counted on itself (``model_calls``) split the same way.

Rates are percentages rounded to 1 decimal, None when their denominator is 0; hours are rounded to 1 decimal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.sqlfiles import run

PERIODS = (7, 30, 90)
STALE_DAYS = 90
PARETO_SHARE = 0.8


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _moment(value: Any) -> datetime:
    # A row value: ISO text from json_safe (naive on SQLite, where timestamps are stored as UTC).
    moment = datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _hours(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


@dataclass(frozen=True)
class Cost:
    calls: int
    tokens: int
    approved: int
    turned_down: int
    model_approved: int
    model_turned_down: int
    # Model calls counted on the decided proposals themselves (one call per cluster, plus repairs and retries).
    calls_on_approved: int = 0
    calls_on_turned_down: int = 0

    @property
    def calls_per_approved(self) -> float | None:
        return round(self.calls / self.approved, 2) if self.approved else None

    @property
    def tokens_per_approved(self) -> float | None:
        return round(self.tokens / self.approved, 1) if self.approved else None

    @property
    def turned_down_share(self) -> float | None:
        """Share of model-written decided proposals that were turned down: the part of the spend that bought nothing."""
        return _pct(self.model_turned_down, self.model_approved + self.model_turned_down)


@dataclass(frozen=True)
class KnowledgeHealth:
    period_days: int
    start: datetime
    end: datetime
    closed: int
    linked: int
    resolved: int
    reused: int
    tiers: dict[str, int]
    published: int
    time_to_publish_hours: float | None
    pending: int
    backlog_median_hours: float | None
    backlog_oldest_hours: float | None
    pareto: list[dict[str, Any]] = field(default_factory=list)
    carrying_flows: int = 0
    stale_flows: list[dict[str, Any]] = field(default_factory=list)
    cost: Cost | None = None

    @property
    def link_rate(self) -> float | None:
        return _pct(self.linked, self.closed)

    @property
    def reuse_rate(self) -> float | None:
        return _pct(self.reused, self.resolved)

    @property
    def flows(self) -> int:
        return len(self.pareto)

    @property
    def carrying_share(self) -> float | None:
        """Share of published flows that carry 80 % of the reuse."""
        return _pct(self.carrying_flows, self.flows)


def _pareto(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    total = sum(int(r["reused"]) for r in rows)
    ordered = sorted(rows, key=lambda r: (-int(r["reused"]), r["name"]))
    table, running, carrying = [], 0, 0
    for rank, row in enumerate(ordered, start=1):
        reused = int(row["reused"])
        before = running
        running += reused
        if total and before < PARETO_SHARE * total:
            carrying = rank
        table.append(
            {
                "rank": rank,
                "flow": row["name"],
                "domain": row["domain"],
                "reuse": reused,
                "share %": _pct(reused, total),
                "cumulative %": _pct(running, total),
            }
        )
    return table, carrying


def knowledge_health(db: Session, account_id: uuid.UUID, period_days: int, now: datetime) -> KnowledgeHealth:
    """Every knowledge-health measure of ``account_id`` over the ``period_days`` ending at ``now``."""
    if period_days not in PERIODS:
        raise ValueError(f"The period must be one of {', '.join(map(str, PERIODS))} days, not {period_days!r}.")
    end = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    start = end - timedelta(days=period_days)
    since = end - timedelta(days=STALE_DAYS)
    window = {"account_id": account_id, "start": start, "end": end}
    use = run(db, "health_link_reuse", **window)[0]
    publish = run(db, "health_time_to_publish", **window)[0]
    backlog = run(db, "health_backlog", account_id=account_id, now=end)[0]
    flows = run(db, "health_flow_reuse", **window, since=since)
    spend = run(db, "health_llm_spend", **window)[0]
    decided = {r["decision"]: r for r in run(db, "health_decided_proposals", **window)}
    pareto, carrying = _pareto(flows)
    stale = [
        {
            "flow": r["name"],
            "domain": r["domain"],
            "published since": str(r["created_at"])[:10],
            "last matched": str(r["last_matched_at"])[:10] if r["last_matched_at"] else "never",
        }
        for r in flows
        if int(r["matched_recently"]) == 0 and _moment(r["created_at"]) < since
    ]
    approved, turned_down = decided.get("approved", {}), decided.get("turned_down", {})
    return KnowledgeHealth(
        period_days=period_days,
        start=start,
        end=end,
        closed=int(use["closed"]),
        linked=int(use["linked"]),
        resolved=int(use["resolved"]),
        reused=int(use["reused"]),
        tiers={tier: int(use[tier]) for tier in ("guided", "exploring", "discovery")},
        published=int(publish["published"]),
        time_to_publish_hours=_hours(publish["median_hours"]),
        pending=int(backlog["pending"]),
        backlog_median_hours=_hours(backlog["median_hours"]),
        backlog_oldest_hours=_hours(backlog["oldest_hours"]),
        pareto=pareto,
        carrying_flows=carrying,
        stale_flows=sorted(stale, key=lambda r: (r["last matched"], r["flow"])),
        cost=Cost(
            calls=int(spend["calls"]),
            tokens=int(spend["input_tokens"]) + int(spend["output_tokens"]),
            approved=int(approved.get("proposals", 0)),
            turned_down=int(turned_down.get("proposals", 0)),
            model_approved=int(approved.get("model_made", 0) or 0),
            model_turned_down=int(turned_down.get("model_made", 0) or 0),
            calls_on_approved=int(approved.get("model_calls", 0) or 0),
            calls_on_turned_down=int(turned_down.get("model_calls", 0) or 0),
        ),
    )
