"""A realistic help-center website generated from Markdown articles, served over real HTTP.

Two themes: `docs` (sidebar navigation, breadcrumbs, on-page table of contents, heading ids,
footer, cookie banner; a sitemap index with a gzipped child) and `wp` (a WordPress knowledge
base: category labels, a related-articles box, a search page of teasers, ids on some headings
only). Both have sitemaps with hreflang alternates and lastmod, a robots.txt that disallows
`/internal/`, and bad pages: a 500, a redirect loop, a PDF, broken markup, an off-host URL.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from markdown_it import MarkdownIt

from corpus import Article, load_corpus, slugify

COOKIE_TEXT = "We use cookies to give you the best experience. Accept all cookies"
FOOTER_TEXT = "Copyright 2026 Example CRM ASA. All rights reserved. Privacy statement"
SEARCH_TEXT = "Search the help center"
NAV_LABELS = ("Getting around", "Working with customers", "Administration area")
TOC_LABEL = "On this page"
RELATED_LABEL = "Related articles"
CATEGORIES = {
    "admin": {
        "sv": "Administratörsguide",
        "no": "Administratorveiledning",
        "da": "Administratorvejledning",
        "en": "Admin guide",
        "de": "Administratorhandbuch",
        "nl": "Beheerdershandleiding",
    },
    "user": {
        "sv": "Användarguider",
        "no": "Brukerveiledninger",
        "da": "Brugervejledninger",
        "en": "User guides",
        "de": "Benutzerhandbücher",
        "nl": "Gebruikershandleidingen",
    },
}
LASTMOD = "2026-01-15T08:00:00+00:00"
BAD_PAGES = {
    "/en/bad/server-error.html": "HTTP 500",
    "/en/bad/loop.html": "redirect loop",
    "/en/bad/manual.pdf": "not a page",
    "/en/bad/broken.html": "invalid utf-8",
    "http://offsite.invalid/en/page.html": "leaves the site",
}
DISALLOWED = "/internal/"
_MD = MarkdownIt("commonmark").enable("table")
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_EXPLICIT = re.compile(r"\s*\{#([^}\s]+)\}\s*$")


def is_admin(article_id: str) -> bool:
    """Articles under an `admin/` folder are for administrators."""
    return article_id.startswith("admin/") or "/admin/" in article_id


@dataclass
class Site:
    """The generated files and what the tests need to know about them."""

    root: Path
    theme: str
    base: str
    articles: list[Article]
    #: site path -> (article id, lang) for every good page.
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: strings of navigation, banners, footers and search boxes; never in a chunk.
    boilerplate: set[str] = field(default_factory=set)
    #: site path -> titles in its related-articles box (wp) or sidebar (docs).
    related: dict[str, list[str]] = field(default_factory=dict)

    def path_of(self, article: Article) -> str:
        """The site path of an article version."""
        if self.theme == "docs":
            return f"/{article.lang}/{article.id}.html"
        return f"/kb/{article.lang}/{article.id.replace('/', '-')}/"

    def write_sitemaps(self) -> None:
        """(Re)write the sitemaps from the pages that exist now."""
        by_id: dict[str, dict[str, str]] = {}
        for path, (aid, lang) in self.pages.items():
            by_id.setdefault(aid, {})[lang] = path
        langs = sorted({lang for _, lang in self.pages.values()})
        extra = [*BAD_PAGES, f"{DISALLOWED}draft.html"]
        files: dict[str, list[str]] = {lang: [] for lang in langs}
        for path, (aid, lang) in sorted(self.pages.items()):
            links = "".join(
                f'<xhtml:link rel="alternate" hreflang="{lg}" href="{{base}}{p}"/>'
                for lg, p in sorted(by_id[aid].items())
            )
            files[lang].append(
                f"<url><loc>{{base}}{path}</loc><lastmod>{LASTMOD}</lastmod>{links}</url>"
            )
        files.setdefault("en", []).extend(
            f"<url><loc>{p if p.startswith('http') else '{base}' + p}</loc></url>" for p in extra
        )
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            'schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
        )
        for old in self.root.glob("sitemap*"):
            old.unlink()
        if self.theme == "wp":
            body = head + "".join(u for urls in files.values() for u in urls) + "</urlset>"
            (self.root / "sitemap.xml").write_text(body.replace("{base}", self.base), "utf-8")
            return
        names = []
        for lang, urls in files.items():
            xml = (head + "".join(urls) + "</urlset>").replace("{base}", self.base).encode()
            name = f"sitemap-{lang}.xml" + (".gz" if lang == "en" else "")
            (self.root / name).write_bytes(gzip.compress(xml) if name.endswith(".gz") else xml)
            names.append(name)
        index = "".join(
            f"<sitemap><loc>{{base}}/{n}</loc><lastmod>{LASTMOD}</lastmod></sitemap>" for n in names
        )
        (self.root / "sitemap.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">{index}</sitemapindex>'.replace("{base}", self.base),
            "utf-8",
        )

    def remove(self, path: str) -> None:
        """Delete a page and drop it from the sitemaps."""
        (self.root / path.strip("/")).unlink()
        del self.pages[path]
        self.write_sitemaps()


def _body_html(article: Article, theme: str) -> str:
    """The article's Markdown as HTML; docs headings all get ids, wp only every other h2."""
    rendered = _MD.render(article.body)
    rendered = re.sub(r'href="(?!https?:|#)[^"]*"', 'href="#"', rendered)
    seen: dict[str, int] = {}
    count = [0]

    def heading(match: re.Match[str]) -> str:
        level, inner = match.group(1), match.group(2)
        explicit = _EXPLICIT.search(inner)
        inner = inner[: explicit.start()] if explicit else inner
        anchor = explicit.group(1) if explicit else slugify(re.sub(r"<[^>]+>", "", inner))
        n = seen.get(anchor, 0)
        seen[anchor] = n + 1
        anchor = f"{anchor}-{n}" if n else anchor
        count[0] += 1
        if theme == "wp" and (level != "2" or count[0] % 2):
            if level == "2" and count[0] % 4 == 1:  # the id sits on an enclosing anchor instead
                return f'<a id="{anchor}"></a><h{level}>{inner}</h{level}>'
            return f"<h{level}>{inner}</h{level}>"
        return f'<h{level} id="{html.escape(anchor)}">{inner}</h{level}>'

    return _HEADING.sub(heading, rendered)


