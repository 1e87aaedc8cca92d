"""Size limits hold on every route of a real server, not only under `/api/`: a 40 MB chat
message to the Gradio queue gets a 413 without the server's memory growing, and uploads are
refused before anything is stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import Server, write_config

pytestmark = [pytest.mark.integration]

MESSAGE_BYTES = 40 * 1024 * 1024
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def temp(tmp_path: Path) -> Path:
    return tmp_path / "gradio"


@pytest.fixture
def server(tmp_path: Path, temp: Path, serve: Callable[..., Server]) -> Server:
    return serve(write_config(tmp_path), GRADIO_TEMP_DIR=str(temp))


def _rss(server: Server) -> int:
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


def _message() -> bytes:
    payload = {"data": ["x" * MESSAGE_BYTES, None], "fn_index": 0, "session_hash": "abc123"}
    return json.dumps(payload).encode()


def _chunks() -> Iterator[bytes]:
    body = _message()
    for start in range(0, len(body), 1 << 16):
        yield body[start : start + (1 << 16)]


def test_a_huge_chat_message_gets_413_and_memory_stays(server: Server) -> None:
    before = _rss(server)
    declared = httpx.post(
        f"{server.url}/gradio_api/queue/join", content=_message(), headers=JSON, timeout=60
    )
    assert declared.status_code == 413
    chunked = httpx.post(
        f"{server.url}/gradio_api/queue/join", content=_chunks(), headers=JSON, timeout=60
    )
    assert "content-length" not in chunked.request.headers
    assert chunked.status_code == 413
    grown_kib = _rss(server) - before
    assert grown_kib < 20 * 1024, f"the server grew by {grown_kib} KiB"
    assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/widget/gradio_api/upload"])
def test_uploads_are_refused_and_nothing_is_stored(server: Server, temp: Path, path: str) -> None:
    files = {"files": ("blob.bin", b"\0" * 1024 * 1024, "application/octet-stream")}
    response = httpx.post(f"{server.url}{path}", files=files, timeout=60)
    assert response.status_code == 415
    assert response.json()["error"] == "this server takes no uploads"
    assert [p for p in temp.rglob("*") if p.is_file()] == []
