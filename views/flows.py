"""Flows: the library of published flows (graph and version history) and the flow editor.

The editor opens from Edit & Publish in the Review Queue (``flows_editor_proposal_id``), from "Create flow" on a
knowledge gap (``flows_editor_seed``), or here (edit a flow, new flow); see ``ui.flow_editor`` for the keys.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from core.auth import PermissionDenied
from core.db import parse_uuid
from core.enums import TreeOrigin
from core.insights import edges, impact
from core.models import TREE_ORIGINS
from core.review import decisions as review
from core.review import flows, proposals
from core.trees import InvalidTree, question_tree
from ui import charts, flow_editor, labels
from ui.context import call, current_user
from ui.format import duration, duration_change, metric_delta
from ui.graph import draw_tree

FLASH = "flows_flash"
OPEN = "flows_open"
ALL = "All"
STARTER_TREE = question_tree(
    "What does the user see?", {"An error message": "Describe the fix.", "Nothing happens": "Describe the fix."}
)

user = current_user()

flash = st.session_state.pop(FLASH, None)
if flash:
    st.toast(flash, icon="✅")

# --- arrivals from other pages -----------------------------------------------------------------------------
incoming_proposal = parse_uuid(st.session_state.pop("flows_editor_proposal_id", None))
if incoming_proposal:
    detail = call(proposals.get_detail, user.account_id, incoming_proposal)
    if detail is None or detail.proposed_tree is None:
        st.warning("That proposal does not exist in this account or carries no tree.")
    else:
        flow_editor.open_editor(
            detail.proposed_tree,
            detail.editor_fields(),
            {
                "kind": "proposal",
                "proposal_id": str(detail.proposal.id),
                "proposal_title": detail.proposal.title,
                "enhancement": detail.is_enhancement,
                "stale": detail.is_stale,
                "target_name": detail.target_name,
            },
        )
        # What the reviewer typed in the Review Queue before Edit & Publish: published as the reviewer notes.
        st.session_state["flows_editor_notes"] = str(st.session_state.pop("flows_editor_review_notes", "") or "")
seed = st.session_state.pop("flows_editor_seed", None)
if isinstance(seed, dict):
    flow_editor.open_editor(seed.get("tree_structure") or STARTER_TREE, seed, {"kind": "seed"})


def leave_editor(to_review: bool = False) -> None:
    flow_editor.close_editor()
    if to_review:
        st.switch_page("views/review_queue.py")
    st.rerun()


def publish(result: flow_editor.EditorResult, ctx: dict) -> None:
    """Publish the editor's tree the way its context asks; failures are shown, never raised."""
    # The editor keeps its ids as text in session state; they become UUIDs here, at the page's edge.
    target = parse_uuid(ctx.get("proposal_id") if ctx["kind"] == "proposal" else ctx.get("flow_id"))
    if ctx["kind"] in ("proposal", "flow") and target is None:
        st.warning(f"Not published: the {ctx['kind']} being edited has no valid id.")
        return
    try:
        if ctx["kind"] == "proposal":
            flow = call(
                review.modify,
                target,
                user,
                result.tree,
                title=result.title or None,
                description=result.description,
                problem_domain=result.problem_domain or None,
                match_keywords=result.match_keywords,
                notes=st.session_state.get("flows_editor_notes"),
                confirm_stale=bool(st.session_state.get("flows_confirm_stale")),
            )
            message = f"Published version {flow.version} of '{flow.name}'; the proposal is marked modified."
        elif ctx["kind"] == "flow":
            flow = call(
                flows.publish_version,
                user,
                target,
                result.tree,
                change_note=st.session_state.get("flows_editor_notes") or "",
                name=result.title,
                description=result.description,
                match_keywords=result.match_keywords,
                expected_version=ctx.get("version"),
            )
            message = f"Published version {flow.version} of '{flow.name}'."
        else:
            flow = call(
                flows.create_flow,
                user,
                name=result.title,
                tree_structure=result.tree,
                description=result.description,
                problem_domain=result.problem_domain or None,
                match_keywords=result.match_keywords,
                origin=TreeOrigin.MANUAL,
            )
            message = f"Published '{flow.name}' as a new flow."
    except review.StaleBase as exc:
        st.session_state["flows_stale_seen"] = True
        st.warning(f"{exc}")
        return
    except (
        PermissionDenied,
        InvalidTree,
        ValueError,
        LookupError,
        flows.FlowChanged,
        review.ProposalNotPending,
    ) as exc:
        st.warning(f"Not published: {exc}")
        return
    flow_editor.close_editor()
    if ctx["kind"] == "proposal":
        st.session_state["review_flash"] = message
        st.session_state["review_selected_id"] = ctx["proposal_id"]
        st.switch_page("views/review_queue.py")
    st.session_state[FLASH] = message
    st.session_state[OPEN] = str(flow.id)
    st.rerun()


