"""The sidebar every page shares: who is signed in, what is waiting, and the demo user switcher."""

from __future__ import annotations

import streamlit as st

from core import auth
from core.auth import CurrentUser
from core.config import Settings
from core.workspace import workspace_counts
from ui import context, labels

DEMO_KEY = "auth_demo_user"
FILTER_KEY = "auth_demo_filter"
# Above this many people the switcher gets a search box and lists at most this many matches (plus whoever is signed
# in), so a workspace of real users (thousands) stays a short list.
SWITCHER_LIMIT = 30


def _switch_user() -> None:
    # The switcher only records the choice; current_user() re-reads that user (and role) from the database.
    st.session_state[context.USER_KEY] = st.session_state[DEMO_KEY]


def switcher_choices(people: list[CurrentUser], signed_in: CurrentUser, search: str) -> tuple[list[str], int]:
    """Ids the switcher lists (the signed-in user first when the search hides them) and how many people match.

    A search matches name, email, role and account, case-insensitively; without one, the first SWITCHER_LIMIT."""
    words = search.casefold().split()
    found = [
        p
        for p in people
        if all(w in f"{p.name} {p.email} {labels.human(p.role)} {p.account_name}".casefold() for w in words)
    ]
    ids = [str(p.id) for p in found[:SWITCHER_LIMIT]]
    if str(signed_in.id) not in ids:
        ids.insert(0, str(signed_in.id))
    return ids, len(found)


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
            names = {str(p.id): f"{p.name} — {labels.lower(p.role)} · {p.account_name}" for p in people}
            search = ""
            if len(people) > SWITCHER_LIMIT:
                search = st.text_input(
                    "Find a person",
                    key=FILTER_KEY,
                    placeholder="name, email, role or account",
                    help=f"{len(people):,} people: the list below shows the first {SWITCHER_LIMIT} that match.",
                )
            ids, matched = switcher_choices(people, user, search)
            if search and matched == 0:
                st.caption("Nobody matches that search.")
            elif matched > SWITCHER_LIMIT:
                st.caption(f"Showing {SWITCHER_LIMIT} of {labels.plural(matched, 'match', 'matches')}.")
            if st.session_state.get(DEMO_KEY) != str(user.id):
                st.session_state[DEMO_KEY] = str(user.id)
            st.selectbox(
                "Demo sign-in",
                ids,
                format_func=names.__getitem__,
                key=DEMO_KEY,
                on_change=_switch_user,
                help="Local demo mode: pick anyone of either demo account to see the app as them.",
            )
        elif cfg.auth == "oidc":
            st.button("Sign out", key="auth_logout", on_click=st.logout)
