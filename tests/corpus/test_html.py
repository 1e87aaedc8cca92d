"""HTML pages: main content without boilerplate, heading ids, metadata, ids from URLs."""

from __future__ import annotations

import gzip
from pathlib import Path

from corpus import Chunker, load_html_folder
from corpus._html import parse_page
from corpus._pages import page_id, pages_to_articles
from corpus._site import parse_sitemap

PAGE = """<!doctype html><html lang="sv-SE"><head>
<title>Ägare av entitet – Hjälpcenter</title><meta name="description" content="Om ägare">
<link rel="canonical" href="/sv/owner.html">
<link rel="alternate" hreflang="en" href="/en/owner.html">
</head><body>
<header class="site-header"><nav><a href="/">Hem</a></nav>
<input placeholder="Sök i hjälpen"></header>
<div class="cookie-banner">Vi använder kakor</div>
<nav aria-label="Breadcrumb" class="breadcrumb"><ol><li><a>Hjälp</a></li>
<li><a>Administratörsguide</a></li></ol></nav>
<main><article><h1 id="top">Ägare av entitet</h1><div class="toc"><a href="#a">Innehåll</a></div>
<p>Varje <b>företag</b> har en ägare.</p>
<section id="sec-a"><h2>Byt ägare</h2><ol><li>Öppna kortet</li><li>Välj ägare<ul><li>inre</li>
</ul></li></ol></section>
<a id="b"></a><h2>Behörigheter</h2><p>Text B</p><h3>Utan id</h3><pre>kod
 rad</pre>
<table><tr><th>x</th><th>y</th></tr><tr><td>1</td><td>2</td></tr></table>
<aside class="related"><h2>Relaterade artiklar</h2><a>Annan artikel</a></aside></article></main>
<footer>© 2026 Exempel</footer></body></html>"""


def test_main_content_keeps_headings_with_their_ids_and_drops_furniture() -> None:
    page = parse_page(PAGE, "http://help.example/sv/owner.html")
    assert page.lang == "sv"
    assert page.title == "Ägare av entitet"
    assert page.description == "Om ägare"
    assert page.canonical == "http://help.example/sv/owner.html"
    assert page.alternates == (("en", "http://help.example/en/owner.html"),)
    assert "Administratörsguide" in page.trail
    assert "# Ägare av entitet {#top}" in page.body
    assert "## Byt ägare {#sec-a}" in page.body  # the enclosing section's id
    assert "## Behörigheter {#b}" in page.body  # the empty anchor just before
    assert "### Utan id\n" in page.body
    assert "1. Öppna kortet\n2. Välj ägare\n  - inre" in page.body
    assert "| 1 | 2 |" in page.body and "kod\n rad" in page.body
    for furniture in ("Hem", "kakor", "Hjälp\n", "Innehåll", "Relaterade", "Annan", "2026", "Sök"):
        assert furniture not in page.body


def test_citations_link_only_ids_the_page_has() -> None:
    page = parse_page(PAGE, "http://help.example/sv/owner.html")
    (article,) = pages_to_articles([page], "http://help.example/", "help")
    anchors = {c.anchor for c in Chunker(max_tokens=40, min_tokens=0).split(article)}
    assert anchors <= {"top", "sec-a", "b", ""}
    assert article.doc_id == "help:owner" and article.audience == "admin"


def test_language_comes_from_og_locale_then_detection() -> None:
    og = '<html><head><meta property="og:locale" content="nb_NO"></head><body><p>x</p></body>'
    assert parse_page(og, "http://h/x").lang == "no"
    bare = parse_page("<html><body><main><h1>T</h1><p>Hallo</p></main></body></html>", "http://h/")
    (article,) = pages_to_articles([bare], "http://h/", "c", detect=lambda text: "de")
    assert article.lang == "de"


def test_hreflang_ties_translations_into_one_article() -> None:
    en = parse_page(
        '<html lang="en"><head><link rel="alternate" hreflang="sv" href="/sv/agare/">'
        "</head><body><main><h1>Entity owner</h1><p>Text</p></main></body></html>",
        "http://h/en/entity-owner/",
    )
    sv = parse_page(
        '<html lang="sv"><body><main><h1>Ägare</h1><p>Text</p></main></body></html>',
        "http://h/sv/agare/",
    )
    ids = {a.lang: a.id for a in pages_to_articles([sv, en], "http://h/", "kb")}
    assert ids == {"en": "entity-owner", "sv": "entity-owner"}


def test_page_ids_follow_the_markdown_corpus() -> None:
    assert page_id("http://h/docs/en/project/learn/create.html", "http://h/docs/", "en") == (
        "project/learn/create"
    )
    assert page_id("http://h/sv/mailing/index.html", "http://h/sitemap.xml", "sv") == (
        "mailing/index"
    )
    assert page_id("http://h/kb/sv/agare-av-entitet/", "http://h/", "sv") == "kb/agare-av-entitet"
    assert page_id("http://h/", "http://h/", "en") == "index"


def test_sitemaps_with_alternates_lastmod_gzip_and_indexes() -> None:
    urlset = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:xhtml="http://www.w3.org/1999/xhtml"><url><loc>http://h/en/a.html</loc>'
        b"<lastmod>2026-01-15</lastmod>"
        b'<xhtml:link rel="alternate" hreflang="sv" href="http://h/sv/a.html"/></url></urlset>'
    )
    entries, children = parse_sitemap(gzip.compress(urlset), 10_000)
    assert children == []
    assert entries[0].loc == "http://h/en/a.html" and entries[0].lastmod
    assert entries[0].alternates == (("sv", "http://h/sv/a.html"),)
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
        b"<loc>http://h/s1.xml</loc></sitemap></sitemapindex>"
    )
    assert parse_sitemap(index, 10_000) == ([], ["http://h/s1.xml"])


def test_a_folder_of_saved_pages(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "owner.html").write_text(PAGE.replace("sv-SE", "en"), "utf-8")
    (tmp_path / "en" / "empty.html").write_text("<html><body><nav>x</nav></body></html>")
    warnings: list[str] = []
    report = load_html_folder(
        tmp_path, "https://help.example/", "saved", on_warning=lambda s: warnings.append(s.reason)
    )
    (article,) = report.articles
    assert article.url == "https://help.example/sv/owner.html"  # the canonical URL
    assert warnings == ["no main content"]
