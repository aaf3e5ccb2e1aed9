"""The flow editor widget: edit node texts, add/remove options, change node types, JSON view, live validation
and a live graph preview. It only edits a working copy in session state; the page decides what publishing does.

How other pages open it (then ``st.switch_page("views/flows.py")``):

* ``st.session_state["flows_editor_proposal_id"] = "<proposal id>"`` — Edit & Publish from the Review Queue: the
  editor opens with the proposal's tree; publishing calls ``core.review.decisions.modify`` (the proposal becomes
  ``modified``) and returns to the Review Queue.
* ``st.session_state["flows_editor_seed"] = {"title", "description", "problem_domain", "match_keywords",
  "tree_structure"}`` — "Create flow" from a knowledge gap: the editor opens with that skeleton; publishing
  creates a manual flow (``core.review.flows.create_flow``).

The flows page reads (and removes) those keys once, then keeps the working copy under ``flows_editor_*`` keys.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.trees import NODE_TYPES, is_procedural, iter_nodes, node_text, validate_tree
from ui.graph import draw_tree
from ui.labels import human

TREE = "flows_editor_tree"
CONTEXT = "flows_editor_context"
REV = "flows_editor_rev"
NODE = "flows_editor_node"
JSON_ERROR = "flows_editor_json_error"
NEW_OPTION = {"type": "solution", "solution": "Describe what fixes it."}
DOMAIN = "flows_editor_domain"
NEW_DOMAIN_TEXT = "flows_editor_domain_new"
NO_DOMAIN = ""
NEW_DOMAIN = "New domain…"


@dataclass(frozen=True)
class EditorResult:
    tree: dict[str, Any]
    title: str
    description: str
    problem_domain: str
    match_keywords: list[str]
    errors: list[str]

    @property
    def valid(self) -> bool:
        return not self.errors


def open_editor(tree: dict[str, Any], meta: dict[str, Any], context: dict[str, Any]) -> None:
    """Start editing a copy of ``tree``; ``context`` tells the page what publishing means."""
    st.session_state[TREE] = copy.deepcopy(tree)
    st.session_state[CONTEXT] = dict(context)
    st.session_state[REV] = st.session_state.get(REV, 0) + 1
    st.session_state[NODE] = tree.get("id") if isinstance(tree, dict) else None
    st.session_state.pop(JSON_ERROR, None)
    st.session_state["flows_editor_title"] = str(meta.get("title") or "")
    st.session_state["flows_editor_description"] = str(meta.get("description") or "")
    st.session_state[DOMAIN] = str(meta.get("problem_domain") or NO_DOMAIN)
    st.session_state[NEW_DOMAIN_TEXT] = ""
    keywords = meta.get("match_keywords") or []
    st.session_state["flows_editor_keywords"] = ", ".join(str(k) for k in keywords)


def close_editor() -> None:
    for key in (TREE, CONTEXT, NODE, JSON_ERROR, "flows_editor_notes", "flows_stale_seen", "flows_confirm_stale"):
        st.session_state.pop(key, None)


def is_open() -> bool:
    return TREE in st.session_state and CONTEXT in st.session_state


def context() -> dict[str, Any]:
    return st.session_state.get(CONTEXT, {})


def _tree() -> dict[str, Any]:
    return st.session_state[TREE]


def _changed() -> None:
    # New widget keys after every change, so every field shows the tree as it is now.
    st.session_state[REV] = st.session_state.get(REV, 0) + 1


def _find(node_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    for node, parent, _depth in iter_nodes(_tree()):
        if node.get("id") == node_id:
            return node, parent
    return None, None


def _set_type(node_id: str, key: str) -> None:
    node, _ = _find(node_id)
    new_type = st.session_state.get(key)
    if node is None or new_type not in NODE_TYPES or node.get("type") == new_type:
        return
    text = node_text(node)
    for kind in NODE_TYPES:
        node.pop(kind, None)
    node["type"] = new_type
    node[new_type] = text
    _changed()


def _set_field(node_id: str, field: str, key: str) -> None:
    node, _ = _find(node_id)
    if node is None:
        return
    node[node.get("type") if field == "text" else field] = st.session_state.get(key, "")
    _changed()


def _new_id(prefix: str = "n") -> str:
    used = {str(node.get("id")) for node, _p, _d in iter_nodes(_tree())}
    number = len(used) + 1
    while f"{prefix}{number}" in used:
        number += 1
    return f"{prefix}{number}"


def _add_option(node_id: str) -> None:
    node, _ = _find(node_id)
    if node is None:
        return
    children = node.setdefault("children", [])
    child = {"id": _new_id(), "label": f"Option {len(children) + 1}", **NEW_OPTION}
    children.append(child)
    st.session_state[NODE] = child["id"]
    _changed()


def _remove(node_id: str) -> None:
    node, parent = _find(node_id)
    if node is None or parent is None:
        return
    parent["children"] = [c for c in parent.get("children", []) if c is not node]
    st.session_state[NODE] = parent.get("id")
    _changed()


def _apply_json(key: str) -> None:
    raw = st.session_state.get(key, "")
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        st.session_state[JSON_ERROR] = f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        return
    if not isinstance(parsed, dict):
        st.session_state[JSON_ERROR] = "The JSON must be one object: the root node of the tree."
        return
    st.session_state.pop(JSON_ERROR, None)
    st.session_state[TREE] = parsed
    st.session_state[NODE] = parsed.get("id")
    _changed()


def _node_editor(rev: int) -> None:
    tree = _tree()
    try:
        nodes = [(n, p) for n, p, _d in iter_nodes(tree) if isinstance(n.get("id"), str)]
    except (AttributeError, TypeError):
        st.info("Fix the tree in the JSON view: it is not made of nodes the form can edit.")
        return
    if not nodes or is_procedural(tree):
        st.info("Procedural flows are edited in the JSON view.")
        return
    by_id = {n["id"]: (n, p) for n, p in nodes}
    if st.session_state.get(NODE) not in by_id:
        st.session_state[NODE] = nodes[0][0]["id"]
    node_id = st.selectbox(
        "Node to edit",
        list(by_id),
        key=NODE,
        format_func=lambda i: f"{i} · {by_id[i][0].get('type')} · {node_text(by_id[i][0])[:60]}",
    )
    node, parent = by_id[node_id]
    kind = node.get("type") if node.get("type") in NODE_TYPES else NODE_TYPES[0]
    type_key = f"flows_editor_type_{rev}_{node_id}"
    st.selectbox(
        "Type",
        NODE_TYPES,
        index=NODE_TYPES.index(kind),
        key=type_key,
        on_change=_set_type,
        args=(node_id, type_key),
    )
    text_key = f"flows_editor_text_{rev}_{node_id}"
    st.text_area(
        kind.capitalize() + " text",
        value=node_text(node),
        key=text_key,
        on_change=_set_field,
        args=(node_id, "text", text_key),
        height=90,
    )
    if parent is not None:
        label_key = f"flows_editor_label_{rev}_{node_id}"
        st.text_input(
            "Option label (the answer that leads here)",
            value=str(node.get("label") or ""),
            key=label_key,
            on_change=_set_field,
            args=(node_id, "label", label_key),
        )
    left, right = st.columns(2)
    left.button(
        "Add option",
        key="flows_editor_add_option",
        on_click=_add_option,
        args=(node_id,),
        disabled=kind == "solution",
        help="Solutions end the flow; change the type first to continue from here.",
        width="stretch",
    )
    right.button(
        "Remove this node",
        key="flows_editor_remove",
        on_click=_remove,
        args=(node_id,),
        disabled=parent is None,
        help="Removes the node and everything under it.",
        width="stretch",
    )


def _domain_picker(container: Any, domains: list[str]) -> str:
    """The domain, chosen from the known ones; "New domain…" reveals a box for one typed on purpose."""
    current = st.session_state.get(DOMAIN, NO_DOMAIN)
    known = sorted({*domains, *([current] if current not in (NO_DOMAIN, NEW_DOMAIN) else [])})
    choice = container.selectbox(
        "Problem domain",
        [NO_DOMAIN, *known, NEW_DOMAIN],
        key=DOMAIN,
        format_func=lambda d: "(no domain)" if d == NO_DOMAIN else d if d == NEW_DOMAIN else human(d),
    )
    if choice != NEW_DOMAIN:
        return choice
    typed = container.text_input("New domain", key=NEW_DOMAIN_TEXT, placeholder="e.g. printers")
    # Stored as the flywheel stores domains: lower case, words joined by underscores.
    return "_".join(typed.strip().lower().split())


def render(domains: list[str] | None = None) -> EditorResult:
    """Draw the editor for the working copy and return it with its validation messages; ``domains`` are the
    account's known problem domains offered for the flow."""
    rev = st.session_state.get(REV, 0)
    st.text_input("Title", key="flows_editor_title")
    st.text_area("Description", key="flows_editor_description", height=70)
    meta_left, meta_right = st.columns(2)
    problem_domain = _domain_picker(meta_left, domains or [])
    meta_right.text_input("Match keywords (comma separated)", key="flows_editor_keywords")

    form_col, preview_col = st.columns([2, 3])
    with form_col:
        _node_editor(rev)
        with st.expander("JSON view (power users)"):
            json_key = f"flows_editor_json_{rev}"
            st.text_area("Tree JSON", value=json.dumps(_tree(), indent=2), key=json_key, height=300)
            st.button("Apply JSON", key="flows_editor_apply_json", on_click=_apply_json, args=(json_key,))
            if st.session_state.get(JSON_ERROR):
                st.error(st.session_state[JSON_ERROR])
    tree = _tree()
    errors = validate_tree(tree)
    with preview_col:
        if errors:
            st.error("Not valid yet — nothing can be published:\n\n" + "\n".join(f"* {e}" for e in errors))
        else:
            st.success("The tree is valid.")
        try:
            draw_tree(tree, key=f"flows_editor_preview_{rev}", picker=False, height=420)
        except (AttributeError, KeyError, TypeError):
            st.info("The preview returns when the tree is made of nodes again.")
    keywords = [k.strip() for k in st.session_state.get("flows_editor_keywords", "").split(",") if k.strip()]
    return EditorResult(
        tree=copy.deepcopy(tree),
        title=st.session_state.get("flows_editor_title", "").strip(),
        description=st.session_state.get("flows_editor_description", ""),
        problem_domain=problem_domain,
        match_keywords=keywords,
        errors=errors,
    )
