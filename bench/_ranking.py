"""The learned second stage over the full index: cross-validated on the tune questions (folds
by article) beside its ablations and the naive hybrid baseline, the decline curve, and the dev
questions as a validation set (measured, never tuned on)."""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant import Answer, Assistant, Citation, Hit
from assistant._eval import evaluate, read_questions, section_names
from assistant._features import FEATURES
from assistant._lang import LanguageGuesser
from assistant._ranker import Tuned
from assistant._retriever import RetrievalParams, Retriever
from assistant._tune import (
    CV_SEEDS,
    SEE_ALSO_BETA,
    Sample,
    choose_see_also,
    choose_threshold,
    collect,
    decline_curve,
    figures,
    group_by_article,
    pseudo_questions,
    repeated_cv,
)
from bench._report import log, table
from bench._searches import SEARCH_SEEDS, link_questions, searches_table
from bench._setup import Setup

RRF_K = 60
#: General-knowledge and chit-chat questions, three in each language of the docs and two in
#: Finnish, written for this table after the domain floor was designed; nothing is chosen on them.
OFF_DOMAIN = Path(__file__).parent / "data" / "off-domain.jsonl"
NAIVE_DEPTH = 100
COLUMNS = ("success@1", "success@5", "recall@5", "mrr@10", "section@1", "declined", "p50_ms")


def naive_hybrid(retriever: Retriever, question: str, lang: str) -> list[str]:
    """Plain heading chunks: dense and same-language BM25 fused by equal-weight reciprocal
    rank fusion over chunks, then the articles (`doc_id`) in order of their first chunk."""
    qv = retriever.query_vector(question)
    _, rows = retriever.index.faiss.search(qv[None, :], NAIVE_DEPTH)
    fused: dict[int, float] = {}
    for rank, row in enumerate(int(r) for r in rows[0] if r >= 0):
        fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, (row, _) in enumerate(retriever.lexical.search(question, lang, NAIVE_DEPTH)):
        fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
    ordered = sorted(fused, key=lambda r: -fused[r])
    return list(dict.fromkeys(retriever.index.chunks[r].doc_id for r in ordered))


def _as_answer(retriever: Retriever, question: str, ranking: Sequence[str]) -> Answer:
    """A ranking as a never-declining `Answer`, citing each article's first section."""
    hits = []
    for article in ranking[:10]:
        doc = retriever.table.doc_of[article]
        row = next(iter(retriever.table.rows[doc].values()))[0]
        hits.append(Hit(retriever.index.chunks[row], 1.0, 0.0, 0.0))
    citations = [
        Citation(n, h.chunk.title, h.chunk.breadcrumb, h.chunk.url, h.chunk.lang, 1.0, "")
        for n, h in enumerate(hits, start=1)
    ]
    return Answer(uuid.uuid4().hex, question, "", citations, "", True, hits=hits)


def _ordered_figures(
    samples: Sequence[Sample], scores: Sequence[npt.NDArray[np.float64]], repeats: int = 1
) -> list[object]:
    thr = choose_threshold(samples, scores)
    f = figures(samples, scores, thr, repeats)
    return [
        round(f.success_at_1, 3),
        round(f.success_at_5, 3),
        f"{f.declined:g}/{f.out_of_scope}",
        round(f.over_declined, 3),
        round(thr, 2),
    ]


