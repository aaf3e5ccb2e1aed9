"""The flow tree format (docs/ARCHITECTURE.md, "The tree format"): validate, walk, diff, and lay out as a graph.

A troubleshooting tree is nested nodes ``{id, type, question|action|solution, label, children}``. Every node but
the root has a ``label``: the option text that leads to it. One validator serves every place a tree is created
or published; its messages name the node id and the rule broken.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

NODE_TYPES = ("question", "action", "solution")
MAX_DEPTH = 25
MAX_NODES = 500
MAX_TEXT_LENGTH = 2000
MAX_LABEL_LENGTH = 200
MAX_ID_LENGTH = 120
QUESTION_CHILDREN = (2, 5)
# Optional on any node: how many supporting sessions of a proposal took the branch to it (a whole number >= 0).
SUPPORT_KEY = "support"
# Optional on any node: the other words supporting sessions used for the node's own text ("Can other programs use
# the microphone?" beside "Does the microphone work outside Teams?") and for the option leading to it ("Laptop
# microphone array" beside "Built-in laptop mic"). A reviewer sees them; the flywheel matches the next session on
# them too.
WORDINGS_KEY = "wordings"
LABEL_WORDINGS_KEY = "label_wordings"
MAX_WORDINGS = 8
# Every key a node may hold; anything else (a model's stray field, a megabyte of notes) is refused, not stored.
NODE_KEYS = frozenset(
    {
        "id",
        "type",
        "label",
        "children",
        SUPPORT_KEY,
        WORDINGS_KEY,
        LABEL_WORDINGS_KEY,
        "script_template_id",
        *NODE_TYPES,
    }
)


class InvalidTree(ValueError):
    """A tree broke one or more rules; ``errors`` lists one message per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def normalize_label(text: str | None) -> str:
    """Case- and space-insensitive form of an option label or question text."""
    return re.sub(r"\s+", " ", (text or "").strip()).casefold()


def is_procedural(tree: dict[str, Any]) -> bool:
    """A procedural flow (``{"steps": [...]}``) rather than a troubleshooting tree (nested nodes)."""
    return "steps" in tree and "type" not in tree


def node_text(node: dict[str, Any]) -> str:
    """The node's own text: its question, action or solution."""
    kind = node.get("type")
    value = node.get(kind) if kind in NODE_TYPES else None
    return value if isinstance(value, str) else ""


