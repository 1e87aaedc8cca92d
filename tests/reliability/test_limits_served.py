"""The question limit on a real `assistant serve`: the API answers 429 with Retry-After, and
the chat page in Chromium asks the reader to wait in their language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.reliability.conftest import Server, write_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, serve: Callable[..., Server]) -> Server:
    return serve(write_config(tmp_path, rate_limit="2/minute"))


def test_the_api_and_the_chat_share_one_budget_per_client(server: Server, browser: Any) -> None:
    ask = {"question": "How do I set up the coffee machine?"}
    assert httpx.post(f"{server.url}/api/ask", json=ask, timeout=30).status_code == 200
    context = browser.new_context(locale="sv-SE")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{server.url}/?lang=sv")
        box = page.locator("#question textarea")
        box.fill("Hur ställer jag in kaffemaskinen?")
        box.press("Enter")
        expect(page.locator("#chat [data-testid='bot']").last).to_contain_text("Källor")
        box.fill("Och kvarnen?")
        box.press("Enter")
        expect(page.locator("[data-testid='toast-body']")).to_contain_text(
            "För många frågor på kort tid: vänta"
        )
        expect(page.locator("#chat [data-testid='bot']")).to_have_count(1)
    finally:
        context.close()
    refused = httpx.post(f"{server.url}/api/ask", json=ask, timeout=30)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
