"""Vectors and the index: embedders behind one protocol, and a FAISS index on disk."""

from __future__ import annotations

from embeddings._adapt import QUERY_LAYERS_FILE, adapt_queries
from embeddings._build import BuildReport, build_index
from embeddings._embedders import Embedder, FakeEmbedder, make_embedder
from embeddings._store import (
    LOCK_TIMEOUT,
    IndexBusyError,
    IndexDamagedError,
    IndexMismatchError,
    IndexMissingError,
    IndexProblem,
    IndexStore,
    LoadedIndex,
)

__all__ = [
    "LOCK_TIMEOUT",
    "QUERY_LAYERS_FILE",
    "BuildReport",
    "Embedder",
    "FakeEmbedder",
    "IndexBusyError",
    "IndexDamagedError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexProblem",
    "IndexStore",
    "LoadedIndex",
    "adapt_queries",
    "build_index",
    "make_embedder",
]
