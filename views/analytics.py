"""Analytics: KPIs with trends, MTTR, domains, confidence tiers, knowledge coverage and the gaps panel.

A period (7, 30 or 90 days, or a custom range of days) and a domain narrow every figure; clicking a point, a bar or a
coverage cell opens the Sessions list behind it (``ui.drilldown``).
"""

from datetime import UTC, datetime, timedelta

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from core.insights.analytics import PERIODS, InvalidPeriod, is_empty, trend
from core.insights.seeds import flow_seed
from core.sessions.browse import domain_options
from ui import charts, context, drilldown, insights, labels
from ui.context import current_user
from ui.format import duration, duration_change, metric_delta

CUSTOM = "custom"

user = current_user()

title_col, period_col, domain_col = st.columns([2, 3, 2], vertical_alignment="bottom")
title_col.title("Analytics")
period = period_col.radio(
    "Period",
    (*PERIODS, CUSTOM),
    index=1,
    format_func=lambda days: "Custom range" if days == CUSTOM else f"{days} days",
    horizontal=True,
    key="analytics_period",
)
domain = domain_col.selectbox(
    "Domain",
    [None, *context.call(domain_options, user.account_id)],
    # The URL and the filters keep the stored name (active_directory); only the label is for people.
    format_func=lambda d: "All domains" if d is None else labels.human(d),
    key="analytics_domain",
)
days = None
if period == CUSTOM:
    today = datetime.now(UTC).date()
    picked = st.date_input(
        "Days (UTC, both included)",
        value=(today - timedelta(days=29), today),
        max_value=today,
        key="analytics_range",
    )
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.info("Pick the last day of the range.")
        st.stop()
    days = picked

try:
    data = insights.dashboard(user.account_id, None if days else period, domain=domain, days=days)
    generated_at, _, gaps = insights.latest_gaps(user.account_id)
except InvalidPeriod as exc:
    st.error(str(exc))
    st.stop()
except SQLAlchemyError as exc:
    st.error(f"The analytics could not be read from the database: {exc.__class__.__name__}. Try again shortly.")
    st.stop()
kpis, previous = data["kpis"], data["previous_kpis"]
if domain is not None:
    gaps = [g for g in gaps if g.domain == domain]


def _delta(key: str, suffix: str = "", source: dict | None = None, before: dict | None = None) -> str | None:
    change = trend((source or kpis)[key], (before or previous)[key])
    return None if change is None else f"{change:+g}{suffix}"


def _duration_delta(key: str) -> str | None:
    return metric_delta(duration_change(trend(kpis[key], previous[key])))


psa = data.get("psa_metrics")
cards = st.columns(5 if psa else 4)
cards[0].metric("Sessions", kpis["total_sessions"], _delta("total_sessions"), border=True)
cards[1].metric("Resolution rate", f"{kpis['resolution_rate']:.1f}%", _delta("resolution_rate", " pts"), border=True)
cards[2].metric(
    "MTTR",
    duration(kpis["mttr_minutes"]),
    _duration_delta("mttr_minutes"),
    delta_color="inverse",
    help="Mean time to resolution of the resolved sessions; a few long ones pull it up, so the median and the "
    "90th percentile sit beside it.",
    border=True,
)
cards[3].metric(
    "Rating",
    charts.rating_figure(kpis["avg_rating"]),
    _delta("avg_rating"),
    help=f"{charts.stars(kpis['avg_rating'])}: the average of {labels.plural(kpis['rated_sessions'], 'rated session')}.",
    border=True,
)
if psa:
    cards[4].metric(
        "PSA ticket link rate",
        f"{psa['ticket_link_rate']:.1f}%",
        _delta("ticket_link_rate", " pts", psa, psa["previous"]),
        border=True,
    )


