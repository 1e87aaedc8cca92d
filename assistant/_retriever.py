"""Hybrid retrieval: dense search across languages fused with same-language BM25."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

from assistant._lexical import LexicalIndex
from assistant._model import Hit
from corpus import Chunk
from embeddings import Embedder, LoadedIndex

ADMIN_AUDIENCES = {"admin", "settings", "administrator"}


@dataclass(frozen=True)
class RetrievalParams:
    """Plain retrieval settings. The weights were chosen with `assistant eval` on the dev
    questions (see bench/RESULTS.md)."""

    mode: str = "hybrid"
    lexical_weight: float = 0.2
    title_weight: float = 0.3
    summary_weight: float = 0.5
    min_score: float = 0.845
    cross_lingual_allowance: float = 0.035
    fallback_language: str = "en"
    candidates: int = 256
    title_candidates: int = 64
    rrf_k: int = 60
    admin_boost: float = 1.25
    translation_margin: float = 0.08


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits, one per article, the best article relevance seen, and the text to show
    for the first hit (its section, continued when short)."""

    hits: list[Hit]
    best_dense: float
    relevant: bool
    lead: str = ""


def is_admin(chunk: Chunk) -> bool:
    """Whether a section is written for administrators (front matter or `admin/` path)."""
    return (
        chunk.audience.lower() in ADMIN_AUDIENCES
        or chunk.article_id.startswith("admin/")
        or "/admin/" in chunk.article_id
    )


