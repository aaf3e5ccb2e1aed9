"""Drawing a flow tree with streamlit-agraph: top-down hierarchy, colour by node type, option labels on edges.

``draw_tree`` returns the id of the node to show in full: the one clicked in the graph, else the one picked in
the node list under it (the list also serves keyboards and tests, where the graph iframe cannot be clicked).
Highlights colour nodes of a diff: added green, changed amber.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_agraph import Config, Edge, Node, agraph

from core.trees import NODE_COLOURS, to_graph

ADDED_COLOUR = "#2CA02C"
CHANGED_COLOUR = "#FFB000"
REMOVED_COLOUR = "#D62728"
TYPE_SHAPES = {"question": "diamond", "action": "box", "solution": "ellipse"}


def legend(highlight: bool = False) -> str:
    parts = [f"<span style='color:{c}'>■</span> {kind}" for kind, c in NODE_COLOURS.items()]
    if highlight:
        parts += [
            f"<span style='color:{ADDED_COLOUR}'>■</span> added",
            f"<span style='color:{CHANGED_COLOUR}'>■</span> changed",
        ]
    return " &nbsp; ".join(parts)


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
    graph_nodes, graph_edges = to_graph(tree)
    if not graph_nodes:
        st.info("This flow has no nodes.")
        return None
    added, changed = added or set(), changed or set()
    nodes = []
    for node in graph_nodes:
        colour = NODE_COLOURS.get(node.kind, "#888888")
        border = ADDED_COLOUR if node.id in added else CHANGED_COLOUR if node.id in changed else colour
        nodes.append(
            Node(
                id=node.id,
                label=node.title,
                title=node.full_text,
                shape=TYPE_SHAPES.get(node.kind, "dot"),
                color={"background": border if node.id in added | changed else colour, "border": border},
                font={"color": "#ffffff" if node.kind != "action" else "#1b1b1b", "size": 14},
                borderWidth=4 if node.id in added | changed else 1,
                size=20,
            )
        )
    edges = [
        Edge(source=e.source, target=e.target, label=e.label, color="#9AA0A6", font={"size": 12, "align": "middle"})
        for e in graph_edges
    ]
    config = Config(
        height=height,
        width="100%",
        directed=True,
        physics=False,
        hierarchical=True,
        direction="UD",
        sortMethod="directed",
        levelSeparation=110,
        nodeSpacing=190,
        # agraph has no key argument; a distinct config makes each drawing its own component instance.
        graph_key=key,
    )
    config.width = "100%"
    st.markdown(legend(bool(added or changed)), unsafe_allow_html=True)
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
        st.markdown(f"**{node.kind.capitalize()} `{node.id}`{status}**")
        st.write(node.full_text or "—")
    return shown
