"""Duplicate-detection quality of each embedder on the labelled similarity set, and the gap clustering check.

``python -m benchmarks.quality``

For each candidate, on ``tests/data/similarity_pairs.jsonl`` (469 pairs from real tickets and written paraphrases,
built by ``benchmarks._similarity_set``), every text first reduced to its problem text
(:func:`~core.similarity.problem_text.strip_boilerplate`): a threshold chosen on the training split two ways,
F1-best and the lowest with precision >= 0.90 (a wrong merge hides a problem, so this is the one to calibrate), then
precision, recall and F1 at it on train and held-out; AUC on train and held-out, on the ticket pairs and on the
written pairs; sentences per second. Candidates: the current local embedder (also on raw text, to show what the
problem text does), the TF-IDF embedder with the abbreviation table, and any model whose vectors were recorded in
``benchmarks/data/vectors_*.npz`` (``python -m benchmarks._record_vectors minilm|voyage``; Voyage cannot be
reached from the build machine, so its line appears only once someone with a key records it).

The gap clustering check clusters six ways of writing one problem among ten other problems (one cluster wanted),
and 64 templated BPI 2013 incident summaries of 8 products (eight clusters wanted, never one).

Measured on the build machine (2 shared cores, load average 5-7, so speeds vary 2-7x between runs), threshold =
lowest with precision >= 0.90 on train:

| candidate | thr | train P/R/F1 | held-out P/R/F1 | AUC train/held-out | texts/s | install |
| --- | --- | --- | --- | --- | --- | --- |
| local hashed n-grams, raw text | 0.85 | 1.00/0.02/0.05 | 1.00/0.08/0.15 | 0.805/0.839 | 4,300-9,700 | none |
| local hashed n-grams | 0.38 | 0.90/0.47/0.62 | 0.90/0.60/0.72 | 0.827/0.882 | 4,900-7,000 | none |
| TF-IDF + synonyms (chosen) | 0.29 | 0.90/0.69/0.78 | 0.94/0.75/0.83 | 0.901/0.923 | 3,500-9,800 | none (numpy), 10 KB table |
| all-MiniLM-L6-v2, sentence-transformers | 0.53 | 0.91/0.56/0.70 | 0.94/0.71/0.81 | 0.893/0.951 | 20-153 (batches of 32) | +1.5 GB venv (torch CPU 754 MB), 43 s from a local torch wheel, 8 s import |
| all-MiniLM-L6-v2, ONNX int8 + tokenizers | 0.54 | 0.91/0.56/0.70 | 0.92/0.70/0.79 | 0.890/0.949 | 55-59 | +200 MB venv, 13 s, but the 23 MB model file is not on PyPI without torch |
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks._goals import figure
from core.insights.clusters import cluster_by_embedding
from core.similarity.clustering import cluster_problems
from core.similarity.embedders import LocalEmbedder
from core.similarity.evaluation import (
    PAIRS_PATH,
    Pair,
    at_threshold,
    auc,
    best_threshold,
    load_pairs,
    pair_cosines,
    pair_counts,
    threshold_for_precision,
)
from core.similarity.problem_text import strip_boilerplate
from core.similarity.recorded import RecordedEmbedder
from core.similarity.tfidf import TfidfEmbedder

HERE = Path(__file__).resolve().parent
BPI_EXCERPT = HERE.parent / "tests" / "data" / "bpi2013_incidents_excerpt.csv"
MERGE_PRECISION = 0.90

ONE_PROBLEM = [
    "Azure Active Directory join fails on new laptop",
    "AAD join failing for new laptop",
    "Entra ID join fails on a new notebook",
    "Microsoft Entra ID device join failure",
    "Azure AD join error on new PC",
    "New laptop cannot join Entra",
]
OTHER_PROBLEMS = [
    "BitLocker recovery key prompt on new laptop",
    "Laptop battery drains quickly",
    "Outlook keeps prompting for password",
    "VPN connection fails with error 809",
    "Printer offline on second floor",
    "Teams camera not detected in meetings",
    "OneDrive sync stuck processing changes",
    "Intune app install stays pending",
    "Shared mailbox not showing in Outlook",
    "Windows Update error 0x80070005",
]


def bpi_summaries(path: Path = BPI_EXCERPT) -> tuple[list[str], list[str]]:
    """Templated summaries ("Low impact incident on PROD424") of the BPI excerpt, and each incident's product."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [f"{r['impact']} impact incident on {r['product']}" for r in rows], [r["product"] for r in rows]


def _split(pairs: list[Pair], scores: np.ndarray, want: Callable[[Pair], bool]) -> tuple[np.ndarray, np.ndarray]:
    mask = np.array([want(p) for p in pairs])
    return scores[mask], np.array([p.same for p in pairs])[mask]


