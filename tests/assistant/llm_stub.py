"""A scripted OpenAI-compatible chat server on a loopback port: real HTTP, real SSE."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_PIECES = re.compile(r"\s*\S+")


@dataclass
class Reply:
    """One scripted response. `pieces` are the streamed deltas (default: the words of `text`);
    `raw` is sent as the body instead of a completion; `cut_after` closes the connection after
    that many streamed pieces."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    chunk_delay: float = 0.0
    pieces: list[str] | None = None
    raw: bytes | None = None
    cut_after: int | None = None


@dataclass
class Seen:
    """A request as the server received it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _State:
    replies: list[Reply]
    requests: list[Seen] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (timeout tests) is expected: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_POST(self) -> None:
        state = self.server.state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        state.requests.append(Seen(self.path, dict(self.headers.items()), body))
        reply = state.replies.pop(0) if state.replies else Reply(status=500)
        time.sleep(reply.delay)
        try:
            if reply.status == 200 and reply.raw is None and body.get("stream"):
                self._stream(reply, state)
            else:
                self._whole(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _whole(self, reply: Reply) -> None:
        if reply.raw is not None:
            payload = reply.raw
        elif reply.status != 200:
            payload = json.dumps({"error": {"message": "scripted", "type": "stub"}}).encode()
        else:
            payload = json.dumps(
                {
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.text},
                            "finish_reason": "stop",
                        }
                    ],
                }
            ).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if reply.status == 429:
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, reply: Reply, state: _State) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = reply.pieces if reply.pieces is not None else _PIECES.findall(reply.text)
        for number, piece in enumerate(pieces):
            if number == reply.cut_after:
                self.close_connection = True
                return
            delta = {"content": piece} if number else {"role": "assistant", "content": piece}
            chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]}
            self._event(json.dumps(chunk))
            state.sent.append(time.monotonic())
            time.sleep(reply.chunk_delay)
        self._event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _event(self, data: str) -> None:
        frame = f"data: {data}\n\n".encode()
        self.wfile.write(f"{len(frame):X}\r\n".encode() + frame + b"\r\n")
        self.wfile.flush()


class StubLLMServer:
    """Serves `POST /v1/chat/completions` with the scripted replies in order (HTTP 500 once they
    run out). `requests` records what arrived; `sent` when each streamed chunk was flushed."""

    def __init__(self, replies: Sequence[Reply] = ()) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(list(replies))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL to configure, ending in /v1."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list[Seen]:
        """The requests received so far."""
        return self._server.state.requests

    @property
    def sent(self) -> list[float]:
        """`time.monotonic()` when each streamed chunk was flushed."""
        return self._server.state.sent

    def script(self, *replies: Reply) -> None:
        """Queue more replies."""
        self._server.state.replies.extend(replies)

    def __enter__(self) -> StubLLMServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def refused_url() -> str:
    """A loopback base URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
