"""An offline embedder that survives paraphrase: IDF-weighted canonical terms, hashed to fixed dimensions.

Each text becomes its :func:`~core.similarity.terms.terms` (IT abbreviations and old product names folded to one
term, error codes normalised, light stemming), weighted ``(1 + ln tf) * idf`` and, at a lower weight, the character
4-grams inside each term (which catch "sync"/"syncing" and typos), folded into :data:`DIMENSIONS` by a signed hash
and L2-normalised. The IDF comes from a table shipped in the repository (``core/similarity/data/idf.json``, built by
``python -m benchmarks._similarity_set`` from public helpdesk tickets), so the embedding of a text never changes
with the data of an account: vectors stored in the database stay comparable. The table's digest is part of the
embedder's ``name``; a new table is a new embedder, and proposals are only compared within one embedder name.

Measured on the labelled set (``python -m benchmarks.quality``; 469 pairs, 336 train / 133 held-out), texts reduced
to their problem text: AUC 0.868 train / 0.899 held-out (the current local embedder: 0.830 / 0.881), 0.972 on the
written abbreviation and paraphrase pairs (local: 0.770). :data:`THRESHOLD` is the lowest threshold with precision
>= 0.90 on the training split (a wrong merge hides a problem inside another proposal; a missed merge only costs a
second proposal): there precision/recall are 0.90/0.54 on train and 0.89/0.62 held-out. The F1-best threshold on
train is 0.03, which merges nearly everything that shares a word: F1 rewards the noisy same-topic ticket pairs.
Dimensions, character weight and n-gram size moved the held-out figures by less than 0.01 AUC on the training
split's choice; 1024 dimensions keep a stored vector at 4 KB.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from core.similarity.terms import terms

DIMENSIONS = 1024
THRESHOLD = 0.38
CHAR_WEIGHT = 0.3
CHAR_N = 4
IDF_PATH = Path(__file__).resolve().parent / "data" / "idf.json"


@cache
def idf_table(path: Path = IDF_PATH) -> tuple[dict[str, float], float, str]:
    """The shipped IDF table: term -> weight, the weight of an unseen term, and the file's short digest."""
    raw = path.read_bytes()
    data = json.loads(raw)
    return data["idf"], float(data["unseen"]), hashlib.sha256(raw).hexdigest()[:8]


@lru_cache(maxsize=200_000)
def _slot(feature: str, dims: int) -> tuple[int, float]:
    value = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")
    return value % dims, (1.0 if (value >> 63) & 1 else -1.0)


def weighted_terms(text: str, idf: dict[str, float], unseen: float) -> dict[str, float]:
    """Features of ``text`` before hashing: ``w:<term>`` at ``(1 + ln tf) * idf`` and ``c:<4-gram>`` at
    :data:`CHAR_WEIGHT` times the weight of the term they come from."""
    counts = Counter(terms(text))
    features: dict[str, float] = {}
    for term, count in counts.items():
        weight = (1.0 + math.log(count)) * idf.get(term, unseen)
        features["w:" + term] = features.get("w:" + term, 0.0) + weight
        if CHAR_WEIGHT and not term.startswith("err_") and "_" not in term:
            padded = f"^{term}$"
            grams = [padded[i : i + CHAR_N] for i in range(max(1, len(padded) - CHAR_N + 1))]
            for gram in grams:
                # Spread over the grams so a long word does not outweigh its own whole-word feature.
                features["c:" + gram] = features.get("c:" + gram, 0.0) + CHAR_WEIGHT * weight / math.sqrt(len(grams))
    return features


def hashed(features: dict[str, float], dims: int) -> np.ndarray:
    vector = np.zeros(dims, dtype=np.float32)
    for feature, weight in features.items():
        index, sign = _slot(feature, dims)
        vector[index] += sign * weight
    return vector


class TfidfEmbedder:
    """IDF-weighted canonical terms and character 4-grams, hashed to :data:`DIMENSIONS` (see the module doc)."""

    dims = DIMENSIONS
    threshold = THRESHOLD

    def __init__(self, idf_path: Path = IDF_PATH) -> None:
        self._idf, self._unseen, digest = idf_table(idf_path)
        self.name = f"tfidf synonyms v1 {digest}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            matrix[row] = hashed(weighted_terms(text, self._idf, self._unseen), self.dims)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (matrix / norms).astype(np.float32)
