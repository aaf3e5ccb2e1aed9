"""Drawing a flow tree with streamlit-agraph: top-down hierarchy, colour by node type, option labels on edges.

``draw_tree`` returns the id of the node to show in full: the one clicked in the graph, else the one picked in
the node list under it (the list also serves keyboards and tests, where the graph iframe cannot be clicked).
Highlights colour nodes of a diff: added green, changed amber. A proposal whose tree counts its supporting sessions
per branch shows the count on each edge ("No ×3", from ``core.trees.to_graph``) and in the node's details.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_agraph import Config, Edge, Node, agraph

from core.trees import NODE_COLOURS, to_graph

ADDED_COLOUR = "#2CA02C"
UNCHANGED_COLOUR = "#CFD4DA"
CHANGED_COLOUR = "#FFB000"
# Shapes that hold their label inside, so the text is readable on the type colour.
TYPE_SHAPES = {"question": "box", "action": "box", "solution": "ellipse"}


def _support_note(support: int | None) -> str:
    if support is None:
        return ""
    return f" — taken by {support} supporting session{'' if support == 1 else 's'}"


def legend(highlight: bool = False) -> str:
    if highlight:
        colours = {"unchanged": UNCHANGED_COLOUR, "added": ADDED_COLOUR, "changed": CHANGED_COLOUR}
        shapes = " · shape: box = question/action, ellipse = solution"
    else:
        colours, shapes = NODE_COLOURS, ""
    return " &nbsp; ".join(f"<span style='color:{c}'>■</span> {name}" for name, c in colours.items()) + shapes


def draw_tree(
    tree: dict[str, Any],
    *,
    key: str,
    added: set[str] | None = None,
    changed: set[str] | None = None,
    height: int = 460,
    picker: bool = True,
) -> str | None:
    """Draw ``tree`` and show the full text of the clicked (or picked) node; returns that node's id."""
    graph_nodes, graph_edges = to_graph(tree, short=70)
    if not graph_nodes:
        st.info("This flow has no nodes.")
        return None
    added, changed = added or set(), changed or set()
    diff_view = bool(added or changed)
    nodes = []
    for node in graph_nodes:
        # In a diff the change is the news: unchanged nodes step back to grey.
        if diff_view:
            colour = ADDED_COLOUR if node.id in added else CHANGED_COLOUR if node.id in changed else UNCHANGED_COLOUR
            dark_text = node.id not in added
        else:
            colour = NODE_COLOURS.get(node.kind, "#888888")
            dark_text = node.kind == "action"
        nodes.append(
            Node(
                id=node.id,
                label=node.title,
                title=node.full_text + _support_note(node.support),
                shape=TYPE_SHAPES.get(node.kind, "dot"),
                color={"background": colour, "border": colour},
                font={"color": "#1b1b1b" if dark_text else "#ffffff", "size": 14},
                widthConstraint={"maximum": 170},
                borderWidth=1,
            )
        )
    edges = [
        Edge(source=e.source, target=e.target, label=e.label, color="#9AA0A6", font={"size": 12, "align": "middle"})
        for e in graph_edges
    ]
    config = Config(
        height=height,
        directed=True,
        physics=False,
        hierarchical=True,
        direction="UD",
        sortMethod="directed",
        levelSeparation=120,
        nodeSpacing=210,
        # agraph has no key argument; a distinct config makes each drawing its own component instance.
        graph_key=key,
    )
    # Config appends "px" to the width it is given; the graph fills its column instead.
    config.width = "100%"
    st.markdown(legend(diff_view), unsafe_allow_html=True)
    clicked = agraph(nodes=nodes, edges=edges, config=config)
    by_id = {n.id: n for n in graph_nodes}
    if not picker:
        return clicked if isinstance(clicked, str) and clicked in by_id else None
    options = [n.id for n in graph_nodes]
    picked = st.selectbox(
        "Node",
        options,
        key=f"{key}_node",
        format_func=lambda node_id: f"{by_id[node_id].kind}: {by_id[node_id].title}",
        help="Click a node in the graph, or pick it here, to read its full text.",
    )
    shown = clicked if isinstance(clicked, str) and clicked in by_id else picked
    if shown:
        node = by_id[shown]
        status = " (added)" if shown in added else " (changed)" if shown in changed else ""
        st.markdown(f"**{node.kind.capitalize()} `{node.id}`{status}**{_support_note(node.support)}")
        st.write(node.full_text or "—")
    return shown
