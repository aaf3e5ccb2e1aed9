"""Sessions: every AI troubleshooting session of the account, filtered and paged; one opens read-only.

``?session=<id>`` opens a session directly (links from other pages and from colleagues land here).
``?domain=…&status=…&tier=…&from=YYYY-MM-DD&to=YYYY-MM-DD`` (each but the dates repeatable) opens the list with
those filters set, as Analytics does when a chart is clicked; the filters stay editable, and the URL follows them
so the list can be shared or reloaded as it is. The URL and the filters hold stored names (``active_directory``); the
page shows them as labels ("Active Directory"). The CSV downloads are the records as stored, like a report's.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth import PermissionDenied
from core.db import parse_uuid
from core.enums import SessionStatus
from core.models import ANALYSIS_STATUSES, CONFIDENCE_TIERS, SESSION_STATUSES
from core.sessions.browse import (
    LINK_PARAMS,
    NOT_QUEUED,
    InvalidFilter,
    NotRequeueable,
    SessionDetail,
    SessionFilter,
    SessionNotFound,
    StepView,
    domain_options,
    export_sessions,
    filter_from_link,
    get_session,
    link_params,
    list_sessions,
    requeue_analysis,
    to_csv,
)
from ui import context, labels
from ui.format import duration
from ui.text import literal, when

PAGE_SIZES = (25, 50, 100)
STATUS_COLOURS = {
    SessionStatus.RESOLVED: "green",
    SessionStatus.ESCALATED: "red",
    SessionStatus.ABANDONED: "gray",
    SessionStatus.ACTIVE: "blue",
}
FILTER_KEYS = ("sessions_search", "sessions_status", "sessions_tier", "sessions_domain", "sessions_analysis")
FILTER_KEYS += ("sessions_from", "sessions_to", "sessions_page_size")


def _first_page() -> None:
    st.session_state["sessions_page"] = 1


def _open(session_id: str) -> None:
    st.query_params["session"] = session_id


def _close() -> None:
    st.query_params.pop("session", None)
    # A new table key drops the old row selection, which would otherwise reopen the session at once.
    st.session_state["sessions_table_gen"] = st.session_state.get("sessions_table_gen", 0) + 1


# Filter keys a link sets, by its query parameter; a link also clears the search and the analysis filter.
_LINKED_KEYS = {
    "domain": "sessions_domain",
    "status": "sessions_status",
    "tier": "sessions_tier",
    "from": "sessions_from",
    "to": "sessions_to",
}


def _link_from_url() -> list[str]:
    """Set the filter widgets from the URL when it names other filters than those shown (a new link, or the list
    coming back from a session, whose widgets were not drawn); returns what the link asked that cannot apply."""
    params = {name: st.query_params.get_all(name) for name in LINK_PARAMS}
    signature = repr(sorted(params.items()))
    shown = all(key in st.session_state for key in _LINKED_KEYS.values())
    if st.session_state.get("sessions_link") == signature and shown:
        return []
    st.session_state["sessions_link"] = signature
    if not any(params.values()):
        return []
    linked = filter_from_link(params)
    flt = linked.filter
    st.session_state["sessions_domain"] = list(flt.domains)
    st.session_state["sessions_status"] = list(flt.statuses)
    st.session_state["sessions_tier"] = list(flt.tiers)
    st.session_state["sessions_from"] = flt.date_from
    st.session_state["sessions_to"] = flt.date_to
    st.session_state["sessions_search"] = ""
    st.session_state["sessions_analysis"] = []
    st.session_state["sessions_page"] = 1
    return list(linked.ignored)


def _link_to_url(flt: SessionFilter) -> None:
    """Keep the URL's filter parameters equal to the filters shown (the session parameter is left alone)."""
    params = link_params(flt)
    for name, values in params.items():
        if values:
            if st.query_params.get_all(name) != values:
                st.query_params[name] = values
        elif name in st.query_params:
            del st.query_params[name]
    st.session_state["sessions_link"] = repr(sorted(params.items()))


def _filters(domains: list[str]) -> SessionFilter:
    top = st.columns([3, 2, 2], vertical_alignment="bottom")
    text = top[0].text_input(
        "Search",
        key="sessions_search",
        placeholder="summary, resolution, PSA ticket or source id",
        on_change=_first_page,
    )
    date_from = top[1].date_input("From", value=None, key="sessions_from", on_change=_first_page)
    date_to = top[2].date_input("To", value=None, key="sessions_to", on_change=_first_page)
    cols = st.columns(4)
    named = {"format_func": labels.human, "on_change": _first_page}
    statuses = cols[0].multiselect("Status", SESSION_STATUSES, key="sessions_status", **named)
    tiers = cols[1].multiselect("Confidence tier", CONFIDENCE_TIERS, key="sessions_tier", **named)
    # A linked domain with no session yet is still offered, so the filter shows what the link asked for.
    linked = [d for d in st.session_state.get("sessions_domain") or [] if d not in domains]
    chosen_domains = cols[2].multiselect("Domain", [*domains, *linked], key="sessions_domain", **named)
    analysis = cols[3].multiselect("Analysis", (*ANALYSIS_STATUSES, NOT_QUEUED), key="sessions_analysis", **named)
    return SessionFilter(
        statuses=tuple(statuses),
        tiers=tuple(tiers),
        domains=tuple(chosen_domains),
        analysis_statuses=tuple(analysis),
        text=text or "",
        date_from=date_from,
        date_to=date_to,
    )


