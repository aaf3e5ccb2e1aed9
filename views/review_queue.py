"""Review Queue: team leads turn the flywheel's proposals into published flows.

Stats strip, then an inbox: the list (tabs with counts, filters, sort, server-side pages) and the selected
proposal's detail with its graph and the actions. Deep link: ``?proposal=<id>``. Non-admins see everything
read-only; the service refuses their decisions anyway.
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd
import streamlit as st

from core.auth import PermissionDenied
from core.db import parse_uuid
from core.enums import ProposalStatus, ProposalType
from core.insights import edges, impact
from core.models import PROPOSAL_TYPES, utcnow
from core.review import decisions as review
from core.review import proposals
from core.trees import InvalidTree
from ui import labels
from ui.context import call, current_user, link_params, page_link, settings
from ui.graph import draw_tree

SELECTED = "review_selected_id"
FLASH = "review_flash"
CONFIRM = "review_confirm"
# What the reviewer typed for the proposal they had open while it was pending: kept when someone else decides it
# first, so the loser of a race sees who won and does not lose their notes or reason.
DRAFT = "review_draft"
PAGE_SIZE = 25
ALL = "All"
TYPE_LABELS = {
    ProposalType.NEW_FLOW: "new flow",
    ProposalType.ENHANCEMENT: "enhancement",
    ProposalType.REVIEW: "re-review",
}
DECISION_ERRORS = (review.ProposalNotPending, review.ProposalNotFound, review.StaleBase, review.ApprovalNotAllowed)

user = current_user()

flash = st.session_state.pop(FLASH, None)
if flash:
    st.toast(flash, icon="✅")

deep_link = st.query_params.get("proposal")
if deep_link and st.session_state.get("review_deep_link_seen") != deep_link:
    st.session_state["review_deep_link_seen"] = deep_link
    st.session_state[SELECTED] = deep_link


def badge(proposal_type: str) -> str:
    colour = proposals.TYPE_BADGE_COLOURS.get(proposal_type, "gray")
    return f":{colour}-badge[{TYPE_LABELS.get(proposal_type, proposal_type)}]"


def domain_label(value: str | None) -> str:
    if value == ALL:
        return ALL
    return labels.human(value) if value and value != proposals.NO_DOMAIN else "no domain"


def select(proposal_id: str) -> None:
    st.session_state.pop(DRAFT, None)
    st.session_state[SELECTED] = proposal_id
    st.session_state["review_deep_link_seen"] = proposal_id
    st.session_state.pop(CONFIRM, None)
    st.query_params["proposal"] = proposal_id


def reset_page() -> None:
    st.session_state["review_page"] = 1


def model_note(p: Any, llm_enabled: bool, at_support: int, after_hours: float) -> str:
    """Who wrote the proposal's tree, and when the model will (one call per cluster)."""
    if p.model_generated_at:
        sessions = p.model_generated_support or 1
        return (
            f"Tree written by the model ({p.generator}) from {sessions} supporting "
            f"session{'s' if sessions != 1 else ''} on {labels.minute(p.model_generated_at)} · "
            f"{labels.plural(p.model_calls, 'model call')} spent on this proposal."
        )
    if not llm_enabled:
        return "Tree built by the offline rules (no model is configured)."
    return (
        f"Tree built by the offline rules; the model writes it once for the whole cluster at {at_support} "
        f"supporting sessions or {after_hours:g} hours after the first."
    )


def ask_for_new_tree(proposal_id: uuid.UUID) -> None:
    try:
        call(review.ask_for_new_tree, proposal_id, user, llm_enabled=settings().llm_enabled)
    except (PermissionDenied, review.NewTreeRefused, *DECISION_ERRORS) as exc:
        st.warning(f"Not asked: {exc}")
        return
    st.session_state[FLASH] = "Asked: the worker has the model write this tree again on its next pass."
    st.rerun()


