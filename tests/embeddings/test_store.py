"""The index folder: atomic generations, model checks, damage and incremental builds."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from corpus import Chunk, Part
from embeddings import (
    FakeEmbedder,
    IndexBusyError,
    IndexDamagedError,
    IndexMismatchError,
    IndexMissingError,
    IndexStore,
    build_index,
)
from embeddings._store import (
    EmbeddingCache,
    IndexUnwritableError,
    article_heads,
    embed_with_cache,
    new_manifest,
)


def _chunks(n: int, prefix: str = "topic") -> list[Chunk]:
    return [
        Chunk(
            article_id=f"a{i}",
            lang="en",
            title=f"{prefix} {i}",
            headings=("Section",),
            anchor="section",
            url=f"https://x/en/a{i}",
            text=f"Words about {prefix} {i:03d}th item and nothing else.",
            ordinal=0,
        )
        for i in range(n)
    ]


def test_build_then_load_round_trips(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    store = IndexStore(tmp_path / "index")
    report = build_index(_chunks(5), fake_embedder, store, show_progress=False)
    # 5 sections and 5 article titles (a summary without description equals its title)
    assert (report.embedded, report.reused, report.unchanged) == (10, 0, False)
    loaded = store.load(fake_embedder)
    assert loaded.chunks == _chunks(5)
    assert loaded.vectors.shape == (5, fake_embedder.dimension)
    assert loaded.faiss.ntotal == 5
    assert loaded.titles.shape == loaded.summaries.shape == (5, fake_embedder.dimension)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["backend"] == "fake"
    assert manifest["dimension"] == fake_embedder.dimension
    assert manifest["chunks"] == 5
    assert {"faiss-cpu", "numpy"} <= set(manifest["versions"])


def test_merged_parts_round_trip_and_older_indexes_without_them_load(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    parts = (Part(("Section",), "section", 0), Part(("Other",), "other", 20))
    chunks = [dataclasses.replace(c, parts=parts) for c in _chunks(2)]
    build_index(chunks, FakeEmbedder(), store, show_progress=False)
    assert store.load().chunks == chunks
    lines = next((tmp_path / "index").glob("gen-*/chunks.jsonl"))
    rows = [json.loads(line) for line in lines.read_text("utf-8").splitlines()]
    for row in rows:
        del row["parts"]
    lines.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    assert store.load().chunks == _chunks(2)


def test_unchanged_corpus_reembeds_nothing(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    build_index(_chunks(5), FakeEmbedder(), store, show_progress=False)
    generation = store.manifest().generation
    counting = FakeEmbedder()
    report = build_index(_chunks(5), counting, store, show_progress=False)
    assert report.unchanged
    assert counting.calls == 0
    assert store.manifest().generation == generation


def test_changing_one_article_reembeds_only_its_chunks(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    chunks = _chunks(5)
    build_index(chunks, FakeEmbedder(), store, show_progress=False)
    edited = [*chunks[:2], _chunks(5, prefix="changed")[2], *chunks[3:]]
    counting = FakeEmbedder()
    report = build_index(edited, counting, store, show_progress=False)
    assert (report.embedded, report.reused) == (2, 8), "one section and its title"
    assert counting.calls == 2
    assert store.load().chunks[2].title == "changed 2"


def test_same_text_is_embedded_once(tmp_path: Path) -> None:
    twice = _chunks(1) * 3
    counting = FakeEmbedder()
    build_index(twice, counting, IndexStore(tmp_path / "index"), show_progress=False)
    assert counting.calls == 2, "the section once and the title once"


def test_other_model_gives_a_clear_error(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    build_index(_chunks(2), FakeEmbedder(model="model-a"), store, show_progress=False)
    with pytest.raises(IndexMismatchError, match=r"model-a.*model-b.*assistant ingest"):
        store.load(FakeEmbedder(model="model-b"))


def test_missing_index_says_to_ingest(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="run `assistant ingest`"):
        IndexStore(tmp_path / "nothing").load()


@pytest.mark.parametrize("victim", ["manifest.json", "vectors.faiss", "chunks.jsonl"])
def test_truncated_files_give_a_clear_error(
    tmp_path: Path, fake_embedder: FakeEmbedder, victim: str
) -> None:
    store = IndexStore(tmp_path / "index")
    build_index(_chunks(4), fake_embedder, store, show_progress=False)
    gen = f"gen-{store.manifest().generation}"
    path = store.path / (victim if victim == "manifest.json" else f"{gen}/{victim}")
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(IndexDamagedError, match="assistant ingest"):
        store.load()


class _SlowEmbedder(FakeEmbedder):
    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return super().embed_passages(texts)


def _slow_build(path: str, ready: str) -> None:
    Path(ready).touch()
    build_index(
        _chunks(400, "new"),
        _SlowEmbedder(),
        IndexStore(Path(path)),
        batch_size=4,
        show_progress=False,
    )


def test_killed_build_leaves_the_old_index_loadable(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    build_index(_chunks(3, "old"), FakeEmbedder(), store, show_progress=False)
    ready = tmp_path / "ready"
    proc = multiprocessing.get_context("spawn").Process(
        target=_slow_build, args=(str(store.path), str(ready))
    )
    proc.start()
    while not ready.exists():
        time.sleep(0.05)
    time.sleep(1.5)
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    loaded = store.load(FakeEmbedder())
    assert [c.title for c in loaded.chunks] == ["old 0", "old 1", "old 2"]
    resumed = FakeEmbedder()
    report = build_index(_chunks(400, "new"), resumed, store, batch_size=4, show_progress=False)
    assert 0 < report.reused < 800, "batches embedded before the kill are kept"
    assert resumed.calls == report.embedded


def test_vectors_in_the_index_are_the_embedders(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    store = IndexStore(tmp_path / "index")
    chunks = _chunks(3)
    build_index(chunks, embedder, store, show_progress=False)
    loaded = store.load()
    query = embedder.embed_queries([chunks[1].passage()])
    _scores, rows = loaded.faiss.search(query, 1)
    assert rows[0][0] == 1
    assert np.allclose(loaded.vectors[1], embedder.embed_passages([chunks[1].passage()])[0])


def test_changing_the_passage_prefix_reembeds(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    build_index(_chunks(3), FakeEmbedder(), store, show_progress=False)
    prefixed = FakeEmbedder()
    prefixed.passage_prefix = "passage: "  # type: ignore[attr-defined]
    report = build_index(_chunks(3), prefixed, store, show_progress=False)
    assert (report.embedded, report.unchanged) == (6, False)


def _write_once(store: IndexStore, chunks: list[Chunk], start: threading.Barrier) -> str:
    embedder = FakeEmbedder()
    vectors = embedder.embed_passages([c.passage() for c in chunks])
    heads = embedder.embed_passages([h.title for h in article_heads(chunks)])
    manifest = new_manifest(embedder, chunks, "fp", 240)
    start.wait()
    store.write(chunks, vectors, heads, heads, manifest)
    return manifest.generation


def test_concurrent_writers_never_leave_the_manifest_on_a_deleted_generation(
    tmp_path: Path,
) -> None:
    for trial in range(40):
        path = tmp_path / f"index-{trial}"
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            futures = [
                pool.submit(_write_once, IndexStore(path), _chunks(3, name), start)
                for name in ("left", "right")
            ]
            written = {f.result() for f in futures}
        store = IndexStore(path)
        assert store.manifest().generation in written
        assert len(store.load().chunks) == 3
        assert [p.name for p in path.iterdir() if p.name.startswith((".tmp-", "gen-"))] == [
            f"gen-{store.manifest().generation}"
        ]


def test_a_second_writer_waits_then_says_another_ingest_is_writing(tmp_path: Path) -> None:
    holder = IndexStore(tmp_path / "index")
    waiter = IndexStore(tmp_path / "index", lock_timeout=0.2)
    busy = pytest.raises(IndexBusyError, match=r"^another ingest is writing .*index; run")
    with holder.writing(), busy:
        build_index(_chunks(3), FakeEmbedder(), waiter, show_progress=False)
    build_index(_chunks(3), FakeEmbedder(), waiter, show_progress=False)
    assert len(waiter.load().chunks) == 3


def test_progress_counts_cached_texts_as_the_report_counts_reused(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite", "fake:hashing")
    seen: list[tuple[int, int]] = []

    def progress(todo: int, cached: int) -> Callable[[int], None]:
        seen.append((todo, cached))
        return lambda n: None

    try:
        texts = ["create a project", "create a project", "delete a contact"]
        _, embedded = embed_with_cache(texts, FakeEmbedder(), cache, 2, progress=progress)
        assert (embedded, seen[-1]) == (2, (2, 0)), "a repeated text is no cache hit"
        _, embedded = embed_with_cache([*texts, "new"], FakeEmbedder(), cache, 2, progress=progress)
        assert (embedded, seen[-1]) == (1, (1, 2))
    finally:
        cache.close()


def test_an_unwritable_index_folder_is_one_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("x", "utf-8")
    for path, why in [(file, "it is a file"), (file / "idx", f"{file} is a file, not a folder")]:
        store = IndexStore(path)
        with pytest.raises(IndexUnwritableError, match=re.escape(f"to {path} ({why}): set")):
            store.check_writable()
        with pytest.raises(IndexUnwritableError, match="set index_dir to a folder you can write"):
            build_index(_chunks(2), FakeEmbedder(), store, show_progress=False)
    cache = IndexStore(tmp_path / "index", cache_path=file / "cache.sqlite")
    with pytest.raises(IndexUnwritableError, match="set embedding_cache to a folder"):
        cache.check_writable()


def test_checking_a_new_index_folder_creates_it_and_leaves_nothing_in_it(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "a" / "index")
    store.check_writable()
    assert store.path.is_dir() and not any(store.path.iterdir())
