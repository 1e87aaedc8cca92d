"""Who may frame the pages and call the API, and what the pages may load: the
Content-Security-Policy, the other security headers and the CORS origins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_DEFAULT_PORTS = {"http": 80, "https": 443}
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


def normalize_origin(value: str) -> str:
    """`scheme://host[:port]` as a browser sends it in an Origin header; ValueError otherwise."""
    problem = (
        f"server.allowed_origins: {value!r} is not an origin; write it as "
        "scheme://host[:port], e.g. https://help.example.com or http://localhost:3000"
    )
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(problem) from exc
    scheme = parts.scheme.lower()
    if (
        scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or "*" in value
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(problem)
    try:
        host = parts.hostname.lower().encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(problem) from exc
    host = f"[{host}]" if ":" in host else host
    default_port = port in (None, _DEFAULT_PORTS[scheme])
    return f"{scheme}://{host}" if default_port else f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class EmbedPolicy:
    """The origins, besides the server's own, that may frame the widget and call the API."""

    origins: tuple[str, ...]

    @property
    def content_security_policy(self) -> str:
        """The CSP header value: the pages load only the server's own resources, and a browser
        renders them only inside these ancestors."""
        return "; ".join((*_PAGE_POLICY, " ".join(("frame-ancestors 'self'", *self.origins))))

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


class SecurityHeaders:
    """ASGI middleware that adds the policy, `nosniff` and the referrer policy to every
    response."""

    def __init__(self, app: ASGIApp, policy: EmbedPolicy) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", policy.content_security_policy.encode("latin-1")),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