def decide(action: str, proposal_id: uuid.UUID, **kwargs: object) -> None:
    """Run one decision in its own transaction; success flashes a toast on the next run, failure warns now."""
    try:
        if action == "approve":
            flow = call(review.approve, proposal_id, user, notes=kwargs.get("notes"))
            message = f"Published '{flow.name}' as a new flow."
        elif action == "retire":
            flow = call(review.retire_flow, proposal_id, user, notes=kwargs.get("notes"))
            message = f"Retired '{flow.name}': it no longer matches sessions; its history is kept."
        elif action == "dismiss":
            call(review.dismiss, proposal_id, user, notes=kwargs.get("notes"))
            message = "Dismissed: it comes back if more sessions support it."
        else:
            call(review.reject, proposal_id, user, reason=kwargs.get("reason"))
            message = "Rejected."
    except review.ProposalNotPending:
        # Decided by someone else a moment ago: the next run shows who and when, with what this reviewer typed.
        st.session_state.pop(CONFIRM, None)
        st.rerun()
    except (PermissionDenied, InvalidTree, *DECISION_ERRORS) as exc:
        st.session_state.pop(CONFIRM, None)
        st.warning(f"Not done: {exc}")
        return
    st.session_state.pop(CONFIRM, None)
    st.session_state[FLASH] = message
    # Keep the decided proposal open: its panel now links to the flow it published.
    st.session_state[SELECTED] = str(proposal_id)
    st.rerun()


def lost_race(p: Any, reviewer_name: str | None, draft: dict[str, str]) -> None:
    """The proposal this reviewer had open was decided by someone else: say who and when, keep what they typed.

    A click made on the stale page is not lost silently, and neither is the text typed with it: the widgets' latest
    values (sent with that click) are read before they go, else the draft of the last run."""
    decided = review.ProposalNotPending(p.status, reviewer_name, p.reviewed_at)
    st.warning(f"Not done: {decided}")
    notes = str(st.session_state.get("review_notes") or draft["notes"] or "")
    reason = str(st.session_state.get("review_reject_reason") or draft["reason"] or "")
    st.session_state[DRAFT] = {"pid": draft["pid"], "notes": notes, "reason": reason}
    for label, text in (("Your reviewer notes", notes), ("Your reason", reason)):
        if text.strip():
            st.caption(f"{label}, not saved (copy it if you need it):")
            st.code(text, language=None, wrap_lines=True)


# --- stats strip: one row beside the title, so the decision buttons and the graph fit on the first screen --------
stats = call(proposals.queue_stats, user.account_id)
domains = call(proposals.proposal_domains, user.account_id)

cols = st.columns([2.2, 1, 1, 1, 1], vertical_alignment="bottom")
cols[0].title("Review Queue")
cols[1].metric("Pending", stats.pending)
cols[2].metric("Approved this week", stats.approved_week)
cols[3].metric("Rejected this week", stats.rejected_week)
cols[4].metric(
    "Auto-reinforced",
    stats.auto_reinforced_week,
    help="In the last 7 days: sessions that followed a flow exactly, recorded by the flywheel without a review.",
)
top_domains = ", ".join(f"{labels.human(d)} ({n})" for d, n in stats.top_domains) or "none"
st.caption(
    f"Top pending domains: {top_domains} · Impact of publishes: "
    + call(impact.recent_impact, user.account_id, now=utcnow()).describe()
)

list_col, detail_col = st.columns([2, 3], gap="large")

