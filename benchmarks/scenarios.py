"""What the flywheel learns from many sessions, measured end to end on hand-written scenarios.

The sessions of one scenario set, ``benchmarks/data/scenarios/<set>.json`` (``--set original``, the default;
``heldout``, ``fresh``, ``unseen``, ``blind``, ``sealed``, ``veiled``, ``covert`` and ``hidden``, written without
looking at how the flywheel matches; the README there says what each holds and what makes it hard), go in through the
real ingest (JSON Lines), the real flywheel analyses them offline, and the figures are read back from the database:

* dedup precision / recall over pairs of new-flow sessions (same problem = should share one proposal);
* path recall of merged sessions: the share of each supporting session's (question, answer) steps that the
  proposal's tree contains as a real branch (not the "not explored" placeholder);
* enhancement proposals per (flow, node, new resolution): 1.0 means one proposal however it was worded;
* enhancement proposals holding sessions of two different new resolutions (a flow's ``extra_branches`` leave the
  same question with another answer): 0 is right, since one proposal there hides a branch;
* PII kinds leaked: planted requester names, e-mails, phones, hosts, serials, companies and engineer names found in
  any stored proposal (trees, titles, rationales).

``scenario_sessions`` and ``setup_account`` are used by the tests too.
"""

from __future__ import annotations

