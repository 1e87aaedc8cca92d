"""The eval's success, recall and section metrics on hand-made rankings."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from assistant import Answer, Citation, Hit
from assistant._eval import EvalQuestion, evaluate, read_questions, section_names
from corpus import Chunk


def _chunk(article: str, lang: str = "en", headings: tuple[str, ...] = ("Steps",)) -> Chunk:
    return Chunk(article, lang, "Title", headings, "a", "https://x", "text", 0)


def _answer(*chunks: Chunk) -> Answer:
    hits = [Hit(c, 0.9, 0.9, 0.0) for c in chunks]
    citations = [
        Citation(n, c.title, c.breadcrumb, c.url, c.lang, 0.9, c.article_id)
        for n, c in enumerate(chunks, start=1)
    ]
    return Answer(uuid.uuid4().hex, "q", "text", citations, "en", bool(chunks), hits=hits)


def _run(questions: list[EvalQuestion], answers: dict[str, Answer]) -> dict[str, object]:
    result = evaluate(questions, lambda q: answers[q])
    overall = result["overall"]
    assert isinstance(overall, dict)
    return overall


def test_success_counts_any_gold_article_and_recall_counts_the_share() -> None:
    q = EvalQuestion("1", "en", "two golds", ("a", "b"), "Steps")
    overall = _run([q], {"two golds": _answer(_chunk("x"), _chunk("a"), _chunk("y"))})
    assert overall["success@1"] == 0.0
    assert overall["success@5"] == 1.0
    assert overall["recall@5"] == 0.5
    assert overall["mrr@10"] == 0.5


def test_a_declined_answerable_question_is_a_miss_and_counts_as_over_declined() -> None:
    answerable = EvalQuestion("1", "en", "covered", ("a",))
    out_of_scope = EvalQuestion("2", "en", "not covered", ())
    overall = _run([answerable, out_of_scope], {"covered": _answer(), "not covered": _answer()})
    assert overall["success@5"] == 0.0
    assert overall["over_declined"] == 1.0
    assert overall["declined"] == 1.0


def test_section_hit_needs_the_gold_article_and_its_heading() -> None:
    right = EvalQuestion("1", "en", "right", ("a",), "Steps")
    wrong_section = EvalQuestion("2", "en", "wrong section", ("a",), "Prerequisites")
    wrong_article = EvalQuestion("3", "en", "wrong article", ("a",), "Steps")
    overall = _run(
        [right, wrong_section, wrong_article],
        {
            "right": _answer(_chunk("a")),
            "wrong section": _answer(_chunk("a")),
            "wrong article": _answer(_chunk("b")),
        },
    )
    assert overall["section@1"] == pytest.approx(1 / 3, abs=1e-3)


def test_a_section_named_in_another_language_matches_by_position() -> None:
    english = [_chunk("a", "en", ("Intro",)), _chunk("a", "en", ("Steps",))]
    swedish = [_chunk("a", "sv", ("Inledning",)), _chunk("a", "sv", ("Steg",))]
    names = section_names([*english, *swedish])
    assert "steps" in names(swedish[1])
    assert "steps" not in names(swedish[0])


def test_a_merged_heading_counts_for_the_section(tmp_path: Path) -> None:
    merged = Chunk("a", "en", "T", ("Install",), "install", "u", "x\n\n**Uninstall**\n\ny", 0)
    assert "uninstall" in section_names([merged])(merged)


def test_questions_keep_their_section(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "q", "gold": ["a"], "section": "Steps"}\n', "utf-8")
    assert read_questions(path)[0].section == "Steps"
