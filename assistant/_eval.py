"""Score the assistant on a JSONL file of questions with gold article ids and sections."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant._model import Answer
from corpus import Chunk

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
    "section@1": "share of answerable questions whose first citation is a gold article's "
    "answering section (the `section` heading, in any language version)",
    "declined": "share of out-of-scope questions (empty gold) declined",
    "over_declined": "share of answerable questions declined",
    "same_lang": "share of first citations in the question's language",
}
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
    """Parse an eval file; a bad line raises ValueError naming the file and line."""
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=str(data.get("id", number)),
                    lang=str(data.get("lang", "")),
                    question=str(data["question"]),
                    gold=tuple(str(g) for g in data.get("gold", [])),
                    section=str(data.get("section") or ""),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: not a question line ({exc})") from exc
    return questions


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
    return {
        "questions": len(rows),
        "answerable": n,
        "success@1": mean((success(r, 1) for r in answerable), n),
        "success@5": mean((success(r, 5) for r in answerable), n),
        "recall@5": mean((recall(r, 5) for r in answerable), n),
        "mrr@10": mean((rr(r) for r in answerable), n),
        "section@1": mean((float(r.section_hit) for r in answerable), n),
        "declined": mean((float(not r.answer.citations) for r in unanswerable), len(unanswerable)),
        "over_declined": mean((float(not r.answer.citations) for r in answerable), n),
        "same_lang": mean(
            (float(r.answer.citations[0].lang == r.q.lang) for r in cited), len(cited)
        ),
        "p50_ms": round(float(np.percentile(ms, 50)), 1) if ms else None,
        "p95_ms": round(float(np.percentile(ms, 95)), 1) if ms else None,
    }


def _section_hit(q: EvalQuestion, answer: Answer, names: SectionNames | None) -> bool:
    if not answer.citations or not answer.hits or not q.section:
        return False
    first = answer.hits[0].chunk
    if first.article_id not in q.gold:
        return False
    found = names(first) if names else {heading_key(h) for h in first.headings}
    return heading_key(q.section) in found


def evaluate(
    questions: list[EvalQuestion],
    ask: Callable[[str], Answer],
    names: SectionNames | None = None,
) -> dict[str, object]:
    """Ask every question; success, recall and MRR count distinct articles in rank order, and
    an answerable question the assistant declined counts as a miss."""
    rows = []
    for q in questions:
        started = time.perf_counter()
        answer = ask(q.question)
        ms = (time.perf_counter() - started) * 1000
        # Gold ids name articles unqualified (`admin/getting-started`) unless they give a corpus.
        qualified = any(":" in g for g in q.gold)
        chunks = {h.chunk.doc_id: h.chunk for h in answer.hits}
        ranking = [c.doc_id if qualified else c.article_id for c in chunks.values()]
        rows.append(_Row(q, ranking, answer, ms, _section_hit(q, answer, names)))
    by_language = {
        lang: _summary([r for r in rows if r.q.lang == lang])
        for lang in sorted({r.q.lang for r in rows})
    }
    misses = [
        {"id": r.q.id, "question": r.q.question, "gold": list(r.q.gold), "got": r.ranking[:5]}
        for r in rows
        if (r.q.gold and not (set(r.ranking[:1]) & set(r.q.gold)))
        or (not r.q.gold and r.answer.citations)
    ]
    return {"overall": _summary(rows), "by_language": by_language, "misses": misses}


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
    return "\n".join(out)
