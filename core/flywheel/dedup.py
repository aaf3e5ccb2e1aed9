"""Duplicate detection and merging: a session that repeats an open proposal strengthens it instead of adding one.

New flows are compared by embedding of their problem text (``SessionFacts.dedup_text``: summary, symptoms, steps and
fix, never the intake's requester, device or company) with the open proposals (pending or dismissed) of the same
account, ``problem_domain`` (NULL matches only NULL) and embedder; enhancements merge when they add a branch under
the same node of the same flow that means the same thing: the embedding of the answer, later steps and fix is close
enough, or (for a proposal stored without one) the option reads the same (``core.flywheel.clusters.same_resolution``:
"Reinstalled the VPN client" and "VPN client reinstall" are one branch). A session merged into a new flow also
teaches it: its path joins the proposal's tree and its embedding moves the proposal's to the cluster's centroid.

The embeddings of open proposals are cached in the process (:class:`ProposalIndex`): 10,000 proposals are one
matrix product per session. The cache can be stale; it is corrected where it matters — a candidate is re-read and
locked before merging, and before a new proposal is created the rows changed since the last refresh are fetched
under a lock on (account, domain), so two workers never create the same proposal twice. A merge moves the
proposal's embedding (the centroid): the merging process updates its own cache, another process keeps the vector it
read until it restarts; either is a fair representative of the cluster.
"""

from __future__ import annotations

import hashlib
import mmap
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from core.flywheel.clusters import SessionPath, centroid, mean_vector, merge_path, same_resolution
from core.flywheel.confidence import add_support
from core.models import FlowProposal, utcnow
from core.similarity.embedders import from_bytes, sparse_parts_many, to_bytes
from core.similarity.terms import codes_conflict, outcomes_conflict
from core.trees import normalize_label

OPEN_STATUSES = ("pending", "dismissed")
# Rows written within this window before the last refresh are fetched again (clock skew, long transactions).
REFRESH_OVERLAP = timedelta(seconds=60)


class LockBusy(RuntimeError):
    """A duplicate-check lock another transaction holds, asked for after this one took its locks in order: waiting
    could close a cycle, so the transaction gives up at once (the worker redoes the chunk one session at a time)."""


LockKey = tuple[object, ...]


def problem_key(account_id: uuid.UUID, domain: str | None) -> LockKey:
    """What writers of new-flow proposals of one account and domain serialise on (:func:`find_similar`)."""
    return (account_id, "new_flow", domain)


def branch_key(account_id: uuid.UUID, flow_id: uuid.UUID, node_id: str) -> LockKey:
    """What writers of enhancements under one node of a flow serialise on (:func:`find_enhancement`)."""
    return (account_id, "enhancement", flow_id, node_id)


@dataclass
class Locks:
    """The proposal locks one transaction holds, as far as duplicate detection needs to know.

    ``prelocked``: proposals locked up front by :func:`lock_open_many` (None when nothing was; then a proposal is
    locked when found, waiting for it as long as it takes). ``serialising``: whether the transaction took a lock
    other workers queue for (:func:`lock`), after which a worker analysing a batch should commit soon. ``keys``:
    those locks' keys; once ``in_order`` (:func:`lock_keys` took the ones it expected, in one order), another key is
    only tried, never waited for. ``fresh``: the (account, domain, embedder) groups of the duplicate index brought up
    to date under their key's lock: while the transaction holds it nobody else adds a proposal there, so the cached
    index is complete for it. Valid until the transaction ends; a new transaction takes a new ``Locks``.
    """

    prelocked: dict[uuid.UUID, FlowProposal] | None = None
    serialising: bool = False
    keys: set[LockKey] = field(default_factory=set)
    in_order: bool = False
    fresh: set[tuple[uuid.UUID, str | None, str]] = field(default_factory=set)


def _advisory_key(key: LockKey) -> int:
    digest = hashlib.blake2b("|".join(str(p) for p in key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock(db: Session, locks: Locks, key: LockKey) -> None:
    """Serialise writers of one key until the transaction ends (PostgreSQL advisory lock; SQLite already
    serialises writers, and the worker's first statement took its write lock). A key the transaction holds costs
    nothing; after :func:`lock_keys`, a key it does not hold raises :class:`LockBusy` when another holds it."""
    if key in locks.keys:
        return
    locks.keys.add(key)
    if db.get_bind().dialect.name != "postgresql":
        return
    # Other workers wait for this lock until the transaction ends: a worker analysing a batch commits soon after.
    locks.serialising = True
    params = {"key": _advisory_key(key)}
    if not locks.in_order:
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), params)
    elif not db.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), params):
        raise LockBusy(f"another worker holds the duplicate-check lock of {key[1]} {key[2:]}")


