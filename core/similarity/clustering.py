"""Clustering short problem texts into gaps, robust to templated text.

Real intake is often templated: a monitoring tool writes "Low impact incident on PROD424", a form starts every
ticket with the same sentence. Weighted by a fixed vocabulary, the template dominates and every ticket lands in
one cluster. Here the IDF is fitted on the texts being clustered: a term found in every text weighs ~0 (only
:data:`TEMPLATE_WEIGHT`, so texts made only of the template still group together) and what differs between texts
decides. Abbreviations and old product names are folded first (:mod:`core.similarity.abbreviations`), so "AAD",
"Azure AD" and "Entra ID" count as one term.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from core.similarity.terms import terms

CLUSTER_THRESHOLD = 0.4
# The weight left to a term present in every text: small enough that sharing only the template never reaches the
# threshold, non-zero so two texts that are nothing but the template still have a direction to compare.
TEMPLATE_WEIGHT = 0.01


def corpus_vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit TF-IDF rows of ``texts`` with the IDF fitted on ``texts``: ``ln((1 + n) / (1 + df))``, at least
    :data:`TEMPLATE_WEIGHT`; term frequency ``1 + ln tf``."""
    bags = [Counter(terms(text)) for text in texts]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    vocabulary = {term: i for i, term in enumerate(sorted(df))}
    n = len(texts)
    idf = np.array([max(math.log((1 + n) / (1 + df[t])), TEMPLATE_WEIGHT) for t in sorted(df)], dtype=np.float64)
    matrix = np.zeros((n, len(vocabulary)), dtype=np.float64)
    for row, bag in enumerate(bags):
        for term, count in bag.items():
            matrix[row, vocabulary[term]] = (1.0 + math.log(count)) * idf[vocabulary[term]]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def cluster_problems(texts: Sequence[str], threshold: float = CLUSTER_THRESHOLD) -> list[list[int]]:
    """Groups of indexes into ``texts`` that describe one problem.

    Greedy and deterministic: texts in the given order (put the most frequent first), each joining the cluster
    whose centroid is most similar if the cosine reaches ``threshold``, else starting its own. A text with no
    content word (empty, or stop words only) is a cluster of its own."""
    if not texts:
        return []
    vectors = corpus_vectors(texts)
    sums = np.zeros_like(vectors)
    centroids = np.zeros_like(vectors)
    clusters: list[list[int]] = []
    for index, vector in enumerate(vectors):
        if clusters and vector.any():
            scores = centroids[: len(clusters)] @ vector
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                clusters[best].append(index)
                sums[best] += vector
                centroids[best] = sums[best] / max(np.linalg.norm(sums[best]), 1e-12)
                continue
        sums[len(clusters)] = vector
        centroids[len(clusters)] = vector
        clusters.append([index])
    return clusters
