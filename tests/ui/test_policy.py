"""Who may frame the pages and call the API: origins, the CSP header and CORS."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui._policy import SecurityHeaders, embed_policy, normalize_origin


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("https://help.example.com", "https://help.example.com"),
        ("https://Help.Example.com/", "https://help.example.com"),
        ("https://help.example.com:443", "https://help.example.com"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origins_are_written_as_browsers_send_them(value: str, origin: str) -> None:
    assert normalize_origin(value) == origin


@pytest.mark.parametrize(
    "value",
    [
        "help.example.com",
        "ftp://example.com",
        "https://example.com/help",
        "https://*.example.com",
        "*",
        "https://user@example.com",
        "https://example.com:99999",
        "https://example.com/?a=1",
    ],
)
def test_anything_but_an_origin_is_refused_with_the_setting_named(value: str) -> None:
    with pytest.raises(ValueError, match=r"server\.allowed_origins"):
        normalize_origin(value)


def test_by_default_only_the_servers_own_port_on_loopback_may_frame() -> None:
    policy = embed_policy([], 7860)
    assert policy.content_security_policy.split("; ")[-1] == (
        "frame-ancestors 'self' http://localhost:7860 http://127.0.0.1:7860"
    )
    assert policy.cors_origins == ["http://localhost:7860", "http://127.0.0.1:7860"]


def test_configured_origins_are_added_once() -> None:
    policy = embed_policy(["https://intranet.example.com/", "http://127.0.0.1:7860"], 7860)
    assert policy.origins == (
        "http://localhost:7860",
        "http://127.0.0.1:7860",
        "https://intranet.example.com",
    )
    assert policy.content_security_policy.endswith(" https://intranet.example.com")


def test_the_middleware_adds_the_policy_to_every_response() -> None:
    app = Starlette(routes=[Route("/", lambda _request: PlainTextResponse("hi"))])
    client = TestClient(SecurityHeaders(app, embed_policy(["https://a.example"], 8000)))
    for path in ("/", "/missing"):
        response = client.get(path)
        header = response.headers["content-security-policy"]
        assert "; frame-ancestors 'self' " in header
        assert header.endswith("https://a.example")
        assert {"script-src", "img-src", "connect-src", "style-src"} <= {
            d.split()[0] for d in header.split("; ")
        }
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
