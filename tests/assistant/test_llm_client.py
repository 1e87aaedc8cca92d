"""The OpenAI-compatible client against a real local HTTP server with scripted replies."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant._llm import ChatMessage, LLMError, OpenAICompatibleClient
from assistant._setup import llm_from
from assistant.settings import LLMSettings, Settings, SettingsError, load_settings
from tests.assistant.llm_stub import Reply, StubLLMServer, refused_url

KEY = "sk-test-5ecret-key-0123456789"
MESSAGES: list[ChatMessage] = [
    {"role": "system", "content": "rules"},
    {"role": "user", "content": "question"},
]


@pytest.fixture
def stub() -> Iterator[StubLLMServer]:
    with StubLLMServer() as server:
        yield server


def client(url: str, **kwargs: object) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(url, "stub-model", KEY, **kwargs)  # type: ignore[arg-type]


def test_complete_posts_a_chat_completion_with_the_key(stub: StubLLMServer) -> None:
    stub.script(Reply("Hello [1]."))
    assert client(stub.url, max_tokens=99).complete(MESSAGES) == "Hello [1]."
    (seen,) = stub.requests
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert "api-key" not in {h.lower() for h in seen.headers}
    assert seen.body == {
        "model": "stub-model",
        "messages": MESSAGES,
        "max_tokens": 99,
        "stream": False,
        "temperature": 0.0,
    }


def test_a_query_string_in_the_base_url_is_kept_and_azure_gets_its_header(
    stub: StubLLMServer,
) -> None:
    stub.script(Reply("ok"))
    llm = client(f"{stub.url}/?api-version=2024-10-21", azure=True)
    assert llm.complete(MESSAGES) == "ok"
    (seen,) = stub.requests
    assert seen.path == "/v1/chat/completions?api-version=2024-10-21"
    assert seen.headers["api-key"] == KEY


def test_a_local_server_needs_no_key_nor_model(stub: StubLLMServer) -> None:
    stub.script(Reply("ok"))
    assert OpenAICompatibleClient(stub.url).complete(MESSAGES) == "ok"
    (seen,) = stub.requests
    assert "Authorization" not in seen.headers
    assert "model" not in seen.body


def test_stream_reaches_the_caller_token_by_token(stub: StubLLMServer) -> None:
    pieces = ["Open", " the", " calendar", " [1]", "."]
    stub.script(Reply(pieces=pieces, chunk_delay=0.15))
    received: list[tuple[str, float]] = []
    for delta in client(stub.url).stream(MESSAGES):
        received.append((delta, time.monotonic()))
    assert [d for d, _ in received] == pieces
    assert stub.requests[0].body["stream"] is True
    assert received[0][1] < stub.sent[-1]


def test_a_server_that_does_not_stream_still_answers_a_stream(stub: StubLLMServer) -> None:
    stub.script(Reply(raw=b'{"choices": [{"message": {"content": "whole"}}]}'))
    assert list(client(stub.url).stream(MESSAGES)) == ["whole"]


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(status=500), "error (HTTP 500)"),
        (Reply(status=503), "error (HTTP 503)"),
        (Reply(status=429), "rate limited (HTTP 429)"),
        (Reply(status=401), "refused the API key (HTTP 401)"),
        (Reply(status=404), "check llm.base_url and llm.model (HTTP 404)"),
        (Reply(raw=b"<html>gateway</html>"), "malformed response"),
        (Reply(raw=b'{"choices": []}'), "malformed response"),
        (Reply(raw=b'{"error": {"message": "overloaded"}}'), "reported an error"),
        (Reply(delay=1.0), "no answer within 0.3 s"),
    ],
)
@pytest.mark.parametrize("streaming", [False, True])
def test_failures_raise_llm_error_without_the_key(
    stub: StubLLMServer, reply: Reply, problem: str, streaming: bool
) -> None:
    stub.script(reply)
    llm = client(stub.url, timeout=0.3)
    with pytest.raises(LLMError) as caught:
        llm.complete(MESSAGES) if not streaming else list(llm.stream(MESSAGES))
    assert problem in str(caught.value)
    assert str(caught.value).startswith("127.0.0.1:")
    assert KEY not in str(caught.value)


def test_a_stream_cut_off_midway_raises_after_the_first_deltas(stub: StubLLMServer) -> None:
    stub.script(Reply(pieces=["one", " two", " three"], cut_after=2))
    received: list[str] = []
    with pytest.raises(LLMError, match="RemoteProtocolError"):
        received.extend(client(stub.url).stream(MESSAGES))
    assert received == ["one", " two"]


def test_a_stalled_stream_times_out(stub: StubLLMServer) -> None:
    stub.script(Reply(pieces=["one", " two"], chunk_delay=1.0))
    with pytest.raises(LLMError, match=r"no answer within 0\.3 s"):
        list(client(stub.url, timeout=0.3).stream(MESSAGES))


def test_connection_refused_raises_llm_error() -> None:
    with pytest.raises(LLMError, match="ConnectError"):
        client(refused_url()).complete(MESSAGES)


@pytest.mark.parametrize("bad", ["sk-abc\ndef", "sk-nyckel-å"])
def test_a_key_no_header_can_carry_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        OpenAICompatibleClient("http://127.0.0.1:1/v1", "m", bad)
    assert bad not in str(caught.value)
    settings = Settings(llm=LLMSettings(base_url="http://127.0.0.1:1/v1", api_key_env="K"))
    with pytest.raises(SettingsError, match=r"^\$K: ") as refused:
        llm_from(settings, environ={"K": bad})
    assert bad not in str(refused.value)


def test_the_key_is_not_in_the_clients_repr() -> None:
    assert KEY not in repr(client("https://user:pw@api.example.com/v1"))
    assert "pw" not in client("https://user:pw@api.example.com/v1").host


@pytest.mark.parametrize("url", ["localhost:11434/v1", "ftp://x/v1", "http:///v1"])
def test_a_bad_base_url_names_the_setting(tmp_path: Path, url: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"llm: {{base_url: '{url}', model: m}}\n", "utf-8")
    with pytest.raises(SettingsError, match=r"llm\.base_url: .* is not an http\(s\) URL"):
        load_settings(path, environ={})


def test_settings_become_a_client_with_the_key_from_the_named_variable(
    stub: StubLLMServer,
) -> None:
    assert llm_from(Settings()) is None
    settings = Settings(llm=LLMSettings(base_url=stub.url, model="m", api_key_env="MY_KEY"))
    llm = llm_from(settings, environ={"MY_KEY": KEY})
    assert isinstance(llm, OpenAICompatibleClient)
    stub.script(Reply("ok"))
    llm.complete(MESSAGES)
    assert stub.requests[0].headers["Authorization"] == f"Bearer {KEY}"
