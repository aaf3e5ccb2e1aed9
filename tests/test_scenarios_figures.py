"""What the flywheel learns from each hand-written scenario set, end to end (real ingest, offline flywheel, SQLite):
the figures ``python -m benchmarks.scenarios --set NAME`` prints, pinned so that a change that costs a merge, a
path step or a leak shows here. Where a figure misses its goal (veiled: problems split in two; blind, sealed, veiled,
covert: steps the tree cannot place; fresh, sealed, covert: new answers split; covert: two problems in one), the
value pinned is the one measured, not the goal."""

from __future__ import annotations

import pytest

from benchmarks import scenarios

EXPECTED = {
    "original": {
        "dedup_recall": 1.0,
        "merged_path_recall": 1.0,
        "proposals_by_type": {"enhancement": 3, "new_flow": 4},
    },
    "heldout": {"dedup_recall": 1.0, "merged_path_recall": 1.0, "proposals_by_type": {"enhancement": 4, "new_flow": 6}},
    # One problem split: the mapped-drive write-ups (the Defender one joined once "updated" met "update"). Two new
    # answers at the branch office flow are split in two each: their sessions' mean cosine stays under the branch
    # threshold (see core.flywheel.clusters.mean_vector).
    "fresh": {
        "dedup_recall": 0.938,
        "merged_path_recall": 0.971,
        "proposals_by_type": {"enhancement": 6, "new_flow": 7},
        "enhancements_per_branch": 1.5,
    },
    "unseen": {
        "dedup_recall": 1.0,
        "merged_path_recall": 1.0,
        "proposals_by_type": {"enhancement": 4, "new_flow": 6},
    },
    # Measured once on the code as it stood (path recall 0.646), never changed against (only its one serial sent to
    # the model was): a set no rule was fitted to, though the routes that begin with another check were read from
    # its refusals. One of its new answers is split in two.
    "sealed": {
        "dedup_recall": 0.938,
        "merged_path_recall": 0.812,
        "proposals_by_type": {"enhancement": 5, "new_flow": 7},
        "enhancements_per_branch": 1.25,
    },
    # Measured once as written (path recall 0.892, dedup recall 0.675, six planted values sent to the model, which
    # were then redacted); nothing in the matching was changed against it.
    "veiled": {
        "dedup_recall": 0.675,
        "merged_path_recall": 0.903,
        "proposals_by_type": {"enhancement": 4, "new_flow": 9},
    },
    "blind": {
        "dedup_recall": 1.0,
        "merged_path_recall": 0.935,
        "proposals_by_type": {"enhancement": 4, "new_flow": 6},
    },
    # Measured once as written (dedup precision 0.702, path recall 0.823, an enhancement holding two new answers):
    # its two telephony problems, which share most of their words and steps, are one proposal, and one blink-code
    # write-up is an enhancement of its own.
    "covert": {
        "dedup_precision": 0.702,
        "dedup_recall": 1.0,
        "merged_path_recall": 0.925,
        "proposals_by_type": {"enhancement": 5, "new_flow": 5},
        "enhancements_per_branch": 1.25,
    },
    # Measured once on the code that measured covert, never changed against but for its two values sent to the
    # model (a serial after a lower-case "sn", a lower-case caller "at" a company): path recall 0.952.
    "hidden": {
        "dedup_recall": 1.0,
        "merged_path_recall": 0.952,
        "proposals_by_type": {"enhancement": 4, "new_flow": 6},
    },
}


@pytest.mark.parametrize("name", EXPECTED)
def test_a_scenario_set_gives_its_figures(tmp_path, name):
    figures = scenarios.measure_set(name, database_url=f"sqlite:///{tmp_path}/scenarios.db")
    assert {key: figures[key] for key in EXPECTED[name]} == EXPECTED[name]
    # Whatever the set, unless pinned otherwise: no two problems in one proposal, one enhancement per new answer and
    # never two answers in one, nothing planted stored, every tree valid.
    assert figures["dedup_precision"] == EXPECTED[name].get("dedup_precision", 1.0)
    assert figures["enhancements_per_branch"] == EXPECTED[name].get("enhancements_per_branch", 1.0)
    assert figures["enhancements_mixing_branches"] == EXPECTED[name].get("enhancements_mixing_branches", 0)
    assert figures["pii_leaked"] == {}
    assert figures["invalid_trees"] == 0


@pytest.mark.parametrize(
    ("name", "requests", "per_branch"),
    [
        ("fresh", 11, 1.25),  # six problems, four new branches, one of them in two proposals that each called
        ("unseen", 10, 1.0),  # six problems, four new branches
        ("blind", 10, 1.0),  # six problems, four new branches
        ("sealed", 10, 1.0),  # six problems, four new branches
        ("hidden", 10, 1.0),  # six problems, four new branches
    ],
)
def test_on_the_model_path_each_novel_problem_costs_one_call_and_nothing_planted_is_sent(
    tmp_path, name, requests, per_branch
):
    figures = scenarios.measure_set(name, model=True, database_url=f"sqlite:///{tmp_path}/scenarios.db")
    assert figures["model_requests"] == requests
    assert (figures["model_calls_per_novel_problem"], figures["model_calls_per_new_branch"]) == (1.0, per_branch)
    assert figures["pii_leaked_to_model"] == {}
