"""The rows of one demo account, collected in memory before they are written in bulk."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from demo.flows import Flow
from demo.simulate import Simulated, new_uuid


@dataclass
class Publication:
    """A flow published from the flywheel's proposal at ``at``: ``generated`` (a new flow) or ``enhanced`` (its
    version 2, ``version`` being that tree_versions row)."""

    key: str
    kind: str
    at: datetime
    version: dict[str, Any] | None = None


class Workspace:
    """Rows of one account, collected before they are written."""

    def __init__(self, rng: random.Random, now: datetime, name: str, slug: str, created: datetime):
        self.rng = rng
        self.now = now
        self.account = {"id": new_uuid(rng), "name": name, "slug": slug, "created_at": created}
        self.teams: list[dict[str, Any]] = []
        self.users: list[dict[str, Any]] = []
        self.flows: dict[str, Flow] = {}
        self.tree_rows: dict[str, dict[str, Any]] = {}
        self.versions: list[dict[str, Any]] = []
        self.sims: list[Simulated] = []
        # Flows published from the flywheel's proposals, applied during the replay (demo.reviews.publish).
        self.publications: list[Publication] = []
        self.published_new_flows = 0
        # When the last session of the analysed history became due (None: no history).
        self.history_until: datetime | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.account["id"]

    def add_people(self, team_names: tuple[str, ...], people: tuple, domain: str) -> None:
        for name in team_names:
            self.teams.append(
                {
                    "id": new_uuid(self.rng),
                    "account_id": self.id,
                    "name": name,
                    "created_at": self.account["created_at"],
                }
            )
        for name, local, role, team in people:
            self.users.append(
                {
                    "id": new_uuid(self.rng),
                    "account_id": self.id,
                    "team_id": self.teams[team]["id"],
                    "email": f"{local}@{domain}",
                    "name": name,
                    "role": role,
                    "is_super_admin": False,
                    "created_at": self.account["created_at"],
                }
            )

    def user(self, role: str) -> dict[str, Any]:
        return next(u for u in self.users if u["role"] == role)

    def engineers(self) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
        return [(u["id"], u["team_id"]) for u in self.users if u["role"] in ("engineer", "team_admin")]

    def add_flow(self, flow: Flow, origin: str = "manual", created: datetime | None = None) -> dict[str, Any]:
        created = created or self.now - timedelta(days=self.rng.randint(130, 200))
        row = self._tree_row(
            "troubleshooting", flow.name, flow.description, flow.tree, flow.domain, list(flow.keywords), origin, created
        )
        self.flows[flow.key] = flow
        self.tree_rows[flow.key] = row
        return row

    def add_procedure(self, spec: dict[str, Any]) -> None:
        created = self.now - timedelta(days=150)
        self.tree_rows[spec["key"]] = self._tree_row(
            "procedural",
            spec["name"],
            spec["description"],
            spec["tree"],
            spec["domain"],
            spec["keywords"],
            "manual",
            created,
        )

    def _tree_row(self, tree_type, name, description, tree, domain, keywords, origin, created) -> dict[str, Any]:
        """A published version-1 flow of this account, with its first tree_versions row."""
        row = {
            "id": new_uuid(self.rng),
            "account_id": self.id,
            "team_id": self.teams[0]["id"],
            "name": name,
            "description": description,
            "tree_type": tree_type,
            "tree_structure": tree,
            "problem_domain": domain,
            "match_keywords": keywords,
            "origin": origin,
            "version": 1,
            "is_published": True,
            "created_by": self.user("team_admin")["id"],
            "created_at": created,
            "updated_at": created,
        }
        self.versions.append(self._version(row, 1, tree, origin, "First version", created))
        return row

    def _version(self, row, version, tree, origin, note, created) -> dict[str, Any]:
        return {
            "id": new_uuid(self.rng),
            "tree_id": row["id"],
            "account_id": self.id,
            "version": version,
            "name": row["name"],
            "description": row["description"],
            "tree_structure": tree,
            "match_keywords": row["match_keywords"],
            "origin": origin,
            "change_note": note,
            "created_by": row["created_by"],
            "created_at": created,
        }
