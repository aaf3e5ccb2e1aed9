"""The duplicate index's matrix: proposals loaded in bulk score exactly as their vectors do, sparse or dense."""

from __future__ import annotations

import uuid

import numpy as np

from core.flywheel.dedup import _Group

DIMS = 64


def vector(values: dict[int, float]) -> np.ndarray:
    v = np.zeros(DIMS, dtype=np.float32)
    for dim, value in values.items():
        v[dim] = value
    return v


def test_vectors_loaded_in_bulk_score_as_they_are_whether_sparse_or_dense() -> None:
    # Seventy with two dimensions set (past the first 64 columns the matrix grows), then three with every one.
    sparse = [vector({n % DIMS: 1.0, (n * 7) % DIMS: 2.0}) for n in range(70)]
    dense = [np.arange(1, DIMS + 1, dtype=np.float32) * (n + 1) for n in range(3)]
    ids = [uuid.uuid4() for _ in range(73)]
    group = _Group()
    group.put_many(list(zip(ids[:70], sparse, strict=True)))
    group.put_many(list(zip(ids[70:], dense, strict=True)))
    group.put(ids[3], None, False)  # a proposal that closed leaves the matrix
    few, every = vector({0: 1.0, 7: 1.0, 14: 3.0}), np.ones(DIMS, dtype=np.float32)
    for query in (few, every):  # a sparse query reads only its dimensions; a dense one the whole matrix
        expected = [float(v @ query) for v in sparse + dense]
        expected[3] = 0.0
        assert group.scores(query).tolist() == expected
    assert (len(group.ids), group.ids[3], group.rows[ids[72]]) == (73, None, 72)
    assert group.scores(few)[:8].tolist() == [2.0, 2.0, 6.0, 0.0, 0.0, 0.0, 0.0, 1.0]
