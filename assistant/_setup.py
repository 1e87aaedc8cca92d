"""Turn validated settings into ready components; the only place settings become objects."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from assistant._assistant import Assistant
from assistant._ingest import CorpusSource, IngestReport, ingest
from assistant._llm import LLMClient, OpenAICompatibleClient
from assistant._ranker import Tuned
from assistant._retriever import RetrievalParams
from assistant.settings import Settings, SettingsError
from corpus import Chunker, Skipped
from embeddings import LOCK_TIMEOUT, Embedder, IndexMissingError, IndexStore, make_embedder


def embedder_from(settings: Settings) -> Embedder:
    """The configured embedder (not loaded yet)."""
    e = settings.embedder
    return make_embedder(e.backend, e.model, e.query_prefix, e.passage_prefix, e.normalize)


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


def sources_from(settings: Settings) -> list[CorpusSource]:
    """The configured corpora as ingest sources."""
    return [
        CorpusSource(settings.corpus_path(c), c.url_template, c.default_language)
        for c in settings.corpora
    ]


def run_ingest(
    settings: Settings,
    sources: Sequence[CorpusSource] | None = None,
    show_progress: bool = True,
    on_warning: Callable[[Skipped], None] | None = None,
    embedder: Embedder | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> IngestReport:
    """Ingest `sources` (default: the configured corpora) into the configured index, waiting
    up to `lock_timeout` seconds for another ingest writing it."""
    return ingest(
        sources if sources is not None else sources_from(settings),
        IndexStore(settings.index_dir, settings.embedding_cache, lock_timeout),
        embedder or embedder_from(settings),
        Chunker(settings.chunking.max_tokens, settings.chunking.min_tokens),
        settings.embedder.embed_max_chars,
        settings.embedder.batch_size,
        show_progress=show_progress,
        on_warning=on_warning,
    )


def open_assistant(
    settings: Settings,
    build_if_missing: bool = True,
    show_progress: bool = True,
    on_ingest: Callable[[IngestReport], None] | None = None,
    tuned: Tuned | None = None,
) -> Assistant:
    """An `Assistant` over the configured index; builds the index from the configured corpora
    first when there is none yet. `tuned` replaces the shipped ranking model."""
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
