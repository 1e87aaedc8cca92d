"""Database faults against a real server: a question log that cannot be written costs the
reader nothing, a vote gets a clear 503 in JSON, and the operator reads one line per fault."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from assistant import Answer
from tests.reliability.conftest import Server, write_config
from ui._log import QuestionLog

pytestmark = pytest.mark.integration

QUESTION = "How do I install the product?"


@pytest.fixture
def freeze() -> Iterator[Callable[[Path], None]]:
    """Make a file or folder unwritable even for root (`chattr +i`); undone at teardown."""
    frozen: list[Path] = []
    if os.geteuid() != 0 or not shutil.which("chattr"):
        pytest.skip("needs root and chattr to make a file immutable")

    def apply(path: Path) -> None:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"chattr +i is not supported here: {done.stderr.strip()}")
        frozen.append(path)

    yield apply
    for path in frozen:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def _ask(server: Server) -> None:
    reply = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=30)
    assert reply.status_code == 200, reply.text
    assert reply.json()["citations"]


def _problems(server: Server) -> list[str]:
    return [ln for ln in server.output().splitlines() if ln.startswith(("ERROR", "WARNING"))]


def test_an_immutable_database_costs_answers_nothing(
    tmp_path: Path, serve: Callable[..., Server], freeze: Callable[[Path], None]
) -> None:
    db = tmp_path / "questions.db"
    log = QuestionLog(f"sqlite:///{db}")
    known = Answer(uuid.uuid4().hex, QUESTION, "", [], "en", confident=True)
    log.record(known, "api")
    log.close()
    freeze(db)
    server = serve(write_config(tmp_path))

    for _ in range(3):
        _ask(server)
    vote = httpx.post(
        f"{server.url}/api/feedback", json={"answer_id": known.id, "vote": "down"}, timeout=30
    )
    assert vote.status_code == 503
    assert vote.json()["error"] == "feedback cannot be stored right now; try again later"
    _ask(server)

    output = server.output()
    assert "Traceback" not in output
    problems = _problems(server)
    assert len(problems) == 2, problems
    assert "questions are not being logged" in problems[0]
    assert "readonly database" in problems[0]
    assert f"could not store a vote on {known.id}" in problems[1]


def test_an_unwritable_database_folder_is_one_warning_at_start(
    tmp_path: Path, serve: Callable[..., Server], freeze: Callable[[Path], None]
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    freeze(folder)
    server = serve(write_config(tmp_path, database_url=f"sqlite:///{folder / 'q.db'}"))

    _ask(server)
    _ask(server)
    vote = httpx.post(
        f"{server.url}/api/feedback", json={"answer_id": "x" * 32, "vote": "up"}, timeout=30
    )
    assert vote.status_code == 503
    output = server.output()
    assert "Traceback" not in output
    problems = _problems(server)
    assert len(problems) == 2, problems
    assert problems[0].startswith("WARNING:")
    assert f"cannot open the question log sqlite:///{folder / 'q.db'}" in problems[0]
    assert "answering without logging questions" in problems[0]
    assert "could not store a vote" in problems[1]