# --- filters, tabs and list --------------------------------------------------------------------------------
with list_col:
    f1, f2, f3 = st.columns(3)
    domain = f1.selectbox(
        "Domain", [ALL, *domains], key="review_domain", on_change=reset_page, format_func=domain_label
    )
    ptype = f2.selectbox(
        "Type",
        [ALL, *PROPOSAL_TYPES],
        key="review_type",
        on_change=reset_page,
        format_func=lambda t: TYPE_LABELS.get(t, t).capitalize(),
    )
    sort = f3.selectbox(
        "Sort by", list(proposals.SORTS), key="review_sort", on_change=reset_page, format_func=proposals.SORTS.get
    )
    domain_filter = None if domain == ALL else domain
    type_filter = None if ptype == ALL else ptype

    counts = call(proposals.tab_counts, user.account_id, domain=domain_filter, proposal_type=type_filter)
    tab = st.radio(
        "Show",
        list(proposals.TABS),
        key="review_tab",
        on_change=reset_page,
        horizontal=True,
        format_func=lambda t: f"{proposals.TAB_LABELS[t]} ({counts[t]})",
        label_visibility="collapsed",
    )
    queue = call(
        proposals.list_proposals,
        user.account_id,
        tab=tab,
        domain=domain_filter,
        proposal_type=type_filter,
        sort=sort,
        page=st.session_state.get("review_page", 1),
        page_size=PAGE_SIZE,
        total=counts[tab],
    )
    # The service clamps a page past the end (decisions shrank the list); the page number box follows it.
    st.session_state["review_page"] = queue.page

    if not queue.rows:
        st.info(
            "Nothing to review here. New proposals appear as the Knowledge Flywheel analyses closed sessions."
            if tab == "pending"
            else "No proposals match these filters."
        )
    picked: list[uuid.UUID] = []
    for row in queue.rows:
        rid = str(row.id)
        with st.container(border=True):
            top = st.columns([1, 12]) if user.is_team_admin and row.status == ProposalStatus.PENDING else None
            if top is not None:
                if top[0].checkbox("Select", key=f"review_pick_{rid}", label_visibility="collapsed"):
                    picked.append(row.id)
                holder = top[1]
            else:
                holder = st.container()
            chosen = st.session_state.get(SELECTED) == rid
            holder.button(
                ("▶ " if chosen else "") + row.title,
                key=f"review_open_{rid}",
                on_click=select,
                args=(rid,),
                type="tertiary",
            )
            holder.markdown(
                f"{badge(row.proposal_type)} {domain_label(row.problem_domain)} · "
                f"confidence {row.confidence_score:.2f} · {labels.plural(row.supporting_session_count, 'session')} · "
                f"{row.age()} · {row.generator}" + ("" if tab == "pending" else f" · **{labels.human(row.status)}**")
            )
    if queue.total:
        st.number_input(f"Page (of {queue.pages})", min_value=1, max_value=queue.pages, step=1, key="review_page")
        st.caption(f"{labels.plural(queue.total, 'proposal')} · showing {len(queue.rows)}")
        page_rows = [{**r.as_dict(), "created_at": labels.minute(r.created_at)} for r in queue.rows]
        st.download_button(
            "Download this page (CSV)",
            labels.columns(pd.DataFrame(page_rows)).to_csv(index=False).encode(),
            file_name=f"proposals_{tab}_page{queue.page}.csv",
            mime="text/csv",
            key="review_csv",
        )
    if picked:
        st.markdown(f"**{len(picked)} selected**")
        b1, b2 = st.columns(2)
        if b1.button("Dismiss selected", key="review_bulk_dismiss"):
            st.session_state[CONFIRM] = ("bulk_dismiss", picked)
        if b2.button("Reject selected", key="review_bulk_reject"):
            st.session_state[CONFIRM] = ("bulk_reject", picked)
        pending_bulk = st.session_state.get(CONFIRM)
        if pending_bulk and pending_bulk[0].startswith("bulk_"):
            verb = "Dismiss" if pending_bulk[0] == "bulk_dismiss" else "Reject"
            st.warning(f"{verb} {labels.plural(len(pending_bulk[1]), 'proposal')}?")
            if st.button(f"Yes, {verb.lower()} them", key="review_bulk_confirm", type="primary"):
                try:
                    result = call(review.bulk, pending_bulk[0].removeprefix("bulk_"), pending_bulk[1], user)
                except PermissionDenied as exc:
                    st.warning(f"Not done: {exc}")
                else:
                    for pid in result.done:
                        st.session_state.pop(f"review_pick_{pid}", None)
                    st.session_state.pop(CONFIRM, None)
                    note = f" {len(result.refused)} were already decided." if result.refused else ""
                    st.session_state[FLASH] = f"{verb}ed {labels.plural(len(result.done), 'proposal')}.{note}"
                    st.rerun()


