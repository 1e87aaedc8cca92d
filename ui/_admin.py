"""The operators' API: re-ingest the corpus and read the report, behind a bearer token."""

from __future__ import annotations

import dataclasses
import hmac
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.exceptions import HTTPException

from assistant._ingest import IngestReport
from assistant.settings import SettingsError
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


#: How many skipped files and warnings the status of a finished re-ingest lists.
SHOWN_PROBLEMS = 5
# Errors an operator can cause and fix (a corpus folder moved away, a bad config.yaml, another
# ingest holding the index): their message says what is wrong, so one log line is enough.
_EXPECTED = (IndexProblem, SettingsError, FileNotFoundError, ValueError)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _summary(report: IngestReport) -> dict[str, object]:
    build = report.build
    problems = [*report.skipped, *report.warnings]
    return {
        "articles": report.articles,
        "chunks": report.chunks,
        "languages": dict(sorted(report.languages.items())),
        "embedded": build.embedded if build else 0,
        "reused": build.reused if build else 0,
        "up_to_date": bool(build and build.unchanged),
        "changes": {name: dict(counts) for name, counts in report.changes.items()},
        "skipped": len(report.skipped),
        "warnings": len(report.warnings),
        "first_problems": [f"{p.path}: {p.reason}" for p in problems[:SHOWN_PROBLEMS]],
        "seconds": round(report.seconds, 1),
    }


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
        self._status: dict[str, object] = {"status": "idle"}
        self._lock = threading.Lock()

    def status(self) -> dict[str, object]:
        """The last re-ingest: its state, corpora and start time; once finished, its finish
        time and either a `summary` of what was indexed or the `error` that stopped it."""
        with self._lock:
            return dict(self._status)

    def start(self, *corpora: str) -> bool:
        """Start a re-ingest of `corpora` (default: all configured); False when one is
        already running."""
        with self._lock:
            if self._status["status"] == "running":
                return False
            names = list(corpora or self.corpora)
            self._status = {"status": "running", "corpora": names, "started": _now()}
        threading.Thread(target=self._run, args=corpora, name="reindex", daemon=True).start()
        return True

    def _run(self, *corpora: str) -> None:
        _log.info("re-ingest of %s started by the admin API", ", ".join(corpora) or "all corpora")
        outcome: dict[str, object]
        try:
            report = self.ingest(*corpora)
            self.service.refresh()
        except _EXPECTED as exc:
            error = " ".join(str(exc).split()) or type(exc).__name__
            _log.error("re-ingest failed, the current index keeps serving: %s", error)
            outcome = {"status": "failed", "error": error}
        except Exception as exc:  # an operator action must not kill the server; the log says why
            _log.exception("re-ingest failed; the current index keeps serving")
            error = f"unexpected {type(exc).__name__}; the server log has the details"
            outcome = {"status": "failed", "error": error}
        else:
            outcome = {"status": "done"}
            if isinstance(report, IngestReport):
                outcome["summary"] = summary = _summary(report)
                _log.info(
                    "re-ingest done: %s articles, %s chunks, %s embedded, %s reused, "
                    "%s skipped, %s warnings",
                    *(summary[k] for k in ("articles", "chunks", "embedded", "reused")),
                    *(summary[k] for k in ("skipped", "warnings")),
                )
        with self._lock:
            self._status = {**self._status, "finished": _now(), **outcome}


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
        given = request.headers.get("authorization")
        if given is None or not hmac.compare_digest(given.encode(), expected):
            wrong_tokens.count(client)
            problem = "wrong" if given else "missing"
            _log.warning("%s admin token from %s on %s", problem, client, request.url.path)
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
        409 while a re-ingest is under way."""
        if corpus is not None and reindexer.corpora and corpus not in reindexer.corpora:
            raise HTTPException(
                404, f"no corpus named {corpus!r}; configured: {', '.join(reindexer.corpora)}"
            )
        if not (reindexer.start(corpus) if corpus else reindexer.start()):
            since = reindexer.status().get("started")
            raise HTTPException(
                409,
                f"a re-ingest is already running (since {since}); "
                "GET /api/admin/reindex says when it has finished",
            )
        return {"status": "started"}

    @router.get("/reindex")
    def reindex_status() -> dict[str, object]:
        """The last re-ingest: `status` (idle, running, done or failed), `corpora`, `started`
        and, once finished, `finished` with a `summary` of what was indexed or the `error`."""
        return reindexer.status()

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
