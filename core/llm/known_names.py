"""The names a redaction has to be told: no pattern can tell "Sam Taylor" from any two capitalised words."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User


def account_people(db: Session, account_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The names of each account's users (engineers, leads, analysts), in one query for all the accounts.

    Session text names them ("escalated to Marcus Reed"), and a user's name is personal data like a requester's.
    """
    people: dict[uuid.UUID, list[str]] = {account_id: [] for account_id in account_ids}
    if not people:
        return people
    rows = db.execute(select(User.account_id, User.name).where(User.account_id.in_(people)).order_by(User.name))
    for account_id, name in rows:
        if name and name.strip():
            people[account_id].append(name)
    return people
