"""Retrieval in two stages: dense, title and lexical candidates, then a learned relevance model
that ranks them on one calibrated scale (also used to decline and for see-also)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import TypeVar

import faiss
import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

from assistant._answer import answering_section, message
from assistant._features import ArticleTable, Evidence, candidate_features
from assistant._lexical import LexicalIndex, kept_or_built
from assistant._model import Hit
from assistant._ranker import DENSE_BEST, Tuned, load_tuned
from corpus import Chunk
from embeddings import Embedder, LoadedIndex

QUERY_CACHE_SIZE = 2048
_Key = TypeVar("_Key", bound=Hashable)
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_LIST_ITEM = re.compile(r"^([ \t]*)([*+-]|\d+[.)])[ \t]")


@cache
def shipped_tuned() -> Tuned:
    """The relevance model and values shipped with the package (written by `assistant tune`)."""
    return load_tuned()


@dataclass(frozen=True)
class RetrievalParams:
    """Plain retrieval settings: `mode` hybrid (learned ranking), dense or bm25 (one side
    alone, for comparison); `min_score` overrides the tuned decline point (a relevance
    probability, 0–1)."""

    mode: str = "hybrid"
    fallback_language: str = "en"
    min_score: float | None = None
    tuned: Tuned = field(default_factory=shipped_tuned)

    @property
    def min_relevance(self) -> float:
        """Below this relevance of the best article, the docs don't cover the question."""
        return self.tuned.min_relevance if self.min_score is None else self.min_score


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits, one per article, the best relevance seen, whether it is enough to answer,
    the text to show for the first hit (its section, continued when short), and the names in
    the question that the docs never mention (or all its words, when a short question has no
    other)."""

    hits: list[Hit]
    relevance: float
    relevant: bool
    lead: str = ""
    unknown: tuple[str, ...] = ()


class _BlasGuard:
    """Single-threaded BLAS while any question is being scored, restored afterwards: one
    question is too small a job to share between threads (waking them costs more than the
    product), but the rest of the process keeps its own setting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._controller: ThreadpoolController | None = None
        self._saved: object = None

    @contextmanager
    def single(self) -> Iterator[None]:
        with self._lock:
            if self._controller is None:
                self._controller = ThreadpoolController()
            if self._active == 0:
                self._saved = self._controller.limit(limits=1, user_api="blas")
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0 and self._saved is not None:
                    self._saved.restore_original_limits()  # type: ignore[attr-defined]
                    self._saved = None


