"""The "tutorial pipeline" baseline: fixed-size character chunks of the raw files, one embedder,
FAISS inner product, no markup handling, no threshold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bench._corpus import RawDoc
from embeddings import Embedder
from embeddings._store import EmbeddingCache, embed_with_cache

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200


def split_docs(docs: Sequence[RawDoc]) -> tuple[list[tuple[str, str]], list[str]]:
    """The (article id, lang) of every chunk and its text, front matter included."""
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    owners: list[tuple[str, str]] = []
    texts: list[str] = []
    for doc in docs:
        for piece in splitter.split_text(doc.path.read_text("utf-8", errors="replace")):
            owners.append((doc.article_id, doc.lang))
            texts.append(piece)
    return owners, texts


class TutorialIndex:
    """The baseline index; vectors persist in an SQLite cache keyed by model and text, so an
    interrupted or repeated run embeds each chunk once."""

    def __init__(
        self, docs: Sequence[RawDoc], embedder: Embedder, cache_path: Path, batch_size: int = 32
    ) -> None:
        self.owners, texts = split_docs(docs)
        self.embedder = embedder
        cache = EmbeddingCache(cache_path, f"{embedder.backend}:{embedder.model}")
        try:
            vectors, self.embedded = embed_with_cache(texts, embedder, cache, batch_size)
        finally:
            cache.close()
        self.faiss = faiss.IndexFlatIP(embedder.dimension)
        if len(vectors):
            self.faiss.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def rank(
        self, question: str, top_k: int = 10, exclude: frozenset[tuple[str, str]] = frozenset()
    ) -> list[tuple[str, str]]:
        """Distinct articles in rank order as (article id, lang of its best chunk), skipping
        the (article, lang) versions in `exclude`."""
        qv = self.embedder.embed_queries([question]).astype(np.float32)
        k = min(len(self.owners), 64 * top_k)
        _, rows = self.faiss.search(qv, k)
        ranked: dict[str, str] = {}
        for row in rows[0]:
            if row < 0:
                continue
            aid, lang = self.owners[int(row)]
            if (aid, lang) not in exclude and aid not in ranked:
                ranked[aid] = lang
                if len(ranked) == top_k:
                    break
        return list(ranked.items())
