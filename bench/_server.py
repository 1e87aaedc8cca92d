"""`assistant serve` as a subprocess on a free loopback port, over an existing index."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from embeddings import QUERY_LAYERS_FILE, Embedder, IndexStore

STARTUP_LIMIT_S = 300.0
HOST = "127.0.0.1"


@dataclass
class Server:
    """A running server: its process, its base URL and how long the first answer took."""

    process: subprocess.Popen[bytes]
    url: str
    cold_start_s: float

    def peak_rss_mb(self) -> float | None:
        """The process's peak resident set size (VmHWM) so far, in MiB."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
        return None


def free_port() -> int:
    """A currently unused loopback port."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def copy_index(index: Path, to: Path) -> Path:
    """`to`, made a copy of `index`'s current generation, and its query layers if it has them,
    without the lexical index that an ingest or a start keeps beside it (as an index built
    before it was kept)."""
    store = IndexStore(index)
    generation = store.folder(store.manifest()).name
    shutil.rmtree(to, ignore_errors=True)
    to.mkdir(parents=True)
    shutil.copy2(index / "manifest.json", to / "manifest.json")
    shutil.copytree(index / generation, to / generation, ignore=shutil.ignore_patterns("lexical-*"))
    if (index / QUERY_LAYERS_FILE).is_file():
        shutil.copy2(index / QUERY_LAYERS_FILE, to / QUERY_LAYERS_FILE)
    return to


def write_config(work: Path, index: Path, corpus: Path, embedder: Embedder, port: int) -> Path:
    """A config.yaml that serves `index` (never rebuilding it) on `port`, without the per-client
    rate limit: every benchmark request comes from one loopback client."""
    work.mkdir(parents=True, exist_ok=True)
    config = {
        "corpora": [{"path": str(corpus)}],
        "index_dir": str(index),
        "database_url": f"sqlite:///{work / 'questions.db'}",
        "embedder": {"backend": embedder.backend, "model": embedder.model},
        "server": {"host": HOST, "port": port, "rate_limit": None},
    }
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


@contextlib.contextmanager
def serving(work: Path, index: Path, corpus: Path, embedder: Embedder) -> Iterator[Server]:
    """Start the server, wait for the first answered POST /api/ask, and stop it on exit."""
    port = free_port()
    config = write_config(work, index, corpus, embedder, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    url = f"http://{HOST}:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "--config", str(config), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(work / "server.log").open("wb"),
    )
    try:
        cold = _first_answer(process, url, started)
        yield Server(process, url, cold)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


def _first_answer(process: subprocess.Popen[bytes], url: str, started: float) -> float:
    with httpx.Client(timeout=30) as client:
        while time.perf_counter() - started < STARTUP_LIMIT_S:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode} (see server.log)")
            with contextlib.suppress(httpx.TransportError):
                reply = client.post(f"{url}/api/ask", json={"question": "How do I log in?"})
                if reply.status_code == 200:
                    return time.perf_counter() - started
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {STARTUP_LIMIT_S:.0f} s")
