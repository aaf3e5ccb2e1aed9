"""Knowledge Gaps: the full latest report, filters, and the sessions behind each gap."""

from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from core.auth import PermissionDenied
from core.insights.branches import BranchNotPossible, propose_branch
from core.insights.gaps import GAP_TYPES, SEVERITIES, filter_gaps
from core.insights.seeds import flow_seed
from ui import charts, insights, labels
from ui.context import call, current_user, link_params

user = current_user()
st.title("Knowledge Gaps")

try:
    generated_at, lookback_days, gaps = insights.latest_gaps(user.account_id)
except SQLAlchemyError as exc:
    st.error(f"The gap report could not be read from the database: {exc.__class__.__name__}. Try again shortly.")
    st.stop()
head, action = st.columns([4, 1], vertical_alignment="bottom")
if generated_at:
    head.caption(f"Report of {labels.minute(generated_at)} over the last {labels.plural(lookback_days, 'day')}.")
if action.button("Recompute now", key="gaps_recompute", type="primary"):
    try:
        found = insights.recompute_gaps(user.account_id)
    except Exception as exc:  # noqa: BLE001 - shown to the user instead of a traceback
        st.error(f"The gap report could not be computed: {exc}")
    else:
        st.toast(f"Gap report recomputed: {labels.plural(found, 'gap')}.")
        st.rerun()

if generated_at is None:
    st.info("No gap report yet. The worker computes one every hour; press “Recompute now” to compute it at once.")
    st.stop()

if not gaps:
    st.success("The latest report found no knowledge gap.")
    st.stop()

f1, f2, f3 = st.columns(3)
chosen_types = f1.multiselect("Type", GAP_TYPES, key="gaps_filter_type", format_func=labels.human)
chosen_domains = f2.multiselect(
    "Domain", sorted({g.domain for g in gaps}), key="gaps_filter_domain", format_func=labels.human
)
chosen_severities = f3.multiselect("Severity", SEVERITIES, key="gaps_filter_severity", format_func=labels.human)
shown = filter_gaps(gaps, chosen_types, chosen_domains, chosen_severities)
if not shown:
    st.info("No gap matches these filters.")
    st.stop()

rows = [
    {
        "Severity": labels.human(g.severity),
        "Type": labels.human(g.gap_type),
        "Domain": labels.human(g.domain),
        "Title": g.title,
        "Sessions shown": len(g.session_ids),
        "Suggested action": g.suggested_action,
    }
    for g in shown
]
charts.table_with_download(rows, "gaps_report", "knowledge_gaps.csv")

st.subheader("Details")
for gap in shown:
    with st.expander(f"{charts.severity_name(gap.severity).upper()} · {gap.title}", expanded=False):
        st.markdown(f"{charts.severity_badge(gap.severity)} {labels.human(gap.gap_type)} · {labels.human(gap.domain)}")
        st.write(gap.description)
        st.caption(f"Suggested: {gap.suggested_action}")
        evidence = labels.evidence(gap.evidence)
        if evidence:
            st.markdown("**Evidence**  \n" + evidence)
        show, create, branch = st.columns(3)
        if show.toggle("Show the sessions behind this gap", key=f"gaps_sessions_{gap.key}"):
            sessions = insights.gap_sessions(user.account_id, gap)
            if not sessions:
                st.info("These sessions are no longer in the database.")
            else:
                table = [
                    {
                        "Status": labels.human(s["status"]),
                        "Confidence tier": labels.human(s["confidence_tier"]),
                        "Domain": labels.human(s["domain"]),
                        "Summary": s["summary"],
                        "Started": labels.minute(s["created_at"]),
                        "Rating": labels.rating(s["rating"]),
                    }
                    for s in sessions
                ]
                st.dataframe(table, hide_index=True, key=f"gaps_sessions_table_{gap.key}")
                # Links inside the app (a table's link column would open a new tab and a new app session).
                for s in sessions:
                    st.page_link(
                        "views/sessions.py",
                        label=f"Open “{s['summary']}” ({labels.minute(s['created_at'])})",
                        icon=":material/forum:",
                        query_params=link_params(session=str(s["session_id"])),
                    )
        if gap.severity == "high" and create.button("Create flow", key=f"gaps_create_{gap.key}"):
            st.session_state["flows_editor_seed"] = flow_seed(gap)
            st.switch_page("views/flows.py")
        if gap.gap_type == "weak_options" and branch.button(
            "Propose branch",
            key=f"gaps_branch_{gap.key}",
            disabled=not user.is_team_admin,
            help="Group the free-text answers and propose the most common ones as new options of this question.",
        ):
            try:
                proposal = call(propose_branch, user, gap, now=datetime.now(UTC), lookback_days=lookback_days)
            except (BranchNotPossible, PermissionDenied) as exc:
                st.warning(f"No branch proposed: {exc}")
            else:
                st.toast(f"Proposed '{proposal.title}' in the Review Queue.", icon="✅")
                st.page_link(
                    "views/review_queue.py",
                    label="Open it in the Review Queue",
                    icon=":material/inbox:",
                    query_params=link_params(proposal=str(proposal.id)),
                )
