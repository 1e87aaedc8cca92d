"""Follow-ups without an LLM: searched on their own, the previous question added only when the
follow-up alone finds nothing relevant; links of the docs shown as links in answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant._answer import with_links
from assistant._ingest import CorpusSource, ingest
from assistant._retriever import Retrieval, RetrievalParams
from corpus import Chunker
from embeddings import FakeEmbedder, IndexStore
from tests.conftest import DATA


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    embedder = FakeEmbedder()
    ingest(
        [CorpusSource(DATA / "mdx", "https://docs.example.com/{lang}/{id}")],
        IndexStore(tmp_path / "index"),
        embedder,
        Chunker(max_tokens=200, min_tokens=10),
        show_progress=False,
    )
    return Assistant(tmp_path / "index", embedder, RetrievalParams(min_score=0.0))


def _queries(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch, relevant: set[str]
) -> list[str]:
    """Record every query the retriever gets; only the ones in `relevant` find something."""
    asked: list[str] = []
    real = assistant.retriever.retrieve

    def retrieve(query: str, *args: Any, **kwargs: Any) -> Retrieval:
        asked.append(query)
        found = real(query, *args, **kwargs)
        return Retrieval(found.hits, found.relevance, query in relevant, found.lead)

    monkeypatch.setattr(assistant.retriever, "retrieve", retrieve)
    return asked


def test_a_follow_up_that_finds_its_answer_is_searched_alone(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _queries(assistant, monkeypatch, {"How do I descale it?"})
    retrieval, _ = assistant.retrieve("How do I descale it?", history=["How do I install it?"])
    assert asked == ["How do I descale it?"]
    assert retrieval.relevant


def test_the_previous_question_helps_only_a_follow_up_that_finds_nothing_alone(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined = "And if it fails? How do I install the machine?"
    asked = _queries(assistant, monkeypatch, {joined})
    retrieval, _ = assistant.retrieve("And if it fails?", history=["How do I install the machine?"])
    assert asked == ["And if it fails?", joined]
    assert retrieval.relevant


def test_a_follow_up_that_nothing_answers_stays_unanswered(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _queries(assistant, monkeypatch, set())
    answer = assistant.ask("What is a banana?", history=["How do I install the machine?"])
    assert len(asked) == 2
    assert not answer.confident and answer.citations == []


def test_linked_text_becomes_a_link_once_and_nothing_else_does() -> None:
    links = [("Edit users", "https://docs.example.com/sv/update (old)#edit")]
    text = with_links("- Edit users\n- Onsite users\n\nEdit users again.", links)
    assert text.count("](") == 1
    assert text.startswith("- [Edit users](https://docs.example.com/sv/update%20%28old%29#edit)")
    assert "- Onsite users" in text
    assert with_links("Edit usersX", links) == "Edit usersX"
