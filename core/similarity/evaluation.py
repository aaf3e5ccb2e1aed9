"""Scoring an embedder on labelled pairs: AUC, and precision/recall/F1 at a threshold chosen on the training split.

A pair is predicted "same problem" when its cosine is at least the threshold (the flywheel merges at ``>=``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PAIRS_PATH = Path(__file__).resolve().parents[2] / "tests" / "data" / "similarity_pairs.jsonl"


@dataclass(frozen=True)
class Pair:
    id: str
    a: str
    b: str
    same: bool
    kind: str
    split: str


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float


def load_pairs(path: Path = PAIRS_PATH) -> list[Pair]:
    """The labelled pairs of ``tests/data/similarity_pairs.jsonl`` (built by ``benchmarks._similarity_set``)."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pairs.append(Pair(row["id"], row["a"], row["b"], bool(row["same"]), row["kind"], row["split"]))
    return pairs


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a random same-problem pair scores above a random different one (ties count half)."""
    positives, negatives = scores[labels], scores[~labels]
    if not len(positives) or not len(negatives):
        raise ValueError("AUC needs at least one pair of each label")
    greater = (positives[:, None] > negatives[None, :]).sum()
    ties = (positives[:, None] == negatives[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(positives) * len(negatives)))


def at_threshold(scores: np.ndarray, labels: np.ndarray, threshold: float) -> Scores:
    """Precision, recall and F1 of "same" = score >= ``threshold`` (precision 1.0 when nothing is predicted)."""
    predicted = scores >= threshold
    true_positive = int((predicted & labels).sum())
    precision = true_positive / int(predicted.sum()) if predicted.any() else 1.0
    recall = true_positive / int(labels.sum()) if labels.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1)


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold with the highest F1; among equals, the midpoint of the widest gap (a margin both ways).

    Candidates are midpoints between consecutive distinct scores, so the chosen value separates the data rather
    than sitting on one pair's score."""
    distinct = np.unique(np.round(scores.astype(np.float64), 6))
    candidates = (distinct[:-1] + distinct[1:]) / 2 if len(distinct) > 1 else distinct
    best, best_f1, best_gap = float(candidates[0]), -1.0, -1.0
    for i, threshold in enumerate(candidates):
        f1 = at_threshold(scores, labels, float(threshold)).f1
        gap = float(distinct[i + 1] - distinct[i]) if len(distinct) > 1 else 0.0
        if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12 and gap > best_gap):
            best, best_f1, best_gap = float(threshold), f1, gap
    return best


def pair_cosines(embedder, pairs: list[Pair], transform=None) -> np.ndarray:
    """Cosine of each pair under ``embedder`` (rows are unit vectors), texts first passed through ``transform``."""
    prepare = transform or (lambda text: text)
    left = embedder.embed([prepare(p.a) for p in pairs])
    right = embedder.embed([prepare(p.b) for p in pairs])
    return np.sum(np.asarray(left, dtype=np.float64) * np.asarray(right, dtype=np.float64), axis=1)


def threshold_for_precision(scores: np.ndarray, labels: np.ndarray, precision: float) -> float:
    """The lowest threshold whose precision is at least ``precision`` (the most recall a wrong-merge budget allows):
    a midpoint between consecutive distinct scores. Above the top score when no threshold reaches ``precision``."""
    distinct = np.unique(np.round(scores.astype(np.float64), 6))
    candidates = list((distinct[:-1] + distinct[1:]) / 2) + [float(distinct[-1]) + 1e-6]
    for threshold in candidates:
        if at_threshold(scores, labels, float(threshold)).precision >= precision:
            return float(threshold)
    return float(distinct[-1]) + 1e-6


def pair_counts(truth: Mapping[Hashable, str], group: Mapping[Hashable, Hashable]) -> tuple[int, int, int]:
    """Over every pair of ``truth``'s items (item -> the problem it is about), given where each was put (``group``,
    item -> cluster; an item missing from it is with no one): (pairs of one problem put together, pairs of two
    problems put together, pairs of one problem put apart) -- pairwise true positives, false positives, false
    negatives."""
    together_same = together_other = apart_same = 0
    for a, b in itertools.combinations(truth, 2):
        same = truth[a] == truth[b]
        together = a in group and b in group and group[a] == group[b]
        together_same += same and together
        together_other += together and not same
        apart_same += same and not together
    return together_same, together_other, apart_same
