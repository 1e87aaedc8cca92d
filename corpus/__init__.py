"""Help articles: load Markdown/MDX/DocFX folders into `Article`s and split them into `Chunk`s."""

from __future__ import annotations

from corpus._chunker import Chunker, slugify
from corpus._links import article_urls, section_links
from corpus._loader import load_corpus
from corpus._model import Article, Chunk, LoadReport, Skipped

__all__ = [
    "Article",
    "Chunk",
    "Chunker",
    "LoadReport",
    "Skipped",
    "article_urls",
    "load_corpus",
    "section_links",
    "slugify",
]
