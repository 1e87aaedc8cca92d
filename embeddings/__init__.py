"""Vectors and the index: embedders behind one protocol, and a FAISS index on disk."""

from __future__ import annotations

from embeddings._build import BuildReport, build_index
from embeddings._embedders import Embedder, FakeEmbedder, make_embedder
from embeddings._store import (
    IndexDamagedError,
    IndexMismatchError,
    IndexMissingError,
    IndexProblem,
    IndexStore,
    LoadedIndex,
)

__all__ = [
    "BuildReport",
    "Embedder",
    "FakeEmbedder",
    "IndexDamagedError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexProblem",
    "IndexStore",
    "LoadedIndex",
    "build_index",
    "make_embedder",
]
