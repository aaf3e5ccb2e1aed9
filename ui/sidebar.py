"""The sidebar every page shares: who is signed in, what is waiting, and the demo user switcher."""

from __future__ import annotations

import streamlit as st

from core import auth
from core.auth import CurrentUser
from core.config import Settings
from core.workspace import workspace_counts
from ui import context

DEMO_KEY = "auth_demo_user"


def _switch_user() -> None:
    # The switcher only records the choice; current_user() re-reads that user (and role) from the database.
    st.session_state[context.USER_KEY] = st.session_state[DEMO_KEY]


def _pending_badge(count: int) -> str:
    noun = "proposal" if count == 1 else "proposals"
    colour = "orange" if count else "gray"
    return f":{colour}-badge[:material/inbox: {count} pending {noun}]"


def render(user: CurrentUser, cfg: Settings) -> None:
    counts = context.call(workspace_counts, user.account_id)
    people = context.call(auth.local_users) if cfg.auth == "local" else []
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n{user.role_label} · {user.account_name}")
        st.markdown(_pending_badge(counts.pending_proposals))
        if counts.queued_analyses or counts.failed_analyses:
            st.caption(f"Flywheel: {counts.queued_analyses} queued · {counts.failed_analyses} failed")
        if people:
            labels = {str(p.id): f"{p.name} — {p.role.replace('_', ' ')} · {p.account_name}" for p in people}
            ids = list(labels)
            if st.session_state.get(DEMO_KEY) != str(user.id):
                st.session_state[DEMO_KEY] = str(user.id)
            st.selectbox(
                "demo sign-in",
                ids,
                format_func=labels.__getitem__,
                key=DEMO_KEY,
                on_change=_switch_user,
                help="Local demo mode: pick anyone of either demo account to see the app as them.",
            )
        elif cfg.auth == "oidc":
            st.button("Sign out", key="auth_logout", on_click=st.logout)
