"""Security headers on a real server: every page passes its own Content-Security-Policy in
Chromium (no violation reported while the chat answers), `nosniff` and a referrer policy are
sent, and wrong admin tokens are throttled and logged without the token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.reliability.conftest import Server, write_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOKEN = "s3cret-admin-token"
PAGES = [
    "/?lang=en",
    "/admin/?lang=en",
    "/widget/?lang=en",
    "/docs",
    "/guide/en/setup/embed-widget",
]
#: Sent in a violation report and in the listener below.
REPORT_VIOLATIONS = """(() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
})();"""


@pytest.fixture
def server(tmp_path: Path, serve: Callable[..., Server]) -> Server:
    return serve(write_config(tmp_path), ASSISTANT_ADMIN_TOKEN=TOKEN)


@pytest.mark.parametrize("path", [*PAGES, "/widget.js", "/api/ask", "/healthz"])
def test_every_response_has_the_security_headers(server: Server, path: str) -> None:
    headers = httpx.get(f"{server.url}{path}", timeout=30).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    policy = {d.split()[0]: d for d in headers["content-security-policy"].split("; ")}
    assert policy["script-src"] == "script-src 'self' 'unsafe-inline'"
    assert policy["img-src"] == "img-src 'self' data: blob:"
    assert policy["connect-src"] == "connect-src 'self'"
    assert policy["style-src"] == "style-src 'self' 'unsafe-inline'"
    assert policy["frame-ancestors"].startswith("frame-ancestors 'self' ")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_works_under_its_policy(server: Server, browser: Any, path: str) -> None:
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        page.add_init_script(REPORT_VIOLATIONS)
        page.goto(f"{server.url}{path}")
        if path == "/docs":
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        elif path.startswith("/guide/"):
            expect(page.locator("h1")).to_contain_text("widget")
        else:
            page.locator("#question textarea").fill("How do I set up the coffee machine?")
            page.locator("#question textarea").press("Enter")
            expect(page.locator("#chat [data-testid='bot']").last).to_contain_text("Sources")
        page.wait_for_timeout(500)
        assert page.evaluate("window.__violations") == []
        assert [m for m in console if "Content Security Policy" in m] == []
    finally:
        context.close()


def test_wrong_admin_tokens_are_throttled_and_logged_without_the_token(server: Server) -> None:
    report = f"{server.url}/api/admin/report"
    wrong = [f"guess-{n}-abcdef" for n in range(8)]
    codes = [
        httpx.get(report, headers={"Authorization": f"Bearer {w}"}, timeout=30).status_code
        for w in wrong
    ]
    assert codes == [401] * 5 + [429] * 3
    refused = httpx.get(report, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert refused.status_code == 429, "a throttled client waits, even with the right token"
    assert int(refused.headers["Retry-After"]) >= 1
    log = server.output()
    assert log.count("wrong admin token from 127.0.0.1") == 5
    assert not any(w in log for w in wrong)
