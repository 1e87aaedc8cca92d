"""Split articles into heading sections with breadcrumbs, anchors and a size cap."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from langchain_text_splitters import (
    ExperimentalMarkdownSyntaxTextSplitter,
    RecursiveCharacterTextSplitter,
)
from markdown_it import MarkdownIt

from corpus._model import Article, Chunk, Part

DEFAULT_MAX_TOKENS = 450
DEFAULT_MIN_TOKENS = 60
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
_CUSTOM_ID = re.compile(r"\s*\{#([^}\s]+)\}\s*$")
_INLINE = MarkdownIt("commonmark")
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]<>&!~]")  # text without these parses as itself
# Unicode categories github-slugger removes from a heading (`-`, ` ` and letters excepted).
_DROPPED = frozenset(
    {"No", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Sc", "Sk", "Sm", "So"}
    | {"Cc", "Cf", "Cn", "Co", "Zl", "Zp", "Zs"}
)
# Headings below H3 stay inside a section's text, but the site still numbers their anchors.
_DEEP_HEADING = re.compile(r"^ {0,3}#{4,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_BULLET_ITEM = re.compile(r"^ {0,3}[*+-][ \t]+(.+)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
# A line that is one ```code span``` is no fence (CommonMark), but the header splitter takes it
# for one and swallows the headings after it: write it as a plain `code span`.
_CODE_SPAN_LINE = re.compile(r"^( {0,3})```([^`\n]+)```[ \t]*$", re.M)
# Split long sections between paragraphs, then between list items or table rows, never inside one.
_SEPARATORS = [
    r"\n\s*\n",
    r"\n(?=[ \t]{0,3}(?:[*+-]|\d+[.)])\s)",
    r"\n(?=\|)",
    r"\n(?=\S)",
    r"\n",
    r"(?<=[.!?])\s+",
    r"\s+",
    "",
]


def approx_tokens(text: str) -> int:
    """A cheap estimate of a multilingual subword tokenizer's count (about 3.5 chars a token)."""
    return math.ceil(len(text) / 3.5)


def slugify(heading: str) -> str:
    """The anchor a docs site renders for a heading's text, by github-slugger's rules:
    lower case, punctuation, symbols and other separators dropped (letters, digits, marks, `_`
    and `-` kept), each space a `-`."""
    slug = []
    for char in heading.lower():
        if char == " ":
            slug.append("-")
        elif char == "-" or char.isalpha() or unicodedata.category(char) not in _DROPPED:
            slug.append(char)
    return "".join(slug)


def heading_text(raw: str) -> tuple[str, str | None]:
    """The text a Markdown heading renders (emphasis, code and link markup gone, intraword `_`
    kept) and its explicit `{#id}`, if any."""
    match = _CUSTOM_ID.search(raw)
    text = raw[: match.start()] if match else raw
    if _INLINE_MARKUP.search(text):
        text = "".join(
            child.content
            for token in _INLINE.parseInline(text.strip())
            for child in token.children or ()
            if child.type in ("text", "code_inline")
        )
    return " ".join(text.split()), match.group(1) if match else None


class Slugger:
    """The anchors of one page's headings in order: the explicit `{#id}`, else the slug,
    numbered `-1`, `-2`, … when it repeats, as github-slugger numbers them."""

    def __init__(self, explicit_only: bool = False) -> None:
        self._seen: dict[str, int] = {}
        self._explicit_only = explicit_only

    def anchor(self, raw: str) -> str:
        """The anchor of the next heading, given as Markdown ("" when only explicit ids
        count and it has none: a page whose headings carry no ids)."""
        text, explicit = heading_text(raw)
        if explicit or self._explicit_only:
            return explicit or ""
        base = slug = slugify(text)
        while slug in self._seen:
            self._seen[base] += 1
            slug = f"{base}-{self._seen[base]}"
        self._seen[slug] = 0
        return slug


@dataclass
class _Section:
    headings: tuple[str, ...]
    anchor: str
    text: str
    parts: list[Part] = field(default_factory=list)


def _balanced(pieces: list[str]) -> list[str]:
    """Pieces of one section, each closing the code block it ends inside and the next one
    reopening it: a block split across chunks stays code in both, and no chunk leaves an open
    fence that would turn the rest of an answer into code."""
    out: list[str] = []
    carried, carried_mark = "", ""  # the fence line and mark of a block left open before
    for piece in pieces:
        lines = piece.splitlines()
        first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
        if carried and first < len(lines) and lines[first].strip() == carried_mark:
            lines, carried, carried_mark = lines[first + 1 :], "", ""  # it only closes the block
        opener, mark = carried, carried_mark
        for line in lines:
            if not (match := _FENCE.match(line)):
                continue
            found = match.group(1)
            if not mark:
                mark, opener = found, line
            elif found[0] == mark[0] and len(found) >= len(mark) and line.strip() == found:
                mark = ""
        out.append("\n".join([*([carried] if carried else []), *lines, *([mark] if mark else [])]))
        carried, carried_mark = (opener, mark) if mark else ("", "")
    return out


def _links_only(text: str, labels: set[str]) -> bool:
    """Whether every line of `text` is a bullet item that is the text of one of the article's
    links: a list that only points to other articles."""
    lines = [line for line in text.splitlines() if line.strip()]
    items = [_BULLET_ITEM.match(line) for line in lines]
    return bool(lines) and all(m is not None and m.group(1).strip() in labels for m in items)


