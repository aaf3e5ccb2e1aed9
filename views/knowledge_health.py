"""Knowledge Health: how the desk's knowledge is used (KCS measures over a period); definitions in the README."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from core.insights.health import PERIODS
from ui import charts, labels
from ui import health as view
from ui.context import current_user
from ui.format import duration

user = current_user()

title_col, period_col = st.columns([3, 2], vertical_alignment="bottom")
title_col.title("Knowledge Health")
period = period_col.radio(
    "Period", PERIODS, index=1, format_func=lambda d: f"{d} days", horizontal=True, key="health_period"
)

try:
    h = view.health(user.account_id, period)
except SQLAlchemyError as exc:
    st.error(f"Knowledge health could not be read from the database: {exc.__class__.__name__}. Try again shortly.")
    st.stop()


def table(rows: list[dict]) -> list[dict]:
    """Rows with their columns and domains named for people."""
    return labels.rows({**r, "domain": labels.human(r["domain"])} if "domain" in r else r for r in rows)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def hours(value: float | None) -> str:
    return duration(None if value is None else value * 60)


cards = st.columns(4)
cards[0].metric("Link rate", pct(h.link_rate), help=view.HELP["link"], border=True)
cards[1].metric("Reuse rate", pct(h.reuse_rate), help=view.HELP["reuse"], border=True)
cards[2].metric(
    "Time to publish",
    hours(h.time_to_publish_hours),
    help=view.HELP["publish"] + f" {h.published} published in the period.",
    border=True,
)
cards[3].metric(
    "Review backlog",
    h.pending,
    help=view.HELP["backlog"],
    border=True,
)
st.caption(
    f"{labels.plural(h.closed, 'closed session')} in the last {period} days · {h.linked} linked · {h.reused} of "
    f"{labels.plural(h.resolved, 'resolution')} reused a flow · backlog median age {hours(h.backlog_median_hours)}, oldest "
    f"{hours(h.backlog_oldest_hours)}"
)

if h.closed == 0 and not h.pareto:
    st.info(f"No closed session and no published flow in the last {period} days: nothing to measure yet.")
    st.stop()

left, right = st.columns([3, 2])
with left:
    st.subheader("Pareto of flows by reuse", help=view.HELP["pareto"])
    if h.pareto:
        if h.carrying_flows:
            st.markdown(f"**{h.carrying_flows} of {h.flows} flows ({pct(h.carrying_share)}) carry 80 % of the reuse.**")
        charts.chart_with_table(view.pareto_chart(h), table(h.pareto), "health_pareto", f"flow_reuse_{period}d.csv")
    else:
        st.info("No published flow yet.")
with right:
    st.subheader("New vs known", help=view.HELP["known"])
    if h.closed:
        rows = [{"Tier": labels.human(tier), "Closed sessions": count} for tier, count in h.tiers.items()]
        charts.chart_with_table(view.tier_chart(h), rows, "health_tiers", f"new_vs_known_{period}d.csv")
    else:
        st.info("No closed session in the period.")

st.subheader("Flows not matched in 90 days", help=view.HELP["stale"])
if h.stale_flows:
    charts.table_with_download(table(h.stale_flows), "health_stale", "flows_not_matched_90d.csv")
else:
    st.success("Every published flow older than 90 days was matched in the last 90 days.")

st.subheader("Cost per approved proposal", help=view.HELP["cost"])
cost = h.cost
c1, c2, c3 = st.columns(3)
c1.metric(
    "Model calls per approved proposal",
    "–" if cost.calls_per_approved is None else f"{cost.calls_per_approved:g}",
    help=f"{cost.calls} calls in the period, {cost.approved} proposals approved.",
)
c2.metric(
    "Tokens per approved proposal",
    "–" if cost.tokens_per_approved is None else f"{cost.tokens_per_approved:,.0f}",
    help=f"{cost.tokens:,} input and output tokens in the period.",
)
c3.metric(
    "Model-written proposals turned down",
    pct(cost.turned_down_share),
    help=(
        f"{cost.model_approved} approved, {cost.model_turned_down} dismissed or rejected in the period; model calls "
        f"spent on them: {cost.calls_on_approved} on approved, {cost.calls_on_turned_down} on turned-down proposals."
    ),
)
