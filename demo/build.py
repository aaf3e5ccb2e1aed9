"""Build the demo workspace: two accounts, their people and flows, months of sessions, and the flywheel's past.

Deterministic for a seed and a ``now``: every id, date and choice comes from one ``random.Random``. Rows are
written with bulk inserts so the whole workspace takes seconds, also on SQLite.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from core.db import analyze, session_scope
from core.insights.drift import check_all_accounts
from core.models import (
    Account,
    AISession,
    AISessionStep,
    FlowProposal,
    PSAConnection,
    PSAPush,
    ScriptTemplate,
    Team,
    Tree,
    TreeVersion,
    User,
)
from core.scripts.library import seed_script_templates
from core.trees import validate_tree
from demo import health
from demo.discovery import ACTIVE, NOVEL
from demo.flows import Flow, load_catalogue
from demo.history import queue_for_analysis, replay
from demo.prehistory import before_enhanced, before_generated
from demo.simulate import SessionSimulator, Workforce, new_uuid, pick_novel
from demo.workspace import Publication, Workspace

log = logging.getLogger("flowpilot.demo")

MAIN_SLUG = "northwind"
SECOND_SLUG = "contoso"
MAIN_SESSIONS = 3300
SECOND_SESSIONS = 200
MAIN_PENDING = 400
SECOND_PENDING = 25
TIER_SHARES = (("guided", 0.60), ("exploring", 0.25), ("discovery", 0.15))
SECOND_FLOWS = ("ad_password_reset", "exchange_outlook_prompts", "vpn_client_error", "print_spooler", "ep_disk_full")
SECOND_NOVELS = ("teams_dock_audio", "excel_locked", "scan_to_email")

MAIN_PEOPLE = (
    ("Priya Shah", "priya.shah", "owner", 0),
    ("Marcus Reed", "marcus.reed", "team_admin", 0),
    ("Hannah Cole", "hannah.cole", "analyst", 0),
    ("Victor Alvarez", "victor.alvarez", "viewer", 0),
    ("Sam Taylor", "sam.taylor", "engineer", 0),
    ("Nina Petrova", "nina.petrova", "engineer", 0),
    ("Oliver Grant", "oliver.grant", "engineer", 0),
    ("Fatima Noor", "fatima.noor", "engineer", 0),
    ("Jack Murphy", "jack.murphy", "engineer", 1),
    ("Leo Kim", "leo.kim", "engineer", 1),
    ("Grace Liu", "grace.liu", "team_admin", 1),
)
SECOND_PEOPLE = (
    ("Elena Rossi", "elena.rossi", "owner", 0),
    ("Ben Carter", "ben.carter", "team_admin", 0),
    ("Aiko Tanaka", "aiko.tanaka", "analyst", 0),
    ("Ravi Menon", "ravi.menon", "viewer", 0),
    ("Lucy Evans", "lucy.evans", "engineer", 0),
    ("Omar Haddad", "omar.haddad", "engineer", 0),
)
SUPER_ADMIN = ("FlowPilot Support", "support@flowpilot.example")


class DemoExists(RuntimeError):
    """The database already holds the demo workspace."""


def catalogue() -> list[Flow]:
    """Every troubleshooting flow of the demo, in a stable order."""
    return load_catalogue().flows


def _simulate(ws: Workspace, sim: SessionSimulator, count: int, novels: tuple) -> None:
    flows = list(ws.flows.values())
    with_escapes = [f for f in flows if f.escapes]
    for _ in range(count):
        roll = ws.rng.random()
        if roll < TIER_SHARES[0][1]:
            flow = ws.rng.choices(flows, weights=[f.weight for f in flows])[0]
            ws.sims.append(sim.guided(flow))
        elif roll < TIER_SHARES[0][1] + TIER_SHARES[1][1]:
            flow = ws.rng.choices(with_escapes, weights=[f.weight for f in with_escapes])[0]
            ws.sims.append(sim.exploring(flow))
        else:
            ws.sims.append(sim.discovery(pick_novel(ws.rng, novels)))


def _main_workspace(rng: random.Random, now: datetime, scale: float) -> Workspace:
    ws = Workspace(rng, now, "Northwind MSP", MAIN_SLUG, now - timedelta(days=400))
    ws.add_people(("Service Desk", "Projects & Infrastructure"), MAIN_PEOPLE, "northwind.example")
    generated_age: dict[str, float] = {}
    enhanced_age: dict[str, float] = {}
    cat = load_catalogue()
    for flow in cat.flows:
        if flow.key in cat.generated:
            age = rng.uniform(70, 90)
            generated_age[flow.key] = age
            ws.add_flow(flow, origin="ai_generated", created=now - timedelta(days=age))
        else:
            ws.add_flow(flow)
            if flow.key in cat.enhanced:
                enhanced_age[flow.key] = rng.uniform(60, 95)
    for procedure in cat.procedures:
        ws.add_procedure(procedure)
    workforce = Workforce(ws.id, ws.engineers(), "NW", "CW#")
    sim = SessionSimulator(rng, now, workforce, {k: r["id"] for k, r in ws.tree_rows.items()})
    for key, age in generated_age.items():
        sim.not_before[key] = (None, age)
        before_generated(ws, sim, ws.flows[key], age)
    for key, age in enhanced_age.items():
        info = before_enhanced(ws, sim, ws.flows[key], age)
        sim.not_before[key] = (info["child"], age)
        row = ws.tree_rows[key]
        enhanced_at = now - timedelta(days=age)
        # Version 1 lacks the branch the flywheel proposed; the replay publishes version 2 at ``enhanced_at``.
        ws.versions[:] = [v for v in ws.versions if v["tree_id"] != row["id"]]
        ws.versions.append(ws._version(row, 1, info["before"], "manual", "First version", row["created_at"]))
        version = ws._version(row, 2, ws.flows[key].tree, "ai_enhanced", info["change"], enhanced_at)
        row["tree_structure"] = info["before"]
        ws.publications.append(Publication(key, "enhanced", enhanced_at, version))
    for key, age in generated_age.items():
        ws.publications.append(Publication(key, "generated", now - timedelta(days=age)))
    _simulate(ws, sim, round(MAIN_SESSIONS * scale), NOVEL)
    health.plant(ws, sim)
    for key, subject, description in ACTIVE:
        ws.sims.append(sim.active(ws.flows[key], subject, description))
    _queue(ws, round(MAIN_PENDING * scale))
    return ws


def _second_workspace(rng: random.Random, now: datetime, scale: float) -> Workspace:
    ws = Workspace(rng, now, "Contoso Managed IT", SECOND_SLUG, now - timedelta(days=200))
    ws.add_people(("Helpdesk",), SECOND_PEOPLE, "contoso-it.example")
    by_key = {f.key: f for f in catalogue()}
    for key in SECOND_FLOWS:
        ws.add_flow(by_key[key])
    workforce = Workforce(ws.id, ws.engineers(), "CT", None)
    sim = SessionSimulator(rng, now, workforce, {k: r["id"] for k, r in ws.tree_rows.items()})
    novels = tuple(n for n in NOVEL if n.key in SECOND_NOVELS)
    _simulate(ws, sim, round(SECOND_SESSIONS * scale), novels)
    _queue(ws, round(SECOND_PENDING * scale))
    return ws


def _queue(ws: Workspace, pending: int) -> None:
    ws.sims.sort(key=lambda s: s.row["created_at"])
    queue_for_analysis(ws, pending)


def _write(db: Session, ws: Workspace, psa: bool) -> dict[str, int]:
    db.execute(insert(Account), [ws.account])
    db.execute(insert(Team), ws.teams)
    db.execute(insert(User), ws.users)
    trees = list(ws.tree_rows.values())
    for row in trees:
        errors = validate_tree(row["tree_structure"])
        if errors:
            raise ValueError(f"demo flow {row['name']!r} is invalid: {errors}")
    db.execute(insert(Tree), trees)
    db.execute(insert(TreeVersion), ws.versions)
    sessions = [s.row for s in ws.sims]
    steps = [step for s in ws.sims for step in s.steps]
    pushes = [s.push for s in ws.sims if s.push]
    db.execute(insert(AISession), sessions)
    db.execute(insert(AISessionStep), steps)
    if psa:
        db.execute(
            insert(PSAConnection),
            [
                {
                    "id": new_uuid(ws.rng),
                    "account_id": ws.id,
                    "provider": "connectwise",
                    "name": "Northwind ConnectWise Manage",
                    "is_active": True,
                    "created_at": ws.account["created_at"],
                }
            ],
        )
    if pushes:
        db.execute(insert(PSAPush), pushes)
    status = Counter(s["status"] for s in sessions)
    return {
        "users": len(ws.users),
        "flows": len(trees),
        "sessions": len(sessions),
        "steps": len(steps),
        "active_sessions": status["active"],
        "resolved": status["resolved"],
        "escalated": status["escalated"],
        "abandoned": status["abandoned"],
        "psa_pushes": len(pushes),
    }


def _flywheel_counts(db: Session, ws: Workspace) -> dict[str, int]:
    """What the replayed flywheel left in the account: the queue still to analyse and the proposals it made."""
    pending = (
        select(func.count())
        .select_from(AISession)
        .where(AISession.account_id == ws.id, AISession.analysis_status == "pending")
    )
    proposals = select(func.count()).select_from(FlowProposal).where(FlowProposal.account_id == ws.id)
    return {"pending_analysis": db.scalar(pending), "proposals": db.scalar(proposals)}


def _seed_templates(db: Session) -> int:
    """The global script templates; returns how many there are."""
    seed_script_templates(db, account_id=None)
    return db.scalar(select(func.count()).select_from(ScriptTemplate).where(ScriptTemplate.account_id.is_(None)))


def build_demo(engine: Engine, seed: int = 7, now: datetime | None = None, scale: float = 1.0) -> dict[str, Any]:
    """Create the demo workspace in an empty database and return counts of what was written.

    ``now`` anchors every date (default: the current UTC time), so the sessions lie in the 120 days before it.
    ``scale`` shrinks the number of sessions (tests use it); the flows, people and live sessions stay the same.
    Raises :class:`DemoExists` when either demo account is already there. The history is analysed by the worker,
    which takes whatever is due in the database: other accounts' pending sessions are analysed along with it.
    """
    started = time.perf_counter()
    with session_scope(engine) as db:
        existing = db.scalar(select(Account.slug).where(Account.slug.in_((MAIN_SLUG, SECOND_SLUG))).limit(1))
    if existing:
        raise DemoExists(f"the demo account '{existing}' already exists: use --reset to rebuild it")
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    main = _main_workspace(rng, now, scale)
    # Its own stream: the second account stays the same whatever the first one draws.
    second = _second_workspace(random.Random(f"{seed}:{SECOND_SLUG}"), now, scale)
    super_admin = {
        "id": new_uuid(rng),
        "account_id": main.id,
        "team_id": None,
        "email": SUPER_ADMIN[1],
        "name": SUPER_ADMIN[0],
        "role": "owner",
        "is_super_admin": True,
        "created_at": main.account["created_at"],
    }
    main.users.append(super_admin)
    with session_scope(engine) as db:
        summary = {MAIN_SLUG: _write(db, main, psa=True), SECOND_SLUG: _write(db, second, psa=False)}
        summary["script_templates"] = _seed_templates(db)
    with session_scope(engine) as db:
        analyze(db)  # statistics of the loaded tables, before the worker plans its queries over them
    flywheel = replay(engine, [main, second], now)
    # The worker's hourly pass would open these on its first start; the workspace shows them at once.
    summary["drift_reviews"] = check_all_accounts(engine, now)
    with session_scope(engine) as db:
        for slug, ws in ((MAIN_SLUG, main), (SECOND_SLUG, second)):
            summary[slug].update(_flywheel_counts(db, ws))
    # What the replayed worker did over the history, as its own log line of a pass would put it.
    summary["flywheel_history"] = {"passes": flywheel.passes, "analysed": flywheel.analysed, **flywheel.outcomes}
    summary["seconds"] = round(time.perf_counter() - started, 2)
    log.info("demo workspace built", extra={"summary": summary})
    return summary
