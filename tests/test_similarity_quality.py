"""The quality benchmark runs on the committed set and reports every candidate and the clustering check."""

from __future__ import annotations

from benchmarks import quality


def test_quality_benchmark_prints_each_candidate_and_the_clustering_verdicts(capsys) -> None:
    assert quality.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("469 pairs (336 train, 133 held-out; 235 same)")
    rows = [line.split()[0] for line in out.splitlines() if "P>=0.90" in line]
    assert rows[:4] == ["local,", "local", "tfidf", "all-MiniLM-L6-v2"]
    assert "tfidf + synonyms           P>=0.90   0.29  0.90 0.69 0.78  0.94 0.75 0.83" in out
    assert "cluster_problems puts them in 1 cluster(s) (exactly the six)" in out
    assert "cluster_problems makes 8 clusters (8 of one product each); local embedder clustering: 1" in out
    # Each set's repeated problem among the others' (blind: renamed products and a typo now read as one), and every
    # scenario summary at once.
    assert "blind: its 6 write-ups in 1 cluster(s), 0 other text(s) with them (48 others)" in out
    # Covert's: Defender for Endpoint under its old names (Windows Defender ATP, WDATP) is never Defender for Office
    # 365 ("Office 365 ATP"); read as one, three of its write-ups sat with six Safe Links texts.
    assert "covert: its 6 write-ups in 3 cluster(s), 0 other text(s) with them (48 others)" in out
    assert (
        "344 scenario summaries of 61 problems: pairwise precision 0.571, recall 0.456, 2.74 clusters per problem"
        in out
    )
