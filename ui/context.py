"""The thin Streamlit layer shared by every page: cached engine, settings and the signed-in user.

Caching wrappers live here and nowhere in ``core``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Concatenate, ParamSpec, TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core import auth
from core.auth import AuthError, CurrentUser, SignInRequired
from core.config import Settings
from core.db import make_engine, parse_uuid, session_scope, upgrade
from ui.settings import app_settings

USER_KEY = "auth_user_id"
# Local sign-in only: the signed-in user's id in the URL, so a reload (a new browser session) opens as the same user.
USER_PARAM = "as"

P = ParamSpec("P")
T = TypeVar("T")


def settings() -> Settings:
    return app_settings()


@st.cache_resource(show_spinner="Preparing the database…")
def _engine(url: str) -> Engine:
    # Migrating here runs it once per process and database, before any page touches a table.
    engine = make_engine(url)
    upgrade(engine)
    return engine


def engine() -> Engine:
    return _engine(settings().database_url)


def _oidc_claims() -> dict[str, object]:
    try:
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no identity provider configured reads as "nobody signed in"
        return {}


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def current_user() -> CurrentUser:
    """The signed-in user, read from the database on every run; stops the page with a clear message otherwise."""
    cfg = settings()
    try:
        with session_scope(engine()) as db:
            user = auth.sign_in(
                db,
                cfg,
                remembered_user_id=_remembered_local_user() if cfg.auth == "local" else None,
                headers=dict(st.context.headers) if cfg.auth == "header" else None,
                oidc_user=_oidc_claims() if cfg.auth == "oidc" else None,
            )
    except SignInRequired as exc:
        if not _oidc_configured():
            st.error(
                "FLOWPILOT_AUTH=oidc needs an [auth] section in .streamlit/secrets.toml "
                "(see .streamlit/secrets.toml.example)."
            )
            st.stop()
        st.info(str(exc))
        st.button("Sign in", key="auth_login", on_click=st.login, type="primary")
        st.stop()
    except AuthError as exc:
        st.error(str(exc))
        st.stop()
    st.session_state[USER_KEY] = str(user.id)
    if cfg.auth == "local" and st.query_params.get(USER_PARAM) != str(user.id):
        st.query_params[USER_PARAM] = str(user.id)
    return user


def _remembered_local_user() -> uuid.UUID | None:
    """The demo switcher's choice in this browser session, else the user named in the URL (``?as=<id>``): a reload
    starts a new session with the URL alone. Either is only a hint: sign-in reads the user and role from the
    database, and an unknown id opens as the default user."""
    return parse_uuid(st.session_state.get(USER_KEY)) or parse_uuid(st.query_params.get(USER_PARAM))


def with_sign_in(params: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """Query parameters of a link to another page: ``params`` plus the demo sign-in (``as``) of the ``current``
    URL when it has one, so a link opened in a new tab (a new browser session) opens as the same user. A link that
    names its own ``as`` keeps it."""
    signed_in = current.get(USER_PARAM)
    if not signed_in or USER_PARAM in params:
        return dict(params)
    return {**params, USER_PARAM: signed_in}


def link_params(**params: str) -> dict[str, str]:
    """``with_sign_in`` over the URL of this run: the ``query_params`` of every ``st.page_link`` and
    ``st.switch_page`` that opens another page on a given proposal, session, flow or filter."""
    return with_sign_in(params, st.query_params)


def page_link(page: str, label: str, icon: str | None = None, **params: str) -> None:
    """A link to another page of the app opened on ``params`` (a proposal, session, flow), keeping the sign-in."""
    st.page_link(page, label=label, icon=icon, query_params=link_params(**params))


def call(service: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one core service in its own transaction (committed when it returns), so pages never handle sessions."""
    with session_scope(engine()) as db:
        return service(db, *args, **kwargs)


def call_between_transactions(service: Callable[Concatenate[Engine, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a core service that opens its own short transactions, for one that waits on a model in between: a page
    transaction held through the wait would lock others out of the database."""
    return service(engine(), *args, **kwargs)
