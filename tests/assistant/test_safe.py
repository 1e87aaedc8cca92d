"""Answer Markdown made safe: no HTML, no images, links only to the cited pages, code kept."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from assistant._safe import safe_markdown

DOCS = "https://docs.example.com/en/guide/setup#prepare"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[Verify](https://evil.example/phish) now [1]", "Verify now [1]"),
        ("![tracker](https://evil.example/p.png?leak=1) x", "tracker x"),
        ('<a href="https://evil.example/a">x</a>', "x"),
        ("<https://evil.example/auto> and https://evil.example/t?utm=1.", " and "),
        ("see www.evil.example/x", "see "),
        ("[a [b] x](javascript:alert(3))", r"a \[b\] x)"),
        ("<javascript:alert(4)> <svg/onload=alert(5)>", " "),
        ("<img src=x onerror=alert(11)//", ""),
        ("[the form][f]\n\n[f]: https://evil.example/ref", "\\[the form\\]\\[f\\]\n\n\\[f\\]: "),
        ("[![b](https://evil.example/b.svg)](https://evil.example/l)", "b"),
        ("Cited [1][2] and [3].", "Cited [1][2] and [3]."),
        ("[1](https://evil.example/x)", "1"),
        (r"\\[x](https://evil.example/y)", r"\\x"),
    ],
)
def test_foreign_links_images_and_html_are_reduced_to_text(text: str, expected: str) -> None:
    assert safe_markdown(text, [DOCS]) == expected


def test_links_to_a_cited_page_are_kept() -> None:
    text = "See [the steps](https://docs.example.com/en/guide/setup#install) [1]"
    assert safe_markdown(text, [DOCS]) == text
    assert safe_markdown("https://docs.example.com/en/guide/setup", [DOCS]) == (
        "https://docs.example.com/en/guide/setup"
    )
    assert safe_markdown("[x](https://docs.example.com.evil.example/en)", [DOCS]) == "x"


def test_code_is_kept_and_prose_reads_as_before() -> None:
    text = "Use `<img src=x>` or\n\n```html\n<script>x()</script>\n```\n\n> Note: R&D &lt;b&gt;"
    assert safe_markdown(text) == (
        "Use `<img src=x>` or\n\n```html\n<script>x()</script>\n```\n\n> Note: R&D &lt;b>"
    )


def test_an_unclosed_tag_takes_at_most_its_paragraph() -> None:
    text = safe_markdown("Before <svg/onload=alert(5)><a>in svg\n\nAfter.")
    assert text.startswith("Before ")
    assert text.endswith("\n\nAfter.")
    assert "<" not in text


@pytest.mark.parametrize(
    "text", ["```xml\n<b>x</b>", "Intro\n\n````\ncode\n```", "Intro\n\n~~~\n", "Text ```"]
)
def test_a_code_block_left_open_is_closed(text: str) -> None:
    html = MarkdownIt("commonmark").render(safe_markdown(text) + "\n\n**Sources** [1]")
    assert "<strong>Sources</strong>" in html
