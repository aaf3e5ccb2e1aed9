"""Open new-flow proposals whose vector another embedder wrote get a vector of this worker's embedder.

Proposals are compared only within one embedder name (:func:`core.flywheel.facts.dedup_embedder`), and a name
changes whenever the local embedder reads text differently: a new IDF table, another synonym table, other stop
words. Without this step every proposal open at an upgrade would stop collecting its duplicates: each new session
of its problem would start a second proposal. A proposal's vector is the centroid of its supporting sessions' dedup
vectors, so it is written again from those sessions (the two halves, problem text and statement, each averaged and
normalised, as merging does), and recorded under the new name.

Only a local embedder does this: it costs no call and no money. Enhancement proposals are left as they are: their
vector is of the branch the session added where it left its flow, which only a new walk of that flow would give;
a stale one still joins a new paraphrase of its branch by the same node key, not by meaning. Proposals without
sessions to read (their sessions purged) keep their vector and name.
"""

from __future__ import annotations

import logging
import uuid

import numpy as np
from sqlalchemy import Engine, select

from core.db import session_scope
from core.enums import ProposalType
from core.flywheel.clusters import unit
from core.flywheel.dedup import OPEN_STATUSES
from core.flywheel.facts import dedup_embedder, load_facts_many
from core.flywheel.plan import Providers
from core.models import AISession, FlowProposal, utcnow
from core.similarity.embedders import to_bytes

log = logging.getLogger(__name__)

# Proposals per transaction; a worker goes on until none is left.
BATCH = 200


def _centroid(vectors: list[np.ndarray]) -> np.ndarray:
    """The two-part centroid of dedup vectors: each half averaged and made unit length on its own."""
    rows = np.vstack(vectors)
    half = rows.shape[1] // 2
    return np.concatenate([unit(rows[:, :half].mean(axis=0)), unit(rows[:, half:].mean(axis=0))]).astype(np.float32)


def _one_batch(engine: Engine, providers: Providers, name: str, passed: set[uuid.UUID]) -> tuple[int, int]:
    """Re-embed up to :data:`BATCH` stale proposals not in ``passed``: (re-embedded, left as they were)."""
    embedder = providers.embedder
    done = kept = 0
    stale = [
        FlowProposal.proposal_type == ProposalType.NEW_FLOW.value,
        FlowProposal.status.in_(OPEN_STATUSES),
        FlowProposal.embedder.is_not(None),
        FlowProposal.embedder != name,
    ]
    if passed:
        stale.append(FlowProposal.id.not_in(passed))
    with session_scope(engine) as db:
        query = (
            select(FlowProposal)
            .where(*stale)
            .order_by(FlowProposal.id)
            .limit(BATCH)
            # Another worker re-embedding at the same time takes other rows; a merge holding one waits for nothing.
            .with_for_update(skip_locked=True)
        )
        proposals = list(db.scalars(query))
        ids = {str(sid) for p in proposals for sid in p.supporting_session_ids or []}
        sessions = list(db.scalars(select(AISession).where(AISession.id.in_(ids)))) if ids else []
        facts = load_facts_many(db, sessions)
        by_id = {str(sid): f for sid, f in facts.items()}
        for proposal in proposals:
            passed.add(proposal.id)
            vectors = [
                by_id[str(sid)].dedup_vector(embedder)
                for sid in proposal.supporting_session_ids or []
                if str(sid) in by_id
            ]
            if not vectors:
                kept += 1
                continue
            proposal.embedding = to_bytes(_centroid(vectors))
            proposal.embedder = name
            # The duplicate index of every worker reads rows changed since its last look.
            proposal.updated_at = utcnow()
            done += 1
    return done, kept


def reembed_stale(engine: Engine, providers: Providers) -> int:
    """Give every open new-flow proposal written by another embedder a vector of ``providers.embedder`` (when it is
    local), batch by batch; the number re-embedded."""
    if not providers.embedder.local:
        return 0
    name = dedup_embedder(providers.embedder)
    passed: set[uuid.UUID] = set()
    total = 0
    while True:
        done, kept = _one_batch(engine, providers, name, passed)
        total += done
        if done + kept == 0:
            break
    if total:
        log.info("re-embedded %d open proposals for %s", total, name, extra={"reembedded": total})
    return total