class Retriever:
    """Finds the relevant articles for a question and the section of each that answers it, in
    the reader's language when the article has it."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, params: RetrievalParams) -> None:
        self.index = index
        self.embedder = embedder
        self.params = params
        self.table = ArticleTable(index, getattr(embedder, "query_digest", ""))
        self.languages = self.table.languages
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._parts: OrderedDict[tuple[str, ...], npt.NDArray[np.float32]] = OrderedDict()
        self._blas = _BlasGuard()
        admin_heads = self.table.admin[self.table.head_doc] > 0
        projections = index.summaries[admin_heads] @ self.table.admin_direction
        self._admin_page_intent = float(np.quantile(projections, 0.9)) if admin_heads.any() else 0

    @cached_property
    def lexical(self) -> LexicalIndex:
        """The BM25 side, on first use: read from where the ingest kept it beside the index
        (built and kept there when it is missing)."""
        with self._lock:
            chunks = self.index.chunks
            return kept_or_built(
                [c.lang for c in chunks], [c.passage() for c in chunks], self.index.folder
            )

    def warm_up(self) -> None:
        """Load the model and build the lexical index now."""
        self.embedder.warm_up()
        _ = self.lexical

    def query_vector(self, question: str) -> npt.NDArray[np.float32]:
        """The question's vector; recent questions come from a cache (help centers hear the
        same questions again and again)."""

        def embed() -> npt.NDArray[np.float32]:
            vector = np.asarray(self.embedder.embed_queries([question])[0], dtype=np.float32)
            vector.flags.writeable = False
            return vector

        return self._remembered(self._queries, question, embed)

    def _remembered(
        self,
        cache: OrderedDict[_Key, npt.NDArray[np.float32]],
        key: _Key,
        make: Callable[[], npt.NDArray[np.float32]],
    ) -> npt.NDArray[np.float32]:
        """`cache[key]`, made by `make` and kept among the `QUERY_CACHE_SIZE` latest when
        missing; the model runs outside the lock."""
        with self._lock:
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
                return found
        value = make()
        with self._lock:
            cache[key] = value
            while len(cache) > QUERY_CACHE_SIZE:
                cache.popitem(last=False)
        return value

    def evidence(
        self, question: str, langs: Sequence[str], admin: bool = False
    ) -> tuple[npt.NDArray[np.float32], Evidence, dict[int, float]]:
        """The question's vector, what the index says about it, and the lexical score of every
        section BM25 found (by row)."""
        qv = self.query_vector(question)
        fallback = self.params.fallback_language
        lex_rows: dict[int, float] = {}
        lexical_rank: dict[int, int] = {}
        per_lang: dict[str, dict[int, float]] = {}
        for lang in dict.fromkeys((langs[0], fallback)):
            found: dict[int, float] = {}
            for rank, (row, score) in enumerate(self.lexical.search(question, lang)):
                lex_rows[row] = score
                if lang == langs[0]:
                    lexical_rank[row] = rank
                doc = self.table.row_doc[row]
                found[doc] = max(found.get(doc, 0.0), score)
            per_lang[lang] = found
        k = min(self.params.tuned.dense_chunks, len(self.index.chunks))
        faiss.omp_set_num_threads(1)  # per calling thread: one query is too small to share
        _, rows = self.index.faiss.search(qv[None, :], k)
        dense_rank = {int(row): rank for rank, row in enumerate(rows[0]) if row >= 0}
        intent = float(qv @ self.table.admin_direction)
        ev = Evidence(
            langs=tuple(langs),
            fallback=fallback,
            titles=self.index.titles @ qv,
            summaries=self.index.summaries @ qv,
            lexical_lang=per_lang[langs[0]],
            lexical_fallback=per_lang[fallback] if fallback != langs[0] else {},
            admin_intent=max(intent, self._admin_page_intent) if admin else intent,
            dense_rank=dense_rank,
            lexical_rank=lexical_rank,
            words=len(question.split()),
            unknown_names=self.lexical.unknown_names(question, langs[0]),
        )
        return qv, ev, lex_rows

    def domain_floor(self, lang: str) -> float | None:
        """The best-section cosine below which a question in `lang` is outside the docs'
        domain; none unless the tuned values were measured on this index's corpus."""
        tuned = self.params.tuned
        if tuned.domain != self.table.domain:
            return None
        return tuned.floor(lang, self.table.languages)

    def candidates(self, ev: Evidence) -> list[int]:
        """Articles worth ranking: the best by section, by title and summary, and by BM25."""
        t = self.params.tuned
        row_doc = self.table.row_doc
        dense = list(
            dict.fromkeys(row_doc[r] for r in sorted(ev.dense_rank, key=ev.dense_rank.__getitem__))
        )[: t.dense_articles]
        heads = self.table.per_doc_max(ev.titles) + self.table.per_doc_max(ev.summaries)
        by_head = [int(d) for d in np.argsort(-heads)[: t.head_articles]]
        lexical = [
            d
            for found in (ev.lexical_lang, ev.lexical_fallback)
            for d in sorted(found, key=lambda d: -found[d])[: t.lexical_articles]
        ]
        return list(dict.fromkeys([*dense, *by_head, *lexical]))

    def retrieve(
        self,
        question: str,
        langs: Sequence[str],
        top_k: int = 5,
        admin: bool = False,
        prefer: Sequence[str] = (),
        fixed: str | None = None,
    ) -> Retrieval:
        """The `top_k` best articles for `question`; `langs` lists the question's languages,
        most likely first, and `prefer` the languages to cite in first (default `langs`).
        `fixed` is the answer's language when the caller fixed it to another than the
        question's."""
        if not self.index.chunks:
            return Retrieval([], 0.0, False)
        if self.params.mode == "bm25":
            return self._lexical_only(question, langs, top_k)
        with self._blas.single():
            qv, ev, lex_rows = self.evidence(question, langs, admin)
            docs = self.candidates(ev)
            rows, best = candidate_features(self.table, self.index.vectors, qv, docs, ev)
            relevance = self.params.tuned.relevance(rows, self.domain_floor(langs[0]))
            strange = self.lexical.strange_words(question, langs[0])
            if strange:
                relevance = np.zeros_like(relevance)
            order = (
                np.argsort(-rows[:, DENSE_BEST], kind="stable")
                if self.params.mode == "dense"
                else np.argsort(-relevance, kind="stable")
            )
            hits = [
                self._hit(
                    docs[i],
                    best[docs[i]],
                    [*prefer, *langs],
                    float(relevance[i]),
                    lex_rows,
                    qv,
                    fixed,
                )
                for i in order[:top_k]
            ]
            if hits:  # the section the answer shows; see-also citations go by shared words alone
                hits[0] = self._nearest_part(hits[0], langs[0], qv)
        top = hits[0].score if hits else 0.0
        relevant = bool(hits) and top >= self.params.min_relevance and not strange
        lead = self.section_text(answering_section(hits[0].chunk, question)) if hits else ""
        return Retrieval(hits, top, relevant, lead, ev.unknown_names or strange)

    def _lexical_only(self, question: str, langs: Sequence[str], top_k: int) -> Retrieval:
        """BM25 alone in the reader's two likeliest languages: no model, no decline."""
        found: dict[str, tuple[int, float]] = {}
        for lang in [lg for lg in langs if lg in self.lexical.languages][:2]:
            for row, score in self.lexical.search(question, lang):
                article = self.index.chunks[row].doc_id
                if score > found.get(article, (0, 0.0))[1]:
                    found[article] = (row, score)
        ranked = sorted(found.values(), key=lambda item: -item[1])[:top_k]
        hits = [
            Hit(self.index.chunks[row], score=1.0, dense=0.0, lexical=score)
            for row, score in ranked
        ]
        lead = self.section_text(answering_section(hits[0].chunk, question)) if hits else ""
        return Retrieval(hits, 1.0 if hits else 0.0, bool(hits), lead)

    def section_text(
        self,
        chunk: Chunk,
        min_chars: int = 300,
        most: int = 3,
        with_children: int = 900,
        whole: int = 4000,
    ) -> str:
        """The cited section's text: all of it when it was split into several chunks (up to
        `whole` characters, the cited piece always in), followed by its own sub-sections while
        it is shorter than `with_children` (an overview's advice sits in the sub-sections under
        it). An article's intro (the text before its first heading) shorter than `min_chars` is
        followed by the next sections too (an intro that only names a video says little
        alone); any other section ends where the next one at its level begins. A sub-section
        ends with the headings of its sibling sub-sections, so the reader sees what else its
        part covers. When `chunk` is cited for a later one of its merged sections, the text
        starts there. The article's first section after its intro ends with the sections that
        only show a video, which show what it tells. An intro loses a first line that repeats
        the article's title, which the answer shows above it."""
        rows = self.table.rows[self.table.doc_of[chunk.doc_id]][chunk.lang]
        chunks = sorted((self.index.chunks[r] for r in rows), key=lambda c: c.ordinal)
        pieces = _cited_parts(chunk)
        parts = [pieces[0][1]]
        later = [c for c in chunks if c.ordinal > chunk.ordinal]
        if len(pieces) == len(chunk.part_texts()):  # cited at its first section
            for c in reversed([c for c in chunks if c.ordinal < chunk.ordinal]):
                if c.headings != chunk.headings or sum(map(len, parts)) >= whole:
                    break
                parts.insert(0, _lines(c.text))
        if len(pieces) == 1:  # the section goes on in the chunks after it
            while later and later[0].headings == chunk.headings:
                if sum(map(len, parts)) >= whole:
                    break
                parts.append(_lines(later.pop(0).text))
            later = [c for c in later if c.headings != chunk.headings]
        for nxt in later[: most - 1]:
            heading = nxt.headings[-1] if nxt.headings else ""
            pieces.append(
                (
                    nxt.headings,
                    f"**{heading}**\n\n{nxt.text.strip()}" if heading else nxt.text.strip(),
                )
            )
        for headings, text in pieces[1:]:
            size = sum(len(p) for p in parts)
            child = len(headings) > len(chunk.headings) >= 1 and (
                headings[: len(chunk.headings)] == chunk.headings
            )
            if not (child and size < with_children) and (size >= min_chars or chunk.headings):
                break
            parts.append(text)
        parent = chunk.headings[:-1]
        if parent:
            siblings = dict.fromkeys(
                c.headings[len(parent)]
                for c in chunks
                if len(c.headings) > len(parent)
                and c.headings[: len(parent)] == parent
                and c.headings[len(parent)] != chunk.headings[-1]
            )
            if siblings:
                also = message(chunk.lang, "also_under").format(heading=parent[-1])
                parts.append(f"*{also}* " + " · ".join(siblings))
        shown = [
            _lines(self.index.chunks[video].text)
            for r in rows
            if self.index.chunks[r].ordinal == chunk.ordinal
            for video in self.table.videos.get(r, ())
        ]
        parts += [text for text in shown if text not in parts]
        text = "\n\n".join(parts)
        return _without_title(text, chunk.title) if not chunk.headings else text

    def _hit(
        self,
        doc: int,
        best: dict[str, tuple[int, float]],
        langs: Sequence[str],
        relevance: float,
        lex_rows: dict[int, float],
        qv: npt.NDArray[np.float32],
        fixed: str | None = None,
    ) -> Hit:
        """The article's section to cite: in the first preferred language that has the article,
        unless another language's version fits clearly better (a partial translation), or in
        the fallback language when the docs have none in the reader's. A `fixed` answer language
        other than the question's counts `own_language_lead` more, since a question's vector
        comes nearer its own language's version of any article (and its neighbours'). Within
        it, the section whose cosine plus weighted lexical score is highest, the article's
        intro (the text before its first heading) counting `intro_margin` less. A section that
        only shows a video is cited as the article's first section after the intro."""
        t = self.params.tuned
        preferred = (*langs, self.params.fallback_language)
        order = [lg for lg in dict.fromkeys(preferred) if lg in best]
        order += [lg for lg in best if lg not in order]
        near = {
            lg: sim + (t.own_language_lead if lg == fixed else 0.0) for lg, (_, sim) in best.items()
        }
        top = max(near.values())
        fallback = self.params.fallback_language
        if langs[0] not in self.table.languages and fallback in best:
            lang = fallback  # how near other translations come says nothing to this reader
        else:
            lang = next(lg for lg in order if near[lg] >= top - t.translation_margin)
        rows = self.table.rows[doc][lang]
        sims = self.index.vectors[rows] @ qv
        lexical = np.asarray([lex_rows.get(r, 0.0) for r in rows])
        peak = float(lexical.max(initial=0.0))
        scores: npt.NDArray[np.float64] = sims.astype(np.float64)
        if peak > 0:
            scores = scores + t.section_lexical_weight * lexical / peak
        scores = scores - t.intro_margin * self.table.is_intro[rows]
        at = self._overview_of(rows, scores, int(np.argmax(scores)))
        if rows[at] in self.table.told_by:
            # A video shows the article's procedure, which its first section after the intro
            # tells: that is cited, and the video's section follows it in the answer.
            at = rows.index(self.table.told_by[rows[at]])
        row = rows[at]
        # The answer shows more of the article than this chunk (the rest of its section, the
        # sections after a short intro, a video's section): any of the article's links.
        chunk = replace(self.index.chunks[row], links=self.table.links[row])
        return Hit(
            chunk=chunk,
            score=relevance,
            dense=float(sims[at]),
            lexical=lex_rows.get(row, 0.0),
        )

    def _nearest_part(self, hit: Hit, lang: str, qv: npt.NDArray[np.float32]) -> Hit:
        """A hit on merged sections written in another language than the question's, cited
        at the section nearest the question's vector: the shared words that choose the
        section otherwise (`answering_section`) are few across languages. The sections'
        vectors are embedded on first use and remembered."""
        chunk = hit.chunk
        parts = chunk.part_texts()
        if len(parts) < 2 or chunk.lang == lang:
            return hit
        texts = tuple(f"{chunk.section(part).breadcrumb}\n{text}" for part, text in parts)
        vectors = self._remembered(
            self._parts,
            texts,
            lambda: np.asarray(self.embedder.embed_passages(texts), dtype=np.float32),
        )
        at = int(np.argmax(vectors @ qv))
        return replace(hit, chunk=chunk.section(parts[at][0]))

    def _overview_of(self, rows: Sequence[int], scores: npt.NDArray[np.float64], at: int) -> int:
        """The parent section's intro instead of the sub-section at `at` when at least one
        sibling scores within `parent_margin` of it: the answer then spans the parent, whose
        text is shown with its first sub-sections."""
        chunks = [self.index.chunks[r] for r in rows]
        headings = chunks[at].headings
        if len(headings) < 2:
            return at
        parent = headings[:-1]
        intro = next((i for i, c in enumerate(chunks) if c.headings == parent), None)
        close = [
            i
            for i, c in enumerate(chunks)
            if len(c.headings) > len(parent)
            and c.headings[: len(parent)] == parent
            and c.headings != headings
            and scores[i] >= scores[at] - self.params.tuned.parent_margin
        ]
        return intro if intro is not None and close else at


