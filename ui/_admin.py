"""The operators' API: re-ingest the corpus and read the report, behind a bearer token."""

from __future__ import annotations

import dataclasses
import hmac
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.exceptions import HTTPException

from embeddings import IndexProblem
from ui._limits import RateLimiter
from ui._log import QuestionLogError
from ui._service import AnswerService

#: The environment variable that holds the token; without it the admin API does not exist.
ADMIN_TOKEN_ENV = "ASSISTANT_ADMIN_TOKEN"
#: Wrong tokens a client may send before the admin API answers it 429 for a while.
WRONG_TOKENS = "5/minute"


def wrong_token_limiter(
    trusted_proxies: tuple[str, ...] = (), storage: str = "memory://"
) -> RateLimiter:
    """The per-client budget of wrong admin tokens (`WRONG_TOKENS`)."""
    return RateLimiter(WRONG_TOKENS, 5, trusted_proxies, storage, namespace="admin-token")


_log = logging.getLogger(__name__)


class Reindexer:
    """Runs `ingest(*corpora)` in a background thread, one at a time, then swaps the new index
    in; `corpora` are the names it accepts (any when empty)."""

    def __init__(
        self,
        service: AnswerService,
        ingest: Callable[..., object],
        corpora: Sequence[str] = (),
    ) -> None:
        self.service = service
        self.ingest = ingest
        self.corpora = tuple(corpora)
        self.state = "idle"
        self._lock = threading.Lock()

    def start(self, *corpora: str) -> bool:
        """Start a re-ingest of `corpora` (default: all configured); False when one is
        already running."""
        with self._lock:
            if self.state == "running":
                return False
            self.state = "running"
        threading.Thread(target=self._run, args=corpora, name="reindex", daemon=True).start()
        return True

    def _run(self, *corpora: str) -> None:
        _log.info("re-ingest of %s started by the admin API", ", ".join(corpora) or "all corpora")
        try:
            self.ingest(*corpora)
            self.service.refresh()
        except IndexProblem as exc:  # e.g. another ingest holds the index: one line says so
            _log.error("re-ingest failed, the current index keeps serving: %s", exc)
            self.state = "failed"
        except Exception:  # an operator action must not kill the server; the log says why
            _log.exception("re-ingest failed; the current index keeps serving")
            self.state = "failed"
        else:
            self.state = "done"


def admin_router(
    service: AnswerService, token: str, reindexer: Reindexer, wrong_tokens: RateLimiter
) -> APIRouter:
    """`POST /api/admin/reindex` and `GET /api/admin/report`, for `Authorization: Bearer
    <token>` only (401 otherwise, logged; 429 once a client spent `wrong_tokens`)."""
    expected = f"Bearer {token}".encode()

    def authorize(request: Request) -> None:
        peer = request.client.host if request.client else None
        client = wrong_tokens.client(peer, request.headers.get("x-forwarded-for"))
        wait = wrong_tokens.wait(client)
        if wait is not None:
            raise HTTPException(
                429,
                f"too many wrong admin tokens: try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            wrong_tokens.count(client)
            _log.warning("wrong admin token from %s on %s", client, request.url.path)
            raise HTTPException(
                401,
                "send the admin token as Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(authorize)])

    @router.post("/reindex", status_code=202)
    def reindex(corpus: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, str]:
        """Re-ingest the configured corpora in the background, or only `?corpus=NAME` while
        the others stay indexed; the server switches to the new index when it is written.
        `running` when a re-ingest was already under way."""
        if corpus is not None and reindexer.corpora and corpus not in reindexer.corpora:
            raise HTTPException(
                404, f"no corpus named {corpus!r}; configured: {', '.join(reindexer.corpora)}"
            )
        started = reindexer.start(corpus) if corpus else reindexer.start()
        return {"status": "started" if started else "running"}

    @router.get("/reindex")
    def reindex_status() -> dict[str, str]:
        """The state of the last re-ingest: idle, running, done or failed."""
        return {"status": reindexer.state}

    @router.get("/report")
    def report(limit: Annotated[int, Query(ge=1, le=10_000)] = 20) -> list[dict[str, object]]:
        """The questions most often left unanswered or voted down, as in `assistant report`."""
        try:
            rows = service.log.report(limit)
        except QuestionLogError as exc:
            _log.error("%s", exc)
            raise HTTPException(
                503, "the question log is unavailable; see the server log"
            ) from None
        return [dataclasses.asdict(row) for row in rows]

    return router
