"""Knowledge gaps: where the published flows do not serve the service desk.

Four signals, each over the sessions created in the last ``GapConfig.lookback_days`` days (counts in SQL,
``sql/gaps_*.sql``):

* ``weak_options`` — a question (trimmed, case-insensitive text) answered at least ``weak_min_answers`` times whose
  free-text rate is at least ``weak_rate``. Severity: high from ``weak_high_rate``, medium from
  ``weak_medium_rate``, else low.
* ``high_escalation`` — a domain with at least ``escalation_min_closed`` closed sessions and an escalation rate
  strictly above ``escalation_rate`` (40 %). High above ``escalation_high_rate``, medium above
  ``escalation_medium_rate``, else low.
* ``uncharted_territory`` — a domain with at least ``uncharted_min_sessions`` resolved discovery-mode sessions
  (solved with no flow to follow). High from ``uncharted_high``, medium from ``uncharted_medium``, else low.
* ``repeated_pattern`` — closed sessions that matched no flow, grouped by identical summary in SQL, then clustered
  greedily: by default on their problem terms (``pattern_clustering="problems"``: abbreviations folded, IDF fitted
  on the summaries being clustered, so a template every ticket shares does not make them one cluster; see
  ``core.similarity.clustering``), or on the local embedder's vectors (``"embedding"``: cosine to a cluster's
  centroid at least the embedder's calibrated threshold), or (``"keywords"``) by the Jaccard similarity of keyword
  sets (at least ``pattern_similarity``); a cluster of at least
  ``pattern_min_sessions`` sessions is a gap. High from ``pattern_high``, medium from ``pattern_medium``, else low.

``evidence`` holds only JSON values (numbers, strings, lists, dicts) so reports store as JSON on both databases.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from core.db import parse_uuid, session_scope
from core.insights.clusters import cluster_by_embedding, cluster_by_problem, cluster_intakes, keywords
from core.insights.rollups import Window, refresh_rollups, session_cube, split_window
from core.models import CLOSED_STATUSES, Account, GapReport
from core.names import lower
from core.similarity.embedders import LocalEmbedder
from core.sqlfiles import run

GAP_TYPES = ("weak_options", "high_escalation", "uncharted_territory", "repeated_pattern")
SEVERITIES = ("high", "medium", "low")
REPORT_RETENTION = timedelta(days=7)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GapConfig:
    """Thresholds of the four detectors (rates are fractions, 0.4 = 40 %)."""

    lookback_days: int = 30
    examples: int = 5
    weak_min_answers: int = 5
    weak_rate: float = 0.30
    weak_medium_rate: float = 0.40
    weak_high_rate: float = 0.60
    escalation_min_closed: int = 10
    escalation_rate: float = 0.40
    escalation_medium_rate: float = 0.50
    escalation_high_rate: float = 0.60
    uncharted_min_sessions: int = 3
    uncharted_medium: int = 8
    uncharted_high: int = 20
    pattern_min_sessions: int = 4
    pattern_medium: int = 8
    pattern_high: int = 15
    pattern_clustering: str = "problems"
    pattern_similarity: float = 0.5
    pattern_max_intakes: int = 5000


@dataclass(frozen=True)
class KnowledgeGap:
    gap_type: str
    domain: str
    severity: str
    title: str
    description: str
    evidence: dict[str, Any] = field(default_factory=dict)
    suggested_action: str = ""

    @property
    def key(self) -> str:
        """Stable identifier of the gap across recomputations (widget keys, links)."""
        raw = f"{self.gap_type}|{self.domain}|{self.evidence.get('signature', self.title)}"
        return hashlib.sha1(raw.encode()).hexdigest()[:12]

    @property
    def session_ids(self) -> list[str]:
        return list(self.evidence.get("session_ids", []))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KnowledgeGap:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class StoredGapReport:
    generated_at: datetime
    gaps: list[KnowledgeGap]
    lookback_days: int


def _level(value: float, high: float, medium: float) -> str:
    return "high" if value >= high else "medium" if value >= medium else "low"


def _pct(rate: float) -> float:
    return round(100.0 * rate, 1)


def _merge_questions(db: Session, account_id: uuid.UUID, window: Window) -> tuple[list[dict], dict[str, list[dict]]]:
    """Answers per question and free-text answers per question, raw edges plus rollup days added up."""
    questions: dict[str, dict[str, Any]] = {}
    answers: dict[tuple[str, str], dict[str, Any]] = {}
    sources = [("gaps_question_answers", "gaps_free_text_inputs", window.raw_params())]
    if window.days is not None:
        sources.append(("gaps_rollup_question_answers", "gaps_rollup_free_text", window.day_params()))
    for question_query, free_text_query, params in sources:
        for row in run(db, question_query, account_id=account_id, **params):
            q = questions.setdefault(row["question_key"], {**row, "answers": 0, "free_text_answers": 0})
            q["question"], q["domain"] = min(q["question"], row["question"]), min(q["domain"], row["domain"])
            q["answers"] += int(row["answers"] or 0)
            q["free_text_answers"] += int(row["free_text_answers"] or 0)
        for row in run(db, free_text_query, account_id=account_id, **params):
            key = (row["question_key"], row["answer_key"])
            a = answers.setdefault(key, {**row, "answers": 0})
            a["answers"] += int(row["answers"] or 0)
            a["answer"] = min(a["answer"], row["answer"])
            if (row["example_created_at"], row["example_session_id"]) > (
                a["example_created_at"],
                a["example_session_id"],
            ):
                a["example_created_at"], a["example_session_id"] = row["example_created_at"], row["example_session_id"]
    inputs: dict[str, list[dict[str, Any]]] = {}
    for a in sorted(answers.values(), key=lambda r: (r["question_key"], -r["answers"], r["answer_key"])):
        inputs.setdefault(a["question_key"], []).append(a)
    return [questions[k] for k in sorted(questions)], inputs


def weak_options(
    db: Session, account_id: uuid.UUID, start: datetime, end: datetime, cfg: GapConfig
) -> list[KnowledgeGap]:
    questions, inputs = _merge_questions(db, account_id, split_window(db, account_id, start, end))
    gaps = []
    for row in questions:
        answers, free = int(row["answers"]), int(row["free_text_answers"] or 0)
        rate = free / answers if answers else 0.0
        if answers < cfg.weak_min_answers or rate < cfg.weak_rate:
            continue
        top = inputs.get(row["question_key"], [])[: cfg.examples]
        evidence = {
            "signature": row["question_key"],
            "question": row["question"],
            "answers": answers,
            "free_text_answers": free,
            "free_text_rate": _pct(rate),
            "top_free_text": [{"text": r["answer"], "count": int(r["answers"])} for r in top if r["answer"]],
            "session_ids": [r["example_session_id"] for r in top],
        }
        gaps.append(
            KnowledgeGap(
                gap_type="weak_options",
                domain=row["domain"],
                severity=_level(rate, cfg.weak_high_rate, cfg.weak_medium_rate),
                title=f"Weak options: “{row['question']}”",
                description=(
                    f"{free} of {answers} answers ({_pct(rate)} %) to this question were typed as free text: "
                    "the offered options do not match what engineers see."
                ),
                evidence=evidence,
                suggested_action="Add the most common free-text answers as options, each with its own branch.",
            )
        )
    return gaps


def _domain_examples(
    db: Session, account_id: uuid.UUID, start: datetime, end: datetime, cfg: GapConfig
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    examples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    rows = run(db, "gaps_domain_examples", account_id=account_id, start=start, end=end, per_domain=cfg.examples)
    for row in rows:
        examples.setdefault((row["kind"], row["domain"]), []).append(row)
    return examples


def domain_gaps(
    db: Session, account_id: uuid.UUID, start: datetime, end: datetime, cfg: GapConfig
) -> list[KnowledgeGap]:
    """high_escalation and uncharted_territory: both read the per-domain outcome counts."""
    per_domain: dict[str, dict[str, Any]] = {}
    for row in session_cube(db, account_id, start, end)[0]:
        d = per_domain.setdefault(
            row["domain"], {"domain": row["domain"], "closed": 0, "escalated": 0, "discovery_resolved": 0}
        )
        n = int(row["sessions"])
        d["closed"] += n if row["status"] in CLOSED_STATUSES else 0
        d["escalated"] += n if row["status"] == "escalated" else 0
        d["discovery_resolved"] += n if row["status"] == "resolved" and row["tier"] == "discovery" else 0
    outcomes = [per_domain[k] for k in sorted(per_domain)]
    examples = _domain_examples(db, account_id, start, end, cfg)
    gaps = []
    for row in outcomes:
        domain, closed, escalated = row["domain"], int(row["closed"] or 0), int(row["escalated"] or 0)
        rate = escalated / closed if closed else 0.0
        if closed >= cfg.escalation_min_closed and rate > cfg.escalation_rate:
            found = examples.get(("escalated", domain), [])
            severity = (
                "high" if rate > cfg.escalation_high_rate else "medium" if rate > cfg.escalation_medium_rate else "low"
            )
            gaps.append(
                KnowledgeGap(
                    gap_type="high_escalation",
                    domain=domain,
                    severity=severity,
                    title=f"High escalation rate in {lower(domain)}",
                    description=f"{escalated} of {closed} closed {lower(domain)} sessions ({_pct(rate)} %) were escalated.",
                    evidence={
                        "signature": domain,
                        "closed": closed,
                        "escalated": escalated,
                        "escalation_rate": _pct(rate),
                        "examples": [{"session_id": r["session_id"], "summary": r["summary"]} for r in found],
                        "session_ids": [r["session_id"] for r in found],
                    },
                    suggested_action=(
                        "Review the escalated sessions with the escalation team and turn their fixes into flow branches."
                    ),
                )
            )
    ranked = sorted(outcomes, key=lambda r: (-int(r["discovery_resolved"] or 0), r["domain"]))
    for row in ranked:
        domain, count = row["domain"], int(row["discovery_resolved"] or 0)
        if count < cfg.uncharted_min_sessions:
            continue
        found = examples.get(("discovery_resolved", domain), [])
        gaps.append(
            KnowledgeGap(
                gap_type="uncharted_territory",
                domain=domain,
                severity=_level(count, cfg.uncharted_high, cfg.uncharted_medium),
                title=f"Uncharted territory in {lower(domain)}",
                description=f"{count} {lower(domain)} sessions were resolved in discovery mode, with no flow to follow.",
                evidence={
                    "signature": domain,
                    "resolved_discovery_sessions": count,
                    "examples": [
                        {"session_id": r["session_id"], "summary": r["summary"], "resolution": r["resolution_summary"]}
                        for r in found
                    ],
                    "session_ids": [r["session_id"] for r in found],
                },
                suggested_action="Write a flow from the resolutions of these sessions (or approve the flywheel's proposal).",
            )
        )
    return gaps


def repeated_patterns(
    db: Session, account_id: uuid.UUID, start: datetime, end: datetime, cfg: GapConfig
) -> list[KnowledgeGap]:
    rows = run(
        db, "gaps_unmatched_intakes", account_id=account_id, start=start, end=end, max_rows=cfg.pattern_max_intakes
    )
    gaps = []
    if cfg.pattern_clustering == "problems":
        clusters = cluster_by_problem(rows)
    elif cfg.pattern_clustering == "embedding":
        clusters = cluster_by_embedding(rows, LocalEmbedder())
    elif cfg.pattern_clustering == "keywords":
        clusters = cluster_intakes(rows, cfg.pattern_similarity)
    else:
        raise ValueError(
            f"pattern_clustering must be 'problems', 'embedding' or 'keywords', not {cfg.pattern_clustering!r}"
        )
    for members in clusters:
        size = sum(int(m["sessions"]) for m in members)
        if size < cfg.pattern_min_sessions:
            continue
        counts: Counter[str] = Counter()
        domains: Counter[str] = Counter()
        for m in members:
            for word in keywords(m["summary"]):
                counts[word] += int(m["sessions"])
            domains[m["domain"] or "unclassified"] += int(m["sessions"])
        ranked = sorted(counts, key=lambda w: (-counts[w], w))
        common = [w for w in ranked if counts[w] * 2 >= size][:5] or ranked[:3]
        domain = sorted(domains.items(), key=lambda item: (-item[1], item[0]))[0][0]
        label = " ".join(common) or members[0]["summary"]
        examples = members[: cfg.examples]
        gaps.append(
            KnowledgeGap(
                gap_type="repeated_pattern",
                domain=domain,
                severity=_level(size, cfg.pattern_high, cfg.pattern_medium),
                title=f"Recurring unmatched problem: {members[0]['summary']}",
                description=(
                    f"{size} sessions with no matching flow described this problem"
                    + (f" ({len(members)} wordings)" if len(members) > 1 else "")
                    + f"; common words: {label}."
                ),
                evidence={
                    "signature": members[0]["summary_key"],
                    "cluster_size": size,
                    "distinct_summaries": len(members),
                    "keywords": common,
                    "examples": [
                        {"summary": m["summary"], "sessions": int(m["sessions"]), "session_id": m["example_session_id"]}
                        for m in examples
                    ],
                    "session_ids": [m["example_session_id"] for m in examples],
                },
                suggested_action="Create a flow for this problem; its sessions show the fixes that worked.",
            )
        )
    return gaps


_SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


def gap_report(
    db: Session, account_id: uuid.UUID, now: datetime, config: GapConfig | None = None
) -> list[KnowledgeGap]:
    """Every gap of ``account_id`` over the lookback window ending at ``now``: high severity first."""
    cfg = config or GapConfig()
    end = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    start = end - timedelta(days=cfg.lookback_days)
    gaps = [
        *weak_options(db, account_id, start, end, cfg),
        *domain_gaps(db, account_id, start, end, cfg),
        *repeated_patterns(db, account_id, start, end, cfg),
    ]
    return sorted(gaps, key=lambda g: (_SEVERITY_ORDER[g.severity], GAP_TYPES.index(g.gap_type), g.domain, g.title))


def store_report(
    db: Session, account_id: uuid.UUID, gaps: list[KnowledgeGap], now: datetime, lookback_days: int | None = None
) -> GapReport:
    """Keep ``gaps`` as the account's newest report (the caller commits)."""
    report = GapReport(
        account_id=account_id,
        report={
            "generated_at": now.astimezone(UTC).isoformat(),
            "lookback_days": lookback_days or GapConfig().lookback_days,
            "gaps": [g.to_dict() for g in gaps],
        },
        created_at=now,
    )
    db.add(report)
    db.flush()
    return report


