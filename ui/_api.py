"""The HTTP API: ask, vote and health, with every bad request answered as a JSON 4xx."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant import QuestionError
from assistant._assistant import MAX_QUESTION_CHARS
from assistant._lang import language_code
from ui._limits import RateLimiter, client_address
from ui._log import QuestionLogError
from ui._service import AnswerService

MAX_BODY_BYTES = 64 * 1024
CONTENT_TYPE = "Content-Type: application/json"
MAX_HISTORY = 20
MAX_COMMENT_CHARS = 2000
_log = logging.getLogger(__name__)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AskRequest(_Strict):
    """A question, optionally in a fixed language, after earlier questions of a conversation."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    lang: str | None = Field(
        None, max_length=16, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$", examples=["sv"]
    )
    history: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] = Field(
        default_factory=list, max_length=MAX_HISTORY
    )
    admin: bool = False

    @field_validator("question")
    @classmethod
    def _not_blank(cls, question: str) -> str:
        if not question.strip():
            raise ValueError("the question is empty")
        return question

    @field_validator("lang")
    @classmethod
    def _known(cls, tag: str | None) -> str | None:
        if tag is not None and language_code(tag) is None:
            raise ValueError(f"{tag!r} is not a language we know; use a code such as sv or en")
        return tag


class CitationOut(BaseModel):
    """A numbered source of an answer."""

    n: int
    url: str
    title: str
    breadcrumb: str
    lang: str
    score: float


class AnswerOut(BaseModel):
    """An answer in Markdown with its numbered sources."""

    id: str
    answer: str
    citations: list[CitationOut]
    language: str
    confident: bool
    notice: str


class FeedbackRequest(_Strict):
    """A reader's vote on an answer."""

    answer_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    vote: Literal["up", "down"]
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS)


class FeedbackOut(BaseModel):
    """The vote as stored."""

    answer_id: str
    vote: str


class ErrorOut(BaseModel):
    """What went wrong, and for a bad body, which fields."""

    error: str
    fields: list[dict[str, str]] = []


def _error(
    status: int,
    message: str,
    fields: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": message, "fields": fields or []}, status_code=status, headers=headers
    )


def _too_large() -> HTTPException:
    return HTTPException(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")


class BodyLimit:
    """ASGI middleware for every route, the Gradio pages' included: a body that declares more
    than `MAX_BODY_BYTES` gets a 413 unread, one that declares no length (chunked) is cut off
    with a 413 as soon as it passes the cap, and uploads (multipart bodies) are refused, since
    nothing here takes files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length", "")
        refusal = None
        if headers.get("content-type", "").lower().startswith("multipart/"):
            refusal = _error(415, "this server takes no uploads")
        elif length.isdigit() and int(length) > MAX_BODY_BYTES:
            refusal = _error(413, str(_too_large().detail))
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise _too_large()
            return message

        await self.app(scope, counted, send)


class HeadAsGet:
    """ASGI middleware: HEAD is answered wherever GET is (uptime monitors send HEAD), with
    GET's status and headers and no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _rate_limited(retry_after: int) -> HTTPException:
    """The 429 answer to a client over its question limit."""
    return HTTPException(
        429,
        f"too many questions: try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


def client_of(request: Request, limiter: RateLimiter | None) -> str:
    """Who sent `request`: its peer, or the client a trusted proxy names (see `client_address`)."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    return limiter.client(peer, forwarded) if limiter else client_address(peer, forwarded)


def api_router(service: AnswerService, limiter: RateLimiter | None = None) -> APIRouter:
    """The `/api` endpoints and `/healthz`, answering with `service`; questions count against
    `limiter`."""
    router = APIRouter()
    errors: dict[int | str, dict[str, Any]] = {
        422: {"model": ErrorOut},
        400: {"model": ErrorOut},
        429: {"model": ErrorOut},
    }

    def limit_rate(request: Request) -> None:
        if limiter is None:
            return
        wait = limiter.hit(client_of(request, limiter))
        if wait is not None:
            raise _rate_limited(wait)

    @router.post(
        "/api/ask",
        response_model=AnswerOut,
        responses=errors,
        dependencies=[Depends(limit_rate)],
        tags=["api"],
    )
    def ask(body: AskRequest) -> dict[str, object]:
        """Answer a question from the docs; `lang` fixes the answer's language (default:
        detected), `history` holds the conversation's earlier questions."""
        lang = language_code(body.lang)
        return service.answer(body.question, lang, body.history, body.admin, "api").to_dict()

    @router.post(
        "/api/feedback",
        response_model=FeedbackOut,
        status_code=201,
        responses={**errors, 404: {"model": ErrorOut}, 503: {"model": ErrorOut}},
        dependencies=[Depends(limit_rate)],
        tags=["api"],
    )
    def feedback(body: FeedbackRequest, request: Request) -> FeedbackOut:
        """Vote an answer up or down, with an optional comment; a client's later vote on the
        same answer replaces its earlier one. Votes count against the question limit."""
        voter = client_of(request, limiter)
        try:
            known = service.vote(body.answer_id, body.vote, body.comment or "", voter)
        except QuestionLogError:
            raise HTTPException(
                503, "feedback cannot be stored right now; try again later", {"Retry-After": "60"}
            ) from None
        if not known:
            raise HTTPException(404, f"no answer has the id {body.answer_id!r}")
        return FeedbackOut(answer_id=body.answer_id, vote=body.vote)

    @router.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Whether the index is loaded, its counts of chunks, articles and articles per language,
        and the model."""
        health = service.health()
        return JSONResponse(health, status_code=200 if health["status"] == "ok" else 503)

    @router.api_route(
        "/api/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def unknown(rest: str, request: Request) -> JSONResponse:
        known = {"ask", "feedback"}
        if rest in known:
            return _error(405, f"use POST for /api/{rest}, not {request.method}")
        return _error(404, f"no endpoint /api/{rest}; see /docs")

    return router


def _field_error(err: Mapping[str, Any]) -> dict[str, str]:
    loc = [str(p) for p in err.get("loc", ())]
    kind = err.get("type", "")
    if kind == "json_invalid":
        detail = (err.get("ctx") or {}).get("error", "")
        return {"field": "body", "message": f"not valid JSON ({detail or err.get('msg')})"}
    if loc == ["body"] and kind in ("model_attributes_type", "dict_type", "missing"):
        return {"field": "body", "message": f"send a JSON object ({CONTENT_TYPE})"}
    field = ".".join(p for p in loc if p != "body") or "body"
    return {"field": field, "message": str(err.get("msg", ""))}


def install_error_handlers(app: FastAPI) -> None:
    """Answer bad requests and failures as JSON `{"error", "fields"}` instead of HTML or a 500
    with a traceback."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [_field_error(err) for err in exc.errors()]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return _error(422, f"invalid request: {summary}", fields)

    @app.exception_handler(QuestionError)
    async def bad_question(_request: Request, exc: QuestionError) -> JSONResponse:
        return _error(400, f"question: {exc}")

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def failure(_request: Request, exc: Exception) -> JSONResponse:
        _log.error("unhandled error", exc_info=exc)
        return _error(500, "internal error: the server log has the details")
