"""The Streamlit side of the Knowledge Health page: a cached read of ``core.insights.health`` and its two charts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import plotly.graph_objects as go
import streamlit as st

from core.db import parse_uuid
from core.insights.health import KnowledgeHealth, knowledge_health
from ui.charts import TIER_COLOURS
from ui.context import call, settings

HEALTH_TTL_S = 300
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 340}

# The help tooltip of each measure: what it counts, in the README's words.
HELP = {
    "link": "Closed sessions that followed a flow (matched one) or produced one (their proposal was published), "
    "out of all closed sessions in the period.",
    "reuse": "Resolved sessions that matched an existing flow, out of all resolved sessions in the period.",
    "known": "Closed sessions by confidence tier: guided = known problem on a flow, exploring = near one, "
    "discovery = new problem with no flow.",
    "publish": "Median hours from a published proposal's first session (its source session, else the proposal's "
    "creation) to the reviewer's decision, over proposals approved or edited & published in the period.",
    "backlog": "Pending proposals now; the median and the oldest age of the queue.",
    "pareto": "Published flows ordered by reuse (resolved sessions that matched them in the period); the flows "
    "before the line carry 80 % of all reuse.",
    "stale": "Published flows older than 90 days that no session matched in the last 90 days: candidates to "
    "retire or to match better.",
    "cost": "Model calls and tokens of the daily budget ledger in the period, divided by the proposals approved "
    "in it; beside it, model-written proposals approved vs turned down (dismissed or rejected).",
}


@st.cache_data(ttl=HEALTH_TTL_S, max_entries=64, show_spinner="Measuring knowledge health…")
def _health(url: str, account_id: str, period_days: int) -> KnowledgeHealth:
    return call(knowledge_health, parse_uuid(account_id), period_days, datetime.now(UTC))


def health(account_id: uuid.UUID, period_days: int) -> KnowledgeHealth:
    return _health(settings().database_url, str(account_id), period_days)


def pareto_chart(h: KnowledgeHealth) -> go.Figure:
    names = [r["flow"] for r in h.pareto]
    colours = ["#2e9e5b" if r["rank"] <= h.carrying_flows else "#9AA0A6" for r in h.pareto]
    fig = go.Figure(
        [
            go.Bar(x=names, y=[r["reuse"] for r in h.pareto], name="Reuse", marker_color=colours),
            go.Scatter(
                x=names,
                y=[r["cumulative %"] for r in h.pareto],
                name="Cumulative %",
                yaxis="y2",
                mode="lines+markers",
                line={"color": "#4C78A8"},
            ),
        ]
    )
    fig.update_layout(
        title="Flows by reuse (green: the flows that carry 80 %)",
        yaxis={"title": "resolved sessions"},
        yaxis2={"title": "cumulative %", "overlaying": "y", "side": "right", "range": [0, 105]},
        showlegend=False,
        **_LAYOUT,
    )
    return fig


def tier_chart(h: KnowledgeHealth) -> go.Figure:
    labels = {"guided": "Known (guided)", "exploring": "Exploring", "discovery": "New (discovery)"}
    fig = go.Figure(
        go.Pie(
            labels=[labels[t] for t in h.tiers],
            values=list(h.tiers.values()),
            hole=0.55,
            marker={"colors": [TIER_COLOURS.get(t, "#999") for t in h.tiers]},
            sort=False,
        )
    )
    fig.update_layout(title="New vs known", **_LAYOUT)
    return fig
