"""A client cannot pick its own address: from a peer that is not a trusted proxy (loopback,
with `trusted_proxies: []`), a fresh X-Forwarded-For on every request still counts against one
budget, on the API and in the chat page driven by Chromium."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.reliability.conftest import Server, write_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BUDGET = 3
QUESTION = {"question": "How do I set up the coffee machine?"}


def _addresses() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"198.51.100.{next(counter) % 250 + 1}"


@pytest.fixture
def server(tmp_path: Path, serve: Callable[..., Server]) -> Server:
    return serve(
        write_config(tmp_path, rate_limit=f"{BUDGET}/minute", server="trusted_proxies: []")
    )


def test_rotating_forwarded_for_does_not_reset_the_api_budget(server: Server) -> None:
    fresh = _addresses()
    codes = [
        httpx.post(
            f"{server.url}/api/ask", json=QUESTION, headers={"X-Forwarded-For": fresh()}, timeout=30
        ).status_code
        for _ in range(BUDGET + 2)
    ]
    assert codes == [200] * BUDGET + [429, 429]


def test_rotating_forwarded_for_does_not_reset_the_chat_budget(
    server: Server, browser: Any
) -> None:
    fresh = _addresses()
    context = browser.new_context(locale="en-US")
    try:
        # Every request the page makes, its queue calls included, claims another client.
        context.route(
            "**/*",
            lambda route: route.continue_(
                headers={**route.request.headers, "x-forwarded-for": fresh()}
            ),
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{server.url}/?lang=en")
        box = page.locator("#question textarea")
        bot = page.locator("#chat [data-testid='bot']")
        for n in range(BUDGET):
            box.fill(f"How do I set up the coffee machine, take {n}?")
            box.press("Enter")
            expect(bot).to_have_count(n + 1)
            expect(bot.last).to_contain_text("Sources")
        box.fill("And the grinder?")
        box.press("Enter")
        expect(page.locator("[data-testid='toast-body']")).to_contain_text("Too many questions")
        expect(bot).to_have_count(BUDGET)
    finally:
        context.close()
