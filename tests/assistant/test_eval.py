"""The eval's success, recall and section metrics on hand-made rankings, and the checks of
its question files."""

from __future__ import annotations

import dataclasses
import re
import uuid
from pathlib import Path

import pytest

from assistant import Answer, Citation, Hit
from assistant._eval import (
    EvalQuestion,
    evaluate,
    format_table,
    gold_problems,
    read_questions,
    section_names,
)
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


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("".join(f"{line}\n" for line in lines), "utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"question": "q", "gold": "admin/x"}', "gold must be a list of article ids"),
        ('{"question": "q", "gold": [1]}', "gold must be a list of article ids"),
        ('{"question": "  ", "gold": ["a"]}', "the question is empty"),
        ('{"gold": ["a"]}', 'needs a "question" string'),
        ('{"question": "q", "lang": "klingon"}', "lang 'klingon' is not a language code"),
        ('{"question": "q", "section": ["Steps"]}', "section must be a heading"),
        ("[1, 2]", "expected a JSON object"),
        ('{"question": "q", "gold": ', "not a JSON line"),
    ],
)
def test_a_bad_line_is_named_by_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = _file(tmp_path, '{"question": "fine", "lang": "en"}', "", line)
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}:3: ") as caught:
        read_questions(path)
    assert problem in str(caught.value)


@pytest.mark.parametrize("lines", [(), ("", "  ")], ids=["empty", "blank"])
def test_a_file_without_questions_is_an_error(tmp_path: Path, lines: tuple[str, ...]) -> None:
    path = _file(tmp_path, *lines)
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}: no questions$"):
        read_questions(path)


def test_a_file_not_in_utf8_names_its_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b'{"question": "ok"}\n{"question": "caf\xe9"}\n')
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}:2: invalid UTF-8 at byte 36;"):
        read_questions(path)


def test_a_language_tag_is_read_as_its_code(tmp_path: Path) -> None:
    path = _file(tmp_path, '{"question": "q", "lang": "nb"}', '{"question": "q", "lang": "sv-SE"}')
    assert [q.lang for q in read_questions(path)] == ["no", "sv"]


def test_questions_without_lang_are_a_detected_row_compared_with_the_detected_language() -> None:
    q = EvalQuestion("1", "", "fråga", ("a",))
    answer = _answer(_chunk("a", "sv"))
    answer = dataclasses.replace(answer, language="sv")
    result = evaluate([q], lambda _: answer)
    by_language = result["by_language"]
    assert isinstance(by_language, dict)
    assert list(by_language) == ["detected"]
    assert by_language["detected"]["same_lang"] == 1.0


def test_section_at_1_counts_only_questions_that_name_a_section() -> None:
    named = EvalQuestion("1", "en", "named", ("a",), "Steps")
    unnamed = EvalQuestion("2", "en", "unnamed", ("a",))
    result = evaluate([named, unnamed], lambda _: _answer(_chunk("a")))
    overall = result["overall"]
    assert isinstance(overall, dict)
    assert (overall["section@1"], overall["sectioned"], overall["answerable"]) == (1.0, 1, 2)
    assert "section@1 is over the 1 of 2 answerable questions" in format_table(result)


def test_without_any_section_section_at_1_is_a_dash() -> None:
    result = evaluate([EvalQuestion("1", "en", "q", ("a",))], lambda _: _answer(_chunk("a")))
    overall = result["overall"]
    assert isinstance(overall, dict)
    assert overall["section@1"] is None
    assert "no question names a section" in format_table(result)


def test_a_qualified_gold_id_can_hit_its_section() -> None:
    chunk = dataclasses.replace(_chunk("a"), corpus="docs")
    q = EvalQuestion("1", "en", "q", ("docs:a",), "Steps")
    overall = evaluate([q], lambda _: _answer(chunk))["overall"]
    assert isinstance(overall, dict)
    assert (overall["success@1"], overall["section@1"]) == (1.0, 1.0)


def test_gold_ids_and_sections_the_index_lacks_are_warned_about_once() -> None:
    chunks = [_chunk("a", "en", ("Steps",)), _chunk("b", "sv", ("Steg",))]
    questions = [
        EvalQuestion("1", "en", "q", ("a",), "Steps"),
        EvalQuestion("2", "en", "q", ("a", "typo"), "Stpes"),
        EvalQuestion("3", "en", "q", ("typo",)),
        EvalQuestion("4", "en", "q", ("nope",), "Steps"),
        EvalQuestion("5", "en", "q", ()),
        *(EvalQuestion(f"x{n}", "en", "q", (f"gone{n}",)) for n in range(5)),
    ]
    problems = gold_problems(questions, chunks, "q.jsonl")
    assert problems == [
        "q.jsonl: 7 gold article ids are in no indexed article (scored as misses): typo, nope, "
        "gone0, gone1, gone2, …",
        "q.jsonl: 1 sections are in none of their gold articles (scored as misses): 2 'Stpes'",
    ]
    assert gold_problems(questions[:1], chunks, "q.jsonl") == []
