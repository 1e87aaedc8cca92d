"""Shared fixtures: every test runs against its own index and database under tmp_path."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from embeddings import FakeEmbedder

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SUPEROFFICE = SHARED / "corpus" / "superoffice-docs"
DOCFX = SHARED / "corpus" / "docfx-sample"
DEV_QUESTIONS = SHARED / "eval" / "dev-questions.jsonl"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point index, database and config at tmp_path so no test touches the user's data."""
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'questions.db'}")
    # A named settings file must exist: an empty one means every default.
    (tmp_path / "config.yaml").touch()
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "config.yaml"))
    for name in ("ASSISTANT_LLM_BASE_URL", "ASSISTANT_LLM_MODEL", "ASSISTANT_EMBEDDER_BACKEND"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """A deterministic embedder that loads no model."""
    return FakeEmbedder()


def need(path: Path) -> Path:
    """Skip the test when the shared real data is not beside the checkout."""
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (no downloaded browser); one per test
    session, since Playwright's sync API allows a single instance per process."""
    need(CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server a test started, killing it when it does not stop in 20 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
