"""Output sanitising on its own: an index written straight from hostile raw sections (no ingest
in between to clean them) is served, and the `/api/ask` answer text, rendered as Markdown with
raw HTML allowed as a third-party widget might, carries no active markup."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from markdown_it import MarkdownIt

from corpus import Chunk
from embeddings import FakeEmbedder, IndexStore, build_index
from tests.reliability.conftest import TEMPLATE, Server, write_config

pytestmark = [pytest.mark.integration]

DOCS = TEMPLATE.split("{", 1)[0]
#: The issue's payloads, and their cousins, in the prose of a section.
HOSTILE = (
    "Descale the kettle with citric acid. [a [b] x](javascript:alert(3)) "
    "<javascript:alert(4)> <svg/onload=alert(5)> <scr<script>ipt>alert(6)</script> "
    "then rinse twice.\n\n"
    "Boil twice <img src=x onerror=alert(11)// and rinse.\n\n"
    "[phish](https://evil.example/p) ![pixel](https://evil.example/p.png) "
    "<iframe src=https://evil.example></iframe> [ref][r] https://evil.example/t?leak=1\n\n"
    "[r]: javascript:alert(12)\n\n"
    'Descaling <a href="javascript:alert(13)" onclick=alert(14)>help</a> ends here.'
)
QUESTION = "How do I descale the kettle with citric acid?"
#: Tags that rendered Markdown of a safe answer may contain.
PLAIN_TAGS = {"p", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "br", "blockquote"}


def _chunks() -> list[Chunk]:
    url = TEMPLATE.format(lang="en", id="kettle")
    # One section: the answer is then always its text.
    return [
        Chunk(
            "kettle",
            "en",
            "Descale the kettle",
            ("Descaling <img src=x onerror=alert(15)>",),
            "descaling",
            url,
            HOSTILE,
            0,
        ),
    ]


@pytest.fixture
def server(tmp_path: Path, serve: Callable[..., Server]) -> Server:
    config = write_config(tmp_path)
    build_index(_chunks(), FakeEmbedder("hashing"), IndexStore(tmp_path / "index"))
    return serve(config)


def test_the_api_answer_carries_no_active_markup(server: Server) -> None:
    body = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=30).json()
    answer = body["answer"]
    assert "Descale the kettle with citric acid." in answer, body
    assert "Boil twice" in answer and "Descaling help ends here." in answer
    for active in ("javascript:", "onerror", "onload", "onclick", "evil.example", "alert(1"):
        assert active not in answer, (active, answer)
    assert not re.search(r"<\s*[a-z!/?]", answer, re.I), answer

    html = MarkdownIt("commonmark", {"html": True}).render(answer)
    tags = set(re.findall(r"<([a-z][a-z0-9]*)", html, re.I))
    assert tags <= PLAIN_TAGS, (tags, html)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(href.startswith(DOCS) for href in hrefs), hrefs
