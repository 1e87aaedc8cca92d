"""The links a section of the docs holds, resolved to the pages they open on the docs site."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from corpus._chunker import Slugger
from corpus._html import language_code
from corpus._model import Article

_SUFFIX = re.compile(r"\.(?:mdx?|html?)$", re.I)
# A target with another extension (`shot.png`, `guide.pdf`) is a file, not an article.
_FILE = re.compile(r"\.\w{1,5}$")
_LANG_SEGMENT = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
Links = tuple[tuple[str, str], ...]
Key = tuple[str, str]


class Targets(dict[Key, str]):
    """Every article's published URL by (language, id), and the anchors of its headings."""

    def __init__(self, articles: Iterable[Article]) -> None:
        articles = list(articles)
        super().__init__(((a.lang, a.id), a.url) for a in articles)
        self._articles = {(a.lang, a.id): a for a in articles}
        #: The article each published path opens (`/en/reports/export`): a root-relative link
        #: may give the page's own address.
        self.paths = {urlsplit(a.url).path.rstrip("/") or "/": (a.lang, a.id) for a in articles}
        self._anchors: dict[Key, frozenset[str]] = {}

    def anchors(self, key: Key) -> frozenset[str]:
        """The anchors the headings of the article `key` get on its page."""
        if key not in self._anchors:
            article = self._articles.get(key)
            self._anchors[key] = _anchors(article) if article else frozenset()
        return self._anchors[key]


def article_urls(articles: Iterable[Article]) -> Targets:
    """Every article's published URL by (language, id), to resolve links against."""
    return Targets(articles)


def _anchors(article: Article) -> frozenset[str]:
    slugger = Slugger(article.explicit_anchors)
    found: set[str] = set()
    fence = ""
    for line in article.body.splitlines():
        if match := _FENCE.match(line):
            mark = match.group(1)
            fence = mark if not fence else ("" if mark.startswith(fence) else fence)
        elif not fence and (match := _HEADING.match(line)):
            found.add(slugger.anchor(match.group(1)))
    return frozenset(found - {""})


def _fold(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )


def _anchor(fragment: str, anchors: frozenset[str]) -> str:
    """The page's own anchor for `fragment`: as written when the page has it (or no headings
    known), else the one anchor it names but for accents (`lagg-till` for `lägg-till`)."""
    if not fragment or not anchors or fragment in anchors:
        return fragment
    folded = _fold(unquote(fragment))
    return next((a for a in sorted(anchors) if _fold(a) == folded), fragment)


def _target_key(article: Article, path: str, urls: Targets) -> Key | None:
    """The (language, id) of the article a relative or root-relative path names, if any."""
    path = _SUFFIX.sub("", path)
    if path.startswith("/") and (key := urls.paths.get(path.rstrip("/") or "/")):
        return key
    base = "" if path.startswith("/") else posixpath.dirname(article.id)
    article_id = posixpath.normpath(posixpath.join(base, path.lstrip("/"))).strip("/")
    article_id = "" if article_id == "." else article_id
    keys = [(article.lang, article_id)]
    # A root-relative link may name the language folder first (`/en/reports/export`), and a
    # relative one may climb out of its language folder into another (`../../en/setup`).
    head, _, rest = article_id.removeprefix("../").partition("/")
    if (path.startswith("/") or article_id.startswith("../")) and _LANG_SEGMENT.match(head):
        keys.append((language_code(head), rest))
    for lang, found in keys:
        for candidate in (found, posixpath.join(found, "index") if found else "index"):
            if (lang, candidate) in urls:
                return lang, candidate
    return None


def resolve(article: Article, target: str, urls: Targets) -> str | None:
    """The URL a link of `article` opens: web addresses as written, relative and root-relative
    paths only when they name an article of the corpus; None otherwise. An anchor that names a
    heading but for its accents is spelled as the page spells it."""
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme in ("http", "https"):
        return target
    if parts.scheme or parts.netloc or not target:
        return None
    if not parts.path:
        if not parts.fragment:
            return None
        key: Key | None = (article.lang, article.id)
    else:
        key = _target_key(article, parts.path, urls)
    if key is None or key not in urls:
        return None
    fragment = _anchor(parts.fragment, urls.anchors(key))
    return f"{urls[key]}#{fragment}" if fragment else urls[key]


def missing_links(article: Article, urls: Targets) -> list[str]:
    """The targets of `article`'s links that name an article the corpus does not have."""
    missing = []
    for _, target in article.links:
        parts = urlsplit(target.strip())
        if parts.scheme or parts.netloc or not parts.path:
            continue
        if _FILE.search(parts.path) and not _SUFFIX.search(parts.path):
            continue
        if _target_key(article, parts.path, urls) is None:
            missing.append(target.strip())
    return list(dict.fromkeys(missing))


def section_links(article: Article, text: str, urls: Targets) -> Links:
    """The links of `article` whose text appears in `text` (one of its sections), each as
    (link text, URL), for those that open a real page."""
    found: dict[str, str] = {}
    for label, target in article.links:
        label = label.strip()
        if label and label not in found and label in text:
            url = resolve(article, target, urls)
            if url is not None:
                found[label] = url
    return tuple(found.items())