def run(setup: Setup) -> list[str]:
    """Measure, record and return the ranking tables."""
    assistant = Assistant(setup.index, setup.embedder, RetrievalParams())
    assistant.warm_up()
    retriever = assistant.retriever
    tuned = retriever.params.tuned
    langs_of = assistant.question_languages
    tune_questions = read_questions(setup.tune_path)
    log(f"ranking: features of {len(tune_questions)} tune questions")
    samples = collect(retriever, tune_questions, langs_of)
    weak = collect(retriever, pseudo_questions(retriever.index.chunks), langs_of)
    links = collect(retriever, link_questions(retriever.index.chunks), langs_of)
    group_by_article([*samples, *weak, *links])
    pooled, learned = _ablate(samples, weak, tuned, ())
    dense_at = FEATURES.index("dense_best")
    dense_order = [s.rows[:, dense_at] for s in samples]
    repeats = len(CV_SEEDS)
    rows = [["learned ranker (ours, cross-validated)", *_ordered_figures(pooled, learned, repeats)]]
    for name, prefixes in (
        ("  without lexical features", ("lexical_",)),
        ("  without title/summary features", ("title_", "summary_")),
        ("  without the unknown-name feature", ("unknown_name",)),
    ):
        rows.append([name, *_ordered_figures(*_ablate(samples, weak, tuned, prefixes), repeats)])
    unfloored = _ablate(samples, weak, tuned, (), floor=False)
    rows.append(["  without the domain floor", *_ordered_figures(*unfloored, repeats)])
    rows.append(["no ranker: best section cosine", *_ordered_figures(samples, dense_order)])
    known = retriever.table
    naive = [
        [
            known.article_ids[known.doc_of[d]]
            for d in naive_hybrid(retriever, s.question.question, s.langs[0])
        ]
        for s in samples
    ]
    answerable = [i for i, s in enumerate(samples) if s.question.gold]
    s1 = np.mean([bool(set(naive[i][:1]) & set(samples[i].question.gold)) for i in answerable])
    s5 = np.mean([bool(set(naive[i][:5]) & set(samples[i].question.gold)) for i in answerable])
    out_of_scope = len(samples) - len(answerable)
    naive_row = ["naive hybrid (equal-weight RRF over chunks)", round(float(s1), 3)]
    rows.append([*naive_row, round(float(s5), 3), f"0/{out_of_scope}", 0.0, "never"])
    curve = decline_curve(pooled, learned, repeats)
    see_also = _see_also(pooled, learned, repeats)
    log("ranking: link texts as searches")
    searches = searches_table(samples, weak, links, tuned)
    dev = _dev(setup, assistant, retriever)
    log("ranking: off-domain questions")
    off_domain = _off_domain(assistant)
    setup.record(
        "ranking",
        {
            "tune_cv": rows,
            "decline_curve": curve,
            "see_also": see_also,
            "searches": searches,
            "dev": dev,
            "off_domain": off_domain,
        },
    )
    return [
        table(
            f"Tune questions ({len(samples)}, {len(answerable)} answerable), full index, "
            "5-fold cross-validation grouped by article (no article on both sides), mean of "
            f"{repeats} fold assignments; decline point chosen inside the same out-of-fold scores",
            [
                "pipeline",
                "success@1",
                "success@5",
                "out-of-scope declined",
                "answerable declined",
                "decline below",
            ],
            rows,
        ),
        table(
            "Decline curve (tune questions, out-of-fold relevance of the first article, mean "
            f"of {repeats} fold assignments): shipped decline point {tuned.min_relevance}",
            ["threshold", "answered right", "answered wrong", "declined"],
            curve,
        ),
        table(
            "See-also (tune questions, out of fold, mean of "
            f"{repeats} fold assignments; answered: first relevance at the decline point chosen "
            "there): the see-also point each criterion chooses there, and what a reader sees",
            [
                "see-also point",
                "relevance",
                "first article wrong",
                "a gold one in see-also",
                "see-also links per answer",
                "of them gold",
            ],
            see_also,
        ),
        table(
            f'Link texts as searches ({len(links)} pseudo-questions such as "Registrera en order", '
            "2 to 8 words, answer: the linked article) and the tune questions, out of fold "
            "with folds grouped by article over both, mean of "
            f"{len(SEARCH_SEEDS)} fold assignments; ranking only (nothing declined)",
            ["pipeline", "tune s@1", "tune s@5", "links s@1", "links s@5"],
            searches,
        ),
        table(
            "Dev questions: a VALIDATION set, measured only, never tuned on (shipped model)",
            ["pipeline", "n", *COLUMNS],
            [[name, r["questions"], *(r[c] for c in COLUMNS)] for name, r in dev.items()],
        ),
        table(
            f"Off-domain questions ({OFF_DOMAIN.name}: general knowledge and chit-chat, written "
            "after the domain floor was designed, never chosen on), shipped model: declined",
            ["language", "with the domain floor", "without it", "answered with it"],
            off_domain,
        ),
    ]


