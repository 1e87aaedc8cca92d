"""Cross-lingual retrieval generated from the corpus: an article's description (or title) in
language A must find another language version of that article once A's copy is held out."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np

from assistant._retriever import RetrievalParams, Retriever
from bench._quality import MODES
from bench._report import log, table
from bench._setup import Setup
from bench._subset import subset
from bench._tutorial import TutorialIndex
from embeddings import IndexStore, LoadedIndex
from embeddings._store import article_heads

GROUP = 25  # queries whose own copies are held out together: one index rebuild per group
Version = tuple[str, str]  # (article id, lang)
Ranker = Callable[[str, str], list[Version]]
Summary = dict[str, dict[str, dict[str, object]]]


@dataclass(frozen=True)
class Query:
    """A query text in `lang` whose target is `article_id` in any other language."""

    article_id: str
    lang: str
    text: str


def queries(index: LoadedIndex, per_lang: int, seed: int) -> list[Query]:
    """Up to `per_lang` fixed-seed queries per language, from articles in several languages."""
    heads = article_heads(index.chunks)
    langs_of = Counter(h.article_id for h in heads)
    by_lang: dict[str, list[Query]] = {}
    for head in heads:
        if langs_of[head.article_id] > 1:
            text = (head.description or head.title).strip()
            if text:
                by_lang.setdefault(head.lang, []).append(Query(head.article_id, head.lang, text))
    picked = []
    for lang in sorted(by_lang):
        pool = by_lang[lang]
        picked += random.Random(f"{seed}:{lang}").sample(pool, min(per_lang, len(pool)))
    return picked


def held_out(index: LoadedIndex, out: set[Version]) -> LoadedIndex:
    """`index` without the sections, titles and summaries of the versions in `out`."""
    keep = [i for i, c in enumerate(index.chunks) if (c.article_id, c.lang) not in out]
    heads = article_heads(index.chunks)
    keep_heads = [i for i, h in enumerate(heads) if (h.article_id, h.lang) not in out]
    vectors = np.ascontiguousarray(index.vectors[keep])
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return LoadedIndex(
        flat,
        vectors,
        [index.chunks[i] for i in keep],
        index.manifest,
        index.titles[keep_heads],
        index.summaries[keep_heads],
    )


def _score(ranking: Sequence[Version], target: str) -> tuple[float, float, str]:
    """recall@5, reciprocal rank within 10, and the language the target was found in."""
    for rank, (aid, lang) in enumerate(ranking[:10], start=1):
        if aid == target:
            return float(rank <= 5), 1.0 / rank, lang
    return 0.0, 0.0, ""


def evaluate(
    setup: Setup, index: LoadedIndex, qs: list[Query], tutorial: TutorialIndex | None
) -> Summary:
    """Per pipeline, per query language: n, recall@5, MRR@10 and the languages found in."""
    scores: dict[str, dict[str, list[tuple[float, float, str]]]] = {}
    for lang in sorted({q.lang for q in qs}):
        of_lang = [q for q in qs if q.lang == lang]
        for start in range(0, len(of_lang), GROUP):
            group = of_lang[start : start + GROUP]
            out = {(q.article_id, lang) for q in group}
            retriever = Retriever(held_out(index, out), setup.embedder, RetrievalParams())
            retriever.warm_up()
            rankers: dict[str, Ranker] = {}
            for name, mode in MODES.items():
                rankers[name] = _ours_ranker(retriever, RetrievalParams(mode=mode))
            if tutorial is not None:
                rankers["tutorial"] = _tutorial_ranker(tutorial, frozenset(out))
            for name, rank in rankers.items():
                for q in group:
                    got = _score(rank(q.text, q.lang), q.article_id)
                    scores.setdefault(name, {}).setdefault(lang, []).append(got)
    return _summarise(scores)


def _ours_ranker(retriever: Retriever, params: RetrievalParams) -> Ranker:
    def rank(text: str, lang: str) -> list[Version]:
        retriever.params = params
        hits = retriever.retrieve(text, [lang], top_k=10).hits
        return [(h.chunk.article_id, h.chunk.lang) for h in hits]

    return rank


def _tutorial_ranker(tutorial: TutorialIndex, excluded: frozenset[Version]) -> Ranker:
    return lambda text, _lang: tutorial.rank(text, 10, excluded)


def _summarise(scores: dict[str, dict[str, list[tuple[float, float, str]]]]) -> Summary:
    summary: Summary = {}
    for name, by_lang in scores.items():
        rows = {**by_lang, "overall": [s for lang in sorted(by_lang) for s in by_lang[lang]]}
        summary[name] = {
            lang: {
                "n": len(items),
                "recall@5": round(sum(s[0] for s in items) / len(items), 3),
                "mrr@10": round(sum(s[1] for s in items) / len(items), 3),
                "found_in": dict(Counter(s[2] for s in items if s[2]).most_common()),
            }
            for lang, items in rows.items()
            if items
        }
    return summary


def _table(title: str, summary: Summary) -> str:
    rows = []
    for name, by_lang in summary.items():
        for lang, s in by_lang.items():
            found = s["found_in"]
            assert isinstance(found, dict)
            cited = " ".join(f"{lg}:{n}" for lg, n in found.items())
            rows.append([name, lang, s["n"], s["recall@5"], s["mrr@10"], cited])
    return table(title, ["pipeline", "query lang", "n", "recall@5", "mrr@10", "found in"], rows)


def run(setup: Setup) -> list[str]:
    """Measure, record and return the cross-lingual tables."""
    per_lang = 20 if setup.quick else 100
    sub = subset(setup)
    sub_index = IndexStore(sub.index).load()
    sub_qs = queries(sub_index, per_lang, setup.seed)
    log(f"cross-lingual: {len(sub_qs)} queries on the subset")
    on_subset = evaluate(setup, sub_index, sub_qs, sub.tutorial)
    tables = [_table(f"Cross-lingual on the SAME subset ({sub.description})", on_subset)]
    data: dict[str, object] = {"subset": on_subset}
    if not setup.quick:
        full_index = IndexStore(setup.index).load()
        full_qs = queries(full_index, per_lang, setup.seed)
        log(f"cross-lingual: {len(full_qs)} queries on the full index")
        data["full"] = evaluate(setup, full_index, full_qs, None)
        tables.append(
            _table(
                "Cross-lingual on the FULL index (no tutorial baseline; not comparable with "
                "the subset table)",
                data["full"],  # type: ignore[arg-type]
            )
        )
    setup.record("crosslingual", {"per_lang": per_lang, "group": GROUP, **data})
    return tables
