"""The duplicate index's matrix: proposals loaded in bulk score exactly as their vectors do, sparse or dense, and
the stored form of a vector reads back as the vector it was."""

from __future__ import annotations

import uuid

import numpy as np

from core.flywheel.dedup import _Group
from core.similarity.embedders import from_bytes, sparse_parts, sparse_parts_many, to_bytes

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
    group.put_many([(pid, to_bytes(v)) for pid, v in zip(ids[:70], sparse, strict=True)])
    group.put_many([(pid, to_bytes(v)) for pid, v in zip(ids[70:], dense, strict=True)])
    group.put(ids[3], None, False)  # a proposal that closed leaves the matrix
    few, every = vector({0: 1.0, 7: 1.0, 14: 3.0}), np.ones(DIMS, dtype=np.float32)
    for query in (few, every):  # a sparse query reads only its dimensions; a dense one the whole matrix
        expected = [float(v @ query) for v in sparse + dense]
        expected[3] = 0.0
        assert group.scores(query).tolist() == expected
    assert (len(group.ids), group.ids[3], group.rows[ids[72]]) == (73, None, 72)
    assert group.scores(few)[:8].tolist() == [2.0, 2.0, 6.0, 0.0, 0.0, 0.0, 0.0, 1.0]


def test_a_mostly_zero_vector_is_stored_sparse_and_reads_back_exactly() -> None:
    few = vector({3: 0.5, 40: -0.25, 63: 0.75})
    stored = to_bytes(few)
    assert len(stored) == 4 + 8 + 3 * 8  # marker, dimensions and count, then three positions and three values
    assert from_bytes(stored).tolist() == few.tolist()
    dims, positions, values = sparse_parts(stored)
    assert (dims, positions.tolist(), values.tolist()) == (DIMS, [3, 40, 63], [0.5, -0.25, 0.75])
    # A vector with most values set stays dense, and dense bytes written before the sparse form still read.
    every = np.arange(1, DIMS + 1, dtype=np.float32)
    assert to_bytes(every) == every.tobytes()
    assert from_bytes(few.tobytes()).tolist() == few.tolist()
    assert sparse_parts(few.tobytes())[1].tolist() == [3, 40, 63]
    assert from_bytes(b"") is None and from_bytes(None) is None


def test_a_moved_or_closed_proposal_leaves_no_trace_of_its_old_vector() -> None:
    group = _Group()
    a, b = uuid.uuid4(), uuid.uuid4()
    group.put_many([(a, to_bytes(vector({1: 1.0, 2: 1.0}))), (b, to_bytes(vector({5: 1.0})))])
    group.put(a, vector({3: 2.0}), True)  # its centroid moved: dimensions 1 and 2 are no longer set
    assert group.scores(vector({1: 1.0, 2: 1.0, 3: 1.0, 5: 1.0})).tolist() == [2.0, 1.0]
    dense = np.arange(1, DIMS + 1, dtype=np.float32)
    group.put(b, dense, True)  # a dense vector, then a sparse one, in the same column
    group.put(b, vector({7: 1.0}), True)
    assert group.scores(np.ones(DIMS, dtype=np.float32)).tolist() == [2.0, 1.0]
    group.put(a, None, False)
    assert group.scores(np.ones(DIMS, dtype=np.float32)).tolist() == [0.0, 1.0]


def test_many_stored_vectors_are_read_at_once_as_each_reads_alone() -> None:
    first, second = vector({3: 0.5, 40: -0.25, 63: 0.75}), vector({7: 1.0})
    dims, counts, positions, values = sparse_parts_many([to_bytes(first), to_bytes(second)])
    assert (dims.tolist(), counts.tolist()) == ([DIMS, DIMS], [3, 1])
    assert (positions.tolist(), values.tolist()) == ([3, 40, 63, 7], [0.5, -0.25, 0.75, 1.0])
    # A dense vector among them (written before the sparse form, or a model's) is read value by value.
    dense = np.arange(1, DIMS + 1, dtype=np.float32)
    dims, counts, positions, values = sparse_parts_many([to_bytes(second), dense.tobytes(), to_bytes(first)])
    assert (dims.tolist(), counts.tolist()) == ([DIMS, DIMS, DIMS], [1, DIMS, 3])
    assert positions.tolist() == [7, *range(DIMS), 3, 40, 63]
    assert values.tolist() == [1.0, *dense.tolist(), 0.5, -0.25, 0.75]
