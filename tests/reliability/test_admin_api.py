"""The admin API: off without ASSISTANT_ADMIN_TOKEN, 401 without the right bearer token,
re-ingest in the background (one at a time, its outcome readable), the report as JSON, and
the token never logged."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant._ingest import CorpusSource, IngestReport, ingest
from corpus import Chunker
from embeddings import FakeEmbedder, IndexStore
from ui import create_app
from ui._policy import embed_policy
from ui._service import AnswerService

TOKEN = "s3cret-admin-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def ingested() -> threading.Event:
    return threading.Event()


@pytest.fixture
def admin(service: AnswerService, ingested: threading.Event) -> Iterator[TestClient]:
    app = create_app(service, embed_policy([], 7860), admin_token=TOKEN, ingest=ingested.set)
    with TestClient(app) as client:
        yield client


def _wait_for(check: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    return check()


def test_without_the_variable_there_is_no_admin_api(service: AnswerService) -> None:
    with TestClient(create_app(service, embed_policy([], 7860))) as client:
        assert client.post("/api/admin/reindex", headers=AUTH).status_code == 404
        assert client.get("/api/admin/report", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Bearer "}],
    ids=["missing", "wrong", "no-scheme", "empty"],
)
def test_a_missing_or_wrong_token_gets_401(admin: TestClient, headers: dict[str, str]) -> None:
    for response in (
        admin.post("/api/admin/reindex", headers=headers),
        admin.get("/api/admin/report", headers=headers),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "Authorization: Bearer" in response.json()["error"]


def test_reindex_runs_the_ingest_in_the_background(
    admin: TestClient, ingested: threading.Event
) -> None:
    assert admin.get("/api/admin/reindex", headers=AUTH).json() == {"status": "idle"}
    response = admin.post("/api/admin/reindex", headers=AUTH)
    assert response.status_code == 202
    assert response.json() == {"status": "started"}
    assert ingested.wait(10)
    status = _finished(admin)
    assert status["status"] == "done"
    assert status["started"] <= status["finished"]


def test_the_report_is_json(admin: TestClient) -> None:
    asked = admin.post("/api/ask", json={"question": "How do I set up the coffee machine?"})
    admin.post("/api/feedback", json={"answer_id": asked.json()["id"], "vote": "down"})
    rows = admin.get("/api/admin/report", headers=AUTH, params={"limit": 5}).json()
    assert rows[0]["question"] == "How do I set up the coffee machine?"
    assert rows[0]["down_votes"] == 1
    assert set(rows[0]) == {
        "question",
        "language",
        "asked",
        "unanswered",
        "down_votes",
        "last_asked",
        "unfinished",
    }


def test_the_token_never_reaches_the_log(
    admin: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin.get("/api/admin/report", headers=AUTH)
    admin.get("/api/admin/report", headers={"Authorization": f"Bearer {TOKEN}x"})
    admin.post("/api/admin/reindex", headers=AUTH)
    assert caplog.records, "the requests were logged at debug level"
    assert not any("s3cret" in r.getMessage() for r in caplog.records)
    assert "s3cret" not in caplog.text


def test_reindex_of_one_corpus(service: AnswerService) -> None:
    asked: list[tuple[str, ...]] = []
    app = create_app(
        service,
        embed_policy([], 7860),
        admin_token=TOKEN,
        ingest=lambda *names: asked.append(names),
        corpora=["guide", "help"],
    )
    with TestClient(app) as client:
        missing = client.post("/api/admin/reindex", headers=AUTH, params={"corpus": "nope"})
        assert missing.status_code == 404
        assert "guide, help" in missing.json()["error"]
        response = client.post("/api/admin/reindex", headers=AUTH, params={"corpus": "help"})
        assert response.status_code == 202
        assert _wait_for(lambda: asked == [("help",)])


def _finished(client: TestClient) -> dict[str, object]:
    def status() -> dict[str, object]:
        body = client.get("/api/admin/reindex", headers=AUTH).json()
        assert isinstance(body, dict)
        return body

    assert _wait_for(lambda: status()["status"] != "running")
    return status()


def _reindexing(service: AnswerService, run: Callable[..., object]) -> TestClient:
    app = create_app(service, embed_policy([], 7860), admin_token=TOKEN, ingest=run)
    return TestClient(app)


def test_a_finished_reindex_reports_what_it_indexed(service: AnswerService, tmp_path: Path) -> None:
    docs = tmp_path / "docs" / "en"
    docs.mkdir(parents=True)
    (docs / "printing.md").write_text("# Printing\n\nPress print to print labels.\n", "utf-8")
    (docs / "export.md").write_text("# Export\n\nChoose Export to save a CSV file.\n", "utf-8")
    (docs / "empty.md").write_text("---\ntitle: Nothing\n---\n", "utf-8")

    def run() -> IngestReport:
        return ingest(
            [CorpusSource(tmp_path / "docs", "https://docs.example.com/{lang}/{id}")],
            IndexStore(tmp_path / "index2"),
            FakeEmbedder(),
            Chunker(max_tokens=200, min_tokens=10),
            show_progress=False,
        )

    with _reindexing(service, run) as client:
        client.post("/api/admin/reindex", headers=AUTH)
        first = _finished(client)
        client.post("/api/admin/reindex", headers=AUTH)
        again = _finished(client)
    assert first["status"] == "done"
    assert isinstance(first["started"], str) and isinstance(first["finished"], str)
    summary = first["summary"]
    assert isinstance(summary, dict)
    assert (summary["articles"], summary["languages"]) == (2, {"en": 2})
    assert summary["embedded"] > 0 and summary["reused"] == 0
    assert summary["skipped"] == 1
    assert summary["first_problems"] == [f"{docs / 'empty.md'}: no body"]
    repeated = again["summary"]
    assert isinstance(repeated, dict)
    assert (repeated["embedded"], repeated["up_to_date"]) == (0, True)


def test_a_failed_reindex_says_why_in_one_line(
    service: AnswerService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def run() -> IngestReport:  # the corpus folder was moved away
        return ingest(
            [CorpusSource(tmp_path / "moved")],
            IndexStore(tmp_path / "index2"),
            FakeEmbedder(),
            Chunker(),
            show_progress=False,
        )

    caplog.set_level(logging.INFO, logger="ui")
    with _reindexing(service, run) as client:
        client.post("/api/admin/reindex", headers=AUTH)
        status = _finished(client)
    assert status["status"] == "failed"
    assert status["error"] == f"corpus folder not found: {tmp_path / 'moved'}"
    assert isinstance(status["finished"], str)
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info is None
    assert "\n" not in failures[0].getMessage()
    assert "corpus folder not found" in failures[0].getMessage()


def test_an_unexpected_failure_is_named_and_its_traceback_logged(
    service: AnswerService, caplog: pytest.LogCaptureFixture
) -> None:
    def run() -> None:
        raise RuntimeError("internal detail at /srv/secret/path")

    with _reindexing(service, run) as client:
        client.post("/api/admin/reindex", headers=AUTH)
        status = _finished(client)
    assert status["status"] == "failed"
    assert status["error"] == "unexpected RuntimeError; the server log has the details"
    assert any(r.exc_info for r in caplog.records if r.levelno == logging.ERROR)


def test_a_second_reindex_while_one_runs_gets_409(service: AnswerService) -> None:
    release = threading.Event()
    runs: list[tuple[str, ...]] = []

    def run(*names: str) -> None:
        runs.append(names)
        release.wait(10)

    with _reindexing(service, run) as client:
        assert client.post("/api/admin/reindex", headers=AUTH).status_code == 202
        busy = client.post("/api/admin/reindex", headers=AUTH)
        assert busy.status_code == 409
        assert "already running" in busy.json()["error"]
        assert client.get("/api/admin/reindex", headers=AUTH).json()["status"] == "running"
        release.set()
        assert _finished(client)["status"] == "done"
        assert client.post("/api/admin/reindex", headers=AUTH).status_code == 202
        assert _wait_for(lambda: len(runs) == 2)


def test_a_missing_token_is_logged_apart_from_a_wrong_one(
    admin: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ui")
    admin.get("/api/admin/report")
    admin.get("/api/admin/report", headers={"Authorization": "Bearer wrong"})
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert messages[0].startswith("missing admin token from ")
    assert messages[1].startswith("wrong admin token from ")
