"""The committed similarity set and IDF table are exactly what the builder makes from the reference tickets."""

from __future__ import annotations

import csv
import json

import pytest

from benchmarks import _similarity_set as builder

REFERENCE = builder.ROOT.parent / "shared" / "reference"


@pytest.mark.skipif(not (REFERENCE / "tickets").is_dir(), reason="reference tickets not beside the repository")
def test_rebuilding_reproduces_the_committed_files() -> None:
    pairs = builder.build(REFERENCE)
    committed = [json.loads(line) for line in builder.PAIRS_PATH.read_text(encoding="utf-8").splitlines()]
    assert pairs == committed
    assert builder.fit_idf(pairs) == json.loads(builder.IDF_PATH.read_text(encoding="utf-8"))
    with builder.BPI_EXCERPT_PATH.open(newline="", encoding="utf-8") as handle:
        assert builder.bpi_excerpt(REFERENCE) == list(csv.DictReader(handle))


def test_held_out_texts_never_reach_the_idf_table() -> None:
    pairs = [
        {"a": "vpn drops", "b": "vpn disconnects", "split": "train"},
        {"a": "vpn slow", "b": "printer jams", "split": "train"},
        {"a": "printer jams", "b": "printer offline", "split": "heldout"},
    ]
    table = builder.fit_idf(pairs)
    assert table["documents"] == 3  # "printer jams" is held out even though a training pair uses it too
    # "drops" and "disconnects" are one canonical term; "slow" is in one text only, "printer" in none left.
    assert table["idf"] == {"disconnect": pytest.approx(1.2877), "vpn": pytest.approx(1.0)}
