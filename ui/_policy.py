"""Who may frame the pages and call the API, and what the pages may load: the
Content-Security-Policy, the other security headers and the CORS origins."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.settings import normalize_origin

#: Distinct refused origins remembered (and logged); a flood of made-up ones stops here.
MAX_REFUSED_ORIGINS = 1000
_log = logging.getLogger(__name__)
# Gradio's pages need inline scripts and styles; everything else comes from the server itself,
# so nothing an answer smuggles in can load a foreign image, script or connection.
_PAGE_POLICY = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


@dataclass(frozen=True)
class EmbedPolicy:
    """The origins, besides the server's own, that may frame the widget and call the API."""

    origins: tuple[str, ...]

    @property
    def content_security_policy(self) -> str:
        """The CSP header value: the pages load only the server's own resources, and a browser
        renders them only inside these ancestors."""
        return "; ".join((*_PAGE_POLICY, " ".join(("frame-ancestors 'self'", *self.origins))))

    def allows(self, origin: str, own: str = "") -> bool:
        """Whether a page at `origin` may frame the widget (`own` is the server's origin)."""
        try:
            origin = normalize_origin(origin)
        except ValueError:
            return False
        return origin in self.origins or origin == own

    @property
    def cors_origins(self) -> list[str]:
        """The origins whose scripts may read the API's responses."""
        return list(self.origins)


def embed_policy(allowed_origins: Sequence[str], port: int) -> EmbedPolicy:
    """The policy for a server on `port`: `allowed_origins` plus both loopback names of that
    port, since 'self' covers only the exact origin a page was loaded from."""
    own = [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    origins = [normalize_origin(o) for o in allowed_origins]
    return EmbedPolicy(tuple(dict.fromkeys([*own, *origins])))


class EmbedGuard:
    """Tells whether a site may embed the widget, and logs each refused site once, so that
    the operator learns which origin to add."""

    def __init__(self, policy: EmbedPolicy) -> None:
        self.policy = policy
        self._refused: set[str] = set()
        self._lock = threading.Lock()

    def check(self, origin: str, own: str = "") -> bool:
        """Whether `origin` may frame the widget; the first refusal of an origin is logged."""
        if self.policy.allows(origin, own):
            return True
        try:
            key = normalize_origin(origin)
        except ValueError:
            key = origin[:200]
        with self._lock:
            if key in self._refused or len(self._refused) >= MAX_REFUSED_ORIGINS:
                return False
            self._refused.add(key)
        _log.warning(
            "refused to let %r embed the widget: add it to server.allowed_origins in config.yaml",
            key,
        )
        return False


def _origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, or "" when it has none."""
    parts = urlsplit(url)
    try:
        return normalize_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError:
        return ""


def request_origin(host: str, scheme: str) -> str:
    """The origin a request was addressed to (the server's own, as the browser sees it)."""
    return _origin_of(f"{scheme}://{host}") if host else ""


class SecurityHeaders:
    """ASGI middleware that adds the policy, `nosniff` and the referrer policy to every
    response; with a `guard`, a page framed by a site the policy refuses is reported to it
    (from the request's Referer)."""

    def __init__(self, app: ASGIApp, policy: EmbedPolicy, guard: EmbedGuard | None = None) -> None:
        self.app = app
        self.guard = guard
        self.headers = [
            (b"content-security-policy", policy.content_security_policy.encode("latin-1")),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.guard is not None and headers.get(b"sec-fetch-dest") == b"iframe":
            framer = _origin_of(headers.get(b"referer", b"").decode("latin-1"))
            if framer:
                host = headers.get(b"host", b"").decode("latin-1")
                self.guard.check(framer, request_origin(host, str(scope.get("scheme"))))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