# --- editor ------------------------------------------------------------------------------------------------
if flow_editor.is_open():
    ctx = flow_editor.context()
    heading = {
        "proposal": f"Edit & Publish: {ctx.get('proposal_title', '')}",
        "seed": "New flow from a knowledge gap",
        "flow": f"Edit flow (from version {ctx.get('version')})",
        "new": "New flow",
    }.get(ctx.get("kind"), "Flow editor")
    st.title(heading)
    if ctx.get("kind") == "proposal" and ctx.get("enhancement"):
        st.caption(f"Publishing writes a new version of '{ctx.get('target_name')}'; the current one is kept.")
    # The domains in use: the account's flows' and its proposals' (the flywheel names them from the sessions).
    proposal_domains = [d for d in call(proposals.proposal_domains, user.account_id) if d != proposals.NO_DOMAIN]
    result = flow_editor.render(sorted({*call(flows.flow_domains, user.account_id), *proposal_domains}))
    st.divider()
    readonly = not user.is_team_admin
    if readonly:
        st.info(f"Read-only: you are signed in as {labels.lower(user.role)}; only team admins publish flows.")
    st.text_input(
        "Reviewer notes" if ctx.get("kind") == "proposal" else "Change note",
        key="flows_editor_notes",
        disabled=readonly,
        help="Stored with the proposal's decision." if ctx.get("kind") == "proposal" else "Stored with this version.",
    )
    if ctx.get("kind") == "proposal" and (ctx.get("stale") or st.session_state.get("flows_stale_seen")):
        st.checkbox(
            "The flow changed since this was proposed: publish on top of the current version anyway",
            key="flows_confirm_stale",
        )
    c1, c2 = st.columns(2)
    if c1.button("Publish", key="flows_publish", type="primary", disabled=readonly or not result.valid):
        publish(result, ctx)
    if c2.button("Cancel", key="flows_cancel"):
        leave_editor(to_review=ctx.get("kind") == "proposal")
    if not result.valid:
        st.caption("Publish is off until the tree is valid.")
    st.stop()

# --- library -----------------------------------------------------------------------------------------------
st.title("Flows")
# Deep link from the Review Queue after a publish (or from a colleague): ?flow=<id> opens that flow.
linked_flow = st.query_params.get("flow")
if linked_flow and st.session_state.get("flows_deep_link_seen") != linked_flow:
    st.session_state["flows_deep_link_seen"] = linked_flow
    st.session_state[OPEN] = linked_flow
    for key in ("flows_domain", "flows_origin"):
        st.session_state[key] = ALL
    st.session_state["flows_retired"] = False
domains = call(flows.flow_domains, user.account_id)
f1, f2, f3 = st.columns([2, 2, 1])
domain = f1.selectbox(
    "Domain", [ALL, *domains], key="flows_domain", format_func=lambda d: d if d == ALL else labels.human(d)
)
origin = f2.selectbox(
    "Origin", [ALL, *TREE_ORIGINS], key="flows_origin", format_func=lambda o: flows.ORIGIN_LABELS.get(o, o)
)
retired = f3.toggle(
    "Retired", key="flows_retired", help="Flows retired from a re-review: they match no session, history kept."
)
if user.is_team_admin and not retired and f3.button("New flow", key="flows_new"):
    flow_editor.open_editor(STARTER_TREE, {}, {"kind": "new"})
    st.rerun()
rows = call(
    flows.list_flows,
    user.account_id,
    domain=None if domain == ALL else domain,
    origin=None if origin == ALL else origin,
    retired=retired,
)
if not rows:
    st.info(
        "No retired flows."
        if retired
        else "No published flows yet. Approve a proposal in the Review Queue, or create one with New flow."
    )
    st.stop()

table = pd.DataFrame([{**r.as_dict(), "domain": labels.human(r.problem_domain)} for r in rows])
table = labels.columns(table)
st.dataframe(
    table.drop(columns=["ID"]),
    hide_index=True,
    column_config={"Success rate": st.column_config.ProgressColumn("Success rate", min_value=0, max_value=1)},
    key="flows_table",
)
st.download_button(
    "Download CSV", table.to_csv(index=False).encode(), file_name="flows.csv", mime="text/csv", key="flows_csv"
)

by_id = {str(r.id): r for r in rows}
if linked_flow and st.session_state.get(OPEN) == linked_flow and linked_flow not in by_id:
    st.warning("The linked flow is not in this account's published flows.")
if st.session_state.get(OPEN) not in by_id:
    st.session_state[OPEN] = str(rows[0].id)
opened = st.selectbox("Open flow", list(by_id), key=OPEN, format_func=lambda i: by_id[i].name)
st.query_params["flow"] = opened
st.session_state["flows_deep_link_seen"] = opened
flow = call(flows.get_flow, user.account_id, by_id[opened].id)
history = call(flows.flow_versions, user.account_id, flow.id)