def latest_report(db: Session, account_id: uuid.UUID) -> StoredGapReport | None:
    """The newest stored report of the account, or None when none was computed yet."""
    row = db.scalars(
        select(GapReport).where(GapReport.account_id == account_id).order_by(GapReport.created_at.desc()).limit(1)
    ).first()
    if row is None:
        return None
    body = row.report or {}
    return StoredGapReport(
        generated_at=row.created_at,
        gaps=[KnowledgeGap.from_dict(g) for g in body.get("gaps", [])],
        lookback_days=int(body.get("lookback_days", GapConfig().lookback_days)),
    )


def recompute(db: Session, account_id: uuid.UUID, now: datetime, config: GapConfig | None = None) -> StoredGapReport:
    """Compute and store a fresh report for one account ("Recompute now"); drops reports older than a week."""
    cfg = config or GapConfig()
    gaps = gap_report(db, account_id, now, cfg)
    store_report(db, account_id, gaps, now, cfg.lookback_days)
    db.execute(
        delete(GapReport).where(GapReport.account_id == account_id, GapReport.created_at < now - REPORT_RETENTION)
    )
    return StoredGapReport(generated_at=now, gaps=gaps, lookback_days=cfg.lookback_days)


def refresh_all_accounts(engine: Engine, now: datetime | None = None, config: GapConfig | None = None) -> int:
    """Bring every account's analytics rollups up to date and store a fresh gap report for it, one transaction per
    account (the worker calls this hourly); returns how many reports were stored.

    An account that fails is logged and skipped: accounts run in a fixed order, so stopping at it would leave every
    later account without fresh rollups or reports, hour after hour. On PostgreSQL an account another worker is
    refreshing is skipped too (its row is held ``FOR NO KEY UPDATE``, which session inserts do not wait for):
    two refreshes of one account would both rebuild the same rollup days, and the second fail on their keys."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as db:
        account_ids = list(db.scalars(select(Account.id).order_by(Account.created_at, Account.id)))
    stored = 0
    for account_id in account_ids:
        try:
            with session_scope(engine) as db:
                if not _claim_account(db, account_id):
                    continue
                refresh_rollups(db, account_id, now)
                recompute(db, account_id, now, config)
        except Exception:  # noqa: BLE001 - one account's failure must not starve the others
            log.exception("knowledge-gap refresh failed for an account", extra={"account_id": str(account_id)})
        else:
            stored += 1
    return stored


def _claim_account(db: Session, account_id: uuid.UUID) -> bool:
    """Hold the account for this transaction unless another one holds it (always True on SQLite, whose writers
    queue for the database lock)."""
    claim = select(Account.id).where(Account.id == account_id).with_for_update(skip_locked=True, key_share=True)
    return db.execute(claim).first() is not None


def gap_sessions(db: Session, account_id: uuid.UUID, gap: KnowledgeGap) -> list[dict[str, Any]]:
    """The sessions behind a gap (its evidence's examples), scoped to the account; unknown ids are skipped."""
    sessions = []
    for session_id in filter(None, map(parse_uuid, gap.session_ids)):
        sessions.extend(run(db, "gaps_session_detail", account_id=account_id, session_id=session_id))
    return sessions


def filter_gaps(
    gaps: list[KnowledgeGap],
    gap_types: list[str] | None = None,
    domains: list[str] | None = None,
    severities: list[str] | None = None,
) -> list[KnowledgeGap]:
    """Gaps matching every given filter (an empty or missing filter keeps everything)."""
    return [
        g
        for g in gaps
        if (not gap_types or g.gap_type in gap_types)
        and (not domains or g.domain in domains)
        and (not severities or g.severity in severities)
    ]
