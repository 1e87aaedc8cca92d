"""Score the assistant on a JSONL file of questions with gold article ids and sections."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from assistant._assistant import MAX_QUESTION_CHARS
from assistant._lang import language_code
from assistant._model import Answer
from corpus import Chunk

T = TypeVar("T")
#: Seconds of work before a progress bar shows, so that quick runs print none.
PROGRESS_DELAY = 1.0

METRICS = (
    "success@1",
    "success@5",
    "recall@5",
    "mrr@10",
    "section@1",
    "declined",
    "over_declined",
    "same_lang",
    "p50_ms",
    "p95_ms",
)
#: What each metric means, for `--help` and the README.
METRIC_HELP = {
    "success@k": "share of answerable questions with a gold article among the first k articles",
    "recall@5": "share of each question's gold articles found in the first 5, averaged",
    "mrr@10": "mean reciprocal rank of the first gold article within 10",
    "section@1": "share of answerable questions with a `section` heading whose first citation "
    "is a gold article's answering section (that heading, in any language version)",
    "declined": "share of out-of-scope questions (empty gold) declined",
    "over_declined": "share of answerable questions declined",
    "same_lang": "share of first citations in the question's language",
}
#: The row of questions without a `lang`: their language is detected, as for a reader's.
DETECTED = "detected"
#: How many unknown gold ids or sections a warning names.
SHOWN = 5
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class EvalQuestion:
    """One line of an eval file."""

    id: str
    lang: str
    question: str
    gold: tuple[str, ...]
    section: str = ""


def read_questions(path: Path) -> list[EvalQuestion]:
    """Parse an eval file (UTF-8 JSONL); a bad line raises ValueError naming the file and
    line, and so does a file without questions."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        at = data[: exc.start].count(b"\n") + 1
        message = f"invalid UTF-8 at byte {exc.start}; save the file as UTF-8"
        raise ValueError(f"{path}:{at}: {message}") from None
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            questions.append(_question(line, path, number))
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions


def _question(line: str, path: Path, number: int) -> EvalQuestion:
    where = f"{path}:{number}"
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"{where}: not a JSON line ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object with a question")
    question = data.get("question")
    if not isinstance(question, str):
        raise ValueError(f'{where}: needs a "question" string')
    if not question.split():
        raise ValueError(f"{where}: the question is empty")
    if len(" ".join(question.split())) > MAX_QUESTION_CHARS:
        raise ValueError(f"{where}: the question is over {MAX_QUESTION_CHARS} characters")
    gold = data.get("gold", [])
    if not isinstance(gold, list) or not all(isinstance(g, str) and g for g in gold):
        raise ValueError(f"{where}: gold must be a list of article ids")
    lang = data.get("lang")
    code = language_code(lang) if isinstance(lang, str) else None
    if lang is not None and code is None:
        raise ValueError(f"{where}: lang {lang!r} is not a language code such as en, sv or nb")
    section = data.get("section") or ""
    if not isinstance(section, str):
        raise ValueError(f"{where}: section must be a heading")
    return EvalQuestion(str(data.get("id", number)), code or "", question, tuple(gold), section)


def heading_key(text: str) -> str:
    """A heading compared loosely: lower case, words only."""
    return " ".join(_WORD.findall(text.casefold()))


#: The headings that name one section in every language version of its article.
SectionNames = Callable[[Chunk], set[str]]


