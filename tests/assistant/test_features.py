"""The ranker's per-candidate features on a small corpus (fake embedder), against a plain
per-section computation of the same values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant._features import FEATURES, RRF_K, ArticleTable, candidate_features
from assistant._ingest import CorpusSource, ingest
from assistant._retriever import RetrievalParams
from corpus import Chunker
from embeddings import FakeEmbedder, IndexStore

ARTICLES = {
    "calendar/invite": ("invite colleagues", "bjud in kollegor"),
    "calendar/repeat": ("repeat a meeting weekly", "upprepa ett möte"),
    "sales/quote": ("quote with a discount", "offert med rabatt"),
}


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    for article, (en, sv) in ARTICLES.items():
        for lang, words in (("en", en), ("sv", sv)):
            path = tmp_path / "docs" / lang / f"{article}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            body = f"# {words}\n\n## Steps\n\n{words}, step by step.\n\n## Notes\n\n{words}.\n"
            path.write_text(body if lang == "en" or article != "sales/quote" else f"# {words}\n")
    embedder = FakeEmbedder()
    ingest(
        [CorpusSource(tmp_path / "docs", "https://x/{lang}/{id}")],
        IndexStore(tmp_path / "index"),
        embedder,
        Chunker(min_tokens=1),
        show_progress=False,
    )
    return Assistant(tmp_path / "index", embedder, RetrievalParams())


def test_features_match_a_plain_computation_over_each_section(assistant: Assistant) -> None:
    retriever = assistant.retriever
    retriever.warm_up()
    qv, ev, _ = retriever.evidence("how do I invite colleagues to a meeting?", ["sv"])
    docs = retriever.candidates(ev)
    assert len(docs) == len(ARTICLES)
    rows, best = candidate_features(retriever.table, retriever.index.vectors, qv, docs, ev)
    column = {name: rows[:, i] for i, name in enumerate(FEATURES)}
    for i, doc in enumerate(docs):
        per_lang = retriever.table.rows[doc]
        sims = {code: retriever.index.vectors[r] @ qv for code, r in per_lang.items()}
        assert best[doc] == {
            code: (per_lang[code][int(np.argmax(s))], pytest.approx(float(s.max()), abs=1e-6))
            for code, s in sims.items()
        }
        assert column["dense_best"][i] == pytest.approx(max(s.max() for s in sims.values()))
        lang = sims.get("sv")
        assert column["has_lang"][i] == float(lang is not None)
        assert column["dense_lang"][i] == pytest.approx(lang.max() if lang is not None else 0.0)
        second = np.sort(lang)[-2] if lang is not None and len(lang) > 1 else 0.0
        assert column["dense_second"][i] == pytest.approx(second)
        english = sims.get("en")
        fallback = english.max() if english is not None else 0.0
        assert column["dense_fallback"][i] == pytest.approx(fallback)
        all_rows = [row for rows in per_lang.values() for row in rows]
        dense = [ev.dense_rank[r] for r in all_rows if r in ev.dense_rank]
        lexical = [ev.lexical_rank[r] for r in all_rows if r in ev.lexical_rank]
        fused = max(
            (1 / (RRF_K + ev.dense_rank[r] + 1) if r in ev.dense_rank else 0.0)
            + (1 / (RRF_K + ev.lexical_rank[r] + 1) if r in ev.lexical_rank else 0.0)
            for r in all_rows
        )
        assert column["fused_best"][i] == pytest.approx(fused * RRF_K)
        assert column["dense_hits"][i] == pytest.approx(np.log1p(len(dense)))
        assert column["lexical_hits"][i] == pytest.approx(np.log1p(len(lexical)))


def test_no_candidates_give_no_rows(assistant: Assistant) -> None:
    retriever = assistant.retriever
    retriever.warm_up()
    qv, ev, _ = retriever.evidence("invite", ["en"])
    rows, best = candidate_features(retriever.table, retriever.index.vectors, qv, [], ev)
    assert rows.shape == (0, len(FEATURES)) and best == {}


def test_the_domain_digest_names_the_articles_model_engine_and_query_layers(
    assistant: Assistant,
) -> None:
    index = assistant.retriever.index
    domain = ArticleTable(index).domain
    edited = [dataclasses.replace(c, text=c.text + " more") for c in index.chunks]
    assert ArticleTable(dataclasses.replace(index, chunks=edited)).domain == domain
    moved = [
        dataclasses.replace(c, article_id="calendar/recur")
        if c.article_id == "calendar/repeat"
        else c
        for c in index.chunks
    ]
    assert ArticleTable(dataclasses.replace(index, chunks=moved)).domain != domain
    for change in ({"model": "another/model"}, {"backend": "sentence-transformers"}):
        other = dataclasses.replace(index.manifest, **change)
        assert ArticleTable(dataclasses.replace(index, manifest=other)).domain != domain
    assert ArticleTable(index, queries="0123abcd").domain != domain  # adapted query layers