def _see_also(
    samples: Sequence[Sample], scores: Sequence[npt.NDArray[np.float64]], repeats: int
) -> list[list[object]]:
    """For the see-also point that the F1 (the previous criterion) and the shipped F-beta
    choose out of fold: the answered questions whose first article is wrong, those of them
    with a gold article among the see-also links (candidates two to five at or above the
    point), the links per answer and the share of them that are gold."""
    declined_below = choose_threshold(samples, scores)
    rows: list[list[object]] = []
    for name, beta in (("F1 (before)", 1.0), (f"F{SEE_ALSO_BETA:g} (shipped)", SEE_ALSO_BETA)):
        point = choose_see_also(samples, scores, beta)
        wrong = rescued = links = gold = answered = 0
        for s, sc in zip(samples, scores, strict=True):
            if not len(sc) or float(sc.max()) < declined_below:
                continue
            answered += 1
            order = np.argsort(-sc, kind="stable")
            shown = [j for j in order[1:5] if sc[j] >= point]
            links += len(shown)
            gold += sum(int(s.labels[j] > 0) for j in shown)
            if s.question.gold and s.labels[order[0]] == 0:
                wrong += 1
                rescued += any(s.labels[j] > 0 for j in shown)
        rows.append(
            [
                name,
                point,
                round(wrong / repeats, 1),
                round(rescued / repeats, 1),
                round(links / max(answered, 1), 2),
                round(gold / max(links, 1), 2),
            ]
        )
    return rows


def _off_domain(assistant: Assistant) -> list[list[object]]:
    """Per language, how many off-domain questions the shipped model declines with and without
    its domain floor (the same loaded index, its floor set aside for a moment), and those it
    still answers."""
    retriever = assistant.retriever
    shipped = retriever.params
    unfloored = dataclasses.replace(
        shipped, tuned=dataclasses.replace(shipped.tuned, domain_floor={})
    )

    def declined(question: str, params: RetrievalParams) -> bool:
        retriever.params = params
        try:
            return not assistant.retrieve(question)[0].relevant
        finally:
            retriever.params = shipped

    lines = OFF_DOMAIN.read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    out: list[list[object]] = []
    for lang in dict.fromkeys(q["lang"] for q in questions):
        asked = [q["question"] for q in questions if q["lang"] == lang]
        kept = [q for q in asked if not declined(q, shipped)]
        before = sum(declined(q, unfloored) for q in asked)
        n = len(asked)
        out.append([lang, f"{n - len(kept)}/{n}", f"{before}/{n}", "; ".join(kept) or "-"])
    return out


def _ablate(
    samples: Sequence[Sample],
    weak: Sequence[Sample],
    tuned: Tuned,
    prefixes: tuple[str, ...],
    floor: bool = True,
) -> tuple[list[Sample], list[npt.NDArray[np.float64]]]:
    """Out-of-fold scores, pooled over the fold assignments, of the shipped model's settings
    (regularisation, weak weight) trained without the features whose names start with
    `prefixes` (none: all kept), and with or without the domain floor."""
    keep = [i for i, name in enumerate(FEATURES) if not prefixes or not name.startswith(prefixes)]

    def masked(group: Sequence[Sample]) -> list[Sample]:
        out = []
        for s in group:
            rows = np.zeros_like(s.rows)
            rows[:, keep] = s.rows[:, keep]
            out.append(Sample(s.question, s.langs, s.docs, rows, s.labels, s.group))
        return out

    c = float(tuned.figures.get("C", 1.0))
    weight = float(tuned.figures.get("weak_weight", 0.0))
    return repeated_cv(masked(samples), tuned, c, masked(weak), weight, floor)


def _dev(setup: Setup, assistant: Assistant, retriever: Retriever) -> dict[str, dict[str, object]]:
    names = section_names(retriever.index.chunks)
    results: dict[str, dict[str, object]] = {}
    pipelines: dict[str, Callable[[str], Answer]] = {}
    for label, mode in (
        ("ours (learned ranker)", "hybrid"),
        ("dense only", "dense"),
        ("bm25 only", "bm25"),
    ):
        other = Assistant(setup.index, setup.embedder, RetrievalParams(mode=mode))
        other.warm_up()
        pipelines[label] = functools.partial(other.ask, top_k=10)
    guesser = LanguageGuesser()
    pipelines["naive hybrid"] = lambda q: _as_answer(
        retriever, q, naive_hybrid(retriever, q, guesser.guess(q))
    )
    for label, ask in pipelines.items():
        log(f"ranking: dev questions, {label}")
        result = evaluate(list(setup.questions), ask, names)
        overall = result["overall"]
        assert isinstance(overall, dict)
        results[label] = overall
    return results