def _speed(embedder, texts: list[str]) -> float:
    if isinstance(embedder, RecordedEmbedder):
        return embedder.count / embedder.seconds
    started = time.perf_counter()
    for text in texts:  # one at a time, as the flywheel embeds one session's problem
        embedder.embed([text])
    return len(texts) / (time.perf_counter() - started)


def evaluate(name: str, embedder, pairs: list[Pair], transform) -> list[str]:
    scores = pair_cosines(embedder, pairs, transform)
    train = _split(pairs, scores, lambda p: p.split == "train")
    heldout = _split(pairs, scores, lambda p: p.split == "heldout")
    tickets = _split(pairs, scores, lambda p: p.kind.startswith("ticket"))
    written = _split(pairs, scores, lambda p: not p.kind.startswith("ticket"))
    texts = sorted({t for p in pairs for t in (p.a, p.b)})
    speed = _speed(embedder, [transform(t) for t in texts])
    lines = []
    merge_threshold = threshold_for_precision(*train, MERGE_PRECISION)
    for rule, threshold in (
        ("F1-best", best_threshold(*train)),
        (f"P>={MERGE_PRECISION:.2f}", merge_threshold),
    ):
        a, b = at_threshold(*train, threshold), at_threshold(*heldout, threshold)
        lines.append(
            f"{name:26} {rule:8} {threshold:5.2f}  {a.precision:4.2f} {a.recall:4.2f} {a.f1:4.2f}  "
            f"{b.precision:4.2f} {b.recall:4.2f} {b.f1:4.2f}  {auc(*train):5.3f} {auc(*heldout):5.3f}  "
            f"{auc(*tickets):5.3f} {auc(*written):5.3f}  {speed:8.0f}"
        )
    merged = []
    for kind in ("written_synonym", "intake_same", "calibration_same", "ticket_same_intent", "written_near_miss"):
        kind_scores, _ = _split(pairs, scores, lambda p, kind=kind: p.kind == kind)
        merged.append(f"{kind} {int((kind_scores >= merge_threshold).sum())}/{len(kind_scores)}")
    lines.append(f"{'':26} pairs at or above {merge_threshold:.2f}: " + ", ".join(merged))
    return lines


def candidates() -> list[tuple[str, object, Callable[[str], str]]]:
    found: list[tuple[str, object, Callable[[str], str]]] = [
        ("local, raw text", LocalEmbedder(), lambda t: t),
        ("local", LocalEmbedder(), strip_boilerplate),
        ("tfidf + synonyms", TfidfEmbedder(), strip_boilerplate),
    ]
    for path in sorted((HERE / "data").glob("vectors_*.npz")):
        recorded = RecordedEmbedder(path)
        found.append((recorded.name.removeprefix("recorded "), recorded, strip_boilerplate))
    return found


def clustering_check() -> list[str]:
    texts = ONE_PROBLEM + OTHER_PROBLEMS
    wanted = set(range(len(ONE_PROBLEM)))
    ours = cluster_problems(texts)
    local = cluster_by_embedding(
        [{"summary": t, "sessions": 1, "summary_key": f"{i:03}"} for i, t in enumerate(texts)], LocalEmbedder()
    )
    local_groups = [{int(r["summary_key"]) for r in c} for c in local]
    bpi, products = bpi_summaries()
    bpi_ours = cluster_problems(bpi)
    bpi_local = cluster_by_embedding(
        [{"summary": t, "sessions": 1, "summary_key": f"{i:03}"} for i, t in enumerate(bpi)], LocalEmbedder()
    )
    pure = sum(1 for c in bpi_ours if len({products[i] for i in c}) == 1)
    return [
        f"one problem written 6 ways, among 10 others: cluster_problems puts them in "
        f"{sum(1 for c in ours if set(c) & wanted)} cluster(s) ({'exactly' if set(ours[0]) == wanted else 'not'} "
        f"the six); local embedder clustering: {sum(1 for c in local_groups if c & wanted)} cluster(s)",
        f"{len(bpi)} templated BPI 2013 summaries of {len(set(products))} products: cluster_problems makes "
        f"{len(bpi_ours)} clusters ({pure} of one product each); local embedder clustering: {len(bpi_local)}",
    ]


def scenario_gap_check() -> list[str]:
    """Each scenario set's repeated unmatched problem (six write-ups: full name, abbreviation, old name, typo)
    clustered among the other sets' (every other text is a different problem): how many clusters hold its six, and
    how many other texts joined them."""
    from benchmarks import scenarios

    sets = {name: scenarios.load_set(name).UNMATCHED["summaries"] for name in scenarios.SETS}
    lines = []
    for name, own in sets.items():
        others = [text for other, texts in sets.items() if other != name for text in texts]
        clusters = cluster_problems([*own, *others])
        holding = [c for c in clusters if set(c) & set(range(len(own)))]
        strangers = sum(1 for c in holding for i in c if i >= len(own))
        lines.append(
            f"{name}: its {len(own)} write-ups in {len(holding)} cluster(s), {strangers} other text(s) with them "
            f"({len(others)} others)"
        )
    return lines


