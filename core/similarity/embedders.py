"""Text embedders behind one interface: a local hashed n-gram embedder (default) and Voyage.

Both return L2-normalised float32 rows, so cosine similarity is a dot product, and each carries the duplicate
``threshold`` calibrated for it: a session whose summary scores above it against an open proposal is merged.

Local embedder (no network, no model): each text becomes hashed features — the content words of ``core.text``
(plural ``s`` stripped) weighted 1.0 and character 5-grams inside words weighted 0.6 — with sub-linear counts, folded into 512 dimensions by a signed blake2b hash (about 0.03 ms per summary). Measured on the 40
hand-written helpdesk pairs of ``core.similarity.calibration`` (``python -m benchmarks.flywheel --calibrate``):
20 paraphrases of the same problem score 0.47–1.00 (mean 0.70); 20 different problems of the same product score
−0.07–0.43 (mean 0.16). A grid over n-gram size (3–5), character weight (0.1–1.5) and word bigrams (0–0.5) on
those pairs chose this mix: it had the widest gap (bigrams narrowed it). The threshold 0.45 sits in the gap.
The pairs are few and were also used to choose the mix, so the margin is optimistic; a wrong merge hides a
problem inside another proposal, a missed merge only costs a second proposal the reviewer can dismiss.
Voyage keeps the 0.85 it was specified with; it could not be measured here (no network), so calibrate it with these pairs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

from core.text import content_words

LOCAL_DIMENSION = 512
LOCAL_THRESHOLD = 0.45
VOYAGE_THRESHOLD = 0.85


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    threshold: float
    # False when embedding sends the text over the network (a call that must not run inside a transaction).
    local: bool

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


@lru_cache(maxsize=200_000)
def _slot(feature: str) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % LOCAL_DIMENSION, (1.0 if (value >> 63) & 1 else -1.0)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def features(text: str) -> dict[str, float]:
    """Weighted features of ``text`` before hashing (exposed for the calibration script)."""
    words = [_stem(w) for w in content_words(text)]
    counts: dict[str, float] = {}
    for word in words:
        counts["w:" + word] = counts.get("w:" + word, 0.0) + 1.0
        padded = f"^{word}$"
        for i in range(len(padded) - 4):
            key = "c:" + padded[i : i + 5]
            counts[key] = counts.get(key, 0.0) + 0.6
    return {key: (1.0 + math.log(value) if value > 1.0 else value) for key, value in counts.items()}


class LocalEmbedder:
    name = "local hashed n-grams v1"
    threshold = LOCAL_THRESHOLD
    local = True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), LOCAL_DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in features(text).items():
                index, sign = _slot(feature)
                matrix[row, index] += sign * weight
        return _normalise(matrix)


class EmbeddingError(RuntimeError):
    """The embedding service failed or answered something unusable."""


class VoyageEmbedder:
    """Voyage AI embeddings through the ``voyageai`` SDK (which retries 429/5xx itself)."""

    threshold = VOYAGE_THRESHOLD
    local = False

    def __init__(
        self, api_key: str, model: str, base_url: str = "", max_retries: int = 3, timeout: float = 30.0
    ) -> None:
        import voyageai

        self.model = model
        self.name = f"voyage {model}"
        self._client = voyageai.Client(
            api_key=api_key, base_url=base_url or None, max_retries=max_retries, timeout=timeout
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        try:
            result = self._client.embed(list(texts), model=self.model, input_type="document")
            matrix = np.asarray(result.embeddings, dtype=np.float32)
        except Exception as exc:  # noqa: BLE001 - SDK errors, bad JSON and shape errors all mean "unusable"
            raise EmbeddingError(f"Voyage embeddings failed: {type(exc).__name__}: {exc}") from exc
        if matrix.ndim != 2 or matrix.shape[0] != len(texts):
            raise EmbeddingError(f"Voyage returned {matrix.shape} for {len(texts)} texts")
        return _normalise(matrix)


# A stored vector is either its float32 values (dense) or, when most of them are zero (the offline embedders set a
# few dozen of thousands of dimensions), this marker, the dimension count and the number of values set (two uint32),
# then their positions (uint32) and values (float32), little-endian. As a float32 the marker would be ~5.7e13, which
# a unit vector never holds, so a dense vector is never read as a sparse one. 10,000 offline proposals are 5 MB to
# read instead of 160 MB.
SPARSE_MARK = b"\x00SPV"
_HEADER = len(SPARSE_MARK) + 8
_MARK_WORD = int.from_bytes(SPARSE_MARK, "little")


def to_bytes(vector: np.ndarray) -> bytes:
    """The stored form of ``vector``: sparse when that is less than half the dense size, else dense."""
    values = np.asarray(vector, dtype=np.float32).ravel()
    positions = np.flatnonzero(values)
    if _HEADER + 8 * len(positions) < values.nbytes // 2:
        counts = np.array([values.shape[0], len(positions)], dtype="<u4")
        return b"".join(
            (
                SPARSE_MARK,
                counts.tobytes(),
                positions.astype("<u4").tobytes(),
                values[positions].astype("<f4").tobytes(),
            )
        )
    return values.tobytes()


def sparse_parts(data: bytes) -> tuple[int, np.ndarray, np.ndarray]:
    """(dimensions, positions, values) of a stored vector's non-zero values, without building the dense vector when
    it was stored sparse."""
    if bytes(data[: len(SPARSE_MARK)]) == SPARSE_MARK:
        dims, count = (int(n) for n in np.frombuffer(data, dtype="<u4", count=2, offset=len(SPARSE_MARK)))
        positions = np.frombuffer(data, dtype="<u4", count=count, offset=_HEADER)
        values = np.frombuffer(data, dtype="<f4", count=count, offset=_HEADER + 4 * count)
        return dims, positions, values
    dense = np.frombuffer(data, dtype=np.float32)
    positions = np.flatnonzero(dense)
    return dense.shape[0], positions, dense[positions]


def sparse_parts_many(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sparse_parts` of many stored vectors at once: (dimensions, number of values set) of each, and the
    positions and values of all of them, one vector's after another's. Vectors stored sparse (all those of the offline
    embedders) are read from one joined buffer, without a call per vector: 10,000 of them in a few milliseconds."""
    counts = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    words = np.frombuffer(b"".join(blobs), dtype="<u4") if counts.size and not (counts % 4).any() else None
    if words is not None:
        starts = np.concatenate(([0], np.cumsum(counts[:-1]))) // 4
        header = _HEADER // 4
        if (counts >= _HEADER).all() and (words[starts] == _MARK_WORD).all():
            set_counts = words[starts + 2].astype(np.int64)
            if (counts == _HEADER + 8 * set_counts).all():
                # Word i of the positions of vector k sits at starts[k] + header + i; its value count[k] words on.
                first = np.concatenate(([0], np.cumsum(set_counts[:-1])))
                at = np.repeat(starts + header - first, set_counts) + np.arange(int(set_counts.sum()))
                values = words[at + np.repeat(set_counts, set_counts)].view("<f4")
                return words[starts + 1].astype(np.int64), set_counts, words[at], values
    parts = [sparse_parts(blob) for blob in blobs]
    return (
        np.array([dims for dims, _positions, _values in parts], dtype=np.int64),
        np.array([len(positions) for _dims, positions, _values in parts], dtype=np.int64),
        np.concatenate([positions for _dims, positions, _values in parts]) if parts else np.zeros(0, np.intp),
        np.concatenate([values for _dims, _positions, values in parts]) if parts else np.zeros(0, np.float32),
    )


def from_bytes(data: bytes | None) -> np.ndarray | None:
    """The vector stored as ``data`` (either form of :func:`to_bytes`), or None."""
    if not data:
        return None
    if bytes(data[: len(SPARSE_MARK)]) != SPARSE_MARK:
        return np.frombuffer(data, dtype=np.float32)
    dims, positions, values = sparse_parts(data)
    vector = np.zeros(dims, dtype=np.float32)
    vector[positions] = values
    return vector
