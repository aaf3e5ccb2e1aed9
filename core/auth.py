"""Sign-in: who is using the app. The user row and role always come from the database.

Modes (``FLOWPILOT_AUTH``):
* ``local`` (default) — opens as the demo workspace's team admin; a "demo sign-in" switcher changes user.
  Refused on PostgreSQL unless ``FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES`` is set, because a production database
  must never be open to whoever reaches the port.
* ``header`` — a trusted reverse proxy puts the signed-in e-mail into a header (``FLOWPILOT_AUTH_HEADER``).
* ``oidc`` — Streamlit's ``st.login``; the e-mail of ``st.user`` is looked up.

Nothing here imports Streamlit: ``ui.context`` hands in the request headers and the ``st.user`` claims.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import parse_uuid
from core.enums import UserRole
from core.models import ADMIN_ROLES, ROLES, Account, User

AUTH_MODES = ("local", "header", "oidc")


class AuthError(Exception):
    """Sign-in is impossible as configured; the message says why and what to do."""


class SignInRequired(AuthError):
    """OIDC mode and nobody is signed in yet: the app offers the identity provider's sign-in."""


class PermissionDenied(Exception):
    """The signed-in user may not do this."""


@dataclass(frozen=True)
class CurrentUser:
    id: uuid.UUID
    account_id: uuid.UUID
    account_name: str
    team_id: uuid.UUID | None
    email: str
    name: str
    role: str
    is_super_admin: bool

    @property
    def is_team_admin(self) -> bool:
        return self.is_super_admin or self.role in ADMIN_ROLES

    @property
    def is_analyst(self) -> bool:
        return self.role == UserRole.ANALYST or self.is_team_admin

    @property
    def role_label(self) -> str:
        label = self.role.replace("_", " ")
        return f"{label} (super admin)" if self.is_super_admin else label


def _current(db: Session, user: User) -> CurrentUser:
    account = db.get(Account, user.account_id)
    return _as_current(user, account.name if account else "")


def _as_current(user: User, account_name: str) -> CurrentUser:
    return CurrentUser(
        id=user.id,
        account_id=user.account_id,
        account_name=account_name,
        team_id=user.team_id,
        email=user.email,
        name=user.name,
        role=user.role,
        is_super_admin=user.is_super_admin,
    )


def load_user(db: Session, user_id: uuid.UUID | str) -> CurrentUser | None:
    """The user with this id as it is in the database now, or None (unknown or malformed id)."""
    key = parse_uuid(user_id)
    user = db.get(User, key) if key else None
    return _current(db, user) if user else None


def user_by_email(db: Session, email: str) -> CurrentUser:
    """The user whose e-mail matches (case-insensitive); AuthError when nobody has it."""
    wanted = (email or "").strip().lower()
    if not wanted:
        raise AuthError("No e-mail address was supplied by the sign-in.")
    user = db.scalar(select(User).where(func.lower(User.email) == wanted))
    if user is None:
        raise AuthError(f"No FlowPilot user has the e-mail {wanted!r}. Ask an owner of your account to add you.")
    return _current(db, user)


def local_auth_refused(settings: Settings) -> bool:
    return settings.is_postgres and not settings.allow_local_auth_on_postgres


def default_local_user(db: Session, settings: Settings) -> CurrentUser:
    """The user the local (demo) mode opens as: the team admin of the oldest account."""
    if local_auth_refused(settings):
        raise AuthError(
            "Local demo sign-in is refused on PostgreSQL. Set FLOWPILOT_AUTH=header or oidc, "
            "or FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES=true for a test installation."
        )
    # A team admin first; an owner or super admin only when a workspace has no team admin.
    preference = case((User.role == UserRole.TEAM_ADMIN, 0), (User.role == UserRole.OWNER, 1), else_=2)
    user = db.scalar(
        select(User)
        .join(Account, Account.id == User.account_id)
        .where((User.role.in_(ADMIN_ROLES)) | User.is_super_admin)
        .order_by(Account.created_at, Account.slug, preference, User.email)
        .limit(1)
    )
    if user is None:
        raise AuthError(
            "There is no team admin in the database yet: create the demo workspace with `python -m jobs.setup`, "
            "or add yourself to your account with `python -m jobs.accounts add-user --account SLUG --email E "
            "--name N --role team_admin`."
        )
    return _current(db, user)


def local_users(db: Session) -> list[CurrentUser]:
    """Everyone the demo sign-in switcher offers: account by account, then by role and name."""
    role_order = case({role: n for n, role in enumerate(ROLES)}, value=User.role, else_=len(ROLES))
    rows = db.execute(
        select(User, Account.name)
        .join(Account, Account.id == User.account_id)
        .order_by(Account.created_at, Account.slug, role_order, User.name, User.email)
    ).all()
    return [_as_current(user, account_name) for user, account_name in rows]


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def sign_in(
    db: Session,
    settings: Settings,
    *,
    remembered_user_id: uuid.UUID | str | None = None,
    headers: Mapping[str, str] | None = None,
    oidc_user: Mapping[str, Any] | None = None,
) -> CurrentUser:
    """Who is signed in, read fresh from the database on every call.

    * local: the user picked in the demo switcher (``remembered_user_id``) if they still exist, else the default
      team admin; refused on PostgreSQL unless allowed, whatever was remembered.
    * header: the e-mail in the trusted header; a missing header is an error, never a fallback to someone.
    * oidc: the e-mail claim of the identity provider; SignInRequired when nobody is signed in.
    Roles never come from the header or the claims: only from the ``users`` row.
    """
    mode = settings.auth
    if mode == "local":
        if local_auth_refused(settings):
            default_local_user(db, settings)  # raises the explanation
        if remembered_user_id is not None:
            user = load_user(db, remembered_user_id)
            if user is not None:
                return user
        return default_local_user(db, settings)
    if mode == "header":
        email = _header(headers, settings.auth_header)
        if not email:
            raise AuthError(f"The trusted header {settings.auth_header} is missing: sign in through the proxy.")
        return user_by_email(db, email)
    if mode == "oidc":
        if not oidc_user or not oidc_user.get("is_logged_in"):
            raise SignInRequired("Sign in with your organisation's account to continue.")
        email = oidc_user.get("email")
        if not email:
            raise AuthError("The identity provider did not send an e-mail claim; add the 'email' scope.")
        return user_by_email(db, str(email))
    raise AuthError(f"FLOWPILOT_AUTH={mode!r} is not a sign-in mode; use one of {', '.join(AUTH_MODES)}.")


HANDS_ON_ROLES = (UserRole.ENGINEER.value, *ADMIN_ROLES)


def require_engineer(user: CurrentUser) -> None:
    """Raise PermissionDenied unless ``user`` works on sessions: an engineer, a team admin, an owner or a super admin.

    Analysts and viewers read; they do not act on a customer's machines.
    """
    if not (user.is_super_admin or user.role in HANDS_ON_ROLES):
        raise PermissionDenied(f"{user.name} has the role {user.role}; only engineers and team admins may do this.")


def require_team_admin(user: CurrentUser, account_id: uuid.UUID) -> None:
    """Raise PermissionDenied unless ``user`` is a team admin of ``account_id`` (or a super admin)."""
    if not user.is_team_admin:
        raise PermissionDenied(f"{user.name} has the role {user.role}; only team admins may do this.")
    if user.account_id != account_id and not user.is_super_admin:
        raise PermissionDenied("This belongs to another account.")
