"""Help articles: load Markdown/MDX/DocFX folders into `Article`s and split them into `Chunk`s."""

from __future__ import annotations

from corpus._chunker import Chunker, Slugger, slugify
from corpus._links import article_urls, section_links
from corpus._loader import load_corpus
from corpus._model import Article, Chunk, LoadReport, Part, Skipped

__all__ = [
    "Article",
    "Chunk",
    "Chunker",
    "LoadReport",
    "Part",
    "Skipped",
    "Slugger",
    "article_urls",
    "load_corpus",
    "section_links",
    "slugify",
]