def _head(site: Site, article: Article, versions: dict[str, Article]) -> str:
    title = html.escape(article.title)
    description = str(article.meta.get("description", ""))
    links = "".join(
        f'<link rel="alternate" hreflang="{lg}" href="{site.path_of(a)}">'
        for lg, a in sorted(versions.items())
    )
    return (
        f'<!doctype html><html lang="{article.lang}"><head><meta charset="utf-8">'
        f"<title>{title} – Example CRM Help</title>"
        f'<meta name="description" content="{html.escape(description)}">'
        f'<link rel="canonical" href="{site.path_of(article)}">{links}</head>'
    )


def _docs_page(site: Site, article: Article, versions: dict[str, Article], nav: str) -> str:
    body = _body_html(article, "docs")
    category = CATEGORIES["admin" if is_admin(article.id) else "user"][article.lang]
    toc = "".join(
        f'<li><a href="#{a}">{re.sub(r"<[^>]+>", "", t)}</a></li>'
        for a, t in re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', body)
    )
    return (
        _head(site, article, versions)
        + '<body><header class="site-header"><a href="/">Example CRM Help</a>'
        f'<form role="search"><input placeholder="{SEARCH_TEXT}"></form></header>'
        f'<div id="cookie-consent" class="cookie-banner"><p>{COOKIE_TEXT}</p></div>'
        f'<div class="layout"><nav class="sidebar" aria-label="Docs">{nav}</nav>'
        '<main><nav aria-label="Breadcrumb" class="breadcrumbs"><ol><li><a href="/">Help center'
        f'</a></li><li><a href="#">{category}</a></li></ol></nav>'
        f"<article>{body}</article>"
        f'<div class="toc"><p>{TOC_LABEL}</p><ul>{toc}</ul></div></main></div>'
        f'<footer class="site-footer"><p>{FOOTER_TEXT}</p></footer></body></html>'
    )


