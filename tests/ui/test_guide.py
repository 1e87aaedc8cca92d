"""The bundled guide is served, so the citations of the default corpus link to real pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.settings import GUIDE_DIR
from corpus import Chunker, load_corpus
from tests.conftest import DATA
from ui._guide import guide_page


def test_every_guide_citation_resolves_to_a_page_with_its_anchor() -> None:
    report = load_corpus(GUIDE_DIR, "/guide/{lang}/{id}")
    assert len(report.articles) >= 30
    for article in report.articles:
        path = article.url.removeprefix(f"/guide/{article.lang}/")
        page = guide_page(article.lang, path)
        assert page is not None, article.url
        for chunk in Chunker().split(article):
            for part, _ in chunk.part_texts():
                assert f'id="{part.anchor}"' in page, (chunk.link, part.anchor)


def test_guide_pages_render_the_golden_anchors(tmp_path: Path) -> None:
    pages = json.loads((DATA / "golden" / "anchors.json").read_text("utf-8"))["pages"]
    (tmp_path / "en").mkdir()
    for n, page in enumerate(pages):
        body = "".join(f"{heading}\n\nText.\n\n" for heading in page["headings"])
        (tmp_path / "en" / f"p{n}.md").write_text(body, "utf-8")
        html = guide_page("en", f"p{n}", root=tmp_path)
        assert html is not None
        assert re.findall(r'<h\d id="([^"]*)"', html) == page["anchors"], page["name"]


def test_unknown_or_escaping_paths_are_not_found(tmp_path: Path) -> None:
    assert guide_page("en", "no/such/page") is None
    assert guide_page("en", "../../../pyproject") is None
    assert guide_page("..", "config") is None
