"""Analytics: KPIs with trends, MTTR, domains, confidence tiers, knowledge coverage and the gaps panel."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from core.insights.analytics import PERIODS, is_empty, trend
from core.insights.seeds import flow_seed
from ui import charts, insights
from ui.context import current_user

user = current_user()

title_col, period_col = st.columns([3, 2], vertical_alignment="bottom")
title_col.title("Analytics")
period = period_col.radio(
    "Period",
    PERIODS,
    index=1,
    format_func=lambda days: f"{days} days",
    horizontal=True,
    key="analytics_period",
)

try:
    data = insights.dashboard(user.account_id, period)
    generated_at, _, gaps = insights.latest_gaps(user.account_id)
except SQLAlchemyError as exc:
    st.error(f"The analytics could not be read from the database: {exc.__class__.__name__}. Try again shortly.")
    st.stop()
kpis, previous = data["kpis"], data["previous_kpis"]


def _delta(key: str, suffix: str = "", source: dict | None = None, before: dict | None = None) -> str | None:
    change = trend((source or kpis)[key], (before or previous)[key])
    return None if change is None else f"{change:+g}{suffix}"


psa = data.get("psa_metrics")
cards = st.columns(5 if psa else 4)
cards[0].metric("Sessions", kpis["total_sessions"], _delta("total_sessions"), border=True)
cards[1].metric("Resolution rate", f"{kpis['resolution_rate']:.1f}%", _delta("resolution_rate", " pts"), border=True)
cards[2].metric(
    "MTTR",
    "–" if kpis["mttr_minutes"] is None else f"{kpis['mttr_minutes']:.0f} min",
    _delta("mttr_minutes", " min"),
    delta_color="inverse",
    border=True,
)
cards[3].metric(
    "Rating",
    charts.stars(kpis["avg_rating"]),
    _delta("avg_rating"),
    help=f"{kpis['rated_sessions']} rated sessions",
    border=True,
)
if psa:
    cards[4].metric(
        "PSA ticket link rate",
        f"{psa['ticket_link_rate']:.1f}%",
        _delta("ticket_link_rate", " pts", psa, psa["previous"]),
        help=(
            f"Auto-push success {psa['auto_push_success_rate']:.1f}% first time, "
            f"{psa['auto_push_retry_success_rate']:.1f}% after a retry; "
            f"{psa['time_entries_logged']} time entries, {psa['hours_logged']:g} h logged"
        ),
        border=True,
    )

st.caption(f"Arrows compare with the previous {period} days.")

if is_empty(data):
    st.info(f"No sessions in the last {period} days: nothing to chart for this period.")
else:
    trend, by_domain, tiers = data["mttr_trend"], data["sessions_by_domain"], data["confidence_breakdown"]
    left, right = st.columns(2)
    with left:
        if trend:
            charts.chart_with_table(charts.mttr_area(trend), trend, "analytics_mttr", "mttr_trend.csv")
        else:
            st.info("No session was resolved in this period.")
    with right:
        charts.chart_with_table(charts.domain_bars(by_domain), by_domain, "analytics_domains", "sessions_by_domain.csv")
    left, right = st.columns(2)
    with left:
        charts.chart_with_table(charts.tier_donut(tiers), tiers, "analytics_tiers", "confidence_tiers.csv")
    with right:
        worst = charts.worst_severity(gaps) if generated_at is not None else None
        rows = charts.coverage_rows(data["knowledge_coverage"]["domains"], worst)
        charts.chart_with_table(charts.coverage_heatmap(rows), rows, "analytics_coverage", "knowledge_coverage.csv")

coverage = data["knowledge_coverage"]
st.caption(
    f"{coverage['published_flows']} published flows ({coverage['ai_flows']} AI-generated or enhanced) · "
    f"{coverage['pending_proposals']} proposals pending · {coverage['approved_proposals']} approved and "
    f"{coverage['rejected_proposals']} rejected in the period"
)

st.subheader("Knowledge gaps")
if generated_at is None:
    st.info("No gap report yet: the worker computes one every hour, or recompute it on the Knowledge Gaps page.")
elif not gaps:
    st.success("The latest gap report found no knowledge gap.")
else:
    st.caption(f"Latest report: {generated_at[:16].replace('T', ' ')} UTC")
    for gap in gaps:
        with st.container(border=True):
            st.markdown(f"{charts.severity_badge(gap.severity)} **{gap.title}** · `{gap.gap_type}` · {gap.domain}")
            st.write(gap.description)
            st.caption(f"Suggested: {gap.suggested_action}")
            with st.expander("Evidence"):
                st.json(gap.evidence, expanded=False)
            if gap.severity == "high" and st.button("Create flow", key=f"analytics_create_{gap.key}"):
                st.session_state["flows_editor_seed"] = flow_seed(gap)
                st.switch_page("views/flows.py")
