"""The admin API: off without ASSISTANT_ADMIN_TOKEN, 401 without the right bearer token,
re-ingest in the background, the report as JSON, and the token never logged."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

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
    response = admin.post("/api/admin/reindex", headers=AUTH)
    assert response.status_code == 202
    assert response.json()["status"] in ("started", "running")
    assert ingested.wait(10)

    def done() -> bool:
        return bool(admin.get("/api/admin/reindex", headers=AUTH).json()["status"] == "done")

    assert _wait_for(done)


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
