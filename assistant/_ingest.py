"""Ingest: load the configured corpora, chunk them and build the index."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus import Article, Chunker, Skipped, article_urls, load_corpus, section_links
from embeddings import BuildReport, Embedder, IndexStore, build_index
from embeddings._build import EMBED_MAX_CHARS


@dataclass(frozen=True)
class CorpusSource:
    """A folder of articles and the URL template its pages are published under."""

    path: Path
    url_template: str
    default_lang: str = "en"


@dataclass
class IngestReport:
    """The summary an ingest ends with."""

    articles: int = 0
    chunks: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)
    build: BuildReport | None = None
    seconds: float = 0.0


def ingest(
    sources: Sequence[CorpusSource],
    store: IndexStore,
    embedder: Embedder,
    chunker: Chunker,
    embed_max_chars: int = EMBED_MAX_CHARS,
    batch_size: int = 32,
    show_progress: bool = True,
    on_warning: Callable[[Skipped], None] | None = None,
) -> IngestReport:
    """Load, chunk and index every source; the previous index stays in place until the new
    one is complete."""
    started = time.perf_counter()
    report = IngestReport()
    articles: list[Article] = []
    for source in sources:
        loaded = load_corpus(source.path, source.url_template, source.default_lang, on_warning)
        articles.extend(loaded.articles)
        report.skipped.extend(loaded.skipped)
        report.warnings.extend(loaded.warnings)
    urls = article_urls(articles)
    chunks = [
        dataclasses.replace(chunk, links=section_links(article, chunk.text, urls))
        for article in articles
        for chunk in chunker.split(article)
    ]
    report.articles = len(articles)
    report.chunks = len(chunks)
    report.languages = Counter(a.lang for a in articles)
    if not chunks:
        raise ValueError(
            "no articles found in "
            + ", ".join(str(s.path) for s in sources)
            + ": point the ingest at a folder of .md or .mdx files"
        )
    report.build = build_index(
        chunks, embedder, store, embed_max_chars, batch_size, show_progress=show_progress
    )
    report.seconds = time.perf_counter() - started
    return report