def section_names(chunks: Sequence[Chunk]) -> SectionNames:
    """Names of a chunk's section across translations: the section at the same position in
    every version of the article with the same number of sections, plus the headings of short
    sections merged into it."""
    positions: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for chunk in chunks:
        paths = positions.setdefault((chunk.article_id, chunk.lang), [])
        if not paths or paths[-1] != chunk.headings:
            paths.append(chunk.headings)
    by_article: dict[str, list[list[tuple[str, ...]]]] = {}
    for (article, _), paths in positions.items():
        by_article.setdefault(article, []).append(paths)

    def names(chunk: Chunk) -> set[str]:
        own = positions.get((chunk.article_id, chunk.lang), [])
        found = {heading_key(h) for h in chunk.headings} | {heading_key(chunk.title)}
        found |= {heading_key(m) for m in re.findall(r"^\*\*(.+?)\*\*\s*$", chunk.text, re.M)}
        if chunk.headings in own:
            at = own.index(chunk.headings)
            for paths in by_article.get(chunk.article_id, []):
                if len(paths) == len(own) and paths[at]:
                    found.add(heading_key(paths[at][-1]))
        return found - {""}

    return names


def gold_problems(
    questions: Sequence[EvalQuestion],
    chunks: Sequence[Chunk],
    source: str,
    names: SectionNames | None = None,
) -> list[str]:
    """Warnings, one line per kind, naming the gold ids of `source` that are in no article of
    the index (`chunks`) and the `section` headings in none of their gold articles: typos that
    would silently count as misses."""
    names = names or section_names(chunks)
    headings: dict[tuple[bool, str], set[str]] = {}
    for chunk in chunks:
        named = names(chunk)
        for qualified in (False, True):
            headings.setdefault((qualified, _article(chunk, qualified)), set()).update(named)
    unknown: dict[str, None] = {}
    sections = []
    for q in questions:
        found = [headings.get((_qualified(q), g)) for g in q.gold]
        unknown.update((g, None) for g, h in zip(q.gold, found, strict=True) if h is None)
        known = [h for h in found if h is not None]
        if q.section and known and heading_key(q.section) not in set().union(*known):
            sections.append(f"{q.id} {q.section!r}")
    problems = []
    if unknown:
        problems.append(
            f"{source}: {len(unknown)} gold article ids are in no indexed article (scored as "
            f"misses): {_first(list(unknown))}"
        )
    if sections:
        problems.append(
            f"{source}: {len(sections)} sections are in none of their gold articles (scored as "
            f"misses): {_first(sections)}"
        )
    return problems


def _first(items: list[str]) -> str:
    return ", ".join(items[:SHOWN]) + (", …" if len(items) > SHOWN else "")


@dataclass
class _Row:
    q: EvalQuestion
    ranking: list[str]
    answer: Answer
    ms: float
    section_hit: bool


def _summary(rows: list[_Row]) -> dict[str, float | int | None]:
    answerable = [r for r in rows if r.q.gold]
    unanswerable = [r for r in rows if not r.q.gold]

    def success(row: _Row, k: int) -> float:
        top = row.ranking[:k] if row.answer.citations else []
        return float(bool(set(top) & set(row.q.gold)))

    def recall(row: _Row, k: int) -> float:
        top = row.ranking[:k] if row.answer.citations else []
        return len(set(top) & set(row.q.gold)) / len(row.q.gold)

    def rr(row: _Row) -> float:
        top = row.ranking[:10] if row.answer.citations else []
        return next((1.0 / (i + 1) for i, a in enumerate(top) if a in row.q.gold), 0.0)

    cited = [r for r in answerable if r.answer.citations]
    ms = [r.ms for r in rows]

    def mean(values: Iterable[float], n: int) -> float | None:
        return round(sum(values) / n, 3) if n else None

    n = len(answerable)
    sectioned = [r for r in answerable if r.q.section]
    return {
        "questions": len(rows),
        "answerable": n,
        "sectioned": len(sectioned),
        "success@1": mean((success(r, 1) for r in answerable), n),
        "success@5": mean((success(r, 5) for r in answerable), n),
        "recall@5": mean((recall(r, 5) for r in answerable), n),
        "mrr@10": mean((rr(r) for r in answerable), n),
        "section@1": mean((float(r.section_hit) for r in sectioned), len(sectioned)),
        "declined": mean((float(not r.answer.citations) for r in unanswerable), len(unanswerable)),
        "over_declined": mean((float(not r.answer.citations) for r in answerable), n),
        "same_lang": mean(
            (float(r.answer.citations[0].lang == (r.q.lang or r.answer.language)) for r in cited),
            len(cited),
        ),
        "p50_ms": round(float(np.percentile(ms, 50)), 1) if ms else None,
        "p95_ms": round(float(np.percentile(ms, 95)), 1) if ms else None,
    }


