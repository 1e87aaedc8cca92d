"""Follow-ups without an LLM: searched alone and with the previous question, which wins only
when it is more relevant and finds another article or the follow-up alone finds nothing
relevant, and never with the previous question's own article that the follow-up alone does not
find (a new topic); a follow-up that finds nothing alone and does not point back is not searched
with the previous question; links of the docs shown as links in answers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant._answer import with_links
from assistant._followup import points_back
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


def _scripted(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch, script: dict[str, tuple[Any, ...]]
) -> list[str]:
    """Record every query the retriever gets; a query in `script`, `(relevance, *articles)`,
    finds just those articles in that order with its relevance (relevant from 0.5), any other
    finds every article but nothing relevant."""
    asked: list[str] = []
    real = assistant.retriever.retrieve

    def retrieve(query: str, langs: Sequence[str], top_k: int, **kwargs: Any) -> Retrieval:
        asked.append(query)
        found = real(query, langs, 10, **kwargs)
        if query not in script:
            return Retrieval(found.hits, 0.01, False, found.lead)
        relevance, *articles = script[query]
        hits = [h for a in articles for h in found.hits if h.chunk.article_id == a]
        return Retrieval(hits, relevance, relevance >= 0.5, found.lead)

    monkeypatch.setattr(assistant.retriever, "retrieve", retrieve)
    return asked


FIRST = "How do I install the machine?"
#: The article that answers FIRST.
PREVIOUS = (0.9, "guide/setup")


@pytest.mark.parametrize(
    ("alone", "joined", "answered_by"),
    [
        ((0.9, "guide/setup"), (0.6, "guide/index"), "alone"),
        ((0.6, "guide/setup"), (0.9, "guide/index"), "joined"),
        ((0.6, "guide/setup"), (0.9, "guide/setup"), "alone"),
        ((0.2, "guide/setup"), (0.9, "guide/setup"), "joined"),
    ],
)
def test_the_previous_question_wins_when_more_relevant_elsewhere_or_alone_finds_nothing(
    assistant: Assistant,
    monkeypatch: pytest.MonkeyPatch,
    alone: tuple[float, str],
    joined: tuple[float, str],
    answered_by: str,
) -> None:
    followup = "And how do I clean it?"
    both = f"{followup} {FIRST}"
    asked = _scripted(assistant, monkeypatch, {followup: alone, both: joined, FIRST: PREVIOUS})
    retrieval, _ = assistant.retrieve(followup, history=[FIRST])
    assert asked[:2] == [followup, both]
    expected = alone if answered_by == "alone" else joined
    assert (retrieval.relevance, retrieval.hits[0].chunk.article_id) == expected


@pytest.mark.parametrize(
    ("alone", "cited"),
    [((0.8, "guide/index"), ["guide/index"]), ((0.2, "guide/index"), [])],
)
def test_a_new_topic_is_answered_alone_or_declined_not_from_the_previous_question(
    assistant: Assistant,
    monkeypatch: pytest.MonkeyPatch,
    alone: tuple[float, str],
    cited: list[str],
) -> None:
    followup = "What is in the fridge?"
    both = f"{followup} {FIRST}"
    _scripted(
        assistant, monkeypatch, {followup: alone, both: (0.95, "guide/setup"), FIRST: PREVIOUS}
    )
    answer = assistant.ask(followup, history=[FIRST])
    assert [c.article_id for c in answer.citations[:1]] == cited
    assert answer.confident == bool(cited)


def test_the_previous_question_s_article_wins_when_the_follow_up_alone_finds_it_too(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    followup = "And how do I clean it?"
    both = f"{followup} {FIRST}"
    script = {followup: (0.6, "guide/index", "guide/setup"), both: (0.9, "guide/setup")}
    _scripted(assistant, monkeypatch, {**script, FIRST: PREVIOUS})
    retrieval, _ = assistant.retrieve(followup, history=[FIRST])
    assert (retrieval.relevance, retrieval.hits[0].chunk.article_id) == (0.9, "guide/setup")


@pytest.mark.parametrize("previous", ["   ", "coffee " * 400])
def test_a_blank_or_overlong_previous_question_is_searched_without_error(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch, previous: str
) -> None:
    followup = "What is in it?"
    script = {followup: (0.2, "guide/index"), f"{followup} {previous}": (0.9, "guide/setup")}
    asked = _scripted(assistant, monkeypatch, script)
    retrieval, _ = assistant.retrieve(followup, history=[previous])
    assert asked[2:] == [previous] and retrieval.hits


def test_a_question_without_history_is_searched_once(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _scripted(assistant, monkeypatch, {FIRST: (0.9, "guide/setup")})
    assistant.retrieve(FIRST)
    assert asked == [FIRST]


@pytest.mark.parametrize(("followup", "searches"), [("What is a banana?", 1), ("Is it ripe?", 2)])
def test_a_follow_up_that_nothing_answers_stays_unanswered(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch, followup: str, searches: int
) -> None:
    asked = _scripted(assistant, monkeypatch, {})
    answer = assistant.ask(followup, history=[FIRST])
    assert len(asked) == searches
    assert not answer.confident and answer.citations == []


@pytest.mark.parametrize(
    ("followup", "cited"),
    [
        ("How many vacation days do I have left?", []),
        ("How many of them are left?", ["guide/index"]),
        ("And vacation days?", ["guide/index"]),
    ],
)
def test_a_follow_up_that_finds_nothing_alone_joins_the_previous_question_only_if_it_points_back(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch, followup: str, cited: list[str]
) -> None:
    script = {followup: (0.2, "guide/index"), f"{followup} {FIRST}": (0.9, "guide/index")}
    _scripted(assistant, monkeypatch, {**script, FIRST: PREVIOUS})
    answer = assistant.ask(followup, history=[FIRST])
    assert [c.article_id for c in answer.citations[:1]] == cited


@pytest.mark.parametrize(
    ("question", "lang", "points"),
    [
        ("And how do I delete it?", "en", True),
        ("What about companies?", "en", True),
        ("How many vacation days do I have left?", "en", False),
        ("Och hur skickar jag den till kunden?", "sv", True),
        ("Hvor mange feriedager har jeg igjen i år?", "no", False),
        ("Kan jeg tilføje interesser til vedkommende?", "da", True),
        ("Hvordan skifter jeg dækkene på min bil?", "da", False),
        ("Und wie lösche ich ihn?", "de", True),
        ("Wie richte ich meine E-Mail ein?", "de", False),
        ("Hoe verwijder ik die?", "nl", True),
        ("Entä mobiilissa?", "fi", True),
        ("¿Cómo lo borro?", "es", True),
    ],
)
def test_a_follow_up_points_back_with_a_pronoun_or_a_continuing_opening(
    question: str, lang: str, points: bool
) -> None:
    assert points_back(question, lang) is points


def test_linked_text_becomes_a_link_once_and_nothing_else_does() -> None:
    links = [("Edit users", "https://docs.example.com/sv/update (old)#edit")]
    text = with_links("- Edit users\n- Onsite users\n\nEdit users again.", links)
    assert text.count("](") == 1
    assert text.startswith("- [Edit users](https://docs.example.com/sv/update%20%28old%29#edit)")
    assert "- Onsite users" in text
    assert with_links("Edit usersX", links) == "Edit usersX"
