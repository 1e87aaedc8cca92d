"""Latency of retrieval and extractive answers in process, and cold start and memory of
`assistant serve`."""

from __future__ import annotations

import random
import time

import httpx

from assistant import Assistant
from assistant._retriever import RetrievalParams
from bench._report import log, percentiles, table
from bench._server import copy_index, serving
from bench._setup import Setup
from embeddings import IndexStore
from embeddings._store import article_heads

WARM_UP = 10
FIRST_START = "first, no lexical index kept (an older ingest's index): built, then kept"
LATER_START = "later, as after an ingest, which keeps it: lexical index read back"


def generated_questions(setup: Setup, count: int) -> list[str]:
    """`count` fixed-seed questions across languages: alternately article titles and
    front matter descriptions."""
    heads = article_heads(IndexStore(setup.index).load().chunks)
    rng = random.Random(setup.seed)
    picked = rng.sample(heads, min(count, len(heads)))
    picked += rng.choices(heads, k=count - len(picked))
    return [
        (h.title if i % 2 or not h.description else h.description) for i, h in enumerate(picked)
    ]


def _timed(call: object, questions: list[str]) -> list[float]:
    assert callable(call)
    ms = []
    for q in questions:
        started = time.perf_counter()
        call(q)
        ms.append((time.perf_counter() - started) * 1000)
    return ms


def run(setup: Setup) -> list[str]:
    """Measure, record and return the latency table."""
    questions = generated_questions(setup, 300)
    assistant = Assistant(setup.index, setup.embedder, RetrievalParams())
    assistant.warm_up()
    warm, measured = questions[:WARM_UP], questions[WARM_UP:]
    for q in warm:
        assistant.ask(q)
    index = assistant.retriever.index

    def naive_dense(question: str) -> None:
        vector = setup.embedder.embed_queries([question])
        index.faiss.search(vector, 10)

    log(f"latency: {len(measured)} questions, first time then repeated")
    timings = {
        "naive dense baseline: embed + FAISS top-10": _timed(naive_dense, measured),
        "retrieve(), question first seen": _timed(assistant.retrieve, measured),
        "retrieve(), repeated question": _timed(assistant.retrieve, measured),
        "ask() extractive, repeated question": _timed(assistant.ask, measured),
    }
    rows: dict[str, dict[str, object]] = {
        name: {"n": len(ms), **percentiles(ms)} for name, ms in timings.items()
    }
    served = copy_index(setup.index, setup.work / "serve-index")
    embedder = setup.make_embedder()
    with serving(setup.work / "serve-first", served, setup.corpus, embedder) as first:
        starts = {FIRST_START: [round(first.cold_start_s, 2), first.peak_rss_mb(), None]}
    with serving(setup.work / "serve-latency", served, setup.corpus, embedder) as srv:
        after_start = srv.peak_rss_mb()
        with httpx.Client(timeout=60) as client:
            for q in questions[:50]:
                client.post(f"{srv.url}/api/ask", json={"question": q}).raise_for_status()
        after_50 = srv.peak_rss_mb()
        starts[LATER_START] = [round(srv.cold_start_s, 2), after_start, after_50]
    server = {
        "cold_start_s": starts[LATER_START][0],
        "cold_start_first_s": starts[FIRST_START][0],
        "peak_rss_mb_first_answer": after_start,
        "peak_rss_mb_after_50": after_50,
    }
    setup.record("latency", {"in_process": rows, "server": server})
    return [
        table(
            f"Latency in process over {setup.index} (after {WARM_UP} warm-up questions)",
            ["call", "n", "p50_ms", "p95_ms", "p99_ms"],
            [[name, r["n"], r["p50_ms"], r["p95_ms"], r["p99_ms"]] for name, r in rows.items()],
        ),
        table(
            "assistant serve over a fresh copy of the index, started twice: cold start to the "
            "first answered POST /api/ask, peak RSS",
            ["start", "cold_start_s", "peak_rss_mb (first answer)", "peak_rss_mb (after 50 asks)"],
            [[name, *row] for name, row in starts.items()],
        ),
    ]