def _steps(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


# label, KPI, how its value is written, how its change is written, delta colour, help
SECOND_ROW = (
    ("MTTR median", "mttr_median_minutes", duration, _duration_delta, "inverse",
     "Half the resolved sessions took less, half took more."),
    ("MTTR p90", "mttr_p90_minutes", duration, _duration_delta, "inverse", "Nine in ten resolved sessions took less."),
    ("Steps to resolution", "avg_steps_to_resolution", _steps, _delta, "inverse",
     "Average number of steps of a resolved session."),
    ("Session duration", "avg_session_duration_minutes", duration, _duration_delta, "off",
     "Average time from start to end of a closed session (resolved, escalated or abandoned)."),
    ("Escalated", "escalated_sessions", str, _delta, "inverse", None),
    ("Abandoned", "abandoned_sessions", str, _delta, "inverse", None),
)  # fmt: skip
for column, (label, key, shown, change, colour, explained) in zip(st.columns(6), SECOND_ROW, strict=True):
    column.metric(label, shown(kpis[key]), change(key), delta_color=colour, help=explained)

if psa:
    push_rates = (
        ("PSA pushes succeeding in the end", "auto_push_eventual_success_rate",
         f"Of {psa['pushes']} time-entry pushes to the PSA, first time or after a retry."),
        ("First-time push success", "auto_push_success_rate", None),
        ("Success after a retry", "auto_push_retry_success_rate",
         f"Of the {psa['pushes_failed_first']} pushes whose first attempt failed."),
    )  # fmt: skip
    pushes = st.columns(4)
    for column, (label, key, explained) in zip(pushes, push_rates, strict=False):
        column.metric(label, f"{psa[key]:.1f}%", _delta(key, " pts", psa, psa["previous"]), help=explained)
    pushes[3].metric(
        "Time logged in the PSA", f"{psa['hours_logged']:g} h", help=f"{psa['time_entries_logged']} time entries."
    )

first_day, last_day = drilldown.window_days(data)
span = data["period_days"]
compared = f"the {span} days before {first_day}" if span != 1 else f"the day before {first_day}"
compared = f"the previous {period} days" if days is None else compared
notes = [f"{first_day} to {last_day} (UTC). Arrows compare with {compared}."]
if domain is not None and psa:
    notes.append("PSA push figures count the whole account.")
st.caption(" ".join(notes))
st.page_link(
    drilldown.SESSIONS_PAGE,
    label="Open these sessions",
    icon=":material/forum:",
    query_params=context.link_params(**drilldown.link(data)),
)


def _drill(chart: str, points: list) -> None:
    """Open the Sessions list behind the first clicked point."""
    for point in points[:1]:
        params = drilldown.from_point(chart, point, data)
        if params:
            st.switch_page(drilldown.SESSIONS_PAGE, query_params=context.link_params(**params))


if is_empty(data):
    where = "" if domain is None else f" in {labels.lower(domain)}"
    when = f"in the last {period} days" if days is None else f"from {first_day} to {last_day}"
    st.info(f"No sessions{where} {when}: nothing to chart for this period.")
else:
    trend, by_domain, tiers = data["mttr_trend"], data["sessions_by_domain"], data["confidence_breakdown"]
    left, right = st.columns(2)
    with left:
        if trend:
            trend_rows = [{**row, "mttr": duration(row["mttr_minutes"])} for row in trend]
            _drill(
                "mttr",
                charts.chart_with_table(
                    charts.mttr_area(trend), labels.rows(trend_rows), "analytics_mttr", "mttr_trend.csv", clickable=True
                ),
            )
        else:
            st.info("No session was resolved in this period.")
    with right:
        _drill(
            "domains",
            charts.chart_with_table(
                charts.domain_bars(by_domain),
                labels.rows(by_domain, named=("domain",)),
                "analytics_domains",
                "sessions_by_domain.csv",
                clickable=True,
            ),
        )
    left, right = st.columns(2)
    with left:
        charts.chart_with_table(
            charts.tier_donut(tiers), labels.rows(tiers, named=("tier",)), "analytics_tiers", "confidence_tiers.csv"
        )
    with right:
        worst = charts.worst_severity(gaps) if generated_at is not None else None
        rows = charts.coverage_rows(data["knowledge_coverage"]["domains"], worst)
        _drill(
            "coverage",
            charts.chart_with_table(
                charts.coverage_heatmap(rows),
                charts.coverage_table(rows),
                "analytics_coverage",
                "knowledge_coverage.csv",
                clickable=True,
            ),
        )

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
    st.success(
        "The latest gap report found no knowledge gap" + ("." if domain is None else f" in {labels.lower(domain)}.")
    )
else:
    st.caption(f"Latest report: {labels.minute(generated_at)}")
    for gap in gaps:
        with st.container(border=True):
            st.markdown(
                f"{charts.severity_badge(gap.severity)} **{gap.title}** · {labels.human(gap.gap_type)} · "
                f"{labels.human(gap.domain)}"
            )
            st.write(gap.description)
            st.caption(f"Suggested: {gap.suggested_action}")
            evidence = labels.evidence(gap.evidence)
            if evidence:
                with st.expander("Evidence"):
                    st.markdown(evidence)
            if gap.severity == "high" and st.button("Create flow", key=f"analytics_create_{gap.key}"):
                st.session_state["flows_editor_seed"] = flow_seed(gap)
                st.switch_page("views/flows.py")
