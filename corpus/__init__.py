"""Help articles: load Markdown/MDX/DocFX folders, saved HTML pages or websites into
`Article`s and split them into `Chunk`s."""

from __future__ import annotations

from corpus._chunker import Chunker, Slugger, slugify
from corpus._links import article_urls, section_links
from corpus._loader import load_corpus
from corpus._model import Article, Chunk, LoadReport, Part, Skipped
from corpus._pages import load_html_folder
from corpus._site import Politeness, SiteSource, load_site

__all__ = [
    "Article",
    "Chunk",
    "Chunker",
    "LoadReport",
    "Part",
    "Politeness",
    "SiteSource",
    "Skipped",
    "Slugger",
    "article_urls",
    "load_corpus",
    "load_html_folder",
    "load_site",
    "section_links",
    "slugify",
]
