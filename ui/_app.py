"""One FastAPI app: the Gradio pages, the widget loader and the HTTP API, and how to serve it."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.middleware import Middleware

from assistant import open_assistant
from assistant._ingest import IngestReport
from assistant._setup import ingest_targets
from assistant.settings import BUILTIN, Settings
from ui._admin import ADMIN_TOKEN_ENV, Reindexer, admin_router, wrong_token_limiter
from ui._api import BodyLimit, HeadAsGet, api_router, install_error_handlers
from ui._chat import (
    ADMIN_PAGE,
    CHAT_PAGE,
    WIDGET,
    Examples,
    build_page,
)
from ui._guide import guide_page
from ui._head import page_css, page_head
from ui._i18n import LANGUAGES, gradio_translations, strings
from ui._limits import RateLimiter
from ui._locale import GradioLocale
from ui._log import QuestionLog
from ui._policy import EmbedGuard, EmbedPolicy, SecurityHeaders, embed_policy, request_origin
from ui._service import AnswerService

_STATIC = Path(__file__).parent / "static"
INDEX_WATCH_SECONDS = 2.0
_SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "sans-serif"]
_MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


@cache
def widget_script() -> str:
    """The widget loader with the launcher's labels in every language filled in."""
    labels = {
        lang: {k: strings(lang)[k] for k in ("open_help", "close_help", "widget_title", "blocked")}
        for lang in LANGUAGES
    }
    source = (_STATIC / "widget.js").read_text("utf-8")
    return source.replace("/*LABELS*/ {}", json.dumps(labels, ensure_ascii=False))


def _redirect(path: str, request: Request) -> RedirectResponse:
    params = dict(request.query_params)
    if params.get("theme") in ("light", "dark"):
        params.setdefault("__theme", params["theme"])
    return RedirectResponse(f"{path}?{urlencode(params)}" if params else path, status_code=307)


def create_app(
    service: AnswerService,
    policy: EmbedPolicy,
    limiter: RateLimiter | None = None,
    admin_token: str | None = None,
    ingest: Callable[..., object] | None = None,
    corpora: Sequence[str] = (),
    examples: Examples | None = None,
    wrong_tokens: RateLimiter | None = None,
) -> FastAPI:
    """The app: `/` chat, `/admin` for administrators, `/widget` and `/widget.js` to embed,
    `/api/*`, `/healthz` and `/docs`; framing and CORS limited to `policy`'s origins, questions
    and votes to `limiter`'s rate, request bodies to `MAX_BODY_BYTES`. With `admin_token`,
    `/api/admin/*` re-runs `ingest(*names)` for the named `corpora` (all when none is named)
    and reports, throttling wrong tokens with `wrong_tokens` (default: `wrong_token_limiter`
    in memory). HEAD is answered wherever GET is."""
    app = FastAPIOffline(
        title="Help-center assistant",
        summary="Cited answers from your help articles, in the reader's language.",
        version="0.1.0",
        redoc_url=None,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=policy.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        max_age=600,
    )
    guard = EmbedGuard(policy)
    app.add_middleware(SecurityHeaders, policy=policy, guard=guard)
    app.add_middleware(BodyLimit)
    app.add_middleware(HeadAsGet)
    install_error_handlers(app)
    if admin_token:
        reindexer = Reindexer(service, ingest or service.refresh, corpora)
        proxies = limiter.trusted_proxies if limiter else ()
        throttle = wrong_tokens or wrong_token_limiter(proxies)
        app.include_router(admin_router(service, admin_token, reindexer, throttle))
    app.include_router(api_router(service, limiter))

    @app.get("/widget.js", include_in_schema=False)
    def widget_js() -> Response:
        return Response(
            widget_script(),
            media_type="application/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/widget/embed-check", include_in_schema=False)
    def embed_check(request: Request) -> JSONResponse:
        # widget.js asks before framing: a refused frame shows only the browser's error page.
        origin = request.headers.get("origin")
        own = request_origin(request.headers.get("host", ""), request.url.scheme)
        allowed = origin is None or guard.check(origin, own)
        return JSONResponse(
            {"allowed": allowed},
            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
        )

    @app.get("/guide/{lang}/{path:path}", include_in_schema=False)
    def guide(lang: str, path: str) -> Response:
        page = guide_page(lang, path)
        if page is None:
            return Response("No such guide page.", status_code=404, media_type="text/plain")
        return HTMLResponse(page)

    @app.get("/widget", include_in_schema=False)
    def widget_redirect(request: Request) -> RedirectResponse:
        return _redirect("/widget/", request)

    @app.get("/admin", include_in_schema=False)
    def admin_redirect(request: Request) -> RedirectResponse:
        return _redirect("/admin/", request)

    theme = gr.themes.Soft(primary_hue="blue", font=_SYSTEM_FONTS, font_mono=_MONO_FONTS)
    i18n = gr.I18n(**gradio_translations())
    # The catch-all "/" goes last: a mount matches every path below it.
    for path, kind, css, head in (
        ("/widget", WIDGET, page_css(widget=True), page_head(widget=True)),
        ("/admin", ADMIN_PAGE, page_css(), page_head()),
        ("/", CHAT_PAGE, page_css(), page_head()),
    ):
        gr.mount_gradio_app(
            app,
            build_page(service, kind, limiter, examples),
            path=path,
            footer_links=[],
            run_history=False,
            ssr_mode=False,
            theme=theme,
            i18n=i18n,
            css=css,
            head=head,
            max_file_size=0,  # the chat takes no files (BodyLimit refuses uploads too)
            # Innermost, so that it sees the page before Gradio's own middleware compresses it.
            app_kwargs={"middleware": [Middleware(GradioLocale)]},
        )
    return app


