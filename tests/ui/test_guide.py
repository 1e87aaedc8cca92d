"""The bundled guide is served, so the citations of the default corpus link to real pages."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import GUIDE_DIR
from corpus import Chunker, load_corpus
from ui._guide import guide_page


def test_every_guide_citation_resolves_to_a_page_with_its_anchor() -> None:
    report = load_corpus(GUIDE_DIR, "/guide/{lang}/{id}")
    assert len(report.articles) >= 30
    for article in report.articles:
        path = article.url.removeprefix(f"/guide/{article.lang}/")
        page = guide_page(article.lang, path)
        assert page is not None, article.url
        for chunk in Chunker().split(article):
            assert f'id="{chunk.anchor}"' in page, (chunk.link, chunk.anchor)


def test_unknown_or_escaping_paths_are_not_found(tmp_path: Path) -> None:
    assert guide_page("en", "no/such/page") is None
    assert guide_page("en", "../../../pyproject") is None
    assert guide_page("..", "config") is None
