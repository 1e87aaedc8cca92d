"""Scale: the index's vectors replicated with small perturbations, exact versus approximate
FAISS search."""

from __future__ import annotations

import os
import time
from typing import Any

import faiss
import numpy as np

from bench._latency import generated_questions
from bench._report import log, table
from bench._setup import Setup
from embeddings import IndexStore

NOISE = 0.01  # per-dimension standard deviation before renormalising
K = 10
FLAT_BUDGET_MS = 10.0  # half of the 20 ms retrieval target


def replicate(vectors: np.ndarray, factor: int, seed: int) -> np.ndarray:
    """`factor` copies of `vectors`, each but the first perturbed and renormalised."""
    rng = np.random.default_rng(seed)
    parts = [vectors.astype(np.float32)]
    for _ in range(factor - 1):
        noisy = vectors + rng.standard_normal(vectors.shape, dtype=np.float32) * NOISE
        parts.append((noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32))
    return np.ascontiguousarray(np.concatenate(parts))


def _timed_search(index: Any, queries: np.ndarray) -> tuple[float, np.ndarray]:
    """p50 ms of single-query searches (one thread, as the retriever runs) and the ids."""
    faiss.omp_set_num_threads(1)
    ms, found = [], []
    for q in queries:
        started = time.perf_counter()
        _, ids = index.search(q[None, :], K)
        ms.append((time.perf_counter() - started) * 1000)
        found.append(ids[0])
    return round(float(np.percentile(ms, 50)), 2), np.stack(found)


def _recall(found: np.ndarray, truth: np.ndarray, rows: int | None = None) -> float:
    """Share of the exact top-k found; with `rows`, compared as source sections (id modulo
    the original row count), since near-identical copies of one section are interchangeable."""
    if rows:
        found, truth = found % rows, truth % rows
    hits = sum(len(set(f) & set(t)) / len(set(t)) for f, t in zip(found, truth, strict=True))
    return round(hits / len(truth), 3)


def _filled(index: Any, data: np.ndarray, train: bool = False) -> float:
    """Train (on at most ~100k rows) and fill `index` on every core; the seconds it took."""
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    if train:
        index.train(data[:: max(1, len(data) // 100_000)])
    index.add(data)
    return round(time.perf_counter() - started, 1)


def run(setup: Setup) -> list[str]:
    """Measure, record and return the scale table and the recommended switch-over size."""
    base = IndexStore(setup.index).load().vectors
    questions = generated_questions(setup, 100 if setup.quick else 200)
    queries = np.ascontiguousarray(setup.embedder.embed_queries(questions), dtype=np.float32)
    factors = (1, 10) if setup.quick else (1, 10, 50)
    rows = []
    for factor in factors:
        data = replicate(base, factor, setup.seed)
        n, dim = data.shape
        log(f"scale: x{factor} = {n} vectors")
        flat = faiss.IndexFlatIP(dim)
        flat_build = _filled(flat, data)
        flat_ms, truth = _timed_search(flat, queries)
        rows.append([f"x{factor}", n, "IndexFlatIP (exact)", flat_build, flat_ms, 1.0, 1.0])
        hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        build = _filled(hnsw, data)
        for ef in (64, 128):
            hnsw.hnsw.efSearch = ef
            ms, found = _timed_search(hnsw, queries)
            rows.append(
                [
                    f"x{factor}",
                    n,
                    f"HNSWFlat M=32 efSearch={ef}",
                    build,
                    ms,
                    _recall(found, truth),
                    _recall(found, truth, len(base)),
                ]
            )
        nlist = int(4 * np.sqrt(n))
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        build = _filled(ivf, data, train=True)
        ivf.nprobe = 16
        ms, found = _timed_search(ivf, queries)
        rows.append(
            [
                f"x{factor}",
                n,
                f"IVFFlat nlist={nlist} nprobe=16",
                build,
                ms,
                _recall(found, truth),
                _recall(found, truth, len(base)),
            ]
        )
    flat_rows = [r for r in rows if r[2] == "IndexFlatIP (exact)"]
    per_vector_ms = float(flat_rows[-1][4]) / int(flat_rows[-1][1])
    switch_at = int(FLAT_BUDGET_MS / per_vector_ms)
    advice = (
        f"Exact search costs {per_vector_ms * 1e6:.1f} ms per million vectors per query here, "
        f"so it passes {FLAT_BUDGET_MS:.0f} ms (half the 20 ms retrieval budget) at about "
        f"{switch_at:,} vectors: make HNSW the default above that size."
    )
    cols = ["scale", "vectors", "index", "build_s", "p50_ms", f"recall@{K}", f"section recall@{K}"]
    setup.record(
        "scale",
        {
            "rows": [dict(zip(cols, r, strict=True)) for r in rows],
            "noise": NOISE,
            "queries": len(questions),
            "switch_at_vectors": switch_at,
            "advice": advice,
        },
    )
    return [
        table(
            f"Scale: top-{K} search, one thread, {len(questions)} queries; recall against exact "
            "IndexFlatIP (section recall: near-identical copies of one section count as one)",
            cols,
            rows,
        )
        + "\n"
        + advice
    ]