def _table(rows: list) -> pd.DataFrame:
    """The page's rows as a person reads them: columns named, stored names as labels, durations and ratings written."""
    return pd.DataFrame(
        [
            {
                "Started (UTC)": r.created_at,
                "Status": labels.human(r.status),
                "Tier": labels.human(r.confidence_tier),
                "Domain": labels.human(r.problem_domain),
                "Problem": r.problem_summary,
                "Engineer": r.engineer,
                "Matched flow": r.matched_flow,
                "Match": labels.DASH if r.match_score is None else f"{r.match_score:.2f}",
                "Escapes": r.free_text_escapes,
                "Rating": labels.rating(r.rating),
                "Duration": duration(r.duration_minutes, empty="still open"),
                "Analysis": labels.human(r.analysis_status),
                "PSA ticket": r.psa_ticket_id,
            }
            for r in rows
        ]
    )


def show_list(account_id) -> None:
    cfg = context.settings()
    for reason in _link_from_url():
        st.warning(f"The link's filter was left out: {reason}")
    flt = _filters(context.call(domain_options, account_id))
    _link_to_url(flt)
    size = st.session_state.get("sessions_page_size", PAGE_SIZES[1])
    try:
        result = context.call(
            list_sessions, account_id, flt, page=int(st.session_state.get("sessions_page", 1)), page_size=size
        )
    except InvalidFilter as exc:
        st.error(str(exc))
        return
    if result.total == 0:
        filtered = any(st.session_state.get(k) for k in FILTER_KEYS[:-1])
        st.info("No session matches these filters." if filtered else "No sessions yet in this account.")
        return

    st.caption(f"Showing {result.first_row:,}–{result.last_row:,} of {result.total:,} sessions, newest first.")
    event = st.dataframe(
        _table(result.rows),
        key=f"sessions_table_{st.session_state.get('sessions_table_gen', 0)}",
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Started (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Problem": st.column_config.TextColumn(width="large"),
            "Escapes": st.column_config.NumberColumn(help="Free-text answers: knowledge gaps"),
        },
    )
    chosen = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if chosen:
        _open(str(result.rows[chosen[0]].id))
        st.rerun()

    nav = st.columns([1, 1, 2, 2, 2], vertical_alignment="bottom")
    # The service clamps a page past the end (filters shrank the list); the input shows where we really are.
    st.session_state["sessions_page"] = result.page
    nav[0].number_input("Page", min_value=1, max_value=result.pages, key="sessions_page")
    nav[1].selectbox("Rows per page", PAGE_SIZES, index=1, key="sessions_page_size", on_change=_first_page)
    nav[2].caption(f"Page {result.page} of {result.pages}. Select a row to open the session.")
    nav[3].download_button(
        "Download this page (CSV)",
        to_csv(result.rows),
        file_name=f"sessions-page-{result.page}.csv",
        mime="text/csv",
        on_click="ignore",
        key="sessions_csv_page",
    )
    nav[4].download_button(
        f"Download all {min(result.total, cfg.report_row_cap):,} (CSV)",
        lambda: to_csv(context.call(export_sessions, account_id, flt, limit=cfg.report_row_cap)),
        file_name="sessions.csv",
        mime="text/csv",
        on_click="ignore",
        key="sessions_csv_all",
        help=f"Every session matching the filters, newest first, at most {cfg.report_row_cap:,}.",
    )


def _step_markdown(step: StepView) -> str:
    lines = [
        f"**{step.number}. {labels.human(step.step_type)}**" + (f" — {literal(step.headline)}" if step.headline else "")
    ]
    if step.options:
        lines.append("Options offered: " + " · ".join(literal(o) for o in step.options))
    if step.was_free_text:
        typed = step.free_text or step.selected or ""
        lines.append(f":orange-badge[Free-text escape] :orange-background[“{literal(typed)}”]")
    elif step.selected:
        chosen = f"Chose **{literal(step.selected)}**"
        if step.off_flow:
            chosen += " :orange-badge[Option not in the flow]"
        lines.append(chosen)
    if step.result:
        lines.append(f"Result: {literal(step.result)}")
    if step.node_id:
        lines.append(f"Flow node `{step.node_id}`")
    return "  \n".join(lines)


