"""Drawing a flow tree with streamlit-agraph: top-down hierarchy, colour by node type, option labels on edges.

``draw_tree`` returns the id of the node to show in full: the one clicked in the graph, else the one picked in
the node list under it (the list also serves keyboards and tests, where the graph iframe cannot be clicked).
Highlights colour nodes of a diff: added green, changed amber. A proposal whose tree counts its supporting sessions
per branch shows the count on each edge ("No ×3", from ``core.trees.to_graph``) and in the node's details.
With ``outcomes`` (``core.insights.edges``) each edge also says how many sessions took it and what share of them
resolved ("Yes · 12 · 75%"), coloured by that share, and each node says where sessions left the flow.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_agraph import Config, Edge, Node, agraph

from core.insights.edges import EdgeOutcome, FlowOutcomes
from core.trees import NODE_COLOURS, GraphNode, to_graph

ADDED_COLOUR = "#2CA02C"
UNCHANGED_COLOUR = "#CFD4DA"
CHANGED_COLOUR = "#FFB000"
# Shapes that hold their label inside, so the text is readable on the type colour.
TYPE_SHAPES = {"question": "box", "action": "box", "solution": "ellipse"}
EDGE_COLOUR = "#9AA0A6"
# Resolved share of the sessions that took an edge: at least the first figure is good, below the second is poor.
SHARE_COLOURS = ((0.7, "#2CA02C", "70 % or more resolved"), (0.4, "#FFB000", "40–70 %"), (0.0, "#D62728", "under 40 %"))


def share_colour(outcome: EdgeOutcome | None) -> str:
    """The colour of an edge by the resolved share of the sessions that took it; grey when none did."""
    share = outcome.resolved_share if outcome else None
    if share is None:
        return EDGE_COLOUR
    return next(colour for floor, colour, _ in SHARE_COLOURS if share >= floor)


def outcome_legend() -> str:
    return (
        "Edges: "
        + " &nbsp; ".join(f"<span style='color:{c}'>━</span> {name}" for _, c, name in SHARE_COLOURS)
        + (f" &nbsp; <span style='color:{EDGE_COLOUR}'>━</span> not taken")
    )


def _support_note(support: int | None) -> str:
    if support is None:
        return ""
    return f" — taken by {support} supporting session{'' if support == 1 else 's'}"


def _wordings_note(node: GraphNode) -> str:
    """The other words supporting sessions used for the node and for the option leading to it."""
    parts = []
    if node.wordings:
        parts.append("also worded: " + " · ".join(f"“{w}”" for w in node.wordings))
    if node.label_wordings:
        parts.append("option also answered: " + " · ".join(f"“{w}”" for w in node.label_wordings))
    return "".join(f"\n{part}" for part in parts)


def _exit_note(outcomes: FlowOutcomes | None, node_id: str) -> str:
    exits = outcomes.exits.get(node_id) if outcomes else None
    if exits is None:
        return ""
    left = exits.describe()
    return f" — {exits.sessions} session{'' if exits.sessions == 1 else 's'} stood here" + (f"; {left}" if left else "")


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
    outcomes: FlowOutcomes | None = None,
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
                title=node.full_text
                + _support_note(node.support)
                + _exit_note(outcomes, node.id)
                + _wordings_note(node),
                shape=TYPE_SHAPES.get(node.kind, "dot"),
                color={"background": colour, "border": colour},
                font={"color": "#1b1b1b" if dark_text else "#ffffff", "size": 14},
                widthConstraint={"maximum": 170},
                borderWidth=1,
            )
        )
    edges = []
    for e in graph_edges:
        outcome = outcomes.edges.get((e.source, e.target)) if outcomes else None
        label = f"{e.label} · {outcome.label()}" if outcome else e.label
        colour = share_colour(outcome) if outcomes else EDGE_COLOUR
        edges.append(
            Edge(source=e.source, target=e.target, label=label, color=colour, font={"size": 12, "align": "middle"})
        )
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
    if outcomes:
        st.markdown(outcome_legend(), unsafe_allow_html=True)
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
        st.markdown(
            f"**{node.kind.capitalize()} `{node.id}`{status}**{_support_note(node.support)}{_exit_note(outcomes, node.id)}"
        )
        st.write(node.full_text or "—")
        if node.wordings or node.label_wordings:
            note = _wordings_note(node).strip().replace("\n", "  \n")
            st.caption(note[:1].upper() + note[1:])
    return shown
