"""The question log in SQLite: questions, votes and the report of what went unanswered."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from assistant import Answer, Citation
from assistant._smalltalk import small_talk
from ui._log import QuestionLog, ReportRow, format_report, normalize_question


def make_answer(question: str, found: bool = True, lang: str = "en") -> Answer:
    citations = (
        [Citation(1, "Add users", "Add users › Steps", "https://x/en/a#s", lang, 0.9, "a")]
        if found
        else []
    )
    return Answer(uuid.uuid4().hex, question, "text", citations, lang, confident=found)


@pytest.fixture
def log(tmp_path: Path) -> QuestionLog:
    return QuestionLog(f"sqlite:///{tmp_path / 'nested' / 'questions.db'}")


def test_the_database_is_created_in_wal_mode(log: QuestionLog, tmp_path: Path) -> None:
    log.record(make_answer("How?"), "page")
    with sqlite3.connect(tmp_path / "nested" / "questions.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        row = conn.execute(
            "SELECT question, language, confident, citations, cited_articles, channel, admin "
            "FROM questions"
        ).fetchone()
    assert row == ("How?", "en", 1, 1, '["a"]', "page", 0)


def test_unanswered_and_down_voted_questions_are_reported_most_frequent_first(
    log: QuestionLog,
) -> None:
    for _ in range(3):
        log.record(make_answer("What is the weather?", found=False), "api")
    log.record(make_answer("what is the  weather"), "page")
    downed = make_answer("How do I add a user?")
    log.record(downed, "widget")
    assert log.record_feedback(downed.id, "down", "wrong section")
    liked = make_answer("How do I create a project?")
    log.record(liked, "page")
    assert log.record_feedback(liked.id, "up")

    rows = log.report()
    assert [(r.asked, r.unanswered, r.down_votes) for r in rows] == [(4, 3, 0), (1, 0, 1)]
    assert rows[1].question == "How do I add a user?"
    assert isinstance(rows[0].last_asked, datetime)
    assert len(log.report(limit=1)) == 1


def test_a_vote_on_an_unknown_answer_is_refused(log: QuestionLog) -> None:
    assert log.record_feedback("0" * 32, "down") is False


def test_repeats_are_counted_together() -> None:
    assert normalize_question("  How do I  ADD a user??") == normalize_question(
        "how do i add a user"
    )


def test_a_bad_database_url_names_the_setting() -> None:
    with pytest.raises(ValueError, match="database_url"):
        QuestionLog("not a url")
    with pytest.raises(ValueError, match="database_url"):
        QuestionLog("nosuchdb://host/db")


def test_the_report_is_a_table() -> None:
    when = datetime(2026, 1, 2, 3, 4)
    table = format_report([ReportRow("x" * 100, "sv", 12, 3, 1, when, 2)], width=20)
    header, row = table.splitlines()
    assert header.split() == [
        "asked",
        "unanswered",
        "down",
        "unfinished",
        "lang",
        "last",
        "asked",
        "question",
    ]
    assert row.split()[:5] == ["12", "3", "1", "2", "sv"]
    assert row.endswith("x" * 19 + "…")
    assert "2026-01-02 03:04" in row
    assert format_report([]) == "No unanswered, down-voted or unfinished questions yet."


def test_an_unfinished_answer_is_reported_apart_from_the_unanswered(log: QuestionLog) -> None:
    log.record(make_answer("How do I add a user?"), "page")
    log.start(uuid.uuid4().hex, "How do I add a user", "en", "page", admin=False)
    log.record(make_answer("What is the weather?", found=False), "api")
    rows = log.report()
    assert [(r.question, r.asked, r.unanswered, r.unfinished) for r in rows] == [
        ("What is the weather?", 1, 1, 0),
        ("How do I add a user?", 2, 0, 1),
    ]


def test_a_log_from_before_unfinished_answers_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE questions (answer_id VARCHAR(64) PRIMARY KEY, asked_at DATETIME NOT "
            "NULL, question TEXT NOT NULL, normalized TEXT NOT NULL, language VARCHAR(16) NOT "
            "NULL, confident BOOLEAN NOT NULL, citations INTEGER NOT NULL, cited_articles JSON "
            "NOT NULL, channel VARCHAR(16) NOT NULL, admin BOOLEAN NOT NULL)"
        )
        conn.execute(
            "INSERT INTO questions VALUES ('a1', '2026-01-02 03:04:00', 'Old?', 'old', 'en', 0, "
            "0, '[]', 'api', 0)"
        )
    log = QuestionLog(f"sqlite:///{path}")
    log.start(uuid.uuid4().hex, "New?", "sv", "page", admin=False)
    rows = {r.question: (r.unanswered, r.unfinished) for r in log.report()}
    assert rows == {"Old?": (1, 0), "New?": (0, 1)}


def test_a_started_question_becomes_its_answer_or_is_forgotten(log: QuestionLog) -> None:
    log.start("row-1", "What is the weather?", "en", "page", admin=False)
    assert [r.unfinished for r in log.report()] == [1]
    answer = make_answer("What is the weather?", found=False)
    log.record(answer, "page", started="row-1")
    assert [(r.asked, r.unanswered, r.unfinished) for r in log.report()] == [(1, 1, 0)]
    assert log.record_feedback(answer.id, "down")
    log.start("row-2", "x" * 3000, "en", "page", admin=False)
    log.forget("row-2")
    assert [r.question for r in log.report()] == ["What is the weather?"]


def test_small_talk_is_not_reported_as_unanswered(log: QuestionLog) -> None:
    reply = small_talk("Thanks!")
    assert reply is not None
    log.record(reply, "page")
    assert log.report() == []
