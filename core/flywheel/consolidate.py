"""Clusters that find each other late: two open proposals of one problem become one.

A session is compared with the open proposals as they are when it arrives. The first two write-ups of a problem can
read too differently to merge ("Defender quarantined our timesheet app" / "Windows Security blocked file as
Trojan:Win32/..."), and each starts a proposal; a few sessions later each cluster's centroid stands for the problem
far better than its first session did, and the two are plainly one. After every pass the flywheel looks again at
the proposals the pass touched: a pending proposal whose vector reaches another pending proposal of the same group
by the same rule a session merges by (:class:`core.flywheel.dedup.Problem` for new flows, the branch rule of
:func:`core.flywheel.dedup.same_branch_as` for enhancements) is joined into it.

The smaller cluster is joined into the larger (of equals, the younger into the older): its supporting sessions
move over, its sessions' paths are merged into the larger's tree (new flows), the centroids are combined weighted by
their sessions, and it keeps its row with status ``merged`` and ``merged_into_id``, so nothing is lost and a link to
it still says where its sessions went. Proposals a reviewer has seen the outcome of (dismissed, decided) are never
joined; a join is one transaction that locks both rows in id order and checks again that both are still pending.

Of the workers whose passes wrote to one proposal, the one that added its last supporting session looks at it again
(:func:`consolidate`): where sessions of one problem keep coming, every worker merges into the same few proposals,
and each of them searching for all of those would repeat the same work once per worker. A proposal's sessions are
appended under its row lock, so the last one names the last writer, whose pass consolidates after all its writes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from core.enums import ProposalStatus, ProposalType
from core.flywheel.clusters import merge_path, session_path, unit
from core.flywheel.confidence import add_support
from core.flywheel.dedup import Branch, Problem, same_branch_as
from core.flywheel.facts import SessionFacts, branch_threshold, dedup_embedder, load_facts_many, statement_gate
from core.flywheel.plan import Providers
from core.models import AISession, FlowProposal, utcnow
from core.similarity.embedders import from_bytes, to_bytes

log = logging.getLogger(__name__)

PENDING = ProposalStatus.PENDING.value
# Joins one pass may make (each is a short transaction); the rest wait for the next pass.
MAX_JOINS = 200


@dataclass
class Joins:
    """What one consolidation did: (absorbed, survivor) pairs in order."""

    pairs: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)

    @property
    def joined(self) -> int:
        return len(self.pairs)


def combined(a: np.ndarray, count_a: int, b: np.ndarray, count_b: int, halves: bool) -> np.ndarray:
    """The centroid of two new-flow clusters' unit centroids, weighted by their sessions, part by part (``halves``);
    of two enhancements' mean vectors, their weighted mean (see :func:`core.flywheel.clusters.mean_vector`)."""
    weight_a, weight_b = max(count_a, 1), max(count_b, 1)
    if not halves:
        return ((a.astype(np.float64) * weight_a + b * weight_b) / (weight_a + weight_b)).astype(np.float32)
    parts = [slice(0, a.shape[0] // 2), slice(a.shape[0] // 2, None)]
    return np.concatenate([unit(unit(a[p]) * weight_a + unit(b[p]) * weight_b) for p in parts]).astype(np.float32)


@dataclass(frozen=True)
class _Candidate:
    """What the search needs of one pending proposal (read once, not an ORM row held across transactions)."""

    id: uuid.UUID
    account_id: uuid.UUID
    problem_domain: str | None
    embedder: str | None
    embedding: bytes
    proposal_type: str
    divergence_key: str | None
    target_flow_id: uuid.UUID | None


_CANDIDATE_COLUMNS = (
    FlowProposal.id,
    FlowProposal.account_id,
    FlowProposal.problem_domain,
    FlowProposal.embedder,
    FlowProposal.embedding,
    FlowProposal.proposal_type,
    FlowProposal.divergence_key,
    FlowProposal.target_flow_id,
)


# Ids per statement when reading the touched proposals back.
_READ_CHUNK = 1000


def _touched(db: Session, written: Mapping[uuid.UUID, uuid.UUID]) -> list[_Candidate]:
    """The pending proposals of ``written`` (proposal -> the last session the pass added to it) that have a vector
    and whose last supporting session is still that one, the best supported first."""
    ids = sorted(written)
    rows = []
    for start in range(0, len(ids), _READ_CHUNK):
        query = select(
            *_CANDIDATE_COLUMNS,
            FlowProposal.supporting_session_count,
            FlowProposal.created_at,
            FlowProposal.supporting_session_ids,
        ).where(
            FlowProposal.id.in_(ids[start : start + _READ_CHUNK]),
            FlowProposal.status == PENDING,
            FlowProposal.embedding.is_not(None),
        )
        # Another worker added a session after this pass did: its own pass, which ends after that write, looks.
        rows.extend(row for row in db.execute(query) if _last(row.supporting_session_ids) == str(written[row.id]))
    rows.sort(key=lambda row: (-(row.supporting_session_count or 0), row.created_at, row.id))
    return [_Candidate(*row[: len(_CANDIDATE_COLUMNS)]) for row in rows]


def _last(session_ids: list[str] | None) -> str | None:
    return str(session_ids[-1]) if session_ids else None


@dataclass(frozen=True)
class _Standing:
    """What deciding a join needs of a proposal as it stands now: whether it is still pending, its support and age
    (the smaller cluster joins the larger, of equals the younger the older) and its supporting sessions."""

    id: uuid.UUID
    status: str
    supporting_session_count: int | None
    created_at: datetime
    supporting_session_ids: list[str] | None


def _standing(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, _Standing]:
    """:class:`_Standing` of each of ``ids`` that exists, in one query (columns only: a proposal's tree is not read)."""
    rows = db.execute(
        select(
            FlowProposal.id,
            FlowProposal.status,
            FlowProposal.supporting_session_count,
            FlowProposal.created_at,
            FlowProposal.supporting_session_ids,
        ).where(FlowProposal.id.in_(ids))
    )
    return {row.id: _Standing(*row) for row in rows}


def _new_flow_partner(
    db: Session, providers: Providers, proposal: _Candidate, gone: set[uuid.UUID]
) -> dict[uuid.UUID, _Standing] | None:
    """Another pending new-flow proposal of the same account, domain and vector form that ``proposal``'s centroid
    reaches by the duplicate rule (threshold and statement gate): how it and ``proposal`` stand, or None. The
    process's cached index is searched: it holds this worker's writes, and another worker's new proposals are
    looked at by that worker's own pass."""
    embedder = providers.embedder
    if proposal.embedder != dedup_embedder(embedder):
        return None  # written by another embedder: not comparable with what this worker embeds
    problem = Problem(
        proposal.account_id,
        proposal.problem_domain,
        proposal.embedder,
        from_bytes(proposal.embedding),
        embedder.threshold,
        statement_gate(embedder),
    )
    skip = {proposal.id, *gone}
    for _attempt in range(8):
        hit = problem.best(providers.index, db, False, skip)
        if hit is None:
            return None
        standing = _standing(db, [proposal.id, hit])
        if hit in standing and standing[hit].status == PENDING:
            return standing
        skip.add(hit)  # dismissed: a reviewer's call stands; look further
    return None


def _enhancement_partner(
    db: Session, providers: Providers, proposal: _Candidate, gone: set[uuid.UUID]
) -> dict[uuid.UUID, _Standing] | None:
    """Another pending enhancement adding the same branch under the same node of the same flow: how it and
    ``proposal`` stand, or None."""
    embedder = providers.embedder
    if proposal.embedder != embedder.name or not proposal.divergence_key or proposal.target_flow_id is None:
        return None
    branch = Branch.from_key(
        proposal.divergence_key,
        vector=from_bytes(proposal.embedding),
        embedder=embedder.name,
        threshold=branch_threshold(embedder),
    )
    partner = same_branch_as(db, proposal.account_id, proposal.target_flow_id, branch, {proposal.id, *gone}, PENDING)
    return None if partner is None else _standing(db, [proposal.id, partner])


def _mergeable_facts(
    db: Session, providers: Providers, absorbed: _Standing, survivor_id: uuid.UUID
) -> dict[uuid.UUID, SessionFacts] | None:
    """The facts of the smaller cluster's sessions when every one of them, arriving now, would merge into the larger
    cluster (its own dedup vector reaches the larger cluster's centroid by the duplicate rule); None when one would
    not. Two centroids of one domain share its vocabulary and can be closer than any of their sessions are; this
    keeps a join to what a session could do. A cluster without sessions (a proposal made outside a session) is never
    joined, so nothing else is read."""
    embedder = providers.embedder
    ids = [uuid.UUID(str(i)) for i in absorbed.supporting_session_ids or []]
    if not ids:
        return None
    centre = from_bytes(db.scalar(select(FlowProposal.embedding).where(FlowProposal.id == survivor_id)))
    sessions = db.scalars(select(AISession).where(AISession.id.in_(ids))).all()
    if centre is None or not sessions:
        return None
    half = centre.shape[0] // 2
    threshold, gate = embedder.threshold, statement_gate(embedder)
    facts = load_facts_many(db, list(sessions))
    for each in facts.values():
        vector = each.dedup_vector(embedder)
        if vector.shape != centre.shape:
            return None
        if float(vector[:half] @ centre[:half]) <= threshold or float(vector[half:] @ centre[half:]) < gate:
            return None
    return facts


def _join(
    db: Session,
    absorbed_id: uuid.UUID,
    survivor_id: uuid.UUID,
    read: Mapping[uuid.UUID, SessionFacts] | None = None,
) -> bool:
    """Join ``absorbed_id`` into ``survivor_id`` in the caller's transaction; False when either is no longer
    pending (another worker or a reviewer got there first). ``read``: facts of the absorbed cluster's sessions this
    transaction read already (:func:`_mergeable_facts`), used when they are exactly the sessions that move."""
    rows = {
        p.id: p
        for p in db.scalars(
            select(FlowProposal)
            .where(FlowProposal.id.in_([absorbed_id, survivor_id]))
            .order_by(FlowProposal.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    absorbed, survivor = rows.get(absorbed_id), rows.get(survivor_id)
    if absorbed is None or survivor is None or absorbed.status != PENDING or survivor.status != PENDING:
        return False
    known = [str(i) for i in survivor.supporting_session_ids or []]
    moving = [str(i) for i in absorbed.supporting_session_ids or [] if str(i) not in set(known)]
    count_s, count_a = survivor.supporting_session_count or 1, absorbed.supporting_session_count or 1
    if survivor.embedding is not None and absorbed.embedding is not None:
        a, b = from_bytes(survivor.embedding), from_bytes(absorbed.embedding)
        if a.shape == b.shape:
            halves = survivor.proposal_type == ProposalType.NEW_FLOW and a.shape[0] % 2 == 0
            survivor.embedding = to_bytes(combined(a, count_s, b, count_a, halves))
    data = survivor.proposed_flow_data or {}
    if survivor.proposal_type == ProposalType.NEW_FLOW and isinstance(data.get("tree_structure"), dict) and moving:
        tree = data["tree_structure"]
        moving_ids = {uuid.UUID(i) for i in moving}
        if read is not None and read.keys() == moving_ids:
            facts = read
        else:
            sessions = db.scalars(select(AISession).where(AISession.id.in_(moving_ids))).all()
            facts = load_facts_many(db, list(sessions))
        for session_id in moving:
            if uuid.UUID(session_id) in facts:
                tree = merge_path(tree, session_path(facts[uuid.UUID(session_id)])).tree
        survivor.proposed_flow_data = {**data, "tree_structure": tree}
    survivor.supporting_session_ids = known + moving
    survivor.supporting_session_count = count_s + count_a
    survivor.confidence_score = add_support(
        max(survivor.confidence_score or 0.0, absorbed.confidence_score or 0.0),
        min(survivor.confidence_score or 0.0, absorbed.confidence_score or 0.0),
    )
    survivor.updated_at = absorbed.updated_at = utcnow()
    absorbed.status = ProposalStatus.MERGED.value
    absorbed.merged_into_id = survivor.id
    return True


def _order(standing: dict[uuid.UUID, _Standing]) -> tuple[_Standing, _Standing]:
    """(absorbed, survivor) of two proposals: the smaller cluster joins the larger; of equals, the younger joins the
    older."""
    ranked = sorted(
        standing.values(), key=lambda row: (-(row.supporting_session_count or 0), row.created_at, str(row.id))
    )
    return ranked[1], ranked[0]


def consolidate(
    engine: Engine, providers: Providers, written: Mapping[uuid.UUID, uuid.UUID], limit: int = MAX_JOINS
) -> Joins:
    """Join pending proposals of ``written`` (what a pass created or merged into, each with the last session the
    pass added to it) to a pending proposal of the same problem (see the module doc); a survivor is looked at again,
    since its moved centroid may now reach a third.

    Each worker looks again at what it wrote itself, and of a proposal several workers wrote to, only the one whose
    session is still its last does: two workers never search for the same proposals.
    """
    joins = Joins()
    gone: set[uuid.UUID] = set()
    # One connection for every transaction of the look: a transaction per candidate, without a checkout (and its
    # ping of the server) for each.
    with engine.connect() as conn:
        with _transaction(conn) as db:
            queue = _touched(db, written)
        while queue and joins.joined < limit:
            candidate = queue.pop(0)
            if candidate.id in gone:
                continue
            new_flow = candidate.proposal_type == ProposalType.NEW_FLOW
            # The search reads nothing but the cached index until it finds a partner.
            with _transaction(conn) as db:
                if new_flow:
                    standing = _new_flow_partner(db, providers, candidate, gone)
                else:
                    standing = _enhancement_partner(db, providers, candidate, gone)
                if standing is None or len(standing) < 2:
                    continue
                smaller, larger = _order(standing)
                read = _mergeable_facts(db, providers, smaller, larger.id) if new_flow else None
                if new_flow and read is None:
                    continue
                absorbed, survivor = smaller.id, larger.id
                if not _join(db, absorbed, survivor, read):
                    continue
                db.flush()
                grown = _Candidate(*db.execute(select(*_CANDIDATE_COLUMNS).where(FlowProposal.id == survivor)).one())
            gone.add(absorbed)
            joins.pairs.append((absorbed, survivor))
            account_id, domain, embedder = candidate.account_id, candidate.problem_domain, candidate.embedder or ""
            providers.index.forget(account_id, domain, embedder, absorbed)
            if new_flow:
                providers.index.put(account_id, domain, embedder, survivor, from_bytes(grown.embedding))
            queue.insert(0, grown)
            log.info("joined proposal %s into %s", absorbed, survivor)
    return joins


@contextmanager
def _transaction(conn: Connection) -> Iterator[Session]:
    """A session in one transaction on ``conn``: committed on success, rolled back on error (as
    :func:`core.db.session_scope`, on a connection already checked out)."""
    with Session(bind=conn, expire_on_commit=False) as db, db.begin():
        yield db