import functools
import itertools
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.models import Account, AISession, FlowProposal, Team, Tree, User
from core.similarity.embedders import LocalEmbedder
from core.similarity.evaluation import pair_counts
from core.trees import (
    LABEL_WORDINGS_KEY,
    WORDINGS_KEY,
    iter_nodes,
    node_text,
    normalize_label,
    question_tree,
    validate_tree,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ACCOUNT_SLUG = "scenario-msp"
_NS = uuid.UUID("8b0f6a52-0c57-4d3e-9d1e-3f6f0a1b2c3d")
SETS_DIR = Path(__file__).parent / "data" / "scenarios"
SETS = ("original", "heldout", "fresh", "unseen", "blind", "sealed", "veiled", "covert", "hidden")


@dataclass(frozen=True)
class ScenarioSet:
    """One scenario set: each key of its JSON file, in upper case. JSON has no tuples, so a requester, an engineer,
    a write-up, a path and its steps are lists."""

    REQUESTERS: list[list[str]]
    DEVICES: list[str]
    SERIALS: list[str]
    ENGINEERS: list[list[str]]
    NEW_PROBLEMS: list[dict[str, Any]]
    FLOWS: list[dict[str, Any]]
    UNMATCHED: dict[str, Any]


@functools.cache
def load_set(name: str) -> ScenarioSet:
    """The scenario set called ``name`` (one of ``SETS``), read once from ``SETS_DIR``. A file missing a key or
    holding an unknown one is refused (``TypeError`` naming it)."""
    if name not in SETS:
        raise ValueError(f"unknown scenario set '{name}' (known: {', '.join(SETS)})")
    raw = json.loads((SETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return ScenarioSet(**{key.upper(): value for key, value in raw.items()})


ORIGINAL = load_set("original")


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_NS, "|".join(str(p) for p in parts)))


def setup_account(db: Session, data: ScenarioSet = ORIGINAL) -> tuple[Account, dict[str, Tree]]:
    """The scenario account, its engineers and the three published flows (by flow name)."""
    account = Account(name="Scenario MSP", slug=ACCOUNT_SLUG)
    db.add(account)
    db.flush()
    team = Team(account_id=account.id, name="Service Desk")
    db.add(team)
    db.flush()
    for name, email in data.ENGINEERS:
        db.add(User(account_id=account.id, team_id=team.id, email=email, name=name, role="engineer"))
    flows = {}
    for spec in data.FLOWS:
        tree = Tree(
            account_id=account.id,
            name=spec["name"],
            tree_structure=spec["tree"],
            problem_domain=spec["domain"],
            match_keywords=spec["keywords"],
        )
        db.add(tree)
        flows[spec["name"]] = tree
    db.flush()
    return account, flows


def _intake(data: ScenarioSet, n: int, summary: str, description: str) -> dict[str, Any]:
    name, email, phone, company = data.REQUESTERS[n % len(data.REQUESTERS)]
    device = data.DEVICES[n % len(data.DEVICES)]
    serial = data.SERIALS[n % len(data.SERIALS)]
    return {
        "subject": summary,
        "description": (
            f"{description}\nRequester: {name} <{email}>, phone {phone}\nCompany: {company}\n"
            f"Device: {device} (serial {serial})"
        ),
        "requester": f"{name} <{email}>",
        "device": device,
    }


def _steps(
    path: Sequence[Sequence[Any]], resolution: str, flow_nodes: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for item in path:
        if item[0] == "ask":
            _, question, options, chosen = item
            step: dict[str, Any] = {"step_type": "question", "content": {"question": question, "options": options}}
            if chosen in options:
                step["selected_option"] = chosen
            else:
                step.update(was_free_text=True, free_text_input=chosen)
            if flow_nodes and question in flow_nodes:
                step["flow_node_id"] = flow_nodes[question]
            steps.append(step)
        else:
            steps.append({"step_type": "action", "content": {"instructions": item[1]}, "action_result": "Done"})
    steps.append({"step_type": "resolution", "content": {"solution": resolution}})
    return steps


def _conversation(summary: str, steps: list[dict[str, Any]], engineer: str) -> list[dict[str, str]]:
    turns = [{"role": "user", "content": f"{summary}. {engineer} here, picking this up."}]
    for step in steps:
        content = step["content"]
        if step["step_type"] == "question":
            turns.append({"role": "assistant", "content": f"{content['question']} ({' / '.join(content['options'])})"})
            turns.append({"role": "user", "content": step.get("selected_option") or step.get("free_text_input", "")})
        elif step["step_type"] == "action":
            turns.append({"role": "assistant", "content": content["instructions"]})
        elif step["step_type"] == "resolution":
            turns.append({"role": "assistant", "content": f"Resolved: {content['solution']}"})
        else:
            turns.append({"role": "assistant", "content": f"Escalated: {content['reason']}"})
    return turns


def _session(
    data: ScenarioSet, key: str, n: int, summary: str, description: str, steps: list[dict], **fields: Any
) -> dict[str, Any]:
    engineer_name, engineer_email = data.ENGINEERS[n % len(data.ENGINEERS)]
    created = NOW - timedelta(days=3, minutes=-37 * n)
    ended = created + timedelta(minutes=25)
    status = fields.pop("status", "resolved")
    return {
        "id": _id(key, n),
        "account": ACCOUNT_SLUG,
        "engineer_email": engineer_email,
        "status": status,
        "confidence_tier": fields.pop("confidence_tier", "discovery"),
        "problem_summary": summary,
        "intake": _intake(data, n, summary, description),
        "conversation": _conversation(summary, steps, engineer_name),
        "resolution_summary": steps[-1]["content"].get("solution") if status == "resolved" else None,
        "created_at": created.isoformat(),
        "resolved_at": ended.isoformat() if status == "resolved" else None,
        "ended_at": ended.isoformat(),
        "steps": steps,
        **fields,
    }


def flow_branches(spec: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    """(branch name, free texts, resolutions) of every new answer sessions give at a flow's ``leave_at`` question."""
    main = (spec.get("branch", "new resolution"), spec["free_texts"], spec["resolutions"])
    extra = [(b["branch"], b["free_texts"], b["resolutions"]) for b in spec.get("extra_branches", [])]
    return [main, *extra]


def scenario_sessions(flow_ids: dict[str, uuid.UUID], data: ScenarioSet = ORIGINAL) -> list[tuple[str, dict[str, Any]]]:
    """(label, ingest record) for every scenario session; the label names the problem or branch it belongs to."""
    out: list[tuple[str, dict[str, Any]]] = []
    counter = itertools.count()
    for problem in data.NEW_PROBLEMS:
        for i, (summary, description) in enumerate(problem["writeups"]):
            path = problem["paths"][problem["path_of"][i]]
            steps = _steps(path, problem["resolutions"][i])
            record = _session(
                data, problem["key"], next(counter), summary, description, steps, problem_domain=problem["domain"]
            )
            out.append((f"new:{problem['key']}", record))
    for spec in data.FLOWS:
        question, options = spec["question"]
        for branch, free_texts, resolutions in flow_branches(spec):
            for free_text, resolution in zip(free_texts, resolutions, strict=True):
                path = [
                    ("ask", q, ["Yes", "No"] if a in ("Yes", "No") else [a, "Other"], a)
                    for q, a, _ in spec["path_before"]
                ]
                path.append(("ask", question, options, free_text))
                nodes = {q: node for q, _, node in spec["path_before"]} | {question: spec["leave_at"]}
                steps = _steps(path, resolution, nodes)
                record = _session(
                    data,
                    spec["name"],
                    next(counter),
                    f"{spec['name']}: {free_text}",
                    free_text,
                    steps,
                    problem_domain=spec["domain"],
                    confidence_tier="guided",
                    matched_flow_id=str(flow_ids[spec["name"]]),
                    match_score=0.75,
                )
                out.append((f"branch:{spec['name']}|{spec['leave_at']}|{branch}", record))
    for summary in data.UNMATCHED["summaries"]:
        steps = [{"step_type": "escalation", "content": {"reason": "Needs the platform team"}}]
        record = _session(data, data.UNMATCHED["key"], next(counter), summary, summary, steps, status="escalated")
        record["resolution_summary"] = None
        out.append((f"gap:{data.UNMATCHED['key']}", record))
    return out


def planted_pii(data: ScenarioSet = ORIGINAL) -> dict[str, list[str]]:
    """Every planted personal value, by kind."""
    return {
        "requester_name": [r[0] for r in data.REQUESTERS],
        "email": [r[1] for r in data.REQUESTERS],
        "phone": [r[2] for r in data.REQUESTERS],
        "company": [r[3] for r in data.REQUESTERS],
        "host": data.DEVICES,
        "serial": data.SERIALS,
        "engineer_name": [e[0] for e in data.ENGINEERS],
    }


def leaked_kinds(texts: list[str], data: ScenarioSet = ORIGINAL) -> dict[str, int]:
    """How often each planted kind appears (case-insensitive) in ``texts``; kinds that never appear are left out."""
    blob = "\n".join(texts).casefold()
    leaks = {kind: sum(blob.count(v.casefold()) for v in values) for kind, values in planted_pii(data).items()}
    return {kind: n for kind, n in leaks.items() if n}


def _tree_edges(tree: dict[str, Any], wordings: bool = True) -> set[tuple[str, str]]:
    """(question, option label) pairs of real branches: the placeholder for an unexplored option is not one. With
    ``wordings``, every wording the tree recorded for a question or an option counts too."""
    edges = set()
    for node, _parent, _depth in iter_nodes(tree):
        if node.get("type") != "question":
            continue
        questions = [node_text(node), *(node.get(WORDINGS_KEY) or [] if wordings else [])]
        for child in node.get("children") or []:
            if child.get("type") == "solution" and "not explored" in node_text(child).casefold():
                continue
            labels = [child.get("label"), *(child.get(LABEL_WORDINGS_KEY) or [] if wordings else [])]
            edges.update((normalize_label(q), normalize_label(a)) for q in questions for a in labels)
    return edges


def _session_edges(record: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (normalize_label(s["content"]["question"]), normalize_label(s.get("selected_option")))
        for s in record["steps"]
        if s["step_type"] == "question" and s.get("selected_option")
    }


_JUDGE = LocalEmbedder()


def _alike(a: str, b: str, yes_no: bool = False) -> bool:
    """The judge of the paraphrase-aware path recall, independent of the flywheel's own matching (which uses the
    TF-IDF terms): the same normalised text, the same leading yes/no, or the local n-gram embedder's cosine at its
    calibrated threshold."""
    if a == b:
        return True
    if yes_no and a.split(" ")[:1] == b.split(" ")[:1] and a.split(" ")[0] in ("yes", "no"):
        return True
    vectors = _JUDGE.embed([a, b])
    return float(vectors[0] @ vectors[1]) >= _JUDGE.threshold


def _covered(edge: tuple[str, str], tree_edges: set[tuple[str, str]]) -> bool:
    question, answer = edge
    return any(_alike(question, q) and _alike(answer, a, yes_no=True) for q, a in tree_edges)


def measure(
    db: Session, account_id: uuid.UUID, labelled: list[tuple[str, dict[str, Any]]], data: ScenarioSet = ORIGINAL
) -> dict[str, Any]:
    """The quality figures of one analysed scenario run."""
    label_of = {uuid.UUID(r["id"]): label for label, r in labelled}
    record_of = {uuid.UUID(r["id"]): r for _, r in labelled}
    everything = list(db.scalars(select(FlowProposal).where(FlowProposal.account_id == account_id)))
    # A proposal joined into another keeps its row (status "merged"); its sessions are counted where they went.
    proposals = [p for p in everything if p.status != "merged"]
    home: dict[uuid.UUID, uuid.UUID] = {}
    for proposal in proposals:
        for sid in proposal.supporting_session_ids or []:
            home[uuid.UUID(str(sid))] = proposal.id
    new_ids = [sid for sid, label in label_of.items() if label.startswith("new:")]
    tp, fp, fn = pair_counts({sid: label_of[sid] for sid in new_ids}, home)
    recalls, text_recalls, meaning_recalls = [], [], []
    for proposal in proposals:
        tree = (proposal.proposed_flow_data or {}).get("tree_structure")
        if proposal.proposal_type != "new_flow" or not tree:
            continue
        edges, text_edges = _tree_edges(tree), _tree_edges(tree, wordings=False)
        for sid in proposal.supporting_session_ids or []:
            wanted = _session_edges(record_of.get(uuid.UUID(str(sid)), {"steps": []}))
            if wanted:
                recalls.append(len(wanted & edges) / len(wanted))
                text_recalls.append(len(wanted & text_edges) / len(wanted))
                meaning_recalls.append(sum(_covered(edge, text_edges) for edge in wanted) / len(wanted))
    branches: dict[str, set[uuid.UUID]] = defaultdict(set)
    branches_of: dict[uuid.UUID, set[str]] = defaultdict(set)
    for sid, label in label_of.items():
        if label.startswith("branch:") and sid in home:
            branches[label].add(home[sid])
            branches_of[home[sid]].add(label)
    texts = []
    for p in proposals:
        texts += [
            p.title or "",
            p.description or "",
            # Unescaped: "Brandstätter" written as "Brandst\\u00e4tter" would never be found.
            json.dumps(p.proposed_flow_data or {}, ensure_ascii=False),
            json.dumps(p.proposed_diff or {}, ensure_ascii=False),
        ]
    sessions = db.scalars(select(AISession).where(AISession.account_id == account_id))
    outcomes: dict[str, int] = defaultdict(int)
    for s in sessions:
        outcomes[s.analysis_outcome or s.analysis_status] += 1
    return {
        "proposals_by_type": dict(sorted(Counter(p.proposal_type for p in proposals).items())),
        "proposals_joined_later": len(everything) - len(proposals),
        "session_outcomes": dict(sorted(outcomes.items())),
        "dedup_precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "dedup_recall": round(tp / (tp + fn), 3) if tp + fn else None,
        # A merged session's (question, answer) steps found in its proposal's tree, word for word, in a node's text
        # or among the wordings the tree recorded for it.
        "merged_path_recall": round(sum(recalls) / len(recalls), 3) if recalls else None,
        # The same against the nodes' own texts only (what a reader of the tree sees first).
        "merged_path_recall_node_text": round(sum(text_recalls) / len(text_recalls), 3) if text_recalls else None,
        # Node texts only, with a step counted when the tree asks it in other words (see _alike).
        "merged_path_recall_paraphrase_aware": (
            round(sum(meaning_recalls) / len(meaning_recalls), 3) if meaning_recalls else None
        ),
        "enhancements_per_branch": (
            round(sum(len(v) for v in branches.values()) / len(branches), 2) if branches else None
        ),
        "enhancements_mixing_branches": sum(len(labels) > 1 for labels in branches_of.values()),
        "pii_leaked": leaked_kinds(texts, data),
        # Proposals whose tree (new flow) or proposed flow (enhancement) the one validator refuses.
        "invalid_trees": sum(
            bool(validate_tree((p.proposed_flow_data or {}).get("tree_structure"))) for p in proposals
        ),
    }


def run(engine: Engine, analyse: Callable[[Engine], Any], data: ScenarioSet = ORIGINAL) -> dict[str, Any]:
    """Load the scenarios into an empty migrated database, analyse them with ``analyse(engine)``, measure."""
    from core.db import session_scope
    from core.sessions.ingest import ingest_lines

    with session_scope(engine) as db:
        account, flows = setup_account(db, data)
        account_id = account.id
        labelled = scenario_sessions({name: tree.id for name, tree in flows.items()}, data)
        report = ingest_lines(db, [json.dumps(record) for _, record in labelled])
    if report.errors:
        raise RuntimeError(f"scenario lines were refused: {report.errors[:3]}")
    analyse(engine)
    with session_scope(engine) as db:
        return measure(db, account_id, labelled, data)


class ModelStandIn:
    """A local server speaking the Messages API that answers every flywheel request with a valid tool call (a small
    flow, or a one-solution branch with fresh node ids), so the model path's calls and request bodies can be counted
    without a network. Its answers carry no knowledge: the figures it gives are calls and leaks, not quality."""

    def __init__(self) -> None:
        from tests.fake_anthropic import FakeAnthropic, Reply, message

        self._ids = itertools.count(1)

        def answer(request: Any) -> Any:
            tool = ((request.json or {}).get("tool_choice") or {}).get("name", "")
            n = next(self._ids)
            if tool == "submit_branch":
                node = {"id": f"stand_in_{n}", "type": "solution", "solution": "Apply the fix the sessions found."}
                tool_input: dict[str, Any] = {
                    "title": f"Branch {n}",
                    "description": "From the sessions.",
                    "branch": node,
                }
            else:
                tree = question_tree(
                    "Does the problem happen for every user?",
                    {"Yes": "Fix it for the whole tenant.", "No": "Fix it on the one device."},
                )
                tool_input = {
                    "title": f"Flow {n}",
                    "description": "From the sessions.",
                    "match_keywords": ["fix"],
                    "tree_structure": tree,
                }
            block = {"type": "tool_use", "id": f"toolu_{n}", "name": tool, "input": tool_input}
            return Reply(200, message([block], stop_reason="tool_use"))

        self.server = FakeAnthropic(default=answer)

    def close(self) -> None:
        self.server.close()


def model_figures(db: Session, account_id: uuid.UUID, server: Any, data: ScenarioSet) -> dict[str, Any]:
    """Model calls per novel problem and per new branch (from each proposal's ``model_calls``), requests sent, and
    the planted personal values found in any request body."""
    proposals = list(db.scalars(select(FlowProposal).where(FlowProposal.account_id == account_id)))
    new_flow_calls = sum(p.model_calls or 0 for p in proposals if p.proposal_type == "new_flow")
    branch_calls = sum(p.model_calls or 0 for p in proposals if p.proposal_type == "enhancement")
    branches = sum(1 + len(spec.get("extra_branches", [])) for spec in data.FLOWS)
    bodies = [json.dumps(r.json, ensure_ascii=False) for r in server.messages]
    return {
        "model_requests": len(bodies),
        "model_calls_per_novel_problem": round(new_flow_calls / len(data.NEW_PROBLEMS), 2),
        "model_calls_per_new_branch": round(branch_calls / branches, 2),
        "pii_leaked_to_model": leaked_kinds(bodies, data),
    }


def measure_set(name: str, *, model: bool = False, database_url: str | None = None) -> dict[str, Any]:
    """The figures of scenario set ``name`` on a fresh SQLite file (or the database at ``database_url``), offline, or
    with ``model`` on the model path against a local stand-in for the Messages API (its calls and leaks added)."""
    import tempfile

    from core.config import Settings
    from core.db import make_engine, session_scope, upgrade
    from core.flywheel.plan import build_providers
    from core.flywheel.runner import drain

    data = load_set(name)
    url = database_url or f"sqlite:///{tempfile.mkdtemp()}/scenarios.db"
    engine = make_engine(url)
    upgrade(engine)
    stand_in = ModelStandIn() if model else None
    # The settings are the scenario's own, not the environment's: offline unless the stand-in answers.
    settings = Settings()
    if stand_in is not None:
        settings = Settings.from_env({"anthropic_api_key": "stand-in", "anthropic_base_url": stand_in.server.url})

    def analyse(engine: Engine) -> None:
        drain(engine, build_providers(settings), clock=lambda: NOW, worker_id="scenarios")

    try:
        figures = run(engine, analyse, data)
        if stand_in is not None:
            with session_scope(engine) as db:
                account_id = db.scalar(select(Account.id).where(Account.slug == ACCOUNT_SLUG))
                figures |= model_figures(db, account_id, stand_in.server, data)
    finally:
        if stand_in is not None:
            stand_in.close()
        engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.scenarios [--set original|heldout|fresh|unseen|blind|sealed|veiled|covert|hidden]
    [--model] [--database-url URL]``: a fresh SQLite file unless a URL is given; the original set unless ``--set`` names
    another; ``--model`` runs the model path against a local stand-in for the Messages API and adds its calls and
    leaks."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--set", choices=SETS, default="original", help="which scenario data to measure")
    parser.add_argument("--model", action="store_true", help="the model path, against a local Messages API stand-in")
    args = parser.parse_args(argv)
    print(json.dumps(measure_set(args.set, model=args.model, database_url=args.database_url), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
