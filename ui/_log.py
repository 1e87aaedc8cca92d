"""The question log: every question asked, its answer's outcome and the readers' votes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    create_engine,
    delete,
    desc,
    event,
    false,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from assistant import Answer

_metadata = MetaData()
_questions = Table(
    "questions",
    _metadata,
    Column("answer_id", String(64), primary_key=True),
    Column("asked_at", DateTime(timezone=True), nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("normalized", Text, nullable=False, index=True),
    Column("language", String(16), nullable=False),
    Column("confident", Boolean, nullable=False),
    Column("citations", Integer, nullable=False),
    Column("cited_articles", JSON, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("admin", Boolean, nullable=False),
    # NULL: answered. UNFINISHED: asked, and no answer written yet (or ever: the reader left,
    # answering failed, the server stopped).
    Column("outcome", String(16), nullable=True),
)
UNFINISHED = "unfinished"
_feedback = Table(
    "feedback",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(64), ForeignKey("questions.answer_id"), nullable=False, index=True),
    Column("vote", String(8), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # A digest of the voting client, so that its later vote replaces the earlier one.
    Column("voter", String(64), nullable=True),
)
_one_vote = Index("feedback_one_vote", _feedback.c.answer_id, _feedback.c.voter, unique=True)
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s?!.。？！]+$")
# C0/C1 controls (terminal escapes), line breaks and bidirectional overrides: a report row must
# show them, not let them act on the terminal or reorder the text.
_UNSAFE_CHARS = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def normalize_question(question: str) -> str:
    """The form under which repeats of a question are counted together."""
    return _TRAILING.sub("", _SPACES.sub(" ", question).strip().casefold())


@dataclass(frozen=True)
class ReportRow:
    """A question that was left unanswered, voted down or left unfinished, with how often."""

    question: str
    language: str
    asked: int
    unanswered: int
    down_votes: int
    last_asked: datetime
    unfinished: int = 0


class QuestionLogError(Exception):
    """The question log cannot be opened, read or written; the message says why in one line."""


def _reason(exc: BaseException) -> str:
    """The driver's own one-line message (`attempt to write a readonly database`)."""
    text = str(getattr(exc, "orig", None) or exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def _engine(url: str) -> tuple[Engine, Path | None]:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(
            f"database_url: {url!r} is not a database URL; use e.g. "
            "sqlite:///.assistant/questions.db or postgresql+psycopg://user@host/db"
        ) from exc
    is_file_sqlite = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    try:
        engine = create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        hint = _DRIVER_HINTS.get(
            parsed.get_backend_name(),
            f"install the driver SQLAlchemy names for {parsed.drivername}",
        )
        raise ValueError(
            f"database_url: cannot open {parsed.drivername} databases ({exc}); {hint}"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine, Path(str(parsed.database)).parent if is_file_sqlite else None


_DRIVER_HINTS = {
    "postgresql": 'pip install -e ".[postgres]" and use postgresql+psycopg://user@host/db',
    "mysql": "pip install pymysql and use mysql+pymysql://user@host/db",
}


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets the report read while the server writes; the timeout rides out short locks.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class QuestionLog:
    """Questions and feedback in the database at `url` (SQLite or anything SQLAlchemy opens).

    Every database fault surfaces as a one-line `QuestionLogError`. With `strict=False` a log
    that cannot be opened yet is still returned, with `problem` saying why, and every write
    tries to open it again, so the log comes back once the database does.
    """

    def __init__(self, url: str, strict: bool = True) -> None:
        self.engine, self._folder = _engine(url)
        self._where = make_url(url).render_as_string(hide_password=True)
        self.problem: str | None = None
        try:
            self._prepare()
        except QuestionLogError as exc:
            if strict:
                self.engine.dispose()
                raise
            self.problem = str(exc)

    def _prepare(self) -> None:
        try:
            if self._folder is not None:
                self._folder.mkdir(parents=True, exist_ok=True)
            _metadata.create_all(self.engine)
            columns = {c["name"] for c in inspect(self.engine).get_columns("feedback")}
            if "voter" not in columns:  # a database from before votes were per client
                with self.engine.begin() as conn:
                    conn.exec_driver_sql("ALTER TABLE feedback ADD COLUMN voter VARCHAR(64)")
                _one_vote.create(self.engine, checkfirst=True)
            columns = {c["name"] for c in inspect(self.engine).get_columns("questions")}
            if "outcome" not in columns:  # a database from before unfinished answers were kept
                with self.engine.begin() as conn:
                    conn.exec_driver_sql("ALTER TABLE questions ADD COLUMN outcome VARCHAR(16)")
        except (OSError, SQLAlchemyError) as exc:
            raise QuestionLogError(
                f"cannot open the question log {self._where}: {_reason(exc)}; check "
                "database_url and that its folder is writable"
            ) from exc
        self.problem = None

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if self.problem is not None:
            self._prepare()
        try:
            with self.engine.begin() as conn:
                yield conn
        except IntegrityError:
            raise  # a constraint said no: the caller knows what that means
        except SQLAlchemyError as exc:
            raise QuestionLogError(
                f"the question log {self._where} is unavailable: {_reason(exc)}"
            ) from exc

    def start(self, row: str, question: str, language: str, channel: str, admin: bool) -> None:
        """Log a question as it is asked, under the id `row`, before its answer is written: if
        the answer never is (the reader left, answering failed, the server stopped), the
        question stays in the log as unfinished."""
        with self._transaction() as conn:
            conn.execute(
                insert(_questions).values(
                    answer_id=row,
                    asked_at=datetime.now(UTC),
                    question=question,
                    normalized=normalize_question(question),
                    language=language,
                    confident=False,
                    citations=0,
                    cited_articles=[],
                    channel=channel,
                    admin=admin,
                    outcome=UNFINISHED,
                )
            )

    def record(
        self, answer: Answer, channel: str, admin: bool = False, started: str | None = None
    ) -> None:
        """Log a question with its answer's language, confidence and cited articles; the row
        `started` (see `start`) becomes this answer's when there is one."""
        cited = list(dict.fromkeys(c.doc_id or c.article_id for c in answer.citations))
        values: dict[str, Any] = {
            "answer_id": answer.id,
            "question": answer.question,
            "normalized": normalize_question(answer.question),
            "language": answer.language,
            "confident": answer.confident,
            "citations": len(answer.citations),
            "cited_articles": cited,
            "channel": channel,
            "admin": admin,
            "outcome": None,
        }
        with self._transaction() as conn:
            if started is not None:
                done = conn.execute(
                    update(_questions).where(_questions.c.answer_id == started).values(**values)
                )
                if done.rowcount:
                    return
            conn.execute(insert(_questions).values(asked_at=datetime.now(UTC), **values))

    def forget(self, row: str) -> None:
        """Remove a started question that was refused (too long, empty) rather than asked."""
        with self._transaction() as conn:
            conn.execute(delete(_questions).where(_questions.c.answer_id == row))

    def record_feedback(
        self, answer_id: str, vote: str, comment: str = "", voter: str | None = None
    ) -> bool:
        """Store a reader's vote on an answer, replacing `voter`'s earlier vote on it (the
        voter is stored as a digest only); False when no answer has that id."""
        digest = hashlib.sha256(voter.encode()).hexdigest() if voter is not None else None
        try:
            return self._store_vote(answer_id, vote, comment, digest)
        except IntegrityError:  # the same voter's simultaneous vote was stored instead
            return True

    def _store_vote(self, answer_id: str, vote: str, comment: str, digest: str | None) -> bool:
        with self._transaction() as conn:
            known = conn.execute(
                select(_questions.c.answer_id).where(_questions.c.answer_id == answer_id)
            ).first()
            if known is None:
                return False
            if digest is not None:
                conn.execute(
                    delete(_feedback).where(
                        _feedback.c.answer_id == answer_id, _feedback.c.voter == digest
                    )
                )
            conn.execute(
                insert(_feedback).values(
                    answer_id=answer_id,
                    vote=vote,
                    comment=comment,
                    created_at=datetime.now(UTC),
                    voter=digest,
                )
            )
        return True

    def report(self, limit: int = 20) -> list[ReportRow]:
        """The questions most often left unanswered or voted down, then those most often left
        unfinished, most frequent first."""
        q = _questions.c
        downs = (
            select(_feedback.c.answer_id, func.count().label("n"))
            .where(_feedback.c.vote == "down")
            .group_by(_feedback.c.answer_id)
            .subquery()
        )
        finished = q.outcome.is_(None)
        unanswered = func.sum(case((and_(finished, q.confident == false()), 1), else_=0))
        unfinished = func.sum(case((finished, 0), else_=1))
        down_votes = func.coalesce(func.sum(downs.c.n), 0)
        stmt = (
            select(
                func.max(q.question),
                func.max(q.language),
                func.count(),
                unanswered,
                down_votes,
                func.max(q.asked_at),
                unfinished,
            )
            .select_from(_questions.outerjoin(downs, downs.c.answer_id == q.answer_id))
            .group_by(q.normalized)
            .having(or_(unanswered > 0, down_votes > 0, unfinished > 0))
            .order_by(
                desc(unanswered + down_votes),
                desc(unfinished),
                desc(func.count()),
                desc(func.max(q.asked_at)),
            )
            .limit(limit)
        )
        with self._transaction() as conn:
            return [
                ReportRow(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), r[5], int(r[6]))
                for r in conn.execute(stmt)
            ]

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def visible(text: str) -> str:
    """`text` with control, line-break and bidi characters written as `\\x1b`-style escapes."""
    return _UNSAFE_CHARS.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def format_report(rows: Sequence[ReportRow], width: int = 70) -> str:
    """The report as a plain-text table for a terminal; control characters in the readers'
    text are shown escaped, never sent to the terminal."""
    if not rows:
        return "No unanswered, down-voted or unfinished questions yet."
    header = ("asked", "unanswered", "down", "unfinished", "lang", "last asked", "question")
    lines = [
        (
            str(r.asked),
            str(r.unanswered),
            str(r.down_votes),
            str(r.unfinished),
            visible(r.language),
            r.last_asked.strftime("%Y-%m-%d %H:%M"),
            question if len(question) <= width else question[: width - 1] + "…",
        )
        for r in rows
        for question in [visible(r.question)]
    ]
    widths = [max(len(row[i]) for row in (header, *lines)) for i in range(len(header) - 1)]

    def fmt(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(w) if i < 4 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ]
        return "  ".join([*cells, row[-1]])

    return "\n".join([fmt(header), *(fmt(line) for line in lines)])
