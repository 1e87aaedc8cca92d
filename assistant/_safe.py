"""Answer text that is safe to render: no HTML, no images, links only to the cited sources."""

from __future__ import annotations

import re
from collections.abc import Collection

import nh3

# Code is shown literally by every Markdown renderer, so it is kept as written.
_CODE = re.compile(
    r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)"  # a fenced block
    r"|(`+)(?!`).+?(?<!`)\2(?!`)",  # a code span
    re.M | re.S,
)
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
_LABEL = r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
_IMAGE = re.compile(r"!" + _LABEL + r"(?:\([^)\n]*\)|\[[^\]\n]*\])?")
_LINK = re.compile(_LABEL + r"\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
# URLs a renderer might turn into links, and script URLs a careless one might.
_URL = re.compile(
    r"\b(?:[a-z][a-z0-9+.-]*://|www\.|(?:javascript|vbscript|data):)[^\s<>()\[\]]*", re.I
)
_CITATIONS = re.compile(r"(?:\[\d+\])+(?![(\[:])")
_BRACKET = re.compile(r"(\\*)([\[\]])")
_AMP = re.compile(r"&amp;(?!#?\w+;)")
_BLANK_LINE = re.compile(r"(\n[ \t]*\n\s*)")
_SLOT = "\x00{}\x00"
_SLOTS = re.compile("\x00(\\d+)\x00")


def _page(url: str) -> str:
    return url.split("#", 1)[0]


def _escape_bracket(match: re.Match[str]) -> str:
    # An even run of backslashes escapes only itself, so the bracket needs one more.
    slashes = match.group(1)
    return slashes + "\\" * (len(slashes) % 2 == 0) + match.group(2)


def safe_markdown(text: str, allowed_urls: Collection[str] = ()) -> str:
    """`text` with raw HTML removed, images reduced to their alt text and every link or bare
    URL that does not point to a page of `allowed_urls` reduced to its text; code is kept, and
    a code block left open is closed."""
    pages = {_page(u) for u in allowed_urls}
    parts: list[str] = []
    end = 0
    for code in _CODE.finditer(text):
        parts += [_clean(text[end : code.start()], pages), code.group(0)]
        end = code.end()
    parts.append(_clean(text[end:], pages))
    return _closed("".join(parts))


def _closed(text: str) -> str:
    """`text` with a code block it leaves open closed: an open one would turn whatever is
    shown after the text (the sources) into code."""
    fence = ""
    for line in text.splitlines():
        if match := _FENCE_LINE.match(line):
            mark = match.group(1)
            if not fence:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and line.strip() == mark:
                fence = ""
    return f"{text.rstrip()}\n{fence}\n" if fence else text


def _clean(prose: str, pages: set[str]) -> str:
    if not prose:
        return prose
    # Paragraph by paragraph, as Markdown reads HTML: an unclosed tag swallows one at most.
    text = "".join(
        part if _BLANK_LINE.fullmatch(part) else nh3.clean(part, tags=set())
        for part in _BLANK_LINE.split(prose.replace("\x00", ""))
    )
    text = _AMP.sub("&", text.replace("&gt;", ">"))
    kept: list[str] = []

    def keep(piece: str) -> str:
        kept.append(piece)
        return _SLOT.format(len(kept) - 1)

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        return keep(match.group(0)) if _page(url) in pages else label

    previous = None
    while previous != text:  # a removed link can leave another one behind
        previous = text
        text = _IMAGE.sub(lambda m: m.group(1), text)
        text = _LINK.sub(link, text)
    text = _URL.sub(lambda m: keep(m.group(0)) if _page(m.group(0)) in pages else "", text)
    text = _CITATIONS.sub(lambda m: keep(m.group(0)), text)
    # Without a bare bracket no link, image or reference definition can be written.
    text = _BRACKET.sub(_escape_bracket, text)
    while _SLOTS.search(text):
        text = _SLOTS.sub(lambda m: kept[int(m.group(1))], text)
    return text
