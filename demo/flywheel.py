"""The demo's one door to the Knowledge Flywheel: the real worker, offline, on a clock the demo sets.

Everything the demo's proposal history holds (proposals, merges, reinforcement records, flow statistics, the
sessions' analysis fields) is what this call writes; the demo keeps no copy of the decision table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from core.config import Settings
from core.flywheel.engine import Providers
from core.flywheel.generators import OfflineRulesGenerator
from core.flywheel.runner import RunStats, drain
from core.similarity.tfidf import TfidfEmbedder

# Sessions claimed per statement: large, since nothing leaves the machine and the history is thousands of sessions.
BATCH = 500
WORKER_ID = "demo-history"


def offline_providers() -> Providers:
    """The rules generator and the offline TF-IDF embedder (the default without keys), whatever keys the environment holds: no network, no budget."""
    return Providers(OfflineRulesGenerator(), TfidfEmbedder(), Settings())


def analyse_history(engine: Engine, providers: Providers, now: datetime) -> RunStats:
    """Analyse every session due at ``now`` (``analysis_after <= now``) as the worker would at that moment.

    The same ``providers`` across calls keep the dedup index warm. The clock never moves during a call, so every
    date the flywheel writes is ``now``; the worker id is fixed, so claims read the same on every build.
    """
    return drain(engine, providers, clock=lambda: now, batch=BATCH, worker_id=WORKER_ID)