def _analysis(detail: SessionDetail, user) -> None:
    st.subheader("Flywheel analysis")
    status = detail.analysis_status or NOT_QUEUED
    facts = [f"Status **{labels.lower(status)}**", f"attempts {detail.analysis_attempts}"]
    if detail.analysis_outcome:
        facts.append(f"outcome **{labels.lower(detail.analysis_outcome)}**")
    if detail.analyzed_at:
        facts.append(f"analysed {when(detail.analyzed_at)}")
    st.markdown(" · ".join(facts))
    if detail.analysis_reason:
        st.markdown(f"Reason: {literal(detail.analysis_reason)}")
    if detail.analysis_error:
        st.error(f"Last error: {detail.analysis_error}")
    if detail.analysis_proposal_id:
        label = literal(detail.proposal_title or "the proposal")
        st.page_link(
            "views/review_queue.py",
            label=f"Proposal: {label} ({labels.lower(detail.proposal_status)})",
            icon=":material/inbox:",
            query_params=context.link_params(proposal=str(detail.analysis_proposal_id)),
        )
    if detail.can_requeue and st.button("Re-queue analysis", key="sessions_requeue"):
        try:
            context.call(requeue_analysis, user, detail.id)
        except (NotRequeueable, PermissionDenied, SessionNotFound) as exc:
            st.error(str(exc))
        else:
            st.toast("Analysis re-queued: the worker picks it up on its next run.")
            st.rerun()


def show_detail(session_id: str, user) -> None:
    st.button("← All sessions", key="sessions_back", on_click=_close)
    key = parse_uuid(session_id)
    try:
        if key is None:
            # A link naming no UUID names no session: the same answer as an unknown id.
            raise SessionNotFound(session_id)
        detail = context.call(get_session, user.account_id, key)
    except SessionNotFound:
        st.error("Session not found")
        return

    st.subheader(literal(detail.problem_summary) if detail.problem_summary else "(no summary)")
    rating = f"rated {detail.rating}/5" if detail.rating else "not rated"
    badges = (labels.human(detail.status), labels.human(detail.confidence_tier))
    domain = labels.human(detail.problem_domain or "unclassified")
    st.markdown(
        f":{STATUS_COLOURS.get(detail.status, 'gray')}-badge[{literal(badges[0])}] :violet-badge[{literal(badges[1])}] "
        f":gray-badge[{literal(domain)}] :gray-badge[{rating}]"
    )
    flow = "no matched flow"
    if detail.matched_flow:
        score = f" (match score {detail.match_score:.2f})" if detail.match_score is not None else ""
        flow = f"**{literal(detail.matched_flow)}**{score}"
    took = duration(detail.duration_minutes, empty="still open")
    st.markdown(
        f"Engineer **{literal(detail.engineer or '—')}** · started {when(detail.created_at)} · "
        f"ended {when(detail.ended_at)} · {took}  \n"
        f"Matched flow: {flow} · PSA ticket {literal(detail.psa_ticket_id or '—')}  \n"
        f"Session id `{detail.id}`" + (f" · source id **{literal(detail.external_id)}**" if detail.external_id else "")
    )
    if detail.resolution_summary:
        st.success(f"Resolution: {literal(detail.resolution_summary)}")

    _analysis(detail, user)

    if detail.status == SessionStatus.ACTIVE:
        st.page_link(
            "views/script_assist.py",
            label="Generate a script for this session in Script Assist",
            icon=":material/terminal:",
            query_params=context.link_params(session=str(detail.id)),
        )

    if detail.intake:
        st.subheader("Intake")
        if all(f.is_scalar for f in detail.intake):
            st.markdown(
                "  \n".join(
                    f"**{literal(f.key.replace('_', ' ').capitalize())}:** {literal(f.text)}"
                    if f.key
                    else literal(f.text)
                    for f in detail.intake
                )
            )
        else:
            st.json({f.key: f.value for f in detail.intake}, expanded=True)

    st.subheader("Conversation")
    if not detail.conversation:
        st.caption("No conversation was recorded.")
    for turn in detail.conversation:
        with st.chat_message("user" if turn.by_engineer else "assistant"):
            # Assistant replies are markdown; only $ is neutralised so PowerShell variables do not become LaTeX.
            st.markdown(turn.text.replace("$", "\\$"))

    st.subheader("Steps")
    if detail.escapes:
        n = len(detail.escapes)
        st.warning(
            f"{n} step{'s' if n != 1 else ''} left the flow (free-text escapes or options the flow lacks): "
            "these are the knowledge gaps."
        )
    if not detail.steps:
        st.caption("No steps were recorded.")
    for step in detail.steps:
        with st.container(border=step.was_free_text or step.off_flow):
            st.markdown(_step_markdown(step))


st.title("Sessions")
current = context.current_user()
opened = st.query_params.get("session")
if opened:
    show_detail(opened, current)
else:
    show_list(current.account_id)
