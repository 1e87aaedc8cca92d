"""What the pages and the API share: answer a question, log it, take a vote, report health."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from assistant import Answer, Assistant, QuestionError
from assistant._features import is_admin
from corpus import Chunk
from embeddings import IndexProblem
from ui._log import QuestionLog, QuestionLogError

_log = logging.getLogger(__name__)

#: Example questions longer than this are cut short by the page.
MAX_EXAMPLE_CHARS = 60
#: What `AnswerService.stream` yields: text as it is written, then the finished answer.
Part = str | Answer


def example_titles(
    chunks: Sequence[Chunk], lang: str, admin: bool = False, count: int = 3
) -> list[str]:
    """Titles of `count` articles in `lang` that the docs surely answer and readers most need:
    those translated into the most languages (the vendor's core, not a page for developers
    in English only), then those the docs' own pages link to most, one per top-level area
    first, the administrators' first with `admin` and last without. None when the docs lack
    `lang`: another language's titles are no question a reader of this one would ask. Titles
    several articles share ("Overview"), names ("SuperOffice CRM Suite"), one-word topics,
    long ones (cut short on the page) and index pages are left out."""
    heads = {(c.lang, c.doc_id): c for c in chunks if c.ordinal == 0}
    linked = Counter(url.split("#", 1)[0] for c in chunks for _, url in c.links)
    spread = Counter(h.doc_id for h in heads.values())
    shared = Counter(h.title.casefold() for h in heads.values())
    langs = {h.lang for h in heads.values()}
    candidates = [
        h
        for h in heads.values()
        if h.lang == lang
        and shared[h.title.casefold()] <= len(langs)
        and len(h.title.split()) > 1
        and not all(word[:1].isupper() for word in h.title.split())
        and len(h.title) <= MAX_EXAMPLE_CHARS
        and h.article_id.rsplit("/", 1)[-1] != "index"
    ]
    titles: list[str] = []
    for group in (True, False):
        ranked = sorted(
            (h for h in candidates if (is_admin(h) == admin) == group),
            key=lambda h: (-spread[h.doc_id], -linked[h.url], h.article_id),
        )
        areas: dict[str, str] = {}
        for head in ranked:
            areas.setdefault(head.article_id.split("/", 1)[0], head.title)
        titles += [*areas.values(), *(h.title for h in ranked)]
    return list(dict.fromkeys(titles))[:count]


class AnswerService:
    """Answers questions with an `Assistant` and logs every one in a `QuestionLog`."""

    def __init__(self, assistant: Assistant, log: QuestionLog) -> None:
        self.assistant = assistant
        self.log = log
        self.ready = False
        self._log_failing = log.problem is not None
        self._titles_lock = threading.Lock()
        self._titles_of = ""  # the index generation the titles are of
        self._titles: dict[tuple[str, bool, int], list[str]] = {}

    def warm_up(self) -> None:
        """Load the index and the model before the first question."""
        self.assistant.warm_up()
        self.ready = True

    def stream(
        self,
        question: str,
        lang: str | None = None,
        history: Sequence[str] = (),
        admin: bool = False,
        channel: str = "api",
        reader_lang: str | None = None,
    ) -> Iterator[Part]:
        """Text deltas of the answer as they are written, then the logged `Answer`.

        Extractive answers arrive whole, so without an LLM this yields only the `Answer`. The
        question is logged before it is answered, so that one whose answer is never finished
        (the reader stops reading, answering fails, the server stops) stays logged as
        unfinished; a refused one (`QuestionError`) is removed.
        """
        started = self._start(question, lang, channel, admin, reader_lang)
        try:
            for part in self.assistant.ask_stream(
                question, lang=lang, history=history, admin=admin, reader_lang=reader_lang
            ):
                if isinstance(part, Answer):
                    self._logged(functools.partial(self.log.record, part, channel, admin, started))
                yield part
        except QuestionError:
            self._logged(lambda: self.log.forget(started))
            raise

    def answer(
        self,
        question: str,
        lang: str | None = None,
        history: Sequence[str] = (),
        admin: bool = False,
        channel: str = "api",
    ) -> Answer:
        """The finished, logged answer to `question` (blocking: call it off the event loop)."""
        for part in self.stream(question, lang, history, admin, channel):
            if isinstance(part, Answer):
                return part
        raise RuntimeError("the answer stream ended without an answer")

    def refresh(self) -> bool:
        """Swap in the index on disk when an ingest has written a new generation; True when
        it did. In-flight questions finish on the index they started with, and a new index
        that cannot be loaded leaves the current one serving."""
        try:
            current = self.assistant.retriever.index.manifest.generation
            if self.assistant.store.manifest().generation == current:
                return False
            self.assistant.reload()
        except IndexProblem as exc:
            _log.error("kept the current index: %s", exc)
            return False
        _log.info("now serving index generation %s", self.assistant.store.manifest().generation)
        return True

    def watch(self, interval: float, stop: threading.Event) -> threading.Thread:
        """Check for a new index every `interval` seconds until `stop` is set."""

        def loop() -> None:
            while not stop.wait(interval):
                self.refresh()

        thread = threading.Thread(target=loop, name="index-watch", daemon=True)
        thread.start()
        return thread

    def titles(self, lang: str, admin: bool = False, count: int = 3) -> list[str]:
        """Titles of `count` articles in `lang` (none when the docs lack it) to show as
        example questions: see `example_titles`, computed once per index generation."""
        index = self.assistant.retriever.index
        key = (lang, admin, count)
        with self._titles_lock:
            if self._titles_of != index.manifest.generation:
                self._titles_of, self._titles = index.manifest.generation, {}
            if key not in self._titles:
                self._titles[key] = example_titles(index.chunks, lang, admin, count)
            return self._titles[key]

    def vote(self, answer_id: str, vote: str, comment: str = "", voter: str | None = None) -> bool:
        """Store a reader's vote, replacing `voter`'s earlier one on the same answer; False
        when the answer id is unknown, `QuestionLogError` (logged in one line) when the
        database cannot take it."""
        try:
            return self.log.record_feedback(answer_id, vote, comment, voter)
        except QuestionLogError as exc:
            _log.error("could not store a vote on %s: %s", answer_id, exc)
            raise

    def health(self) -> dict[str, Any]:
        """Whether the index is loaded, what it holds and which model embeds the questions."""
        try:
            manifest = (
                self.assistant.retriever.index.manifest
                if self.ready
                else self.assistant.store.manifest()
            )
        except IndexProblem as exc:
            return {"status": "unavailable", "error": str(exc)}
        return {
            "status": "ok" if self.ready else "loading",
            "index": {
                "loaded": self.ready,
                "generation": manifest.generation,
                "chunks": manifest.chunks,
                "articles": manifest.articles,
                "languages": manifest.languages,
            },
            "model": {"backend": manifest.backend, "name": manifest.model},
        }

    def _start(
        self, question: str, lang: str | None, channel: str, admin: bool, reader_lang: str | None
    ) -> str:
        """Log the question before it is answered, in the language it will be answered in
        (detected once more here, 0.5 ms, so that an unfinished one has it too); the id of its
        row."""
        row = uuid.uuid4().hex
        language = lang or ""
        if not language:
            # The index may be what fails: then the language stays unknown until answered.
            with contextlib.suppress(IndexProblem):
                language = self.assistant.question_languages(question, reader_lang)[0]
        self._logged(lambda: self.log.start(row, question, language, channel, admin))
        return row

    def _logged(self, write: Callable[[], None]) -> None:
        # A reader still gets the answer when the log is down; the operator sees why once,
        # and again when it recovers, not once per question.
        try:
            write()
        except (QuestionLogError, SQLAlchemyError) as exc:
            if not self._log_failing:
                _log.error("questions are not being logged: %s", exc)
            self._log_failing = True
            return
        if self._log_failing:
            _log.info("questions are logged again")
        self._log_failing = False
