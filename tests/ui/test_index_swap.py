"""A running service switches to a new index written by `assistant ingest`, safely."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from assistant._ingest import CorpusSource, ingest
from corpus import Chunker
from embeddings import FakeEmbedder, IndexStore
from tests.conftest import DATA
from ui._service import AnswerService


def _ingest_docfx(index: Path) -> None:
    ingest(
        [CorpusSource(DATA / "docfx", "https://docs.example.com/{lang}/{id}")],
        IndexStore(index),
        FakeEmbedder(),
        Chunker(max_tokens=200, min_tokens=10),
        show_progress=False,
    )


def _cited(service: AnswerService) -> list[str]:
    answer = service.answer("new staff key card buddy onboarding", lang="en")
    return [c.article_id for c in answer.citations]


def test_a_new_index_is_picked_up(service: AnswerService, tmp_path: Path) -> None:
    assert "admin/page" not in _cited(service)
    assert not service.refresh()
    _ingest_docfx(tmp_path / "index")
    assert service.refresh()
    assert _cited(service)[0] == "admin/page"


def test_a_broken_new_index_leaves_the_old_one_serving(
    service: AnswerService, tmp_path: Path
) -> None:
    manifest = tmp_path / "index" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["generation"] = "missing"
    manifest.write_text(json.dumps(data))
    assert not service.refresh()
    assert _cited(service)[0] == "guide/setup"


def test_the_watcher_swaps_while_questions_go_on(service: AnswerService, tmp_path: Path) -> None:
    stop = threading.Event()
    service.watch(0.05, stop)
    errors: list[Exception] = []

    def ask_forever() -> None:
        while not stop.is_set():
            try:
                service.answer("coffee machine grinder", lang="en")
            except Exception as exc:  # any failure of an in-flight question fails the test
                errors.append(exc)

    asker = threading.Thread(target=ask_forever)
    asker.start()
    try:
        _ingest_docfx(tmp_path / "index")
        deadline = time.monotonic() + 10
        while "admin/page" not in _cited(service) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _cited(service)[0] == "admin/page"
    finally:
        stop.set()
        asker.join()
    assert errors == []
