"""What the flywheel learns from each hand-written scenario set, end to end (real ingest, offline flywheel, SQLite):
the figures ``python -m benchmarks.scenarios --set NAME`` prints, pinned so that a change that costs a merge, a
path step or a leak shows here. Where a figure misses its goal (fresh: a problem split in two; unseen: steps the
tree cannot place), the value pinned is the one measured, not the goal."""

from __future__ import annotations

import pytest

from benchmarks import scenarios
from core.config import Settings
from core.db import make_engine, upgrade
from core.flywheel.plan import build_providers
from core.flywheel.runner import drain

EXPECTED = {
    "original": {
        "dedup_recall": 1.0,
        "merged_path_recall": 1.0,
        "proposals_by_type": {"enhancement": 3, "new_flow": 4},
    },
    "heldout": {"dedup_recall": 1.0, "merged_path_recall": 1.0, "proposals_by_type": {"enhancement": 4, "new_flow": 6}},
    "fresh": {"dedup_recall": 0.9, "merged_path_recall": 0.971, "proposals_by_type": {"enhancement": 4, "new_flow": 7}},
    "unseen": {
        "dedup_recall": 1.0,
        "merged_path_recall": 0.833,
        "proposals_by_type": {"enhancement": 4, "new_flow": 6},
    },
}


@pytest.mark.parametrize("name", EXPECTED)
def test_a_scenario_set_gives_its_figures(tmp_path, name):
    engine = make_engine(f"sqlite:///{tmp_path}/scenarios.db")
    upgrade(engine)
    providers = build_providers(Settings())  # offline: no key, whatever the environment holds

    def analyse(engine) -> None:
        drain(engine, providers, clock=lambda: scenarios.NOW, worker_id="scenarios")

    try:
        figures = scenarios.run(engine, analyse, scenarios.load_set(name))
    finally:
        engine.dispose()
    assert {key: figures[key] for key in EXPECTED[name]} == EXPECTED[name]
    # Whatever the set: no two problems in one proposal, one enhancement per new answer, nothing planted stored,
    # every tree valid.
    assert figures["dedup_precision"] == 1.0
    assert (figures["enhancements_per_branch"], figures["enhancements_mixing_branches"]) == (1.0, 0)
    assert figures["pii_leaked"] == {}
    assert figures["invalid_trees"] == 0
