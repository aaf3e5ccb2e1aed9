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
"PROD77", "0x80070005" / "0x8004010F"), however much template they share. A word typed with a slip of the keyboard
is read as the word the other texts use ("Entra Conect sync erorr" beside "Entra Connect sync error":
:func:`typo_fixes`). Measured with ``python -m benchmarks.quality``: on every summary of the scenario sets together
(262 texts, 47 problems, many sharing a product) pairwise precision 0.613 and recall 0.471, 2.72 clusters per
problem (0.585 / 0.415 / 2.89 before typos and the renamed products were read).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from core.similarity.abbreviations import SYNONYMS
from core.similarity.terms import stem
from core.similarity.tfidf import idf_table, weighted_terms

# Measured on the sets of ``benchmarks.quality`` and the tests (a problem written six ways among others, twice;
# 64 templated BPI incidents of eight products; a template in nearly every text): 0.30-0.45 keep each six
# together and apart from the rest, and the products apart; 0.30 also holds a seventh, harder paraphrase set
# together (five of six at 0.35).
CLUSTER_THRESHOLD = 0.3
TEMPLATE_WEIGHT = 0.01
_VARIANT_WORDS = frozenset(w for variants in SYNONYMS.values() for v in variants for w in re.findall(r"[a-z]+", v))


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


_WORD = re.compile(r"[a-z]+")
# Typos are only read as such in words this long: below it, one moved letter makes too many real words ("form").
TYPO_MIN_LENGTH = 5


def _typo_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` (``len(a) <= len(b)``, different) differ by one slip of the keyboard: two neighbouring
    letters swapped ("erorr" / "error", "linsk" / "links"), or one letter left out or typed twice inside the word
    ("conect" / "connect", "suppplier" / "supplier", "mailbx" / "mailbox"). First and last letters are kept: a
    letter more at either end is another word ("drive" / "driver"), and so is one letter for another ("mouse" /
    "house")."""
    if a[0] != b[0] or len(a) < TYPO_MIN_LENGTH:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if len(b) != len(a) + 1 or a[-1] != b[-1]:
        return False
    i = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    return 0 < i < len(a) and a[i:] == b[i + 1 :]


def typo_fixes(texts: Sequence[str]) -> dict[str, str]:
    """Misspelt word -> the word it stands for, read from ``texts`` themselves: a word the IDF table does not know
    that is one slip (:func:`_typo_edit`) from a word that is known, or that the texts use more often ("Entra Conect
    sync erorr" beside "Entra Connect sync error"). Candidates are found through their one-letter deletions, so the
    cost grows with the number of distinct words, not with its square."""
    idf, _unseen, _digest = idf_table()
    counts: Counter[str] = Counter(w for text in texts for w in _WORD.findall(text.lower()))
    known = {w for w in counts if stem(w) in idf or w in _VARIANT_WORDS}
    by_deletion: dict[str, list[str]] = {}
    for word in counts:
        if len(word) >= TYPO_MIN_LENGTH - 1:
            by_deletion.setdefault(word, []).append(word)
            for i in range(len(word)):
                by_deletion.setdefault(word[:i] + word[i + 1 :], []).append(word)
    fixes: dict[str, str] = {}
    for word in counts:
        if word in known or len(word) < TYPO_MIN_LENGTH - 1:
            continue
        keys = [word] + [word[:i] + word[i + 1 :] for i in range(len(word))]
        near = {other for key in keys for other in by_deletion.get(key, ()) if other != word}
        near = [o for o in near if _typo_edit(*sorted((word, o), key=lambda w: (len(w), w)))]
        ranked = sorted(near, key=lambda o: (o not in known, -counts[o], o))
        if not ranked:
            continue
        target = ranked[0]
        if (
            target in known
            or counts[target] > counts[word]
            or (counts[target] == counts[word] and _spelt_right(target, word) == target)
        ):
            fixes[word] = target
    return fixes


def _spelt_right(a: str, b: str) -> str:
    """Of two unknown words as frequent as each other and one slip apart, the one to keep: the shorter when the
    longer typed a letter twice ("suppplier" / "supplier"), else the longer (a letter left out: "conect" /
    "connect"); between two orders of the same letters, the first alphabetically (either will do: both become one
    term)."""
    short, long = sorted((a, b), key=lambda w: (len(w), w))
    if len(short) == len(long):
        return short
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short if long[i] in (long[i - 1], long[i + 1]) else long


def _fix_typos(text: str, fixes: dict[str, str]) -> str:
    return _WORD.sub(lambda m: fixes.get(m.group(0), m.group(0)), text.lower()) if fixes else text


def problem_vectors(texts: Sequence[str]) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Unit rows of ``texts`` (see the module doc, typos read as the word they stand for) and each text's
    identifiers."""
    idf, unseen, _digest = idf_table()
    fixes = typo_fixes(texts)
    bags = [_codes_as_one(weighted_terms(_fix_typos(text, fixes), idf, unseen)) for text in texts]
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