def _log_to_stderr() -> None:
    # uvicorn configures only its own loggers; the index swaps and admin actions matter too.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    for name in ("ui", "assistant", "embeddings"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)


def serve(
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    on_ingest: Callable[[IngestReport], None] | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Build the index if there is none, warm the model up, then serve `create_app` until
    interrupted, switching to a new index as soon as an `assistant ingest` writes one. The
    admin API is on when the environment variable `ASSISTANT_ADMIN_TOKEN` is set."""
    host = host or settings.server.host
    port = port or settings.server.port
    _log_to_stderr()
    policy = embed_policy(settings.server.allowed_origins, port)
    # Answers matter more than their log: without a writable database, serve and say so once.
    log = QuestionLog(settings.database_url, strict=False)
    if log.problem:
        logging.getLogger(__name__).warning("%s; answering without logging questions", log.problem)
    service = AnswerService(open_assistant(settings, on_ingest=on_ingest), log)
    service.warm_up()
    server = settings.server
    proxies, storage = tuple(server.trusted_proxies), server.rate_limit_storage
    limiter = RateLimiter(server.rate_limit, server.rate_burst, proxies, storage)
    app = create_app(
        service,
        policy,
        limiter,
        admin_token=os.environ.get(ADMIN_TOKEN_ENV, "").strip() or None,
        ingest=lambda *names: ingest_targets(settings, names),
        corpora=[c.name for c in settings.corpora],
        examples=Examples(
            settings.ui.examples,
            settings.ui.admin_examples,
            guide_only=all(c.path == BUILTIN for c in settings.corpora),
        ),
        wrong_tokens=wrong_token_limiter(proxies, storage),
    )
    if on_ready:
        on_ready(f"http://{host}:{port}")
    stop = threading.Event()
    service.watch(INDEX_WATCH_SECONDS, stop)
    try:
        # uvicorn would take X-Forwarded-For from any loopback peer; only the configured
        # trusted proxies may name the client (see `client_address`).
        uvicorn.run(
            app, host=host, port=port, access_log=False, log_level="info", proxy_headers=False
        )
    finally:
        stop.set()
        log.close()