def _deep_headings(text: str) -> list[str]:
    """The H4–H6 headings in a section's text, outside fenced code."""
    found: list[str] = []
    fence = ""  # the open fence, if any
    for line in text.splitlines():
        if match := _FENCE.match(line):
            mark = match.group(1)
            if not fence:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = ""
        elif not fence and (match := _DEEP_HEADING.match(line)):
            found.append(match.group(1))
    return found


class Chunker:
    """Heading-based chunker: one chunk per H2/H3 section, long ones split, short ones merged."""

    def __init__(
        self, max_tokens: int = DEFAULT_MAX_TOKENS, min_tokens: int = DEFAULT_MIN_TOKENS
    ) -> None:
        self.max_tokens = max_tokens
        self.min_tokens = min_tokens
        self._headers = ExperimentalMarkdownSyntaxTextSplitter(
            headers_to_split_on=_HEADERS, strip_headers=True
        )
        self._splitter = RecursiveCharacterTextSplitter(
            separators=_SEPARATORS,
            is_separator_regex=True,
            keep_separator=True,
            chunk_size=max_tokens,
            chunk_overlap=0,
            length_function=approx_tokens,
        )

    def split(self, article: Article) -> list[Chunk]:
        """The chunks of one article, in reading order."""
        labels = {label.strip() for label, _ in article.links}
        sections = self._sections(article)
        # A list of links to other articles ("Related content") holds no answer, and its
        # words would make the article match questions about the articles it links.
        kept = [s for s in sections if not _links_only(s.text, labels)]
        sections = self._merge_short(kept or sections)
        chunks: list[Chunk] = []
        for section in sections:
            whole = approx_tokens(section.text) <= self.max_tokens
            pieces = (
                [section.text]
                if whole
                else _balanced([p.strip("\n") for p in self._splitter.split_text(section.text)])
            )
            for piece in pieces:
                if not piece.strip():
                    continue
                # Merged sections fit the cap, so their parts' offsets hold (less the lead strip).
                lead = len(piece) - len(piece.lstrip())
                parts = tuple(
                    Part(p.headings, p.anchor, max(0, p.start - lead)) for p in section.parts
                )
                chunks.append(
                    Chunk(
                        article_id=article.id,
                        lang=article.lang,
                        title=article.title,
                        headings=section.headings,
                        anchor=section.anchor,
                        url=article.url,
                        text=piece.strip(),
                        ordinal=len(chunks),
                        audience=article.audience,
                        description=str(article.meta.get("description") or ""),
                        parts=parts if whole else (),
                        corpus=article.corpus,
                    )
                )
        return chunks

    def _sections(self, article: Article) -> list[_Section]:
        slugger = Slugger(article.explicit_anchors)
        sections: list[_Section] = []
        previous: tuple[str, ...] = ()
        after_code = False
        for doc in self._headers.split_text(_CODE_SPAN_LINE.sub(r"\1`\2`", article.body)):
            raw = tuple(doc.metadata[k] for _, k in _HEADERS if k in doc.metadata)
            headings = tuple(
                heading_text(doc.metadata[k])[0] for _, k in _HEADERS[1:] if k in doc.metadata
            )
            is_code = "Code" in doc.metadata
            # The splitter cuts code blocks out as documents of their own: glue them back.
            if sections and raw == previous and (is_code or after_code):
                sections[-1].text = f"{sections[-1].text.strip()}\n\n{doc.page_content.strip()}"
                after_code = is_code
                continue
            after_code = is_code
            # Number every heading that opened since the last section, empty sections' included.
            same = 0
            while same < min(len(raw), len(previous)) and raw[same] == previous[same]:
                same += 1
            anchors = [slugger.anchor(h) for h in raw[min(same, len(raw) - 1) :]] if raw else []
            previous = raw
            sections.append(_Section(headings, anchors[-1] if anchors else "", doc.page_content))
            for heading in _deep_headings(doc.page_content):
                slugger.anchor(heading)
        for section in sections:
            section.text = section.text.strip("\n")
        return [s for s in sections if s.text.strip()]

    def _merge_short(self, sections: list[_Section]) -> list[_Section]:
        """Fold a very short section into the section before it when that one is its parent or
        an earlier sibling of the same level, keeping its heading as a bold line and its anchor
        as a part of the chunk."""
        merged: list[_Section] = []
        for section in sections:
            prev = merged[-1] if merged else None
            heading = f"**{section.headings[-1]}**\n\n" if section.headings else ""
            if (
                prev is not None
                and heading
                and approx_tokens(section.text) < self.min_tokens
                and (
                    prev.headings == section.headings[:-1]
                    or (
                        len(prev.headings) == len(section.headings)
                        and prev.headings[:-1] == section.headings[:-1]
                    )
                )
                and approx_tokens(f"{prev.text}\n\n{heading}{section.text}") <= self.max_tokens
            ):
                if not prev.parts:
                    prev.parts.append(Part(prev.headings, prev.anchor, 0))
                prev.text += "\n\n"
                prev.parts.append(Part(section.headings, section.anchor, len(prev.text)))
                prev.text += heading + section.text
                continue
            merged.append(section)
        return merged
