"""Scoring rules of the similarity benchmark, the labelled set's shape, and recorded vectors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from core.similarity.evaluation import (
    at_threshold,
    auc,
    best_threshold,
    load_pairs,
    threshold_for_precision,
)
from core.similarity.recorded import RecordedEmbedder, save_vectors

SCORES = np.array([0.9, 0.8, 0.6, 0.55, 0.3, 0.2])
LABELS = np.array([True, True, False, True, False, False])


def test_auc_counts_ordered_pairs_and_half_ties() -> None:
    assert auc(SCORES, LABELS) == pytest.approx(8 / 9)
    assert auc(np.array([0.5, 0.5]), np.array([True, False])) == 0.5
    with pytest.raises(ValueError):
        auc(np.array([0.5]), np.array([True]))


def test_precision_recall_f1_at_a_threshold_inclusive() -> None:
    scores = at_threshold(SCORES, LABELS, 0.55)
    assert (scores.precision, scores.recall) == (0.75, 1.0)
    assert scores.f1 == pytest.approx(6 / 7)
    assert at_threshold(SCORES, LABELS, 0.95).precision == 1.0  # nothing predicted: no wrong merge


def test_best_threshold_is_a_midpoint_with_the_best_f1() -> None:
    assert best_threshold(SCORES, LABELS) == pytest.approx(0.425)  # predicts 0.9, 0.8, 0.6, 0.55: P 0.75, R 1.0


def test_threshold_for_precision_is_the_lowest_that_reaches_it() -> None:
    assert threshold_for_precision(SCORES, LABELS, 1.0) == pytest.approx(0.7)
    assert threshold_for_precision(SCORES, LABELS, 0.75) == pytest.approx(0.425)


def test_the_labelled_set_has_enough_real_and_written_pairs_in_both_splits() -> None:
    pairs = load_pairs()
    kinds = Counter(p.kind for p in pairs)
    assert len(pairs) >= 300 and len({p.id for p in pairs}) == len(pairs)
    assert kinds["ticket_same_intent"] >= 100 and kinds["ticket_hard_negative"] >= 100
    assert kinds["written_synonym"] >= 60 and kinds["written_near_miss"] >= 40
    for split in ("train", "heldout"):
        assert {p.same for p in pairs if p.split == split} == {True, False}
    assert 0.2 < sum(p.split == "heldout" for p in pairs) / len(pairs) < 0.4


def test_recorded_vectors_are_served_by_text_and_unknown_texts_refused(tmp_path) -> None:
    path = tmp_path / "vectors_test.npz"
    save_vectors(path, "toy", ["a", "b"], np.array([[3.0, 4.0], [0.0, 2.0]]), seconds=0.5)
    embedder = RecordedEmbedder(path, threshold=0.7)
    assert embedder.name == "recorded toy" and embedder.dims == 2 and embedder.count == 2
    assert np.allclose(embedder.embed(["b", "a"]), [[0.0, 1.0], [0.6, 0.8]], atol=1e-3)
    with pytest.raises(KeyError, match="1 texts were not recorded"):
        embedder.embed(["a", "c"])
