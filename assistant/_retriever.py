"""Hybrid retrieval: dense FAISS search across languages fused with same-language BM25."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from assistant._lexical import LexicalIndex
from assistant._model import Hit
from corpus import Chunk
from embeddings import Embedder, LoadedIndex

ADMIN_AUDIENCES = {"admin", "settings", "administrator"}


@dataclass(frozen=True)
class RetrievalParams:
    """Plain retrieval settings."""

    mode: str = "hybrid"
    lexical_weight: float = 0.35
    min_score: float = 0.80
    fallback_language: str = "en"
    candidates: int = 200
    rrf_k: int = 60
    admin_boost: float = 1.25
    translation_margin: float = 0.08


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits, one per article, and the best dense similarity seen."""

    hits: list[Hit]
    best_dense: float
    relevant: bool


def is_admin(chunk: Chunk) -> bool:
    """Whether a section is written for administrators (front matter or `admin/` path)."""
    return (
        chunk.audience.lower() in ADMIN_AUDIENCES
        or chunk.article_id.startswith("admin/")
        or "/admin/" in chunk.article_id
    )


class Retriever:
    """Finds the best section of each relevant article, in the reader's language if it exists."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, params: RetrievalParams) -> None:
        self.index = index
        self.embedder = embedder
        self.params = params
        self._lock = threading.Lock()
        self._rows: dict[str, dict[str, list[int]]] = {}
        for row, chunk in enumerate(index.chunks):
            self._rows.setdefault(chunk.article_id, {}).setdefault(chunk.lang, []).append(row)

    @cached_property
    def lexical(self) -> LexicalIndex:
        """The BM25 side, built on first use."""
        with self._lock:
            return LexicalIndex(
                [c.lang for c in self.index.chunks], [c.passage() for c in self.index.chunks]
            )

    @property
    def languages(self) -> set[str]:
        """Languages the index holds sections in."""
        return {lang for langs in self._rows.values() for lang in langs}

    def warm_up(self) -> None:
        """Load the model and build the lexical index now."""
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
        if p.mode != "bm25" and len(self.index.chunks):
            qv = self.embedder.embed_queries([question])[0]
            k = min(p.candidates, len(self.index.chunks))
            scores, rows = self.index.faiss.search(qv[None, :].astype(np.float32), k)
            for score, row in zip(scores[0], rows[0], strict=True):
                if row >= 0:
                    aid = self.index.chunks[row].article_id
                    dense.setdefault(aid, float(score))
        lexical: dict[str, float] = {}
        if p.mode != "dense":
            for lang in [lg for lg in langs if lg in self.lexical.languages][:2]:
                for row, score in self.lexical.search(question, lang):
                    aid = self.index.chunks[row].article_id
                    lexical[aid] = max(lexical.get(aid, 0.0), score)
        best_dense = max(dense.values(), default=0.0)
        fused = self._fuse(dense, lexical)
        if admin:
            for aid in fused:
                if is_admin(self.index.chunks[self._any_row(aid)]):
                    fused[aid] *= p.admin_boost
        ranked = sorted(fused, key=lambda a: -fused[a])[:top_k]
        hits = [self._hit(aid, langs, qv, fused[aid], lexical.get(aid, 0.0)) for aid in ranked]
        relevant = bool(hits) and (best_dense >= p.min_score if p.mode != "bm25" else True)
        return Retrieval(hits, best_dense, relevant)

    def _fuse(self, dense: dict[str, float], lexical: dict[str, float]) -> dict[str, float]:
        p = self.params
        fused: dict[str, float] = {}
        for weight, scores in ((1.0, dense), (p.lexical_weight, lexical)):
            for rank, aid in enumerate(sorted(scores, key=lambda a: -scores[a])):
                fused[aid] = fused.get(aid, 0.0) + weight / (p.rrf_k + rank + 1)
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
        order = [
            lg for lg in dict.fromkeys((*langs, self.params.fallback_language)) if lg in versions
        ]
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
