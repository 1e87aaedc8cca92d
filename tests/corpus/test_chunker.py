"""Chunking by heading: breadcrumbs, anchors, size caps and merges."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from corpus import Article, Chunker, load_corpus
from corpus._chunker import approx_tokens, slugify
from tests.conftest import DATA

GOLDEN = DATA / "golden" / "setup.en.chunks.json"


def _article(body: str, tmp_path: Path) -> Article:
    return Article(
        id="a",
        lang="en",
        title="T",
        url="https://x/en/a",
        body=body,
        source=tmp_path / "a.md",
        meta={"description": "D"},
    )


def test_chunks_of_a_fixture_article_match_the_snapshot() -> None:
    article = next(
        a for a in load_corpus(DATA / "mdx").articles if (a.lang, a.id) == ("en", "guide/setup")
    )
    chunks = [dataclasses.asdict(c) for c in Chunker(max_tokens=120, min_tokens=10).split(article)]
    for chunk in chunks:
        chunk["headings"] = list(chunk["headings"])
        del chunk["links"]  # set by the ingest, not by the chunker
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(chunks, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert chunks == json.loads(GOLDEN.read_text("utf-8"))


def test_breadcrumb_and_anchor(tmp_path: Path) -> None:
    body = "# T\n\nIntro.\n\n## Fields {#fields}\n\nA field.\n\n### Öppna fönstret\n\nText here.\n"
    chunks = Chunker(min_tokens=0).split(_article(body, tmp_path))
    assert [c.breadcrumb for c in chunks] == ["T", "T › Fields", "T › Fields › Öppna fönstret"]
    assert [c.link for c in chunks] == [
        "https://x/en/a#t",
        "https://x/en/a#fields",
        "https://x/en/a#öppna-fönstret",
    ]
    assert chunks[0].passage().startswith("T\nD\nIntro.")


def test_repeated_headings_get_numbered_anchors(tmp_path: Path) -> None:
    body = "# T\n\n## Steps\n\nOne.\n\n## Steps\n\nTwo.\n"
    anchors = [c.anchor for c in Chunker(min_tokens=0).split(_article(body, tmp_path))]
    assert anchors == ["steps", "steps-1"]


def test_short_sections_merge_into_their_parent(tmp_path: Path) -> None:
    long = "Long enough paragraph about the parent section. " * 8
    body = f"# T\n\n## Parent\n\n{long}\n\n### Tiny\n\nShort.\n\n## Next\n\n{long}\n"
    chunks = Chunker(max_tokens=300, min_tokens=20).split(_article(body, tmp_path))
    assert [c.headings for c in chunks] == [("Parent",), ("Next",)]
    assert "**Tiny**\n\nShort." in chunks[0].text


def test_long_sections_split_between_list_items_and_rows(tmp_path: Path) -> None:
    items = "\n".join(f"{i}. Step number {i} does one useful thing in the app." for i in range(60))
    table = "| a | b |\n|---|---|\n" + "\n".join(f"| row {i} | value {i} |" for i in range(80))
    body = f"# T\n\n## Steps\n\n{items}\n\n## Table\n\n{table}\n"
    chunks = Chunker(max_tokens=100, min_tokens=0).split(_article(body, tmp_path))
    assert len(chunks) > 4
    for chunk in chunks:
        assert approx_tokens(chunk.text) <= 100
        for line in chunk.text.splitlines():
            assert line.endswith(("app.", "|")), line
    assert all(c.anchor in {"steps", "table"} for c in chunks)


def test_code_blocks_are_not_headings(tmp_path: Path) -> None:
    body = "# T\n\n## Config\n\n```yaml\n# a comment, not a heading\nkey: 1\n```\n"
    chunks = Chunker(min_tokens=0).split(_article(body, tmp_path))
    assert len(chunks) == 1
    assert "# a comment, not a heading" in chunks[0].text


def test_slugify_follows_the_docs_site() -> None:
    assert slugify("Key fields explained") == "key-fields-explained"
    assert slugify("What's new in 10.3?") == "whats-new-in-103"
    assert slugify("Nyckelfält förklarade") == "nyckelfält-förklarade"
