"""Answer quality on the dev questions: ours (hybrid), BM25 only, dense only and the tutorial
pipeline, all on the same fair subset; on the full corpus, ours and its ablations only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from assistant import Answer, Assistant, Citation, Hit
from assistant._eval import EvalQuestion, evaluate
from assistant._retriever import RetrievalParams
from bench._report import log, table
from bench._setup import Setup
from bench._subset import subset
from bench._tutorial import TutorialIndex
from corpus import Chunk

MODES = {"ours (hybrid)": "hybrid", "bm25 only": "bm25", "dense only": "dense"}
COLUMNS = ("success@1", "success@5", "mrr@10", "declined", "same_lang", "p50_ms")


def tutorial_answer(tutorial: TutorialIndex, question: str) -> Answer:
    """The baseline's ranking as an `Answer`: it never declines and cites every article."""
    ranked = tutorial.rank(question, top_k=10)
    hits = [Hit(Chunk(aid, lang, "", (), "", "", "", 0), 0.0, 0.0, 0.0) for aid, lang in ranked]
    citations = [
        Citation(n, "", "", "", lang, 0.0, aid) for n, (aid, lang) in enumerate(ranked, start=1)
    ]
    lang = citations[0].lang if citations else ""
    return Answer(uuid.uuid4().hex, question, "", citations, lang, True, hits=hits)


def _ours(index: Path, setup: Setup, mode: str) -> Callable[[str], Answer]:
    assistant = Assistant(index, setup.embedder, RetrievalParams(mode=mode))
    assistant.warm_up()
    return lambda q: assistant.ask(q, top_k=10)


def _run(
    pipelines: dict[str, Callable[[str], Answer]], questions: list[EvalQuestion]
) -> dict[str, dict[str, object]]:
    results = {}
    for name, ask in pipelines.items():
        log(f"quality: {name} on {len(questions)} questions")
        result = evaluate(questions, ask)
        results[name] = {"overall": result["overall"], "by_language": result["by_language"]}
    return results


def _table(title: str, results: dict[str, dict[str, object]]) -> str:
    rows = []
    for name, result in results.items():
        overall = result["overall"]
        assert isinstance(overall, dict)
        rows.append([name, overall["questions"], *(overall[c] for c in COLUMNS)])
    return table(title, ["pipeline", "n", *COLUMNS], rows)


def run(setup: Setup) -> list[str]:
    """Measure, record and return the quality tables."""
    sub = subset(setup)
    pipelines = {name: _ours(sub.index, setup, mode) for name, mode in MODES.items()}
    pipelines["tutorial (RCTS 1000/200 + FAISS)"] = lambda q: tutorial_answer(sub.tutorial, q)
    on_subset = _run(pipelines, sub.questions)
    tables = [
        _table(f"Quality on the SAME subset, all four pipelines ({sub.description})", on_subset)
    ]
    data: dict[str, object] = {"subset": {"description": sub.description, "results": on_subset}}
    if not setup.quick:
        full = _run({n: _ours(setup.index, setup, m) for n, m in MODES.items()}, setup.questions)
        tables.append(
            _table(
                f"Quality on the FULL corpus (index {setup.index}); no tutorial baseline here, "
                "not comparable with the subset table",
                full,
            )
        )
        data["full"] = full
    setup.record("quality", data)
    return tables
