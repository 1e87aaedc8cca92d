"""The index under a running `assistant serve`: a new generation from `assistant ingest` or
the admin API is picked up with no failed request, a killed ingest changes nothing, and a
damaged index stops start-up with one clear line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from assistant._setup import run_ingest
from assistant.settings import load_settings
from tests.conftest import DATA
from tests.reliability.conftest import CLI, Server, cli_env, write_config
from tests.ui.conftest import free_port

pytestmark = pytest.mark.integration

NEW_ARTICLE = """---
title: Water the office plants
description: Which plants need water, and how often.
---

# Water the office plants

The ficus by the window needs a litre of water every Monday; the cactus once a month.
"""
# Runs `assistant ingest` with an embedder that announces its first batch, then hangs.
_SLOW_INGEST = """
import sys, time
from embeddings import FakeEmbedder
def hang(self, texts):
    print("embedding", flush=True)
    time.sleep(120)
FakeEmbedder.embed_passages = hang
from assistant.cli import main
main(["--config", sys.argv[1], "ingest", "--quiet"])
"""


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA / "mdx", corpus)
    return corpus


def _generation(server: Server) -> str:
    return str(httpx.get(f"{server.url}/healthz", timeout=10).json()["index"]["generation"])


def _ingest(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--config", str(config), "ingest", "--quiet"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )


def _until(check: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.2)
    return check()


def test_an_ingest_under_load_is_picked_up_without_a_failed_request(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    corpus = _corpus(tmp_path)
    server = serve(write_config(tmp_path, corpus))
    before = _generation(server)
    codes: list[int] = []
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            while not stop.is_set():
                codes.append(
                    http.post("/api/ask", json={"question": "water the plants"}).status_code
                )

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for asker in askers:
        asker.start()
    try:
        (corpus / "en" / "guide" / "plants.md").write_text(NEW_ARTICLE, "utf-8")
        done = _ingest(tmp_path / "config.yaml")
        assert done.returncode == 0, done.stderr
        assert _until(lambda: _generation(server) != before)
        time.sleep(1)
    finally:
        stop.set()
        for asker in askers:
            asker.join(timeout=60)
    assert codes and set(codes) == {200}, f"{len(codes)} requests: {sorted(set(codes))}"
    answer = httpx.post(f"{server.url}/api/ask", json={"question": "water the ficus plants"}).json()
    assert answer["citations"][0]["url"].startswith("https://docs.example.com/en/guide/plants#")


def test_a_killed_ingest_leaves_the_served_index_untouched(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    corpus = _corpus(tmp_path)
    config = write_config(tmp_path, corpus)
    server = serve(config)
    manifest = tmp_path / "index" / "manifest.json"
    before, generation = manifest.read_bytes(), _generation(server)
    (corpus / "en" / "guide" / "plants.md").write_text(NEW_ARTICLE, "utf-8")
    ingest = subprocess.Popen(
        [sys.executable, "-c", _SLOW_INGEST, str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=cli_env(),
        text=True,
    )
    try:
        assert ingest.stdout is not None
        assert ingest.stdout.readline().strip() == "embedding"
    finally:
        os.kill(ingest.pid, signal.SIGKILL)
        ingest.wait(timeout=20)
    time.sleep(2.5)  # longer than the server's index watch interval
    assert manifest.read_bytes() == before
    assert _generation(server) == generation
    asked = httpx.post(f"{server.url}/api/ask", json={"question": "coffee machine"}, timeout=30)
    assert asked.status_code == 200
    assert _ingest(config).returncode == 0, "the next ingest completes"
    assert _until(lambda: _generation(server) != generation)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    "damage",
    ["manifest.json", "vectors.faiss", "chunks.jsonl", "titles.npy", "summaries.npy"],
)
def test_a_damaged_index_stops_start_up_with_one_clear_line(tmp_path: Path, damage: str) -> None:
    config = write_config(tmp_path)
    run_ingest(load_settings(config, {}), show_progress=False)
    index = tmp_path / "index"
    target = index / damage if damage == "manifest.json" else next(index.glob(f"gen-*/{damage}"))
    _truncate(target)
    done = subprocess.run(
        [*CLI, "--config", str(config), "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    assert str(target) in errors[0]
    assert "run `assistant ingest`" in errors[0]


def test_the_admin_api_reindexes_and_never_logs_the_token(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    token = "tok-" + os.urandom(8).hex()
    corpus = _corpus(tmp_path)
    server = serve(write_config(tmp_path, corpus), ASSISTANT_ADMIN_TOKEN=token)
    generation = _generation(server)
    wrong = httpx.post(
        f"{server.url}/api/admin/reindex", headers={"Authorization": f"Bearer {token}x"}
    )
    assert wrong.status_code == 401
    (corpus / "en" / "guide" / "plants.md").write_text(NEW_ARTICLE, "utf-8")
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{server.url}/api/admin/reindex", headers=auth).status_code == 202
    assert _until(lambda: _generation(server) != generation)
    assert httpx.get(f"{server.url}/api/admin/report", headers=auth).status_code == 200
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=20)
    assert "now serving index generation" in server.output()
    assert token not in server.output()
