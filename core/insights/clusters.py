"""Clustering of unmatched intakes for the repeated_pattern gap: problem terms with a corpus-fitted IDF (default),
keyword sets (Jaccard) or embeddings (cosine).

All are greedy and deterministic: intakes in order of frequency (then text), each joining the best existing cluster
above the threshold or starting its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.similarity.clustering import cluster_problems
from core.similarity.embedders import Embedder
from core.text import content_words


def keywords(text: str) -> frozenset[str]:
    """The content words of an intake (``core.text.content_words``) of 3+ characters."""
    return frozenset(word for word in content_words(text) if len(word) >= 3)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def cluster_intakes(intakes: list[dict[str, Any]], similarity: float) -> list[list[dict[str, Any]]]:
    """Greedy clustering: intakes by frequency; each joins the cluster whose first (most frequent) intake shares
    the most keywords with it, if the Jaccard similarity is at least ``similarity``; else it starts a cluster."""
    clusters: list[tuple[frozenset[str], list[dict[str, Any]]]] = []
    # Seeds never change, so an index from keyword to the clusters whose seed holds it finds every cluster with a
    # Jaccard above zero without comparing against all of them (a threshold of 0 still compares with every one).
    seeded_by: dict[str, list[int]] = {}
    for intake in sorted(intakes, key=lambda r: (-int(r["sessions"]), r["summary_key"])):
        words = keywords(intake["summary"])
        if not words:
            continue
        candidates = (
            sorted({i for w in words for i in seeded_by.get(w, ())}) if similarity > 0 else range(len(clusters))
        )
        best, best_score = None, similarity
        for i in candidates:
            score = _jaccard(words, clusters[i][0])
            if score >= best_score and (best is None or score > best_score):
                best, best_score = i, score
        if best is None:
            for word in words:
                seeded_by.setdefault(word, []).append(len(clusters))
            clusters.append((words, [intake]))
        else:
            clusters[best][1].append(intake)
    return [members for _, members in clusters]


def by_frequency(intakes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Intakes most frequent first (ties by summary key): the order greedy clustering reads them in."""
    return sorted(intakes, key=lambda r: (-int(r["sessions"]), r["summary_key"]))


def cluster_by_problem(intakes: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Greedy clustering of the summaries with :func:`core.similarity.clustering.cluster_problems`: abbreviations and
    old product names folded, the IDF fitted on these summaries so a template shared by all of them weighs ~0."""
    ordered = by_frequency(intakes)
    return [[ordered[i] for i in members] for members in cluster_problems([r["summary"] for r in ordered])]


def cluster_by_embedding(intakes: list[dict[str, Any]], embedder: Embedder) -> list[list[dict[str, Any]]]:
    """Greedy clustering on summary embeddings: intakes by frequency; each joins the cluster whose centroid is the
    most similar, if the cosine reaches the embedder's calibrated duplicate threshold; else it starts a cluster."""
    ordered = by_frequency(intakes)
    if not ordered:
        return []
    vectors = embedder.embed([r["summary"] for r in ordered])
    # Sums and unit centroids live in arrays sized for the worst case (every intake its own cluster) and only the
    # row that changed is renormalised: rebuilding all centroids per intake made 5,000 distinct intakes take ~30 s.
    sums = np.zeros((len(ordered), vectors.shape[1]), dtype=np.float64)
    centroids = np.zeros_like(sums)
    clusters: list[list[dict[str, Any]]] = []
    for vector, intake in zip(vectors, ordered, strict=True):
        if clusters:
            scores = centroids[: len(clusters)] @ vector
            best = int(np.argmax(scores))
            if scores[best] >= embedder.threshold:
                clusters[best].append(intake)
                sums[best] += vector
                centroids[best] = sums[best] / max(np.linalg.norm(sums[best]), 1e-12)
                continue
        sums[len(clusters)] = vector
        centroids[len(clusters)] = sums[len(clusters)] / max(np.linalg.norm(sums[len(clusters)]), 1e-12)
        clusters.append([intake])
    return clusters
