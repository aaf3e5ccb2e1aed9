"""The demo's flow catalogue, read from the data files in ``demo/data`` (their format: ``demo/data/README.md``).

Besides the published tree, a flow of the catalogue carries what the session simulator needs: the intakes that
lead engineers to it, the *escapes* (answers engineers typed that the flow does not offer, with what they did
next) keyed by question id, and the one question whose options are weak. None of that reaches the stored tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.trees import validate_tree

DATA = Path(__file__).parent / "data"
HISTORIES = ("enhanced", "generated")

_FLOW_KEYS = {"key", "name", "domain", "description", "keywords", "intakes", "weight", "history", "tree"}
_FLOW_REQUIRED = _FLOW_KEYS - {"weight", "history"}
_NODE_KEYS = {"label", "type", "question", "action", "solution", "children", "script", "weak", "escapes"}
_ESCAPE_KEYS = {"answer", "actions", "resolution", "free_text"}
_INTAKE_KEYS = {"subject", "description"}


@dataclass(frozen=True)
class Escape:
    """An answer outside the flow's options at one question, and how the session went on from there."""

    answer: str
    actions: tuple[str, ...]
    resolution: str
    free_text: bool = True


@dataclass
class Flow:
    key: str
    name: str
    domain: str
    description: str
    keywords: list[str]
    intakes: list[tuple[str, str]]
    tree: dict[str, Any]
    escapes: dict[str, list[Escape]] = field(default_factory=dict)
    # The question whose options are weak: engineers answer it in free text most of the time.
    weak_node: str | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class Catalogue:
    """The flows in file order (file names sorted), the keys of the flows with a history, and the procedures."""

    flows: list[Flow]
    # Flows whose version 2 came from an approved enhancement; version 1 lacked the last option of their first
    # question with three options or more.
    enhanced: tuple[str, ...]
    # Flows the flywheel generated from discovery sessions that matched nothing.
    generated: tuple[str, ...]
    procedures: list[dict[str, Any]]


def load_catalogue(folder: Path = DATA) -> Catalogue:
    """Read ``flows/*.json`` and ``procedures.json`` under ``folder``; raises ``ValueError`` naming a bad entry.

    The order of the flows is part of the demo's seed: the same files give the same workspace.
    """
    flows: list[Flow] = []
    history: dict[str, str] = {}
    for path in sorted((folder / "flows").glob("*.json")):
        for data in json.loads(path.read_text(encoding="utf-8")):
            flow = read_flow(data, path.name)
            if any(f.key == flow.key for f in flows):
                raise ValueError(f"{path.name}: flow {flow.key!r} is in the catalogue twice")
            flows.append(flow)
            if "history" in data:
                history[flow.key] = data["history"]
    procedures = json.loads((folder / "procedures.json").read_text(encoding="utf-8"))
    return Catalogue(
        flows,
        tuple(k for k, h in history.items() if h == "enhanced"),
        tuple(k for k, h in history.items() if h == "generated"),
        procedures,
    )


def read_flow(data: dict[str, Any], source: str = "flow") -> Flow:
    """A flow from its file entry: nodes numbered q1, a1, s1 … depth-first, markers lifted out, tree validated."""
    where = f"{source}: flow {data.get('key')!r}"
    _check_keys(data, _FLOW_KEYS, _FLOW_REQUIRED, where)
    if "history" in data and data["history"] not in HISTORIES:
        raise ValueError(f"{where}: history must be one of {HISTORIES}, not {data['history']!r}")
    escapes: dict[str, list[Escape]] = {}
    weak: list[str] = []
    tree = _number(data["tree"], {"question": 0, "action": 0, "solution": 0}, escapes, weak, where)
    if len(weak) > 1:
        raise ValueError(f"{where}: one weak question at most, not {weak}")
    errors = validate_tree(tree)
    if errors:
        raise ValueError(f"{where} is invalid: {errors}")
    intakes = []
    for intake in data["intakes"]:
        _check_keys(intake, _INTAKE_KEYS, _INTAKE_KEYS, f"{where}: intake")
        intakes.append((intake["subject"], intake["description"]))
    return Flow(
        data["key"],
        data["name"],
        data["domain"],
        data["description"],
        list(data["keywords"]),
        intakes,
        tree,
        escapes,
        weak[0] if weak else None,
        data.get("weight", 1.0),
    )


def _number(
    node: dict[str, Any], counters: dict[str, int], escapes: dict[str, list[Escape]], weak: list[str], where: str
) -> dict[str, Any]:
    """The stored form of ``node`` and its subtree: keys id, label, type, text, children; markers collected."""
    kind = node.get("type")
    if kind not in counters:
        raise ValueError(f"{where}: a node's type must be one of {sorted(counters)}, not {kind!r}")
    counters[kind] += 1
    node_id = f"{kind[0]}{counters[kind]}"
    _check_keys(node, _NODE_KEYS, {"type", kind}, f"{where}: node {node_id}")
    for marker, allowed in (("escapes", "question"), ("weak", "question"), ("script", "action")):
        if marker in node and kind != allowed:
            raise ValueError(f"{where}: node {node_id}: {marker!r} is for {allowed} nodes only")
    out: dict[str, Any] = {"id": node_id}
    if "label" in node:
        out["label"] = node["label"]
    out["type"] = kind
    out[kind] = node[kind]
    if "escapes" in node:
        escapes[node_id] = [_escape(e, f"{where}: node {node_id}: escape") for e in node["escapes"]]
    if node.get("weak"):
        weak.append(node_id)
    children = [_number(child, counters, escapes, weak, where) for child in node.get("children") or []]
    if children:
        out["children"] = children
    return out


def _escape(data: dict[str, Any], where: str) -> Escape:
    _check_keys(data, _ESCAPE_KEYS, _ESCAPE_KEYS - {"free_text"}, where)
    return Escape(data["answer"], tuple(data["actions"]), data["resolution"], data.get("free_text", True))


def _check_keys(data: dict[str, Any], allowed: set[str], required: set[str], where: str) -> None:
    problems = []
    if unknown := sorted(set(data) - allowed):
        problems.append(f"unknown keys {unknown}")
    if missing := sorted(required - set(data)):
        problems.append(f"missing keys {missing}")
    if problems:
        raise ValueError(f"{where}: {', '.join(problems)}")
