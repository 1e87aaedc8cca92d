"""The assembled app in-process: pages, loader, API, CSP and CORS (fake embedder)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ui import create_app
from ui._policy import embed_policy
from ui._service import AnswerService

INTRANET = "https://intranet.example.com"


@pytest.fixture
def client(service: AnswerService) -> Iterator[TestClient]:
    with TestClient(create_app(service, embed_policy([INTRANET], 7860))) as client:
        yield client


def test_pages_are_served_with_the_frame_ancestors_policy(client: TestClient) -> None:
    expected = f"frame-ancestors 'self' http://localhost:7860 http://127.0.0.1:7860 {INTRANET}"
    for path in ("/", "/admin/", "/widget/", "/widget.js", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"].endswith(f"; {expected}"), path


def test_preflight_from_an_allowed_origin_is_answered(client: TestClient) -> None:
    headers = {"Origin": INTRANET, "Access-Control-Request-Method": "POST"}
    response = client.options("/api/ask", headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == INTRANET
    assert "POST" in response.headers["access-control-allow-methods"]


def test_preflight_from_any_other_origin_is_refused(client: TestClient) -> None:
    for origin in ("https://evil.example", "http://localhost:3000", "http://127.0.0.1:7861"):
        headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        response = client.options("/api/ask", headers=headers)
        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers


def test_ask_and_vote_round_trip(client: TestClient) -> None:
    answer = client.post("/api/ask", json={"question": "How do I set up the coffee machine?"})
    assert answer.status_code == 200
    vote = client.post("/api/feedback", json={"answer_id": answer.json()["id"], "vote": "up"})
    assert vote.status_code == 201


def test_bad_json_names_the_problem(client: TestClient) -> None:
    response = client.post(
        "/api/ask", content=b'{"question": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"].startswith("invalid request: body: not valid JSON")
    plain = client.post("/api/ask", content=b"hi", headers={"Content-Type": "text/plain"})
    assert plain.json()["fields"] == [
        {"field": "body", "message": "send a JSON object (Content-Type: application/json)"}
    ]


def test_head_is_answered_wherever_get_is(client: TestClient) -> None:
    for path in ("/", "/admin/", "/widget/", "/widget.js", "/healthz", "/guide/en/index"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
    assert client.head("/no-such-page").status_code == 404


def test_the_widget_learns_whether_its_site_may_frame_it(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    allowed = client.get("/widget/embed-check", headers={"Origin": INTRANET})
    assert allowed.json() == {"allowed": True}
    assert allowed.headers["access-control-allow-origin"] in ("*", INTRANET)
    assert client.get("/widget/embed-check").json() == {"allowed": True}  # same origin
    with caplog.at_level("WARNING", logger="ui._policy"):
        for _ in range(3):
            refused = client.get("/widget/embed-check", headers={"Origin": "https://shop.example"})
            assert refused.json() == {"allowed": False}
            assert refused.headers["access-control-allow-origin"] == "*"
        client.get(
            "/widget/",
            headers={"Sec-Fetch-Dest": "iframe", "Referer": "https://blog.example/post?id=1"},
        )
        client.get("/widget/", headers={"Sec-Fetch-Dest": "iframe", "Referer": f"{INTRANET}/"})
    refusals = [r.getMessage() for r in caplog.records if "allowed_origins" in r.getMessage()]
    assert len(refusals) == 2, refusals
    assert "'https://shop.example'" in refusals[0]
    assert "'https://blog.example'" in refusals[1]


@pytest.mark.parametrize(
    ("path", "accept", "locale"),
    [
        ("/?lang=sv", "en-US,en;q=0.9", "sv"),
        ("/admin/?lang=no", "sv-SE", "nb"),
        ("/widget/?lang=da&accent=%23ff0000", "de", "da"),
        ("/", "fi-FI,fi;q=0.9,en;q=0.5", "fi"),
        ("/?lang=en", "sv-SE,sv;q=0.9", "en"),
        ("/?lang=xx", "pl, de;q=0.5", "de"),
    ],
)
def test_a_page_tells_gradio_its_language_before_gradio_starts(
    client: TestClient, path: str, accept: str, locale: str
) -> None:
    headers = {"Accept-Language": accept, "Accept-Encoding": "br, gzip"}
    page = client.get(path, headers=headers)
    head = page.text.split("<head>", 1)[1].lstrip()
    assert head.startswith(f'<script>(function () {{var code = "{locale}";'), head[:120]
    assert head.index("navigator") < head.index('type="module"')
    assert "accept-language" in page.headers["vary"].lower()
    assert int(page.headers.get("content-length", len(page.content))) == len(page.content)
    assert client.head(path, headers=headers).headers["content-type"].startswith("text/html")
