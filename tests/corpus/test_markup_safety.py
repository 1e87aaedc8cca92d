"""The index never holds active markup: hostile links, autolinks, broken and rebuilt tags are
gone from every chunk and from `Article.links`, while ordinary Markdown stays as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus import Article, Chunker, load_corpus

HOSTILE = """---
title: Kettle<img src=x onerror=alert(1)>
description: Descale it <scr<script>ipt>alert(2)</script> now
---

# Kettle

Nested [a [b] x](javascript:alert(3)) link and an autolink <javascript:alert(4)> here.

An svg <svg/onload=alert(5)> and a rebuilt <scr<script>ipt>alert(6)</script> tag.

Unclosed <img src=x onerror=alert(11)// till the end of the line
and parentheses [call](javascript:f('a')) in a target.

[data](data:text/html;base64,PHNjcmlwdD4=) [vb](  VBScript:msgbox(1)) [ent](&#106;avascript:x)
<a href="javascript:alert(7)">anchor</a> <iframe src="javascript:alert(8)"></iframe>
\\<img src=x onerror=alert(9)\\> and &lt;img src=x onerror=alert(10)&gt;

## Usage

Use [the guide](https://example.com/guide_(v2)) or <https://example.com/start>, mail
<help@example.com>. Replace \\<tenant\\> with your tenant; a < b and b > c.

| Key | Value |
|-----|-------|
| a   | 1     |

> A quote.

```html
<script>kept as code</script>
```

Inline `<b>code</b>` stays.

[ref][evil] and [fine][ok].

[evil]: javascript:alert(12)
[ok]: https://example.com/ok
"""

#: What a browser would parse as markup or run, if it reached one (`&lt;` is text: kept).
ACTIVE = re.compile(r"</?[A-Za-z!?]|javascript:|vbscript:|data:text", re.IGNORECASE)


@pytest.fixture
def article(tmp_path: Path) -> Article:
    (tmp_path / "kettle.md").write_text(HOSTILE, "utf-8")
    (article,) = load_corpus(tmp_path).articles
    return article


def _prose(text: str) -> str:
    """`text` without its code block and inline code, which are shown as code, never run."""
    return re.sub(r"```.*?```|`[^`]*`", "", text, flags=re.S)


def test_no_chunk_holds_active_markup(article: Article) -> None:
    chunks = Chunker(max_tokens=400, min_tokens=5).split(article)
    assert chunks
    for chunk in chunks:
        assert not ACTIVE.search(_prose(chunk.text)), chunk.text
        assert "alert(11)" not in chunk.text and "alert(9)" not in chunk.text
        assert not ACTIVE.search(chunk.title + chunk.description), chunk
        assert ")" not in chunk.text.split("parentheses", 1)[-1].split("in a target")[0]


def test_links_keep_only_safe_targets(article: Article) -> None:
    targets = [target for _, target in article.links]
    assert targets == [
        "https://example.com/start",
        "https://example.com/guide_(v2)",
        "https://example.com/ok",
    ]


def test_ordinary_markdown_is_unchanged(article: Article) -> None:
    body = article.body
    assert "<script>kept as code</script>" in body
    assert "`<b>code</b>`" in body
    assert "| a | 1 |" in body
    assert "> A quote." in body
    assert "a < b and b > c" in body
    assert "Replace &lt;tenant> with your tenant" in body
    assert "Use the guide or https://example.com/start, mail\nhelp@example.com." in body
    assert "Nested a [b] x link" in body
    assert "parentheses call in a target." in body
    assert "ref and fine." in body
    assert "&lt;img src=x onerror=alert(10)&gt;" in body  # an entity shows as text
