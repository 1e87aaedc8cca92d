"""The dev questions against a real chat model: run with ASSISTANT_LLM_BASE_URL (and
ASSISTANT_LLM_MODEL, and the key in OPENAI_API_KEY if the endpoint needs one) set."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from assistant._eval import EvalQuestion, read_questions
from assistant._setup import open_assistant
from assistant.settings import CorpusSettings, LLMSettings, Settings
from tests.conftest import DEV_QUESTIONS, SUPEROFFICE, need

# Read at collection time: the autouse isolation fixture removes them from the environment.
LIVE_URL = os.environ.get("ASSISTANT_LLM_BASE_URL")
LIVE_MODEL = os.environ.get("ASSISTANT_LLM_MODEL")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not LIVE_URL, reason="set ASSISTANT_LLM_BASE_URL to a real LLM endpoint"),
]


def gold_slice(root: Path, questions: list[EvalQuestion]) -> Path:
    """Copy every language's version of the gold articles, and the snippets, into `root`:
    the whole help center takes too long to embed on a small machine."""
    source = need(SUPEROFFICE)
    root.mkdir()
    shutil.copytree(source / "snippets", root / "snippets")
    for article in {g for q in questions for g in q.gold}:
        for real in source.glob(f"*/{article}.md*"):
            link = root / real.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(real, link)
    return root


def test_dev_questions_cite_the_gold_articles(tmp_path: Path) -> None:
    questions = read_questions(need(DEV_QUESTIONS))
    settings = Settings(
        corpora=[CorpusSettings(path=str(gold_slice(tmp_path / "docs", questions)))],
        index_dir=tmp_path / "index",
        llm=LLMSettings(base_url=LIVE_URL, model=LIVE_MODEL, timeout=120),
    )
    assistant = open_assistant(settings, show_progress=False)
    cited = in_gold = declined = failed = 0
    for q in questions:
        answer = assistant.ask(q.question, top_k=5)
        failed += bool(answer.notice)
        numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
        assert numbers == {c.n for c in answer.citations}
        assert {c.article_id for c in answer.citations} <= {h.chunk.article_id for h in answer.hits}
        if not q.gold:
            declined += not answer.citations
            continue
        cited += len(answer.citations)
        in_gold += sum(c.article_id in q.gold for c in answer.citations)
        print(f"{q.id} {q.lang} cited={[c.article_id for c in answer.citations]} gold={q.gold}")
    precision = in_gold / cited if cited else 0.0
    unanswerable = sum(not q.gold for q in questions)
    print(
        f"\ncitation precision: {precision:.3f} ({in_gold}/{cited} cited sources in gold); "
        f"unanswerable declined: {declined}/{unanswerable}; model failures: {failed}"
    )
    assert failed < len(questions)
