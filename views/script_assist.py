"""Script Assist: a PowerShell script for the session at hand, from a reviewed template, pre-filled from the session.

``?session=<id>`` opens a session directly. Values typed here are always emitted as plain-text literals; secrets are
never asked for here: the script prompts for them when it runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from core.auth import PermissionDenied
from core.db import parse_uuid
from core.enums import SessionStatus
from core.scripts import generation as svc
from core.scripts.extract import Suggestion
from core.scripts.suggest import SuggestionResult, session_context, suggest
from core.scripts.templates import TYPE_LABELS, InvalidParameters, InvalidTemplate, script_file_bytes
from core.transcript import read_transcript
from ui.context import call, call_between_transactions, current_user, settings
from ui.tables import table_with_csv
from ui.text import literal, when

PARAM_PREFIX = "scripts_param_"
NEW_TEMPLATE = "new"
EXAMPLE_BODY = "$Computer = {{ computer }}\n\nGet-Service -ComputerName $Computer -Name Spooler\n"
EXAMPLE_SCHEMA = [{"key": "computer", "label": "Computer", "type": "hostname", "help": "", "required": True}]
EDIT_FIELDS = ("name", "description", "category", "keywords", "domain", "body", "schema", "active")
T = TypeVar("T")

user = current_user()
st.title("Script Assist")
st.caption(
    "PowerShell from reviewed templates, pre-filled from the session. Every value is written as a quoted literal "
    "that cannot run as code; passwords are typed in when the script runs and never stored."
)


def _fill_form(template: Any, values: dict[str, Any]) -> None:
    """Put a template's values (suggested, else defaults) into the form's widget state."""
    for key in [k for k in st.session_state if str(k).startswith(PARAM_PREFIX)]:
        del st.session_state[key]
    for param in template.parameters_schema:
        kind, key = param["type"], PARAM_PREFIX + param["key"]
        value = values.get(param["key"], param.get("default"))
        if kind == "secure_string":
            continue
        if kind == "bool":
            st.session_state[key] = bool(value)
        elif kind == "int":
            st.session_state[key] = int(value) if value is not None else int(param.get("min") or 0)
        elif kind == "choice":
            st.session_state[key] = value if value in param["choices"] else param["choices"][0]
        else:
            st.session_state[key] = "" if value is None else str(value)


def _accept(suggestion: Suggestion) -> None:
    st.session_state["scripts_template"] = suggestion.template_id
    st.session_state["scripts_form_for"] = None


def _param_widget(param: dict[str, Any], source: str | None) -> Any:
    kind, key, label = param["type"], PARAM_PREFIX + param["key"], param.get("label") or param["key"]
    help_text = param.get("help") or None
    if kind == "secure_string":
        st.markdown(f"🔒 **{literal(label)}** — prompted when the script runs (never stored).")
        return None
    if kind == "bool":
        value: Any = st.checkbox(label, key=key, help=help_text)
    elif kind == "int":
        value = st.number_input(
            label, key=key, step=1, min_value=param.get("min"), max_value=param.get("max"), help=help_text
        )
    elif kind == "choice":
        value = st.selectbox(label, param["choices"], key=key, help=help_text)
    else:
        required = " *" if param.get("required", True) else ""
        value = st.text_input(f"{label}{required}", key=key, help=help_text, placeholder=TYPE_LABELS.get(kind, ""))
    if source:
        st.caption(f"Found in: “{literal(source)}”")
    return value


def _suggestion_card(result: SuggestionResult) -> None:
    for note in result.notes:
        st.warning(note)
    suggestion = result.suggestion
    if suggestion is None:
        st.info("No template matches this session yet. Pick one below.")
        return
    with st.container(border=True):
        st.markdown(f"**Suggested: {literal(suggestion.template_name)}**")
        st.progress(suggestion.confidence, text=f"Confidence {suggestion.confidence:.0%} · {result.generator}")
        st.caption(f"Why: {literal(suggestion.reason)}")
        st.button("Use this suggestion", key="scripts_accept", on_click=_accept, args=(suggestion,), type="primary")


def _context(ctx: Any) -> None:
    session = ctx.session
    st.subheader(session.problem_summary or "Session")
    st.markdown(
        f":blue-badge[{session.status}] :violet-badge[{session.confidence_tier}] "
        f":gray-badge[{session.problem_domain or 'unclassified'}] · started {when(session.created_at)}"
    )
    transcript = read_transcript(session, ctx.steps)
    if transcript.intake:
        with st.expander("Intake", expanded=False):
            st.json({f.key: f.value for f in transcript.intake})
    if transcript.turns:
        st.markdown("**Conversation**")
        for turn in transcript.turns[-12:]:
            st.markdown(f"**{'Engineer' if turn.by_engineer else 'FlowPilot'}:** {literal(turn.text)}")
    if transcript.steps:
        st.markdown("**Steps**")
        rows = [
            {
                "step": s.number,
                "type": s.step_type,
                "content": s.headline,
                "answer": s.selected or s.free_text or "",
                "result": s.result or "",
            }
            for s in transcript.steps
        ]
        frame = pd.DataFrame(rows)
        table_with_csv(frame, key="scripts_steps", file_name="session_steps.csv", label="Download steps (CSV)")


def _by_text_id(getter: Callable[..., T], not_found: type[LookupError], text_id: str) -> T:
    """``getter(user, id)`` for an id kept as text (the link, session state): a malformed id is ``not_found`` too."""
    key = parse_uuid(text_id)
    if key is None:
        raise not_found(text_id)
    return call(getter, user, key)


def _history(ctx: Any) -> None:
    if not ctx.generations:
        return
    st.markdown("**Scripts generated in this session**")
    for generation in ctx.generations:
        name = ctx.template_names.get(str(generation.template_id), "deleted template")
        outcome = generation.result or "no result yet"
        with st.expander(f"{when(generation.created_at)} · {literal(name)} · {outcome}"):
            if generation.result_note:
                st.caption(literal(generation.result_note))
            st.code(generation.script, language="powershell")


def _generated(generation_id: str, template_name: str) -> None:
    try:
        generation = _by_text_id(svc.get_generation, svc.GenerationNotFound, generation_id)
    except svc.GenerationNotFound:
        st.session_state.pop("scripts_generation_id", None)
        return
    st.markdown(f"**Script — {literal(template_name)}**")
    st.code(generation.script, language="powershell")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", template_name).strip("-").lower() or "script"
    st.download_button(
        "Download .ps1",
        script_file_bytes(generation.script),
        file_name=f"{slug}.ps1",
        mime="text/plain",
        key="scripts_download",
    )
    with st.container(border=True):
        st.markdown("**Continue** — did it work?")
        if generation.result:
            st.success(
                f"Recorded: {generation.result}" + (f" — {generation.result_note}" if generation.result_note else "")
            )
        outcome = st.radio("Result", ["Worked", "Failed"], key="scripts_result", horizontal=True)
        note = st.text_input("Note", key="scripts_note", placeholder="What happened when you ran it?")
        if st.button("Continue", key="scripts_continue"):
            try:
                call(svc.record_result, user, generation.id, worked=outcome == "Worked", note=note)
            except ValueError as exc:
                st.error(str(exc))
            else:
                st.toast(f"Recorded on the session: {outcome.lower()}")
                st.rerun()


def _assist() -> None:
    sessions = call(svc.active_sessions, user)
    wanted = st.query_params.get("session")
    options = [str(s.id) for s in sessions]
    labels = {str(s.id): f"{when(s.created_at)} · {(s.problem_summary or 'no summary')[:70]}" for s in sessions}
    if wanted and wanted not in options:
        try:
            linked = _by_text_id(svc.get_session, svc.ScriptSessionNotFound, wanted)
        except svc.ScriptSessionNotFound:
            st.error("The session in the link was not found in your account.")
        else:
            options.insert(0, str(linked.id))
            labels[str(linked.id)] = f"{(linked.problem_summary or 'no summary')[:70]} ({linked.status})"
    if not options:
        st.info("There is no active session. Start one in FlowPilot, or open a session link with ?session=<id>.")
        return
    if wanted in options and "scripts_session" not in st.session_state:
        st.session_state["scripts_session"] = wanted
    session_id = st.selectbox("Session", options, format_func=labels.get, key="scripts_session")
    # Every option is the text of a session's UUID (listed above or read back from the link).
    session_key = parse_uuid(session_id)
    ctx = call(session_context, user, session_key)
    if ctx.session.status != SessionStatus.ACTIVE:
        st.warning(f"This session is {ctx.session.status}; a script generated now is still recorded on it.")

    cached = st.session_state.get("scripts_suggestion")
    if st.button("Refresh suggestion", key="scripts_refresh") or not cached or cached[0] != session_id:
        with st.spinner("Reading the session…"):
            cached = (session_id, call_between_transactions(suggest, user, session_key, settings()))
        st.session_state["scripts_suggestion"] = cached
        st.session_state.pop("scripts_generation_id", None)
        if cached[1].suggestion is not None and st.session_state.get("scripts_session_for") != session_id:
            st.session_state["scripts_template"] = cached[1].suggestion.template_id
            st.session_state["scripts_form_for"] = None
        st.session_state["scripts_session_for"] = session_id
    result: SuggestionResult = cached[1]

    left, right = st.columns([5, 6], gap="large")
    with left:
        _context(ctx)
        _history(ctx)
    with right:
        _suggestion_card(result)
        templates = call(svc.accessible_templates, user)
        if not templates:
            st.info("There are no templates yet. A team admin can add them on the Templates tab.")
            return
        by_id = {str(t.id): t for t in templates}
        if st.session_state.get("scripts_template") not in by_id:
            st.session_state["scripts_template"] = next(iter(by_id))
        template_id = st.selectbox("Template", list(by_id), format_func=lambda i: by_id[i].name, key="scripts_template")
        template = by_id[template_id]
        suggestion = result.suggestion
        suggested = suggestion is not None and suggestion.template_id == template_id
        if st.session_state.get("scripts_form_for") != (session_id, template_id):
            _fill_form(template, suggestion.values if suggested else {})
            st.session_state["scripts_form_for"] = (session_id, template_id)
        if template.description:
            st.caption(template.description)
        values: dict[str, Any] = {}
        for param in template.parameters_schema:
            source = suggestion.sources.get(param["key"]) if suggested else None
            values[param["key"]] = _param_widget(param, source)
        if st.button("Generate script", key="scripts_generate", type="primary"):
            try:
                generation = call(
                    svc.generate_script, user, template_id=template.id, values=values, session_id=session_key
                )
            except InvalidParameters as exc:
                for message in exc.errors.values():
                    st.error(message)
            except (PermissionDenied, svc.TemplateNotFound, svc.ScriptSessionNotFound, InvalidTemplate) as exc:
                st.error(str(exc))
            else:
                st.session_state["scripts_generation_id"] = str(generation.id)
                st.session_state.pop("scripts_result", None)
                st.session_state.pop("scripts_note", None)
                st.toast("Script generated and recorded on the session.")
                st.rerun()
        generation_id = st.session_state.get("scripts_generation_id")
        if generation_id:
            _generated(generation_id, ctx.template_names.get(str(template_id), template.name))


def _load_edit(templates: dict[str, Any]) -> None:
    target = st.session_state.get("scripts_edit_target", NEW_TEMPLATE)
    template = templates.get(target)
    st.session_state["scripts_edit_name"] = template.name if template else ""
    st.session_state["scripts_edit_description"] = template.description if template else ""
    st.session_state["scripts_edit_category"] = str(template.category_id) if template and template.category_id else ""
    st.session_state["scripts_edit_keywords"] = ", ".join(template.keywords or []) if template else ""
    st.session_state["scripts_edit_domain"] = (template.problem_domain or "") if template else ""
    st.session_state["scripts_edit_body"] = template.body if template else EXAMPLE_BODY
    schema = template.parameters_schema if template else EXAMPLE_SCHEMA
    st.session_state["scripts_edit_schema"] = json.dumps(schema, indent=2, ensure_ascii=False)
    st.session_state["scripts_edit_active"] = template.is_active if template else True


def _editor(templates: list[Any], categories: list[Any]) -> None:
    st.subheader("Add or edit a template")
    if not user.is_team_admin:
        st.caption("Only team admins can add or edit templates.")
        return
    editable = {str(t.id): t for t in templates if svc.can_edit(user, t)}
    if "scripts_edit_name" not in st.session_state:
        _load_edit(editable)
    options = [NEW_TEMPLATE, *editable]
    st.selectbox(
        "Template to edit",
        options,
        format_func=lambda i: "➕ New template" if i == NEW_TEMPLATE else editable[i].name,
        key="scripts_edit_target",
        on_change=_load_edit,
        args=(editable,),
        help="Built-in templates are shared by every account and cannot be edited here.",
    )
    category_names = {"": "(none)", **{str(c.id): c.name for c in categories}}
    st.text_input("Name", key="scripts_edit_name")
    st.text_input("Description", key="scripts_edit_description")
    cols = st.columns(3)
    cols[0].selectbox("Category", list(category_names), format_func=category_names.get, key="scripts_edit_category")
    cols[1].text_input("Keywords (comma separated)", key="scripts_edit_keywords")
    cols[2].text_input("Problem domain", key="scripts_edit_domain")
    st.text_area(
        "Body (PowerShell with {{ key }} placeholders)",
        key="scripts_edit_body",
        height=220,
        help="Put each placeholder where a value stands on its own (e.g. `$User = {{ user }}`), never inside quotes.",
    )
    st.text_area(
        "Parameters (JSON list)",
        key="scripts_edit_schema",
        height=220,
        help="Each parameter: key, label, help, type, required, default; choices for choice; min/max for int. "
        "Types: " + ", ".join(TYPE_LABELS),
    )
    st.checkbox("Active", key="scripts_edit_active")
    if st.button("Save template", key="scripts_edit_save", type="primary"):
        try:
            schema = json.loads(st.session_state["scripts_edit_schema"])
        except ValueError as exc:
            st.error(f"The parameters are not valid JSON: {exc}")
            return
        target = st.session_state["scripts_edit_target"]
        try:
            saved = call(
                svc.save_template,
                user,
                template_id=None if target == NEW_TEMPLATE else parse_uuid(target),
                name=st.session_state["scripts_edit_name"],
                description=st.session_state["scripts_edit_description"],
                category_id=parse_uuid(st.session_state["scripts_edit_category"] or None),
                keywords=st.session_state["scripts_edit_keywords"].split(","),
                problem_domain=st.session_state["scripts_edit_domain"],
                body=st.session_state["scripts_edit_body"],
                parameters_schema=schema,
                is_active=st.session_state["scripts_edit_active"],
            )
        except InvalidTemplate as exc:
            st.error("The template was not saved:\n" + "\n".join(f"- {e}" for e in exc.errors))
        except (PermissionDenied, svc.TemplateNotFound) as exc:
            st.error(str(exc))
        else:
            st.success(f"Saved “{saved.name}”.")


def _templates_tab() -> None:
    templates = call(svc.accessible_templates, user, include_inactive=user.is_team_admin)
    categories = call(svc.categories, user)
    names = {c.id: c.name for c in categories}
    if not templates:
        st.info("There are no templates yet.")
    else:
        rows = [
            {
                "category": names.get(t.category_id, "Uncategorised"),
                "name": t.name,
                "description": t.description,
                "parameters": ", ".join(p["key"] for p in t.parameters_schema),
                "used": t.usage_count,
                "owner": "Built-in" if t.account_id is None else "This account",
                "active": t.is_active,
            }
            for t in templates
        ]
        frame = pd.DataFrame(rows).sort_values(["category", "name"], kind="stable")
        table_with_csv(
            frame, key="scripts_templates", file_name="script_templates.csv", label="Download templates (CSV)"
        )
        by_id = {str(t.id): t for t in templates}
        preview_id = st.selectbox("Preview", list(by_id), format_func=lambda i: by_id[i].name, key="scripts_preview")
        preview = by_id[preview_id]
        st.caption(preview.description)
        params = pd.DataFrame(
            [
                {
                    "key": p["key"],
                    "label": p.get("label", ""),
                    "type": TYPE_LABELS.get(p["type"], p["type"]),
                    "required": p.get("required", True),
                    "default": "" if p.get("default") is None else str(p.get("default")),
                    "choices": ", ".join(p.get("choices") or []),
                }
                for p in preview.parameters_schema
            ]
        )
        st.dataframe(params, hide_index=True, key="scripts_preview_params")
        st.code(preview.body, language="powershell")
    _editor(templates, categories)


assist_tab, templates_tab = st.tabs(["Assist", "Templates"])
with assist_tab:
    _assist()
with templates_tab:
    _templates_tab()
