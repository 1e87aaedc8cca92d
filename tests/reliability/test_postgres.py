"""Scale-out over PostgreSQL: concurrent writers lose no row, and two `assistant serve`
processes share one question log and its feedback. Skipped without the PostgreSQL binaries or
its driver (the `postgres` extra)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.reliability.conftest import CLI, Server, cli_env, write_config
from tests.reliability.test_question_log import ROWS, write_rows
from tests.ui.conftest import free_port
from ui._log import QuestionLog

pytestmark = pytest.mark.integration
pytest.importorskip(
    "psycopg",
    reason="the PostgreSQL driver psycopg is not installed (pip install -e '.[postgres]')",
)


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    if found is None:
        pytest.skip(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return str(found)


def _as_owner(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; run them as the postgres user then.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port, with one database; its URL."""
    initdb, pg_ctl, psql = _pg_bin("initdb"), _pg_bin("pg_ctl"), _pg_bin("psql")
    folder = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    subprocess.run(
        _as_owner([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    ctl = [pg_ctl, "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60"]
    subprocess.run(_as_owner([*ctl, "-o", options, "start"]), check=True, timeout=90)
    try:
        subprocess.run(
            [
                psql,
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "-c",
                "CREATE DATABASE assistant",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/assistant"
    finally:
        subprocess.run(_as_owner([*ctl, "-m", "fast", "stop"]), timeout=60, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def test_concurrent_writers_lose_no_row(postgres: str) -> None:
    log = QuestionLog(postgres)
    with log.engine.begin() as conn:
        before = conn.execute(text("SELECT count(*) FROM questions")).scalar_one()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: write_rows(postgres, f"pg thread {n}"), range(8)))
    with log.engine.begin() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM questions")).scalar_one() == before + 8 * ROWS
        )
    log.close()


def test_two_servers_share_the_log_and_the_votes(
    postgres: str, tmp_path: Path, serve: Callable[..., Server]
) -> None:
    config = write_config(tmp_path, database_url=postgres)
    first = serve(config, name="first")
    second = serve(config, name="second")
    questions = {
        "How do I descale the espresso unit quickly?": (first, second),
        "Where is the unicorn stable located?": (second, first),
    }
    for question, (ask_on, vote_on) in questions.items():
        asked = httpx.post(f"{ask_on.url}/api/ask", json={"question": question}, timeout=30)
        assert asked.status_code == 200
        vote = {"answer_id": asked.json()["id"], "vote": "down"}
        assert httpx.post(f"{vote_on.url}/api/feedback", json=vote, timeout=30).status_code == 201
    report = subprocess.run(
        [*CLI, "--config", str(config), "report", "--limit", "10000"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        check=True,
    ).stdout
    for question in questions:
        line = next(line for line in report.splitlines() if line.endswith(question))
        asked_count, _unanswered, down = line.split()[:3]
        assert (asked_count, down) == ("1", "1"), report
