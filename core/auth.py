"""Sign-in: who is using the app. The user row and role always come from the database.

Modes (``FLOWPILOT_AUTH``):
* ``local`` (default) — opens as the demo workspace's team admin; a "demo sign-in" switcher changes user.
  Refused on PostgreSQL unless ``FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES`` is set.
* ``header`` — a trusted reverse proxy puts the signed-in e-mail into a header (``FLOWPILOT_AUTH_HEADER``).
* ``oidc`` — Streamlit's ``st.login``; the e-mail of ``st.user`` is looked up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.models import ADMIN_ROLES, Account, User


class AuthError(Exception):
    """Sign-in is impossible as configured; the message says why and what to do."""


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
        return self.role == "analyst" or self.is_team_admin


def _current(db: Session, user: User) -> CurrentUser:
    account = db.get(Account, user.account_id)
    return CurrentUser(
        id=user.id,
        account_id=user.account_id,
        account_name=account.name if account else "",
        team_id=user.team_id,
        email=user.email,
        name=user.name,
        role=user.role,
        is_super_admin=user.is_super_admin,
    )


def load_user(db: Session, user_id: uuid.UUID) -> CurrentUser | None:
    user = db.get(User, user_id)
    return _current(db, user) if user else None


def user_by_email(db: Session, email: str) -> CurrentUser:
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AuthError(f"No FlowPilot user has the e-mail {email!r}. Ask an owner to add you.")
    return _current(db, user)


def default_local_user(db: Session, settings: Settings) -> CurrentUser:
    """The user the local (demo) mode opens as: the first account's team admin."""
    if settings.is_postgres and not settings.allow_local_auth_on_postgres:
        raise AuthError(
            "Local demo sign-in is refused on PostgreSQL. Set FLOWPILOT_AUTH=header or oidc, "
            "or FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES=true for a test installation."
        )
    user = db.scalar(
        select(User)
        .join(Account, Account.id == User.account_id)
        .where(User.role == "team_admin")
        .order_by(Account.created_at, Account.slug, User.email)
        .limit(1)
    )
    if user is None:
        raise AuthError("There is no team admin in the database yet: run `python -m jobs.demo` first.")
    return _current(db, user)


def local_users(db: Session) -> list[CurrentUser]:
    """Everyone the demo sign-in switcher offers, account by account."""
    users = db.scalars(select(User).order_by(User.account_id, User.role, User.email)).all()
    return [_current(db, u) for u in users]


def require_team_admin(user: CurrentUser, account_id: uuid.UUID) -> None:
    """Raise PermissionDenied unless ``user`` is a team admin of ``account_id`` (or a super admin)."""
    if not user.is_team_admin:
        raise PermissionDenied(f"{user.name} is a {user.role}; only team admins may do this.")
    if user.account_id != account_id and not user.is_super_admin:
        raise PermissionDenied("This belongs to another account.")
