"""Reports: the SQL reports in ``sql/reports/`` and the account's saved queries, each with parameter widgets, a
sortable table, a CSV download, a chart and its SQL; analysts also get a read-only SQL editor beside the tables and
columns they may read. The page reloads by itself when a report file is added, removed or saved."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from core.auth import CurrentUser, PermissionDenied, load_user
from core.config import Settings
from core.db import parse_uuid
from core.reports.adhoc import (
    adhoc_access,
    chart_of,
    delete_saved_report,
    get_saved_report,
    list_saved_reports,
    readable_schema,
    run_adhoc,
    run_saved_report,
    save_report,
)
from core.reports.catalog import Report, ReportParam, catalogue, report_files_stamp, run_report
from core.reports.execute import CHART_KINDS, ChartSpec, QueryResult, ReportError
from core.reports.tenant_views import ReadableTable
from ui import context

NO_CHART = "no chart"
# How often the page looks at the report files' modification times (a stat per file, no file is read).
FILES_POLL_SECONDS = 2
SCHEMA_TTL_S = 300


def _param_widget(report: Report, param: ReportParam) -> Any:
    key = f"reports_param_{report.name}_{param.name}"
    default = param.default_value()
    if param.type == "int":
        return st.number_input(param.label, value=default, step=1, key=key)
    if param.type == "float":
        return st.number_input(param.label, value=default, key=key)
    if param.type == "date":
        return st.date_input(param.label, value=default, key=key)
    if param.type == "bool":
        return st.checkbox(param.label, value=bool(default), key=key)
    return st.text_input(param.label, value=default or "", key=key)


def _figure(result: QueryResult, chart: ChartSpec):
    frame = pd.DataFrame(result.rows, columns=result.columns)
    if chart.kind == "pie":
        return px.pie(frame, names=chart.x, values=chart.y)
    draw = {"bar": px.bar, "line": px.line, "area": px.area, "scatter": px.scatter}[chart.kind]
    return draw(frame, x=chart.x, y=chart.y, color=chart.colour)


def _draw(result: QueryResult, chart: ChartSpec | None, sql: str, prefix: str, file_name: str) -> None:
    if result.cap_message:
        st.warning(result.cap_message)
    if not result.rows:
        st.info("No rows for these parameters.")
    else:
        frame = pd.DataFrame(result.rows, columns=result.columns)
        st.dataframe(frame, hide_index=True, width="stretch", key=f"{prefix}_table")
        st.download_button(
            "Download CSV",
            frame.to_csv(index=False).encode("utf-8"),
            file_name=f"{file_name}.csv",
            mime="text/csv",
            key=f"{prefix}_csv",
        )
        if chart is not None:
            missing = chart.missing_columns(result.columns)
            if missing:
                st.caption(f"No chart: the result has no column '{missing[0]}'.")
            else:
                st.plotly_chart(_figure(result, chart), width="stretch", key=f"{prefix}_chart")
    st.caption(f"{len(result.rows):,} rows in {result.elapsed_ms:,.0f} ms · read-only")
    with st.expander("SQL", expanded=False):
        st.code(sql, language="sql")


def _show_file_report(engine, user: CurrentUser, report: Report, limits: dict[str, int]) -> None:
    st.subheader(report.title)
    if report.description:
        st.caption(report.description)
    values: dict[str, Any] = {}
    if report.params:
        columns = st.columns(min(len(report.params), 4))
        for index, param in enumerate(report.params):
            with columns[index % len(columns)]:
                values[param.name] = _param_widget(report, param)
    try:
        result = run_report(engine, report, user.account_id, values, **limits)
    except ReportError as exc:
        st.error(str(exc))
        return
    _draw(result, report.chart, report.sql, "reports_result", report.name)


def _report_key(report_id: str) -> uuid.UUID:
    """The saved report's id from the page's state; one that names no UUID names no report."""
    key = parse_uuid(report_id)
    if key is None:
        raise ReportError("That saved report does not exist in this account.")
    return key


def _delete_saved(report_id: str) -> None:
    if (user := _callback_user()) is None:
        return
    try:
        context.call(delete_saved_report, user, _report_key(report_id))
    except (ReportError, PermissionDenied) as exc:
        st.session_state["reports_flash"] = ("error", str(exc))
        return
    st.session_state["reports_choice"] = None
    st.session_state["reports_flash"] = ("success", "Saved report deleted.")


def _show_saved_report(engine, user: CurrentUser, report_id: str, limits: dict[str, int], can_write: bool) -> None:
    try:
        saved = context.call(get_saved_report, user, _report_key(report_id))
    except ReportError as exc:
        st.error(str(exc))
        return
    st.subheader(saved.name)
    st.caption(saved.description or "A saved query of this account.")
    try:
        result = run_saved_report(engine, user, saved, **limits)
    except (ReportError, PermissionDenied) as exc:
        st.error(str(exc))
    else:
        _draw(result, chart_of(saved), saved.sql, "reports_result", saved.name)
    if can_write:
        st.button("Delete this saved report", key="reports_saved_delete", on_click=_delete_saved, args=(report_id,))


def _save_adhoc() -> None:
    if (user := _callback_user()) is None:
        return
    kind = st.session_state.get("reports_adhoc_chart_kind", NO_CHART)
    chart = None
    if kind and kind != NO_CHART:
        chart = ChartSpec(
            kind,
            st.session_state.get("reports_adhoc_chart_x") or "",
            st.session_state.get("reports_adhoc_chart_y") or "",
        )
    try:
        saved = context.call(
            save_report,
            user,
            st.session_state.get("reports_adhoc_name", ""),
            st.session_state.get("reports_adhoc_sql", ""),
            st.session_state.get("reports_adhoc_description", ""),
            chart,
        )
    except (ReportError, PermissionDenied, ValueError) as exc:
        st.session_state["reports_flash"] = ("error", str(exc))
        return
    st.session_state["reports_choice"] = f"saved:{saved.id}"
    st.session_state["reports_flash"] = ("success", f"Saved as '{saved.name}'; it is now in the report list.")


def _callback_user() -> CurrentUser | None:
    """The signed-in user inside a widget callback, fresh from the database. Callbacks run before the script
    (so before sign-in runs again); the id is the one sign-in stored on the previous run."""
    user_id = st.session_state.get(context.USER_KEY)
    user = context.call(load_user, user_id) if user_id else None
    if user is None:
        st.session_state["reports_flash"] = ("error", "Sign in again: your session has expired.")
    return user


def _run_adhoc() -> None:
    # A callback, so the result survives any rerun of the script that follows the click.
    cfg = context.settings()
    if (user := _callback_user()) is None:
        return
    try:
        st.session_state["reports_adhoc_result"] = run_adhoc(
            context.engine(),
            user,
            st.session_state.get("reports_adhoc_sql", ""),
            timeout_ms=cfg.statement_timeout_ms,
            row_cap=cfg.report_row_cap,
            byte_cap=cfg.report_byte_cap,
        )
        st.session_state.pop("reports_adhoc_error", None)
    except (ReportError, PermissionDenied) as exc:
        st.session_state.pop("reports_adhoc_result", None)
        st.session_state["reports_adhoc_error"] = str(exc)


@st.cache_data(ttl=SCHEMA_TTL_S, max_entries=8, show_spinner=False)
def _readable_schema(database_url: str) -> list[ReadableTable]:
    # Keyed by the database: the list is the same for everyone (each table shows its reader's account only).
    return readable_schema(context.engine())


def _schema_panel(cfg: Settings) -> None:
    st.markdown("**Tables you can read**")
    try:
        tables = _readable_schema(cfg.database_url)
    except ReportError as exc:
        st.error(str(exc))
        return
    if not tables:
        st.info("No table is readable yet: run the migrations first.")
        return
    by_name = {t.name: t for t in tables}
    picked = st.selectbox(
        "Table",
        list(by_name),
        key="reports_schema_table",
        help="Every table shows only your account's rows, whatever the query says.",
    )
    columns = pd.DataFrame(
        [{"Column": c.name, "Type": c.data_type} for c in by_name[picked].columns], columns=["Column", "Type"]
    )
    st.dataframe(columns, hide_index=True, width="stretch", height=220, key="reports_schema_columns")
    every = pd.DataFrame(
        [{"Table": t.name, "Column": c.name, "Type": c.data_type} for t in tables for c in t.columns],
        columns=["Table", "Column", "Type"],
    )
    st.caption(f"{len(tables)} tables, {len(every)} columns.")
    st.download_button(
        "Download all tables and columns (CSV)",
        every.to_csv(index=False).encode("utf-8"),
        file_name="readable_tables.csv",
        mime="text/csv",
        key="reports_schema_csv",
    )


def _adhoc_editor(engine, user: CurrentUser, limits: dict[str, int]) -> None:
    st.divider()
    st.subheader("Ad-hoc SQL")
    st.caption(
        "One SELECT statement, run read-only with a time limit, a row cap and a cap on the data fetched; "
        "long text cells are cut for display. Only your account's rows are visible, whatever the query says. "
        "Use :account_id for the current account."
    )
    editor, schema = st.columns([3, 2])
    with editor:
        st.text_area(
            "SQL",
            key="reports_adhoc_sql",
            height=260,
            placeholder="SELECT status, COUNT(*) AS sessions FROM ai_sessions GROUP BY status",
        )
        st.button("Run query", key="reports_adhoc_run", type="primary", on_click=_run_adhoc)
    with schema:
        _schema_panel(context.settings())
    if error := st.session_state.get("reports_adhoc_error"):
        st.error(error)
    result: QueryResult | None = st.session_state.get("reports_adhoc_result")
    if result is None:
        return
    columns = result.columns
    pick = st.columns(3)
    kind = pick[0].selectbox("Chart", [NO_CHART, *CHART_KINDS], key="reports_adhoc_chart_kind")
    chart = None
    if kind != NO_CHART and columns:
        x = pick[1].selectbox("x", columns, key="reports_adhoc_chart_x")
        y = pick[2].selectbox("y", columns, index=min(1, len(columns) - 1), key="reports_adhoc_chart_y")
        chart = ChartSpec(kind, x, y)
    _draw(result, chart, result.sql, "reports_adhoc", "query")
    with st.form("reports_adhoc_save_form", clear_on_submit=False, border=True):
        st.markdown("**Save as a report of this account**")
        st.text_input("Name", key="reports_adhoc_name", max_chars=200)
        st.text_input("Description", key="reports_adhoc_description")
        st.form_submit_button("Save report", key="reports_adhoc_save", on_click=_save_adhoc)


@st.fragment(run_every=FILES_POLL_SECONDS)
def _reload_when_files_change(dialect: str, root: Path | None) -> None:
    """Reruns the page when a report file was added, removed or saved since the page last drew the list, so an
    analyst editing a file sees it without touching the page."""
    if report_files_stamp(dialect, root) != st.session_state.get("reports_files_stamp"):
        st.rerun()


def main() -> None:
    user = context.current_user()
    cfg = context.settings()
    engine = context.engine()
    limits = {"timeout_ms": cfg.statement_timeout_ms, "row_cap": cfg.report_row_cap, "byte_cap": cfg.report_byte_cap}
    root = Path(cfg.reports_dir) if cfg.reports_dir else None
    st.title("Reports")
    if flash := st.session_state.pop("reports_flash", None):
        (st.success if flash[0] == "success" else st.error)(flash[1])

    # Stamped before reading, so a file saved while the list is read is caught by the next poll.
    st.session_state["reports_files_stamp"] = report_files_stamp(engine.dialect.name, root)
    found = catalogue(engine, root)
    saved = context.call(list_saved_reports, user.account_id)
    labels: dict[str, str] = {f"file:{r.name}": r.title for r in found.sorted_reports()}
    labels.update({f"saved:{s.id}": f"★ {s.name} (saved)" for s in saved})
    access = adhoc_access(user)

    if not labels:
        st.info("There are no reports yet: add a file to sql/reports/ or save an ad-hoc query.")
    else:
        if st.session_state.get("reports_choice") not in labels:
            st.session_state["reports_choice"] = next(iter(labels))
        choice = st.selectbox("Report", list(labels), format_func=labels.__getitem__, key="reports_choice")
        if choice.startswith("file:"):
            _show_file_report(engine, user, found.reports[choice.removeprefix("file:")], limits)
        else:
            _show_saved_report(engine, user, choice.removeprefix("saved:"), limits, access.allowed)

    if found.broken:
        with st.expander(f"Broken reports ({len(found.broken)})", expanded=False):
            for broken in found.broken:
                st.markdown(f"- `{broken.path}:{broken.line}` — {broken.reason}")

    if access.allowed:
        _adhoc_editor(engine, user, limits)
    _reload_when_files_change(engine.dialect.name, root)


main()
