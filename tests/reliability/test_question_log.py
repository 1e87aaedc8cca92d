"""The question log under concurrent writers: threads and processes on one SQLite file lose
no row, and the connection waits out locks instead of failing."""

from __future__ import annotations

import multiprocessing
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant import Answer
from ui._log import QuestionLog

ROWS = 60


def _answer(question: str) -> Answer:
    return Answer(
        id=uuid.uuid4().hex,
        question=question,
        text="",
        citations=[],
        language="en",
        confident=False,
    )


def write_rows(url: str, tag: str, rows: int = ROWS) -> None:
    """Log `rows` questions and vote on each (in a child process or a thread)."""
    log = QuestionLog(url)
    try:
        for i in range(rows):
            answer = _answer(f"{tag} question {i}")
            log.record(answer, "api")
            assert log.record_feedback(answer.id, "down")
    finally:
        log.close()


def _count(db: Path) -> tuple[int, int, str]:
    with sqlite3.connect(db) as conn:
        questions = conn.execute("SELECT count(*) FROM questions").fetchone()[0]
        votes = conn.execute("SELECT count(*) FROM feedback").fetchone()[0]
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return questions, votes, check


def test_every_connection_is_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    log = QuestionLog(f"sqlite:///{tmp_path / 'q.db'}")
    with log.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    log.close()


def test_threads_lose_no_row(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    url = f"sqlite:///{db}"
    QuestionLog(url).close()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: write_rows(url, f"thread {n}"), range(8)))
    assert _count(db) == (8 * ROWS, 8 * ROWS, "ok")


def test_processes_lose_no_row(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    url = f"sqlite:///{db}"
    QuestionLog(url).close()
    spawn = multiprocessing.get_context("spawn")
    procs = [spawn.Process(target=write_rows, args=(url, f"proc {n}")) for n in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]
    assert _count(db) == (4 * ROWS, 4 * ROWS, "ok")


def test_a_database_without_its_driver_names_the_driver_to_install() -> None:
    with pytest.raises(ValueError, match=r"pip install pymysql and use mysql\+pymysql://"):
        QuestionLog("mysql+nosuchdriver://user@host/db")
