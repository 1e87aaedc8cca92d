"""Chunking by heading: breadcrumbs, anchors, size caps and merges."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from corpus import Article, Chunker, Part, load_corpus
from corpus._chunker import approx_tokens, slugify
from tests.conftest import DATA, SUPEROFFICE, need

GOLDEN = DATA / "golden" / "setup.en.chunks.json"
ANCHORS = DATA / "golden" / "anchors.json"


def _name(page: dict[str, Any]) -> str:
    return str(page["name"])


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
    split = Chunker(max_tokens=120, min_tokens=10).split(article)
    chunks = json.loads(json.dumps([dataclasses.asdict(c) for c in split], ensure_ascii=False))
    for chunk in chunks:
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
    assert chunks[0].parts == (
        Part(("Parent",), "parent", 0),
        Part(("Parent", "Tiny"), "tiny", chunks[0].text.index("**Tiny**")),
    )
    assert chunks[1].parts == ()


def test_a_short_section_merges_only_into_a_parent_or_an_earlier_sibling(tmp_path: Path) -> None:
    long = "Long enough paragraph about installing on this system. " * 6
    body = (
        f"# Guide\n\n## Install\n\n{long}\n\n### Windows\n\n{long}\n\n"
        "### Linux\n\nRun the package manager.\n\n"
        "## Uninstall\n\nRemove the app from the control panel.\n\n"
        "## Support\n\nMail the helpdesk.\n"
    )
    chunks = Chunker(max_tokens=300, min_tokens=20).split(_article(body, tmp_path))
    assert [c.breadcrumb for c in chunks] == [
        "T › Install",
        "T › Install › Windows",
        "T › Uninstall",
    ]
    windows, uninstall = chunks[1], chunks[2]
    assert [(p.headings, p.anchor) for p, _ in windows.part_texts()] == [
        (("Install", "Windows"), "windows"),
        (("Install", "Linux"), "linux"),
    ]
    assert [(p.anchor, text) for p, text in uninstall.part_texts()] == [
        ("uninstall", "Remove the app from the control panel.\n\n"),
        ("support", "**Support**\n\nMail the helpdesk."),
    ]
    cited = uninstall.section(uninstall.parts[1])
    assert (cited.breadcrumb, cited.link) == ("T › Support", "https://x/en/a#support")


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


def test_a_code_block_split_across_chunks_stays_code_in_each(tmp_path: Path) -> None:
    code = "\n".join(f'<setting id="{i}" value="something long enough"/>' for i in range(60))
    body = f"# T\n\n## Config\n\nThe file:\n\n```xml XML\n{code}\n```\n\nAfter the code.\n"
    chunks = Chunker(max_tokens=100, min_tokens=0).split(_article(body, tmp_path))
    assert len(chunks) > 2
    seen = []
    for chunk in chunks:
        tokens = MarkdownIt("commonmark").parse(chunk.text)
        fenced = "".join(t.content for t in tokens if t.type == "fence")
        seen += [line for line in fenced.splitlines() if line]
        assert all(t.info == "xml XML" for t in tokens if t.type == "fence")
        assert "<setting" not in "".join(t.content for t in tokens if t.type == "inline")
    assert seen == code.splitlines()
    assert chunks[-1].text.endswith("After the code.")


def test_headings_in_code_are_not_numbered(tmp_path: Path) -> None:
    body = (
        "# T\n\n## Note\n\nA.\n\n```md\n#### Note\n## Note\n```\n\nMore.\n\n"
        "## Note\n\nB.\n\n```foo```\n\n## Next\n\nC.\n"
    )
    anchors = [c.anchor for c in Chunker(min_tokens=0).split(_article(body, tmp_path))]
    assert anchors == ["note", "note-1", "next"]


def test_code_blocks_are_not_headings(tmp_path: Path) -> None:
    body = "# T\n\n## Config\n\n```yaml\n# a comment, not a heading\nkey: 1\n```\n"
    chunks = Chunker(min_tokens=0).split(_article(body, tmp_path))
    assert len(chunks) == 1
    assert "# a comment, not a heading" in chunks[0].text


def test_slugify_follows_the_docs_site() -> None:
    assert slugify("Key fields explained") == "key-fields-explained"
    assert slugify("What's new in 10.3?") == "whats-new-in-103"
    assert slugify("Nyckelfält förklarade") == "nyckelfält-förklarade"
    assert slugify("my_field") == "my_field"


@pytest.mark.parametrize("page", json.loads(ANCHORS.read_text("utf-8"))["pages"], ids=_name)
def test_section_anchors_match_the_golden_anchors(page: dict[str, Any], tmp_path: Path) -> None:
    body = "".join(f"{heading}\n\nText.\n\n" for heading in page["headings"])
    expected = [
        anchor
        for heading, anchor in zip(page["headings"], page["anchors"], strict=True)
        if heading.startswith(("## ", "### "))
    ]
    chunks = Chunker(min_tokens=0).split(_article(body, tmp_path))
    assert [c.anchor for c in chunks] == expected


@pytest.mark.slow
def test_real_corpus_headings_with_underscores_keep_them_in_their_anchors(tmp_path: Path) -> None:
    corpus = need(SUPEROFFICE)
    files = [
        "en/custom-objects/reference/index.mdx",
        "en/onsite/install/database/sotables-ini.mdx",
        "en/onsite/upgrade/to-81/move-crm-server.mdx",
        "en/online/mail-services/curl/oauth-microsoft365.mdx",
        "en/customization/soprotocol/howto/create-follow-up.md",
        "en/customization/soprotocol/howto/create-document.md",
    ]
    for file in files:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus / file, tmp_path / file)
    (tmp_path / "snippets").symlink_to(corpus / "snippets")
    articles = load_corpus(tmp_path).articles
    assert len(articles) == len(files)
    anchors = {c.anchor for a in articles for c in Chunker(min_tokens=0).split(a)}
    assert {
        "the-extra_fields-table",
        "truncate_builtin-and-set_builtin",
        "superoffice-document-archive-so_arc",
        "error-invalid_request--invalid-client_id",
        "curl-vs-netserver-and-reg_id320",
        "create-a-new-follow-up-with-specified-sale_id",
        "create-a-new-follow-up-with-specified-project_id",
        "create-new-document-with-pre-selected-documenttemplate_id-equals-10",
    } <= anchors


def test_a_section_that_only_lists_links_to_other_articles_is_left_out(tmp_path: Path) -> None:
    body = (
        "# T\n\n## Formats\n\n* PDF\n* Word\n\n## Mixed\n\n* Edit\n* Word\n\n"
        "## Related content\n\n* Edit a user\n- Roles\n"
    )  # as the loader leaves it: links are text, their targets in `Article.links`
    links = (("Edit", "edit.md"), ("Edit a user", "edit.md"), ("Roles", "roles.md"))
    article = dataclasses.replace(_article(body, tmp_path), links=links)
    assert [c.anchor for c in Chunker(min_tokens=0).split(article)] == ["formats", "mixed"]
    hub = dataclasses.replace(article, body="# T\n\n* Edit a user\n* Roles\n")
    assert [c.text for c in Chunker(min_tokens=0).split(hub)] == ["* Edit a user\n* Roles"]