def _qualified(q: EvalQuestion) -> bool:
    """Gold ids name articles unqualified (`admin/getting-started`) unless they give a corpus."""
    return any(":" in g for g in q.gold)


def _article(chunk: Chunk, qualified: bool) -> str:
    return chunk.doc_id if qualified else chunk.article_id


def _section_hit(q: EvalQuestion, answer: Answer, names: SectionNames | None) -> bool:
    if not answer.citations or not answer.hits or not q.section:
        return False
    first = answer.hits[0].chunk
    if _article(first, _qualified(q)) not in q.gold:
        return False
    found = names(first) if names else {heading_key(h) for h in first.headings}
    return heading_key(q.section) in found


def evaluate(
    questions: list[EvalQuestion],
    ask: Callable[[str], Answer],
    names: SectionNames | None = None,
    show_progress: bool = False,
) -> dict[str, object]:
    """Ask every question (with a progress bar on stderr when `show_progress`); success,
    recall and MRR count distinct articles in rank order, and an answerable question the
    assistant declined counts as a miss."""
    rows = []
    for q in progress(questions, "Questions", show_progress):
        started = time.perf_counter()
        answer = ask(q.question)
        ms = (time.perf_counter() - started) * 1000
        chunks = {h.chunk.doc_id: h.chunk for h in answer.hits}
        ranking = [_article(c, _qualified(q)) for c in chunks.values()]
        rows.append(_Row(q, ranking, answer, ms, _section_hit(q, answer, names)))
    by_language = {
        lang or DETECTED: _summary([r for r in rows if r.q.lang == lang])
        for lang in sorted({r.q.lang for r in rows})
    }
    misses = [
        {"id": r.q.id, "question": r.q.question, "gold": list(r.q.gold), "got": r.ranking[:5]}
        for r in rows
        if (r.q.gold and not (set(r.ranking[:1]) & set(r.q.gold)))
        or (not r.q.gold and r.answer.citations)
    ]
    return {"overall": _summary(rows), "by_language": by_language, "misses": misses}


def progress(items: Sequence[T], desc: str, show: bool, unit: str = "question") -> Iterable[T]:
    """`items`, counted in `unit`s on a progress bar on stderr when `show` and the work takes
    more than `PROGRESS_DELAY` seconds; the bar is removed when done, so that printed results
    stay together."""
    bar: Iterable[T] = tqdm(
        items,
        desc=desc,
        unit=unit,
        disable=not show,
        delay=PROGRESS_DELAY,
        leave=False,
        dynamic_ncols=True,
    )
    return bar


def format_table(result: dict[str, object]) -> str:
    """The eval result as a plain-text table, one row per language and one overall."""
    by_language = result["by_language"]
    assert isinstance(by_language, dict)
    rows = [*by_language.items(), ("overall", result["overall"])]
    header = ["lang", "n", *METRICS]
    lines = [header]
    for name, summary in rows:
        cells = [name, str(summary["questions"])]
        cells += ["-" if summary[m] is None else f"{summary[m]}" for m in METRICS]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    overall = result["overall"]
    assert isinstance(overall, dict)
    sectioned, answerable = overall["sectioned"], overall["answerable"]
    if not sectioned and answerable:
        out.append("section@1: no question names a section.")
    elif sectioned < answerable:
        out.append(
            f"section@1 is over the {sectioned} of {answerable} answerable questions that name "
            "a section."
        )
    return "\n".join(out)