def _wp_page(
    site: Site, article: Article, versions: dict[str, Article], related: Sequence[Article]
) -> str:
    body = _body_html(article, "wp")
    category = CATEGORIES["admin" if is_admin(article.id) else "user"][article.lang]
    items = "".join(f'<li><a href="{site.path_of(r)}">{r.title}</a></li>' for r in related)
    return (
        _head(site, article, versions)
        + '<body class="kb"><div id="masthead" class="site-header"><div class="site-branding">'
        '<a href="/">Example CRM</a></div><div class="search-form-wrapper">'
        '<form class="search-form">'
        f'<label>{SEARCH_TEXT}<input type="search"></label></form></div></div>'
        f'<div class="gdpr-notice">{COOKIE_TEXT}</div>'
        '<div id="primary" class="content-area"><div class="entry-content-wrapper">'
        f'<div class="entry-meta"><span class="cat-links"><a rel="category tag" href="#">'
        f"{category}</a></span></div>"
        f'<div class="entry-content">{body}</div>'
        f'<section class="related-articles"><h3>{RELATED_LABEL}</h3><ul>{items}</ul></section>'
        "</div></div>"
        f'<div id="colophon" class="site-info">{FOOTER_TEXT}</div></body></html>'
    )


def _wp_search(site: Site, lang: str, articles: Sequence[Article]) -> str:
    """The search page: every article with its category, title and teaser."""
    rows = "".join(
        f'<article class="kb-result"><span class="kb-category">'
        f"{CATEGORIES['admin' if is_admin(a.id) else 'user'][lang]}</span>"
        f'<h2><a href="{site.path_of(a)}">{html.escape(a.title)}</a></h2>'
        f"<p>{html.escape(str(a.meta.get('description', '')))}</p></article>"
        for a in articles
    )
    return (
        f'<!doctype html><html lang="{lang}"><head><title>Search – Example CRM</title>'
        f'<meta name="robots" content="noindex,follow"></head><body><main><p>{len(articles)} '
        f"articles</p>{rows}</main></body></html>"
    )


def build_site(
    markdown_root: Path,
    dest: Path,
    theme: str,
    base: str,
    ids: set[str] | None = None,
    langs: set[str] | None = None,
) -> Site:
    """Render the articles of `markdown_root` (only `ids` in `langs` when given) as a site
    served at `base`."""
    loaded = load_corpus(markdown_root, "{id}").articles
    articles = [
        a for a in loaded if (ids is None or a.id in ids) and (langs is None or a.lang in langs)
    ]
    dest.mkdir(parents=True, exist_ok=True)
    site = Site(dest, theme, base, articles)
    by_id: dict[str, dict[str, Article]] = {}
    for a in articles:
        by_id.setdefault(a.id, {})[a.lang] = a
    by_lang: dict[str, list[Article]] = {}
    for a in articles:
        by_lang.setdefault(a.lang, []).append(a)
    site.boilerplate |= {COOKIE_TEXT, FOOTER_TEXT, SEARCH_TEXT, TOC_LABEL, RELATED_LABEL}
    for lang, group in by_lang.items():
        sidebar = group[:6]
        nav = "".join(
            f"<p>{label}</p><ul>"
            + "".join(f'<li><a href="{site.path_of(a)}">{a.title}</a></li>' for a in sidebar)
            + "</ul>"
            for label in NAV_LABELS
        )
        nav += f'<a href="{DISALLOWED}draft.html">Drafts</a>'
        site.boilerplate |= set(NAV_LABELS)
        for i, article in enumerate(group):
            path = site.path_of(article)
            if theme == "docs":
                page = _docs_page(site, article, by_id[article.id], nav)
                site.related[path] = [a.title for a in sidebar if a is not article]
            else:
                related = [group[(i + k) % len(group)] for k in (1, 2, 3) if len(group) > k]
                page = _wp_page(site, article, by_id[article.id], related)
                site.related[path] = [a.title for a in related]
            target = dest / path.strip("/")
            if target.suffix != ".html":
                target = target / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, "utf-8")
            site.pages[path] = (article.id, article.lang)
        if theme == "wp":
            search = dest / "kb" / lang / "search" / "index.html"
            search.parent.mkdir(parents=True, exist_ok=True)
            search.write_text(_wp_search(site, lang, group), "utf-8")
    if theme == "wp":
        landing = "".join(f'<a href="/kb/{lang}/search/">{lang}</a>' for lang in by_lang)
        (dest / "kb" / "index.html").write_text(
            '<html><head><meta name="robots" content="noindex"></head><body>'
            f'{landing}<a href="http://offsite.invalid/">Partner</a></body></html>',
            "utf-8",
        )
    (dest / "internal").mkdir(exist_ok=True)
    (dest / "internal" / "draft.html").write_text(
        "<html lang=en><body><main><h1>Draft</h1><p>Not for robots.</p></main></body></html>"
    )
    bad = dest / "en" / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    (bad / "manual.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")
    (bad / "broken.html").write_bytes(
        b"<html lang=en><head><title>Broken page</title><body><main><h1>Broken page</h1>"
        b"<p>Text with a bad byte \xff\xfe and <b>unclosed <div><table><tr><td>cell"
        b"<h2 id=broken-part>Part two</h2><p>More text here about the broken <i>page."
    )
    (dest / "robots.txt").write_text(f"User-agent: *\nDisallow: {DISALLOWED}\n", "utf-8")
    site.write_sitemaps()
    return site


