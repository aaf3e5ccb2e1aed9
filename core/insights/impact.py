"""Impact of each publish: how a flow's sessions fared before and after a version went live.

For every stored version of a flow (``tree_versions``; version 1 is the new flow, later ones are new versions such
as a published enhancement), ``sql/health_publish_windows.sql`` counts closed sessions in two windows around the
moment it was published (default 30 days each):

* *before* = ``[published - window, published)``: the sessions that matched the flow; for version 1, when no flow
  existed, the closed sessions of the flow's domain that matched no flow (the problems it was written for);
* *after* = ``[published, published + window)``, cut short by the next version's publish and by now, so each
  version is judged on its own sessions.

Per side: sessions (closed), resolution rate (resolved / sessions), escalation rate (escalated / sessions) and the
median minutes from start to resolution over resolved sessions. The change in resolution rate comes with a 95 %
interval (normal approximation of the difference of two proportions, ``±1.96·√(p₁q₁/n₁ + p₂q₂/n₂)``) when both
sides hold at least :data:`MIN_SESSIONS` sessions; otherwise the verdict is "too few sessions".
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Tree, TreeVersion
from core.sqlfiles import run

WINDOW_DAYS = 30
MIN_SESSIONS = 10
Z_95 = 1.96


@dataclass(frozen=True)
class WindowFigures:
    """Closed sessions of one side of a publish."""

    sessions: int = 0
    resolved: int = 0
    escalated: int = 0
    mttr_median_minutes: float | None = None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.sessions if self.sessions else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.sessions if self.sessions else None


@dataclass(frozen=True)
class PublishImpact:
    """One publish of a flow and its before/after figures; ``change`` and ``interval`` in percentage points."""

    flow_id: uuid.UUID
    flow_name: str
    version: int
    published_at: datetime
    after_days: float
    before: WindowFigures
    after: WindowFigures

    @property
    def enough(self) -> bool:
        return self.before.sessions >= MIN_SESSIONS and self.after.sessions >= MIN_SESSIONS

    @property
    def change(self) -> float | None:
        """After minus before resolution rate, in percentage points (None when a side is empty)."""
        return rate_change(self.before, self.after)

    @property
    def interval(self) -> tuple[float, float] | None:
        """95 % interval of :attr:`change` in percentage points; None with too few sessions."""
        if not self.enough:
            return None
        return change_interval(self.before.resolved, self.before.sessions, self.after.resolved, self.after.sessions)

    def verdict(self) -> str:
        """``"+17.0 pp (95 % interval +2.1 to +31.9)"``, or why there is none."""
        if not self.enough:
            return f"too few sessions (needs {MIN_SESSIONS} on each side)"
        low, high = self.interval or (0.0, 0.0)
        return f"{self.change:+.1f} pp (95 % interval {low:+.1f} to {high:+.1f})"

    def as_rows(self) -> list[dict[str, object]]:
        """Before and after as two table rows."""
        return [
            {
                "version": self.version,
                "window": side,
                "sessions": figures.sessions,
                "resolution rate": _pct(figures.resolution_rate),
                "median minutes to resolve": figures.mttr_median_minutes,
                "escalation rate": _pct(figures.escalation_rate),
            }
            for side, figures in (("before", self.before), ("after", self.after))
        ]


def rate_change(before: WindowFigures, after: WindowFigures) -> float | None:
    """After minus before resolution rate in percentage points, 1 decimal; None when a side has no session."""
    if before.resolution_rate is None or after.resolution_rate is None:
        return None
    return round(100 * (after.resolution_rate - before.resolution_rate), 1)


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def change_interval(resolved_1: int, n_1: int, resolved_2: int, n_2: int) -> tuple[float, float]:
    """95 % interval (percentage points) of the rate ``resolved_2/n_2 - resolved_1/n_1``."""
    p1, p2 = resolved_1 / n_1, resolved_2 / n_2
    half = Z_95 * math.sqrt(p1 * (1 - p1) / n_1 + p2 * (1 - p2) / n_2)
    diff = p2 - p1
    return round(100 * (diff - half), 1), round(100 * (diff + half), 1)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _figures(row: dict | None) -> WindowFigures:
    if row is None:
        return WindowFigures()
    median = row["mttr_median"]
    return WindowFigures(
        int(row["sessions"]),
        int(row["resolved"] or 0),
        int(row["escalated"] or 0),
        None if median is None else round(float(median), 1),
    )


def _impact(
    db: Session, flow: Tree, version: TreeVersion, next_publish: datetime | None, now: datetime, window_days: int
) -> PublishImpact:
    published = _utc(version.created_at)
    window = timedelta(days=window_days)
    after_end = min(published + window, now, *([next_publish] if next_publish else []))
    after_end = max(after_end, published)
    rows = run(
        db,
        "health_publish_windows",
        account_id=flow.account_id,
        flow_id=flow.id,
        domain=flow.problem_domain,
        new_flow=1 if version.version == 1 else 0,
        before_start=published - window,
        published_at=published,
        after_end=after_end,
    )
    sides = {r["side"]: r for r in rows}
    return PublishImpact(
        flow_id=flow.id,
        flow_name=flow.name,
        version=version.version,
        published_at=published,
        after_days=round((after_end - published) / timedelta(days=1), 1),
        before=_figures(sides.get("before")),
        after=_figures(sides.get("after")),
    )


def flow_impact(
    db: Session, account_id: uuid.UUID, flow_id: uuid.UUID, *, now: datetime, window_days: int = WINDOW_DAYS
) -> list[PublishImpact]:
    """The impact of every stored version of the flow, newest first (empty for a flow of another account)."""
    flow = db.get(Tree, flow_id)
    if flow is None or flow.account_id != account_id:
        return []
    versions = list(db.scalars(select(TreeVersion).where(TreeVersion.tree_id == flow.id).order_by(TreeVersion.version)))
    now = _utc(now)
    result = []
    for index, version in enumerate(versions):
        following = _utc(versions[index + 1].created_at) if index + 1 < len(versions) else None
        result.append(_impact(db, flow, version, following, now, window_days))
    return result[::-1]


@dataclass(frozen=True)
class ImpactSummary:
    """Publishes of the last ``days``: pooled resolution before and after them."""

    publishes: int
    before: WindowFigures
    after: WindowFigures

    @property
    def change(self) -> float | None:
        return rate_change(self.before, self.after)

    def describe(self) -> str:
        """``"3 publishes in 30 days: resolution 61.0% → 78.0% (+17.0 pp)"`` for the stats strip."""
        if not self.publishes:
            return "No flow published in the last 30 days."
        head = f"{self.publishes} publish{'es' if self.publishes != 1 else ''} in 30 days"
        if self.change is None:
            return f"{head}: too few sessions yet to compare."
        return (
            f"{head}: resolution {_pct(self.before.resolution_rate)}% → {_pct(self.after.resolution_rate)}% "
            f"({self.change:+.1f} pp, {self.before.sessions} sessions before, {self.after.sessions} after)"
        )


def recent_impact(
    db: Session, account_id: uuid.UUID, *, now: datetime, days: int = WINDOW_DAYS, window_days: int = WINDOW_DAYS
) -> ImpactSummary:
    """Every publish (any flow of the account) in the ``days`` before ``now``, with sessions and resolutions of
    all of them pooled per side (each publish judged as in :func:`flow_impact`)."""
    now = _utc(now)
    recent = db.execute(
        select(TreeVersion, Tree)
        .join(Tree, Tree.id == TreeVersion.tree_id)
        .where(TreeVersion.account_id == account_id, TreeVersion.created_at >= now - timedelta(days=days))
        .order_by(TreeVersion.created_at)
    ).all()
    before, after = [0, 0, 0], [0, 0, 0]
    for version, flow in recent:
        following = db.scalar(
            select(TreeVersion.created_at).where(
                TreeVersion.tree_id == flow.id, TreeVersion.version == version.version + 1
            )
        )
        impact = _impact(db, flow, version, _utc(following) if following else None, now, window_days)
        for pool, side in ((before, impact.before), (after, impact.after)):
            pool[0] += side.sessions
            pool[1] += side.resolved
            pool[2] += side.escalated
    return ImpactSummary(len(recent), WindowFigures(*before), WindowFigures(*after))
