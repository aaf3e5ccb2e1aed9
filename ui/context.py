"""The thin Streamlit layer shared by every page: cached engine, settings and the signed-in user.

Caching wrappers live here and nowhere in ``core``.
"""

from __future__ import annotations

import uuid

import streamlit as st
from sqlalchemy import Engine

from core import auth
from core.auth import AuthError, CurrentUser
from core.config import Settings
from core.db import make_engine, session_scope

USER_KEY = "auth_user_id"


def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return _engine(settings().database_url)


def current_user() -> CurrentUser:
    """The signed-in user, from the database; stops the page with a clear error when there is none."""
    cfg = settings()
    try:
        with session_scope(engine()) as db:
            user_id = st.session_state.get(USER_KEY)
            if user_id and cfg.auth == "local":
                user = auth.load_user(db, uuid.UUID(str(user_id)))
                if user is not None:
                    return user
            if cfg.auth == "header":
                email = st.context.headers.get(cfg.auth_header)
                if not email:
                    raise AuthError(f"The trusted header {cfg.auth_header} is missing: sign in through the proxy.")
                user = auth.user_by_email(db, email)
            elif cfg.auth == "oidc":
                if not st.user.is_logged_in:
                    st.login()
                    st.stop()
                user = auth.user_by_email(db, str(st.user.email))
            else:
                user = auth.default_local_user(db, cfg)
            st.session_state[USER_KEY] = str(user.id)
            return user
    except AuthError as exc:
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() raises