def lock_keys(db: Session, locks: Locks, keys: set[LockKey]) -> None:
    """Take the duplicate-check locks of ``keys`` in one global order, so workers taking overlapping sets queue
    instead of deadlocking; any other key the transaction needs later is only tried (:func:`lock`)."""
    for key in sorted(keys, key=_advisory_key):
        lock(db, locks, key)
    locks.in_order = True


def _domain_clause(domain: str | None):
    return FlowProposal.problem_domain.is_(None) if domain is None else FlowProposal.problem_domain == domain


def _zeros(rows: int, columns: int) -> np.ndarray:
    """A float32 matrix of zeros in anonymous memory of the ordinary page size.

    numpy asks the kernel to back large arrays with 2 MB pages. A first load writes a few values into every page of a
    matrix of hundreds of MB (4,096 dimensions by 12,500 proposals: 205 MB), and under that advice a fault can wait
    while the kernel compacts memory to find 2 MB of it contiguous: one such load took 0.05-0.4 s where ordinary
    pages take 0.07 s, in each worker process as it starts. Scoring, a dozen rows at a time, is as fast either way.
    """
    buffer = mmap.mmap(-1, rows * columns * 4)
    return np.frombuffer(buffer, dtype=np.float32).reshape(rows, columns)


class _Group:
    """Open proposals of one (account, domain, embedder): a growable matrix, rows of closed ones zeroed."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, int] = {}
        self.ids: list[uuid.UUID | None] = []
        self.matrix: np.ndarray | None = None
        self.refreshed_at: datetime | None = None
        # The dimensions each column has set: a column is one proposal across thousands of rows, so writing or
        # clearing it whole touches thousands of cache lines where a vector of the offline embedders sets dozens.
        self.set_dims: dict[int, np.ndarray] = {}

    def _clear(self, row: int) -> None:
        dims = self.set_dims.pop(row, None)
        if dims is None:
            self.matrix[:, row] = 0.0
        else:
            self.matrix[dims, row] = 0.0

    def _remember(self, row: int, dims: np.ndarray) -> None:
        # A dense vector (a model's embedding) is cleared column-whole: its list would cost more than it saves.
        if len(dims) <= self.matrix.shape[0] // 4:
            self.set_dims[row] = dims

    def _write(self, row: int, dims: np.ndarray, values: np.ndarray) -> None:
        self.matrix[dims, row] = values
        self._remember(row, dims)

    def _room(self, needed: int) -> None:
        """Columns for ``needed`` proposals, with a quarter more to spare (each growth copies the matrix)."""
        if needed > self.matrix.shape[1]:
            grown = _zeros(self.matrix.shape[0], max(needed + needed // 4, 64))
            used = len(self.ids)
            grown[:, :used] = self.matrix[:, :used]
            self.matrix = grown

    def put(self, proposal_id: uuid.UUID, vector: np.ndarray | None, is_open: bool) -> None:
        row = self.rows.get(proposal_id)
        if not is_open or vector is None:
            if row is not None:
                self._clear(row)
                self.ids[row] = None
                del self.rows[proposal_id]
            return
        if self.matrix is None:
            self.matrix = _zeros(vector.shape[0], 64)
        if vector.shape[0] != self.matrix.shape[0]:
            return  # another dimension: not comparable (the embedder name should have kept it apart)
        if row is None:
            row = len(self.ids)
            self._room(row + 1)
            self.ids.append(proposal_id)
            self.rows[proposal_id] = row
        else:
            self._clear(row)
        dims = np.flatnonzero(vector)
        self._write(row, dims, np.asarray(vector, dtype=np.float32)[dims])

    def put_many(self, rows: list[tuple[uuid.UUID, bytes | None]]) -> None:
        """Add open proposals not yet known, from their stored vectors, in one write (a first load of thousands)."""
        fresh = []
        for pid, data in rows:
            if not data:
                continue
            if pid in self.rows:
                self.put(pid, from_bytes(data), True)
                continue
            fresh.append((pid, data))
        if not fresh:
            return
        dims, counts, positions, values = sparse_parts_many([data for _pid, data in fresh])
        if self.matrix is None:
            self.matrix = _zeros(int(dims[0]), 64)
        comparable = dims == self.matrix.shape[0]
        if not comparable.all():
            kept = np.repeat(comparable, counts)
            fresh = [item for item, keep in zip(fresh, comparable, strict=True) if keep]
            counts, positions, values = counts[comparable], positions[kept], values[kept]
        if not fresh:
            return
        start = len(self.ids)
        needed = start + len(fresh)
        self._room(needed)
        # Only the set values are written, each into its dimension's row at the proposal's column (never written,
        # so zero): the offline embedders set a few dozen of thousands of dimensions.
        positions = positions.astype(np.intp)
        self.matrix[positions, np.repeat(np.arange(start, needed), counts)] = values
        self.ids.extend(pid for pid, _data in fresh)
        self.rows.update((pid, start + offset) for offset, (pid, _data) in enumerate(fresh))
        for offset, set_dims in enumerate(np.split(positions, np.cumsum(counts)[:-1])):
            self._remember(start + offset, set_dims)

    def scores(self, vector: np.ndarray, part: slice = slice(None)) -> np.ndarray:
        # Stored one dimension per row, so a sparse query (the offline embedders set a few dozen of their
        # dimensions) reads only its own rows: a fraction of the memory traffic of a dense product.
        count = len(self.ids)
        matrix, vector = self.matrix[part], vector[part]
        nonzero = np.flatnonzero(vector)
        if len(nonzero) < vector.shape[0] // 2:
            return vector[nonzero] @ matrix[nonzero, :count]
        return vector @ matrix[:, :count]

    def best(
        self, vector: np.ndarray, threshold: float, skip: set[uuid.UUID], gate: float | None = None
    ) -> tuple[uuid.UUID, float] | None:
        """The closest open proposal scoring above ``threshold``, not in ``skip``. With a ``gate``, vectors are two
        unit halves (whole problem text, statement): the first half is scored, and a proposal whose second half
        scores below ``gate`` is passed over."""
        if not self.rows or vector.shape[0] != self.matrix.shape[0]:
            return None
        if gate is None:
            scores = self.scores(vector)
        else:
            half = vector.shape[0] // 2
            scores = self.scores(vector, slice(None, half))
            scores[self.scores(vector, slice(half, None)) < gate] = -np.inf
        while True:
            index = int(np.argmax(scores))
            score = float(scores[index])
            if score <= threshold:
                return None
            proposal_id = self.ids[index]
            if proposal_id is not None and proposal_id not in skip:
                return proposal_id, score
            scores[index] = -np.inf


def _embeddings(db: Session, query: Select) -> list[tuple[uuid.UUID, bytes | None]]:
    """The (id, embedding) rows of ``query``. On PostgreSQL they come in binary form: as text a bytea is hex, twice
    its bytes, which the server writes and the client decodes (10,000 proposals' embeddings: 0.9 s, in binary 0.2 s;
    SQLAlchemy asks psycopg for text, so the query goes to the driver's cursor)."""
    bind = db.get_bind()
    if bind.dialect.name != "postgresql":
        return [tuple(row) for row in db.execute(query)]
    compiled = query.compile(dialect=bind.dialect, compile_kwargs={"render_postcompile": True})
    with db.connection().connection.dbapi_connection.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()


class ProposalIndex:
    """Embeddings of open new-flow proposals per (account, domain, embedder), cached in the process."""

    def __init__(self) -> None:
        self._groups: dict[tuple[uuid.UUID, str | None, str], _Group] = {}

    def _refresh(self, db: Session, key: tuple[uuid.UUID, str | None, str], since: datetime | None) -> _Group:
        group = self._groups.setdefault(key, _Group())
        account_id, domain, embedder = key
        where = (
            FlowProposal.account_id == account_id,
            FlowProposal.proposal_type == "new_flow",
            _domain_clause(domain),
            FlowProposal.embedder == embedder,
        )
        started = utcnow()
        if since is None:
            query = select(FlowProposal.id, FlowProposal.embedding).where(
                *where, FlowProposal.status.in_(OPEN_STATUSES)
            )
            group.put_many(_embeddings(db, query))
            group.refreshed_at = started
            return group
        # Every row touched within the overlap comes back as its id and status (merges touch many, and their
        # vectors are known here already: a merge's centroid moves a vector a little, and the vector known here
        # still represents the cluster). Only an open row unknown here (another process's new proposal, also one
        # stamped by an older clock) brings its embedding, in a second query; a closed one leaves the matrix.
        cut = since - REFRESH_OVERLAP
        query = select(FlowProposal.id, FlowProposal.status).where(*where, FlowProposal.updated_at > cut)
        unknown = []
        for proposal_id, status in db.execute(query):
            if status not in OPEN_STATUSES:
                group.put(proposal_id, None, False)
            elif proposal_id not in group.rows:
                unknown.append(proposal_id)
        if unknown:
            query = select(FlowProposal.id, FlowProposal.embedding).where(FlowProposal.id.in_(unknown))
            group.put_many(_embeddings(db, query))
        group.refreshed_at = started
        return group

    def group(self, db: Session, account_id: uuid.UUID, domain: str | None, embedder: str, fresh: bool) -> _Group:
        key = (account_id, domain, embedder)
        group = self._groups.get(key)
        if group is None:
            return self._refresh(db, key, None)
        if fresh:
            return self._refresh(db, key, group.refreshed_at)
        return group

    def forget(self, account_id: uuid.UUID, domain: str | None, embedder: str, proposal_id: uuid.UUID) -> None:
        group = self._groups.get((account_id, domain, embedder))
        if group is not None:
            group.put(proposal_id, None, False)

    def put(
        self, account_id: uuid.UUID, domain: str | None, embedder: str, proposal_id: uuid.UUID, vector: np.ndarray
    ) -> None:
        """Record an open proposal's moved vector in a group this process has loaded (a group not loaded yet
        reads it from the database when first asked)."""
        group = self._groups.get((account_id, domain, embedder))
        if group is not None:
            group.put(proposal_id, vector, True)

    def add(self, proposal: FlowProposal, vector: np.ndarray) -> None:
        key = (proposal.account_id, proposal.problem_domain, proposal.embedder or "")
        self._groups.setdefault(key, _Group()).put(proposal.id, vector, True)


def lock_open_many(db: Session, proposal_ids: set[uuid.UUID], *, skip_locked: bool = False) -> Locks:
    """Lock proposals this transaction is about to merge into, in one statement and in id order.

    Workers that lock overlapping sets one at a time, in the order their sessions happen to come, deadlock each
    other; in one ordered statement they queue instead. With ``skip_locked`` they do not even queue: a proposal
    another transaction holds is left out (PostgreSQL; SQLite locks nothing here), and the caller analyses the
    sessions that merge into it later. :func:`find_similar` then finds the locked ones without a query.
    Any other proposal the transaction locks later is taken with NOWAIT: waiting for it while holding these could
    close a cycle, so the caller gets an error at once instead of a deadlock a second later (the worker then redoes
    the chunk one session per transaction). Returns the transaction's :class:`Locks`, valid until it ends.
    """
    if not proposal_ids:
        return Locks(prelocked={})
    rows = db.scalars(
        select(FlowProposal)
        .where(FlowProposal.id.in_(proposal_ids))
        .order_by(FlowProposal.id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    ).all()
    return Locks(prelocked={proposal.id: proposal for proposal in rows})


def _locked_open(db: Session, proposal_id: uuid.UUID, locks: Locks) -> FlowProposal | None:
    held = locks.prelocked
    if held is not None and proposal_id in held:
        proposal = held[proposal_id]
        return proposal if proposal.status in OPEN_STATUSES else None
    proposal = db.execute(
        select(FlowProposal)
        .where(FlowProposal.id == proposal_id)
        .with_for_update(nowait=held is not None)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return proposal if proposal is not None and proposal.status in OPEN_STATUSES else None


@dataclass(frozen=True)
class Problem:
    """What a new-flow session is compared on: its account, domain and embedder name (the proposals it may join),
    its dedup vector, the embedder's threshold and the statement gate (see :meth:`_Group.best`)."""

    account_id: uuid.UUID
    domain: str | None
    embedder: str
    vector: np.ndarray
    threshold: float
    gate: float | None = None

    def best(self, index: ProposalIndex, db: Session, fresh: bool, skip: set[uuid.UUID]) -> uuid.UUID | None:
        group = index.group(db, self.account_id, self.domain, self.embedder, fresh)
        hit = group.best(self.vector, self.threshold, skip, self.gate)
        return hit[0] if hit is not None else None


def find_similar(
    db: Session, index: ProposalIndex, problem: Problem, locks: Locks | None = None
) -> FlowProposal | None:
    """The open new-flow proposal ``problem`` duplicates (locked for update), or None.

    When None is returned the caller holds the (account, domain) lock and may create the proposal safely.
    ``locks`` are the transaction's (:class:`Locks`); without them, nothing was locked up front.
    """
    locks = Locks() if locks is None else locks
    group = (problem.account_id, problem.domain, problem.embedder)
    skip: set[uuid.UUID] = set()
    refresh = False
    while True:
        hit = problem.best(index, db, refresh, skip)
        refresh = False
        if hit is not None:
            proposal = _locked_open(db, hit, locks)
            if proposal is not None:
                return proposal
            index.forget(problem.account_id, problem.domain, problem.embedder, hit)
            skip.add(hit)
            continue
        if group in locks.fresh:
            return None
        lock(db, locks, problem_key(problem.account_id, problem.domain))
        # Read what others added since the last look once per transaction: the lock keeps it complete.
        locks.fresh.add(group)
        refresh = True


def peek_similar(db: Session, index: ProposalIndex, problem: Problem, *, fresh: bool = True) -> uuid.UUID | None:
    """The open proposal that seems to match, without locks (a hint: the locked check decides); ``fresh=False``
    asks the cached index only, without a query."""
    return problem.best(index, db, fresh, set())


@dataclass(frozen=True)
class Branch:
    """A new branch a session adds to a flow: the node it leaves, the answer it gave there, and the embedding of what
    the branch means (:func:`core.flywheel.facts.branch_text`) by ``embedder`` with its ``threshold``."""

    node_id: str
    label: str
    vector: np.ndarray | None = None
    embedder: str = ""
    threshold: float = 1.0

    @classmethod
    def from_key(cls, divergence_key: str, **meaning: object) -> Branch:
        node_id, _, label = divergence_key.partition("|")
        return cls(node_id, label, **meaning)

    @property
    def key(self) -> str:
        return f"{self.node_id}|{normalize_label(self.label)}"


def _same_branch(rows: list[_Enhancement], branch: Branch, same: Callable[[str, str], bool]) -> uuid.UUID | None:
    """The open enhancement of ``rows`` adding ``branch``: the same key; else, among the branches under the same
    node whose answers name no conflicting error codes, the closest by average linkage (the mean cosine between
    their sessions) when it reaches the threshold; else the oldest whose option ``same`` finds means the same thing
    (a proposal stored without an embedding)."""
    prefix = f"{branch.node_id}|"
    under = [row for row in rows if row.key and row.key.startswith(prefix)]
    for row in under:
        if row.key == branch.key:
            return row.id
    # Answers naming different error codes, or reporting opposite outcomes, are different branches, whatever the
    # rest of the session shares.
    under = [
        row
        for row in under
        if not codes_conflict(row.key[len(prefix) :], branch.label)
        and not outcomes_conflict(row.key[len(prefix) :], branch.label)
    ]
    if branch.vector is not None:
        # A session's unit vector against an enhancement's mean vector: the session's mean cosine with the
        # enhancement's sessions; two means: the mean cosine over their pairs of sessions (average linkage).
        scored = [
            (float(np.dot(branch.vector, from_bytes(row.embedding))), row.id)
            for row in under
            if row.embedding is not None and row.embedder == branch.embedder
        ]
        if scored:
            score, proposal_id = max(scored, key=lambda item: item[0])
            if score >= branch.threshold:
                return proposal_id
    for row in under:
        if same(row.key[len(prefix) :], branch.label):
            return row.id
    return None


@dataclass(frozen=True)
class _Enhancement:
    id: uuid.UUID
    key: str | None
    embedding: bytes | None
    embedder: str | None


def _open_enhancements(
    db: Session, account_id: uuid.UUID, flow_id: uuid.UUID, statuses: tuple[str, ...] = OPEN_STATUSES
) -> list[_Enhancement]:
    query = (
        select(FlowProposal.id, FlowProposal.divergence_key, FlowProposal.embedding, FlowProposal.embedder)
        .where(
            FlowProposal.account_id == account_id,
            FlowProposal.proposal_type == "enhancement",
            FlowProposal.target_flow_id == flow_id,
            FlowProposal.status.in_(statuses),
        )
        .order_by(FlowProposal.created_at, FlowProposal.id)
    )
    return [_Enhancement(*row) for row in db.execute(query)]


def peek_enhancement(db: Session, account_id: uuid.UUID, flow_id: uuid.UUID, branch: Branch) -> uuid.UUID | None:
    """The open enhancement that already adds this branch (no locks; a hint for skipping a model call)."""
    return _same_branch(_open_enhancements(db, account_id, flow_id), branch, same_resolution)


def same_branch_as(
    db: Session, account_id: uuid.UUID, flow_id: uuid.UUID, branch: Branch, skip: set[uuid.UUID], status: str
) -> uuid.UUID | None:
    """The enhancement of ``flow_id`` with ``status``, not in ``skip``, that adds ``branch`` by the rule of
    :func:`find_enhancement` (no locks: the caller locks before it writes)."""
    rows = [row for row in _open_enhancements(db, account_id, flow_id, (status,)) if row.id not in skip]
    return _same_branch(rows, branch, same_resolution)


def find_enhancement(
    db: Session,
    account_id: uuid.UUID,
    flow_id: uuid.UUID,
    branch: Branch,
    locks: Locks | None = None,
    *,
    same: Callable[[str, str], bool] = same_resolution,
) -> FlowProposal | None:
    """The open enhancement adding the same branch under the same node of ``flow_id`` (locked), or None.

    The same branch is the same divergence key ("<node id>|<normalized label>"), else the open enhancement under
    that node whose meaning (embedding of answer, later steps and fix) is closest and close enough, else the
    oldest whose option ``same`` finds means the same as the label. The lock is per node, so two workers with
    paraphrases of one branch never create two proposals.
    """
    locks = Locks() if locks is None else locks
    lock(db, locks, branch_key(account_id, flow_id, branch.node_id))
    proposal_id = _same_branch(_open_enhancements(db, account_id, flow_id), branch, same)
    return _locked_open(db, proposal_id, locks) if proposal_id else None


def merge(
    db: Session,
    proposal: FlowProposal,
    session_id: uuid.UUID,
    evidence: float,
    resurface_after: int,
    *,
    flush: bool = True,
    path: SessionPath | None = None,
    vector: np.ndarray | None = None,
) -> bool:
    """Add a supporting session to ``proposal``; True when a dismissed proposal came back to ``pending``.

    The proposal also learns from the session: a new flow's ``path`` joins the proposed tree
    (``clusters.merge_path``; a path the tree cannot take leaves the tree as it was), and ``vector`` (the
    session's problem, or its new branch for an enhancement) moves the stored embedding to the centroid of the
    supporting sessions. ``flush=False`` leaves the UPDATE to the caller's next flush, where it shares a
    round trip with others.
    """
    ids = list(proposal.supporting_session_ids or [])
    if str(session_id) in ids:
        return False
    _learn(proposal, path if proposal.proposal_type == "new_flow" else None, vector)
    ids.append(str(session_id))
    proposal.supporting_session_ids = ids
    proposal.supporting_session_count = (proposal.supporting_session_count or 0) + 1
    proposal.confidence_score = add_support(proposal.confidence_score or 0.0, evidence)
    proposal.updated_at = utcnow()
    resurfaced = False
    if proposal.status == "dismissed":
        baseline = proposal.dismissed_support if proposal.dismissed_support is not None else 0
        if proposal.supporting_session_count - baseline >= resurface_after:
            proposal.status = "pending"
            resurfaced = True
    if flush:
        db.flush()
    return resurfaced


def _learn(proposal: FlowProposal, path: SessionPath | None, vector: np.ndarray | None) -> None:
    """Merge the session's path into the proposed tree and its vector into the embedding (before the count grows)."""
    data = proposal.proposed_flow_data or {}
    if path is not None and isinstance(data.get("tree_structure"), dict):
        result = merge_path(data["tree_structure"], path)
        if result.merged:
            # A new dict: the JSON column only notices assignment.
            proposal.proposed_flow_data = {**data, "tree_structure": result.tree}
    if vector is not None and proposal.embedding is not None:
        old, count = from_bytes(proposal.embedding), proposal.supporting_session_count or 1
        if proposal.proposal_type == "new_flow" and old.shape == vector.shape and old.shape[0] % 2 == 0:
            # Two unit halves (problem text, statement): each moves to its own centroid.
            half = old.shape[0] // 2
            moved = np.concatenate(
                [centroid(old[:half], count, vector[:half]), centroid(old[half:], count, vector[half:])]
            )
        else:
            # An enhancement keeps the plain mean of its sessions' branch vectors (see ``clusters.mean_vector``).
            moved = mean_vector(old, count, vector)
        # A repeat of the cluster's own text leaves the centroid where it was (up to rounding): no write.
        if not np.allclose(moved, old, rtol=0, atol=1e-6):
            proposal.embedding = to_bytes(moved)


def open_count(db: Session, account_id: uuid.UUID) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(FlowProposal)
            .where(FlowProposal.account_id == account_id, FlowProposal.status.in_(OPEN_STATUSES))
        )
        or 0
    )