st.subheader(flow.name)
row = by_id[opened]
st.caption(
    f"{flows.ORIGIN_LABELS.get(row.origin, row.origin)} · version {row.version} · "
    f"domain {labels.human(row.problem_domain)} · matched {labels.plural(row.times_matched, 'time')} · "
    f"success rate {row.success_rate:.0%}"
)
if flow.description:
    st.write(flow.description)
versions = {v.version: v for v in history}
if versions:
    chosen = st.selectbox(
        "Version",
        list(versions),
        key=f"flows_version_{opened}",
        format_func=lambda n: (
            f"v{n} · {flows.ORIGIN_LABELS.get(versions[n].origin, labels.lower(versions[n].origin))} · "
            f"{labels.minute(versions[n].created_at)}"
            + (f" · {versions[n].change_note}" if versions[n].change_note else "")
            + (" (current)" if n == flow.version else "")
        ),
    )
    structure = versions[chosen].tree_structure
else:
    chosen, structure = flow.version, flow.tree_structure
    st.caption("No earlier versions are recorded for this flow.")
period = st.selectbox(
    "Outcomes over",
    edges.OUTCOME_PERIODS,
    index=1,
    key="flows_outcome_period",
    format_func=lambda d: f"the last {d} days",
    help="Each edge shows the closed sessions that took it in this period and the share of them that resolved.",
)
outcomes = call(edges.flow_outcomes, user.account_id, flow.id, structure, period_days=period, now=datetime.now(UTC))
st.caption(
    f"{labels.plural(outcomes.sessions, 'closed session')} walked this flow in the last {period} days. "
    "Edge labels: option · sessions · resolved share."
    if outcomes.sessions
    else f"No closed session walked this flow in the last {period} days."
)
draw_tree(structure, key=f"flows_graph_{opened}_{chosen}", outcomes=outcomes)
if outcomes.sessions:
    with st.expander("Outcomes per edge (table)"):
        charts.table_with_download(outcomes.table(), "flows_edges", f"edges_{opened}.csv")
if retired:
    st.caption("Retired: sessions no longer match this flow; its versions, sessions and impact are kept.")
elif user.is_team_admin and st.button("Edit this flow", key="flows_edit"):
    flow_editor.open_editor(
        flow.tree_structure,
        {
            "title": flow.name,
            "description": flow.description,
            "problem_domain": flow.problem_domain,
            "match_keywords": flow.match_keywords,
        },
        {"kind": "flow", "flow_id": opened, "version": flow.version},
    )
    st.rerun()

# --- impact of each publish --------------------------------------------------------------------------------
IMPACT_HELP = (
    f"Closed sessions of this flow in the {impact.WINDOW_DAYS} days before a version went live vs the days after it "
    "(until the next version or today). For version 1 'before' is the closed sessions of the flow's domain that "
    f"matched no flow. The change comes with a 95 % interval once each side has {impact.MIN_SESSIONS} sessions."
)


def shown(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:g}{unit}"


st.subheader("Impact", help=IMPACT_HELP)
impacts = call(impact.flow_impact, user.account_id, flow.id, now=datetime.now(UTC))
if not impacts:
    st.info("No published version of this flow is recorded, so there is nothing to compare.")
for item in impacts[:1]:
    st.markdown(
        f"**Version {item.version}**, published {item.published_at:%Y-%m-%d}: closed sessions in the "
        f"{impact.WINDOW_DAYS} days before vs the {item.after_days:g} days after · resolution change {item.verdict()}"
    )
    m1, m2, m3, m4 = st.columns(4)
    rows = item.as_rows()
    for column, label, key, unit in (
        (m1, "Sessions", "sessions", ""),
        (m2, "Resolution rate", "resolution rate", "%"),
        (m3, "Median time to resolve", "median minutes to resolve", "min"),
        (m4, "Escalation rate", "escalation rate", "%"),
    ):
        before, after = rows[0][key], rows[1][key]
        delta = None if before is None or after is None else round(after - before, 1)
        if unit == "min":  # a duration: written in the unit its size calls for
            column.metric(
                label,
                duration(after),
                delta=metric_delta(duration_change(delta)),
                delta_color="inverse",
                help=f"After publish; before: {duration(before)}",
            )
            continue
        column.metric(
            label,
            shown(after, unit),
            delta=None if delta is None else f"{delta:+g}{unit}",
            delta_color="inverse" if key in ("escalation rate", "median minutes to resolve") else "normal",
            help=f"After publish; before: {shown(before, unit)}",
        )
if impacts:
    with st.expander("Every version: before and after (table)"):
        charts.table_with_download(
            [row for item in impacts for row in item.as_rows()], "flows_impact", f"impact_{opened}.csv"
        )