def actions(p: Any, detail: Any) -> None:
    """Reviewer notes and the decision buttons of a pending proposal, with the confirmation a button asks for."""
    readonly = not user.is_team_admin
    if readonly:
        st.info(
            f"Read-only: you are signed in as {labels.lower(user.role)}. Only team admins "
            "(team admin, owner) can approve, edit, dismiss or reject proposals."
        )
    notes = st.text_area(
        "Reviewer notes",
        key="review_notes",
        disabled=readonly,
        height=68,
        help="Saved with your decision; Edit & Publish carries them into the editor.",
    )
    if not readonly:
        st.session_state[DRAFT] = {"pid": pid, "notes": notes, "reason": ""}
    # One row that wraps only when it must: buttons in equal columns cut "Approve & Publish" short.
    bar = st.container(horizontal=True)
    if p.proposal_type == ProposalType.NEW_FLOW and bar.button(
        "Approve & Publish", key="review_approve", type="primary", disabled=readonly
    ):
        decide("approve", p.id, notes=notes)
    if bar.button("Edit & Publish", key="review_edit", disabled=readonly):
        st.session_state["flows_editor_proposal_id"] = pid
        st.session_state["flows_editor_review_notes"] = notes
        st.switch_page("views/flows.py")
    if bar.button("Dismiss", key="review_dismiss", disabled=readonly):
        st.session_state[CONFIRM] = ("dismiss", pid)
    if bar.button("Reject", key="review_reject", disabled=readonly):
        st.session_state[CONFIRM] = ("reject", pid)
    if p.proposal_type == ProposalType.REVIEW and bar.button("Retire flow", key="review_retire", disabled=readonly):
        st.session_state[CONFIRM] = ("retire", pid)
    if p.proposal_type == ProposalType.REVIEW:
        st.caption(
            "Edit & Publish writes the flow's next version; Retire flow stops it matching and keeps its history."
        )
    elif p.proposal_type != ProposalType.NEW_FLOW:
        st.caption("Enhancements are published only through Edit & Publish, as a new version of the flow.")

    confirm = st.session_state.get(CONFIRM)
    if confirm and confirm[1] == pid and not readonly:
        if confirm[0] == "dismiss":
            st.warning(f"Dismiss '{p.title}'? It returns to Pending if more sessions support it.")
        elif confirm[0] == "retire":
            st.warning(f"Retire '{detail.target_name}'? Sessions stop matching it; its versions and sessions are kept.")
        else:
            st.warning(f"Reject '{p.title}'? Rejected proposals do not come back.")
            reason = st.text_input("Reason (optional)", key="review_reject_reason")
            st.session_state[DRAFT]["reason"] = reason
        c1, c2 = st.columns(2)
        if c1.button(f"Yes, {confirm[0]}", key="review_confirm_yes", type="primary"):
            if confirm[0] in ("dismiss", "retire"):
                decide(confirm[0], p.id, notes=notes)
            else:
                decide("reject", p.id, reason=st.session_state.get("review_reject_reason") or notes)
        if c2.button("Cancel", key="review_confirm_no"):
            st.session_state.pop(CONFIRM, None)
            st.rerun()
    if settings().llm_enabled and st.button(
        "Ask the model for a new tree",
        key="review_new_tree",
        disabled=readonly or p.regenerate_requested_at is not None,
        help="One model call, on the worker's next pass, from all the supporting sessions of this proposal.",
    ):
        ask_for_new_tree(p.id)


