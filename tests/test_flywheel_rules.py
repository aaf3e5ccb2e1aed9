"""Pure rules of the flywheel (no database): confidence formula, decision table, divergence walk, embedder."""

from __future__ import annotations

import numpy as np
import pytest

from core.flywheel.classify import decide
from core.flywheel.confidence import CAP, add_support, session_evidence
from core.flywheel.divergence import FlowWalk, walk_session
from core.flywheel.facts import StepFact
from core.flywheel.queue import backoff_seconds
from core.similarity.calibration import DIFFERENT, DUPLICATES, pair_scores
from core.similarity.embedders import LOCAL_DIMENSION, LocalEmbedder, from_bytes, to_bytes
from tests.factories import OUTLOOK_TREE


def step(step_type="question", node=None, selected=None, free=None, text="") -> StepFact:
    return StepFact(0, step_type, text, [], selected, free is not None, free, None, node)


@pytest.mark.parametrize(
    ("tier", "rating", "steps", "match", "expected"),
    [
        ("discovery", 1, 0, None, 0.25),  # weakest possible session
        ("guided", 5, 5, 1.0, 0.80),  # strongest possible session
        ("guided", 5, 50, 7.0, 0.80),  # steps and match score saturate
        ("exploring", None, 2, 0.5, 0.515),
        ("discovery", 3, 1, -1.0, 0.37),  # a negative match score counts as none
    ],
)
def test_session_evidence_edges(tier, rating, steps, match, expected) -> None:
    assert session_evidence(tier, rating, steps, match) == pytest.approx(expected)


def test_support_raises_confidence_but_never_to_certainty() -> None:
    assert add_support(0.4, 0.4) == pytest.approx(0.52)
    assert add_support(0.0, 0.0) == 0.0
    confidence = 0.8
    for _ in range(200):
        raised = add_support(confidence, 0.95)
        assert raised >= confidence
        confidence = raised
    assert confidence == CAP
    assert add_support(1.5, 0.5) == CAP  # out-of-range input is clamped first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("expert", 3, 1, 0.5), "unknown confidence tier 'expert'"),
        (("guided", 6, 1, 0.5), "rating must be 1–5, got 6"),
        (("guided", 3, -1, 0.5), "steps cannot be negative"),
    ],
)
def test_session_evidence_rejects_bad_input(args, message) -> None:
    with pytest.raises(ValueError, match=message):
        session_evidence(*args)


ON_SOLUTION = FlowWalk({"id": "s1", "type": "solution"})
DIVERGED = FlowWalk({"id": "q2", "type": "question"}, diverged=True, label="x", free_text=True)
MIDWAY = FlowWalk({"id": "q2", "type": "question"})


@pytest.mark.parametrize(
    ("status", "tier", "score", "has_flow", "walk", "kind"),
    [
        ("resolved", "guided", 0.81, True, ON_SOLUTION, "auto_reinforced"),
        ("resolved", "guided", 0.80, True, ON_SOLUTION, "no_proposal"),  # not above 0.8
        ("resolved", "discovery", 0.80, True, ON_SOLUTION, "no_proposal"),
        ("resolved", "guided", 0.51, True, DIVERGED, "enhancement"),
        ("resolved", "guided", 0.95, True, DIVERGED, "enhancement"),
        ("resolved", "exploring", 0.49, True, DIVERGED, "new_flow"),
        ("resolved", "discovery", None, False, None, "new_flow"),
        ("resolved", "guided", None, False, None, "no_proposal"),
        ("resolved", "guided", 0.9, True, MIDWAY, "no_proposal"),
        ("escalated", "discovery", 0.9, True, DIVERGED, "flow_failure_recorded"),
        ("abandoned", "discovery", None, False, None, "no_proposal"),
    ],
)
def test_decision_table(status, tier, score, has_flow, walk, kind) -> None:
    assert decide(status, tier, score, has_flow, walk).kind == kind


def test_walk_by_node_ids_labels_and_free_text() -> None:
    followed = walk_session(OUTLOOK_TREE, [step(node="q1", selected="YES "), step(selected="no")])
    assert (followed.diverged, followed.node["id"], followed.ended_on_solution) == (False, "s2", True)
    by_label = walk_session(OUTLOOK_TREE, [step(selected="Yes"), step(selected="Yes"), step("action"), step("note")])
    assert by_label.node["id"] == "s1" and by_label.ended_on_solution
    off = walk_session(
        OUTLOOK_TREE,
        [
            step(node="q1", selected="Yes"),
            step(node="q2", selected="Not sure"),
            step("action", text="Ran the repair tool"),
        ],
    )
    assert (off.diverged, off.node["id"], off.label, off.free_text) == (True, "q2", "Not sure", False)
    assert off.key == "q2|not sure" and [s.text for s in off.after] == ["Ran the repair tool"]
    free = walk_session(OUTLOOK_TREE, [step(node="q1", free="  Only   in OWA ")])
    assert (free.key, free.free_text) == ("q1|only in owa", True)


def test_local_embedder_separates_paraphrases_from_different_problems() -> None:
    embedder = LocalEmbedder()
    same, different = pair_scores(embedder, DUPLICATES), pair_scores(embedder, DIFFERENT)
    assert same.min() > embedder.threshold > different.max()
    vectors = embedder.embed(["Outlook prompts for password", ""])
    assert vectors.shape == (2, LOCAL_DIMENSION) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0) and not vectors[1].any()
    assert np.array_equal(from_bytes(to_bytes(vectors[0])), vectors[0])


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 7, 20)] == [60, 120, 240, 480, 3600, 3600]
