"""Follow-up questions without an LLM: pairs of turns in six languages, over the bundled guide
and (when the corpus is there) a slice of it, and pairs whose follow-up refers back ("And how
do I delete it?") or turns to a new topic over the whole index. Each follow-up must be
answered from its own article and section, not from the previous turn's; one the docs don't
cover (empty gold) must be declined."""

from __future__ import annotations

import json
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from assistant import Assistant
from assistant._retriever import Retrieval, RetrievalParams
from bench._corpus import make_slice, raw_docs, subset_ids
from bench._report import log, table
from bench._setup import Setup

DATA = Path(__file__).parent / "data"
GUIDE = Path(__file__).resolve().parents[1] / "corpus" / "guide"
#: The real-corpus pairs' articles, and the articles their first questions are about.
SLICE_IDS = (
    "admin/user-management/add-associate",
    "admin/user-management/update-user",
    "contact/learn/create",
    "project/learn/create",
)
DISTRACTORS = 8
#: The tables run over the whole index when it is given: their key, file and what they test.
WHOLE_INDEX = (
    ("pronouns", "followups-pronouns.jsonl", "refer back"),
    ("new_topic", "followups-new-topic.jsonl", "turn to a new topic"),
)
COLUMNS = ("article@1", "section@1", "repeats", "p50_ms")


@dataclass(frozen=True)
class Pair:
    """A first question, its follow-up, and the follow-up's gold article and sections (none
    when the docs don't cover the follow-up)."""

    lang: str
    first: str
    followup: str
    gold: str
    sections: tuple[str, ...]


def read_pairs(path: Path) -> list[Pair]:
    """The pairs of a JSON-lines file."""
    pairs = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pairs.append(
                Pair(
                    row["lang"], row["first"], row["followup"], row["gold"], tuple(row["sections"])
                )
            )
    return pairs


Strategy = Callable[[Assistant, Pair], Retrieval]
STRATEGIES: dict[str, Strategy] = {
    "previous turn prepended (before)": lambda a, p: a.retrieve(f"{p.first} {p.followup}")[0],
    "follow-up alone": lambda a, p: a.retrieve(p.followup)[0],
    "alone, + previous when not relevant (before)": lambda a, p: _if_not_relevant(
        a.retrieve(p.followup)[0], a.retrieve(f"{p.followup} {p.first}")[0]
    ),
    "the more relevant of alone and + previous": lambda a, p: max(
        a.retrieve(p.followup)[0],
        a.retrieve(f"{p.followup} {p.first}")[0],
        key=lambda r: r.relevance,
    ),
    "ours before: + previous when more relevant elsewhere": lambda a, p: _without_pointers(a, p),
    "ours: and, when nothing found alone, only if it points back": lambda a, p: a.retrieve(
        p.followup, history=[p.first]
    )[0],
}


def _without_pointers(assistant: Assistant, pair: Pair) -> Retrieval:
    """Ours as it was before a follow-up that finds nothing alone had to point back ("it",
    "And ...") to be searched with the previous question."""
    with mock.patch("assistant._assistant.points_back", return_value=True):
        return assistant.retrieve(pair.followup, history=[pair.first])[0]


def _if_not_relevant(alone: Retrieval, joined: Retrieval) -> Retrieval:
    return joined if not alone.relevant and joined.relevant else alone


def score(assistant: Assistant, pairs: list[Pair]) -> dict[str, dict[str, object]]:
    """Per strategy: the share of follow-ups whose first hit is the gold article, the gold
    section (both: declined, when there is no gold), and the share answered from the first
    question's article instead."""
    results: dict[str, dict[str, object]] = {}
    firsts = {p.first: assistant.retrieve(p.first)[0] for p in pairs}
    for name, strategy in STRATEGIES.items():
        article = section = repeats = 0
        ms = []
        for pair in pairs:
            started = time.perf_counter()
            retrieval = strategy(assistant, pair)
            ms.append((time.perf_counter() - started) * 1000)
            top = retrieval.hits[0].chunk if retrieval.relevant and retrieval.hits else None
            before = firsts[pair.first].hits[0].chunk.article_id if firsts[pair.first].hits else ""
            if not pair.gold:
                article += top is None
                section += top is None
            else:
                article += bool(top and top.article_id == pair.gold)
                section += bool(top and top.article_id == pair.gold and top.anchor in pair.sections)
            repeats += bool(top and top.article_id == before != pair.gold)
        n = len(pairs)
        results[name] = {
            "pairs": n,
            "article@1": round(article / n, 3),
            "section@1": round(section / n, 3),
            "repeats": round(repeats / n, 3),
            "p50_ms": round(statistics.median(ms), 1),
        }
    return results


def _table(title: str, results: dict[str, dict[str, object]]) -> str:
    rows = [[name, r["pairs"], *(r[c] for c in COLUMNS)] for name, r in results.items()]
    return table(title, ["strategy", "n", *COLUMNS], rows)


def _assistant(index: Path, setup: Setup) -> Assistant:
    assistant = Assistant(index, setup.embedder, RetrievalParams())
    assistant.warm_up()
    return assistant


def run(setup: Setup) -> list[str]:
    """Measure, record and return the follow-up tables."""
    guide_pairs = read_pairs(DATA / "followups-guide.jsonl")
    index = setup.seeded_dir("followup-guide-index")
    setup.ingest(GUIDE, index)
    log(f"follow-ups: {len(guide_pairs)} pairs over the bundled guide")
    on_guide = score(_assistant(index, setup), guide_pairs)
    data: dict[str, object] = {"guide": on_guide}
    langs = sorted({p.lang for p in guide_pairs})
    tables = [_table(f"Follow-ups over the bundled guide ({', '.join(langs)})", on_guide)]
    docs = raw_docs(setup.corpus) if setup.corpus.exists() else []
    if set(SLICE_IDS) <= {d.article_id for d in docs}:
        pairs = read_pairs(DATA / "followups-superoffice.jsonl")
        sample = 0 if setup.quick else DISTRACTORS
        ids = subset_ids(docs, SLICE_IDS, sample, setup.seed)
        slice_dir = setup.work / "followup-corpus"
        shutil.rmtree(slice_dir, ignore_errors=True)
        make_slice(setup.corpus, slice_dir, set(ids), {p.lang for p in pairs})
        index = setup.seeded_dir("followup-slice-index")
        report = setup.ingest(slice_dir, index)
        log(f"follow-ups: {len(pairs)} pairs over a slice of {report.articles} articles")
        on_slice = score(_assistant(index, setup), pairs)
        data["slice"] = on_slice
        title = (
            f"Follow-ups over a corpus slice ({len(ids)} ids: the pairs' {len(SLICE_IDS)} "
            f"articles + {sample} random (seed {setup.seed}); {report.articles} files)"
        )
        tables.append(_table(title, on_slice))
    known = {d.article_id for d in docs}
    tables_of = [(key, about, read_pairs(DATA / file)) for key, file, about in WHOLE_INDEX]
    runs = [(k, a, ps) for k, a, ps in tables_of if {p.gold for p in ps if p.gold} <= known]
    if runs and (setup.index / "manifest.json").exists():
        whole = _assistant(setup.index, setup)
        for key, about, pairs in runs:
            log(f"follow-ups: {len(pairs)} pairs that {about}, over {setup.index}")
            data[key] = on_index = score(whole, pairs)
            langs = sorted({p.lang for p in pairs})
            title = f"Follow-ups that {about} ({', '.join(langs)}), over the whole index"
            tables.append(_table(title, on_index))
    setup.record("followup", data)
    return tables
