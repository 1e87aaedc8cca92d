"""Fixtures of the reliability tests: the ui tests' in-process service, and helpers to run a
real `assistant serve` over the fake embedder (no model, so start-up takes seconds)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATA, stop_process
from tests.ui.conftest import free_port, service

__all__ = ["CLI", "Server", "cli_env", "serve", "service", "write_config"]

CLI = (sys.executable, "-m", "assistant.cli")
TEMPLATE = "https://docs.example.com/{lang}/{id}"


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a child `assistant` process: no ASSISTANT_* of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    env.update(extra)
    return env


def write_config(
    folder: Path,
    corpus: Path = DATA / "mdx",
    database_url: str | None = None,
    rate_limit: str = "null",
    server: str = "",
) -> Path:
    """A config.yaml in `folder` over `corpus` with the fake embedder and a low answer bar;
    `server` holds more `server:` settings, one `key: value` per line."""
    config = folder / "config.yaml"
    config.write_text(
        "corpora:\n"
        f"  - path: {corpus}\n"
        f'    url_template: "{TEMPLATE}"\n'
        "index_dir: index\n"
        f"database_url: {database_url or 'sqlite:///questions.db'}\n"
        "embedder:\n  backend: fake\n  model: hashing\n"
        "chunking:\n  max_tokens: 200\n  min_tokens: 10\n"
        "retrieval:\n  min_score: 0.0\n"
        f"server:\n  rate_limit: {rate_limit}\n"
        + "".join(f"  {line}\n" for line in server.splitlines()),
        "utf-8",
    )
    return config


@dataclass
class Server:
    """A running `assistant serve`."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log.read_text("utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL the server, as a crash would."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start `assistant serve --config CONFIG` on a free port, healthy; stopped at teardown."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(config: Path, name: str = "serve", **env: str) -> Server:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*CLI, "--config", str(config), "serve", "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=cli_env(**env),
            )
        procs.append(proc)
        server = Server(url, proc, log)
        deadline = time.monotonic() + 300  # a loaded 2-core machine starts slowly
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"assistant serve exited with {proc.returncode}:\n{server.output()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"assistant serve did not become healthy:\n{server.output()}")

    yield start
    for proc in procs:
        stop_process(proc)