def validate_tree(tree: Any) -> list[str]:
    """Every rule broken by ``tree``, as messages naming the node; an empty list means valid.

    Troubleshooting trees are nested nodes; procedural flows are ``{"steps": [{id, action}, ...]}``.
    """
    if not isinstance(tree, dict):
        return ["tree: must be a JSON object"]
    if is_procedural(tree):
        return _validate_procedural(tree)
    errors: list[str] = []
    seen_ids: set[str] = set()
    count = 0

    def visit(node: Any, path: str, depth: int, is_root: bool) -> None:
        nonlocal count
        if not isinstance(node, dict):
            errors.append(f"{path}: node must be a JSON object")
            return
        count += 1
        where = _check_id(node.get("id"), "node", path, seen_ids, errors, max_length=MAX_ID_LENGTH)
        kind = node.get("type")
        if kind not in NODE_TYPES:
            errors.append(f"{where}: type must be one of question, action, solution (got {kind!r})")
        else:
            text = node.get(kind)
            if not isinstance(text, str) or not text.strip():
                errors.append(f"{where}: {kind} text is empty")
            elif len(text) > MAX_TEXT_LENGTH:
                errors.append(f"{where}: {kind} text is longer than {MAX_TEXT_LENGTH} characters")
        label = node.get("label")
        if not is_root:
            if not isinstance(label, str) or not label.strip():
                errors.append(f"{where}: label (the option that leads here) is empty")
            elif len(label) > MAX_LABEL_LENGTH:
                errors.append(f"{where}: label is longer than {MAX_LABEL_LENGTH} characters")
        if depth > MAX_DEPTH:
            errors.append(f"{where}: deeper than {MAX_DEPTH} levels")
            return
        children = node.get("children", [])
        if children is None:
            children = []
        if not isinstance(children, list):
            errors.append(f"{where}: children must be a list")
            return
        low, high = QUESTION_CHILDREN
        if kind == "question" and not low <= len(children) <= high:
            errors.append(f"{where}: a question needs {low}–{high} options, it has {len(children)}")
        elif kind == "action" and len(children) > 1:
            errors.append(f"{where}: an action has at most 1 next step, it has {len(children)}")
        elif kind == "solution" and children:
            errors.append(f"{where}: a solution ends the flow and has no children, it has {len(children)}")
        unknown = sorted(str(key) for key in node if key not in NODE_KEYS)
        if unknown:
            shown = ", ".join(repr(key[:40]) for key in unknown[:5]) + (" …" if len(unknown) > 5 else "")
            errors.append(f"{where}: unknown key {shown} (a node holds only {', '.join(sorted(NODE_KEYS))})")
        support = node.get(SUPPORT_KEY)
        if support is not None and (isinstance(support, bool) or not isinstance(support, int) or support < 0):
            errors.append(f"{where}: {SUPPORT_KEY} (sessions that took this branch) must be a whole number ≥ 0")
        for key, longest in ((WORDINGS_KEY, MAX_TEXT_LENGTH), (LABEL_WORDINGS_KEY, MAX_LABEL_LENGTH)):
            error = _wordings_error(node.get(key), longest)
            if error:
                errors.append(f"{where}: {key} {error}")
        template_id = node.get("script_template_id")
        if template_id not in (None, "") and (not isinstance(template_id, str) or len(template_id) > MAX_ID_LENGTH):
            errors.append(f"{where}: script_template_id must be a string of at most {MAX_ID_LENGTH} characters")
        labels: set[str] = set()
        for index, child in enumerate(children):
            if isinstance(child, dict) and isinstance(child.get("label"), str) and child["label"].strip():
                key = normalize_label(child["label"])
                if key in labels:
                    errors.append(f"{where}: option label '{child['label'].strip()}' is used twice")
                labels.add(key)
            visit(child, f"{where} > option {index + 1}", depth + 1, False)

    visit(tree, "root", 1, True)
    if count > MAX_NODES:
        errors.append(f"tree: has {count} nodes, more than the {MAX_NODES} allowed")
    return errors


def _wordings_error(wordings: Any, longest: int) -> str | None:
    """Why ``wordings`` (absent, or a list of other wordings) breaks the rules, or None."""
    if wordings is None:
        return None
    if not isinstance(wordings, list) or len(wordings) > MAX_WORDINGS:
        return f"must be a list of at most {MAX_WORDINGS} texts"
    if any(not isinstance(w, str) or not w.strip() or len(w) > longest for w in wordings):
        return f"must hold non-empty texts of at most {longest} characters"
    return None


def _check_id(
    value: Any, kind: str, position: str, seen: set[str], errors: list[str], *, max_length: int | None = None
) -> str:
    """Check the id of a node or step (present, short enough, unique), record it in ``seen``, and return how the
    messages name the node: ``kind 'id'``, or its ``position`` when it has no id."""
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{position}: missing id")
        return position
    where = f"{kind} '{value}'"
    if max_length is not None and len(value) > max_length:
        errors.append(f"{where}: id is longer than {max_length} characters")
    elif value in seen:
        errors.append(f"{where}: duplicate id")
    else:
        seen.add(value)
    return where


def _validate_procedural(tree: dict[str, Any]) -> list[str]:
    steps = tree.get("steps")
    if not isinstance(steps, list) or not steps:
        return ["procedure: steps must be a non-empty list"]
    errors: list[str] = []
    seen: set[str] = set()
    for index, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            errors.append(f"step {index}: must be a JSON object")
            continue
        where = _check_id(step.get("id"), "step", f"step {index}", seen, errors)
        action = step.get("action")
        if not isinstance(action, str) or not action.strip():
            errors.append(f"{where}: action text is empty")
    if len(steps) > MAX_NODES:
        errors.append(f"procedure: has {len(steps)} steps, more than the {MAX_NODES} allowed")
    return errors


