"""The HTTP API's contract over real HTTP against a real `assistant serve` of the bundled
guide (fake embedder, so it runs everywhere): every bad request answered with a JSON 4xx, body
limits, CORS, framing policy and the locally served scripts and docs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.ui.conftest import Served

pytestmark = pytest.mark.integration


@pytest.fixture
def http(guide_served: Served) -> httpx.Client:
    return httpx.Client(base_url=guide_served.url, timeout=30)


BAD_ASKS: list[tuple[str, Any, int]] = [
    ("missing question", {}, 422),
    ("question not a string", {"question": 42}, 422),
    ("question null", {"question": None}, 422),
    ("empty question", {"question": ""}, 422),
    ("blank question", {"question": "   \n "}, 422),
    ("oversized question", {"question": "x" * 2001}, 422),
    ("history not a list", {"question": "hi", "history": "earlier"}, 422),
    ("history too long", {"question": "hi", "history": ["q"] * 21}, 422),
    ("history item too long", {"question": "hi", "history": ["x" * 2001]}, 422),
    ("history of numbers", {"question": "hi", "history": [1, 2]}, 422),
    ("admin not a boolean", {"question": "hi", "admin": "yes"}, 422),
    ("lang not a language tag", {"question": "hi", "lang": "../etc"}, 422),
    ("lang not a language", {"question": "hi", "lang": "xx"}, 422),
    ("unknown field", {"question": "hi", "questoin": "typo"}, 422),
    ("a list", ["hi"], 422),
    ("a string", "hi", 422),
]


@pytest.mark.parametrize(
    ("body", "status"), [(b, s) for _, b, s in BAD_ASKS], ids=[n for n, _, _ in BAD_ASKS]
)
def test_bad_ask_bodies_get_a_json_4xx(http: httpx.Client, body: Any, status: int) -> None:
    response = http.post("/api/ask", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]


def test_an_unknown_language_is_named_in_the_error(http: httpx.Client) -> None:
    response = http.post("/api/ask", json={"question": "hi", "lang": "xx"})
    assert "'xx' is not a language we know" in response.json()["error"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{", "application/json"),
        (b'{"question": "hi",}', "application/json"),
        (b"\xff\xfe not utf-8", "application/json"),
        (b"", "application/json"),
        (b"question=hi", "application/x-www-form-urlencoded"),
        (b'{"question": "hi"}', "text/plain"),
    ],
    ids=["truncated", "trailing comma", "not utf-8", "empty", "form", "text/plain"],
)
def test_unparsable_bodies_get_a_json_4xx(
    http: httpx.Client, content: bytes, content_type: str
) -> None:
    response = http.post("/api/ask", content=content, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]


def test_a_huge_body_is_refused_before_it_is_parsed(http: httpx.Client) -> None:
    response = http.post("/api/ask", json={"question": "x" * 200_000})
    assert response.status_code == 413
    assert "bytes" in response.json()["error"]


BAD_FEEDBACK: list[tuple[str, Any, int]] = [
    ("missing vote", {"answer_id": "abc"}, 422),
    ("unknown vote", {"answer_id": "abc", "vote": "meh"}, 422),
    ("comment too long", {"answer_id": "abc", "vote": "up", "comment": "x" * 2001}, 422),
    ("bad answer id", {"answer_id": "<script>", "vote": "up"}, 422),
    ("unknown answer", {"answer_id": "0" * 32, "vote": "up"}, 404),
]


@pytest.mark.parametrize(
    ("body", "status"), [(b, s) for _, b, s in BAD_FEEDBACK], ids=[n for n, _, _ in BAD_FEEDBACK]
)
def test_bad_feedback_gets_a_json_4xx(http: httpx.Client, body: Any, status: int) -> None:
    response = http.post("/api/feedback", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]


def test_wrong_methods_and_paths_under_api_get_json(http: httpx.Client) -> None:
    wrong_method = http.get("/api/ask")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.json()["error"]
    missing = http.post("/api/nothing-here", json={})
    assert missing.status_code == 404
    assert missing.json()["error"]


def test_cors_lets_only_allowed_origins_read_the_api(
    http: httpx.Client, guide_served: Served
) -> None:
    def preflight(origin: str) -> httpx.Response:
        return http.options(
            "/api/ask",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )

    allowed = preflight(guide_served.allowed_site)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == guide_served.allowed_site
    refused = preflight(guide_served.other_site)
    assert "access-control-allow-origin" not in refused.headers
    response = http.post(
        "/api/ask", json={"question": "hi"}, headers={"Origin": guide_served.allowed_site}
    )
    assert response.headers["access-control-allow-origin"] == guide_served.allowed_site


@pytest.mark.parametrize("path", ["/", "/admin/", "/widget/", "/api/ask"])
def test_every_response_limits_who_may_frame_it(
    http: httpx.Client, guide_served: Served, path: str
) -> None:
    response = http.get(path)
    port = guide_served.url.rsplit(":", 1)[1]
    assert response.headers["content-security-policy"].endswith(
        f"; frame-ancestors 'self' http://localhost:{port} http://127.0.0.1:{port} "
        f"{guide_served.allowed_site}"
    )


def test_widget_script_and_docs_are_served_locally(http: httpx.Client) -> None:
    script = http.get("/widget.js")
    assert script.headers["content-type"].startswith("application/javascript")
    assert '"Åpne hjelp"' in script.text
    assert "/*LABELS*/" not in script.text
    docs = http.get("/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.text
    spec = http.get("/openapi.json").json()
    assert {"/api/ask", "/api/feedback", "/healthz"} <= set(spec["paths"])


def test_widget_url_carries_its_theme_to_gradio(http: httpx.Client) -> None:
    response = http.get("/widget", params={"lang": "sv", "theme": "dark"})
    assert response.status_code == 307
    assert response.headers["location"] == "/widget/?lang=sv&theme=dark&__theme=dark"
