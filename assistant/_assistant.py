"""The question-answering facade: retrieve, then answer with citations."""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from assistant._answer import extractive, message, not_found
from assistant._followup import points_back
from assistant._generate import generate, standalone_question
from assistant._lang import LanguageGuesser, reader_first
from assistant._llm import LLMClient, LLMError
from assistant._model import Answer
from assistant._retriever import Retrieval, RetrievalParams, Retriever
from assistant._smalltalk import small_talk
from embeddings import Embedder, IndexStore

MAX_QUESTION_CHARS = 2000
#: Even odds on the ranker's calibrated relevance: an extractive answer whose first article is
#: likelier wrong than right says it is only the closest match. On the tune questions, out of
#: fold (mean of three fold assignments; bench/RESULTS.md, "Decline curve"), 19.0 of the 44.3
#: answers with relevance from 0.1 to 0.5 were right, 91.7 of the 119.4 at 0.5 or above.
LIKELY = 0.5
_log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be answered as given (empty or too long)."""


class Assistant:
    """Answers questions from an index; the model and index load on `warm_up()` or first use.

    With an `llm`, answers are written by the chat model from the retrieved sections; without
    one (or when it fails) they are extractive.
    """

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        params: RetrievalParams | None = None,
        top_k: int = 5,
        llm: LLMClient | None = None,
    ) -> None:
        self.store = IndexStore(index_dir)
        self.embedder = embedder
        self.llm = llm
        self.params = params or RetrievalParams()
        self.top_k = top_k
        self.languages = LanguageGuesser(default=self.params.fallback_language)
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    @property
    def retriever(self) -> Retriever:
        """The retriever over the current index, loaded on first use."""
        with self._lock:
            if self._retriever is None:
                self._retriever = Retriever(
                    self.store.load(self.embedder), self.embedder, self.params
                )
            return self._retriever

    def warm_up(self) -> None:
        """Load the index, the model and the lexical index before the first question."""
        self.retriever.warm_up()
        self.languages.warm_up()

    def reload(self) -> None:
        """Swap in the index currently on disk (after an ingest)."""
        fresh = Retriever(self.store.load(self.embedder), self.embedder, self.params)
        fresh.warm_up()
        with self._lock:
            self._retriever = fresh

    def question_languages(self, question: str, reader_lang: str | None = None) -> list[str]:
        """The languages `question` may be written in, most likely first, weighed by the words
        each language's docs use; `reader_lang` (the language of the reader's page) first when
        it is one of them: "Skriv ut etiketter" is Swedish on a Swedish page, Norwegian on a
        Norwegian one."""
        vocabularies = self.retriever.lexical.vocabularies
        found = [code for code, _ in self.languages.candidates(question, vocabularies=vocabularies)]
        return reader_first(found, reader_lang)

    def retrieve(
        self,
        question: str,
        lang: str | None = None,
        history: Sequence[str] = (),
        top_k: int | None = None,
        admin: bool = False,
        reader_lang: str | None = None,
    ) -> tuple[Retrieval, list[str]]:
        """The ranked hits for a question and the reader's languages, most likely first.

        A follow-up is searched alone and with the previous question. The second wins when it
        is more relevant and finds another article ("And how do I delete it?") or the first
        finds nothing relevant; else the follow-up's own search picks the section, which the
        previous question would outweigh. It never wins with the previous question's own first
        article when the follow-up alone does not find that among its hits: that is a new topic
        carried by the previous question's words (bench/RESULTS.md, follow-up section). A
        follow-up that finds nothing relevant alone and has no word that points back ("it",
        "den", an opening "And") is not searched with the previous question: it is a new topic
        the docs don't cover ("How many vacation days do I have left?")."""
        question = checked_question(question)
        detected = self.question_languages(question, reader_lang)
        langs = [lang] if lang else detected
        # The words are searched in the language they are written in; a fixed answer language
        # (the API's `lang`) only decides which translation is cited.
        search = [lang, *(d for d in detected if d != lang)] if lang in detected else detected
        fixed = lang if lang and detected[0] != lang else None
        k = top_k or self.top_k
        search_for = functools.partial(
            self.retriever.retrieve, langs=search, top_k=k, admin=admin, prefer=langs, fixed=fixed
        )
        retrieval = search_for(question)
        if history and (retrieval.relevant or points_back(question, detected[0])):
            joined = search_for(f"{question} {history[-1]}")
            found = joined.hits[0].chunk.doc_id if joined.hits else None
            alone = [hit.chunk.doc_id for hit in retrieval.hits]

            def echoed() -> bool:
                """The previous question, searched in its own languages, finds `found` first."""
                own = self.question_languages(history[-1], reader_lang)
                previous = self.retriever.retrieve(history[-1], own, top_k=k, admin=admin)
                return bool(previous.hits) and previous.hits[0].chunk.doc_id == found

            if (
                found
                and joined.relevance > retrieval.relevance
                and (alone[:1] != [found] or not retrieval.relevant)
                and (found in alone or not echoed())
            ):
                retrieval = joined
        return retrieval, langs

    def ask(
        self,
        question: str,
        lang: str | None = None,
        history: Sequence[str] = (),
        top_k: int | None = None,
        admin: bool = False,
        reader_lang: str | None = None,
    ) -> Answer:
        """Answer `question` from the docs, citing numbered sources; `lang` overrides language
        detection, `reader_lang` (the reader's page language) only breaks its ties, and
        `history` holds the earlier questions of the conversation (with an LLM, a follow-up is
        first rewritten to stand alone)."""
        *_, answer = self._answers(
            question, lang, history, top_k, admin, stream=False, reader_lang=reader_lang
        )
        assert isinstance(answer, Answer)
        return answer

    def ask_stream(
        self,
        question: str,
        lang: str | None = None,
        history: Sequence[str] = (),
        top_k: int | None = None,
        admin: bool = False,
        reader_lang: str | None = None,
    ) -> Iterator[str | Answer]:
        """`ask`, streamed: yields zero or more text deltas (`str`) as the model writes, then
        exactly one `Answer` as the last item. The deltas are the model's raw text: show them
        only through `safe_markdown`, and `Answer.text` in the end, which is the joined deltas
        made safe when the model's answer is kept, and replaces them when it is not (no
        valid citation, or the model failed: then `Answer.notice` says so). Without an LLM only
        the `Answer` is yielded. Bad questions raise `QuestionError` on the first `next()`.
        """
        return self._answers(
            question, lang, history, top_k, admin, stream=True, reader_lang=reader_lang
        )

    def _answers(
        self,
        question: str,
        lang: str | None,
        history: Sequence[str],
        top_k: int | None,
        admin: bool,
        stream: bool,
        reader_lang: str | None = None,
    ) -> Iterator[str | Answer]:
        question = checked_question(question)
        follow_up = self.llm is not None and bool(history)
        if (reply := small_talk(question, lang, reader_lang, follow_up=follow_up)) is not None:
            yield reply
            return
        query, failed = question, False
        if self.llm is not None and history:
            try:
                query = standalone_question(self.llm, question, history, MAX_QUESTION_CHARS)
                history = ()
            except LLMError as exc:
                failed = True
                _log.warning("the LLM could not rewrite a follow-up question: %s", exc)
        retrieval, langs = self.retrieve(query, lang, history, top_k, admin, reader_lang)
        if not retrieval.relevant:
            yield not_found(question, langs[0], unknown=retrieval.unknown)
            return
        sure = retrieval.relevance >= LIKELY
        if self.llm is not None and not failed:
            try:
                for part in generate(self.llm, question, langs[0], retrieval.hits, query, stream):
                    if isinstance(part, Answer):
                        part = dataclasses.replace(part, confident=part.confident and sure)
                    yield part
                return
            except LLMError as exc:
                failed = True
                _log.warning("the LLM did not answer, answering from the sections: %s", exc)
        answer = extractive(
            question,
            langs[0],
            retrieval.hits,
            see_also_floor=self.params.tuned.see_also,
            body=retrieval.lead,
            sure=sure,
        )
        if failed:
            answer = dataclasses.replace(answer, notice=message(langs[0], "llm_failed"))
        yield answer


def checked_question(question: str) -> str:
    """The question with its blanks collapsed; raises `QuestionError` when empty or too long."""
    question = " ".join(question.split())
    if not question:
        raise QuestionError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}"
        )
    return question
