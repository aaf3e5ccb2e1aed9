"""Plotly figures of the Analytics page, and the "table view + CSV download" every chart carries.

Figures are built from the JSON-safe dicts of ``core.insights.analytics.dashboard``; nothing here queries the database.
Axes, legends and tables show domains, tiers and severities for people (``ui.labels``); a point that opens the
Sessions list carries its stored domain in ``customdata``, which the link is built from (``ui.drilldown``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.enums import ConfidenceTier
from ui import labels
from ui.format import duration, duration_axis
from ui.text import literal

GREEN, AMBER, RED = "#2e9e5b", "#f0a202", "#d64541"
RESOLVED, ESCALATED = "#2e9e5b", "#d64541"
TIER_COLOURS = {
    ConfidenceTier.GUIDED: "#2e9e5b",
    ConfidenceTier.EXPLORING: "#f0a202",
    ConfidenceTier.DISCOVERY: "#5b7bd6",
    ConfidenceTier.UNKNOWN: "#9e9e9e",
}
SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}
SEVERITY_BADGE = {"high": ":red-badge[High]", "medium": ":orange-badge[Medium]", "low": ":blue-badge[Low]"}
NOT_COMPUTED = "not computed"
NO_GAP = "no gap"
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 320}


def mttr_area(trend: list[dict[str, Any]]) -> go.Figure:
    frame = pd.DataFrame(trend, columns=["day", "sessions", "mttr_minutes"])
    per_unit, unit = duration_axis(frame["mttr_minutes"].max() if len(frame) else None)
    fig = go.Figure(
        go.Scatter(
            x=frame["day"],
            y=frame["mttr_minutes"] / per_unit,
            mode="lines+markers",
            fill="tozeroy",
            name="MTTR",
            customdata=list(zip(frame["sessions"], [duration(m) for m in frame["mttr_minutes"]], strict=True)),
            hovertemplate="%{x}<br>%{customdata[1]} over %{customdata[0]} resolved sessions<extra></extra>",
        )
    )
    fig.update_layout(title="Mean time to resolution per day", yaxis_title=unit, **_LAYOUT)
    return fig


def domain_bars(by_domain: list[dict[str, Any]]) -> go.Figure:
    frame = pd.DataFrame(by_domain, columns=["domain", "sessions", "resolved", "escalated", "resolution_rate"])
    shown = [labels.human(d) for d in frame["domain"]]
    stored = list(frame["domain"])
    fig = go.Figure(
        [
            go.Bar(x=shown, y=frame["resolved"], name="Resolved", marker_color=RESOLVED, customdata=stored),
            go.Bar(x=shown, y=frame["escalated"], name="Escalated", marker_color=ESCALATED, customdata=stored),
        ]
    )
    fig.update_layout(title="Resolved vs escalated by domain", barmode="group", **_LAYOUT)
    return fig


def tier_donut(breakdown: list[dict[str, Any]]) -> go.Figure:
    frame = pd.DataFrame(breakdown, columns=["tier", "sessions", "resolved", "escalated", "resolution_rate"])
    names = [
        f"{labels.human(t)} ({r:.0f}% resolved)" for t, r in zip(frame["tier"], frame["resolution_rate"], strict=True)
    ]
    fig = go.Figure(
        go.Pie(
            labels=names,
            values=frame["sessions"],
            hole=0.55,
            marker={"colors": [TIER_COLOURS.get(t, "#999") for t in frame["tier"]]},
            sort=False,
        )
    )
    fig.update_layout(title="Confidence tiers", **_LAYOUT)
    return fig


def severity_badge(severity: Any) -> str:
    """The coloured badge of a known severity; any other value (a report from an older or newer version) in grey."""
    if severity in SEVERITY_BADGE:
        return SEVERITY_BADGE[severity]
    name = str(severity).strip() or "unknown"
    return f":gray-badge[{literal(name[:40].capitalize())}]"


def severity_name(severity: Any) -> str:
    """A severity as text for a heading or a table, whatever was stored."""
    return str(severity) if severity is not None else "unknown"


def _health(flows: int, sessions: int, guided_rate: float, severity: str | None) -> list[float | None]:
    """Per cell 1 = green, 0.5 = amber, 0 = red: no flow for a busy domain, a low guided rate, a severe gap.

    The gap cell is None (drawn without colour) when no gap report was computed or its severity is unknown."""
    flow_h = 1.0 if flows >= 2 else 0.5 if flows == 1 else 0.0
    if sessions and not flows:
        session_h = 0.0
    elif flows and sessions / flows > 100:
        session_h = 0.5
    else:
        session_h = 1.0
    guided_h = 1.0 if guided_rate >= 60 else 0.5 if guided_rate >= 30 else 0.0
    gap_h = None if severity is None else {"high": 0.0, "medium": 0.5, "low": 1.0, "": 1.0}.get(severity)
    return [flow_h, session_h, guided_h, gap_h]


def coverage_rows(domains: list[dict[str, Any]], severity: dict[str, str] | None) -> list[dict[str, Any]]:
    """The heatmap's table: one row per domain with its worst gap severity ("" when none, "not computed" when
    ``severity`` is None because no gap report exists yet)."""
    if severity is None:
        return [{**d, "gap_severity": NOT_COMPUTED} for d in domains]
    return [{**d, "gap_severity": severity.get(d["domain"], "")} for d in domains]


def coverage_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``coverage_rows`` as the heatmap's table: its columns named as the heatmap's, domains as labels, and the gap
    severity as "High", "No gap" or "Not computed"."""
    return [
        {
            "Domain": labels.human(r["domain"]),
            "Flows": r["flow_count"],
            "Sessions": r["session_count"],
            "Guided rate": r["guided_rate"],
            "Gap severity": labels.human(r["gap_severity"] or NO_GAP),
        }
        for r in rows
    ]


