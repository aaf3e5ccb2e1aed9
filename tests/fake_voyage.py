"""A local HTTP server speaking the Voyage embeddings API (``POST /v1/embeddings``), scripted per test.

By default every input text is embedded by ``vector_for`` (a test may replace it), so duplicates can be arranged
by choosing texts; ``error`` queues a failure as in :mod:`tests.fake_anthropic`.
Point ``voyageai.Client(base_url=fake_voyage.url + "/v1")`` at it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fake_anthropic import Recorded, Reply, ScriptedServer

DIMENSION = 32


def word_vector(text: str) -> list[float]:
    """A deterministic bag-of-words vector: texts with the same words get cosine 1."""
    vector = [0.0] * DIMENSION
    for word in text.lower().split():
        digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
        vector[int.from_bytes(digest, "little") % DIMENSION] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class FakeVoyage(ScriptedServer):
    def __init__(self) -> None:
        self.vector_for: Callable[[str], list[float]] = word_vector
        super().__init__(default=self._embed)

    def _embed(self, request: Recorded) -> Reply:
        if not request.path.endswith("/embeddings") or not isinstance(request.json, dict):
            return Reply(404, {"detail": f"unknown path {request.path}"})
        texts = request.json.get("input")
        if isinstance(texts, str):
            texts = [texts]
        data = [{"object": "embedding", "embedding": self.vector_for(t), "index": i} for i, t in enumerate(texts)]
        tokens = sum(len(t.split()) for t in texts)
        body: dict[str, Any] = {
            "object": "list",
            "data": data,
            "model": request.json.get("model"),
            "usage": {"total_tokens": tokens},
        }
        return Reply(200, body)

    @property
    def embedded_texts(self) -> list[str]:
        texts: list[str] = []
        for request in self.requests:
            if isinstance(request.json, dict):
                value = request.json.get("input")
                texts.extend([value] if isinstance(value, str) else value or [])
        return texts

    def error(self, status: int, *, retry_after: float | None = None) -> None:
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        self.push(Reply(status, {"detail": "scripted error"}, headers))


@pytest.fixture(name="fake_voyage")
def fake_voyage_fixture() -> Iterator[FakeVoyage]:
    with FakeVoyage() as server:
        yield server
