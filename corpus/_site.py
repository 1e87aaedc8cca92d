"""Read a help center from its website: sitemap or crawl, politely, re-syncing incrementally."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from lxml import etree
from protego import Protego
from selectolax.lexbor import LexborHTMLParser

from corpus._html import Page, parse_page
from corpus._model import LoadReport, Skipped
from corpus._pages import Detect, pages_to_articles

DEFAULT_USER_AGENT = "helpcenter-assistant/0.1 (+https://github.com/helpcenter-assistant)"
STATE_FILE = "site-sync.sqlite"
MAX_REDIRECTS = 5
MAX_SITEMAPS = 200
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_XML_TYPES = ("application/xml", "text/xml", "application/gzip", "application/x-gzip")
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)

Warn = Callable[[Skipped], None]


@dataclass(frozen=True)
class Politeness:
    """How a website is read: who we say we are, how fast, and how much."""

    user_agent: str = DEFAULT_USER_AGENT
    delay: float = 1.0
    max_pages: int = 5000
    max_bytes: int = 5_000_000
    timeout: float = 20.0


@dataclass(frozen=True)
class _Stored:
    etag: str
    last_modified: str
    lastmod: float | None
    body: bytes


class SyncState:
    """What the last sync fetched from each URL (validators and body), in its own SQLite file,
    so a re-sync sends conditional requests and re-reads unchanged pages from here."""

    def __init__(self, path: Path, corpus: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS page (corpus TEXT, url TEXT, etag TEXT, "
            "last_modified TEXT, lastmod REAL, body BLOB, PRIMARY KEY (corpus, url))"
        )
        self.corpus = corpus

    def get(self, url: str) -> _Stored | None:
        """The stored response of `url`, if any."""
        row = self._db.execute(
            "SELECT etag, last_modified, lastmod, body FROM page WHERE corpus = ? AND url = ?",
            (self.corpus, url),
        ).fetchone()
        return _Stored(row[0], row[1], row[2], zlib.decompress(row[3])) if row else None

    def put(self, url: str, stored: _Stored) -> None:
        """Remember a response."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO page VALUES (?, ?, ?, ?, ?, ?)",
                (
                    self.corpus,
                    url,
                    stored.etag,
                    stored.last_modified,
                    stored.lastmod,
                    zlib.compress(stored.body),
                ),
            )

    def keep_only(self, urls: set[str]) -> None:
        """Forget every URL of this corpus not in `urls` (gone from the site)."""
        known = [
            r[0] for r in self._db.execute("SELECT url FROM page WHERE corpus = ?", (self.corpus,))
        ]
        with self._db:
            self._db.executemany(
                "DELETE FROM page WHERE corpus = ? AND url = ?",
                [(self.corpus, u) for u in known if u not in urls],
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()


@dataclass(frozen=True)
class Fetched:
    """A response body (from the state when the server answered 304 Not Modified)."""

    url: str
    body: bytes
    charset: str


class SkipPage(Exception):
    """A page is skipped; the message says why."""


@dataclass
class Fetcher:
    """GETs within one host, over http(s), after robots.txt, with a delay between requests,
    redirects followed only within the host, a byte cap and conditional requests."""

    origin: str
    politeness: Politeness
    state: SyncState
    client: httpx.Client = field(init=False)
    robots: Protego | None = field(init=False, default=None)
    stats: Counter[str] = field(default_factory=Counter)
    touched: set[str] = field(default_factory=set)
    _last: float = 0.0

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            headers={"User-Agent": self.politeness.user_agent},
            timeout=self.politeness.timeout,
            follow_redirects=False,
        )
        self.robots = self._robots()

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def _robots(self) -> Protego:
        url = urljoin(self.origin, "/robots.txt")
        try:
            fetched = self.get(url, (), check_robots=False)
        except SkipPage as exc:
            if "HTTP 4" in str(exc):  # no robots.txt: everything is allowed
                return Protego.parse("")
            raise SkipPage(
                f"robots.txt unreadable ({exc}): nothing fetched from this site"
            ) from exc
        return Protego.parse(fetched.body.decode("utf-8", errors="replace"))

    def in_scope(self, url: str) -> bool:
        """Same scheme family (http/https) and the same host and port as the site."""
        parts, site = urlsplit(url), urlsplit(self.origin)
        return parts.scheme in ("http", "https") and parts.netloc == site.netloc

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our user agent fetch `url`."""
        return self.robots is None or bool(self.robots.can_fetch(url, self.politeness.user_agent))

    def _wait(self) -> None:
        delay = self.politeness.delay
        if self.robots is not None:
            delay = max(delay, float(self.robots.crawl_delay(self.politeness.user_agent) or 0))
        pause = self._last + delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last = time.monotonic()

    def get(
        self,
        url: str,
        types: tuple[str, ...] = _HTML_TYPES,
        lastmod: float | None = None,
        check_robots: bool = True,
    ) -> Fetched:
        """The body of `url` (from the state when the server says it has not changed since),
        of one of the content `types` (any when empty); raises SkipPage with the reason
        otherwise."""
        stored = self.state.get(url)
        current, seen = url, [url]
        for _ in range(MAX_REDIRECTS + 1):
            if not self.in_scope(current):
                raise SkipPage(f"leaves the site ({current}); not followed")
            if check_robots and not self.allowed(current):
                raise SkipPage("disallowed by robots.txt")
            headers = {}
            fresh = stored is not None and (
                lastmod is None or stored.lastmod is None or lastmod <= stored.lastmod
            )
            if stored is not None and fresh and current == url:
                if stored.etag:
                    headers["If-None-Match"] = stored.etag
                if stored.last_modified:
                    headers["If-Modified-Since"] = stored.last_modified
            self._wait()
            self.stats["requests"] += 1
            try:
                with self.client.stream("GET", current, headers=headers) as response:
                    if response.status_code in (301, 302, 303, 307, 308):
                        location = response.headers.get("location")
                        if not location:
                            raise SkipPage(f"HTTP {response.status_code} without a Location")
                        target = urldefrag(urljoin(current, location))[0]
                        if target in seen:
                            raise SkipPage("redirect loop")
                        seen.append(target)
                        current = target
                        continue
                    if response.status_code == 304 and stored is not None:
                        self.stats["not modified"] += 1
                        self.touched.add(url)
                        return Fetched(url, stored.body, "")
                    if response.status_code >= 400:
                        raise SkipPage(f"HTTP {response.status_code}")
                    content_type = response.headers.get("content-type", "")
                    if types and content_type.split(";")[0].strip().lower() not in types:
                        raise SkipPage(f"not a page ({content_type or 'no content type'})")
                    body = self._read(response)
            except httpx.TimeoutException as exc:
                raise SkipPage(f"timed out after {self.politeness.timeout:g} s") from exc
            except httpx.HTTPError as exc:
                raise SkipPage(f"request failed ({type(exc).__name__}: {exc})") from exc
            self.stats["fetched"] += 1
            self.touched.add(url)
            self.state.put(
                url,
                _Stored(
                    response.headers.get("etag", ""),
                    response.headers.get("last-modified", ""),
                    lastmod,
                    body,
                ),
            )
            return Fetched(url, body, response.charset_encoding or "")
        raise SkipPage(f"more than {MAX_REDIRECTS} redirects")

    def _read(self, response: httpx.Response) -> bytes:
        cap = self.politeness.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise SkipPage(f"larger than the byte cap ({declared} > {cap} bytes)")
        chunks, size = [], 0
        for part in response.iter_bytes():
            size += len(part)
            if size > cap:
                raise SkipPage(f"larger than the byte cap ({cap} bytes)")
            chunks.append(part)
        return b"".join(chunks)


def decode(body: bytes, charset: str) -> tuple[str, str | None]:
    """A page's text by its declared charset (header, else `<meta charset>`, else UTF-8), and
    a problem when it did not decode cleanly."""
    declared = charset
    if not declared:
        match = _CHARSET.search(body[:2048])
        declared = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return body.decode(declared), None
    except LookupError:
        return body.decode("utf-8", errors="replace"), f"unknown charset {declared!r}"
    except UnicodeDecodeError as exc:
        text = body.decode("cp1252", errors="replace")
        return text, f"invalid {declared} at byte {exc.start}; read as Windows-1252"


@dataclass(frozen=True)
class SitemapEntry:
    """One `<url>` of a sitemap."""

    loc: str
    lastmod: float | None = None
    alternates: tuple[tuple[str, str], ...] = ()


def _when(value: str | None) -> float | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def _gunzip(data: bytes, cap: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, cap + 1)
    if len(out) > cap:
        raise SkipPage(f"sitemap larger than the byte cap ({cap} bytes) once unzipped")
    return out


def parse_sitemap(data: bytes, cap: int) -> tuple[list[SitemapEntry], list[str]]:
    """The pages and the child sitemaps of a sitemap or sitemap index (gzip allowed)."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, cap)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SkipPage(f"not a sitemap ({exc})") from exc
    if root is None:
        raise SkipPage("not a sitemap (empty)")
    entries = []
    for url in root.iter("{*}url"):
        loc = url.findtext("{*}loc")
        if not loc:
            continue
        alternates = tuple(
            (str(link.get("hreflang")), str(link.get("href")))
            for link in url.iter("{*}link")
            if link.get("rel") == "alternate" and link.get("hreflang") and link.get("href")
        )
        entries.append(SitemapEntry(loc.strip(), _when(url.findtext("{*}lastmod")), alternates))
    children = [
        str(s.findtext("{*}loc")).strip() for s in root.iter("{*}sitemap") if s.findtext("{*}loc")
    ]
    return entries, children


