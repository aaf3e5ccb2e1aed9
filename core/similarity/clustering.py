"""Clustering short problem texts into gaps, robust to templated text.

A term's weight is its TF-IDF weight by the shipped IDF table (:mod:`core.similarity.tfidf`: abbreviations and
old product names folded, so "AAD", "Azure AD" and "Entra ID" count as one term; words common in helpdesk text
weigh less) times the square root of its IDF among the texts being clustered. The second factor is what keeps
templated intake ("Low impact incident on PROD424", a form that starts every ticket with the same sentence) from
making every ticket one cluster: a term found in every text weighs ~0 (only :data:`TEMPLATE_WEIGHT`, so texts made
only of the template still have a direction) and what differs between texts decides. Only its square root: in a
small window the repeated problem is itself the most frequent thing, and the full corpus IDF weighed its own key
word ("AVD") down with the template's. Identifiers (terms mixing letters and digits: product, asset and error
codes) must not conflict: a text naming identifiers joins no cluster whose texts name only others ("PROD424" /
"PROD77", "0x80070005" / "0x8004010F"), however much template they share. Measured with
``python -m benchmarks.quality``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from core.similarity.abbreviations import SYNONYMS
from core.similarity.tfidf import idf_table, weighted_terms

# Measured on the sets of ``benchmarks.quality`` and the tests (a problem written six ways among others, twice;
# 64 templated BPI incidents of eight products; a template in nearly every text): 0.30-0.45 keep each six
# together and apart from the rest, and the products apart; 0.30 also holds a seventh, harder paraphrase set
# together (five of six at 0.35).
CLUSTER_THRESHOLD = 0.3
TEMPLATE_WEIGHT = 0.01


def identifiers(words: Sequence[str] | set[str] | dict[str, float]) -> frozenset[str]:
    """The terms that mix letters and digits (product, asset and error codes), as :func:`terms` writes them."""
    return frozenset(w for w in words if any(c.isdigit() for c in w) and any(c.isalpha() for c in w.replace("_", "")))


_DIGITS = re.compile(r"\d+")


def code_keys(words: Sequence[str] | set[str] | dict[str, float]) -> frozenset[str]:
    """The codes a text names, each by the part that identifies it: a code's number when it has four digits or more
    ("AADSTS53000", "aad sts53000" and "(53000)" all give ``53000``), else the whole code ("PROD424"). Canonical
    product names that carry digits (``m365``) are products, not codes."""
    keys = set()
    for word in words:
        if word in SYNONYMS:
            continue
        runs = _DIGITS.findall(word)
        longest = max(runs, key=len) if runs else ""
        if len(longest) >= 4 and (len(longest) >= 5 or word != longest):
            keys.add(longest)
        elif longest and any(c.isalpha() for c in word.replace("_", "")):
            keys.add(word)
    return frozenset(keys)


def _codes_as_one(bag: dict[str, float]) -> dict[str, float]:
    """``bag`` with every code written by its key (see :func:`code_keys`), so "AADSTS53000", "sts53000" and "53000"
    are one term; a code's weight is the largest of its spellings'."""
    out: dict[str, float] = {}
    for term, weight in bag.items():
        keys = code_keys([term])
        key = f"code_{next(iter(keys))}" if keys else term
        out[key] = max(out.get(key, 0.0), weight)
    return out


def problem_vectors(texts: Sequence[str]) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Unit rows of ``texts`` (see the module doc) and each text's identifiers."""
    idf, unseen, _digest = idf_table()
    bags = [_codes_as_one(weighted_terms(text, idf, unseen)) for text in texts]
    n = len(texts)
    df: Counter[str] = Counter(term for bag in bags for term in bag)
    vocabulary = {term: i for i, term in enumerate(sorted(df))}
    matrix = np.zeros((n, len(vocabulary)), dtype=np.float64)
    for row, bag in enumerate(bags):
        for term, weight in bag.items():
            local = max(math.log((1 + n) / (1 + df[term])), TEMPLATE_WEIGHT)
            matrix[row, vocabulary[term]] = weight * math.sqrt(local)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms, [frozenset(t.removeprefix("code_") for t in bag if t.startswith("code_")) for bag in bags]


def cluster_problems(texts: Sequence[str], threshold: float = CLUSTER_THRESHOLD) -> list[list[int]]:
    """Groups of indexes into ``texts`` that describe one problem.

    Greedy and deterministic: texts in the given order (put the most frequent first), each joining the cluster
    whose centroid is most similar if the cosine reaches ``threshold`` and their identifiers do not conflict, else
    starting its own. Then each text left alone joins the closest cluster of several that now reaches the
    threshold (a first text written oddly would otherwise stay a cluster of one while its paraphrases group behind
    it). A text with no content word (empty, or stop words only) is a cluster of its own."""
    if not texts:
        return []
    vectors, ids = problem_vectors(texts)
    sums = np.zeros_like(vectors)
    cluster_ids: list[frozenset[str]] = []
    clusters: list[list[int]] = []

    def best(index: int, among: list[int]) -> int | None:
        vector, mine = vectors[index], ids[index]
        found, top = None, threshold
        for c in among:
            if mine and cluster_ids[c] and not cluster_ids[c] & mine:
                continue
            score = float(sums[c] @ vector) / max(float(np.linalg.norm(sums[c])), 1e-12)
            if score >= top:
                found, top = c, score + 1e-12
        return found

    def join(c: int, index: int) -> None:
        clusters[c].append(index)
        cluster_ids[c] |= ids[index]
        sums[c] += vectors[index]

    for index, vector in enumerate(vectors):
        target = best(index, list(range(len(clusters)))) if vector.any() else None
        if target is not None:
            join(target, index)
            continue
        sums[len(clusters)] = vector
        cluster_ids.append(ids[index])
        clusters.append([index])
    for c, members in enumerate(clusters):
        if len(members) != 1 or not vectors[members[0]].any():
            continue
        target = best(members[0], [o for o, other in enumerate(clusters) if o != c and len(other) > 1])
        if target is not None:
            join(target, members[0])
            members.clear()
    return [sorted(members) for members in clusters if members]
