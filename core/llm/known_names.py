"""The names a redaction has to be told: no pattern can tell "Sam Taylor" or "Northwind" from any capitalised words."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Account, User


@dataclass
class KnownNames:
    """An account's own name and the names of its users (engineers, leads, analysts)."""

    account: str | None = None
    people: list[str] = field(default_factory=list)


def known_names(db: Session, account_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, KnownNames]:
    """:class:`KnownNames` of each account, in one query for all of them (an unknown id gets an empty one).

    Session text names the account's people ("escalated to Marcus Reed"): a user's name is personal data like a
    requester's.
    """
    names: dict[uuid.UUID, KnownNames] = {account_id: KnownNames() for account_id in account_ids}
    if not names:
        return names
    rows = db.execute(
        select(Account.id, Account.name, User.name)
        .outerjoin(User, User.account_id == Account.id)
        .where(Account.id.in_(names))
        .order_by(Account.id, User.name)
    )
    for account_id, account_name, person in rows:
        known = names[account_id]
        known.account = account_name
        if person and person.strip():
            known.people.append(person)
    return names
