"""Gradio's own labels in the page's language. Gradio's frontend picks its locale from
`navigator.language` as its scripts start, before any `head=` script runs and whatever the page
was asked for; so each Gradio page is served with a first script that sets it to the page's."""

from __future__ import annotations

import json
import re

from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui._i18n import gradio_locale, pick_language

_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.IGNORECASE)


def locale_script(lang: str) -> str:
    """The script that makes the browser report `lang` (in Gradio's code) to the page."""
    code = json.dumps(gradio_locale(lang))
    return (
        "<script>(function () {"
        f"var code = {code};"
        'Object.defineProperty(navigator, "language", { value: code, configurable: true });'
        'Object.defineProperty(navigator, "languages", '
        "{ value: Object.freeze([code]), configurable: true });"
        "})();</script>"
    )


def with_locale(page: bytes, lang: str) -> bytes:
    """`page` with `locale_script(lang)` first in its head (unchanged without a head)."""
    head = _HEAD.search(page)
    if head is None:
        return page
    return page[: head.end()] + locale_script(lang).encode() + page[head.end() :]


class GradioLocale:
    """ASGI middleware for a mounted Gradio app: each HTML page it serves tells Gradio the
    page's language, decided as the page decides its own strings (`?lang=`, else the browser's
    Accept-Language, else English)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        lang = pick_language(
            QueryParams(scope["query_string"]).get("lang"), headers.get("accept-language")
        )
        start: Message | None = None
        body = b""

        async def send_localized(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                if Headers(raw=message["headers"]).get("content-type", "").startswith("text/html"):
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body += message.get("body", b"")
                if message.get("more_body", False):
                    return
                body = with_locale(body, lang)
                response = MutableHeaders(scope=start)
                response["content-length"] = str(len(body))
                response.add_vary_header("Accept-Language")
                await send(start)
                message = {"type": "http.response.body", "body": body, "more_body": False}
            await send(message)

        await self.app(scope, receive, send_localized)
