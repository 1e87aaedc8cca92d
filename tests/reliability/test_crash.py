"""A server killed with SIGKILL in the middle of a burst of questions leaves the SQLite log
consistent: every answered question is there, complete, and the file passes integrity_check."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import Server, write_config

pytestmark = pytest.mark.integration


def test_a_kill_mid_burst_leaves_the_log_consistent(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    config = write_config(tmp_path)
    server = serve(config)
    answered: list[str] = []
    stop = threading.Event()

    def burst(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for i in range(10_000):
                if stop.is_set():
                    return
                try:
                    response = http.post("/api/ask", json={"question": f"coffee {n} {i}"})
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    answered.append(response.json()["id"])

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert answered, "the burst got answers before the kill"

    with sqlite3.connect(tmp_path / "questions.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "SELECT answer_id, question, normalized, language, cited_articles FROM questions"
        ).fetchall()
    logged = {row[0] for row in rows}
    assert set(answered) <= logged, "an answered question is missing from the log"
    assert all(all(value is not None for value in row) for row in rows)
    assert len(logged) - len(answered) <= 8, "at most the requests in flight at the kill"

    restarted = serve(config, name="restarted")
    asked = httpx.post(f"{restarted.url}/api/ask", json={"question": "coffee"}, timeout=30)
    assert asked.status_code == 200