def coverage_heatmap(rows: list[dict[str, Any]]) -> go.Figure:
    columns = ["Flows", "Sessions", "Guided rate", "Gap severity"]
    z, text = [], []
    for r in rows:
        severity = None if r["gap_severity"] == NOT_COMPUTED else r["gap_severity"]
        z.append(_health(r["flow_count"], r["session_count"], r["guided_rate"], severity))
        shown_severity = labels.human(r["gap_severity"] or NO_GAP)
        text.append([str(r["flow_count"]), str(r["session_count"]), f"{r['guided_rate']:.0f}%", shown_severity])
    domains = [labels.human(r["domain"]) for r in rows]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=domains,
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=1,
            colorscale=[[0, RED], [0.5, AMBER], [1, GREEN]],
            showscale=False,
            hoverinfo="skip",
        )
    )
    # Heatmap cells cannot be selected in Plotly; a transparent square on each cell carries the hover and the click.
    cells = [
        (column, shown, r["domain"], t)
        for r, shown, row_text in zip(rows, domains, text, strict=True)
        for column, t in zip(columns, row_text, strict=True)
    ]
    fig.add_trace(
        go.Scatter(
            x=[c[0] for c in cells],
            y=[c[1] for c in cells],
            customdata=[c[2] for c in cells],
            text=[c[3] for c in cells],
            mode="markers",
            marker={"symbol": "square", "size": 36, "color": "rgba(0,0,0,0)"},
            showlegend=False,
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(title="Knowledge coverage", **{**_LAYOUT, "height": max(260, 40 * len(rows) + 80)})
    return fig


def worst_severity(gaps: list[Any]) -> dict[str, str]:
    """Domain -> the most severe gap reported for it."""
    worst: dict[str, str] = {}
    for gap in gaps:
        rank = SEVERITY_RANK.get(gap.severity, 0) if isinstance(gap.severity, str) else 0
        if gap.domain not in worst or rank > SEVERITY_RANK.get(worst[gap.domain], 0):
            worst[gap.domain] = gap.severity
    return worst


def table_with_download(rows: list[dict[str, Any]], key: str, filename: str) -> None:
    """The rows as a table and a CSV download (``key`` makes both widgets unique on the page)."""
    frame = pd.DataFrame(rows)
    st.dataframe(frame, hide_index=True, width="stretch", key=f"{key}_table")
    st.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=filename,
        mime="text/csv",
        key=f"{key}_csv",
    )


def chart_with_table(
    fig: go.Figure, rows: list[dict[str, Any]], key: str, filename: str, *, clickable: bool = False
) -> list[dict[str, Any]]:
    """A chart with a "Table" tab holding the same data and its CSV download; returns the points clicked when the
    chart is ``clickable`` (an empty list otherwise)."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        if clickable:
            event = st.plotly_chart(
                fig, key=f"{key}_chart", width="stretch", on_select="rerun", selection_mode=("points",)
            )
        else:
            event = st.plotly_chart(fig, key=f"{key}_chart", width="stretch")
    with table_tab:
        table_with_download(rows, key, filename)
    if not clickable or event is None:
        return []
    return list(event.get("selection", {}).get("points", []))


def rating_figure(rating: float | None) -> str:
    """An average rating as a card's value, "4.2 / 5": short enough that a narrow card does not cut it."""
    return "no ratings" if rating is None else f"{rating:.1f} / 5"


def stars(rating: float | None) -> str:
    if rating is None:
        return "no ratings"
    # Stars follow the figure shown, halves up (round() rounds halves to even: 2.5 drew two stars, 3.5 four).
    figure = f"{rating:.1f}"
    full = int(float(figure) + 0.5)
    return f"{figure} " + "★" * full + "☆" * (5 - full)