@dataclass(frozen=True)
class Request:
    """One request the server answered."""

    path: str
    conditional: bool
    status: int
    user_agent: str


class SiteServer:
    """Serves a site folder over HTTP with ETag/Last-Modified, 304s, the bad pages, and a
    request log."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def answer(self, h: BaseHTTPRequestHandler) -> int:
        """Answer one GET; returns the status."""
        path = h.path.split("?")[0]
        redirects = {
            "/en/bad/loop.html": "/en/bad/loop-2.html",
            "/en/bad/loop-2.html": "/en/bad/loop.html",
        }
        if path == "/en/bad/server-error.html":
            return self._send(h, 500, b"oops", "text/html")
        if path in redirects:
            self._begin(h, 302)
            h.send_header("Location", redirects[path])
            h.send_header("Content-Length", "0")
            h.end_headers()
            return 302
        file = (self.root / path.lstrip("/")).resolve()
        if file.is_dir():
            file = file / "index.html"
        if self.root.resolve() not in file.parents or not file.is_file():
            return self._send(h, 404, b"not found", "text/html")
        data = file.read_bytes()
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        if h.headers.get("If-None-Match") == etag:
            self._begin(h, 304)
            h.send_header("ETag", etag)
            h.end_headers()
            return 304
        kind = {
            ".html": "text/html; charset=utf-8",
            ".xml": "application/xml",
            ".gz": "application/gzip",
            ".pdf": "application/pdf",
            ".txt": "text/plain",
        }.get(file.suffix, "application/octet-stream")
        if file.name == "broken.html":
            kind = "text/html"
        return self._send(
            h,
            200,
            data,
            kind,
            {"ETag": etag, "Last-Modified": formatdate(file.stat().st_mtime, usegmt=True)},
        )

    def _begin(self, h: BaseHTTPRequestHandler, status: int) -> None:
        """Log the request, then start the response: the log is complete when the client
        has its answer."""
        conditional = bool(h.headers.get("If-None-Match") or h.headers.get("If-Modified-Since"))
        request = Request(
            h.path.split("?")[0], conditional, status, h.headers.get("User-Agent", "")
        )
        with self._lock:
            self.log.append(request)
        h.send_response(status)

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        kind: str,
        headers: dict[str, str] | None = None,
    ) -> int:
        self._begin(h, status)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)
        return status

    def requests(self) -> list[Request]:
        """The requests so far, and forget them."""
        with self._lock:
            taken, self.log = self.log, []
        return taken

    @contextmanager
    def running(self) -> Iterator[SiteServer]:
        """Serve in a background thread for the duration of the block."""
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
            thread.join()
