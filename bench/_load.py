"""Load: POST /api/ask on a running server at several concurrencies, loopback only."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench._latency import generated_questions
from bench._report import log, percentiles, table
from bench._server import serving
from bench._setup import Setup

REQUEST_TIMEOUT_S = 60.0


def run_level(url: str, questions: list[str], concurrency: int, requests: int) -> dict[str, object]:
    """`requests` POSTs from `concurrency` threads: throughput, latency percentiles, errors."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:

        def one(i: int) -> tuple[float, str]:
            started = time.perf_counter()
            try:
                reply = client.post(
                    f"{url}/api/ask", json={"question": questions[i % len(questions)]}
                )
                ok = reply.status_code == 200 and "answer" in reply.json()
                status = "ok" if ok else str(reply.status_code)
            except (httpx.HTTPError, ValueError) as exc:
                status = type(exc).__name__
            return (time.perf_counter() - started) * 1000, status

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(one, range(requests)))
        wall = time.perf_counter() - started
    ms = [r[0] for r in results]
    return {
        "concurrency": concurrency,
        "requests": requests,
        "errors": sum(r[1] != "ok" for r in results),
        "error_kinds": dict(Counter(r[1] for r in results if r[1] != "ok")),
        "throughput_rps": round(requests / wall, 1),
        "wall_s": round(wall, 1),
        **percentiles(ms),
    }


def run(setup: Setup) -> list[str]:
    """Concurrency 1, 8 and 32 against one server; record and return the load table."""
    requests = 60 if setup.quick else 200
    questions = generated_questions(setup, 300)
    levels = []
    with serving(
        setup.work / "serve-load", setup.index, setup.corpus, setup.make_embedder()
    ) as srv:
        for concurrency in (1, 8, 32):
            log(f"load: {requests} requests at concurrency {concurrency}")
            levels.append(run_level(srv.url, questions, concurrency, requests))
        rss = srv.peak_rss_mb()
    setup.record("load", {"levels": levels, "peak_rss_mb": rss})
    cols = ["concurrency", "requests", "errors", "throughput_rps", "p50_ms", "p95_ms", "p99_ms"]
    return [
        table(
            f"Load: POST /api/ask on 127.0.0.1 (server peak RSS {rss} MiB)",
            cols,
            [[lv[c] for c in cols] for lv in levels],
        )
    ]