def _lines(text: str) -> str:
    """A piece of a split section without blank lines around it. A piece split inside a
    nested list lost its first item's indentation: that item gets the next one's back."""
    lines = _LEADING_BLANK_LINES.sub("", text).rstrip().split("\n")
    nxt = next((line for line in lines[1:] if line.strip()), "")
    first, second = _LIST_ITEM.match(lines[0]), _LIST_ITEM.match(nxt)
    if (
        first
        and second
        and not first.group(1)
        and second.group(1)
        and first.group(2)[0].isdigit() == second.group(2)[0].isdigit()
    ):
        lines[0] = second.group(1) + lines[0]
    return "\n".join(lines)


def _without_title(intro: str, title: str) -> str:
    """An article's intro without a first line that repeats its title (a hub page's `<h1>`),
    which the answer already shows above it."""
    line, _, rest = intro.partition("\n")
    return rest.strip() if rest.strip() and line.strip(" #*") == title.strip() else intro


def _cited_parts(chunk: Chunk) -> list[tuple[tuple[str, ...], str]]:
    """The chunk's merged sections from the one it is cited for (`Chunk.section`) on, as
    `(headings, text)`: the first without its heading line, which the answer shows above it."""
    pieces = chunk.part_texts()
    at = next(
        (
            i
            for i, (p, _) in enumerate(pieces)
            if (p.headings, p.anchor) == (chunk.headings, chunk.anchor)
        ),
        0,
    )
    found = [(p.headings, _lines(text)) for p, text in pieces[at:]]
    heading = f"**{chunk.headings[-1]}**" if chunk.headings and at > 0 else ""
    first = found[0][1]
    if heading and first.startswith(heading):
        found[0] = (found[0][0], first[len(heading) :].strip())
    return found
