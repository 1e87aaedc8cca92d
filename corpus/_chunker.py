"""Split articles into heading sections with breadcrumbs, anchors and a size cap."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from langchain_text_splitters import (
    ExperimentalMarkdownSyntaxTextSplitter,
    RecursiveCharacterTextSplitter,
)

from corpus._model import Article, Chunk

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
_CUSTOM_ID = re.compile(r"\s*\{#([^}\s]+)\}\s*$")
_MARKUP = re.compile(r"[*_`]|\[([^\]]*)\]\([^)]*\)")
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
    """The anchor a docs site renders for a heading (GitHub-style slug)."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def _heading(raw: str) -> tuple[str, str | None]:
    """Split `Heading {#id}` into clean heading text and its explicit id."""
    match = _CUSTOM_ID.search(raw)
    text = raw[: match.start()] if match else raw
    text = _MARKUP.sub(lambda m: m.group(1) or "", text).strip()
    return text, match.group(1) if match else None


@dataclass
class _Section:
    headings: tuple[str, ...]
    anchor: str
    text: str


class Chunker:
    """Heading-based chunker: one chunk per H2/H3 section, long ones split, short ones merged."""

    def __init__(self, max_tokens: int = 300, min_tokens: int = 40) -> None:
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
        sections = self._merge_short(self._sections(article))
        chunks: list[Chunk] = []
        for section in sections:
            pieces = (
                [section.text]
                if approx_tokens(section.text) <= self.max_tokens
                else [p.strip("\n") for p in self._splitter.split_text(section.text)]
            )
            for piece in pieces:
                if not piece.strip():
                    continue
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
                        corpus=article.corpus,
                    )
                )
        return chunks

    def _sections(self, article: Article) -> list[_Section]:
        seen: dict[str, int] = {}
        sections: list[_Section] = []
        after_code = False
        for doc in self._headers.split_text(article.body):
            raw = [doc.metadata[k] for _, k in _HEADERS[1:] if k in doc.metadata]
            parsed = [_heading(h) for h in raw]
            headings = tuple(text for text, _ in parsed)
            is_code = "Code" in doc.metadata
            # The splitter cuts code blocks out as documents of their own: glue them back.
            if sections and sections[-1].headings == headings and (is_code or after_code):
                sections[-1].text = f"{sections[-1].text.strip()}\n\n{doc.page_content.strip()}"
                after_code = is_code
                continue
            after_code = is_code
            anchor = ""
            h1 = doc.metadata.get("h1")
            if parsed or h1:
                text, explicit = parsed[-1] if parsed else _heading(str(h1))
                anchor = explicit or ("" if article.explicit_anchors else slugify(text))
                if anchor and not explicit:
                    count = seen.get(anchor, 0)
                    seen[anchor] = count + 1
                    anchor = f"{anchor}-{count}" if count else anchor
            sections.append(_Section(headings, anchor, doc.page_content))
        for section in sections:
            section.text = section.text.strip("\n")
        return [s for s in sections if s.text.strip()]

    def _merge_short(self, sections: list[_Section]) -> list[_Section]:
        """Fold a very short section into the section before it when that one is its parent
        or sibling, keeping its heading as a bold line."""
        merged: list[_Section] = []
        for section in sections:
            prev = merged[-1] if merged else None
            if (
                prev is not None
                and section.headings
                and approx_tokens(section.text) < self.min_tokens
                and prev.headings[: len(section.headings) - 1] == section.headings[:-1]
                and approx_tokens(prev.text + section.text) <= self.max_tokens
            ):
                prev.text += f"\n\n**{section.headings[-1]}**\n\n{section.text}"
                continue
            merged.append(section)
        return merged
