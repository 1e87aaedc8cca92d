"""The links a section of the docs holds, resolved to the pages they open on the docs site."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from corpus._model import Article

_SUFFIX = re.compile(r"\.(?:mdx?|html?)$", re.I)
Links = tuple[tuple[str, str], ...]


def article_urls(articles: Iterable[Article]) -> dict[tuple[str, str], str]:
    """Every article's published URL by (language, id)."""
    return {(a.lang, a.id): a.url for a in articles}


def resolve(article: Article, target: str, urls: Mapping[tuple[str, str], str]) -> str | None:
    """The URL a link of `article` opens: web addresses as written, relative paths only when
    they name an article of the corpus (in the article's language); None otherwise."""
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme in ("http", "https"):
        return target
    if parts.scheme or parts.netloc or not target:
        return None
    anchor = f"#{parts.fragment}" if parts.fragment else ""
    if not parts.path:
        return f"{article.url}{anchor}" if anchor else None
    path = _SUFFIX.sub("", parts.path)
    base = "" if path.startswith("/") else posixpath.dirname(article.id)
    article_id = posixpath.normpath(posixpath.join(base, path.lstrip("/"))).strip("/")
    for candidate in (article_id, f"{article_id}/index"):
        url = urls.get((article.lang, candidate))
        if url is not None:
            return f"{url}{anchor}"
    return None


def section_links(article: Article, text: str, urls: Mapping[tuple[str, str], str]) -> Links:
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
