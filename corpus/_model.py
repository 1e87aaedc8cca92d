"""Typed values that leave the corpus package."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

BREADCRUMB_SEPARATOR = " › "


def qualified(corpus: str, article_id: str) -> str:
    """`corpus:article_id`, or the bare id for an unnamed corpus (indexes built before names)."""
    return f"{corpus}:{article_id}" if corpus else article_id


@dataclass(frozen=True)
class Article:
    """One help article in one language, with its markup reduced to plain Markdown."""

    id: str
    lang: str
    title: str
    url: str
    body: str
    source: Path | str
    meta: Mapping[str, Any] = field(default_factory=dict)
    links: tuple[tuple[str, str], ...] = ()
    corpus: str = ""
    #: Sections link only to heading ids the page really has (HTML), never to made-up slugs.
    explicit_anchors: bool = False

    @property
    def doc_id(self) -> str:
        """The article id qualified by its corpus (`guide:admin/onboarding`)."""
        return qualified(self.corpus, self.id)

    @property
    def audience(self) -> str:
        """The front matter `audience` (empty when the article has none)."""
        return str(self.meta.get("audience") or "")


@dataclass(frozen=True)
class Part:
    """One heading section of a chunk that short sections were merged into: its headings, its
    own anchor and where its text starts in the chunk's text."""

    headings: tuple[str, ...]
    anchor: str
    start: int


@dataclass(frozen=True)
class Chunk:
    """One section of an article: the unit that is embedded, retrieved and cited."""

    article_id: str
    lang: str
    title: str
    headings: tuple[str, ...]
    anchor: str
    url: str
    text: str
    ordinal: int
    audience: str = ""
    description: str = ""
    #: The section's links that open a real page: (link text, URL), shown as links in answers.
    links: tuple[tuple[str, str], ...] = ()
    parts: tuple[Part, ...] = ()
    """The sections merged into this chunk, the chunk's own first; empty when none was."""
    corpus: str = ""

    @property
    def doc_id(self) -> str:
        """The article id qualified by its corpus: one article across its translations."""
        return qualified(self.corpus, self.article_id)

    @property
    def breadcrumb(self) -> str:
        """`Title › H2 › H3` of the section."""
        return BREADCRUMB_SEPARATOR.join((self.title, *self.headings))

    @property
    def link(self) -> str:
        """The page URL with the section anchor, as a citation links to it."""
        return f"{self.url}#{self.anchor}" if self.anchor else self.url

    @property
    def key(self) -> str:
        """A stable identity of the chunk within an index."""
        return f"{self.lang}/{self.doc_id}#{self.ordinal}"

    def part_texts(self) -> list[tuple[Part, str]]:
        """Each merged section with its own text; the whole chunk as one part when none was."""
        parts = self.parts or (Part(self.headings, self.anchor, 0),)
        ends = [p.start for p in parts[1:]] + [len(self.text)]
        return [(p, self.text[p.start : end]) for p, end in zip(parts, ends, strict=True)]

    def section(self, part: Part) -> Chunk:
        """This chunk as cited for one of its parts: with that part's headings and anchor."""
        return replace(self, headings=part.headings, anchor=part.anchor)

    def passage(self) -> str:
        """The text that is embedded and lexically indexed: breadcrumb, summary, then body."""
        lead = self.description if self.ordinal == 0 else ""
        return "\n".join(part for part in (self.breadcrumb, lead, self.text) if part)


@dataclass(frozen=True)
class Skipped:
    """A file that an ingest skipped or degraded, and why."""

    path: Path | str
    reason: str


@dataclass
class LoadReport:
    """What a corpus load found: the articles and the files it skipped or degraded."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
