"""Who may frame the pages and call the API: origins, the CSP header and CORS."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui._policy import SecurityHeaders, embed_policy


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
