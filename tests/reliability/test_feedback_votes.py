"""Feedback on a real server: one vote per answer per client (a later vote replaces the earlier
one), and votes spend the client's question budget."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import Server, write_config

pytestmark = [pytest.mark.integration]

TOKEN = "s3cret-admin-token"
QUESTION = "How do I set up the coffee machine?"


@pytest.fixture
def serve_with(tmp_path: Path, serve: Callable[..., Server]) -> Callable[[str], Server]:
    return lambda rate: serve(
        write_config(tmp_path, rate_limit=rate, server="rate_burst: 1000"),
        ASSISTANT_ADMIN_TOKEN=TOKEN,
    )


def _down_votes(server: Server) -> list[int]:
    rows = httpx.get(
        f"{server.url}/api/admin/report",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    ).json()
    return [row["down_votes"] for row in rows if row["question"] == QUESTION]


def test_300_down_votes_count_once_and_the_last_vote_wins(
    serve_with: Callable[[str], Server],
) -> None:
    server = serve_with("null")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        answer = http.post("/api/ask", json={"question": QUESTION}).json()
        vote = {"answer_id": answer["id"], "vote": "down", "comment": "x" * 2000}
        codes = {http.post("/api/feedback", json=vote).status_code for _ in range(300)}
        assert codes == {201}
        assert _down_votes(server) == [1]
        http.post("/api/feedback", json={**vote, "vote": "up"})
    assert _down_votes(server) in ([], [0]), "the up-vote replaced the down-vote"


def test_votes_spend_the_question_budget(serve_with: Callable[[str], Server]) -> None:
    server = serve_with("4/minute")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        answer = http.post("/api/ask", json={"question": QUESTION}).json()
        vote = {"answer_id": answer["id"], "vote": "down"}
        codes = [http.post("/api/feedback", json=vote).status_code for _ in range(5)]
        assert codes == [201, 201, 201, 429, 429]
        assert http.post("/api/ask", json={"question": QUESTION}).status_code == 429