def page_links(html: str, url: str) -> Iterator[str]:
    """The absolute link targets of a page, without fragments."""
    for node in LexborHTMLParser(html).css("a[href]"):
        href = node.attributes.get("href") or ""
        if href and not href.startswith(("mailto:", "tel:", "javascript:")):
            yield urldefrag(urljoin(url, href))[0]


@dataclass(frozen=True)
class SiteSource:
    """A website: its sitemap, or a start URL crawled within its host and path prefix."""

    url: str
    sitemap: bool
    politeness: Politeness = field(default_factory=Politeness)


def load_site(
    source: SiteSource,
    state_path: Path,
    corpus: str,
    default_lang: str = "en",
    detect: Detect | None = None,
    on_warning: Warn | None = None,
) -> LoadReport:
    """Read every allowed page of a website into articles; each bad page is skipped with one
    warning. `report.stats` counts requests, pages not modified and pages fetched."""
    report = LoadReport()

    def skip(url: str, reason: str) -> None:
        report.skipped.append(Skipped(url, reason))
        if on_warning:
            on_warning(report.skipped[-1])

    def warn(url: str, reason: str) -> None:
        report.warnings.append(Skipped(url, reason))
        if on_warning:
            on_warning(report.warnings[-1])

    parts = urlsplit(source.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{source.url}: a website is given by an http(s) URL")
    origin = f"{parts.scheme}://{parts.netloc}/"
    state = SyncState(state_path, corpus)
    try:
        fetcher = Fetcher(origin, source.politeness, state)
    except SkipPage as exc:
        state.close()
        raise ValueError(f"{source.url}: {exc}") from exc
    pages: list[Page] = []

    def read(url: str, lastmod: float | None = None) -> str | None:
        if len(pages) >= source.politeness.max_pages:
            return None
        try:
            fetched = fetcher.get(url, lastmod=lastmod)
        except SkipPage as exc:
            if str(exc) == "disallowed by robots.txt":
                report.stats["disallowed by robots.txt"] += 1
            else:
                skip(url, str(exc))
            return None
        text, problem = decode(fetched.body, fetched.charset)
        if problem:
            warn(url, problem)
        pages.append(parse_page(text, url))
        return text

    try:
        if source.sitemap:
            _from_sitemaps(source.url, fetcher, read, skip, pages)
        else:
            _crawl(source.url, fetcher, read)
        if len(pages) >= source.politeness.max_pages:
            warn(source.url, f"stopped at the page cap ({source.politeness.max_pages} pages)")
        state.keep_only(fetcher.touched)
    finally:
        fetcher.close()
        state.close()
    base = source.url if not source.sitemap else urljoin(source.url, "./")
    report.articles = pages_to_articles(
        pages, base, corpus, default_lang, detect, lambda s: skip(str(s.path), s.reason)
    )
    report.stats.update(fetcher.stats)
    return report


def _from_sitemaps(
    url: str,
    fetcher: Fetcher,
    read: Callable[[str, float | None], str | None],
    skip: Callable[[str, str], None],
    pages: list[Page],
) -> None:
    todo, done = deque([url]), set[str]()
    entries: dict[str, SitemapEntry] = {}
    while todo and len(done) < MAX_SITEMAPS:
        current = todo.popleft()
        if current in done:
            continue
        done.add(current)
        try:
            fetched = fetcher.get(current, (*_XML_TYPES, "application/octet-stream"))
            found, children = parse_sitemap(fetched.body, fetcher.politeness.max_bytes)
        except SkipPage as exc:
            skip(current, str(exc))
            continue
        todo.extend(children)
        for entry in found:
            entries.setdefault(urldefrag(entry.loc)[0], entry)
    for loc, entry in entries.items():
        if not fetcher.in_scope(loc):
            skip(loc, "leaves the site; not followed")
            continue
        before = len(pages)
        read(loc, entry.lastmod)
        if len(pages) > before and entry.alternates:
            page = pages[-1]
            extra = tuple((lang, href) for lang, href in entry.alternates if lang != "x-default")
            pages[-1] = replace(page, alternates=tuple(dict.fromkeys((*page.alternates, *extra))))


def _crawl(start: str, fetcher: Fetcher, read: Callable[[str, float | None], str | None]) -> None:
    prefix = urljoin(start, "./")
    queue, seen = deque([urldefrag(start)[0]]), {urldefrag(start)[0]}
    while queue:
        url = queue.popleft()
        text = read(url, None)
        if text is None:
            continue
        for link in page_links(text, url):
            if link not in seen and link.startswith(prefix) and fetcher.in_scope(link):
                seen.add(link)
                queue.append(link)