# --- detail: what it is, the decision, then the graph ---------------------------------------------------------
with detail_col:
    selected = st.session_state.get(SELECTED)
    if selected is None and queue.rows:
        selected = str(queue.rows[0].id)
    detail = None
    if selected:
        # The id comes from the link or the session: one that names no UUID is as unknown as a missing one.
        selected_id = parse_uuid(selected)
        detail = call(proposals.get_detail, user.account_id, selected_id) if selected_id else None
        if detail is None:
            st.warning("That proposal does not exist in this account.")
    if detail is None:
        st.caption("Select a proposal to see its flow.")
        st.stop()

    p = detail.proposal
    pid = str(p.id)
    st.subheader(p.title)
    st.markdown(
        f"{badge(p.proposal_type)} **{labels.human(p.status)}** · domain {domain_label(p.problem_domain)} · "
        f"confidence {p.confidence_score:.2f} · generator {p.generator}"
    )
    draft = st.session_state.get(DRAFT)
    if p.status != ProposalStatus.PENDING and draft and draft["pid"] == pid:
        lost_race(p, detail.reviewer_name, draft)
    if p.status == ProposalStatus.MERGED:
        st.info(
            "The flywheel joined this proposal into another of the same problem once their clusters met: its "
            f"{p.supporting_session_count} supporting session{'' if p.supporting_session_count == 1 else 's'} and "
            "their paths are there now. Decide on that one."
        )
        if p.merged_into_id:
            page_link(
                "views/review_queue.py",
                "Open the proposal it was joined into",
                ":material/merge:",
                proposal=str(p.merged_into_id),
            )
    elif p.status != ProposalStatus.PENDING:
        who = detail.reviewer_name or "the flywheel"
        when = labels.minute(p.reviewed_at) if p.reviewed_at else ""
        st.info(
            f"Decided: {labels.lower(p.status)} by {who} {when}".strip()
            + (f" · published as '{detail.published_flow_name}'" if detail.published_flow_name else "")
            + (f"  \nNotes: {p.reviewer_notes}" if p.reviewer_notes else "")
        )
        if p.published_flow_id and detail.published_flow_name:
            st.page_link(
                "views/flows.py",
                label=f"Open '{detail.published_flow_name}' in Flows",
                icon=":material/account_tree:",
                query_params=link_params(flow=str(p.published_flow_id)),
            )
    else:
        actions(p, detail)

    if p.description:
        st.caption(p.description)
    if p.status == ProposalStatus.PENDING and p.regenerate_requested_at:
        st.info(
            f"A new tree from the model was asked for at {labels.minute(p.regenerate_requested_at)}; "
            "the worker writes it on its next pass."
        )
    if p.generation_error:
        st.warning(f"The model could not write this tree (the offline tree stands): {p.generation_error}")

    if detail.is_enhancement:
        decided = f", decided against version {detail.decided_version}" if detail.decided_version else ""
        st.markdown(
            f"**Enhances '{detail.target_name or 'a deleted flow'}'** "
            f"(proposed against version {p.base_tree_version}{decided}, now version {detail.target_version})"
        )
        if p.status != ProposalStatus.PENDING:
            st.caption("The changes below are as they were when the proposal was decided.")
        if detail.is_stale:
            st.warning(
                "The flow changed since this was proposed. Edit & Publish will ask you to confirm against the "
                "current version."
            )
        diff = detail.diff or {}
        if diff.get("summary"):
            st.markdown("\n".join(f"* {line}" for line in diff["summary"]))
        if detail.proposed_tree:
            # The target flow's last 30 days on the edges it shares with the proposal.
            outcomes = p.target_flow_id and call(
                edges.flow_outcomes,
                user.account_id,
                p.target_flow_id,
                detail.proposed_tree,
                period_days=30,
                now=utcnow(),
            )
            draw_tree(
                detail.proposed_tree,
                key=f"review_graph_{pid}",
                added={a["id"] for a in diff.get("added", [])},
                changed={c["id"] for c in diff.get("changed", [])},
                outcomes=outcomes or None,
            )
    elif detail.proposed_tree and p.proposal_type == ProposalType.REVIEW and p.target_flow_id:
        outcomes = call(
            edges.flow_outcomes, user.account_id, p.target_flow_id, detail.proposed_tree, period_days=30, now=utcnow()
        )
        draw_tree(detail.proposed_tree, key=f"review_graph_{pid}", outcomes=outcomes)
    elif detail.proposed_tree:
        draw_tree(detail.proposed_tree, key=f"review_graph_{pid}")
    else:
        st.info("This proposal carries no tree.")

    # --- where the proposal comes from, below the graph: the decision above needs the first screen ---------
    cfg = settings()
    st.caption(model_note(p, cfg.llm_enabled, cfg.model_at_support, cfg.model_after_hours))
    if p.source_session_id:
        page_link("views/sessions.py", "Open source session", ":material/forum:", session=str(p.source_session_id))
    support = [str(s) for s in (p.supporting_session_ids or []) if s]
    if support:
        with st.expander(f"{labels.plural(p.supporting_session_count, 'supporting session')}"):
            for session_id in support[:12]:
                page_link("views/sessions.py", f"Session {session_id[:8]}", session=session_id)
    else:
        st.caption(labels.plural(p.supporting_session_count, "supporting session"))
