"""What the ranker sees: candidate articles for a question and one feature row per candidate."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from assistant._lang import WORD
from corpus import Chunk
from embeddings import LoadedIndex

ADMIN_AUDIENCES = {"admin", "settings", "administrator"}
VIDEO_HOSTS = ("youtube.com", "youtube-nocookie.com", "youtu.be", "vimeo.com", "wistia.net")
#: A section that links a video and says fewer words than this besides only shows the video.
MEDIA_WORDS = 30

FEATURES = (
    "dense_best",
    "dense_lang",
    "dense_fallback",
    "dense_gap",
    "dense_rank",
    "title_best",
    "title_lang",
    "title_gap",
    "summary_best",
    "summary_lang",
    "summary_gap",
    "lexical_lang",
    "lexical_lang_norm",
    "lexical_rank",
    "lexical_fallback",
    "lexical_fallback_norm",
    "has_lang",
    "lang_has_docs",
    "hub",
    "is_index",
    "depth",
    "sections",
    "admin",
    "admin_intent",
    "admin_match",
    "fused_best",
    "dense_hits",
    "lexical_hits",
    "dense_second",
    "question_words",
    "unknown_name",
)
RRF_K = 60

_BULLET = re.compile(r"^\s*[*+-]\s+\S")
Floats = npt.NDArray[np.float64]


def is_admin(chunk: Chunk) -> bool:
    """Whether a section is written for administrators (front matter or `admin/` path)."""
    return (
        chunk.audience.lower() in ADMIN_AUDIENCES
        or chunk.article_id.startswith("admin/")
        or "/admin/" in chunk.article_id
    )


def is_media_only(chunk: Chunk) -> bool:
    """Whether a section only shows a video: it links one (an embed or a link to a video
    host) and says fewer than `MEDIA_WORDS` words besides its label."""
    videos = {
        label
        for label, url in chunk.links
        if (urlsplit(url).hostname or "").removeprefix("www.").endswith(VIDEO_HOSTS)
    }
    if not videos:
        return False
    prose = [line for line in chunk.text.splitlines() if line.strip() not in videos]
    return len(WORD.findall(" ".join(prose))) < MEDIA_WORDS


def _hub_share(texts: Sequence[str]) -> float:
    """Share of an article's lines that are short bullet items (not numbered steps): a page
    that only points elsewhere is mostly such lines."""
    lines = [ln for text in texts for ln in text.splitlines() if ln.strip()]
    if not lines:
        return 0.0
    listed = sum(1 for ln in lines if _BULLET.match(ln) and len(ln.split()) <= 10)
    return listed / len(lines)


class ArticleTable:
    """Per-index lookups the features need: which rows and heads belong to which article and
    language, each article's static traits, which rows are an article's intro (the text before
    its first heading), and the direction of administrator questions."""

    def __init__(self, index: LoadedIndex, queries: str = "") -> None:
        chunks = index.chunks
        self.docs: list[str] = list(dict.fromkeys(c.doc_id for c in chunks))
        self.doc_of = {doc: i for i, doc in enumerate(self.docs)}
        self.row_doc: list[int] = [self.doc_of[c.doc_id] for c in chunks]
        """Per row, its article version."""
        self.rows: dict[int, dict[str, list[int]]] = {}
        for row, chunk in enumerate(chunks):
            self.rows.setdefault(self.row_doc[row], {}).setdefault(chunk.lang, []).append(row)
        self.flat_rows = [
            np.array([r for rows in self.rows[d].values() for r in rows], dtype=np.int64)
            for d in range(len(self.docs))
        ]
        """Per article version, its rows grouped by language in the order of `rows`."""
        self.group_sizes = [
            np.array([len(rows) for rows in self.rows[d].values()], dtype=np.int64)
            for d in range(len(self.docs))
        ]
        heads = index.heads
        self.head_doc = np.array([self.doc_of[h.doc_id] for h in heads], dtype=np.int64)
        self.head_lang = np.array([h.lang for h in heads], dtype=object)
        self.is_intro = np.array([not c.headings for c in chunks], dtype=np.float64)
        self.media_only = np.array([is_media_only(c) for c in chunks], dtype=bool)
        self.videos: dict[int, tuple[int, ...]] = {}
        """Per article version with sections that only show a video: the row of its first
        section after the intro, which tells what they show, to those sections' rows."""
        self.links: list[tuple[tuple[str, str], ...]] = [c.links for c in chunks]
        """Per row, the links an answer from it may show: its own, then the rest of its
        article version's (an answer shows more of the article than one chunk)."""
        for versions in self.rows.values():
            for rows in versions.values():
                version = [link for r in rows for link in chunks[r].links]
                for r in rows:
                    self.links[r] = tuple(dict.fromkeys((*chunks[r].links, *version)))
                videos = tuple(r for r in rows if self.media_only[r])
                prose = sorted(
                    (r for r in rows if not self.media_only[r]), key=lambda r: chunks[r].ordinal
                )
                if videos and prose:
                    told = next((r for r in prose if not self.is_intro[r]), prose[0])
                    self.videos[told] = videos
        self.told_by = {video: told for told, videos in self.videos.items() for video in videos}
        """A video-only section's row to the row of the section that tells what it shows."""
        self.languages = {c.lang for c in chunks}
        articles = sorted({(c.lang, c.article_id) for c in chunks})
        m = index.manifest
        named = [m.backend, m.model, m.embed_max_chars, articles]
        key = json.dumps([*named, queries] if queries else named)
        self.domain = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        """The corpus (its articles in each language) and the model, its engine and the text
        length that embedded it, with the query layers (`queries`, their digest) if any, as a
        digest: cosines measured on one index hold on another only if equal (a 4-bit and a
        full-precision copy of one model differ)."""
        first = [chunks[next(iter(self.rows[d].values()))[0]] for d in range(len(self.docs))]
        self.article_ids = [c.article_id for c in first]
        self.admin = np.array([is_admin(c) for c in first], dtype=np.float64)
        self.is_index = np.array(
            [c.article_id.rsplit("/", 1)[-1] == "index" for c in first], dtype=np.float64
        )
        self.depth = np.array([c.article_id.count("/") + 1 for c in first], dtype=np.float64)
        self.sections = np.array(
            [
                math.log1p(sum(len(r) for r in self.rows[d].values()) / len(self.rows[d]))
                for d in range(len(self.docs))
            ]
        )
        self.hub = np.array(
            [
                _hub_share([chunks[r].text for rs in self.rows[d].values() for r in rs])
                for d in range(len(self.docs))
            ]
        )
        self.admin_direction = self._admin_direction(index.summaries)

    def _admin_direction(self, summaries: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Mean summary of administrator articles minus that of the others, unit length."""
        admin = self.admin[self.head_doc] > 0
        if not admin.any() or admin.all():
            return np.zeros(summaries.shape[1], dtype=np.float32)
        direction = summaries[admin].mean(axis=0) - summaries[~admin].mean(axis=0)
        norm = float(np.linalg.norm(direction))
        unit: npt.NDArray[np.float32] = (direction / max(norm, 1e-12)).astype(np.float32)
        return unit

    def per_doc_max(
        self, values: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_] | None = None
    ) -> Floats:
        """The largest head value of every article (-1 where none), optionally over a subset
        of heads only."""
        out = np.full(len(self.docs), -1.0)
        docs = self.head_doc if mask is None else self.head_doc[mask]
        vals = values if mask is None else values[mask]
        np.maximum.at(out, docs, vals.astype(np.float64))
        return out


@dataclass(frozen=True)
class Evidence:
    """Everything measured for one question: its vector's cosines with every title and summary,
    the best lexical section score of each article in the reader's and the fallback language,
    the admin-intent of the question, the rank of each section the dense and the lexical
    search found (by row), the question's length in words, and the names in it (a product,
    a service) that no section mentions."""

    langs: tuple[str, ...]
    fallback: str
    titles: npt.NDArray[np.float32]
    summaries: npt.NDArray[np.float32]
    lexical_lang: dict[int, float]
    lexical_fallback: dict[int, float]
    admin_intent: float
    dense_rank: dict[int, int]
    lexical_rank: dict[int, int]
    words: int
    unknown_names: tuple[str, ...]


def candidate_features(
    table: ArticleTable,
    vectors: npt.NDArray[np.float32],
    qv: npt.NDArray[np.float32],
    candidates: Sequence[int],
    ev: Evidence,
) -> tuple[Floats, dict[int, dict[str, tuple[int, float]]]]:
    """One row of `FEATURES` per candidate article, and each candidate's best section per
    language as `(row, cosine)`."""
    lang, fallback = ev.langs[0], ev.fallback
    n = len(candidates)
    if n == 0:
        return np.zeros((0, len(FEATURES))), {}
    flat = np.concatenate([table.flat_rows[d] for d in candidates])
    sizes = np.concatenate([table.group_sizes[d] for d in candidates])
    codes = [code for d in candidates for code in table.rows[d]]
    groups_per_doc = np.array([len(table.rows[d]) for d in candidates])
    group_of = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    doc_starts = np.concatenate(([0], np.cumsum(groups_per_doc)[:-1]))
    sims = (vectors[flat] @ qv).astype(np.float64)
    # Within each language group, the best section first (the earlier row on ties, as argmax).
    order = np.lexsort((np.arange(len(flat)), -sims, group_of))
    best_at = order[starts]
    best = sims[best_at]
    second_value = np.where(sizes > 1, sims[order[np.minimum(starts + 1, len(flat) - 1)]], 0.0)
    in_lang = np.array([code == lang for code in codes])
    in_fallback = np.array([code == fallback for code in codes])
    candidate_of = np.repeat(np.arange(n), groups_per_doc)
    dense_best = np.maximum.reduceat(best, doc_starts)
    dense_lang = np.zeros(n)
    dense_lang[candidate_of[in_lang]] = best[in_lang]
    has_lang = np.zeros(n)
    has_lang[candidate_of[in_lang]] = 1.0
    dense_fb = np.zeros(n)
    dense_fb[candidate_of[in_fallback]] = best[in_fallback]
    second = np.zeros(n)
    second[candidate_of[in_lang]] = second_value[in_lang]
    dense_at = _ranks_of(ev.dense_rank, flat)
    lexical_at = _ranks_of(ev.lexical_rank, flat)
    score = np.where(dense_at >= 0, 1 / (RRF_K + dense_at + 1), 0.0) + np.where(
        lexical_at >= 0, 1 / (RRF_K + lexical_at + 1), 0.0
    )
    row_starts = starts[doc_starts]
    fused = np.maximum.reduceat(score, row_starts)
    dense_hits = np.add.reduceat((dense_at >= 0).astype(np.float64), row_starts)
    lexical_hits = np.add.reduceat((lexical_at >= 0).astype(np.float64), row_starts)
    best_rows: dict[int, dict[str, tuple[int, float]]] = {doc: {} for doc in candidates}
    chosen = flat[best_at].tolist()
    for g, (i, code) in enumerate(zip(candidate_of.tolist(), codes, strict=True)):
        best_rows[candidates[i]][code] = (chosen[g], float(best[g]))
    docs = np.asarray(candidates, dtype=np.int64)
    lang_heads = table.head_lang == lang
    title_best = table.per_doc_max(ev.titles)[docs]
    title_lang = np.maximum(table.per_doc_max(ev.titles, lang_heads)[docs], 0.0)
    summary_best = table.per_doc_max(ev.summaries)[docs]
    summary_lang = np.maximum(table.per_doc_max(ev.summaries, lang_heads)[docs], 0.0)
    lex_lang = np.array([ev.lexical_lang.get(d, 0.0) for d in candidates])
    lex_fb = np.array([ev.lexical_fallback.get(d, 0.0) for d in candidates])
    intent = np.full(n, ev.admin_intent)
    admin = table.admin[docs]
    columns = {
        "dense_best": dense_best,
        "dense_lang": dense_lang,
        "dense_fallback": dense_fb,
        "dense_gap": dense_best - dense_best.max(initial=-1.0),
        "dense_rank": _inverse_rank(dense_best),
        "title_best": title_best,
        "title_lang": title_lang,
        "title_gap": title_best - title_best.max(initial=-1.0),
        "summary_best": summary_best,
        "summary_lang": summary_lang,
        "summary_gap": summary_best - summary_best.max(initial=-1.0),
        "lexical_lang": np.log1p(lex_lang),
        "lexical_lang_norm": lex_lang / max(float(lex_lang.max(initial=0.0)), 1e-9),
        "lexical_rank": np.where(lex_lang > 0, _inverse_rank(lex_lang), 0.0),
        "lexical_fallback": np.log1p(lex_fb),
        "lexical_fallback_norm": lex_fb / max(float(lex_fb.max(initial=0.0)), 1e-9),
        "has_lang": has_lang,
        "lang_has_docs": np.full(n, float(lang in table.languages)),
        "hub": table.hub[docs],
        "is_index": table.is_index[docs],
        "depth": table.depth[docs],
        "sections": table.sections[docs],
        "admin": admin,
        "admin_intent": intent,
        "admin_match": admin * intent,
        "fused_best": fused * RRF_K,
        "dense_hits": np.log1p(dense_hits),
        "lexical_hits": np.log1p(lexical_hits),
        "dense_second": second,
        "question_words": np.full(n, math.log1p(ev.words)),
        "unknown_name": np.full(n, float(bool(ev.unknown_names))),
    }
    return np.column_stack([columns[name] for name in FEATURES]), best_rows


def _ranks_of(ranks: dict[int, int], rows: npt.NDArray[np.int64]) -> Floats:
    """The rank each of `rows` has in `ranks`, -1 where it has none."""
    if not ranks:
        return np.full(len(rows), -1.0)
    keys = np.fromiter(ranks.keys(), dtype=np.int64, count=len(ranks))
    values = np.fromiter(ranks.values(), dtype=np.float64, count=len(ranks))
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    at = np.minimum(np.searchsorted(keys, rows), len(keys) - 1)
    return np.where(keys[at] == rows, values[at], -1.0)


def _inverse_rank(values: Floats) -> Floats:
    """1 / (1 + rank) of each value, the largest ranked 0."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return 1.0 / (1.0 + ranks)
