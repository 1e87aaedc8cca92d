"""Output safety in headless Chromium: a help article full of script vectors, asked about in
the chat page and the widget, never runs script, and citations link only to the docs site."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import DATA
from tests.reliability.conftest import TEMPLATE, Server, write_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTION = "How do I descale the kettle when limescale stays?"
DOCS = TEMPLATE.split("{", 1)[0]
#: Anything in the chat that could run script if the article's markup got through.
ACTIVE = "script, iframe, object, embed, [onerror], [onload], [onclick], a[href^='javascript']"


@pytest.fixture
def server(tmp_path: Path, serve: Callable[..., Server]) -> Server:
    return serve(write_config(tmp_path, DATA / "hostile"))


def test_the_api_cites_only_the_docs_site(server: Server) -> None:
    body = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=30).json()
    assert body["citations"], body
    assert all(c["url"].startswith(DOCS) for c in body["citations"])


@pytest.mark.parametrize("path", ["/?lang=en", "/widget/?lang=en"], ids=["page", "widget"])
def test_a_hostile_article_never_runs_script(server: Server, browser: Any, path: str) -> None:
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        dialogs: list[str] = []

        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(f"{server.url}{path}")
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#question textarea").press("Enter")
        bot = page.locator("#chat [data-testid='bot']").last
        expect(bot).to_contain_text("citric acid")
        expect(bot).to_contain_text("Sources")
        expect(bot).to_contain_text('<script>window.__pwned = "code"</script>')
        page.wait_for_timeout(500)  # give any injected handler time to fire

        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
        assert page.locator(f"#chat :is({ACTIVE})").count() == 0
        hrefs = bot.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
        assert hrefs, "the answer links its sources"
        assert all(href.startswith(DOCS) for href in hrefs), hrefs
    finally:
        context.close()
