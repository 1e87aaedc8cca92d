"""Compounds, lexical side: BM25 alone, plain stems vs split compounds vs character n-grams,
over the whole corpus chunked like the product, searching the question's language."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from assistant._eval import EvalQuestion, read_questions
from assistant._lexical import CompoundOptions, LexicalIndex
from bench._report import log, table
from bench._setup import Setup
from corpus import Chunk, Chunker, load_corpus

VARIANTS = {
    "plain stems (before)": CompoundOptions(mode="none"),
    "split (wordninja-pp), words >= 8": CompoundOptions(mode="split", min_word=8),
    "n-grams 4/5 x0.1, words >= 8": CompoundOptions(mode="ngrams", min_word=8),
    "split + n-grams 4/5 x0.1, words >= 8": CompoundOptions(mode="both", min_word=8),
    "split + n-grams 4/5 x0.1, words >= 6 (default)": CompoundOptions(),
}
Result = tuple[str, bool, bool]  # question language, success@1, success@5
FALLBACK = "en"  # questions in a language the corpus lacks (fi) search the English sections


def successes(
    index: LexicalIndex, chunks: Sequence[Chunk], questions: Sequence[EvalQuestion]
) -> list[Result]:
    """Per answerable question (language, success@1, success@5) over articles ranked by their
    best chunk."""
    out = []
    for q in questions:
        articles: list[str] = []
        for row, _ in index.search(q.question, _lang(index, q), k=100):
            if chunks[row].article_id not in articles:
                articles.append(chunks[row].article_id)
        gold = set(q.gold)
        out.append((q.lang, bool(gold & set(articles[:1])), bool(gold & set(articles[:5]))))
    return out


def ms_per_query(index: LexicalIndex, questions: Sequence[EvalQuestion], passes: int) -> float:
    """Mean milliseconds per search, in the best of `passes` passes (the machine is shared)."""
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for q in questions:
            index.search(q.question, _lang(index, q), k=100)
        best = min(best, time.perf_counter() - started)
    return best * 1000 / max(1, len(questions))


def _lang(index: LexicalIndex, q: EvalQuestion) -> str:
    return q.lang if q.lang in index.languages else FALLBACK


def _rate(results: Sequence[Result], at: int) -> float | None:
    return round(sum(bool(r[at]) for r in results) / len(results), 3) if results else None


def question_sets(setup: Setup) -> dict[str, list[EvalQuestion]]:
    """The answerable tune questions (when present) and dev questions, tune first."""
    paths = {"tune": setup.tune_path, "dev": setup.questions_path}
    return {
        name: [q for q in read_questions(path) if q.gold]
        for name, path in paths.items()
        if path.exists()
    }


def run(setup: Setup) -> list[str]:
    """The variant table on tune (chosen by) and dev (validation only), and tune per language."""
    loaded = load_corpus(setup.corpus, "{lang}/{id}")
    chunker = Chunker(450, 60)
    chunks = [c for a in loaded.articles for c in chunker.split(a)]
    sets = question_sets(setup)
    first = next(iter(sets))
    langs = [c.lang for c in chunks]
    texts = [c.passage() for c in chunks]
    rows: list[list[object]] = []
    firsts: dict[str, list[Result]] = {}
    data: dict[str, object] = {"chunks": len(chunks)}
    indexes: dict[str, LexicalIndex] = {}
    builds: dict[str, float] = {}
    for name, options in VARIANTS.items():
        log(f"compounds: {name}")
        started = time.perf_counter()
        indexes[name] = LexicalIndex(langs, texts, options)
        builds[name] = round(time.perf_counter() - started, 1)
    # passes interleaved across the variants, so that a burst of load on the shared machine
    # does not fall on one variant alone
    ms = {name: float("inf") for name in indexes}
    for _ in range(3):
        for name, index in indexes.items():
            ms[name] = min(ms[name], ms_per_query(index, sets[first], passes=1))
    for name, index in indexes.items():
        row: list[object] = [name]
        for set_name, questions in sets.items():
            results = successes(index, chunks, questions)
            row += [_rate(results, 1), _rate(results, 2)]
            if set_name == first:
                firsts[name] = results
        row += [round(ms[name], 2), builds[name]]
        rows.append(row)
        data[name] = dict(zip(["variant", *_headers(sets)[1:]], row, strict=True))
    setup.record("compounds", data)
    lang_names = sorted({r[0] for r in next(iter(firsts.values()))})
    lang_rows = [
        [name, *(_pair([r for r in results if r[0] == lg]) for lg in lang_names)]
        for name, results in firsts.items()
    ]
    counts = ", ".join(f"{k} {len(v)}" for k, v in sets.items())
    sizes = Counter(q.lang for q in sets[first])
    return [
        table(
            f"Compounds (lexical side): BM25 alone over {len(chunks)} chunks (450/60), article "
            f"success@k, answerable questions ({counts}); tune chooses, dev only validates; "
            f"fi questions search the {FALLBACK} sections; ms/query: best of 3 interleaved "
            f"passes on {first}",
            _headers(sets),
            rows,
        ),
        table(
            f"Compounds per language on {first}: success@1 / success@5",
            ["variant", *(f"{lg} (n={sizes[lg]})" for lg in lang_names)],
            lang_rows,
        ),
    ]


def _headers(sets: dict[str, list[EvalQuestion]]) -> list[str]:
    cells = [f"{name} s@{k}" for name in sets for k in (1, 5)]
    return ["variant", *cells, "ms/query", "build s"]


def _pair(results: Sequence[Result]) -> str:
    return f"{_rate(results, 1)} / {_rate(results, 2)}"
