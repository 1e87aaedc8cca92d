"""Abuse limits: per-client question rates on the API and the chat, and clear 4xx for
oversized questions and histories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from assistant._assistant import MAX_QUESTION_CHARS
from assistant.settings import SettingsError, load_settings
from ui import create_app
from ui._api import MAX_HISTORY
from ui._chat import CHAT_PAGE, WIDGET, ChatHandlers, Conversation, PageKind
from ui._i18n import LANGUAGES, strings
from ui._limits import RateLimiter, client_address
from ui._policy import embed_policy
from ui._service import AnswerService

QUESTION = {"question": "How do I set up the coffee machine?"}
PROXY = "10.0.0.2"


@pytest.fixture
def client(service: AnswerService) -> Iterator[TestClient]:
    limiter = RateLimiter("3/minute", 10, trusted_proxies=[PROXY])
    app = create_app(service, embed_policy([], 7860), limiter)
    with TestClient(app, client=(PROXY, 50000)) as client:
        yield client


def test_the_peer_is_the_client_unless_it_is_a_trusted_proxy() -> None:
    assert client_address("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert client_address("203.0.113.9", "198.51.100.1", ["10.0.0.0/8"]) == "203.0.113.9"
    assert client_address("10.0.0.2", "198.51.100.1", ["10.0.0.0/8"]) == "198.51.100.1"
    # A client can prepend anything; only the hop the proxy appended counts.
    forged = "1.2.3.4, 198.51.100.1, 10.0.0.3"
    assert client_address("10.0.0.2", forged, ["10.0.0.0/8"]) == "198.51.100.1"
    assert client_address("10.0.0.2", None, ["10.0.0.0/8"]) == "10.0.0.2"
    assert client_address(None, None) == "unknown"


def test_a_burst_is_cut_then_the_sustained_rate() -> None:
    limiter = RateLimiter("4/minute", 2)
    assert [limiter.hit("a"), limiter.hit("a")] == [None, None]
    wait = limiter.hit("a")
    assert wait == 1
    assert limiter.hit("b") is None, "another client has its own budget"
    unlimited = RateLimiter(None, 1)
    assert all(unlimited.hit("a") is None for _ in range(100))


def test_the_rate_is_validated_and_the_environment_overrides_it(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("server:\n  rate_limit: 10/minute\n  rate_burst: 3\n", "utf-8")
    assert load_settings(config, {}).server.rate_limit == "10/minute"
    assert load_settings(config, {"ASSISTANT_RATE_LIMIT": "5/second"}).server.rate_limit == (
        "5/second"
    )
    for off in ("off", "null"):
        assert load_settings(config, {"ASSISTANT_RATE_LIMIT": off}).server.rate_limit is None
    with pytest.raises(
        SettingsError,
        match=r"ASSISTANT_RATE_LIMIT='lots' \(server\.rate_limit\): 'lots' is not a rate",
    ):
        load_settings(config, {"ASSISTANT_RATE_LIMIT": "lots"})
    config.write_text("server:\n  trusted_proxies: [proxy.local]\n", "utf-8")
    with pytest.raises(SettingsError, match=r"server\.trusted_proxies: .*not an IP address"):
        load_settings(config, {})


def test_the_api_answers_429_with_retry_after(client: TestClient) -> None:
    client_a = {"X-Forwarded-For": "198.51.100.1"}
    codes = [client.post("/api/ask", json=QUESTION, headers=client_a).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = client.post("/api/ask", json=QUESTION, headers=client_a)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"].startswith("too many questions: try again in ")
    other = client.post("/api/ask", json=QUESTION, headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 200
    assert client.get("/healthz").status_code == 200, "only questions are limited"


def test_oversized_questions_histories_and_bodies_get_a_clear_4xx(service: AnswerService) -> None:
    app = create_app(service, embed_policy([], 7860))
    with TestClient(app) as client:
        long = client.post("/api/ask", json={"question": "x" * (MAX_QUESTION_CHARS + 1)})
        assert long.status_code == 422
        assert long.json()["fields"][0]["field"] == "question"
        history = ["earlier?"] * (MAX_HISTORY + 1)
        deep = client.post("/api/ask", json={**QUESTION, "history": history})
        assert deep.status_code == 422
        assert deep.json()["fields"][0]["field"] == "history"
        huge = client.post("/api/ask", content=b"{" + b" " * 70_000 + b"}")
        assert huge.status_code == 413
        chunks = iter([b'{"question": "', b"x" * 40_000, b"x" * 40_000, b'"}'])
        streamed = client.post("/api/ask", content=chunks)
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413
        assert streamed.json()["error"].startswith("the request body is larger than")


def test_every_language_can_say_wait() -> None:
    for lang in LANGUAGES:
        assert "{seconds}" in strings(lang)["rate_limited"], lang


@pytest.mark.parametrize("kind", [CHAT_PAGE, WIDGET], ids=["page", "widget"])
def test_the_chat_asks_the_reader_to_wait_in_their_language(
    service: AnswerService, kind: PageKind
) -> None:
    handlers = ChatHandlers(service, kind, RateLimiter("1/minute", 5))
    conv = Conversation(lang="sv")
    list(handlers.respond("Hur ställer jag in kaffemaskinen?", conv))
    assert len(conv.messages) == 2
    # Outside a running page gr.Warning is a Python warning; on the page, a toast.
    with pytest.warns(UserWarning, match="^För många frågor på kort tid: vänta "):
        *_, (box, chat, _conv, _examples) = handlers.respond("Och sedan?", conv)
    assert len(chat) == 2, "no reply to vote on"
    assert box == "Och sedan?", "the question stays in the box to send again"


def _request(peer: str) -> gr.Request:
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "client": (peer, 1)}
    return gr.Request(request=Request(scope))


def test_chat_readers_are_told_apart_by_address(service: AnswerService) -> None:
    handlers = ChatHandlers(service, CHAT_PAGE, RateLimiter("1/minute", 5))
    first, second = Conversation(), Conversation()
    list(handlers.respond("coffee machine", first, _request("198.51.100.1")))
    list(handlers.respond("coffee machine", second, _request("198.51.100.2")))
    with pytest.warns(UserWarning, match="^Too many questions"):
        list(handlers.respond("and the grinder?", first, _request("198.51.100.1")))
    assert [m["role"] for m in second.messages] == ["user", "assistant"]
    assert [m["role"] for m in first.messages] == ["user", "assistant"]
