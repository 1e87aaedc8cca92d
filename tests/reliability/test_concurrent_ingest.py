"""Two ingests into one index folder: every round ends with a loadable index, and an ingest
that cannot get the folder says so in one line instead of failing with a traceback."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from filelock import FileLock

from embeddings import IndexStore
from embeddings._store import LOCK
from tests.conftest import DATA
from tests.reliability.conftest import CLI, cli_env, write_config

pytestmark = pytest.mark.integration

ROUNDS = 20
BUSY = "Error: another ingest is writing "


def ingest_rounds(config: str, corpus: str, name: str, barrier: Barrier, results: Any) -> None:
    """In a child process: for each round, edit this worker's corpus, start together with the
    other worker, run `assistant ingest` (odd rounds without waiting) and report the outcome."""
    from assistant.cli import main

    article = Path(corpus) / "en" / "guide" / "setup.mdx"
    original = article.read_text("utf-8")
    for round_ in range(ROUNDS):
        article.write_text(f"{original}\nRound {round_} of {name}.\n", "utf-8")
        wait = ["--wait", "0"] if round_ % 2 else []
        barrier.wait()
        result = CliRunner().invoke(
            main, ["--config", config, "ingest", "--quiet", corpus, *wait], catch_exceptions=True
        )
        results.put((round_, name, result.exit_code, result.output, repr(result.exception)))
        barrier.wait()  # the test checks the index between rounds


def test_twenty_rounds_of_two_ingests(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    corpora = {name: tmp_path / name for name in ("left", "right")}
    for corpus in corpora.values():
        shutil.copytree(DATA / "mdx", corpus)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3, timeout=300)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=ingest_rounds, args=(str(config), str(path), name, barrier, results))
        for name, path in corpora.items()
    ]
    for worker in workers:
        worker.start()
    store = IndexStore(tmp_path / "index")
    losers = 0
    try:
        for round_ in range(ROUNDS):
            barrier.wait()  # both started
            barrier.wait()  # both finished
            outcomes = [results.get(timeout=60) for _ in workers]
            for got_round, name, code, output, exception in outcomes:
                assert got_round == round_
                assert "Traceback" not in output and "database is locked" not in output
                if code == 0:
                    continue
                losers += 1
                assert round_ % 2, f"round {round_}: {name} waited and still failed: {output}"
                # The corpus's own warnings (a link to a missing article) may come first.
                assert output.splitlines()[-1].startswith(BUSY), (name, output, exception)
                assert output.count(BUSY) == 1, output
            assert any(code == 0 for _, _, code, _, _ in outcomes), outcomes
            loaded = store.load()
            assert loaded.chunks, f"round {round_}: empty index"
            assert any(f"Round {round_} of" in c.text for c in loaded.chunks)
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()
    assert all(worker.exitcode == 0 for worker in workers)
    assert losers <= ROUNDS // 2


def test_an_ingest_that_cannot_get_the_index_says_so_in_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "index").mkdir()
    with FileLock(tmp_path / "index" / LOCK):
        done = subprocess.run(
            [*CLI, "--config", str(config), "ingest", "--quiet", "--wait", "0.5"],
            cwd=tmp_path,
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"{BUSY}{tmp_path / 'index'}; run this one again when it has finished (waited 0.5 s)"
    )