def question_tree(question: str, solutions: dict[str, str]) -> dict[str, Any]:
    """The smallest troubleshooting tree: one question (id ``q1``) whose options each end in a solution.

    ``solutions`` maps each option's label to its solution text, in order; the solutions get ids ``s1``, ``s2``, ….
    The flow editor starts a new flow from one; nothing is validated here, so a test can build a broken one.
    """
    children = [
        {"id": f"s{n}", "label": label, "type": "solution", "solution": solution}
        for n, (label, solution) in enumerate(solutions.items(), start=1)
    ]
    return {"id": "q1", "type": "question", "question": question, "children": children}


def ensure_valid(tree: Any) -> None:
    """Raise :class:`InvalidTree` with every message when ``tree`` breaks a rule."""
    errors = validate_tree(tree)
    if errors:
        raise InvalidTree(errors)


# --- walking -----------------------------------------------------------------------------------------------


def iter_nodes(tree: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, int]]:
    """Depth-first (node, parent, depth) over a troubleshooting tree; the root has depth 0."""
    stack: list[tuple[dict[str, Any], dict[str, Any] | None, int]] = [(tree, None, 0)]
    while stack:
        node, parent, depth = stack.pop()
        yield node, parent, depth
        children = node.get("children") or []
        for child in reversed(children):
            if isinstance(child, dict):
                stack.append((child, node, depth + 1))


def find_node(tree: dict[str, Any], node_id: str) -> dict[str, Any] | None:
    for node, _parent, _depth in iter_nodes(tree):
        if node.get("id") == node_id:
            return node
    return None


def parent_map(tree: dict[str, Any]) -> dict[str, str | None]:
    """node id -> parent id (None for the root)."""
    return {node["id"]: (parent["id"] if parent else None) for node, parent, _ in iter_nodes(tree)}


def child_by_label(node: dict[str, Any], label: str) -> dict[str, Any] | None:
    """The child reached by option ``label`` (case/space-insensitive), else None."""
    key = normalize_label(label)
    for child in node.get("children") or []:
        if normalize_label(child.get("label")) == key:
            return child
    return None


@dataclass
class WalkResult:
    """Where a walk by option labels ended: ``path`` of visited nodes, and the first label that did not fit."""

    path: list[dict[str, Any]] = field(default_factory=list)
    diverged_at: dict[str, Any] | None = None
    unmatched_label: str | None = None

    @property
    def node(self) -> dict[str, Any]:
        return self.path[-1]

    @property
    def completed(self) -> bool:
        return self.diverged_at is None

    @property
    def reached_solution(self) -> bool:
        return self.completed and self.node.get("type") == "solution"


def walk(tree: dict[str, Any], labels: list[str]) -> WalkResult:
    """Follow option ``labels`` from the root; an action node passes to its single child on any label."""
    result = WalkResult(path=[tree])
    node = tree
    for label in labels:
        child = child_by_label(node, label)
        if child is None and node.get("type") == "action" and len(node.get("children") or []) == 1:
            child = node["children"][0]
        if child is None:
            result.diverged_at = node
            result.unmatched_label = label
            return result
        node = child
        result.path.append(node)
    return result


def leaves(tree: dict[str, Any]) -> list[dict[str, Any]]:
    return [node for node, _p, _d in iter_nodes(tree) if not node.get("children")]


# --- diff --------------------------------------------------------------------------------------------------


def _describe(node: dict[str, Any]) -> str:
    return node_text(node) or node.get("id", "?")


