"""What the pages and the API share: answer a question, log it, take a vote, report health."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from assistant import Answer, Assistant
from embeddings import IndexProblem
from ui._log import QuestionLog

_log = logging.getLogger(__name__)

#: What `AnswerService.stream` yields: text as it is written, then the finished answer.
Part = str | Answer


class AnswerService:
    """Answers questions with an `Assistant` and logs every one in a `QuestionLog`."""

    def __init__(self, assistant: Assistant, log: QuestionLog) -> None:
        self.assistant = assistant
        self.log = log
        self.ready = False

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
    ) -> Iterator[Part]:
        """Text deltas of the answer as they are written, then the logged `Answer`.

        Extractive answers arrive whole, so without an LLM this yields only the `Answer`.
        """
        for part in self.assistant.ask_stream(question, lang=lang, history=history, admin=admin):
            if isinstance(part, Answer):
                self._record(part, channel, admin)
            yield part

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

    def vote(self, answer_id: str, vote: str, comment: str = "", voter: str | None = None) -> bool:
        """Store a reader's vote, replacing `voter`'s earlier one on the same answer; False
        when the answer id is unknown."""
        return self.log.record_feedback(answer_id, vote, comment, voter)

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

    def _record(self, answer: Answer, channel: str, admin: bool) -> None:
        # A reader still gets the answer when the log is down; the operator sees why.
        try:
            self.log.record(answer, channel, admin)
        except SQLAlchemyError:
            _log.exception("could not log question %s", answer.id)