def summary_clustering_check() -> str:
    """Every summary of every scenario set (each new problem's write-ups, each repeated unmatched problem's six)
    clustered together: pairwise precision and recall against the problems they were written for, and clusters per
    problem (1.0 = each problem one cluster). Many problems share a product here ("Teams", "Outlook"), which is what
    a month of unmatched sessions looks like."""
    from benchmarks import scenarios

    texts, problems = [], []
    for name in scenarios.SETS:
        data = scenarios.load_set(name)
        for problem in data.NEW_PROBLEMS:
            for summary, _description in problem["writeups"]:
                texts.append(summary)
                problems.append(f"{name}:{problem['key']}")
        for summary in data.UNMATCHED["summaries"]:
            texts.append(summary)
            problems.append(f"{name}:unmatched")
    cluster_of = {i: c for c, members in enumerate(cluster_problems(texts)) for i in members}
    tp, fp, fn = pair_counts(dict(enumerate(problems)), cluster_of)
    per_problem = len({(problems[i], cluster_of[i]) for i in range(len(texts))}) / len(set(problems))
    return (
        f"{len(texts)} scenario summaries of {len(set(problems))} problems: pairwise precision {tp / (tp + fp):.3f}, "
        f"recall {tp / (tp + fn):.3f}, {per_problem:.2f} clusters per problem"
    )


def scenario_check() -> None:
    """Every hand-written scenario set end to end (``benchmarks.scenarios``), offline and on the model path against
    the local stand-in: a table of the figures, and each figure with a goal recorded beside it."""
    from benchmarks import scenarios

    print(
        f"  {'set':9} {'dedup P/R':10} {'path recall (wordings / node text / judged)':44} {'enh/branch':10} "
        f"{'calls/problem':13} {'PII stored/sent':15} {'invalid':7}"
    )
    rows = []
    for name in scenarios.SETS:
        offline, model = scenarios.measure_set(name), scenarios.measure_set(name, model=True)
        rows.append((name, offline, model))
        recall = (
            f"{offline['merged_path_recall']:.3f} / {offline['merged_path_recall_node_text']:.3f} / "
            f"{offline['merged_path_recall_paraphrase_aware']:.3f}"
        )
        leaks = f"{sum(offline['pii_leaked'].values())} / {sum(model['pii_leaked_to_model'].values())}"
        print(
            f"  {name:9} {offline['dedup_precision']:.2f}/{offline['dedup_recall']:.2f}  {recall:44} "
            f"{offline['enhancements_per_branch']:<10} {model['model_calls_per_novel_problem']:<13} {leaks:15} "
            f"{offline['invalid_trees']}"
        )
    for name, offline, model in rows:
        figure(f"scenarios {name}: dedup precision", offline["dedup_precision"], "", 0.95, higher_is_better=True)
        figure(f"scenarios {name}: dedup recall", offline["dedup_recall"], "", 0.90, higher_is_better=True)
        figure(f"scenarios {name}: merged path recall", offline["merged_path_recall"], "", 0.95, higher_is_better=True)
        figure(f"scenarios {name}: enhancement proposals per new branch", offline["enhancements_per_branch"], "", 1.0)
        figure(f"scenarios {name}: enhancements holding two branches", offline["enhancements_mixing_branches"], "", 0)
        figure(f"scenarios {name}: model calls per novel problem", model["model_calls_per_novel_problem"], "", 1.0)
        leaked = sum(offline["pii_leaked"].values()) + sum(model["pii_leaked_to_model"].values())
        figure(f"scenarios {name}: planted personal values stored or sent", leaked, "", 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS_PATH)
    args = parser.parse_args(argv)
    pairs = load_pairs(args.pairs)
    train = sum(p.split == "train" for p in pairs)
    print(f"{len(pairs)} pairs ({train} train, {len(pairs) - train} held-out; {sum(p.same for p in pairs)} same)")
    print(
        f"{'candidate':26} {'rule':8} {'thr':>5}  {'train P/R/F1':14}  {'held-out P/R/F1':14}  "
        f"{'AUC tr':5} {'AUC ho':6} {'tickets':5} {'written':7}  {'sent/s':>8}"
    )
    for name, embedder, transform in candidates():
        for line in evaluate(name, embedder, pairs, transform):
            print(line)
    print("gap clustering:")
    for line in clustering_check():
        print("  " + line)
    print("repeated unmatched problem of each scenario set, among the other sets':")
    for line in scenario_gap_check():
        print("  " + line)
    print("  " + summary_clustering_check())
    print("scenarios (python -m benchmarks.scenarios --set NAME [--model] for one set's every figure):")
    scenario_check()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
