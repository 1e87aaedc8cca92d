"""Chat models behind one protocol: any OpenAI-compatible endpoint, and a fake for tests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol, TypedDict
from urllib.parse import urlsplit, urlunsplit

import httpx

SSE_DONE = "[DONE]"
_HINTS = {
    401: "refused the API key",
    403: "refused the API key",
    404: "no such endpoint or model: check llm.base_url and llm.model",
}
_SOURCE_BLOCK = re.compile(r'<source id="1"[^>]*>\n(.*?)\n</source>', re.S)
_QUESTION_BLOCK = re.compile(r"<question>\n(.*?)\n</question>", re.S)
_FIRST_SENTENCE = re.compile(r"^.*?[.!?](?=\s|$)|^.+$", re.S)
_WORDS = re.compile(r"\s*\S+")


class ChatMessage(TypedDict):
    """One message of a chat-completions request."""

    role: Literal["system", "user", "assistant"]
    content: str


class LLMError(Exception):
    """The model gave no usable answer: timeout, refused connection, HTTP error or bad reply.

    The message names the endpoint's host and what went wrong, never the API key.
    """


class LLMClient(Protocol):
    """A chat model. Implementations raise `LLMError` for every failure."""

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        """The model's whole reply to `messages`."""
        ...

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """The model's reply to `messages`, piece by piece as it is generated."""
        ...


class OpenAICompatibleClient:
    """`POST {base_url}/chat/completions` of OpenAI, Azure OpenAI, Ollama, vLLM or llama.cpp.

    A query string in `base_url` (Azure's `?api-version=`) is kept. The key goes in the
    `Authorization: Bearer` header, and also in Azure's `api-key` header when `azure` is true
    (by default: when the host ends in `.azure.com`).
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_tokens: int = 600,
        temperature: float | None = 0.0,
        azure: bool | None = None,
    ) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"base_url {base_url!r} is not an http(s) URL such as http://localhost:11434/v1"
            )
        api_key = (api_key or "").strip()
        if not (api_key.isascii() and api_key.isprintable()):
            raise ValueError("the API key has characters that an HTTP header cannot carry")
        self.url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/chat/completions"))
        self.host = parts.netloc.rpartition("@")[2]
        self.model = model
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._key = api_key
        headers = {"Accept": "application/json, text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
            if parts.hostname.endswith(".azure.com") if azure is None else azure:
                headers["api-key"] = api_key
        self._http = httpx.Client(
            headers=headers, timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0))
        )

    def __repr__(self) -> str:
        return f"OpenAICompatibleClient(url={self.url!r}, model={self.model!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        """The model's whole reply; raises `LLMError`."""
        with self._send(messages, stream=False) as response:
            return self._whole(response)

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """The reply's text deltas as the server sends them (SSE); raises `LLMError`."""
        with self._send(messages, stream=True) as response:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                yield self._whole(response)  # a server that does not stream
                return
            try:
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:") :].strip()
                    if data == SSE_DONE:
                        return
                    delta = _choice_text(self._json(data), "delta", self.host)
                    if delta:
                        yield delta
            except httpx.HTTPError as exc:
                raise self._transport_error(exc) from None

    @contextmanager
    def _send(self, messages: Sequence[ChatMessage], stream: bool) -> Iterator[httpx.Response]:
        body: dict[str, Any] = {
            "messages": list(messages),
            "max_tokens": self.max_tokens,
            "stream": stream,
        }
        if self.model:
            body["model"] = self.model
        if self.temperature is not None:
            body["temperature"] = self.temperature
        request = self._http.build_request("POST", self.url, json=body)
        try:
            response = self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        try:
            if response.status_code >= 400:
                status = response.status_code
                hint = _HINTS.get(status, "rate limited" if status == 429 else "error")
                raise LLMError(f"{self.host}: {hint} (HTTP {status})")
            yield response
        finally:
            response.close()

    def _whole(self, response: httpx.Response) -> str:
        try:
            raw = response.read().decode("utf-8", errors="replace")
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        return _choice_text(self._json(raw), "message", self.host)

    def _json(self, raw: str) -> Any:
        try:
            return json.loads(raw)
        except ValueError:
            raise LLMError(f"{self.host}: malformed response (not JSON)") from None

    def _transport_error(self, exc: httpx.HTTPError) -> LLMError:
        if isinstance(exc, httpx.TimeoutException):
            return LLMError(f"{self.host}: no answer within {self.timeout:g} s")
        detail = str(exc).replace(self._key, "***") if self._key else str(exc)
        return LLMError(f"{self.host}: {type(exc).__name__}: {detail}")


def _choice_text(data: Any, key: str, host: str) -> str:
    """The text of the first choice (`message` or streamed `delta`); "" for an empty chunk."""
    if isinstance(data, dict) and data.get("error"):
        raise LLMError(f"{host}: the server reported an error")
    try:
        choices = data["choices"]
        if key == "delta" and not choices:
            return ""  # Azure opens a stream with a chunk of filter results only
        content = choices[0][key].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise LLMError(f"{host}: malformed response (no choices[0].{key})") from None
    if content is not None and not isinstance(content, str):
        raise LLMError(f"{host}: malformed response (content is not text)")
    return content or ""


class FakeLLM:
    """Deterministic chat model for tests: replies with `replies` in turn, then quotes the
    first sentence of source 1 citing [1] (or echoes the question when there are no sources).

    `calls` records every request; `error`, when set, is raised instead of replying.
    """

    def __init__(self, replies: Sequence[str] = (), error: LLMError | None = None) -> None:
        self.replies = list(replies)
        self.error = error
        self.calls: list[list[ChatMessage]] = []

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        """The next scripted reply, or the default one."""
        self.calls.append(list(messages))
        if self.error is not None:
            raise self.error
        return self.replies.pop(0) if self.replies else _default_reply(messages)

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """`complete`'s reply, one word at a time."""
        yield from _WORDS.findall(self.complete(messages))


def _default_reply(messages: Sequence[ChatMessage]) -> str:
    user = messages[-1]["content"]
    source = _SOURCE_BLOCK.search(user)
    if source:
        sentence = _FIRST_SENTENCE.match(source.group(1).strip())
        return f"{sentence.group(0) if sentence else ''} [1]"
    question = _QUESTION_BLOCK.search(user)
    return question.group(1) if question else user
