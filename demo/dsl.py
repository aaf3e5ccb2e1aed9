"""A compact way to write demo flows: nested Q/A/S calls become valid ``tree_structure`` dicts.

Besides the published tree, a flow in the catalogue carries what the session simulator needs: the intakes that
lead engineers to it and the *escapes* (answers engineers typed that the flow does not offer, with what they did
next). Escapes live beside the tree, keyed by question node id, and never reach the stored structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.trees import iter_nodes, validate_tree


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


def Q(text: str, *options: tuple[str, dict[str, Any]], escapes: tuple[Escape, ...] = (), weak: bool = False):
    """A question; each option is ``(label, node)``."""
    node: dict[str, Any] = {"type": "question", "question": text, "children": []}
    for label, child in options:
        node["children"].append({**child, "label": label})
    if escapes:
        node["_escapes"] = list(escapes)
    if weak:
        node["_weak"] = True
    return node


def A(text: str, then: tuple[str, dict[str, Any]] | None = None, script: str | None = None) -> dict[str, Any]:
    """An action; ``then`` is ``(result label, next node)``."""
    node: dict[str, Any] = {"type": "action", "action": text, "children": []}
    if then is not None:
        label, child = then
        node["children"].append({**child, "label": label})
    if script:
        node["_script"] = script
    return node


def S(text: str) -> dict[str, Any]:
    return {"type": "solution", "solution": text}


def E(answer: str, actions: list[str] | tuple[str, ...], resolution: str, free_text: bool = True) -> Escape:
    return Escape(answer, tuple(actions), resolution, free_text)


def flow(
    key: str,
    name: str,
    domain: str,
    description: str,
    keywords: list[str],
    intakes: list[tuple[str, str]],
    tree: dict[str, Any],
    weight: float = 1.0,
) -> Flow:
    """Number the nodes (q1, a1, s1 … in depth-first order), lift escapes out, and check the tree is valid."""
    tree, escapes, weak_node = number_nodes(tree)
    errors = validate_tree(tree)
    if errors:
        raise ValueError(f"demo flow {key!r} is invalid: {errors}")
    return Flow(key, name, domain, description, keywords, intakes, tree, escapes, weak_node, weight)


def number_nodes(tree: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Escape]], str | None]:
    """Give every node an id (q1, a1, s1 … depth-first) and return the tree, its escapes and its weak question."""
    counters = {"question": 0, "action": 0, "solution": 0}
    escapes: dict[str, list[Escape]] = {}
    weak_node = None
    for node, _parent, _depth in iter_nodes(tree):
        kind = node["type"]
        counters[kind] += 1
        node["id"] = f"{kind[0]}{counters[kind]}"
        if "_escapes" in node:
            escapes[node["id"]] = node.pop("_escapes")
        if node.pop("_weak", False):
            weak_node = node["id"]
        node.pop("_script", None)
        if not node.get("children"):
            node.pop("children", None)
    # Keys in a readable order: id, label, type, text, children.
    return _ordered(tree), escapes, weak_node


def _ordered(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node["id"]}
    if "label" in node:
        out["label"] = node["label"]
    out["type"] = node["type"]
    out[node["type"]] = node[node["type"]]
    if node.get("children"):
        out["children"] = [_ordered(child) for child in node["children"]]
    return out


def add_escapes(flow_: Flow, node_id: str, *escapes: Escape) -> None:
    """Attach escapes to a question of an already numbered flow."""
    node = next((n for n, _p, _d in iter_nodes(flow_.tree) if n["id"] == node_id), None)
    if node is None or node["type"] != "question":
        raise ValueError(f"demo flow {flow_.key!r}: {node_id!r} is not a question")
    flow_.escapes[node_id] = list(escapes)
