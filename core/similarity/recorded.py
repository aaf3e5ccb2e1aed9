"""An embedder that replays vectors recorded elsewhere, to calibrate a model that cannot run here.

Voyage needs the network and a key; a sentence-transformer needs a 1.5 GB install. Either can embed the texts of
the labelled set once, where it runs (``python -m benchmarks._record_vectors``), into an ``.npz`` file of text
digests and vectors; :class:`RecordedEmbedder` then serves those vectors so ``benchmarks.quality`` scores and
calibrates the model like any other. A text that was not recorded is an error, never a silent zero vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def text_key(text: str) -> str:
    """The digest a recorded vector is filed under (SHA-256 of the UTF-8 text, first 16 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def save_vectors(path: Path, name: str, texts: Sequence[str], vectors: np.ndarray, seconds: float) -> None:
    """Write ``vectors`` (one row per text) with the model ``name`` and the time embedding took."""
    np.savez_compressed(
        path,
        name=np.array(name),
        keys=np.array([text_key(t) for t in texts]),
        vectors=np.asarray(vectors, dtype=np.float16),
        seconds=np.array(seconds),
    )


class RecordedEmbedder:
    """Serves the vectors of a file written by :func:`save_vectors`; ``threshold`` is set by the caller (the
    benchmark calibrates it)."""

    def __init__(self, path: Path, threshold: float = 0.5) -> None:
        with np.load(path) as data:
            self.name = f"recorded {data['name']}"
            keys = [str(k) for k in data["keys"]]
            vectors = data["vectors"].astype(np.float32)
            self.seconds = float(data["seconds"])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self._rows = dict(zip(keys, vectors / norms, strict=True))
        self.dims = vectors.shape[1]
        self.threshold = threshold
        self.local = True
        self.count = len(keys)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in texts if text_key(t) not in self._rows]
        if missing:
            raise KeyError(f"{len(missing)} texts were not recorded, e.g. {missing[0][:60]!r}")
        return np.stack([self._rows[text_key(t)] for t in texts]) if texts else np.zeros((0, self.dims), np.float32)
