"""Reading the generated website over real HTTP: robots.txt, bad pages, boilerplate, anchors."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from corpus import Chunk, Chunker, LoadReport, Politeness, SiteSource, Skipped, load_site
from tests.corpus.conftest import Serve
from tests.corpus.site_builder import BAD_PAGES, DISALLOWED, LASTMOD, is_admin

pytestmark = pytest.mark.integration
UA = "test-assistant/1.0 (+https://example.test/bot)"


def _load(url: str, state: Path, sitemap: bool = True, **polite: int) -> LoadReport:
    politeness = Politeness(user_agent=UA, delay=0.0, **polite)  # type: ignore[arg-type]
    return load_site(SiteSource(url, sitemap, politeness), state, "site")


def _chunks(report: LoadReport) -> list[Chunk]:
    return [c for a in report.articles for c in Chunker(450, 60).split(a)]


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _reasons(items: list[Skipped]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in items:
        found.setdefault(str(item.path), []).append(item.reason)
    return found


def test_sitemap_ingest_follows_robots_and_warns_once_per_bad_page(
    serve_site: Serve, tmp_path: Path
) -> None:
    site, server = serve_site("docs")
    report = _load(f"{server.url}/sitemap.xml", tmp_path / "state.sqlite")
    log = server.requests()
    assert not [r for r in log if r.path.startswith(DISALLOWED)]
    assert {r.user_agent for r in log} == {UA}
    assert report.stats["disallowed by robots.txt"] == 1
    problems = _reasons(report.skipped + report.warnings)
    for path, kind in BAD_PAGES.items():
        url = path if path.startswith("http") else server.url + path
        assert len(problems.pop(url)) == 1, url
        assert kind.lower() in " ".join(_reasons(report.skipped + report.warnings)[url]).lower()
    assert not problems
    indexed = {(a.id, a.lang) for a in report.articles}
    assert set(site.pages.values()) <= indexed
    assert ("bad/broken", "en") in indexed  # broken markup degrades, it is not lost


@pytest.mark.parametrize("theme", ["docs", "wp"])
def test_no_chunk_holds_boilerplate(serve_site: Serve, tmp_path: Path, theme: str) -> None:
    site, server = serve_site(theme)
    report = _load(f"{server.url}/sitemap.xml", tmp_path / "state.sqlite")
    chunks = _chunks(report)
    assert chunks
    source = {(a.id, a.lang): a.body for a in site.articles}
    for chunk in chunks:
        for text in site.boilerplate:
            assert text not in chunk.text, (text, chunk.link)
        path = _path(chunk.url)
        own = source.get(site.pages.get(path, ("", "")), "")
        for title in site.related.get(path, []):
            assert title in own or title not in chunk.text, (title, chunk.link)
    admin = {c.audience for c in chunks if is_admin(site.pages.get(_path(c.url), ("", ""))[0])}
    assert admin == {"admin"}  # from the "Admin guide" category or breadcrumb


@pytest.mark.parametrize("theme", ["docs", "wp"])
def test_every_link_is_served_and_its_anchor_exists(
    serve_site: Serve, tmp_path: Path, theme: str
) -> None:
    _, server = serve_site(theme)
    chunks = _chunks(_load(f"{server.url}/sitemap.xml", tmp_path / "state.sqlite"))
    pages: dict[str, str] = {}
    for chunk in chunks:
        if chunk.url not in pages:
            response = httpx.get(chunk.url)
            assert response.status_code == 200, chunk.url
            pages[chunk.url] = response.text
        if chunk.anchor:
            ids = set(re.findall(r'\b(?:id|name)="?([^"\s>]+)', pages[chunk.url]))
            assert chunk.anchor in ids, chunk.link
    if theme == "wp":  # ids on some headings only: the others link the page
        assert any(not c.anchor for c in chunks) and any(c.anchor for c in chunks)


def test_unchanged_pages_cost_one_conditional_request(serve_site: Serve, tmp_path: Path) -> None:
    site, server = serve_site("docs")
    state = tmp_path / "state.sqlite"
    first = _load(f"{server.url}/sitemap.xml", state)
    server.requests()
    again = _load(f"{server.url}/sitemap.xml", state)
    log = server.requests()
    pages = [r for r in log if r.path in site.pages]
    assert len(pages) == len(site.pages)
    assert all(r.conditional and r.status == 304 for r in pages)
    assert again.stats["not modified"] >= len(site.pages)
    assert {(a.doc_id, a.lang, a.body) for a in again.articles} == {
        (a.doc_id, a.lang, a.body) for a in first.articles
    }


def test_a_crawl_stays_in_its_prefix_and_skips_noindex_pages(
    serve_site: Serve, tmp_path: Path
) -> None:
    site, server = serve_site("wp")
    report = _load(f"{server.url}/kb/", tmp_path / "state.sqlite", sitemap=False)
    log = server.requests()
    assert all(r.path.startswith("/kb/") or r.path == "/robots.txt" for r in log)
    assert {(a.id, a.lang) for a in report.articles} == {
        (aid.replace("/", "-"), lang) for aid, lang in site.pages.values()
    }
    assert not report.skipped


def test_the_page_and_byte_caps(serve_site: Serve, tmp_path: Path) -> None:
    _, server = serve_site("docs")
    report = _load(f"{server.url}/sitemap.xml", tmp_path / "s.sqlite", max_pages=2)
    assert len(report.articles) == 2
    assert any("page cap" in w.reason for w in report.warnings)
    report = _load(f"{server.url}/sitemap.xml", tmp_path / "t.sqlite", max_bytes=1024)
    assert any("byte cap" in s.reason for s in report.skipped)


def test_a_newer_sitemap_lastmod_fetches_the_page_again(serve_site: Serve, tmp_path: Path) -> None:
    site, server = serve_site("docs")
    state = tmp_path / "state.sqlite"
    _load(f"{server.url}/sitemap.xml", state)
    sitemap = site.root / "sitemap-sv.xml"
    xml = sitemap.read_text("utf-8")
    page = re.search(r"<loc>[^<]*?(/sv/[^<]+)</loc><lastmod>", xml)
    assert page is not None
    sitemap.write_text(xml.replace(LASTMOD, "2026-03-01T00:00:00+00:00", 1), "utf-8")
    server.requests()
    _load(f"{server.url}/sitemap.xml", state)
    fresh = [r.path for r in server.requests() if r.path in site.pages and not r.conditional]
    assert fresh == [page.group(1)]