def diff_trees(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Structural diff by node id: added / changed / removed nodes with their parent, plus a readable line each.

    An added subtree is reported once, at its top node ("Added branch 'X' under 'Q'"); its descendants are listed
    in ``added`` too (so a graph can colour them) but get no line of their own.
    """
    old = {n["id"]: (n, p) for n, p, _ in iter_nodes(before)}
    new = {n["id"]: (n, p) for n, p, _ in iter_nodes(after)}
    added, changed, removed, lines = [], [], [], []
    for node_id, (node, parent) in new.items():
        parent_id = parent["id"] if parent else None
        if node_id not in old:
            added.append({"id": node_id, "parent": parent_id, "type": node.get("type"), "label": node.get("label")})
            if parent_id in old or parent is None:
                what = node.get("label") or _describe(node)
                where = _describe(parent) if parent else "the root"
                lines.append(f"Added branch '{what}' under '{where}'")
            continue
        before_node, before_parent = old[node_id]
        fields_changed = [
            key
            for key in ("type", "question", "action", "solution", "label", "script_template_id")
            if before_node.get(key) != node.get(key)
        ]
        before_parent_id = before_parent["id"] if before_parent else None
        if before_parent_id != parent_id:
            fields_changed.append("parent")
        if fields_changed:
            changed.append({"id": node_id, "parent": parent_id, "fields": fields_changed})
            lines.append(f"Changed {', '.join(fields_changed)} of '{_describe(node)}'")
    for node_id, (node, parent) in old.items():
        if node_id not in new:
            parent_id = parent["id"] if parent else None
            removed.append({"id": node_id, "parent": parent_id, "type": node.get("type"), "label": node.get("label")})
            if parent_id in new or parent is None:
                lines.append(
                    f"Removed branch '{node.get('label') or _describe(node)}' under '{_describe(parent or {})}'"
                )
    return {"added": added, "changed": changed, "removed": removed, "summary": lines}


def add_branch(tree: dict[str, Any], parent_id: str, branch: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``tree`` with ``branch`` appended under node ``parent_id`` (the tree itself is not changed)."""
    result = copy.deepcopy(tree)
    parent = find_node(result, parent_id)
    if parent is None:
        raise InvalidTree([f"node '{parent_id}': not found in the tree"])
    parent.setdefault("children", []).append(copy.deepcopy(branch))
    return result


# --- graph -------------------------------------------------------------------------------------------------

NODE_COLOURS = {"question": "#4C78A8", "action": "#F58518", "solution": "#54A24B"}


@dataclass(frozen=True)
class GraphNode:
    id: str
    kind: str
    title: str
    full_text: str
    depth: int
    support: int | None = None  # sessions that took the branch to this node, when the tree counts them
    wordings: tuple[str, ...] = ()  # other words sessions used for the node's text
    label_wordings: tuple[str, ...] = ()  # ... and for the option leading to it


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    label: str


def to_graph(tree: dict[str, Any], short: int = 48) -> tuple[list[GraphNode], list[GraphEdge]]:
    """Nodes and labelled edges for drawing (the UI maps them onto its graph widget).

    A node that counts its supporting sessions shows the count on the edge leading to it ("No ×3"), so a reviewer
    sees which branches many sessions took and which one only.
    """
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    if is_procedural(tree):
        previous = None
        for depth, step in enumerate(tree.get("steps") or []):
            text = str(step.get("action", ""))
            nodes.append(GraphNode(step["id"], "action", _shorten(text, short), text, depth))
            if previous:
                edges.append(GraphEdge(previous, step["id"], "next"))
            previous = step["id"]
        return nodes, edges
    for node, parent, depth in iter_nodes(tree):
        text = node_text(node)
        support = node.get(SUPPORT_KEY)
        support = support if isinstance(support, int) and not isinstance(support, bool) else None
        nodes.append(
            GraphNode(
                str(node.get("id")),
                str(node.get("type")),
                _shorten(text, short),
                text,
                depth,
                support,
                _strings(node.get(WORDINGS_KEY)),
                _strings(node.get(LABEL_WORDINGS_KEY)),
            )
        )
        if parent is not None:
            label = str(node.get("label", ""))
            if support is not None:
                label = f"{label} ×{support}"
            edges.append(GraphEdge(str(parent.get("id")), str(node.get("id")), label))
    return nodes, edges


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