class Retriever:
    """Finds the best section of each relevant article, in the reader's language if it exists.

    An article's dense relevance blends its best section with its best title and its best
    title-plus-description over all translations, so each translation is one more view of
    the same article.
    """

    def __init__(self, index: LoadedIndex, embedder: Embedder, params: RetrievalParams) -> None:
        self.index = index
        self.embedder = embedder
        self.params = params
        self._lock = threading.Lock()
        self._rows: dict[str, dict[str, list[int]]] = {}
        for row, chunk in enumerate(index.chunks):
            self._rows.setdefault(chunk.doc_id, {}).setdefault(chunk.lang, []).append(row)
        self._head_ids = [h.doc_id for h in index.heads]
        self._heads: dict[str, list[int]] = {}
        for i, aid in enumerate(self._head_ids):
            self._heads.setdefault(aid, []).append(i)
        self.languages = {lang for langs in self._rows.values() for lang in langs}

    @cached_property
    def lexical(self) -> LexicalIndex:
        """The BM25 side, built on first use."""
        with self._lock:
            return LexicalIndex(
                [c.lang for c in self.index.chunks], [c.passage() for c in self.index.chunks]
            )

    def warm_up(self) -> None:
        """Load the model and build the lexical index now.

        One question is too small a job to share between threads: waking BLAS threads costs
        more than the product itself, so BLAS runs single-threaded from here on.
        """
        threadpool_limits(limits=1, user_api="blas")
        self.embedder.warm_up()
        if self.params.mode != "dense":
            _ = self.lexical

    def retrieve(
        self,
        question: str,
        langs: Sequence[str],
        top_k: int = 5,
        admin: bool = False,
    ) -> Retrieval:
        """The `top_k` best articles for `question`; `langs` lists the reader's languages,
        most likely first."""
        p = self.params
        qv: np.ndarray | None = None
        dense: dict[str, float] = {}
        if p.mode != "bm25" and self.index.chunks:
            qv = self.embedder.embed_queries([question])[0]
            dense = self._dense(qv)
        lexical: dict[str, float] = {}
        searched: list[str] = []
        if p.mode != "dense":
            searched = [lg for lg in langs if lg in self.lexical.languages][:2]
            for lang in searched:
                for row, score in self.lexical.search(question, lang):
                    aid = self.index.chunks[row].doc_id
                    lexical[aid] = max(lexical.get(aid, 0.0), score)
        fused = self._fuse(dense, lexical, searched)
        if admin:
            for aid in fused:
                if is_admin(self.index.chunks[self._any_row(aid)]):
                    fused[aid] *= p.admin_boost
        ranked = sorted(fused, key=lambda a: -fused[a])[:top_k]
        hits = [self._hit(aid, langs, qv, fused[aid], lexical.get(aid, 0.0)) for aid in ranked]
        best = max(dense.values(), default=0.0)
        floor = p.min_score - (p.cross_lingual_allowance if langs[0] not in self.languages else 0)
        relevant = bool(hits) and (best >= floor if p.mode != "bm25" else True)
        lead = self.section_text(hits[0].chunk) if hits else ""
        return Retrieval(hits, best, relevant, lead)

    def section_text(self, chunk: Chunk, min_chars: int = 300, most: int = 3) -> str:
        """The chunk's text, followed by the next sections of the same article while it is
        shorter than `min_chars` (an intro that only names a video says little alone)."""
        rows = self._rows[chunk.doc_id][chunk.lang]
        following = [
            self.index.chunks[r] for r in rows if self.index.chunks[r].ordinal > chunk.ordinal
        ]
        parts = [chunk.text.strip()]
        for nxt in following[: most - 1]:
            if sum(len(p) for p in parts) >= min_chars:
                break
            heading = nxt.headings[-1] if nxt.headings and nxt.headings != chunk.headings else ""
            parts.append(f"**{heading}**\n\n{nxt.text.strip()}" if heading else nxt.text.strip())
        return "\n\n".join(parts)

    def _dense(self, qv: np.ndarray) -> dict[str, float]:
        """Dense relevance of the candidate articles, a weighted mean of cosines."""
        p = self.params
        faiss.omp_set_num_threads(1)  # per calling thread, see warm_up()
        k = min(p.candidates, len(self.index.chunks))
        scores, rows = self.index.faiss.search(qv[None, :].astype(np.float32), k)
        best_chunk: dict[str, float] = {}
        for score, row in zip(scores[0], rows[0], strict=True):
            if row >= 0:
                best_chunk.setdefault(self.index.chunks[row].doc_id, float(score))
        titles = self.index.titles @ qv
        summaries = self.index.summaries @ qv
        article_side = p.title_weight * titles + p.summary_weight * summaries
        for i in np.argsort(-article_side)[: p.title_candidates]:
            aid = self._head_ids[int(i)]
            if aid not in best_chunk:
                rows_of = [r for rs in self._rows[aid].values() for r in rs]
                best_chunk[aid] = float(np.max(self.index.vectors[rows_of] @ qv))
        total = 1.0 + p.title_weight + p.summary_weight
        return {
            aid: (
                chunk
                + p.title_weight * float(np.max(titles[self._heads[aid]]))
                + p.summary_weight * float(np.max(summaries[self._heads[aid]]))
            )
            / total
            for aid, chunk in best_chunk.items()
        }

    def _fuse(
        self, dense: dict[str, float], lexical: dict[str, float], searched: Sequence[str]
    ) -> dict[str, float]:
        """Weighted reciprocal rank fusion. BM25 only sees the reader's languages, so it can say
        nothing about an article not translated into them: such an article gets the lexical
        vote of its dense rank (no evidence either way) instead of none, whenever BM25 voted
        at all."""
        p = self.params
        fused: dict[str, float] = {}
        dense_rank = {aid: r for r, aid in enumerate(sorted(dense, key=lambda a: -dense[a]))}
        for aid, rank in dense_rank.items():
            fused[aid] = 1.0 / (p.rrf_k + rank + 1)
        for rank, aid in enumerate(sorted(lexical, key=lambda a: -lexical[a])):
            fused[aid] = fused.get(aid, 0.0) + p.lexical_weight / (p.rrf_k + rank + 1)
        if lexical:
            for aid, rank in dense_rank.items():
                if not any(lang in self._rows[aid] for lang in searched):
                    fused[aid] += p.lexical_weight / (p.rrf_k + rank + 1)
        return fused

    def _any_row(self, aid: str) -> int:
        return next(iter(self._rows[aid].values()))[0]

    def _hit(
        self, aid: str, langs: Sequence[str], qv: np.ndarray | None, score: float, lex: float
    ) -> Hit:
        """The article's section to cite: in the first preferred language that has the article,
        unless a section in another language fits the question clearly better (a partial
        translation)."""
        versions = self._rows[aid]
        preferred = (*langs, self.params.fallback_language)
        order = [lg for lg in dict.fromkeys(preferred) if lg in versions]
        order += [lg for lg in versions if lg not in order]
        if qv is None:
            return Hit(self.index.chunks[versions[order[0]][0]], score, 0.0, lex)
        best: dict[str, tuple[int, float]] = {}
        for lang in order:
            rows = versions[lang]
            sims = self.index.vectors[rows] @ qv
            best[lang] = (rows[int(np.argmax(sims))], float(np.max(sims)))
        top = max(sim for _, sim in best.values())
        lang = next(lg for lg in order if best[lg][1] >= top - self.params.translation_margin)
        row, sim = best[lang]
        return Hit(chunk=self.index.chunks[row], score=score, dense=sim, lexical=lex)
