"""Accounts, teams and users without the demo: what ``python -m jobs.accounts`` and ``jobs.ingest --create-users`` do.

Rules:
* a slug is 1–80 lowercase letters, digits and hyphens, starting with a letter or digit; it is unique;
* an e-mail belongs to one user of one account (compared ignoring case); adding a user that exists in the same
  account brings its name, role and team up to date, and an identical row changes nothing, so an import can be
  run again;
* a team is found by name within the account (ignoring case and surrounding spaces) and created on first use.

The caller owns the transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import UserRole
from core.models import ROLES, Account, AISession, Team, User

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_NAME = 200
MAX_EMAIL = 320
USER_COLUMNS = ("email", "name", "role", "team")


class AccountError(ValueError):
    """A value an account, team or user cannot take; the message says which and why."""


@dataclass(frozen=True)
class AccountSummary:
    slug: str
    name: str
    teams: int
    users: int
    sessions: int


@dataclass
class UserImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, {len(self.errors)} bad row(s)"
        )


def create_account(db: Session, name: str, slug: str) -> Account:
    """A new account; an existing slug is an error (accounts are never overwritten)."""
    name = _name(name, "account name")
    slug = (slug or "").strip()
    if not SLUG.fullmatch(slug):
        raise AccountError(
            f"slug '{slug}' must be 1-80 lowercase letters, digits and hyphens, starting with a letter or digit"
        )
    if db.scalar(select(Account.id).where(Account.slug == slug)) is not None:
        raise AccountError(f"an account with slug '{slug}' already exists")
    account = Account(name=name, slug=slug)
    db.add(account)
    db.flush()
    return account


def account_by_slug(db: Session, slug: str) -> Account:
    account = db.scalar(select(Account).where(Account.slug == (slug or "").strip()))
    if account is None:
        raise AccountError(f"unknown account '{slug}'")
    return account


def add_user(db: Session, account: Account, email: str, name: str, role: str, team: str | None = None) -> str:
    """Add or update one user of ``account``; returns ``created``, ``updated`` or ``unchanged``."""
    email = _email(email)
    name = _name(name, "name")
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise AccountError(f"role '{role}' must be one of {', '.join(ROLES)}")
    team_id = _team(db, account, team).id if team and team.strip() else None
    user = db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        db.add(User(account_id=account.id, email=email, name=name, role=role, team_id=team_id))
        db.flush()
        return "created"
    if user.account_id != account.id:
        raise AccountError(f"{email} is already a user of another account")
    if (user.name, user.role, user.team_id) == (name, role, team_id):
        return "unchanged"
    user.name, user.role, user.team_id = name, role, team_id
    db.flush()
    return "updated"


def import_users(db: Session, account: Account, rows: Iterable[tuple[int, dict[str, str | None]]]) -> UserImport:
    """Add or update every good row (``email, name, role, team``); a bad row is reported with its line number."""
    report = UserImport()
    for number, row in rows:
        try:
            with db.begin_nested():
                outcome = add_user(
                    db, account, row.get("email") or "", row.get("name") or "", row.get("role") or "", row.get("team")
                )
        except AccountError as exc:
            report.errors.append((number, str(exc)))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def engineer_for(db: Session, account: Account, email: str) -> User:
    """The user with ``email`` in ``account``, created as an engineer (named after the address) when unknown."""
    email = _email(email)
    user = db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is not None:
        if user.account_id != account.id:
            raise AccountError(f"engineer '{email}' is a user of another account")
        return user
    local = email.split("@", 1)[0]
    name = " ".join(part.capitalize() for part in re.split(r"[._-]+", local) if part) or local
    user = User(account_id=account.id, email=email, name=name[:MAX_NAME], role=UserRole.ENGINEER.value)
    db.add(user)
    db.flush()
    return user


def list_accounts(db: Session) -> list[AccountSummary]:
    """Every account with its counts of teams, users and sessions, by slug."""

    def counts(model: type) -> dict[uuid.UUID, int]:
        return dict(db.execute(select(model.account_id, func.count()).group_by(model.account_id)).all())

    teams, users, sessions = counts(Team), counts(User), counts(AISession)
    return [
        AccountSummary(a.slug, a.name, teams.get(a.id, 0), users.get(a.id, 0), sessions.get(a.id, 0))
        for a in db.scalars(select(Account).order_by(Account.slug))
    ]


def _name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise AccountError(f"{what} is empty")
    if len(value) > MAX_NAME:
        raise AccountError(f"{what} is longer than {MAX_NAME} characters")
    return value


def _email(value: str) -> str:
    value = (value or "").strip()
    if not EMAIL.fullmatch(value) or len(value) > MAX_EMAIL:
        raise AccountError(f"'{value[:80]}' is not an e-mail address")
    return value


def _team(db: Session, account: Account, name: str) -> Team:
    name = _name(name, "team")
    team = db.scalar(
        select(Team).where(Team.account_id == account.id, func.lower(func.trim(Team.name)) == name.lower())
    )
    if team is None:
        team = Team(account_id=account.id, name=name)
        db.add(team)
        db.flush()
    return team
