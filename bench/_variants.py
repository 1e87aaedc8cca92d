"""What to embed of each section: quality against ingest time for several lengths, on a slice
of the corpus, each embedded from scratch, with the full-corpus ingest time extrapolated."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from assistant import Assistant
from assistant._eval import EvalQuestion, evaluate, read_questions, section_names
from assistant._ingest import CorpusSource, ingest
from assistant._retriever import RetrievalParams
from bench._corpus import languages, make_slice, raw_docs, subset_ids
from bench._report import log, table
from bench._setup import URL_TEMPLATE, Setup
from corpus import Chunker, load_corpus
from embeddings import IndexStore
from embeddings._build import EMBED_MAX_CHARS
from embeddings._store import article_heads, dense_text, summary_text, title_text

#: Characters of each section embedded; None embeds the whole section (up to the model's 512
#: tokens), what the naive pipeline does.
VARIANTS = (240, EMBED_MAX_CHARS, 600, None)
WHOLE = 100_000
QUICK_LANGS = ("en", "sv")
SAMPLE = 30


def _chars(setup: Setup, cap: int) -> int:
    """Characters an ingest of the whole corpus embeds at `cap`."""
    chunker = Chunker()
    chunks = [c for a in load_corpus(setup.corpus).articles for c in chunker.split(a)]
    heads = article_heads(chunks)
    texts = [dense_text(c, cap) for c in chunks]
    texts += [title_text(h) for h in heads] + [summary_text(h, cap) for h in heads]
    return sum(len(t) for t in set(texts))


def run(setup: Setup) -> list[str]:
    """Measure, record and return the variants table."""
    tune = read_questions(setup.tune_path)
    langs = QUICK_LANGS if setup.quick else tuple(languages(setup.corpus))
    questions = [q for q in tune if q.lang in langs or q.lang == "fi"]
    docs = raw_docs(setup.corpus)
    ids = set(subset_ids(docs, {g for q in questions for g in q.gold}, SAMPLE, setup.seed))
    corpus = setup.work / "variants-corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    make_slice(setup.corpus, corpus, ids, set(langs))
    rows = []
    results: dict[str, object] = {}
    for cap in VARIANTS:
        name = "whole section" if cap is None else f"first {cap} chars"
        index = setup.work / f"variants-index-{cap or 'whole'}"
        shutil.rmtree(index, ignore_errors=True)
        log(f"variants: embedding the slice, {name}")
        started = time.perf_counter()
        report = ingest(
            [CorpusSource(corpus, URL_TEMPLATE)],
            IndexStore(index),
            setup.embedder,
            Chunker(),
            embed_max_chars=cap or WHOLE,
            show_progress=False,
        )
        seconds = time.perf_counter() - started
        slice_chars = _chars_of(index)
        full_minutes = _chars(setup, cap or WHOLE) / max(slice_chars / seconds, 1.0) / 60
        figures: dict[str, dict[str, object]] = {
            mode: _quality(setup, index, mode, questions) for mode in ("hybrid", "dense")
        }
        rows.append(
            [
                name,
                report.chunks,
                round(seconds, 1),
                round(full_minutes, 1),
                figures["dense"]["success@1"],
                figures["dense"]["success@5"],
                figures["hybrid"]["success@1"],
                figures["hybrid"]["success@5"],
                figures["hybrid"]["section@1"],
            ]
        )
        results[name] = {"seconds": seconds, "full_minutes": full_minutes, **figures}
    setup.record("variants", results)
    return [
        table(
            f"Embedding variants on a slice ({len(ids)} articles: the tune questions' gold "
            f"articles + {SAMPLE} fixed-seed others, in {', '.join(langs)}; "
            f"{len(questions)} tune questions), each embedded from scratch; full-corpus "
            "minutes extrapolated from the slice's characters per second",
            [
                "embedded text",
                "chunks",
                "slice s",
                "full corpus min",
                "dense s@1",
                "dense s@5",
                "ours s@1",
                "ours s@5",
                "ours section@1",
            ],
            rows,
        )
    ]


def _chars_of(index: Path) -> int:
    """Characters the index at `index` embedded."""
    loaded = IndexStore(index).load()
    cap = loaded.manifest.embed_max_chars
    texts = [dense_text(c, cap) for c in loaded.chunks]
    heads = loaded.heads
    texts += [title_text(h) for h in heads] + [summary_text(h, cap) for h in heads]
    return sum(len(t) for t in set(texts))


def _quality(
    setup: Setup, index: Path, mode: str, questions: list[EvalQuestion]
) -> dict[str, object]:
    """Overall eval figures of `mode` over the slice index."""
    assistant = Assistant(index, setup.embedder, RetrievalParams(mode=mode))
    assistant.warm_up()
    names = section_names(assistant.retriever.index.chunks)
    overall = evaluate(questions, lambda q: assistant.ask(q, top_k=10), names)["overall"]
    assert isinstance(overall, dict)
    return overall
